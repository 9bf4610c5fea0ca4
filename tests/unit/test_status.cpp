#include <doctest/doctest.h>

#include <atomic>

#include "fake_project.h"
#include "fake_runner.h"
#include "project.h"
#include "repro.h"
#include "status.h"
#include "tracked.h"
#include "workspace.h"
#include "workspace_files.h"

using namespace pipeline;
using pipeline::testing::FakeRunner;

namespace {


struct Fixture {
  std::unique_ptr<pipeline::testing::WorkspaceFiles> files;  // outlives the project
  pipeline::testing::WorkspaceFiles* disk;
  Project project;
  Fixture() {
    files = pipeline::testing::real_project(project);
    disk = files.get();
    disk->write("in.txt", "a");
    disk->write("sub/pipe.yaml", "stages:\n  a:\n    cmd: a\n    deps: [../in.txt]\n    outs: [a.out]\n");
    disk->write("pipe.yaml",
                "stages:\n  b:\n    cmd: b\n    deps: [sub/a.out]\n    outs: [b.out]\n"
                "  c:\n    cmd: c\n    outs: [c.out]\n    frozen: true\n");
  }
  void repro_all() {
    FakeRunner runner;
    runner.action = [this](const Job& j) {
      disk->write(j.stage == "sub/pipe.yaml:a" ? "sub/a.out" : j.stage + ".out", "x");
      return 0;
    };
    pipeline::testing::RecordingReporter reporter;
    std::atomic<bool> stop{false};
    Workspace ws = load_workspace(project);
    ReproOptions o;
    o.all_pipelines = true;
    repro(ws, o, runner, reporter, stop);
  }
  // The reasons reported for stage `name`.
  static std::vector<Reason> reasons(const Workspace& ws, const StatusReport& r, const std::string& name) {
    for (const auto& s : r.stages)
      if (ws.pipeline.stages[s.stage].name == name) return s.reasons;
    FAIL("no stage " << name);
    return {};
  }
  std::vector<Reason> reasons_of(const std::string& name) {
    Workspace ws = load_workspace(project);
    return reasons(ws, status(ws, {}), name);
  }
  StatusReport status_of(const std::vector<Target>& targets = {}, const std::string& cwd = "") {
    Workspace ws = load_workspace(project, cwd);
    return status(ws, targets);
  }
};

}  // namespace

TEST_CASE("status reports every stage of every file, with reasons, and frozen stages unchecked") {
  Fixture f;
  StatusReport r = f.status_of();
  REQUIRE(r.stages.size() == 3);
  CHECK(r.changed());
  CHECK(f.reasons_of("sub/pipe.yaml:a").at(0).kind == Reason::Kind::kNeverRun);
  bool frozen_seen = false;
  for (const auto& s : r.stages) frozen_seen = frozen_seen || (s.frozen && s.reasons.empty());
  CHECK(frozen_seen);
  f.repro_all();
  CHECK_FALSE(f.status_of().changed());
  f.disk->write("in.txt", "b");
  CHECK(f.status_of().changed());
  CHECK(f.reasons_of("sub/pipe.yaml:a").at(0).kind == Reason::Kind::kDepModified);
  CHECK(f.reasons_of("b").empty());  // its dep has not changed yet
}

TEST_CASE("a named stage comes with its upstream, as repro would run it") {
  Fixture f;
  const StatusReport r = f.status_of({{"b", ""}});
  REQUIRE(r.stages.size() == 2);  // sub/pipe.yaml:a, then b; not c
  const StatusReport in_sub = f.status_of({{"a", ""}}, "sub");
  CHECK(in_sub.stages.size() == 1);
}

TEST_CASE("data tracked by a .pipe file is reported deleted or modified") {
  Fixture f;
  f.disk->write("raw.pipe", render_tracked({"raw", Digest{}, 1, false, 0, false}));
  const StatusReport r = f.status_of();
  REQUIRE(r.tracked.size() == 1);
  CHECK(r.tracked[0].change == "deleted");
}
