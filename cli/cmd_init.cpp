#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <filesystem>

#include "app.h"
#include "project.h"

namespace pipe_cli {

void add_init(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("init", "Create .pipe/ in the current directory");
  cmd->callback([&ctx] {
    std::filesystem::path dir = std::filesystem::absolute(ctx.directory).lexically_normal();
    if (!dir.has_filename() && dir.has_parent_path()) dir = dir.parent_path();  // "a/" -> "a"
    const std::string root = dir.string();
    if (pipeline::init_project(root)) fmt::print("Initialized pipe project in {}\n", root);
    else fmt::print("{} is already a pipe project\n", root);
  });
}

}  // namespace pipe_cli
