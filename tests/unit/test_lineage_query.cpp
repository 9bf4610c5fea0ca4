#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "error.h"
#include "fake_disk.h"
#include "fake_project.h"
#include "workspace_files.h"
#include "fake_runner.h"
#include "lineage.h"
#include "lineage_query.h"
#include "repro.h"
#include "temp_project.h"
#include "workspace.h"

using namespace pipeline;
using pipeline::testing::FakeRunner;

namespace {

struct TempStore {
  pipeline::testing::TempDir dir;
  std::string path() const { return dir.path + "/lineage.db"; }
};

std::string hex(char c) { return std::string(32, c); }

// prep: raw -> clean; train: clean, train.py -> model (clf 1.0.0, 1.1.0).
void record_two_runs(LineageStore& store) {
  for (int n = 0; n < 2; ++n) {
    RunRecord run;
    run.command = "[]";
    run.environment = "{}";
    run.started_ns = n + 1;
    ExecutionRecord prep, train;
    prep.stage = "prep";
    prep.status = n == 0 ? "ran" : "cached";
    prep.inputs = {{"raw", hex('1'), 1, false, "data"}};
    prep.outputs = {{"clean", hex('2'), 1, false, "output"}};
    train.stage = "train";
    train.status = "ran";
    train.inputs = {{"clean", hex('2'), 1, false, "data"}, {"train.py", hex('3'), 1, false, "code"}};
    train.outputs = {{"model", hex(n == 0 ? '4' : '5'), 1, false, "output"}};
    train.params = {{"params.yaml", "lr", n == 0 ? "0.1" : "0.2"}};
    train.metrics = {{"m.json", "acc", n == 0 ? "0.8" : "0.9"}};
    run.executions = {prep, train};
    ModelVersion v;
    v.model = "clf";
    v.major = 1;
    v.minor = n;
    v.path = "model";
    v.digest = train.outputs[0].digest;
    v.stage = "train";
    v.bump = n == 0 ? "first" : "minor";
    v.basis = "{}";
    run.models = {v};
    store.record(run);
  }
}

}  // namespace

TEST_CASE("find_version takes NAME for the latest and NAME@VERSION for one, and names what exists otherwise") {
  TempStore t;
  LineageStore store(t.path());
  record_two_runs(store);
  CHECK(find_version(store, "clf").version() == "1.1.0");
  CHECK(find_version(store, "clf@1.0.0").digest == hex('4'));
  try {
    find_version(store, "clf@3.0.0");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == Exit::kUsage);
    CHECK(std::string(e.what()).find("it has 1.0.0, 1.1.0") != std::string::npos);
  }
  CHECK_THROWS_AS(find_version(store, "nope"), Error);
}

TEST_CASE("tracing upstream walks producers back to sources, with roles") {
  TempStore t;
  LineageStore store(t.path());
  record_two_runs(store);
  const LineageNode model = trace_lineage(store, "model", hex('4'), false);
  REQUIRE(model.steps.size() == 1);
  CHECK(model.steps[0].stage == "train");
  REQUIRE(model.steps[0].artifacts.size() == 2);
  const LineageNode& clean = model.steps[0].artifacts[0];
  CHECK(clean.path == "clean");
  CHECK(clean.role == "data");
  REQUIRE(clean.steps.size() == 1);
  CHECK(clean.steps[0].stage == "prep");
  CHECK(clean.steps[0].artifacts.at(0).path == "raw");
  CHECK(clean.steps[0].artifacts.at(0).steps.empty());  // a source
  CHECK(model.steps[0].artifacts[1].role == "code");
}

TEST_CASE("tracing downstream finds every version made from a source, expanding shared content once") {
  TempStore t;
  LineageStore store(t.path());
  record_two_runs(store);
  const LineageNode raw = trace_lineage(store, "raw", hex('1'), true);
  REQUIRE(raw.steps.size() == 1);  // one per stage, the newest
  const LineageNode& clean = raw.steps[0].artifacts.at(0);
  REQUIRE(clean.steps.size() == 1);
  CHECK(clean.steps[0].stage == "train");
  CHECK(clean.steps[0].artifacts.at(0).digest == hex('5'));
}

TEST_CASE("content reached twice in one walk is marked as repeated, not walked again") {
  TempStore t;
  LineageStore store(t.path());
  RunRecord run;
  run.command = "[]";
  run.environment = "{}";
  ExecutionRecord split, join;
  split.stage = "split";
  split.status = "ran";
  split.inputs = {{"raw", hex('1'), 1, false, "data"}};
  split.outputs = {{"a", hex('2'), 1, false, "output"}, {"b", hex('3'), 1, false, "output"}};
  join.stage = "join";
  join.status = "ran";
  join.inputs = {{"a", hex('2'), 1, false, "data"}, {"b", hex('3'), 1, false, "data"}};
  join.outputs = {{"out", hex('4'), 1, false, "output"}};
  run.executions = {split, join};
  store.record(run);
  const LineageNode out = trace_lineage(store, "out", hex('4'), false);
  const auto& inputs = out.steps.at(0).artifacts;
  REQUIRE(inputs.size() == 2);
  const LineageNode& first_raw = inputs[0].steps.at(0).artifacts.at(0);
  const LineageNode& second_raw = inputs[1].steps.at(0).artifacts.at(0);
  CHECK(first_raw.path == "raw");
  CHECK_FALSE(first_raw.repeated);
  CHECK(second_raw.repeated);
  CHECK(second_raw.steps.empty());
}

TEST_CASE("recorded values and their diff: changed, added and removed keys") {
  TempStore t;
  LineageStore store(t.path());
  record_two_runs(store);
  const auto a = recorded_values(store, find_version(store, "clf@1.0.0"), true);
  const auto b = recorded_values(store, find_version(store, "clf@1.1.0"), true);
  CHECK(a.at("m.json:acc") == "0.8");
  const auto changes = diff_values(a, b);
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].name == "m.json:acc");
  CHECK(*changes[0].old_value == "0.8");
  CHECK(*changes[0].new_value == "0.9");
  NamedValues c = b;
  c.erase("m.json:acc");
  c["m.json:f1"] = "0.5";
  const auto d = diff_values(b, c);
  REQUIRE(d.size() == 2);
  CHECK(d[0].name == "m.json:acc");
  CHECK_FALSE(d[0].new_value.has_value());
  CHECK(d[1].name == "m.json:f1");
  CHECK_FALSE(d[1].old_value.has_value());
  CHECK(diff_values(a, a).empty());
  CHECK(recorded_values(store, find_version(store, "clf@1.1.0"), false).at("params.yaml:lr") == "0.2");
}

TEST_CASE("workspace metrics and params come from every pipeline file, locked params from each pipe.lock") {
  Project project;
  const auto files = pipeline::testing::real_project(project);
  auto* disk = files.get();
  disk->write("sub/params.yaml", "lr: 0.1\n");
  disk->write("sub/pipe.yaml",
              "stages:\n  fit:\n    cmd: fit\n    params: [lr]\n    outs: [model]\n    metrics: [m.json]\n");
  disk->write("pipe.yaml", "stages:\n  report:\n    cmd: r\n    deps: [sub/model]\n    metrics: [r.json]\n");
  {
    Workspace ws = load_workspace(project);
    FakeRunner runner;
    runner.action = [&](const Job& j) {
      if (j.stage == "report") disk->write("r.json", "{\"pages\": 3}");
      else disk->write("sub/model", "m"), disk->write("sub/m.json", "{\"acc\": {\"top1\": 0.7}}");
      return 0;
    };
    pipeline::testing::RecordingReporter reporter;
    std::atomic<bool> stop{false};
    ReproOptions o;
    o.all_pipelines = true;
    repro(ws, o, runner, reporter, stop);
  }
  disk->write("sub/params.yaml", "lr: 0.3\n");
  Workspace ws = load_workspace(project);
  const auto metrics = workspace_metrics(ws);
  CHECK(metrics.at("sub/m.json:acc.top1") == "0.7");
  CHECK(metrics.at("r.json:pages") == "3");
  const auto changes = diff_values(locked_params(ws), workspace_params(ws));
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].name == "sub/params.yaml:lr");
  CHECK(*changes[0].old_value == "0.1");
  CHECK(*changes[0].new_value == "0.3");
}
