#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>

#include "app.h"
#include "gc.h"
#include "project.h"

namespace pipe_cli {
namespace {

struct GcOptions {
  bool force = false;
  int64_t grace = 3600;
  bool verbose = false;
  std::vector<std::string> projects;
};

}  // namespace

void add_gc(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("gc", "Remove cache objects that nothing references (a dry run without --force)");
  auto opt = std::make_shared<GcOptions>();
  cmd->add_flag("-f,--force", opt->force, "Really remove them");
  cmd->add_option("--grace", opt->grace, "Keep objects younger than this many seconds (default 3600)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("-v,--verbose", opt->verbose, "List each object");
  cmd->add_option("-p,--projects", opt->projects, "Other projects sharing this cache; what they reference is kept");
  cmd->callback([&ctx, opt] {
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    const auto r = pipeline::collect_garbage(project, opt->projects, opt->grace, opt->force);
    if (opt->verbose)
      for (const auto& o : r.removable) fmt::print("{} {}\n", opt->force ? "removed" : "would remove", o);
    fmt::print("{} {} unreferenced objects ({} bytes); kept {} referenced and {} younger than {} s\n",
               opt->force ? "Removed" : "Would remove", r.removable.size(), r.bytes, r.kept, r.too_young,
               opt->grace);
    if (!opt->force && !r.removable.empty()) fmt::print("Run 'pipe gc --force' to remove them.\n");
  });
}

}  // namespace pipe_cli
