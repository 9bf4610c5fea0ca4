// gc must never remove an object something may still reference: when it
// cannot read a place references live, it collects nothing.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "error.h"
#include "faulty_file_system.h"
#include "gc.h"
#include "object_store.h"
#include "project.h"
#include "state_db.h"
#include "temp_project.h"

using namespace pipeline;
using pipeline::testing::FaultyFileSystem;
using pipeline::testing::TempDir;
using pipeline::testing::TempProject;

TEST_CASE("gc collects an unreferenced object past its grace period") {
  TempDir t;
  const std::string root = t.path + "/project";
  TempProject::write_abs(root + "/loose.txt", "nobody wants me");
  Project p = open_project(root);
  p.cache->put_file(root + "/loose.txt", Digest::of("nobody wants me"));
  const GcReport dry = collect_garbage(p, {}, 0, false);
  CHECK(dry.removable.size() == 1);
  CHECK(p.cache->has(Digest::of("nobody wants me")));
  collect_garbage(p, {}, 0, true);
  CHECK_FALSE(p.cache->has(Digest::of("nobody wants me")));
}

TEST_CASE("gc removes nothing when the run-cache cannot be listed, since its entries may reference objects") {
  TempDir t;
  const std::string root = t.path + "/project";
  TempProject::write_abs(root + "/loose.txt", "maybe a run's output");
  TempProject::write_abs(root + "/.pipe/runs/ab/cdef", "schema: '2.0'\nstages: {}\n");
  FaultyFileSystem fs(t.path, t.path + "/backup");
  Project p = open_project(root, fs);
  p.cache->put_file(root + "/loose.txt", Digest::of("maybe a run's output"));
  fs.fail_opens_of(root + "/.pipe/runs", EACCES);
  try {
    collect_garbage(p, {}, 0, true);
    FAIL("gc went on without the run-cache");
  } catch (const Error& e) {
    CHECK(e.code() == Exit::kIo);
    CHECK(std::string(e.what()) == "cannot list '" + root +
                                       "/.pipe/runs': Permission denied; its run-cache entries may reference "
                                       "objects, so nothing is collected");
  }
  CHECK(p.cache->has(Digest::of("maybe a run's output")));
}

TEST_CASE("gc keeps what data known by DVC's md5 references: pulled objects of .dvc files and dvc.lock outputs") {
  TempDir t;
  const std::string root = t.path + "/project";
  TempProject::write_abs(root + "/data.csv.dvc", "outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  hash: md5\n  path: data.csv\n");
  TempProject::write_abs(root + "/dvc.yaml", "stages:\n  s:\n    cmd: x\n    outs: [model.bin]\n");
  TempProject::write_abs(root + "/dvc.lock", "schema: '2.0'\nstages:\n  s:\n    cmd: x\n    outs:\n    - path: model.bin\n"
                                             "      hash: md5\n      md5: 37b51d194a7513e45b56f6524f2d51f2\n");
  TempProject::write_abs(root + "/in/a", "foo");
  TempProject::write_abs(root + "/in/b", "bar");
  {
    Project p = open_project(root);
    p.cache->put_file(root + "/in/a", Digest::of("foo"));
    p.cache->put_file(root + "/in/b", Digest::of("bar"));
    // What a pull from a DVC remote learns.
    p.state->record_md5(false, "acbd18db4cc2f85cedef654fccc4a4d8", Digest::of("foo"));
    p.state->record_md5(false, "37b51d194a7513e45b56f6524f2d51f2", Digest::of("bar"));
    p.state->flush();
  }
  Project p = open_project(root);
  const GcReport r = collect_garbage(p, {}, 0, true);
  CHECK(r.removable.empty());
  CHECK(p.cache->has(Digest::of("foo")));
  CHECK(p.cache->has(Digest::of("bar")));
}

TEST_CASE("gc never takes a temp file a live run is writing, however old; a dead run's it does") {
  TempDir t;
  const std::string root = t.path + "/project";
  Project p = open_project(root);
  const std::string live = p.cache->new_temp_path();  // this process's: alive
  TempProject::write_abs(live, "half a download");
  const std::string dead = p.cache->dir() + "/tmp/pt-00000000-999999-0-0";  // another host's, ancient
  TempProject::write_abs(dead, "left");
  const auto old = std::filesystem::file_time_type::clock::now() - std::chrono::hours(48);
  std::filesystem::last_write_time(live, std::filesystem::file_time_type::clock::now() - std::chrono::hours(2));
  std::filesystem::last_write_time(dead, old);
  collect_garbage(p, {}, 3600, true);
  CHECK(std::filesystem::exists(live));
  CHECK_FALSE(std::filesystem::exists(dead));
}
