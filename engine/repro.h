// `pipe repro`: decide which stages are out of date and run them, in
// parallel where the DAG allows, recording each finished stage in pipe.lock.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "changes.h"
#include "digest.h"
#include "error.h"
#include "runner.h"
#include "targets.h"

namespace pipeline {

struct Stage;
struct Workspace;

struct ReproOptions {
  // Stage targets as resolve_targets reads them. Empty: the stages of the
  // pipeline file where the command runs, unless `all_pipelines`.
  std::vector<std::string> targets;
  TargetOptions selection;
  bool all_pipelines = false;        // -P: every stage of every pipeline file
  bool force = false;                // run selected stages even if up to date
  bool single_item = false;          // only the targets, not their upstream
  bool downstream = false;           // the targets and everything after them
  bool dry = false;                  // decide and report, run nothing
  bool keep_going = false;           // after a failure, keep running independent branches
  bool no_run_cache = false;         // always run; never restore from the run-cache
  // `repro --pull`: asked for a run-cache entry the project lacks (or whose
  // objects it lacks); may fetch both from a remote.
  std::function<void(const Digest& run_key)> fetch_run;
  size_t jobs = 1;
  // A job that ran on another node (Slurm) wrote its outputs to a shared
  // filesystem whose caches (NFS) may show them here only a moment later:
  // how long to wait for a missing one before the stage fails.
  double output_wait_seconds = 5;
};

// What the engine tells its caller; the engine itself never prints.
class ReproReporter {
 public:
  virtual ~ReproReporter() = default;
  virtual void up_to_date(const Stage& stage) = 0;
  virtual void frozen(const Stage& stage) = 0;
  virtual void will_run(const Stage& stage, const std::vector<Reason>& reasons, bool dry) = 0;
  virtual void finished(const Stage& stage, const JobResult& result) = 0;
  // Its outputs for these exact inputs came back from the run-cache.
  virtual void restored(const Stage& stage) = 0;
  virtual void failed(const Stage& stage, const JobResult& result, const std::string& why) = 0;
  virtual void blocked(const Stage& stage, const std::string& failed_upstream) = 0;
  // Not run because an earlier failure stopped the run (no --keep-going).
  virtual void not_started(const Stage& stage) = 0;
};

// What became of one stage, for the lineage record.
struct StageOutcome {
  size_t stage;        // index into the pipeline's stages
  std::string status;  // ran, cached (up to date or frozen), restored, failed
  JobResult result;    // for ran and failed
};

struct ReproSummary {
  size_t ran = 0;
  size_t restored = 0;  // from the run-cache instead of running
  size_t up_to_date = 0;
  size_t failed = 0;
  size_t blocked = 0;
  bool interrupted = false;
  std::vector<StageOutcome> outcomes;  // in the order they were decided
  Exit exit() const {
    if (interrupted) return Exit::kInterrupted;
    return failed || blocked ? Exit::kFailed : Exit::kOk;
  }
};

// `interrupted` is set by the signal watcher; the runner is told separately.
ReproSummary repro(Workspace& ws, const ReproOptions& options, Runner& runner, ReproReporter& reporter,
                   const std::atomic<bool>& interrupted);

}  // namespace pipeline
