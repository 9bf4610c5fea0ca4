#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>

#include "app.h"
#include "project.h"
#include "tracked.h"

namespace pipe_cli {

void add_add(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("add", "Track data files or directories that no stage produces");
  auto paths = std::make_shared<std::vector<std::string>>();
  cmd->add_option("paths", *paths, "Files or directories to track")->required();
  cmd->callback([&ctx, paths] {
    const std::string root = pipeline::find_project_root(ctx.directory);
    auto project = pipeline::open_project(root);
    const auto lock = lock_project(project, "pipe add");
    auto ws = open_workspace(ctx, project);
    std::vector<std::string> relative;
    for (const std::string& p : *paths) relative.push_back(project_relative(ctx, root, p, "add"));
    for (const auto& r : pipeline::add_data(ws, relative)) {
      if (r.changed) fmt::print("added {} ({} bytes{})\n", r.path, r.recorded.size,
                                r.recorded.is_dir ? ", " + std::to_string(r.recorded.nfiles) + " files" : "");
      else fmt::print("{} is unchanged\n", r.path);
    }
  });
}

}  // namespace pipe_cli
