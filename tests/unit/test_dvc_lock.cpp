// A dvc.lock read as pipe's record before any import.
#include <doctest/doctest.h>

#include <string>

#include "dvc_lock.h"
#include "error.h"
#include "lockfile.h"
#include "ssl_digests.h"
#include "status.h"
#include "temp_project.h"
#include "workspace.h"

using namespace pipeline;
using pipeline::testing::TempProject;

namespace {

// A stage run in wdir `work`, as DVC records it: paths from there.
void write_repo(TempProject& t, const std::string& input) {
  t.write("dvc.yaml", "stages:\n  count:\n    wdir: work\n    cmd: wc -l in.txt > out.txt\n    deps: [in.txt]\n"
                      "    params: [n]\n    outs: [out.txt]\n");
  t.write("work/in.txt", input);
  t.write("work/out.txt", "2 in.txt\n");
  t.write("work/params.yaml", "n: 3\n");
  t.write("dvc.lock", "schema: '2.0'\nstages:\n  count:\n    cmd: wc -l in.txt > out.txt\n    deps:\n"
                      "    - path: in.txt\n      hash: md5\n      md5: " + md5_hex("a\nb\n") + "\n      size: 4\n"
                      "    params:\n      params.yaml:\n        n: 3\n    outs:\n    - path: out.txt\n      hash: md5\n"
                      "      md5: " + md5_hex("2 in.txt\n") + "\n      size: 9\n");
}

}  // namespace

TEST_CASE("without pipe.lock, dvc.lock is the record: paths from the stage's wdir, each entry known by md5") {
  TempProject t;
  write_repo(t, "a\nb\n");
  Workspace ws = load_workspace(t.project);
  const LockedStage* s = ws.locks.find("count");
  REQUIRE(s);
  REQUIRE(s->deps.size() == 1);
  CHECK(s->deps[0].path == "work/in.txt");
  CHECK(s->deps[0].pending);
  CHECK(s->params.count("work/params.yaml"));
  CHECK(s->outs.at(0).path == "work/out.txt");
  StatusReport r = status(ws, {});
  CHECK_FALSE(r.changed());
  // Proven once, the entries resolve from the state db the next time.
  Workspace again = load_workspace(t.project);
  CHECK_FALSE(again.locks.find("count")->deps[0].pending);
}

TEST_CASE("without pipe.lock, a dep that differs from dvc.lock shows as modified") {
  TempProject t;
  write_repo(t, "a\nb\nc\n");
  Workspace ws = load_workspace(t.project);
  StatusReport r = status(ws, {});
  REQUIRE(r.changed());
  REQUIRE(r.stages.size() == 1);
  CHECK(r.stages[0].reasons.at(0).describe() == "dep modified: work/in.txt");
}

TEST_CASE("a pipe.lock beside the dvc.yaml wins over dvc.lock; a pipe.yaml's folder has no dvc.lock") {
  TempProject t;
  write_repo(t, "a\nb\n");
  t.write("pipe.lock", "schema: 1\nstages: {}\n");
  Workspace ws = load_workspace(t.project);
  CHECK(ws.locks.find("count") == nullptr);
  CHECK(dvc_lock_path("sub/dvc.yaml") == "sub/dvc.lock");
  CHECK(dvc_lock_path("pipe.yaml").empty());
}

TEST_CASE("a dvc.lock path that leaves the project is refused with its location") {
  TempProject t;
  write_repo(t, "a\nb\n");
  t.write("dvc.lock", "schema: '2.0'\nstages:\n  count:\n    cmd: x\n    deps:\n    - path: ../../../etc/passwd\n"
                      "      md5: " + md5_hex("x") + "\n");
  CHECK_THROWS_WITH_AS(load_workspace(t.project), doctest::Contains("dvc.lock:6:7: '../../../etc/passwd'"), Error);
}

TEST_CASE("an entry DVC recorded without an md5 (a dep by URL, its etag) is left out, and the lock still round-trips") {
  TempProject t;
  write_repo(t, "a\nb\n");
  t.write("dvc.lock", "schema: '2.0'\nstages:\n  count:\n    cmd: wc -l in.txt > out.txt\n    deps:\n"
                      "    - path: https://example.invalid/in.csv\n      etag: '\"6d5f\"'\n      hash: md5\n      size: 5\n"
                      "    - path: in.txt\n      hash: md5\n      md5: " + md5_hex("a\nb\n") + "\n"
                      "    outs:\n    - path: out.txt\n      hash: md5\n      md5: " + md5_hex("2 in.txt\n") + "\n");
  Workspace ws = load_workspace(t.project);
  const LockedStage* s = ws.locks.find("count");
  REQUIRE(s);
  REQUIRE(s->deps.size() == 1);
  CHECK(s->deps[0].path == "work/in.txt");
  LockFile lock;
  lock.stages["count"] = *s;
  CHECK(parse_lock(render_lock(lock)).stages.at("count").deps.size() == 1);
}
