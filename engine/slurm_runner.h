// Running stages as Slurm batch jobs: the executor behind runner.h for users
// who outgrow one machine. Slurm schedules; pipe decides what must run,
// submits each runnable stage with sbatch (an argument vector, a batch
// script it writes), follows every job with one squeue call per poll, reads
// how each ended from sacct when accounting is on (else scontrol), and
// records where it ran. Outputs are committed by pipe afterwards, as for a
// local run, from a filesystem the nodes share.
//
// Each job's comment is "pipe:<project id>:<stage>", so the next run finds
// the jobs a killed one left (SIGKILL gives no chance to cancel) and
// cancels them before it submits anything: the same stage never runs twice
// at once.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "resources.h"
#include "runner.h"

namespace pipeline {

// How pipe talks to Slurm: its client commands (sbatch, squeue, scontrol,
// sacct, scancel) run with argument vectors, never a shell. Tests pass a
// fake cluster.
class SlurmCommands {
 public:
  virtual ~SlurmCommands() = default;
  // The exit code (-1: could not be started), with stdout and stderr.
  virtual int run(const std::vector<std::string>& argv, std::string* out, std::string* err) = 0;
};
std::unique_ptr<SlurmCommands> real_slurm_commands();

struct SlurmOptions {
  Resources defaults;          // slurm.* in .pipe/config, under each stage's own
  std::string project_id;      // slurm_project_id(root)
  std::string script_dir;      // absolute: batch scripts and node probes (.pipe/slurm)
  double poll_seconds = 0.8;  // the longest wait between squeue calls while jobs run
  // How long squeue may fail in a row (the controller down) before every
  // job in flight ends as lost; a warning comes after 30 s.
  double unanswered_seconds = 600;
  std::function<void(const std::string&)> message;  // what the user should hear (leftover jobs)
};

std::unique_ptr<Runner> make_slurm_runner(const SlurmOptions& options, std::unique_ptr<SlurmCommands> commands,
                                          OutputSink sink);

// A stable id for the project at `root` (its real path's digest), for job comments.
std::string slurm_project_id(const std::string& root);

}  // namespace pipeline
