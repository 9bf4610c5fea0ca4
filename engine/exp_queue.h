// The experiment queue: `pipe exp run --queue` adds experiments, `pipe exp
// run --run-all` runs them as a sweep does (each in a copy of the
// workspace, -j at once). No broker: the queue is a folder, .pipe/exps/
// queue/, one JSON file per experiment, each rewritten atomically as its
// state changes; a worker holds an flock on .pipe/exps/worker.lock while it
// runs, so one runs at a time and a dead one is noticed (the kernel drops
// its lock). What a killed worker left running is run again by the next.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "exp_sweep.h"
#include "experiments.h"

namespace pipeline {

struct Project;

struct QueuedExperiment {
  std::string id;  // 8 hex digits, made when queued
  SweepExperiment experiment;
  // queued, running, success, failed, killed (by `exp kill`), interrupted
  // (Ctrl-C, or its worker died: run again by the next --run-all)
  std::string state = "queued";
  int64_t queued_ns = 0, started_ns = 0, ended_ns = 0;
  int exit_code = 0;
  int pid = 0;        // its `exp run` process while running
  std::string host;   // where it runs
  std::string log;    // project-relative
  std::string error;  // why it failed
  // What tables show: its name, else its id.
  std::string label() const { return experiment.name.empty() ? id : experiment.name; }
  bool finished() const { return state == "success" || state == "failed" || state == "killed"; }
};

// Adds an experiment; returns it as stored.
QueuedExperiment enqueue(Project& project, const SweepExperiment& experiment);

// Every queued experiment, oldest first. A file that cannot be read is
// skipped with a warning through `warn`.
std::vector<QueuedExperiment> queued_experiments(Project& project,
                                                 const std::function<void(const std::string&)>& warn = {});

// Those named: by id, by name, or every one with `all`. Throws
// Error(kUsage) for a name that matches none, listing the queue.
std::vector<QueuedExperiment> find_queued(Project& project, const std::vector<std::string>& names, bool all);

// Removes an experiment from the queue (not one running: Error(kUsage)
// says to kill it first) and, when it is finished, its log.
void remove_queued(Project& project, const QueuedExperiment& q);

// Stops running experiments: each is marked to be recorded as killed, and
// its process gets SIGTERM (pipe stops its stages and exits). Returns what
// was signalled; experiments not running are left alone.
std::vector<QueuedExperiment> kill_queued(Project& project, const std::vector<QueuedExperiment>& which);

// What `pipe exp remove` takes: queue entries, and recorded experiments
// (by name, exp-RUN or run number), for `names`; with `queued` every
// entry still waiting; with `all` every entry and experiment. Throws
// Error(kUsage) for a name that is neither, listing the experiments.
struct Removals {
  std::vector<QueuedExperiment> queued;
  std::vector<ExperimentRow> runs;
};
Removals find_removals(Project& project, LineageStore& store, const std::vector<std::string>& names, bool queued,
                       bool all);

// Rows for `exp show` of what waits in the queue (queued, running or
// interrupted), after the table's rows: its params are its -S values, put
// in the table's columns (a key, or FILE:KEY). A param no column shows is
// given one with `new_columns`, else left out, as the filters left it.
void add_queued_rows(Project& project, ExperimentTable* table, bool new_columns);

// Takes them: nothing if one of the queue entries is running (Error(kUsage)
// says to kill it first); then the entries, and the experiments off the
// table (removed_experiments).
void apply_removals(Project& project, const Removals& removals);

// Refuses (Error(kUsage)) a name an experiment already has, recorded or
// queued, as DVC does: exp apply, branch, diff and logs find one by name.
void check_names_free(Project& project, LineageStore& store, const std::vector<std::string>& names);

struct QueueRun {
  std::vector<SweepOutcome> outcomes;  // in queue order
  std::vector<QueuedExperiment> ran;   // parallel to outcomes, as finally stored
  size_t resumed = 0;                  // how many a killed worker had left
};

// Runs what is queued, and what a dead worker or Ctrl-C left unfinished,
// holding the worker lock. Throws Error(kLocked) when another worker is
// running this queue.
QueueRun run_queue(Project& project, SweepOptions options);

// Whether a worker is running this project's queue now.
bool queue_worker_running(Project& project);

}  // namespace pipeline
