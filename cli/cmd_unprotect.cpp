#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>

#include "app.h"
#include "checkout.h"
#include "project.h"

namespace pipe_cli {

void add_unprotect(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("unprotect", "Replace links into the cache with writable copies, to edit in place");
  auto paths = std::make_shared<std::vector<std::string>>();
  cmd->add_option("paths", *paths, "Files or directories")->required();
  cmd->callback([&ctx, paths] {
    const std::string root = pipeline::find_project_root(ctx.directory);
    auto project = pipeline::open_project(root);
    const auto lock = lock_project(project, "pipe unprotect");
    for (const std::string& p : *paths) {
      const std::string rel = project_relative(ctx, root, p, "unprotect");
      const size_t n = pipeline::unprotect(project, rel);
      fmt::print("{}: {} file{} made writable\n", rel, n, n == 1 ? "" : "s");
    }
  });
}

}  // namespace pipe_cli
