#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <filesystem>

#include "app.h"
#include "project.h"

namespace pipe_cli {

void add_init(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("init", "Create .pipe/ in the current directory");
  cmd->callback([&ctx] {
    const std::string root = std::filesystem::absolute(ctx.directory).lexically_normal().string();
    if (pipeline::init_project(root)) fmt::print("Initialized pipe project in {}\n", root);
    else fmt::print("{} is already a pipe project\n", root);
  });
}

}  // namespace pipe_cli
