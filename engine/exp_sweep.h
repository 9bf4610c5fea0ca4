// A sweep of experiments, each in a temporary copy of the workspace, up to
// `jobs` at once. No broker: each experiment is this pipe binary run in its
// copy (`pipe -C COPY exp run -S ...`), the copies share the project's
// cache (cache.dir) and run-cache, and each finished experiment's run is
// imported into the project's lineage store. The workspace itself is not
// touched.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace pipeline {

struct Project;

struct SweepExperiment {
  std::vector<std::string> sets;      // its -S values, one value each
  std::string name;                   // "" : named by its run (exp-RUN)
  std::vector<std::string> run_args;  // more arguments for its `exp run` (targets, -f, ...)
  std::string id;                     // a queued one's id: names its log (ids are unique, names need not be)
};

struct SweepOutcome;

struct SweepOptions {
  std::string self;                     // the pipe binary
  size_t jobs = 1;                      // experiments at once
  std::function<void(const std::string&)> message;  // progress, one line at a time (from any thread)
  const std::atomic<bool>* stop = nullptr;           // set: start no more experiments
  // Each experiment's `exp run` process as it starts, and each outcome;
  // called from the sweep's threads, one at a time.
  std::function<void(size_t index, int pid)> started;
  std::function<void(size_t index, const SweepOutcome&)> finished;
  // Asked just before an experiment starts: false skips it (it was
  // removed from the queue meanwhile). Called one at a time.
  std::function<bool(size_t index)> should_start;
};

struct SweepOutcome {
  std::string name;  // as given, or "#K" (its place in the sweep)
  bool ok = false;
  int exit_code = 0;
  std::string log;   // project-relative; written as the experiment runs
  std::string why;   // when not ok
};

// Removes the copies of the workspace that killed sweeps left (their maker
// is gone: temp_files.h's rule); returns how many.
size_t sweep_experiment_copies(Project& project);

// Makes `dir` (a copy of the project: a sweep's, exp branch's worktree) a
// project whose run-cache is the project's own, linked in: what one
// experiment stores there, the others and `exp apply` find.
void share_run_cache(Project& project, const std::string& dir);

// Where experiment `index` of a sweep writes its log, project-relative.
std::string experiment_log(const SweepExperiment& e, size_t index);

// Runs the experiments; returns one outcome per experiment started, in the
// sweep's order. Needs a git repository: the copy holds the files git
// tracks, and those it does not ignore. Throws Error(kUsage) without one.
std::vector<SweepOutcome> run_sweep(Project& project, const std::vector<SweepExperiment>& experiments,
                                    const SweepOptions& options);

}  // namespace pipeline
