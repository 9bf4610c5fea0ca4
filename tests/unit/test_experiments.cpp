// The experiments table (experiments.cpp): which runs are experiments, the
// baseline, columns, filters and sorting.
#include <doctest/doctest.h>

#include "error.h"
#include "experiments.h"
#include "lineage.h"
#include "temp_project.h"

using namespace pipeline;
using pipeline::testing::TempDir;

namespace {

void record(LineageStore& store, const std::string& command, const std::string& lr, const std::string& acc,
            int64_t at) {
  RunRecord r;
  r.command = command;
  r.environment = "{}";
  r.started_ns = r.ended_ns = at;
  ExecutionRecord e;
  e.stage = "train";
  e.cmd = "[]";
  e.status = "ran";
  e.params = {{"params.yaml", "lr", lr}, {"params.yaml", "epochs", "3"}};
  e.metrics = {{"metrics.json", "acc", acc}};
  r.executions.push_back(e);
  store.record(r);
}

}  // namespace

TEST_CASE("the table holds every exp run, named, with the newest other run as the baseline on top") {
  TempDir d;
  LineageStore store(d.path + "/l.db");
  record(store, R"(["pipe","repro"])", "0.1", "0.5", 1);
  record(store, R"(["pipe","repro"])", "0.1", "0.6", 2);
  record(store, R"(["pipe","exp","run","-S","lr=0.2","--name","fast"])", "0.2", "0.8", 3);
  record(store, R"(["pipe","-C","x","exp","run","--set-param=lr=0.3"])", "0.3", "0.7", 4);
  const ExperimentTable t = experiment_table(store, {});
  REQUIRE(t.rows.size() == 3);
  CHECK(t.rows[0].baseline);
  CHECK(t.rows[0].metrics.at("acc") == "0.6");  // the newest repro
  CHECK(t.rows[1].name == "fast");
  CHECK(t.rows[1].overrides == std::vector<std::string>{"lr=0.2"});
  CHECK(t.rows[2].name == "exp-4");
  CHECK(t.rows[2].overrides == std::vector<std::string>{"lr=0.3"});
  CHECK(t.param_columns == std::vector<std::string>{"epochs", "lr"});
  CHECK(t.metric_columns == std::vector<std::string>{"acc"});
}

TEST_CASE("columns can be chosen, unchanged ones dropped, and rows sorted by a column, the baseline kept on top") {
  TempDir d;
  LineageStore store(d.path + "/l.db");
  record(store, R"(["pipe","repro"])", "0.1", "0.6", 1);
  record(store, R"(["pipe","exp","run","-S","lr=0.2"])", "0.2", "0.8", 2);
  record(store, R"(["pipe","exp","run","-S","lr=0.3"])", "0.3", "0.9", 3);
  record(store, R"(["pipe","exp","run","-S","lr=0.05"])", "0.05", "0.65", 4);
  ExperimentQuery q;
  q.only_changed = true;
  q.sort_by = "acc";
  q.descending = true;
  const ExperimentTable t = experiment_table(store, q);
  CHECK(t.param_columns == std::vector<std::string>{"lr"});  // epochs is 3 everywhere
  REQUIRE(t.rows.size() == 4);
  CHECK(t.rows[0].baseline);
  CHECK(t.rows[1].metrics.at("acc") == "0.9");
  CHECK(t.rows[3].metrics.at("acc") == "0.65");
  ExperimentQuery only;
  only.params = {"epochs"};
  only.metrics = {"none"};
  const ExperimentTable narrow = experiment_table(store, only);
  CHECK(narrow.param_columns == std::vector<std::string>{"epochs"});
  CHECK(narrow.metric_columns.empty());
  CHECK(narrow.rows[1].params.count("lr") == 0);
  ExperimentQuery bad;
  bad.sort_by = "loss";
  CHECK_THROWS_WITH_AS(experiment_table(store, bad), doctest::Contains("the columns are: epochs, lr, acc"), Error);
}

TEST_CASE("an experiment is found by name or run number, and gives the params edits that bring it back") {
  TempDir d;
  LineageStore store(d.path + "/l.db");
  record(store, R"(["pipe","repro"])", "0.1", "0.6", 1);
  record(store, R"(["pipe","exp","run","-S","lr=0.2","-n","fast"])", "0.2", "0.8", 2);
  CHECK(find_experiment(store, "fast").run_id == 2);
  CHECK(find_experiment(store, "2").name == "fast");
  CHECK_THROWS_WITH_AS(find_experiment(store, "slow"), doctest::Contains("there are: fast"), Error);
  CHECK_THROWS_WITH_AS(find_experiment(store, "1"), doctest::Contains("no experiment '1'"), Error);  // the baseline
  ExperimentRow row = find_experiment(store, "fast");
  row.recorded_params.push_back({"params.yaml", "layers", "[64,32]"});
  row.recorded_params.push_back({"params.yaml", "opt", "\"adam\""});
  std::vector<std::string> skipped;
  const auto edits = experiment_params(row, &skipped);
  REQUIRE(edits.size() == 3);
  CHECK(edits[1].key == "lr");  // the store gives them by file, then key
  CHECK(edits[1].value == "0.2");
  CHECK(edits[2].value == "adam");  // a string as its text
  CHECK(skipped == std::vector<std::string>{"params.yaml:layers (a list)"});
}
