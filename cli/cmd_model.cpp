// `pipe model list|show|diff|bump`: the model registry in the lineage store.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>

#include "app.h"
#include "environment.h"
#include "error.h"
#include "lineage_json.h"
#include "project.h"
#include "record.h"

namespace pipe_cli {
namespace {

struct ModelOptions {
  std::string ref;
  std::string other;
  std::string stage;
  std::string at;
  bool json = false;
  bool major = false, minor = false, patch = false;
  std::string reason;
};

// Metrics recorded by the run that made a version: file -> key -> value.
std::map<std::string, std::string> version_metrics(pipeline::LineageStore& store, const pipeline::ModelVersion& v) {
  std::map<std::string, std::string> out;
  for (const auto& e : store.run(v.run_id).executions)
    for (const auto& m : e.metrics) out[m.file + ":" + m.key] = m.value;
  return out;
}

// Which keys of one basis section changed, were added or removed.
nlohmann::json section_diff(const nlohmann::json& a, const nlohmann::json& b) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [k, v] : b.items()) {
    if (!a.contains(k)) out.push_back({{"name", k}, {"change", "added"}, {"new", v}});
    else if (a[k] != v) out.push_back({{"name", k}, {"change", "modified"}, {"old", a[k]}, {"new", v}});
  }
  for (const auto& [k, v] : a.items())
    if (!b.contains(k)) out.push_back({{"name", k}, {"change", "removed"}, {"old", v}});
  return out;
}

void show(pipeline::LineageStore& store, const pipeline::ModelVersion& v, bool json) {
  const auto run = store.run(v.run_id);
  if (json) {
    nlohmann::json out = model_json(v);
    out["run"] = run_json(run);
    fmt::print("{}\n", out.dump(2));
    return;
  }
  fmt::print("{} {}{}\n", v.model, v.version(), v.overridden ? " (set by pipe model bump)" : "");
  fmt::print("  path:     {} ({})\n", v.path, v.digest);
  fmt::print("  created:  {} by {}@{} in run {}\n", format_time(v.created_ns), run.user, run.host, run.id);
  fmt::print("  bump:     {}: {}\n", v.bump, v.reason);
  if (!run.code.git_commit.empty())
    fmt::print("  code:     {} on {}{}\n", run.code.git_commit, run.code.branch, run.code.dirty ? " (dirty)" : "");
  const auto basis = value_json(v.basis);
  for (const char* kind : {"architecture", "code", "data", "params"}) {
    if (!basis.contains(kind) || basis[kind].empty()) continue;
    fmt::print("  {}:\n", kind);
    for (const auto& [k, val] : basis[kind].items())
      fmt::print("    {} {}\n", k, val.is_string() ? val.get<std::string>() : val.dump());
  }
  fmt::print("  lineage (run {}):\n", run.id);
  for (const auto& e : run.executions) {
    fmt::print("    {} [{}]", e.stage, e.status);
    if (e.timed)
      fmt::print(" wall {:.2f} s, cpu {:.2f} s, peak rss {} MiB", static_cast<double>(e.ended_ns - e.started_ns) / 1e9,
                 e.user_seconds + e.system_seconds, e.max_rss_kb / 1024);
    fmt::print("\n");
    for (const auto& a : e.inputs) fmt::print("      <- {} {}\n", a.path, a.digest);
    for (const auto& a : e.outputs) fmt::print("      -> {} {}\n", a.path, a.digest);
  }
}

}  // namespace

void add_model(CLI::App& app, Context& ctx) {
  auto* model = app.add_subcommand("model", "Model versions recorded in the lineage store");
  model->require_subcommand(1);
  auto opt = std::make_shared<ModelOptions>();

  auto* list = model->add_subcommand("list", "Every model with its latest version");
  list->add_flag("--json", opt->json, "Machine-readable output");
  list->callback([&ctx, opt] {
    auto store = open_lineage(ctx);
    std::map<std::string, pipeline::ModelVersion> latest;
    std::map<std::string, size_t> counts;
    for (const auto& v : store->model_versions("")) {
      latest[v.model] = v;
      ++counts[v.model];
    }
    if (opt->json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& [name, v] : latest) {
        auto j = model_json(v);
        j["versions"] = counts[name];
        out.push_back(j);
      }
      fmt::print("{}\n", out.dump(2));
      return;
    }
    if (latest.empty()) fmt::print("No model versions recorded; declare models in pipe.yaml and run 'pipe repro'.\n");
    for (const auto& [name, v] : latest)
      fmt::print("{}  {}  {}  {}  ({} version{})\n", name, v.version(), v.digest.substr(0, 12), format_time(v.created_ns),
                 counts[name], counts[name] == 1 ? "" : "s");
  });

  auto* show_cmd = model->add_subcommand("show", "A model version: digest, when, who, why, and its lineage");
  show_cmd->add_option("model", opt->ref, "NAME or NAME@VERSION (default: the latest)")->required();
  show_cmd->add_flag("--json", opt->json, "Machine-readable output");
  show_cmd->add_option("--stage", opt->stage, "Which version holds this stage (with who put it there)");
  show_cmd->add_option("--at", opt->at, "With --stage: at this time (UTC), e.g. 2026-11-01T12:00");
  show_cmd->callback([&ctx, opt] {
    if (!opt->stage.empty()) return show_stage(ctx, opt->ref, opt->stage, opt->at, opt->json);
    if (!opt->at.empty()) throw pipeline::Error(pipeline::Exit::kUsage, "--at needs --stage");
    auto store = open_lineage(ctx);
    show(*store, find_version(*store, opt->ref), opt->json);
  });

  auto* diff = model->add_subcommand("diff", "What changed between two versions: data, params, code, environment, metrics");
  diff->add_option("a", opt->ref, "NAME@VERSION")->required();
  diff->add_option("b", opt->other, "NAME@VERSION (default: the latest)");
  diff->add_flag("--json", opt->json, "Machine-readable output");
  diff->callback([&ctx, opt] {
    auto store = open_lineage(ctx);
    const auto a = find_version(*store, opt->ref);
    const auto b = find_version(*store, opt->other.empty() ? a.model : opt->other);
    const auto ba = value_json(a.basis), bb = value_json(b.basis);
    nlohmann::json out = {{"from", a.model + "@" + a.version()}, {"to", b.model + "@" + b.version()}};
    for (const char* kind : {"architecture", "code", "data", "params"})
      out[kind] = section_diff(ba.value(kind, nlohmann::json::object()), bb.value(kind, nlohmann::json::object()));
    const auto env_a = value_json(store->run(a.run_id).environment), env_b = value_json(store->run(b.run_id).environment);
    out["environment"] = section_diff(env_a.flatten(), env_b.flatten());
    const auto ma = version_metrics(*store, a), mb = version_metrics(*store, b);
    nlohmann::json metrics = nlohmann::json::array();
    for (const auto& [k, v] : mb) {
      auto it = ma.find(k);
      nlohmann::json m = {{"name", k}, {"new", value_json(v)}};
      if (it != ma.end()) {
        m["old"] = value_json(it->second);
        if (m["old"].is_number() && m["new"].is_number())
          m["delta"] = m["new"].get<double>() - m["old"].get<double>();
      }
      metrics.push_back(m);
    }
    out["metrics"] = metrics;
    if (opt->json) {
      fmt::print("{}\n", out.dump(2));
      return;
    }
    fmt::print("{} -> {}\n", out["from"].get<std::string>(), out["to"].get<std::string>());
    for (const char* kind : {"architecture", "code", "data", "params", "environment"}) {
      if (out[kind].empty()) continue;
      fmt::print("  {}:\n", kind);
      for (const auto& c : out[kind]) {
        std::string line = "    " + c["change"].get<std::string>() + ": " + c["name"].get<std::string>();
        if (c.contains("old") && c.contains("new")) line += "  " + c["old"].dump() + " -> " + c["new"].dump();
        fmt::print("{}\n", line);
      }
    }
    if (!metrics.empty()) fmt::print("  metrics:\n");
    for (const auto& m : metrics) {
      if (m.contains("delta")) fmt::print("    {}: {} -> {} ({:+g})\n", m["name"].get<std::string>(), m["old"].dump(),
                                          m["new"].dump(), m["delta"].get<double>());
      else fmt::print("    {}: {}\n", m["name"].get<std::string>(), m["new"].dump());
    }
  });

  add_promote(model, ctx);

  auto* bump = model->add_subcommand("bump", "Record a new version number for a model's latest version, by hand");
  bump->add_option("model", opt->ref, "NAME")->required();
  auto* g = bump->add_option_group("level")->require_option(1);
  g->add_flag("--major", opt->major, "Next major version");
  g->add_flag("--minor", opt->minor, "Next minor version");
  g->add_flag("--patch", opt->patch, "Next patch version");
  bump->add_option("--reason", opt->reason, "Why (recorded)")->required();
  bump->callback([&ctx, opt] {
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    const auto lock = lock_project(project);
    pipeline::LineageStore store(project.state_path(pipeline::kLineageFile));
    pipeline::ModelVersion v = find_version(store, opt->ref);
    if (opt->major) ++v.major, v.minor = 0, v.patch = 0, v.bump = "major";
    if (opt->minor) ++v.minor, v.patch = 0, v.bump = "minor";
    if (opt->patch) ++v.patch, v.bump = "patch";
    v.reason = opt->reason;
    v.overridden = true;
    pipeline::RunRecord run;
    nlohmann::json argv = ctx.argv;
    run.command = argv.dump();
    run.user = pipeline::current_user();
    run.host = pipeline::current_host();
    run.pipe_version = PIPE_VERSION;
    run.started_ns = run.ended_ns = pipeline::now_ns();
    run.environment = pipeline::capture_environment({}, pipeline::kDefaultEnvAllowList);
    run.code = pipeline::capture_code_state(project.root);
    run.models.push_back(v);
    store.record(run);
    fmt::print("{} {} ({}: {})\n", v.model, v.version(), v.bump, v.reason);
  });
}

}  // namespace pipe_cli
