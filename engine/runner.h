// The executor seam: how a stage's commands get run. LocalRunner spawns
// processes; tests use a fake; a cluster runner (Slurm) slots in here.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pipeline {

struct Job {
  size_t id = 0;  // the caller's handle, echoed back in the result
  std::string stage;
  std::vector<std::string> cmds;  // each run with /bin/sh -c, in order, stopping at the first failure
  std::string dir;                // working directory (absolute for real runners)
  std::string log_path;           // where the combined stdout/stderr goes; "" for none
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
  bool ok() const { return launched && exit_code == 0 && signal == 0; }
};

// Receives each complete line a job prints (stdout and stderr, merged).
using OutputSink = std::function<void(const std::string& stage, std::string_view line)>;

class Runner {
 public:
  virtual ~Runner() = default;
  virtual void start(const Job& job) = 0;
  // Blocks until some started job finishes and returns its result.
  virtual JobResult wait() = 0;
  // Sends `sig` to every running job's whole process group. Safe to call
  // from another thread (the signal watcher).
  virtual void signal_all(int sig) = 0;
};

std::unique_ptr<Runner> make_local_runner(OutputSink sink);

}  // namespace pipeline
