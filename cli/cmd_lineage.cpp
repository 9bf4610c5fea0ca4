// `pipe lineage`, `pipe metrics show|diff` and `pipe params diff`: reading
// the lineage store (and the workspace) for what made what.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>
#include <set>

#include "app.h"
#include "artifact.h"
#include "error.h"
#include "lineage_json.h"
#include "experiments.h"
#include "lineage_query.h"
#include "revision_values.h"
#include "project.h"
#include "workspace.h"

namespace pipe_cli {
namespace {

struct LineageOptions {
  std::string target;
  std::string other;
  bool downstream = false;
  bool json = false;
  bool dot = false;
  bool all_versions = false;
};

void print_tree(const pipeline::LineageNode& node, bool downstream, int depth) {
  const std::string pad(static_cast<size_t>(depth) * 4, ' ');
  fmt::print("{}{} {}{}\n", pad, node.path, node.digest.substr(0, 12), node.role.empty() ? "" : " (" + node.role + ")");
  for (const auto& x : node.steps) {
    fmt::print("{}  {} {} [{}, run {}]\n", pad, downstream ? "->" : "<-", x.stage, x.status, x.run_id);
    for (const auto& child : x.artifacts) print_tree(child, downstream, depth + 1);
  }
}

std::string dot_id(const std::string& s) { return nlohmann::json(s).dump(); }
std::string dot_artifact(const pipeline::LineageNode& n) { return dot_id(n.path + "@" + n.digest.substr(0, 8)); }

void print_dot(const pipeline::LineageNode& node, bool downstream, std::set<std::string>& lines) {
  const std::string art = dot_artifact(node);
  lines.insert("  " + art + " [shape=note];");
  for (const auto& x : node.steps) {
    const std::string exe = dot_id(x.stage + " (run " + std::to_string(x.run_id) + ")");
    lines.insert("  " + exe + " [shape=box];");
    lines.insert(downstream ? "  " + art + " -> " + exe + ";" : "  " + exe + " -> " + art + ";");
    for (const auto& child : x.artifacts) {
      const std::string c = dot_artifact(child);
      lines.insert(downstream ? "  " + exe + " -> " + c + ";" : "  " + c + " -> " + exe + ";");
      print_dot(child, downstream, lines);
    }
  }
}

nlohmann::json tree_json(const pipeline::LineageNode& node, bool downstream) {
  nlohmann::json out = {{"path", node.path}, {"hash", node.digest}};
  if (!node.role.empty()) out["role"] = node.role;
  if (node.steps.empty()) return out;
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& x : node.steps) {
    nlohmann::json arts = nlohmann::json::array();
    for (const auto& child : x.artifacts) arts.push_back(tree_json(child, downstream));
    steps.push_back({{"stage", x.stage}, {"status", x.status}, {"run_id", x.run_id},
                     {downstream ? "outputs" : "inputs", arts}});
  }
  out[downstream ? "read_by" : "produced_by"] = steps;
  return out;
}

void print_diff(const std::string& what, const std::string& a_name, const pipeline::NamedValues& a,
                const std::string& b_name, const pipeline::NamedValues& b, bool json) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& c : pipeline::diff_values(a, b)) {
    nlohmann::json row = {{"name", c.name}};
    row["old"] = c.old_value ? value_json(*c.old_value) : nlohmann::json();
    row["new"] = c.new_value ? value_json(*c.new_value) : nlohmann::json();
    if (row["old"].is_number() && row["new"].is_number()) row["delta"] = row["new"].get<double>() - row["old"].get<double>();
    rows.push_back(row);
  }
  if (json) {
    fmt::print("{}\n", nlohmann::json{{"from", a_name}, {"to", b_name}, {what, rows}}.dump(2));
    return;
  }
  if (rows.empty()) fmt::print("No {} changed between {} and {}.\n", what, a_name, b_name);
  else fmt::print("{} -> {}\n", a_name, b_name);
  for (const auto& r : rows)
    fmt::print("{}  {} -> {}{}\n", r["name"].get<std::string>(), r["old"].dump(), r["new"].dump(),
               r.contains("delta") ? fmt::format("  ({:+g})", r["delta"].get<double>()) : "");
}

std::string version_name(const pipeline::ModelVersion& v) { return v.model + "@" + v.version(); }

}  // namespace

void add_lineage(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("lineage", "What an artifact or model version was made from (or went into)");
  auto opt = std::make_shared<LineageOptions>();
  cmd->add_option("target", opt->target, "A path in the workspace, or NAME@VERSION of a model")->required();
  auto upstream = std::make_shared<bool>(false);
  auto* up = cmd->add_flag("--upstream", *upstream, "What it was made from (the default)");
  cmd->add_flag("--downstream", opt->downstream, "What was made from it")->excludes(up);
  auto* json = cmd->add_flag("--json", opt->json, "Machine-readable output");
  cmd->add_flag("--dot", opt->dot, "Graphviz DOT output")->excludes(json);
  cmd->callback([&ctx, opt, upstream] {
    const std::string root = pipeline::find_project_root(ctx.directory);
    auto project = pipeline::open_project(root);
    pipeline::LineageStore store(project.state_path(pipeline::kLineageFile));
    std::string path, digest;
    if (opt->target.find('@') != std::string::npos) {
      const auto v = pipeline::find_version(store, opt->target);
      path = v.path;
      digest = v.digest;
    } else {
      path = project_relative(ctx, root, opt->target, "trace");
      pipeline::ArtifactHasher hasher(*project.disk, project.state.get());
      const auto& info = hasher.hash(path);
      if (!info.exists) throw pipeline::Error(pipeline::Exit::kUsage, "'" + path + "' does not exist; name a model as NAME@VERSION for a recorded version");
      digest = info.digest.hex();
    }
    const auto tree = pipeline::trace_lineage(store, path, digest, opt->downstream);
    if (opt->json) {
      fmt::print("{}\n", tree_json(tree, opt->downstream).dump(2));
    } else if (opt->dot) {
      std::set<std::string> lines;
      print_dot(tree, opt->downstream, lines);
      fmt::print("digraph lineage {{\n");
      for (const auto& l : lines) fmt::print("{}\n", l);
      fmt::print("}}\n");
    } else {
      print_tree(tree, opt->downstream, 0);
      if (tree.steps.empty())
        fmt::print("{}\n", opt->downstream ? "  (nothing recorded reads this content)"
                                            : "  (a source: no recorded stage produced this content)");
    }
  });
}

// One side of a metrics or params diff (revision_values.h's DiffSide), and
// how it is shown.
pipeline::NamedValues side_values(Context& ctx, pipeline::Project& project, const std::string& operand, bool metrics,
                                  std::string* label) {
  const pipeline::DiffSide side = pipeline::resolve_side(project, operand);
  *label = side.label;
  switch (side.kind) {
    case pipeline::DiffSide::Kind::kWorkspace: {
      auto ws = open_workspace(ctx, project);
      return metrics ? pipeline::workspace_metrics(ws) : pipeline::workspace_params(ws);
    }
    case pipeline::DiffSide::Kind::kRun: {
      pipeline::LineageStore store(project.state_path(pipeline::kLineageFile));
      return pipeline::run_values(store, side.run, metrics);
    }
    case pipeline::DiffSide::Kind::kRevision:
      break;
  }
  return pipeline::revision_values(project, side.rev, metrics);
}

// What both diffs take: A and B, each any side_values operand.
void add_diff_sides(CLI::App* diff, const std::shared_ptr<LineageOptions>& opt, const std::string& default_a) {
  diff->add_option("a", opt->target,
                   "A git revision (HEAD~1), a model version (NAME@VERSION), an experiment, 'baseline' or 'workspace' "
                   "(default: " + default_a + ")");
  diff->add_option("b", opt->other, "The same kinds (default: the workspace)");
  diff->add_flag("--json", opt->json, "Machine-readable output");
}

void add_metrics(CLI::App& app, Context& ctx) {
  auto* metrics = app.add_subcommand("metrics", "Metrics from the workspace and from recorded model versions");
  metrics->require_subcommand(1);
  auto opt = std::make_shared<LineageOptions>();
  auto* show = metrics->add_subcommand("show", "The workspace's metrics, or every model version's");
  show->add_flag("--all-versions", opt->all_versions, "The metrics recorded with every model version");
  show->add_flag("--json", opt->json, "Machine-readable output");
  show->callback([&ctx, opt] {
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    nlohmann::json out = nlohmann::json::object();
    if (opt->all_versions) {
      pipeline::LineageStore store(project.state_path(pipeline::kLineageFile));
      for (const auto& v : store.model_versions(""))
        for (const auto& [k, val] : pipeline::recorded_values(store, v, true)) out[version_name(v)][k] = value_json(val);
    } else {
      auto ws = open_workspace(ctx, project);
      for (const auto& [k, val] : pipeline::workspace_metrics(ws)) out[k] = value_json(val);
    }
    if (opt->json) return fmt::print("{}\n", out.dump(2));
    if (out.empty()) fmt::print("No metrics found.\n");
    for (const auto& [k, v] : out.items()) {
      if (!v.is_object()) {
        fmt::print("{}  {}\n", k, v.dump());
        continue;
      }
      fmt::print("{}\n", k);
      for (const auto& [mk, mv] : v.items()) fmt::print("    {}  {}\n", mk, mv.dump());
    }
  });
  auto* diff = metrics->add_subcommand(
      "diff", "How metrics moved between two git revisions, model versions or experiments, or to the workspace");
  add_diff_sides(diff, opt, "HEAD, as DVC's; outside git, the newest model version");
  diff->callback([&ctx, opt] {
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    std::string a = opt->target;
    if (a.empty() && pipeline::is_git_revision(project, "HEAD")) a = "HEAD";
    if (a.empty()) {
      pipeline::LineageStore store(project.state_path(pipeline::kLineageFile));
      const auto all = store.model_versions("");
      if (all.empty())
        throw pipeline::Error(pipeline::Exit::kUsage, "nothing to compare the workspace with: no git commit and no "
                                                      "model version; name one, e.g. 'pipe metrics diff clf@1.0.0'");
      a = version_name(all.back());
    }
    std::string a_label, b_label;
    const auto va = side_values(ctx, project, a, true, &a_label);
    const auto vb = side_values(ctx, project, opt->other.empty() ? "workspace" : opt->other, true, &b_label);
    print_diff("metrics", a_label, va, b_label, vb, opt->json);
  });
}

void add_params(CLI::App& app, Context& ctx) {
  auto* params = app.add_subcommand("params", "Params: what changed");
  params->require_subcommand(1);
  auto opt = std::make_shared<LineageOptions>();
  auto* diff = params->add_subcommand(
      "diff", "Params changed since pipe.lock, or between two git revisions, model versions or experiments");
  add_diff_sides(diff, opt, "what pipe.lock recorded");
  diff->callback([&ctx, opt] {
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    std::string a_label = "pipe.lock", b_label;
    pipeline::NamedValues va;
    if (opt->target.empty()) {
      auto ws = open_workspace(ctx, project);
      va = pipeline::locked_params(ws);
    } else {
      va = side_values(ctx, project, opt->target, false, &a_label);
    }
    const auto vb = side_values(ctx, project, opt->other.empty() ? "workspace" : opt->other, false, &b_label);
    print_diff("params", a_label, va, b_label, vb, opt->json);
  });
}

}  // namespace pipe_cli
