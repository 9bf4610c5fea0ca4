// `pipe model promote|rollback|approve|check|history`: gated, approved
// promotion of model versions to stages, recorded as events in the
// lineage store.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>

#include "app.h"
#include "error.h"
#include "lineage_json.h"
#include "lineage_query.h"
#include "models.h"
#include "pipeline.h"
#include "project.h"
#include "promotion.h"

namespace pipe_cli {
pipeline::ModelDef model_def(pipeline::Project& project, const std::string& name) {
  const pipeline::Pipeline p = pipeline::load_pipeline(*project.disk);
  std::string known;
  for (pipeline::ModelDef& m : pipeline::parse_models(p)) {
    if (m.name == name) return m;
    known += (known.empty() ? "" : ", ") + m.name;
  }
  throw pipeline::Error(pipeline::Exit::kUsage, "no model '" + name + "' in " + p.file +
                                                    (known.empty() ? "; declare it under 'models:'"
                                                                   : "; its models are: " + known));
}

namespace {

struct PromoteOptions {
  std::string ref;
  std::string stage;
  std::string reason;
  std::string at;
  std::string key;
  bool json = false;
};

nlohmann::json check_json(const pipeline::GateCheck& c) {
  nlohmann::json gates = nlohmann::json::array();
  for (const auto& r : c.results) gates.push_back({{"gate", r.gate}, {"passed", r.passed}, {"detail", r.detail}});
  return {{"stage", c.stage}, {"passed", c.passed()}, {"gates", gates}};
}

void print_check(const pipeline::GateCheck& c) {
  fmt::print("  {}: {}\n", c.stage, c.passed() ? "pass" : "FAIL");
  for (const auto& r : c.results) fmt::print("    [{}] {}: {}\n", r.passed ? "pass" : "FAIL", r.gate, r.detail);
  if (c.results.empty()) fmt::print("    (no gates)\n");
}

void print_approvals(const pipeline::ApprovalStatus& s) {
  fmt::print("  approvals for {}: {} of {} {}\n", s.stage, s.counted(), s.required, s.met() ? "(met)" : "(NOT MET)");
  for (const auto& a : s.approvals)
    fmt::print("    [{}] {}@{} {}{}{}\n", a.counts ? "counts" : "no", a.event.user, a.event.host, format_time(a.event.at_ns),
               a.is_signed ? (a.signature_ok ? ", signed " + a.keyid.substr(0, 19) + "..." : ", BAD SIGNATURE") : "",
               a.why.empty() ? "" : ": " + a.why);
}

nlohmann::json event_json(const pipeline::ModelEvent& e) {
  nlohmann::json j = {{"id", e.id},         {"model", e.model},   {"version", e.version},
                      {"action", e.action}, {"user", e.user},     {"host", e.host},
                      {"at", format_time(e.at_ns)}, {"reason", e.reason}, {"details", value_json(e.details)},
                      {"policy_digest", e.policy_digest}, {"uid", e.uid}, {"parents", e.parents},
                      {"concurrent", e.concurrent}};
  if (!e.stage.empty()) j["stage"] = e.stage;
  if (!e.signature.empty()) j["signature"] = value_json(e.signature);
  return j;
}

}  // namespace

void add_promote(CLI::App* model, Context& ctx) {
  auto opt = std::make_shared<PromoteOptions>();

  auto* promote = model->add_subcommand("promote", "Promote a version to a stage when its gates pass");
  promote->add_option("model", opt->ref, "NAME@VERSION (or NAME: the latest)")->required();
  promote->add_option("--to", opt->stage, "The stage: staging, production, ...")->required();
  promote->add_option("--reason", opt->reason, "Why (recorded)")->required();
  promote->add_flag("--json", opt->json, "Machine-readable output");
  promote->callback([&ctx, opt] {
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    const auto lock = lock_project(project, "pipe model promote");
    pipeline::LineageStore store(project.state_path(pipeline::kLineageFile));
    const pipeline::ModelVersion v = pipeline::find_version(store, opt->ref);
    const pipeline::ModelDef def = model_def(project, v.model);
    bool recorded = false;
    const auto check = pipeline::promote(store, def, v, opt->stage, opt->reason, &recorded);
    if (opt->json) {
      auto j = check_json(check.gates);
      j["model"] = v.model;
      j["version"] = v.version();
      j["promoted"] = recorded;
      if (check.needs_approvals) j["approvals"] = approvals_json(check.approvals);
      fmt::print("{}\n", j.dump(2));
    } else {
      fmt::print("{} {} -> {}: {}\n", v.model, v.version(), opt->stage, recorded ? "promoted" : "refused");
      print_check(check.gates);
      if (check.needs_approvals) print_approvals(check.approvals);
    }
    if (!recorded) {
      const std::string why = !check.gates.passed() ? "a gate failed (see above)" : check.approvals.missing();
      if (!opt->json) fmt::print(stderr, "pipe: {} {} not promoted to {}: {}\n", v.model, v.version(), opt->stage, why);
      ctx.exit_code = 1;
    }
  });

  auto* rollback = model->add_subcommand("rollback", "Return a stage to the version that held it before");
  rollback->add_option("model", opt->ref, "NAME")->required();
  rollback->add_option("--stage", opt->stage, "The stage")->required();
  rollback->add_option("--reason", opt->reason, "Why (recorded)");
  rollback->callback([&ctx, opt] {
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    const auto lock = lock_project(project, "pipe model rollback");
    pipeline::LineageStore store(project.state_path(pipeline::kLineageFile));
    const pipeline::ModelDef def = model_def(project, opt->ref);
    const std::string restored =
        pipeline::rollback(store, def, opt->stage, opt->reason.empty() ? "rollback" : opt->reason);
    fmt::print("{} {}: back to {}\n", def.name, opt->stage, restored);
  });

  auto* approve = model->add_subcommand("approve", "Record your approval of a version for a stage (signed with --sign)");
  approve->add_option("model", opt->ref, "NAME@VERSION")->required();
  approve->add_option("--stage", opt->stage, "The stage it is approved for: production, ...")->required();
  approve->add_option("--reason", opt->reason, "Why (recorded)");
  approve->add_option("--sign", opt->key, "Sign it (DSSE) with this PEM private key (Ed25519, ECDSA or RSA)");
  approve->add_flag("--json", opt->json, "Machine-readable output");
  approve->callback([&ctx, opt] {
    if (opt->ref.find('@') == std::string::npos)
      throw pipeline::Error(pipeline::Exit::kUsage, "say which version you approve: '" + opt->ref + "@VERSION' "
                                                    "(an approval is for one version, never 'the latest')");
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    const auto lock = lock_project(project, "pipe model approve");
    pipeline::LineageStore store(project.state_path(pipeline::kLineageFile));
    const pipeline::ModelVersion v = pipeline::find_version(store, opt->ref);
    const pipeline::ModelDef def = model_def(project, v.model);
    std::string keyid;
    const auto e = pipeline::approve(store, def, v, opt->stage, opt->reason.empty() ? "approved" : opt->reason, opt->key, &keyid);
    pipeline::ApprovalStatus status;
    const bool policy = pipeline::check_approvals(store, def, v, opt->stage, &status);
    if (opt->json) {
      auto j = event_json(e);
      if (policy) j["approvals"] = approvals_json(status);
      fmt::print("{}\n", j.dump(2));
      return;
    }
    fmt::print("{} {} approved for {} by {}{}\n", v.model, v.version(), opt->stage, e.user,
               keyid.empty() ? "" : ", signed with key " + keyid);
    if (policy) print_approvals(status);
    else fmt::print("  (model '{}' has no approvals policy for {}; the approval is recorded all the same)\n", v.model, opt->stage);
  });

  auto* check = model->add_subcommand("check", "Evaluate a version's gates without promoting (exit 1 if one fails)");
  check->add_option("model", opt->ref, "NAME@VERSION (or NAME: the latest)")->required();
  check->add_option("--stage", opt->stage, "Only this stage's gates");
  check->add_flag("--json", opt->json, "Machine-readable output");
  check->callback([&ctx, opt] {
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    auto store = open_lineage(ctx);
    const pipeline::ModelVersion v = pipeline::find_version(*store, opt->ref);
    const pipeline::ModelDef def = model_def(project, v.model);
    const auto checks = pipeline::check_gates(*store, def, v, opt->stage);
    bool passed = true;
    for (const auto& c : checks) passed = passed && c.passed();
    // Shown beside the gates; the exit code stays the gates' (approvals
    // come from people, later).
    std::vector<pipeline::ApprovalStatus> approvals;
    for (const auto& p : def.approvals)
      if (opt->stage.empty() || p.stage == opt->stage) pipeline::check_approvals(*store, def, v, p.stage, &approvals.emplace_back());
    if (opt->json) {
      nlohmann::json out = {{"model", v.model}, {"version", v.version()}, {"passed", passed}};
      out["stages"] = nlohmann::json::array();
      for (const auto& c : checks) out["stages"].push_back(check_json(c));
      out["approvals"] = nlohmann::json::array();
      for (const auto& s : approvals) out["approvals"].push_back(approvals_json(s));
      fmt::print("{}\n", out.dump(2));
    } else {
      fmt::print("{} {}: {}\n", v.model, v.version(), passed ? "all gates pass" : "a gate fails");
      for (const auto& c : checks) print_check(c);
      if (checks.empty()) fmt::print("  (model '{}' has no gates in pipe.yaml)\n", v.model);
      for (const auto& s : approvals) print_approvals(s);
    }
    if (!passed) ctx.exit_code = 1;
  });

  auto* history = model->add_subcommand("history", "Promotions, rollbacks and reproduction checks, oldest first");
  history->add_option("model", opt->ref, "NAME")->required();
  history->add_option("--stage", opt->stage, "Only this stage");
  history->add_flag("--json", opt->json, "Machine-readable output");
  history->callback([&ctx, opt] {
    auto store = open_lineage(ctx);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : store->events(opt->ref)) {
      if (!opt->stage.empty() && e.stage != opt->stage) continue;
      if (opt->json) {
        out.push_back(event_json(e));
        continue;
      }
      const std::string to = e.stage.empty() ? "" : (e.action == "approve" ? " for " : " -> ") + e.stage;
      fmt::print("{}  {:<9} {} {}{}  by {}@{}: {}{}{}\n", format_time(e.at_ns), e.action, e.model, e.version, to,
                 e.user, e.host, e.reason, e.signature.empty() ? "" : "  [signed]",
                 e.concurrent ? "  [concurrent: made alongside another event, merged by time]" : "");
    }
    if (opt->json) fmt::print("{}\n", out.dump(2));
  });
}

// `pipe model show NAME --stage STAGE [--at TIME]`.
void show_stage(Context& ctx, const std::string& model, const std::string& stage, const std::string& at, bool json) {
  auto store = open_lineage(ctx);
  const int64_t at_ns = at.empty() ? 0 : pipeline::parse_time(at);
  const auto holders = pipeline::stage_holders(store->events(""), at_ns, model);
  auto it = holders.find(stage);
  const std::string when = at.empty() ? "now" : "at " + format_time(at_ns);
  if (it == holders.end() || it->second.empty()) {
    if (json) fmt::print("{}\n", nlohmann::json({{"model", model}, {"stage", stage}, {"holder", nullptr}}).dump(2));
    else fmt::print("No version of {} held {} {}.\n", model, stage, when);
    return;
  }
  const pipeline::Holding& h = it->second.back();
  if (json) {
    fmt::print("{}\n", nlohmann::json({{"model", model}, {"stage", stage}, {"holder", h.version},
                                       {"since", event_json(h.event)}})
                           .dump(2));
    return;
  }
  fmt::print("{} {} {}: {}\n", model, stage, when, h.version);
  fmt::print("  since {} ({} by {}@{}: {})\n", format_time(h.event.at_ns), h.event.action, h.event.user, h.event.host,
             h.event.reason);
}

}  // namespace pipe_cli
