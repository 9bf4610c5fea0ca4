#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>

#include "app.h"
#include "checkout.h"
#include "project.h"

namespace pipe_cli {
namespace {

struct CheckoutOptions {
  std::vector<std::string> targets;
  bool force = false;
};

}  // namespace

void add_checkout(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("checkout", "Make outputs and tracked data match pipe.lock and the .pipe files");
  auto opt = std::make_shared<CheckoutOptions>();
  cmd->add_option("targets", opt->targets,
                  "Stages, outputs, or .pipe-tracked data to restore; default all of them");
  cmd->add_flag("-f,--force", opt->force, "Overwrite outputs that differ from pipe.lock");
  cmd->callback([&ctx, opt] {
    const std::string root = pipeline::find_project_root(ctx.directory);
    auto project = pipeline::open_project(root);
    const auto lock = lock_project(project, "pipe checkout");
    auto ws = open_workspace(ctx, project);
    const auto report = pipeline::checkout(ws, to_targets(ctx, root, opt->targets), opt->force);
    for (const auto& p : report.restored) fmt::print("restored {}\n", p);
    for (const auto& p : report.refused)
      fmt::print(stderr, "pipe: {} differs from what pipe.lock or its .pipe file records; not overwritten (use --force to "
                 "discard the change, or 'pipe commit' to record it)\n",
                 p);
    for (const auto& p : report.missing) fmt::print(stderr, "pipe: cannot restore {}\n", p);
    if (report.restored.empty() && report.refused.empty() && report.missing.empty())
      fmt::print("Workspace matches pipe.lock and the .pipe files.\n");
    if (!report.refused.empty() || !report.missing.empty()) ctx.exit_code = 1;
  });
}

}  // namespace pipe_cli
