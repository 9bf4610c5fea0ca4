// `pipe model list|show|diff|bump`: the model registry in the lineage store.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>

#include "app.h"
#include "environment.h"
#include "error.h"
#include "lineage_json.h"
#include "lineage_query.h"
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
  if (basis.contains("experiment"))
    fmt::print("  from:     experiment {} (run {}), applied with 'pipe exp apply'\n",
               basis["experiment"].value("name", "?"), basis["experiment"].value("run", 0));
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
    show(*store, pipeline::find_version(*store, opt->ref), opt->json);
  });

  auto* diff = model->add_subcommand("diff", "What changed between two versions: data, params, code, environment, metrics");
  diff->add_option("a", opt->ref, "NAME@VERSION")->required();
  diff->add_option("b", opt->other, "NAME@VERSION (default: the latest)");
  diff->add_flag("--json", opt->json, "Machine-readable output");
  diff->callback([&ctx, opt] {
    auto store = open_lineage(ctx);
    const auto a = pipeline::find_version(*store, opt->ref);
    const auto b = pipeline::find_version(*store, opt->other.empty() ? a.model : opt->other);
    nlohmann::json out = version_diff(*store, a, b);
    const nlohmann::json& metrics = out["metrics"];
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
    const auto lock = lock_project(project, "pipe model bump");
    pipeline::LineageStore store(project.state_path(pipeline::kLineageFile));
    pipeline::ModelVersion v = pipeline::find_version(store, opt->ref);
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
