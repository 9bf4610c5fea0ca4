// The executor seam: how a stage's commands get run. LocalRunner spawns
// processes; SlurmRunner submits batch jobs (slurm_runner.h); tests use a fake.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "resources.h"

namespace pipeline {

struct Job {
  size_t id = 0;  // the caller's handle, echoed back in the result
  std::string stage;
  std::vector<std::string> cmds;  // each run with /bin/sh -c, in order, stopping at the first failure
  std::string dir;                // working directory (absolute for real runners)
  std::string log_path;           // where the combined stdout/stderr goes; "" for none
  Resources resources;            // what it asks of a cluster scheduler; a local run ignores it
};

struct JobResult {
  size_t id = 0;
  bool launched = false;  // false: could not start (error says why)
  int exit_code = 0;      // of the failing command, or 0
  int signal = 0;         // the signal that ended it, or 0
  std::string error;
  int64_t start_ns = 0;  // wall clock, for the lineage record and the overlap test
  int64_t end_ns = 0;
  double user_seconds = 0;
  double system_seconds = 0;
  int64_t max_rss_kb = 0;
  // Set when it did not succeed for a reason the exit code does not say
  // (a cluster job's TIMEOUT, OUT_OF_MEMORY, ...), in words.
  std::string failure;
  // Where it ran, as JSON for the lineage record ({"kind": "slurm",
  // "job_id": ..., "nodes": ..., "requested": ..., "node": {...}}); "" for
  // a local run.
  std::string executor;
  // It ran on another machine: an output missing here may be one the node
  // wrote where this host cannot see it.
  bool remote = false;
  bool ok() const { return launched && exit_code == 0 && signal == 0 && failure.empty(); }
};

// Receives each complete line a job prints (stdout and stderr, merged).
using OutputSink = std::function<void(const std::string& stage, std::string_view line)>;

class Runner {
 public:
  virtual ~Runner() = default;
  // Called once, with the project lock held, before any job starts:
  // undoes what a killed run left where the lock's own sweep cannot see
  // (a cluster's queue). A local run has nothing to do here.
  virtual void recover() {}
  virtual void start(const Job& job) = 0;
  // Blocks until some started job finishes and returns its result.
  virtual JobResult wait() = 0;
  // Sends `sig` to every running job's whole process group. Safe to call
  // from another thread (the signal watcher).
  virtual void signal_all(int sig) = 0;
};

std::unique_ptr<Runner> make_local_runner(OutputSink sink);

}  // namespace pipeline
