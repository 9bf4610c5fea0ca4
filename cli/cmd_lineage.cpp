// `pipe lineage`, `pipe metrics show|diff` and `pipe params diff`: reading
// the lineage store (and the workspace) for what made what.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>
#include <set>

#include "app.h"
#include "artifact.h"
#include "changes.h"
#include "error.h"
#include "lineage_json.h"
#include "lockfile.h"
#include "params.h"
#include "pipeline.h"
#include "project.h"
#include "record.h"

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

// Walks the recorded graph from an artifact, against (upstream) or along
// (downstream) the events, as nested JSON.
class Walker {
 public:
  Walker(pipeline::LineageStore& store, bool downstream) : store_(store), downstream_(downstream) {}

  nlohmann::json walk(const std::string& path, const std::string& digest) {
    nlohmann::json node = {{"path", path}, {"hash", digest}};
    if (!seen_.insert(path + "\n" + digest).second) return node;  // shown above already
    std::vector<pipeline::ExecutionRecord> next;
    if (downstream_) {
      next = store_.consumers(path, digest);
    } else {
      pipeline::ExecutionRecord e;
      int64_t run = 0;
      if (store_.producer(path, digest, &e, &run)) next.push_back(e);
    }
    nlohmann::json executions = nlohmann::json::array();
    for (const auto& e : next) {
      nlohmann::json x = {{"stage", e.stage}, {"status", e.status}, {"run_id", e.run_id}};
      nlohmann::json arts = nlohmann::json::array();
      for (const auto& a : downstream_ ? e.outputs : e.inputs) {
        nlohmann::json child = walk(a.path, a.digest);
        if (!a.role.empty() && a.role != "output") child["role"] = a.role;
        arts.push_back(child);
      }
      x[downstream_ ? "outputs" : "inputs"] = arts;
      executions.push_back(x);
    }
    if (!executions.empty()) node[downstream_ ? "read_by" : "produced_by"] = executions;
    return node;
  }

 private:
  pipeline::LineageStore& store_;
  bool downstream_;
  std::set<std::string> seen_;
};

void print_tree(const nlohmann::json& node, bool downstream, int depth) {
  const std::string pad(static_cast<size_t>(depth) * 4, ' ');
  fmt::print("{}{} {}{}\n", pad, node["path"].get<std::string>(), node["hash"].get<std::string>().substr(0, 12),
             node.contains("role") ? " (" + node["role"].get<std::string>() + ")" : "");
  const char* key = downstream ? "read_by" : "produced_by";
  if (!node.contains(key)) return;
  for (const auto& x : node[key]) {
    fmt::print("{}  {} {} [{}, run {}]\n", pad, downstream ? "->" : "<-", x["stage"].get<std::string>(),
               x["status"].get<std::string>(), x["run_id"].get<int64_t>());
    for (const auto& child : x[downstream ? "outputs" : "inputs"]) print_tree(child, downstream, depth + 1);
  }
}

std::string dot_id(const std::string& s) { return nlohmann::json(s).dump(); }

void print_dot(const nlohmann::json& node, bool downstream, std::set<std::string>& lines) {
  const std::string art = node["path"].get<std::string>() + "@" + node["hash"].get<std::string>().substr(0, 8);
  lines.insert("  " + dot_id(art) + " [shape=note];");
  const char* key = downstream ? "read_by" : "produced_by";
  if (!node.contains(key)) return;
  for (const auto& x : node[key]) {
    const std::string exe = x["stage"].get<std::string>() + " (run " + std::to_string(x["run_id"].get<int64_t>()) + ")";
    lines.insert("  " + dot_id(exe) + " [shape=box];");
    lines.insert(downstream ? "  " + dot_id(art) + " -> " + dot_id(exe) + ";" : "  " + dot_id(exe) + " -> " + dot_id(art) + ";");
    for (const auto& child : x[downstream ? "outputs" : "inputs"]) {
      const std::string c = child["path"].get<std::string>() + "@" + child["hash"].get<std::string>().substr(0, 8);
      lines.insert(downstream ? "  " + dot_id(exe) + " -> " + dot_id(c) + ";" : "  " + dot_id(c) + " -> " + dot_id(exe) + ";");
      print_dot(child, downstream, lines);
    }
  }
}

// The workspace's metrics: every metrics output of every stage, flattened.
std::map<std::string, std::string> workspace_metrics(pipeline::Project& project) {
  std::map<std::string, std::string> out;
  const auto p = pipeline::load_pipeline(*project.disk);
  for (const auto& s : p.stages)
    for (const auto& o : s.outs) {
      std::string text;
      if (o.kind != pipeline::Output::Kind::kMetric || !project.disk->read(o.path, &text)) continue;
      for (const auto& m : pipeline::read_metrics(o.path, text)) out[m.file + ":" + m.key] = m.value;
    }
  return out;
}

// Metrics or params recorded for a version's run: "file:key" -> value.
std::map<std::string, std::string> recorded(pipeline::LineageStore& store, const pipeline::ModelVersion& v, bool metrics) {
  std::map<std::string, std::string> out;
  for (const auto& e : store.run(v.run_id).executions)
    for (const auto& m : metrics ? e.metrics : e.params) out[m.file + ":" + m.key] = m.value;
  return out;
}

void print_diff(const std::string& what, const std::string& a_name, const std::map<std::string, std::string>& a,
                const std::string& b_name, const std::map<std::string, std::string>& b, bool json) {
  nlohmann::json rows = nlohmann::json::array();
  std::set<std::string> keys;
  for (const auto& [k, v] : a) keys.insert(k);
  for (const auto& [k, v] : b) keys.insert(k);
  for (const std::string& k : keys) {
    auto ia = a.find(k), ib = b.find(k);
    if (ia != a.end() && ib != b.end() && ia->second == ib->second) continue;
    nlohmann::json row = {{"name", k}};
    row["old"] = ia == a.end() ? nlohmann::json() : value_json(ia->second);
    row["new"] = ib == b.end() ? nlohmann::json() : value_json(ib->second);
    if (row["old"].is_number() && row["new"].is_number()) row["delta"] = row["new"].get<double>() - row["old"].get<double>();
    rows.push_back(row);
  }
  if (json) {
    fmt::print("{}\n", nlohmann::json{{"from", a_name}, {"to", b_name}, {what, rows}}.dump(2));
    return;
  }
  if (rows.empty()) fmt::print("No {} changed between {} and {}.\n", what, a_name, b_name);
  for (const auto& r : rows)
    fmt::print("{}  {} -> {}{}\n", r["name"].get<std::string>(), r["old"].dump(), r["new"].dump(),
               r.contains("delta") ? fmt::format("  ({:+g})", r["delta"].get<double>()) : "");
}

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
      const auto v = find_version(store, opt->target);
      path = v.path;
      digest = v.digest;
    } else {
      path = project_relative(ctx, root, opt->target, "trace");
      pipeline::ArtifactHasher hasher(*project.disk, project.state.get());
      const auto& info = hasher.hash(path);
      if (!info.exists) throw pipeline::Error(pipeline::Exit::kUsage, "'" + path + "' does not exist; name a model as NAME@VERSION for a recorded version");
      digest = info.digest.hex();
    }
    const nlohmann::json tree = Walker(store, opt->downstream).walk(path, digest);
    if (opt->json) {
      fmt::print("{}\n", tree.dump(2));
    } else if (opt->dot) {
      std::set<std::string> lines;
      print_dot(tree, opt->downstream, lines);
      fmt::print("digraph lineage {{\n");
      for (const auto& l : lines) fmt::print("{}\n", l);
      fmt::print("}}\n");
    } else {
      print_tree(tree, opt->downstream, 0);
      if (!tree.contains(opt->downstream ? "read_by" : "produced_by"))
        fmt::print("{}\n", opt->downstream ? "  (nothing recorded reads this content)"
                                            : "  (a source: no recorded stage produced this content)");
    }
  });
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
        for (const auto& [k, val] : recorded(store, v, true)) out[v.model + "@" + v.version()][k] = value_json(val);
    } else {
      for (const auto& [k, val] : workspace_metrics(project)) out[k] = value_json(val);
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
  auto* diff = metrics->add_subcommand("diff", "How metrics moved: between two model versions, or from the latest one to the workspace");
  diff->add_option("a", opt->target, "NAME@VERSION (default: the newest version of any model)");
  diff->add_option("b", opt->other, "NAME@VERSION (default: the workspace)");
  diff->add_flag("--json", opt->json, "Machine-readable output");
  diff->callback([&ctx, opt] {
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    pipeline::LineageStore store(project.state_path(pipeline::kLineageFile));
    auto all = store.model_versions("");
    if (opt->target.empty() && all.empty())
      throw pipeline::Error(pipeline::Exit::kUsage, "no model versions recorded to compare with");
    const auto a = opt->target.empty() ? all.back() : find_version(store, opt->target);
    if (opt->other.empty())
      return print_diff("metrics", a.model + "@" + a.version(), recorded(store, a, true), "workspace",
                        workspace_metrics(project), opt->json);
    const auto b = find_version(store, opt->other);
    print_diff("metrics", a.model + "@" + a.version(), recorded(store, a, true), b.model + "@" + b.version(),
               recorded(store, b, true), opt->json);
  });
}

void add_params(CLI::App& app, Context& ctx) {
  auto* params = app.add_subcommand("params", "Params: what changed");
  params->require_subcommand(1);
  auto opt = std::make_shared<LineageOptions>();
  auto* diff = params->add_subcommand("diff", "Params changed since pipe.lock, or between two model versions");
  diff->add_option("a", opt->target, "NAME@VERSION (default: what pipe.lock recorded)");
  diff->add_option("b", opt->other, "NAME@VERSION (default: the workspace)");
  diff->add_flag("--json", opt->json, "Machine-readable output");
  diff->callback([&ctx, opt] {
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    pipeline::Disk& disk = *project.disk;
    std::map<std::string, std::string> workspace, locked;
    const auto p = pipeline::load_pipeline(disk);
    const auto lock = pipeline::read_lock(disk);
    pipeline::ParamsReader reader(disk);
    for (const auto& s : p.stages) {
      for (const auto& [file, values] : pipeline::current_params(s, reader))
        for (const auto& [key, v] : values) workspace[file + ":" + key] = v.canonical();
      auto it = lock.stages.find(s.name);
      if (it != lock.stages.end())
        for (const auto& [file, values] : it->second.params)
          for (const auto& [key, v] : values) locked[file + ":" + key] = v.canonical();
    }
    if (opt->target.empty()) return print_diff("params", "pipe.lock", locked, "workspace", workspace, opt->json);
    pipeline::LineageStore store(project.state_path(pipeline::kLineageFile));
    const auto a = find_version(store, opt->target);
    if (opt->other.empty())
      return print_diff("params", a.model + "@" + a.version(), recorded(store, a, false), "workspace", workspace, opt->json);
    const auto b = find_version(store, opt->other);
    print_diff("params", a.model + "@" + a.version(), recorded(store, a, false), b.model + "@" + b.version(),
               recorded(store, b, false), opt->json);
  });
}

}  // namespace pipe_cli
