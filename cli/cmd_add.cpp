#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <filesystem>
#include <memory>

#include "app.h"
#include "error.h"
#include "paths.h"
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
    // Paths on the command line are relative to where the user is.
    const std::filesystem::path base = std::filesystem::absolute(ctx.directory).lexically_normal();
    std::vector<std::string> relative;
    for (const std::string& p : *paths) {
      const std::string rel =
          (base / p).lexically_normal().lexically_relative(std::filesystem::path(root)).string();
      std::string normalized, why;
      if (rel.empty() || !pipeline::project_path("", rel, &normalized, &why) || normalized.empty())
        throw pipeline::Error(pipeline::Exit::kUsage, "cannot add '" + p + "': it is not inside the project " + root);
      relative.push_back(normalized);
    }
    for (const auto& r : pipeline::add_data(project, relative)) {
      if (r.changed) fmt::print("added {} ({} bytes{})\n", r.path, r.recorded.size,
                                r.recorded.is_dir ? ", " + std::to_string(r.recorded.nfiles) + " files" : "");
      else fmt::print("{} is unchanged\n", r.path);
    }
  });
}

}  // namespace pipe_cli
