#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>

#include "app.h"
#include "graph.h"
#include "project.h"
#include "repro.h"
#include "targets.h"
#include "tracked.h"

namespace pipe_cli {
namespace {

struct DagOptions {
  std::string target;
  bool dot = false;
  bool mermaid = false;
  bool json = false;
};

// Stages (with their file, deps and outputs) and edges, for scripts and
// for comparing pipe's graph with DVC's.
std::string dag_json(const pipeline::Pipeline& p, const pipeline::Graph& g, const std::vector<bool>& keep,
                     const std::vector<pipeline::DataNode>& data) {
  nlohmann::json stages = nlohmann::json::array(), edges = nlohmann::json::array(), tracked = nlohmann::json::array();
  for (size_t i : g.order()) {
    if (!keep[i]) continue;
    const auto& s = p.stages[i];
    nlohmann::json deps = nlohmann::json::array(), outs = nlohmann::json::array();
    for (const auto& d : s.deps) deps.push_back(d.path);
    for (const auto& o : s.outs) outs.push_back(o.path);
    stages.push_back({{"name", s.name}, {"file", s.file}, {"wdir", s.wdir}, {"cmd", s.cmds}, {"deps", deps}, {"outs", outs}});
    for (size_t up : g.upstream(i))
      if (keep[up]) edges.push_back({{"from", p.stages[up].name}, {"to", s.name}});
  }
  for (const auto& d : data) {
    nlohmann::json to = nlohmann::json::array();
    for (size_t c : d.consumers)
      if (keep[c]) to.push_back(p.stages[c].name);
    if (!to.empty() || std::find(keep.begin(), keep.end(), false) == keep.end())
      tracked.push_back({{"file", d.name}, {"consumers", to}});
  }
  return nlohmann::json{{"stages", stages}, {"edges", edges}, {"data", tracked}}.dump(2) + "\n";
}

}  // namespace

void add_dag(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("dag", "Show the stage graph");
  auto opt = std::make_shared<DagOptions>();
  cmd->add_option("target", opt->target, "Show only this stage and what it depends on");
  auto* dot_flag = cmd->add_flag("--dot", opt->dot, "Graphviz DOT output");
  auto* mermaid_flag = cmd->add_flag("--mermaid", opt->mermaid, "Mermaid flowchart output")->excludes(dot_flag);
  cmd->add_flag("--json", opt->json, "Stages, their deps and outputs, and edges as JSON")
      ->excludes(dot_flag)
      ->excludes(mermaid_flag);
  cmd->callback([&ctx, opt] {
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    const auto ws = open_workspace(ctx, project);
    pipeline::require_pipeline(ws);
    const auto& p = ws.pipeline;
    const auto& g = ws.graph;
    std::vector<bool> keep(g.size(), true);
    if (!opt->target.empty()) keep = g.ancestors(pipeline::resolve_targets(p, {opt->target}, ws.cwd));
    std::vector<std::pair<std::string, std::string>> tracked;
    for (const std::string& file : p.tracked) tracked.emplace_back(file, ws.tracked.at(file).path);
    const auto data = pipeline::data_nodes(p, tracked);
    if (opt->json) fmt::print("{}", dag_json(p, g, keep, data));
    else if (opt->dot) fmt::print("{}", pipeline::dag_dot(p, g, keep, data, ws.cwd));
    else if (opt->mermaid) fmt::print("{}", pipeline::dag_mermaid(p, g, keep, data, ws.cwd));
    else fmt::print("{}", pipeline::dag_text(p, g, keep, data, ws.cwd));
  });
}

}  // namespace pipe_cli
