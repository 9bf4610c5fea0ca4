// gc must never remove an object something may still reference: when it
// cannot read a place references live, it collects nothing.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "error.h"
#include "faulty_file_system.h"
#include "gc.h"
#include "object_store.h"
#include "project.h"
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
