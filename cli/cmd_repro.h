// `pipe repro`'s flags and run, shared with `pipe exp run`, which is a
// repro with params overridden.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>

#include "app.h"
#include "project.h"
#include "repro.h"

namespace pipe_cli {

struct ReproFlags {
  pipeline::ReproOptions repro;
  bool explain = false;
  double wait_for_lock = -1;
  bool json = false;
  bool pull = false;
  bool push = false;
  std::string remote;
  std::string executor;
  std::string experiment;  // exp apply: the experiment applied (Invocation::experiment)
};

void add_repro_flags(CLI::App* cmd, const std::shared_ptr<ReproFlags>& opt);

// Runs the pipeline as `pipe repro` does, holding the project lock (taken
// as `what`), and records the run. `prepare`, when set, runs under the lock
// before the workspace is loaded.
void run_repro(Context& ctx, ReproFlags& flags, const std::string& what,
               const std::function<void(pipeline::Project&)>& prepare);

}  // namespace pipe_cli
