#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "app.h"
#include "import_dvc.h"
#include "project.h"

namespace pipe_cli {
namespace {

void print_list(const char* title, const std::vector<std::string>& lines) {
  if (lines.empty()) return;
  fmt::print("{}\n", title);
  for (const std::string& line : lines) fmt::print("  {}\n", line);
}

}  // namespace

void add_import_dvc(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("import-dvc",
                                 "Adopt this DVC repository: its remotes, dvc.lock files and .dvc files, proven by md5");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "The report as JSON");
  cmd->callback([&ctx, json] {
    const std::string root = pipeline::find_project_root(ctx.directory);
    auto project = pipeline::open_project(root);
    const auto lock = lock_project(project, "pipe import-dvc");
    auto ws = open_workspace(ctx, project);
    const auto r = pipeline::import_dvc(ws);
    if (*json) {
      fmt::print("{}\n", nlohmann::json{{"settings", r.settings},
                                        {"stages", r.stages},
                                        {"stages_kept", r.stages_kept},
                                        {"tracked", r.tracked},
                                        {"proven", r.proven},
                                        {"from_dvc_cache", r.from_dvc_cache},
                                        {"pending", r.pending},
                                        {"notes", r.notes}}
                             .dump(2));
      return;
    }
    print_list("Settings from .dvc/config:", r.settings);
    fmt::print("Imported {} stage(s) into pipe.lock and {} .dvc file(s) as .pipe files; {} entries proven by md5",
               r.stages, r.tracked, r.proven);
    if (r.from_dvc_cache > 0) fmt::print(" ({} from DVC's cache)", r.from_dvc_cache);
    fmt::print(".\n");
    if (r.stages_kept > 0)
      fmt::print("Kept pipe's own record of {} stage(s) it has run since an earlier import.\n", r.stages_kept);
    print_list("Not proven (status shows these as changed; 'pipe pull' fetches what the DVC remote has):", r.pending);
    print_list("Notes:", r.notes);
  });
}

}  // namespace pipe_cli
