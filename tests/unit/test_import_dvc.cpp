// import-dvc on small DVC repositories written by hand here (hashes are
// dvc-data's own test vectors or MD5s of literal bytes).
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "config.h"
#include "error.h"
#include "document.h"
#include "import_dvc.h"
#include "object_store.h"
#include "ssl_digests.h"
#include "temp_project.h"
#include "tracked.h"
#include "workspace.h"

using namespace pipeline;
using pipeline::testing::TempProject;

namespace {

bool has_line(const std::vector<std::string>& lines, const std::string& part) {
  for (const std::string& l : lines)
    if (l.find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("import-dvc maps the remotes pipe speaks, secrets into config.local, and names what it leaves out") {
  TempProject t;
  t.write(".dvc/config",
          "[core]\n    remote = drive\n"
          "['remote \"s3store\"']\n    url = s3://bucket/dvcstore\n    endpointurl = https://minio:9000\n"
          "    region = eu-west-1\n    credentialpath = ~/.aws/other\n    version_aware = true\n"
          "['remote \"web\"']\n    url = https://dagshub.com/x/y.dvc\n    auth = digest\n"
          "['remote \"drive\"']\n    url = gdrive://1a2b\n"
          "['remote \"win\"']\n    url = C:\\Users\\mo\\store\n"
          "['remote \"near\"']\n    url = ../dvc-store\n");
  t.write(".dvc/config.local", "['remote \"s3store\"']\n    access_key_id = AKIA1\n    secret_access_key = s3cret\n");
  Workspace ws = load_workspace(t.project);
  ImportReport report;
  import_dvc_config(ws, report);
  const Config c = Config::load(t.project.state_path(""));
  CHECK(c.get("remote.s3store.url", "") == "s3://bucket/dvcstore");
  CHECK(c.get("remote.s3store.endpointurl", "") == "https://minio:9000");
  CHECK(c.get("remote.s3store.credentialpath", "") == "~/.aws/other");
  CHECK(c.get("remote.s3store.layout", "") == "dvc");
  CHECK(c.get("remote.near.url", "") == "../dvc-store");  // relative to .dvc/, as pipe's are to .pipe/
  CHECK(c.get("remote.web.url", "") == "https://dagshub.com/x/y.dvc");
  CHECK(c.find("remote.web.auth") == nullptr);
  CHECK(c.find("remote.drive.url") == nullptr);
  CHECK(c.find("remote.win.url") == nullptr);
  CHECK(c.find("core.remote") == nullptr);
  // Secrets: only in config.local.
  const std::string committed = TempProject::read_abs(t.project.state_path(kConfigFile));
  const std::string local = TempProject::read_abs(t.project.state_path(kLocalConfigFile));
  CHECK(committed.find("s3cret") == std::string::npos);
  CHECK(committed.find("AKIA1") == std::string::npos);
  CHECK(local.find("s3cret") != std::string::npos);
  CHECK(has_line(report.settings, "remote.s3store.secret_access_key = *** (in .pipe/config.local)"));
  CHECK_FALSE(has_line(report.settings, "s3cret"));
  CHECK(has_line(report.notes, "remote 's3store': option 'version_aware' has no pipe equivalent"));
  CHECK(has_line(report.notes, "remote 'web': auth 'digest' is not one pipe speaks"));
  CHECK(has_line(report.notes, "remote 'drive' (gdrive://)"));
  CHECK(has_line(report.notes, "remote 'win' (C:\\Users\\mo\\store)"));
  CHECK(has_line(report.notes, "core.remote 'drive' was left out"));
}

TEST_CASE("import-dvc outside a DVC repository says so") {
  TempProject t;
  Workspace ws = load_workspace(t.project);
  CHECK_THROWS_WITH_AS(import_dvc(ws), doctest::Contains("not a DVC repository"), Error);
}

TEST_CASE("data only DVC's cache holds is proven there and copied into pipe's cache; the workspace is untouched") {
  TempProject t;
  t.write(".dvc/config", "");
  // DVC 3 keeps md5 objects under files/md5/; DVC 2's at the top level.
  t.write(".dvc/cache/files/md5/ac/bd18db4cc2f85cedef654fccc4a4d8", "foo");
  t.write(".dvc/cache/37/b51d194a7513e45b56f6524f2d51f2", "bar");
  t.write("foo.txt.dvc", "outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  hash: md5\n  path: foo.txt\n");
  t.write("bar.txt.dvc", "outs:\n- md5: 37b51d194a7513e45b56f6524f2d51f2\n  size: 3\n  path: bar.txt\n");
  t.write("gone.txt.dvc", "outs:\n- md5: 0cc175b9c0f1b6a831c399e269772661\n  size: 1\n  path: gone.txt\n");
  Workspace ws = load_workspace(t.project);
  const ImportReport r = import_dvc(ws);
  CHECK(r.tracked == 3);
  CHECK(r.proven == 2);
  CHECK(r.from_dvc_cache == 2);
  REQUIRE(r.pending.size() == 1);
  CHECK(r.pending[0] == "gone.txt: not in the workspace or DVC's cache; 'pipe pull' fetches it from the DVC remote");
  const LockedArtifact foo = parse_tracked("foo.txt.pipe", TempProject::read_abs(t.root + "/foo.txt.pipe"));
  CHECK(foo.digest == Digest::of("foo"));
  CHECK(foo.md5 == "acbd18db4cc2f85cedef654fccc4a4d8");
  CHECK(t.project.cache->has(Digest::of("foo")));
  CHECK(t.project.cache->has(Digest::of("bar")));
  CHECK_FALSE(std::filesystem::exists(t.root + "/foo.txt"));
  // Linked, not copied: DVC's objects never change, as pipe's.
  CHECK(std::filesystem::equivalent(t.project.cache->object_path(Digest::of("foo")),
                                    t.root + "/.dvc/cache/files/md5/ac/bd18db4cc2f85cedef654fccc4a4d8"));
  const LockedArtifact gone = parse_tracked("gone.txt.pipe", TempProject::read_abs(t.root + "/gone.txt.pipe"));
  CHECK(gone.pending);
  CHECK(gone.md5_dos2unix);
}

TEST_CASE("workspace data is copied into pipe's cache, never linked nor made read-only; DVC's copy is linked") {
  TempProject t;
  t.write(".dvc/config", "");
  t.write("a.txt", "foo");
  t.write("b.txt", "bar");
  t.write(".dvc/cache/files/md5/37/b51d194a7513e45b56f6524f2d51f2", "bar");
  t.write("a.txt.dvc", "outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  hash: md5\n  path: a.txt\n");
  t.write("b.txt.dvc", "outs:\n- md5: 37b51d194a7513e45b56f6524f2d51f2\n  size: 3\n  hash: md5\n  path: b.txt\n");
  const auto mode_a = std::filesystem::status(t.root + "/a.txt").permissions();
  Workspace ws = load_workspace(t.project);
  const ImportReport r = import_dvc(ws);
  CHECK(r.proven == 2);
  CHECK(r.from_dvc_cache == 0);  // both proven from the workspace
  CHECK_FALSE(std::filesystem::equivalent(t.project.cache->object_path(Digest::of("foo")), t.root + "/a.txt"));
  CHECK(std::filesystem::status(t.root + "/a.txt").permissions() == mode_a);
  CHECK(std::filesystem::equivalent(t.project.cache->object_path(Digest::of("bar")),
                                    t.root + "/.dvc/cache/files/md5/37/b51d194a7513e45b56f6524f2d51f2"));
}

TEST_CASE("a directory only DVC's cache holds is rebuilt from its .dir manifest, each file checked") {
  TempProject t;
  t.write(".dvc/config", "");
  t.write(".dvc/cache/files/md5/5e/a40360f5b4ec688df672a4db9c17d1.dir",
          "[{\"md5\": \"37b51d194a7513e45b56f6524f2d51f2\", \"relpath\": \"bar\"}, "
          "{\"md5\": \"acbd18db4cc2f85cedef654fccc4a4d8\", \"relpath\": \"foo\"}]");
  t.write(".dvc/cache/files/md5/ac/bd18db4cc2f85cedef654fccc4a4d8", "foo");
  t.write(".dvc/cache/files/md5/37/b51d194a7513e45b56f6524f2d51f2", "bar");
  t.write("d.dvc", "outs:\n- md5: 5ea40360f5b4ec688df672a4db9c17d1.dir\n  size: 6\n  nfiles: 2\n  hash: md5\n  path: d\n");
  Workspace ws = load_workspace(t.project);
  const ImportReport r = import_dvc(ws);
  CHECK(r.pending.empty());
  const LockedArtifact d = parse_tracked("d.pipe", TempProject::read_abs(t.root + "/d.pipe"));
  std::vector<ManifestEntry> entries;
  REQUIRE(t.project.cache->read_manifest(d.digest, &entries));
  CHECK(entries.size() == 2);
  CHECK(d.nfiles == 2);
  CHECK(d.size == 6);
  // A damaged object in DVC's cache proves nothing.
  TempProject u;
  u.write(".dvc/config", "");
  u.write(".dvc/cache/files/md5/ac/bd18db4cc2f85cedef654fccc4a4d8", "fox");
  u.write("foo.txt.dvc", "outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  hash: md5\n  path: foo.txt\n");
  Workspace wu = load_workspace(u.project);
  CHECK(import_dvc(wu).pending.size() == 1);
  CHECK_FALSE(u.project.cache->has(Digest::of("fox")));
}

TEST_CASE("what DVC kept in config.local stays local, secret or not; credentials in a URL are split off") {
  TempProject t;
  t.write(".dvc/config", "['remote \"shared\"']\n    url = https://dvcuser:tok3n@host.example/store\n");
  t.write(".dvc/config.local", "[core]\n    remote = Private\n['remote \"private\"']\n    url = s3://my-own-bucket/x\n");
  Workspace ws = load_workspace(t.project);
  ImportReport report;
  import_dvc_config(ws, report);
  const std::string committed = TempProject::read_abs(t.project.state_path(kConfigFile));
  const std::string local = TempProject::read_abs(t.project.state_path(kLocalConfigFile));
  CHECK(committed.find("my-own-bucket") == std::string::npos);
  CHECK(local.find("my-own-bucket") != std::string::npos);
  CHECK(committed.find("tok3n") == std::string::npos);
  CHECK(committed.find("https://host.example/store") != std::string::npos);
  CHECK(local.find("password = 'tok3n'") != std::string::npos);
  CHECK(local.find("user = 'dvcuser'") != std::string::npos);
  CHECK_FALSE(has_line(report.settings, "tok3n"));
  // DVC lower-cases core.remote as it does the remote's section.
  const Config c = Config::load(t.project.state_path(""));
  CHECK(c.get("core.remote", "") == "private");
}

TEST_CASE("a DVC object that is not the bytes it is named for is not linked: the workspace's copy is cached") {
  TempProject t;
  t.write(".dvc/config", "");
  t.write("foo.txt", "foo");
  t.write(".dvc/cache/files/md5/ac/bd18db4cc2f85cedef654fccc4a4d8", "fox");  // bit rot in DVC's cache
  t.write("foo.txt.dvc", "outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  hash: md5\n  path: foo.txt\n");
  Workspace ws = load_workspace(t.project);
  const ImportReport r = import_dvc(ws);
  CHECK(r.proven == 1);
  CHECK(TempProject::read_abs(t.project.cache->object_path(Digest::of("foo"))) == "foo");
  CHECK_FALSE(t.project.cache->has(Digest::of("fox")));
}

TEST_CASE("a DVC object hard-linked to a workspace file (DVC's cache.type hardlink) is copied, not linked") {
  TempProject t;
  t.write(".dvc/config", "");
  t.write("foo.txt", "foo");
  std::filesystem::create_directories(t.root + "/.dvc/cache/files/md5/ac");
  std::filesystem::create_hard_link(t.root + "/foo.txt", t.root + "/.dvc/cache/files/md5/ac/bd18db4cc2f85cedef654fccc4a4d8");
  t.write("foo.txt.dvc", "outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  hash: md5\n  path: foo.txt\n");
  Workspace ws = load_workspace(t.project);
  import_dvc(ws);
  REQUIRE(t.project.cache->has(Digest::of("foo")));
  CHECK_FALSE(std::filesystem::equivalent(t.project.cache->object_path(Digest::of("foo")), t.root + "/foo.txt"));
}

TEST_CASE("a .dvc file pipe cannot take is left out with a warning; the project still loads and imports") {
  TempProject t;
  t.write(".dvc/config", "");
  t.write("old.dvc", "cmd: python make.py\nouts:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  path: a\n"
                     "- md5: 37b51d194a7513e45b56f6524f2d51f2\n  path: b\n");
  t.write("evil.dvc", "outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  path: .git/hooks/post-checkout\n");
  std::vector<std::string> warnings;
  set_warning_sink([&](const std::string& m) { warnings.push_back(m); });
  Workspace ws = load_workspace(t.project);
  set_warning_sink(nullptr);
  CHECK(ws.tracked.empty());
  CHECK(has_line(warnings, "old.dvc:1:1: pipe reads .dvc files with one output"));
  CHECK(has_line(warnings, "evil.dvc:2:3:"));
  const ImportReport r = import_dvc(ws);
  CHECK(r.tracked == 0);
  CHECK(has_line(r.notes, "evil.dvc:2:3:"));
  CHECK_FALSE(std::filesystem::exists(t.root + "/.git/hooks/post-checkout.pipe"));
}
