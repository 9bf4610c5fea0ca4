#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>

#include "app.h"
#include "graph.h"
#include "project.h"
#include "repro.h"
#include "tracked.h"

namespace pipe_cli {
namespace {

struct DagOptions {
  std::string target;
  bool dot = false;
  bool mermaid = false;
};

}  // namespace

void add_dag(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("dag", "Show the stage graph");
  auto opt = std::make_shared<DagOptions>();
  cmd->add_option("target", opt->target, "Show only this stage and what it depends on");
  auto* dot_flag = cmd->add_flag("--dot", opt->dot, "Graphviz DOT output");
  cmd->add_flag("--mermaid", opt->mermaid, "Mermaid flowchart output")->excludes(dot_flag);
  cmd->callback([&ctx, opt] {
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    const auto ws = open_workspace(ctx, project);
    pipeline::require_pipeline(ws);
    const auto& p = ws.pipeline;
    const auto& g = ws.graph;
    std::vector<bool> keep(g.size(), true);
    if (!opt->target.empty()) keep = g.ancestors(pipeline::resolve_targets(p, {opt->target}, ws.cwd));
    std::vector<std::string> outputs;
    for (const auto& s : p.stages)
      for (const auto& o : s.outs) outputs.push_back(o.path);
    std::vector<std::pair<std::string, std::string>> tracked;
    for (const std::string& file : pipeline::find_tracked_files(*project.disk, outputs))
      tracked.emplace_back(file, pipeline::read_tracked(*project.disk, file).path);
    const auto data = pipeline::data_nodes(p, tracked);
    if (opt->dot) fmt::print("{}", pipeline::dag_dot(p, g, keep, data));
    else if (opt->mermaid) fmt::print("{}", pipeline::dag_mermaid(p, g, keep, data));
    else fmt::print("{}", pipeline::dag_text(p, g, keep, data));
  });
}

}  // namespace pipe_cli
