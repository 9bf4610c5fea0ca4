// Where stages run: on this machine (LocalRunner) or as Slurm jobs
// (SlurmRunner), chosen by `--executor` or the config key run.executor.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "runner.h"

namespace pipeline {

struct Project;

// `name` is "local", "slurm", or "" for run.executor (default local). An
// unknown name is Error(kUsage); a bad run.executor or slurm.* value is
// located in .pipe/config. `message` gets what the user should hear.
std::unique_ptr<Runner> make_runner(const Project& project, const std::string& name, OutputSink sink,
                                    std::function<void(const std::string&)> message);

}  // namespace pipeline
