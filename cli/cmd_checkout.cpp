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
  auto* cmd = app.add_subcommand("checkout", "Restore outputs recorded in pipe.lock from the cache");
  auto opt = std::make_shared<CheckoutOptions>();
  cmd->add_option("targets", opt->targets, "Stages whose outputs to restore; default all");
  cmd->add_flag("-f,--force", opt->force, "Overwrite outputs that differ from pipe.lock");
  cmd->callback([&ctx, opt] {
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    const auto report = pipeline::checkout(project, opt->targets, opt->force);
    for (const auto& p : report.restored) fmt::print("restored {}\n", p);
    for (const auto& p : report.refused)
      fmt::print(stderr, "pipe: {} differs from pipe.lock; not overwritten (use --force, or 'pipe repro' to record it)\n",
                 p);
    for (const auto& p : report.missing) fmt::print(stderr, "pipe: cannot restore {}\n", p);
    if (report.restored.empty() && report.refused.empty() && report.missing.empty())
      fmt::print("Workspace matches pipe.lock.\n");
    if (!report.refused.empty() || !report.missing.empty()) ctx.exit_code = 1;
  });
}

}  // namespace pipe_cli
