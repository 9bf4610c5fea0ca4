#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "app.h"
#include "remote.h"
#include "status.h"
#include "targets.h"
#include "transfer.h"

namespace pipe_cli {
namespace {

struct StatusOptions {
  std::vector<std::string> targets;
  bool quiet = false;
  bool json = false;
  bool cloud = false;
  std::string remote;
  pipeline::TargetOptions selection;
};

// `status -c`: which recorded outputs and tracked data are missing where.
void cloud_status(Context& ctx, const StatusOptions& opt) {
  const std::string root = pipeline::find_project_root(ctx.directory);
  auto project = pipeline::open_project(root);
  const auto targets = to_targets(ctx, root, opt.targets);
  auto ws = open_workspace(ctx, project);
  nlohmann::json out = nlohmann::json::array();
  bool differ = false;
  std::string shown;
  for_each_remote(ws, opt.remote, targets, [&](pipeline::Remote& remote, const pipeline::RemoteScope& scope) {
   shown += (shown.empty() ? "" : ", ") + remote.describe();
   for (const auto& r : pipeline::remote_status(ws, remote, scope, targets)) {
    const char* state = r.remote_missing && r.local_missing ? "missing everywhere"
                        : r.remote_missing                    ? "not pushed"
                        : r.local_missing                     ? "not fetched"
                                                              : "in sync";
    differ = differ || r.remote_missing || r.local_missing;
    out.push_back({{"path", r.path}, {"remote", remote.describe()}, {"state", state}, {"objects", r.objects}, {"missing_local", r.local_missing},
                   {"missing_remote", r.remote_missing}});
    if (!opt.json && !opt.quiet && (r.remote_missing || r.local_missing))
      fmt::print("{}: {} ({} of {} objects missing locally, {} on {})\n", r.path, state, r.local_missing, r.objects,
                 r.remote_missing, remote.describe());
   }
  });
  if (opt.json) fmt::print("{}\n", nlohmann::json{{"remote", shown}, {"in_sync", !differ}, {"artifacts", out}}.dump(2));
  else if (!opt.quiet && !differ) fmt::print("Cache and remote '{}' are in sync.\n", shown);
  if (differ && opt.quiet) ctx.exit_code = 1;
}

// Canonical values are JSON already; NaN and infinities are not, so they stay text.
nlohmann::json json_value(const std::string& canonical) {
  if (canonical.empty()) return nullptr;
  try {
    return nlohmann::json::parse(canonical);
  } catch (const nlohmann::json::exception&) {
    return canonical;
  }
}

}  // namespace

void add_status(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("status", "Show which stages are out of date, and why");
  auto opt = std::make_shared<StatusOptions>();
  cmd->add_option("targets", opt->targets,
                  "Stages (with their upstream), pipeline files, outputs or .pipe files to check; default all");
  cmd->add_flag("-R,--recursive", opt->selection.recursive, "A folder target names every pipeline file under it");
  cmd->add_flag("--glob", opt->selection.glob, "Stage names in targets are wildcard patterns ('train*')");
  cmd->add_flag("-q,--quiet", opt->quiet, "Print nothing; exit 1 if anything is out of date");
  cmd->add_flag("--json", opt->json, "Machine-readable output");
  cmd->add_flag("-c,--cloud", opt->cloud, "Compare the cache with a remote instead: what is missing where");
  cmd->add_option("-r,--remote", opt->remote, "Remote for -c (default: core.remote)");
  cmd->callback([&ctx, opt] {
    if (opt->cloud) return cloud_status(ctx, *opt);
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    auto ws = open_workspace(ctx, project);
    const auto report = pipeline::status(ws, to_targets(ctx, project.root, opt->targets), opt->selection);
    const bool changed = report.changed();
    nlohmann::json stages = nlohmann::json::array();
    std::string text;
    for (const auto& st : report.stages) {
      const auto& s = ws.pipeline.stages[st.stage];
      nlohmann::json js = {{"name", s.name}};
      if (st.frozen) {
        js["state"] = "frozen";
        stages.push_back(js);
        continue;
      }
      js["state"] = st.reasons.empty() ? "up_to_date" : "changed";
      js["reasons"] = nlohmann::json::array();
      if (!st.reasons.empty()) text += pipeline::display_name(s, ws.cwd) + ":\n";
      for (const auto& r : st.reasons) {
        text += "    " + r.describe() + "\n";
        nlohmann::json jr = {{"type", r.category()}, {"change", r.change()}, {"text", r.describe()}};
        if (!r.subject.empty()) jr["subject"] = r.subject;
        if (r.category() == "param") {
          jr["old"] = json_value(r.old_value);
          jr["new"] = json_value(r.new_value);
        }
        js["reasons"].push_back(jr);
      }
      stages.push_back(js);
    }
    nlohmann::json tracked = nlohmann::json::array();
    for (const auto& t : report.tracked) {
      nlohmann::json jt = {{"file", t.file}, {"path", t.path}, {"state", t.change.empty() ? "up_to_date" : "changed"}};
      if (!t.change.empty()) {
        jt["change"] = t.change;
        text += t.file + ":\n    out " + t.change + ": " + t.path + "\n";
      }
      tracked.push_back(jt);
    }
    if (opt->json) {
      fmt::print("{}\n", nlohmann::json{{"up_to_date", !changed}, {"stages", stages}, {"tracked", tracked}}.dump(2));
    } else if (!opt->quiet) {
      fmt::print("{}", changed ? text : "Data and pipelines are up to date.\n");
    }
    if (changed && opt->quiet) ctx.exit_code = 1;
  });
}

}  // namespace pipe_cli
