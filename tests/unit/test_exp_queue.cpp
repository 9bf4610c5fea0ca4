// The experiment queue (exp_queue.cpp): entries as files, lookups, removal,
// and a worker's run: states recorded, what a dead worker left resumed, one
// worker at a time. The experiments' `pipe` is a shell script here, which
// exits as the test says; the real binary is driven in test_exp_queue.sh.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include "error.h"
#include "exp_queue.h"
#include "experiments.h"
#include "temp_project.h"

using namespace pipeline;
using pipeline::testing::TempProject;

namespace {

// A project in a git repository (a sweep copies what git lists), and a
// stand-in for pipe: every command succeeds, but an `exp run` whose -S
// values hold "bad" exits 3, and one holding "sigint" 130 (interrupted).
struct QueueProject : TempProject {
  std::string fake;
  QueueProject() {
    write("params.yaml", "lr: 0.1\n");
    REQUIRE(std::system(("cd " + root + " && git init -q . && git add -A").c_str()) == 0);
    fake = root + "/../fake-pipe-" + std::filesystem::path(root).filename().string();
    write_abs(fake, "#!/bin/sh\ncase \"$*\" in *bad*) exit 3;; *sigint*) exit 130;; esac\nexit 0\n");
    std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
  }
  ~QueueProject() { std::filesystem::remove(fake); }
  SweepOptions options(size_t jobs = 1) const {
    SweepOptions o;
    o.self = fake;
    o.jobs = jobs;
    return o;
  }
};

SweepExperiment experiment(const std::string& set, const std::string& name = "") {
  SweepExperiment e;
  e.sets = {set};
  e.name = name;
  return e;
}

}  // namespace

TEST_CASE("queued experiments are kept one file each, oldest first, with their values, name and arguments") {
  QueueProject p;
  SweepExperiment e = experiment("params.yaml:lr=0.2", "fast");
  e.run_args = {"--force", "train"};
  const QueuedExperiment a = enqueue(p.project, e);
  const QueuedExperiment b = enqueue(p.project, experiment("params.yaml:lr=0.3"));
  CHECK(a.id.size() == 8);
  CHECK(a.id != b.id);
  // Logs are named by id: names need not be unique, ids are.
  CHECK(a.log == ".pipe/logs/exp-" + a.id + ".log");
  CHECK(b.log == ".pipe/logs/exp-" + b.id + ".log");
  const auto queue = queued_experiments(p.project);
  REQUIRE(queue.size() == 2);
  CHECK(queue[0].id == a.id);
  CHECK(queue[0].state == "queued");
  CHECK(queue[0].experiment.sets == std::vector<std::string>{"params.yaml:lr=0.2"});
  CHECK(queue[0].experiment.run_args == std::vector<std::string>{"--force", "train"});
  CHECK(queue[0].label() == "fast");
  CHECK(queue[1].label() == b.id);
}

TEST_CASE("a damaged queue file is left out with a warning that says which and what to do") {
  QueueProject p;
  enqueue(p.project, experiment("params.yaml:lr=0.2"));
  p.write(".pipe/exps/queue/0badf00d.json", "{\"id\": ");
  std::vector<std::string> warnings;
  const auto queue = queued_experiments(p.project, [&](const std::string& w) { warnings.push_back(w); });
  CHECK(queue.size() == 1);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find(".pipe/exps/queue/0badf00d.json") != std::string::npos);
  CHECK(warnings[0].find("remove the file") != std::string::npos);
}

TEST_CASE("experiments are found by name or id; an unknown one is refused, listing the queue") {
  QueueProject p;
  const QueuedExperiment a = enqueue(p.project, experiment("params.yaml:lr=0.2", "fast"));
  CHECK(find_queued(p.project, {"fast"}, false).front().id == a.id);
  CHECK(find_queued(p.project, {a.id}, false).front().id == a.id);
  CHECK(find_queued(p.project, {}, true).size() == 1);
  try {
    find_queued(p.project, {"slow"}, false);
    FAIL("an unknown name must be refused");
  } catch (const Error& e) {
    CHECK(e.code() == Exit::kUsage);
    CHECK(std::string(e.what()).find("the queue holds: fast") != std::string::npos);
  }
}

TEST_CASE("a worker runs what waits, records how each ended, and leaves the rest alone") {
  QueueProject p;
  enqueue(p.project, experiment("params.yaml:lr=0.2", "good"));
  enqueue(p.project, experiment("params.yaml:lr=bad", "broken"));
  const QueueRun run = run_queue(p.project, p.options(2));
  REQUIRE(run.outcomes.size() == 2);
  CHECK(run.resumed == 0);
  std::map<std::string, QueuedExperiment> by_name;
  for (const auto& q : queued_experiments(p.project)) by_name[q.label()] = q;
  CHECK(by_name["good"].state == "success");
  CHECK(by_name["broken"].state == "failed");
  CHECK(by_name["broken"].exit_code == 3);
  CHECK(by_name["broken"].error.find("exit code 3") != std::string::npos);
  CHECK(by_name["good"].started_ns > 0);
  CHECK(by_name["good"].ended_ns >= by_name["good"].started_ns);
  CHECK(by_name["good"].pid == 0);  // not running any more
  // Finished experiments are not run again.
  CHECK(run_queue(p.project, p.options()).outcomes.empty());
}

TEST_CASE("what a dead worker left running, and what Ctrl-C interrupted, runs again; killed ones do not") {
  QueueProject p;
  QueuedExperiment left = enqueue(p.project, experiment("params.yaml:lr=0.2", "left"));
  QueuedExperiment stopped = enqueue(p.project, experiment("params.yaml:lr=0.3", "stopped"));
  QueuedExperiment killed = enqueue(p.project, experiment("params.yaml:lr=0.4", "killed"));
  // As their files would read after a worker died, after Ctrl-C, after exp kill.
  for (auto* q : {&left, &stopped, &killed}) {
    std::string text = TempProject::read_abs(p.project.state_path("exps/queue/" + q->id + ".json"));
    const std::string state = q == &left ? "running" : q == &stopped ? "interrupted" : "killed";
    text.replace(text.find("\"queued\""), 8, "\"" + state + "\"");
    p.write(".pipe/exps/queue/" + q->id + ".json", text);
  }
  const QueueRun run = run_queue(p.project, p.options());
  CHECK(run.resumed == 2);
  REQUIRE(run.ran.size() == 2);
  CHECK(run.ran[0].label() == "left");
  CHECK(run.ran[1].label() == "stopped");
  std::map<std::string, std::string> state;
  for (const auto& q : queued_experiments(p.project)) state[q.label()] = q.state;
  CHECK(state["left"] == "success");
  CHECK(state["stopped"] == "success");
  CHECK(state["killed"] == "killed");
}

TEST_CASE("one worker at a time: a second is refused while the first holds the queue") {
  QueueProject p;
  enqueue(p.project, experiment("params.yaml:lr=0.2"));
  SweepOptions o = p.options();
  bool refused = false;
  o.started = [&](size_t, int) {
    CHECK(queue_worker_running(p.project));
    try {
      run_queue(p.project, p.options());
    } catch (const Error& e) {
      refused = e.code() == Exit::kLocked;
    }
  };
  run_queue(p.project, o);
  CHECK(refused);
  CHECK_FALSE(queue_worker_running(p.project));
}

TEST_CASE("removing an experiment: a finished one takes its log along; a waiting one keeps none to take") {
  QueueProject p;
  const QueuedExperiment waiting = enqueue(p.project, experiment("params.yaml:lr=0.2", "waiting"));
  remove_queued(p.project, waiting);
  CHECK(queued_experiments(p.project).empty());
  enqueue(p.project, experiment("params.yaml:lr=0.3", "done"));
  run_queue(p.project, p.options());
  const QueuedExperiment done = queued_experiments(p.project).front();
  struct stat st;
  REQUIRE(::stat((p.root + "/" + done.log).c_str(), &st) == 0);
  remove_queued(p.project, done);
  CHECK(::stat((p.root + "/" + done.log).c_str(), &st) != 0);
}

TEST_CASE("removed experiments leave the table but not the lineage store, and cannot be found by name") {
  QueueProject p;
  LineageStore store(p.lineage_path());
  RunRecord r;
  r.command = R"(["pipe","exp","run","-S","lr=0.2","--name","gone"])";
  r.environment = "{}";
  ExecutionRecord e;
  e.stage = "train";
  e.cmd = "[]";
  e.status = "ran";
  r.executions.push_back(e);
  const int64_t id = store.record(r);
  remove_experiments(p.project, {id});
  CHECK(removed_experiments(p.project) == std::set<int64_t>{id});
  ExperimentQuery query;
  query.removed = removed_experiments(p.project);
  CHECK(experiment_table(store, query).rows.empty());
  CHECK(experiment_table(store, {}).rows.size() == 1);  // still recorded
  CHECK_THROWS_AS(find_experiment(store, "gone", query.removed), Error);
}

TEST_CASE("exp kill with no worker left records the experiment killed at once, and no run resumes it") {
  QueueProject p;
  QueuedExperiment q = enqueue(p.project, experiment("params.yaml:lr=0.2", "orphan"));
  // As its file reads after its worker was killed outright: running, with
  // a pid that is no pipe of this project (nothing to signal).
  std::string text = TempProject::read_abs(p.project.state_path("exps/queue/" + q.id + ".json"));
  text.replace(text.find("\"queued\""), 8, "\"running\"");
  p.write(".pipe/exps/queue/" + q.id + ".json", text);
  q = find_queued(p.project, {"orphan"}, false).front();
  CHECK(kill_queued(p.project, {q}).size() == 1);
  CHECK(find_queued(p.project, {"orphan"}, false).front().state == "killed");
  CHECK(run_queue(p.project, p.options()).outcomes.empty());
}

TEST_CASE("a name already taken, queued or recorded, is refused; so is one that could name a path") {
  QueueProject p;
  enqueue(p.project, experiment("params.yaml:lr=0.2", "taken"));
  LineageStore store(p.lineage_path());
  CHECK_THROWS_AS(check_names_free(p.project, store, {"taken"}), Error);
  CHECK_NOTHROW(check_names_free(p.project, store, {"free"}));
  CHECK_THROWS_AS(check_names_free(p.project, store, {"../up"}), Error);
  CHECK_THROWS_AS(enqueue(p.project, experiment("params.yaml:lr=0.2", "-rf")), Error);
}

TEST_CASE("an experiment removed from the queue after the round began is not started") {
  QueueProject p;
  enqueue(p.project, experiment("params.yaml:lr=0.2", "first"));
  const QueuedExperiment second = enqueue(p.project, experiment("params.yaml:lr=0.3", "second"));
  SweepOptions o = p.options();
  o.started = [&](size_t i, int) {
    if (i == 0) remove_queued(p.project, second);
  };
  const QueueRun run = run_queue(p.project, o);
  REQUIRE(run.ran.size() == 1);
  CHECK(run.ran[0].label() == "first");
}

TEST_CASE("an experiment interrupted during a worker's run is left for the next --run-all, not retried in a loop") {
  QueueProject p;
  enqueue(p.project, experiment("params.yaml:lr=sigint", "stopped"));
  const QueueRun run = run_queue(p.project, p.options());
  REQUIRE(run.ran.size() == 1);
  CHECK(run.ran[0].state == "interrupted");
  CHECK(run_queue(p.project, p.options()).resumed == 1);  // the next worker runs it again
}

TEST_CASE("exp show's queued rows take their params from -S, in the table's columns, typed as the params file reads them") {
  QueueProject p;
  SweepExperiment e;
  e.name = "waiting";
  e.sets = {"params.yaml:lr=0.5", "params.yaml:opt='adam,w'", "other.yaml:lr=2"};
  enqueue(p.project, e);
  ExperimentTable table;
  table.param_columns = {"lr"};  // the recorded runs name params.yaml's lr plainly
  table.param_column_of = {{"params.yaml:lr", "lr"}};
  add_queued_rows(p.project, &table, true);
  REQUIRE(table.rows.size() == 1);
  const ExperimentRow& row = table.rows[0];
  CHECK(row.state == "queued");
  CHECK(row.run_id == 0);
  CHECK(row.params.at("lr") == "0.5");
  CHECK(row.params.at("params.yaml:opt") == "\"adam,w\"");
  CHECK(row.params.at("other.yaml:lr") == "2");
}

TEST_CASE("with columns filtered, a queued row shows only those; unfiltered, its new params get columns") {
  QueueProject p;
  SweepExperiment e;
  e.sets = {"params.yaml:lr=0.5", "params.yaml:epochs=3"};
  enqueue(p.project, e);
  ExperimentTable filtered;
  filtered.param_columns = {"lr"};
  filtered.param_column_of = {{"params.yaml:lr", "lr"}};
  add_queued_rows(p.project, &filtered, false);
  CHECK(filtered.rows.at(0).params.size() == 1);
  CHECK(filtered.param_columns == std::vector<std::string>{"lr"});
  ExperimentTable all = filtered;
  all.rows.clear();
  add_queued_rows(p.project, &all, true);
  CHECK(all.rows.at(0).params.at("params.yaml:epochs") == "3");
  CHECK(all.param_columns == std::vector<std::string>{"lr", "params.yaml:epochs"});
}
