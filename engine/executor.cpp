#include "executor.h"

#include <cstdlib>

#include "config.h"
#include "error.h"
#include "project.h"
#include "resources.h"
#include "slurm_runner.h"

namespace pipeline {

std::unique_ptr<Runner> make_runner(const Project& project, const std::string& name, OutputSink sink,
                                    std::function<void(const std::string&)> message) {
  const Config& config = project.config;
  const std::string chosen = name.empty() ? config.get("run.executor", "local") : name;
  if (chosen == "local") return make_local_runner(std::move(sink));
  if (chosen != "slurm") {
    const std::string why = "unknown executor '" + chosen + "'; use local or slurm";
    if (name.empty()) config.fail("run.executor", why);
    throw Error(Exit::kUsage, why);
  }
  SlurmOptions options;
  options.defaults = resources_from_config(config);
  options.project_id = slurm_project_id(project.root);
  options.script_dir = project.state_path("slurm");
  options.message = std::move(message);
  if (const ConfigValue* poll = config.find("slurm.poll_seconds")) {
    char* end = nullptr;
    options.poll_seconds = std::strtod(poll->value.c_str(), &end);
    if (*end != '\0' || !(options.poll_seconds >= 0.05 && options.poll_seconds <= 60))
      config.fail("slurm.poll_seconds", "slurm.poll_seconds is the longest wait between squeue calls, in seconds from 0.05 to 60");
  }
  return make_slurm_runner(options, real_slurm_commands(), std::move(sink));
}

}  // namespace pipeline
