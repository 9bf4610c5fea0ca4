#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>

#include "app.h"
#include "commit.h"
#include "project.h"

namespace pipe_cli {
namespace {

struct CommitOptions {
  std::vector<std::string> targets;
  bool force = false;
};

}  // namespace

void add_commit(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("commit", "Record the current outputs in pipe.lock and the cache without running");
  auto opt = std::make_shared<CommitOptions>();
  cmd->add_option("targets", opt->targets, "Stages, outputs, or .pipe-tracked data; default all of them");
  cmd->add_flag("-f,--force", opt->force, "Commit even when a stage's cmd, deps or params changed");
  cmd->callback([&ctx, opt] {
    const std::string root = pipeline::find_project_root(ctx.directory);
    auto project = pipeline::open_project(root);
    const auto lock = lock_project(project, "pipe commit");
    auto ws = open_workspace(ctx, project);
    const auto report = pipeline::commit(ws, to_targets(ctx, root, opt->targets), opt->force);
    for (const auto& name : report.committed) fmt::print("committed {}\n", name);
    if (report.committed.empty()) fmt::print("Nothing to commit: pipe.lock and the .pipe files are up to date.\n");
  });
}

}  // namespace pipe_cli
