// Pulling by md5 from a remote in DVC's layout (a directory remote here;
// nginx and Swift in tests/system/test_import_dvc_remotes.sh).
#include <doctest/doctest.h>

#include <string>

#include "backends.h"
#include "dvc_fetch.h"
#include "lockfile.h"
#include "object_store.h"
#include "ssl_digests.h"
#include "state_db.h"
#include "temp_project.h"

using namespace pipeline;
using pipeline::testing::TempDir;
using pipeline::testing::TempProject;

namespace {

// dvc-data's test vector: a directory {foo: "foo", bar: "bar"}, and a CRLF
// text file DVC 2 hashed as LF.
struct DvcRemote {
  TempDir dir;
  std::string crlf = "a,b\r\n1,2\r\n";
  std::string crlf_md5 = md5_hex("a,b\n1,2\n");
  DvcRemote() {
    write("files/md5/5e/a40360f5b4ec688df672a4db9c17d1.dir",
          "[{\"md5\": \"37b51d194a7513e45b56f6524f2d51f2\", \"relpath\": \"bar\"}, "
          "{\"md5\": \"acbd18db4cc2f85cedef654fccc4a4d8\", \"relpath\": \"foo\"}]");
    write("files/md5/ac/bd18db4cc2f85cedef654fccc4a4d8", "foo");
    write("files/md5/37/b51d194a7513e45b56f6524f2d51f2", "bar");
    write(crlf_md5.substr(0, 2) + "/" + crlf_md5.substr(2), crlf);  // DVC 2: the top level
  }
  void write(const std::string& key, const std::string& text) const { TempProject::write_abs(dir.path + "/" + key, text); }
};

LockedArtifact pending(const std::string& path, const std::string& md5, bool dos2unix) {
  LockedArtifact a{path, {}};
  a.md5 = md5;
  a.md5_dos2unix = dos2unix;
  a.pending = true;
  a.is_dir = a.is_dvc_dir();
  return a;
}

}  // namespace

TEST_CASE("objects are fetched by md5, DVC 3's and DVC 2's, cached under pipe's digest, and learnt") {
  DvcRemote remote;
  TempProject t;
  auto r = make_local_remote(remote.dir.path);
  const std::vector<LockedArtifact> wanted = {pending("d", "5ea40360f5b4ec688df672a4db9c17d1.dir", false),
                                              pending("t.csv", remote.crlf_md5, true)};
  const TransferReport first = fetch_from_dvc(t.project, *r, wanted, 4, {});
  CHECK(first.failed == 0);
  CHECK(first.transferred == 4);  // a manifest and three files
  CHECK(t.project.cache->has(Digest::of("foo")));
  CHECK(t.project.cache->has(Digest::of(remote.crlf)));  // the bytes as they are, CRLF kept
  Digest d;
  REQUIRE(t.project.state->lookup_md5(false, "5ea40360f5b4ec688df672a4db9c17d1.dir", &d));
  std::vector<ManifestEntry> entries;
  REQUIRE(t.project.cache->read_manifest(d, &entries));
  CHECK(entries.size() == 2);
  const TransferReport second = fetch_from_dvc(t.project, *r, wanted, 4, {});
  CHECK(second.transferred == 0);
  CHECK(second.skipped == 2);  // the directory whole, and the file
}

TEST_CASE("an object whose bytes do not hash to its md5 is refused and never cached") {
  DvcRemote remote;
  remote.write("files/md5/ac/bd18db4cc2f85cedef654fccc4a4d8", "fox");
  TempProject t;
  auto r = make_local_remote(remote.dir.path);
  const TransferReport got =
      fetch_from_dvc(t.project, *r, {pending("foo.txt", "acbd18db4cc2f85cedef654fccc4a4d8", false)}, 2, {});
  CHECK(got.failed == 1);
  REQUIRE(got.errors.size() == 1);
  CHECK(got.errors[0].find("content does not match its md5 acbd18db4cc2f85cedef654fccc4a4d8") != std::string::npos);
  CHECK(got.errors[0].find("gave up after 4 attempts") != std::string::npos);
  CHECK_FALSE(t.project.cache->has(Digest::of("fox")));
}

TEST_CASE("content with the right md5 but not the digest pipe.lock records is refused") {
  DvcRemote remote;
  TempProject t;
  auto r = make_local_remote(remote.dir.path);
  LockedArtifact a = pending("foo.txt", "acbd18db4cc2f85cedef654fccc4a4d8", false);
  a.pending = false;
  a.digest = Digest::of("not foo");
  const TransferReport got = fetch_from_dvc(t.project, *r, {a}, 2, {});
  CHECK(got.failed == 1);
  CHECK(got.errors.at(0).find("not what pipe.lock records") != std::string::npos);
  CHECK_FALSE(t.project.cache->has(Digest::of("foo")));
}

TEST_CASE("a DVC object's key: DVC 3's under files/md5/, DVC 2's at the top") {
  CHECK(dvc_object_key("acbd18db4cc2f85cedef654fccc4a4d8", false) == "files/md5/ac/bd18db4cc2f85cedef654fccc4a4d8");
  CHECK(dvc_object_key("5ea40360f5b4ec688df672a4db9c17d1.dir", true) == "5e/a40360f5b4ec688df672a4db9c17d1.dir");
}
