// Proving that content pipe hashed is what a DVC hash names, and
// remembering it so the next check reads nothing.
#include <doctest/doctest.h>

#include "artifact.h"
#include "dvc_hash.h"
#include "dvc_proof.h"
#include "fake_disk.h"
#include "state_db.h"
#include "temp_project.h"

using namespace pipeline;
using pipeline::testing::FakeDisk;

TEST_CASE("a file is proven by DVC 3's md5 or DVC 2's md5-dos2unix, and a wrong md5 is not") {
  FakeDisk disk;
  disk.write("data.csv", "a,b\r\n1,2\r\n");
  StateDb state(":memory:");
  ArtifactHasher hasher(disk, &state);
  const ArtifactInfo& now = hasher.hash("data.csv");
  CHECK(dvc_proves(disk, &state, "data.csv", now, md5_hex("a,b\r\n1,2\r\n"), false));
  CHECK(dvc_proves(disk, &state, "data.csv", now, md5_hex("a,b\n1,2\n"), true));
  CHECK_FALSE(dvc_proves(disk, &state, "data.csv", now, md5_hex("a,b\n1,2\n"), false));
  CHECK_FALSE(dvc_proves(disk, &state, "data.csv", now, md5_hex("a,b\n1,2\n") + ".dir", true));  // not a directory
}

TEST_CASE("a directory is proven by the md5 of its .dir manifest, and the next check reads no file") {
  FakeDisk disk;
  disk.write("d/foo", "foo");
  disk.write("d/bar", "bar");
  StateDb state(":memory:");
  ArtifactHasher hasher(disk, &state);
  const ArtifactInfo& now = hasher.hash("d");
  // dvc-data's own test vector for {foo: foo, bar: bar}.
  const std::string name = "5ea40360f5b4ec688df672a4db9c17d1.dir";
  const uint64_t before = disk.reads;
  CHECK(dvc_proves(disk, &state, "d", now, name, false));
  CHECK(disk.reads > before);
  const uint64_t proven = disk.reads;
  CHECK(dvc_proves(disk, &state, "d", now, name, false));
  CHECK(disk.reads == proven);  // from the state db's map
  CHECK_FALSE(dvc_proves(disk, &state, "d", now, "5ea40360f5b4ec688df672a4db9c17d2.dir", false));
  CHECK(disk.reads == proven);  // the map says what the content's md5 is
}

TEST_CASE("a changed directory is checked file by file only where a file is new to the map") {
  FakeDisk disk;
  for (int i = 0; i < 20; ++i) disk.write("d/f" + std::to_string(i), "data " + std::to_string(i));
  StateDb state(":memory:");
  {
    ArtifactHasher hasher(disk, &state);
    dvc_proves(disk, &state, "d", hasher.hash("d"), std::string(32, 'a') + ".dir", false);
  }
  disk.write("d/f3", "changed");
  ArtifactHasher hasher(disk, &state);
  const ArtifactInfo& now = hasher.hash("d");
  const uint64_t before = disk.reads;
  dvc_proves(disk, &state, "d", now, std::string(32, 'b') + ".dir", false);
  CHECK(disk.reads == before + 1);  // f3 only
}

TEST_CASE("an entry known only by DVC's hash resolves once the map has learnt it, and compares by content") {
  FakeDisk disk;
  disk.write("model.pkl", "weights");
  StateDb state(":memory:");
  LockedArtifact a{"model.pkl", {}};
  a.md5 = md5_hex("weights");
  a.pending = true;
  CHECK_FALSE(resolve_pending(&state, a));
  ArtifactHasher hasher(disk, &state);
  const ArtifactInfo& now = hasher.hash("model.pkl");
  CHECK(same_content(disk, &state, a, now));
  REQUIRE(resolve_pending(&state, a));
  CHECK_FALSE(a.pending);
  CHECK(a.digest == Digest::of("weights"));
  disk.write("model.pkl", "retrained");
  ArtifactHasher again(disk, &state);
  CHECK_FALSE(same_content(disk, &state, a, again.hash("model.pkl")));
}

TEST_CASE("a directory of many files on the real disk is proven on several threads, as on one") {
  pipeline::testing::TempDir t;
  std::vector<DvcDirEntry> listed;
  for (int i = 0; i < 40; ++i) {
    const std::string name = "f" + std::to_string(i) + ".txt";
    const std::string text = "row " + std::to_string(i) + "\r\n";
    pipeline::testing::TempProject::write_abs(t.path + "/d/" + name, text);
    listed.push_back({name, md5_hex("row " + std::to_string(i) + "\n")});  // DVC 2: CRLF read as LF
  }
  const std::string name = md5_hex(dvc_dir_json(listed)) + ".dir";
  auto disk = make_real_disk(t.path);
  StateDb state(":memory:");
  ArtifactHasher hasher(*disk, &state);
  const ArtifactInfo& now = hasher.hash("d");
  CHECK(dvc_proves(*disk, &state, "d", now, name, true));
  std::string md5;
  REQUIRE(state.md5_of(true, Digest::of("row 7\r\n"), &md5));
  CHECK(md5 == md5_hex("row 7\n"));
}

TEST_CASE("md5-dos2unix names a CRLF file and its LF twin alike: a remembered digest of one does not refute the other") {
  FakeDisk disk;
  StateDb state(":memory:");
  const std::string md5 = md5_hex("a\nb\n");
  disk.write("t.csv", "a\r\nb\r\n");
  {
    ArtifactHasher hasher(disk, &state);
    REQUIRE(dvc_proves(disk, &state, "t.csv", hasher.hash("t.csv"), md5, true));
  }
  disk.write("t.csv", "a\nb\n");  // converted to LF: DVC 2 sees no change
  ArtifactHasher hasher(disk, &state);
  CHECK(dvc_proves(disk, &state, "t.csv", hasher.hash("t.csv"), md5, true));
  disk.write("t.csv", "a\nc\n");
  ArtifactHasher again(disk, &state);
  CHECK_FALSE(dvc_proves(disk, &state, "t.csv", again.hash("t.csv"), md5, true));
}
