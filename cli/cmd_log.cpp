// `pipe log` (the run history) and `pipe audit verify` (the hash chain).
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>

#include "app.h"
#include "lineage.h"
#include "lineage_json.h"
#include "project.h"

namespace pipe_cli {

std::unique_ptr<pipeline::LineageStore> open_lineage(const Context& ctx) {
  auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
  return std::make_unique<pipeline::LineageStore>(project.state_path(pipeline::kLineageFile));
}

void add_log(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("log", "Show the run history from the lineage store, newest first");
  auto limit = std::make_shared<size_t>(0);
  auto json = std::make_shared<bool>(false);
  cmd->add_option("-n,--max-count", *limit, "Show at most this many runs");
  cmd->add_flag("--json", *json, "Machine-readable output, with every execution");
  cmd->callback([&ctx, limit, json] {
    auto store = open_lineage(ctx);
    const auto runs = store->runs(*limit, true);
    if (*json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& r : runs) out.push_back(run_json(r));
      fmt::print("{}\n", out.dump(2));
      return;
    }
    if (runs.empty()) fmt::print("No runs recorded yet; 'pipe repro' records one.\n");
    for (const auto& r : runs) {
      std::map<std::string, int> counts;
      for (const auto& e : r.executions) ++counts[e.status];
      std::string stages;
      for (const auto& [status, n] : counts) stages += (stages.empty() ? "" : ", ") + std::to_string(n) + " " + status;
      const auto argv = nlohmann::json::parse(r.command);
      std::string command;
      for (const auto& a : argv) command += (command.empty() ? "" : " ") + a.get<std::string>();
      fmt::print("run {}  {}  exit {}  {}@{}  {}\n", r.id, format_time(r.started_ns), r.exit_code, r.user, r.host,
                 command);
      fmt::print("    stages: {}\n", stages.empty() ? "none" : stages);
      if (!r.code.git_commit.empty())
        fmt::print("    code: {} on {}{}\n", r.code.git_commit.substr(0, 12), r.code.branch,
                   r.code.dirty ? " (dirty)" : "");
      for (const auto& m : r.models) fmt::print("    model {} {} ({}: {})\n", m.model, m.version(), m.bump, m.reason);
    }
  });
}

}  // namespace pipe_cli
