#include "audit_report.h"

#include <fmt/core.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "audit.h"
#include "error.h"
#include "lineage_json.h"
#include "models.h"
#include "pipeline.h"
#include "promotion.h"
#include "record.h"

namespace pipe_cli {
namespace {

using nlohmann::json;

// The model as pipe.yaml declares it now (gates, approvals); bare when it
// cannot be read.
pipeline::ModelDef current_def(pipeline::Project& project, const std::string& name) {
  try {
    return model_def(project, name);
  } catch (const pipeline::Error&) {
    pipeline::ModelDef def;
    def.name = name;
    return def;
  }
}

// Whether the approvals the policy asks for `events[i]`'s stage were made,
// in the registry's order, before that promotion; null when it asks none.
json approvals_met(pipeline::LineageStore& store, const pipeline::ModelDef& def,
                   const std::vector<pipeline::ModelVersion>& versions, const std::vector<pipeline::ModelEvent>& events,
                   size_t i) {
  const auto& e = events[i];
  for (const auto& p : def.approvals) {
    if (p.stage != e.stage) continue;
    for (const auto& v : versions)
      if (v.version() == e.version) {
        return pipeline::approval_status(p, v, store.run(v.run_id).user, events, i).met();
      }
    return false;  // a version this store does not hold cannot have been approved here
  }
  return nullptr;
}

// The version's approvals per stage: those the policy asks for, and any
// other stage someone approved it for (judged with no count required).
json approvals_report(pipeline::LineageStore& store, const pipeline::ModelDef& def, const pipeline::ModelVersion& v,
                      const std::vector<pipeline::ModelEvent>& events) {
  std::vector<pipeline::ApprovalPolicy> policies = def.approvals;
  for (const auto& e : events) {
    if (e.action != "approve" || e.version != v.version()) continue;
    bool known = false;
    for (const auto& p : policies) known = known || p.stage == e.stage;
    if (!known) policies.push_back({e.stage, 0, {}, false, {}});
  }
  const std::string trainer = store.run(v.run_id).user;
  json out = json::array();
  for (const auto& p : policies) {
    json j = approvals_json(pipeline::approval_status(p, v, trainer, events));
    if (p.required == 0) j["required"] = nullptr;  // no policy for this stage
    out.push_back(j);
  }
  return out;
}

json gate_checks(const std::vector<pipeline::GateCheck>& checks) {
  json out = json::array();
  for (const auto& c : checks) {
    json gates = json::array();
    for (const auto& r : c.results) gates.push_back({{"gate", r.gate}, {"passed", r.passed}, {"detail", r.detail}});
    out.push_back({{"stage", c.stage}, {"passed", c.passed()}, {"gates", gates}});
  }
  return out;
}

// Stages and artifacts of the run, with an edge for every read and write.
json lineage_graph(const pipeline::RunRecord& run) {
  json nodes = json::array(), edges = json::array();
  std::set<std::string> artifacts;
  auto artifact = [&](const pipeline::LineageArtifact& a) {
    const std::string id = "artifact:" + a.path;
    if (artifacts.insert(id).second) nodes.push_back({{"id", id}, {"kind", "artifact"}, {"label", a.path}, {"hash", a.digest}});
    return id;
  };
  for (const auto& e : run.executions) {
    const std::string id = "stage:" + e.stage;
    nodes.push_back({{"id", id}, {"kind", "stage"}, {"label", e.stage}, {"status", e.status}});
    for (const auto& a : e.inputs) edges.push_back({{"from", artifact(a)}, {"to", id}});
    for (const auto& a : e.outputs) edges.push_back({{"from", id}, {"to", artifact(a)}});
  }
  return {{"nodes", nodes}, {"edges", edges}};
}


}  // namespace

json audit_report(pipeline::Project& project, pipeline::LineageStore& store, const pipeline::ModelVersion& v) {
  const pipeline::RunRecord run = store.run(v.run_id);
  json report = {{"format", "pipe-audit-report/1"},
                 {"generated", format_time(pipeline::now_ns())},
                 {"generated_by", std::string("pipe ") + PIPE_VERSION}};
  report["model"] = {{"name", v.model},         {"version", v.version()},  {"path", v.path},
                     {"hash", v.digest},        {"created", format_time(v.created_ns)},
                     {"created_by", run.user + "@" + run.host}, {"run_id", run.id},
                     {"bump", v.bump},          {"reason", v.reason},      {"overridden", v.overridden}};

  // Data and code: the run's inputs, by role; where each came from.
  std::map<std::string, std::string> produced_by;
  for (const auto& e : run.executions)
    for (const auto& a : e.outputs) produced_by[a.path + "\n" + a.digest] = e.stage;
  json data = json::array(), scripts = json::array(), params = json::array(), stages = json::array();
  std::set<std::string> seen;
  for (const auto& e : run.executions) {
    for (const auto& a : e.inputs) {
      if (!seen.insert(a.path + "\n" + a.digest).second) continue;
      const int64_t first = store.first_seen(a.path, a.digest);
      json item = {{"path", a.path}, {"hash", a.digest}, {"size", a.size}, {"is_dir", a.is_dir},
                   {"first_seen", first ? format_time(first) : ""}};
      auto it = produced_by.find(a.path + "\n" + a.digest);
      item["source"] = it == produced_by.end() ? "input" : "stage " + it->second;
      (a.role == "code" ? scripts : data).push_back(item);
    }
    for (const auto& p : e.params) params.push_back({{"stage", e.stage}, {"file", p.file}, {"key", p.key}, {"value", value_json(p.value)}});
    json s = {{"stage", e.stage}, {"status", e.status}, {"cmd", value_json(e.cmd)}};
    if (e.timed) {
      s["started"] = format_time(e.started_ns);
      s["wall_seconds"] = static_cast<double>(e.ended_ns - e.started_ns) / 1e9;
      s["user_seconds"] = e.user_seconds;
      s["system_seconds"] = e.system_seconds;
      s["max_rss_kb"] = e.max_rss_kb;
      s["exit_code"] = e.exit_code;
    }
    // Where it ran: a Slurm job's id, nodes, requested resources and the
    // node's own environment.
    if (!e.executor.empty()) s["executor"] = value_json(e.executor);
    stages.push_back(s);
  }
  report["data"] = data;
  json changed = json::array();
  for (const auto& f : run.code.changed) {
    json x = {{"path", f.path}};
    if (!f.digest.empty()) x["kept"] = f.digest;
    else x["not_kept"] = f.why;
    changed.push_back(x);
  }
  report["code"] = {{"git_commit", run.code.git_commit}, {"branch", run.code.branch},
                    {"remote_url", run.code.remote_url}, {"dirty", run.code.dirty},
                    {"diff_digest", run.code.diff_digest}, {"scripts", scripts}, {"changed", changed},
                    {"changes_recorded", run.code.changes_recorded}};
  report["params"] = params;
  report["environment"] = value_json(run.environment);
  report["stages"] = stages;

  // Metrics, each with its values across the model's versions.
  const std::vector<pipeline::ModelVersion> versions = store.model_versions(v.model);
  std::map<std::string, std::map<std::string, std::string>> by_version;  // version -> metric -> value
  for (const auto& other : versions)
    if (other.id <= v.id) by_version[other.version()] = metrics_by_name(store, other);
  json metrics = json::array();
  for (const auto& [name, value] : metrics_by_name(store, v)) {
    json history = json::array();
    for (const auto& other : versions) {
      if (other.id > v.id) continue;
      auto it = by_version[other.version()].find(name);
      if (it != by_version[other.version()].end())
        history.push_back({{"version", other.version()}, {"value", value_json(it->second)}});
    }
    metrics.push_back({{"name", name}, {"value", value_json(value)}, {"history", history}});
  }
  report["metrics"] = metrics;

  const pipeline::ModelDef def = current_def(project, v.model);
  if (!def.gates.empty())
    report["gates"] = {{"policy_digest", pipeline::policy_digest(def.gates)},
                       {"results", gate_checks(pipeline::check_gates(store, def, v, ""))}};
  else
    report["gates"] = nullptr;

  json promotions = json::array();
  const std::vector<pipeline::ModelEvent> events = store.events(v.model);
  const std::vector<pipeline::ModelVersion> all_versions = store.model_versions(v.model);
  for (size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    json p = {{"at", format_time(e.at_ns)}, {"action", e.action}, {"version", e.version},
              {"stage", e.stage}, {"by", e.user + "@" + e.host}, {"reason", e.reason},
              {"details", value_json(e.details)}, {"policy_digest", e.policy_digest},
              {"uid", e.uid}, {"concurrent", e.concurrent}};
    // A promotion that arrived from another clone was checked only there:
    // judge it again against the approvals made before it.
    if (e.action == "promote") p["approvals_met"] = approvals_met(store, def, all_versions, events, i);
    promotions.push_back(p);
  }
  report["promotions"] = promotions;
  report["approvals"] = approvals_report(store, def, v, events);

  const pipeline::ModelVersion* previous = nullptr;
  for (const auto& other : versions)
    if (other.id < v.id) previous = &other;
  report["changelog"] = previous ? version_diff(store, *previous, v) : json(nullptr);
  report["lineage"] = lineage_graph(run);

  const auto chain = store.verify();
  json checks = json::array();
  for (const auto& c : pipeline::verify_artifacts(project, store, v, nullptr))
    checks.push_back({{"path", c.artifact.path}, {"hash", c.artifact.digest}, {"ok", c.ok()},
                      {"where", c.where}, {"problem", c.problem}});
  report["integrity"] = {{"chain_ok", chain.ok}, {"chain_problem", chain.problem}, {"artifacts", checks}};
  return report;
}

namespace {

// A version made from uncommitted changes cannot be rebuilt from git alone:
// said first, before anything else, as the lines of a quoted block.
std::vector<std::string> dirty_tree_warning(const json& code) {
  std::vector<std::string> out;
  if (!code.value("dirty", false) && code["changed"].empty()) return out;
  out.push_back("> **Warning: this version was made from a working tree with uncommitted changes.** Git's commit `" +
                json_text(code["git_commit"]) + "` alone does not hold what the run read.");
  if (!code.value("changes_recorded", false))
    out.push_back("> The run was recorded by a pipe that did not keep the changed files: they cannot be rebuilt.");
  for (const auto& f : code["changed"])
    out.push_back("> - `" + json_text(f["path"]) + "`: " +
                  (f.contains("kept") ? "kept in the record (`" + json_text(f["kept"]) + "`); reproduce rebuilds it"
                                      : "not kept (" + json_text(f["not_kept"]) + ")"));
  out.push_back("");
  return out;
}

}  // namespace

std::string report_markdown(const json& r) {
  std::string out;
  auto line = [&](const std::string& s) { out += s + "\n"; };
  const json& m = r["model"];
  line(fmt::format("# Audit report: {} {}", json_text(m["name"]), json_text(m["version"])));
  line("");
  line(fmt::format("Generated {} by {}.", json_text(r["generated"]), json_text(r["generated_by"])));
  line("");
  for (const std::string& warning : dirty_tree_warning(r["code"])) line(warning);
  line("## Model");
  line("");
  line(fmt::format("- path: `{}`, hash `{}`", json_text(m["path"]), json_text(m["hash"])));
  line(fmt::format("- created {} by {} in run {}", json_text(m["created"]), json_text(m["created_by"]), m["run_id"].dump()));
  line(fmt::format("- version bump: {} ({})", json_text(m["bump"]), markdown_cell(json_text(m["reason"]))));
  line("");
  line("## Data");
  line("");
  line("| path | hash | size | source | first seen |");
  line("|---|---|---|---|---|");
  for (const auto& d : r["data"])
    line(fmt::format("| {} | `{}` | {} | {} | {} |", markdown_cell(json_text(d["path"])), json_text(d["hash"]), d["size"].dump(),
                     json_text(d["source"]), json_text(d["first_seen"])));
  line("");
  line("## Code");
  line("");
  const json& c = r["code"];
  line(fmt::format("- commit `{}` on `{}`{}", json_text(c["git_commit"]), json_text(c["branch"]),
                   c["dirty"].get<bool>() ? " (uncommitted changes, diff SHA-256 `" + json_text(c["diff_digest"]) + "`)" : " (clean)"));
  for (const auto& s : c["scripts"]) line(fmt::format("- `{}` `{}`", json_text(s["path"]), json_text(s["hash"])));
  line("");
  line("## Params");
  line("");
  line("| stage | file | key | value |");
  line("|---|---|---|---|");
  for (const auto& p : r["params"])
    line(fmt::format("| {} | {} | {} | `{}` |", json_text(p["stage"]), json_text(p["file"]), markdown_cell(json_text(p["key"])), markdown_cell(p["value"].dump())));
  line("");
  line("## Environment");
  line("");
  const json environment = r["environment"].flatten();  // kept alive for the loop
  for (const auto& [k, v] : environment.items()) line(fmt::format("- `{}`: {}", k, markdown_cell(json_text(v))));
  line("");
  line("## Stages");
  line("");
  line("| stage | status | ran on | wall s | cpu s | peak RSS KiB |");
  line("|---|---|---|---|---|---|");
  for (const auto& s : r["stages"])
    line(fmt::format("| {} | {} | {} | {} | {} | {} |", json_text(s["stage"]), json_text(s["status"]),
                     markdown_cell(ran_on(s.contains("executor") ? s["executor"] : json())),
                     s.contains("wall_seconds") ? fmt::format("{:.2f}", s["wall_seconds"].get<double>()) : "",
                     s.contains("user_seconds") ? fmt::format("{:.2f}", s["user_seconds"].get<double>() + s["system_seconds"].get<double>()) : "",
                     s.contains("max_rss_kb") ? s["max_rss_kb"].dump() : ""));
  line("");
  for (const auto& s : r["stages"]) {
    if (!s.contains("executor") || !s["executor"].contains("node")) continue;
    const json node = s["executor"]["node"].flatten();
    if (node.empty()) continue;
    line(fmt::format("Node that ran `{}`:", json_text(s["stage"])));
    line("");
    for (const auto& [k, v] : node.items()) line(fmt::format("- `{}`: {}", k.substr(1), markdown_cell(json_text(v))));
    line("");
  }
  line("## Metrics");
  line("");
  for (const auto& x : r["metrics"]) {
    std::string history;
    for (const auto& h : x["history"]) history += (history.empty() ? "" : ", ") + json_text(h["version"]) + ": " + h["value"].dump();
    line(fmt::format("- `{}` = {} (history: {})", json_text(x["name"]), x["value"].dump(), history));
  }
  line("");
  line("## Gates");
  line("");
  if (r["gates"].is_null()) line("No gates are declared for this model.");
  else
    for (const auto& s : r["gates"]["results"]) {
      line(fmt::format("- {}: {}", json_text(s["stage"]), s["passed"].get<bool>() ? "pass" : "FAIL"));
      for (const auto& g : s["gates"])
        line(fmt::format("  - [{}] `{}`: {}", g["passed"].get<bool>() ? "pass" : "FAIL", json_text(g["gate"]), markdown_cell(json_text(g["detail"]))));
    }
  line("");
  line("## Approvals");
  line("");
  if (r["approvals"].empty()) line("No approvals recorded, and none required.");
  for (const auto& s : r["approvals"]) {
    line(fmt::format("- {}: {} of {} {}", json_text(s["stage"]), s["counted"].get<int>(),
                     s["required"].is_null() ? std::string("(none required)") : s["required"].dump(),
                     s["required"].is_null() ? "" : (s["met"].get<bool>() ? "(met)" : "(**NOT MET**)")));
    for (const auto& a : s["approvals"]) {
      std::string sig = "unsigned";
      if (a["signed"].get<bool>())
        sig = a["signature_verified"].get<bool>() ? "signature verified, key " + json_text(a["keyid"]) : "**signature INVALID**";
      line(fmt::format("  - {} by {}@{}: {}, {}{}", json_text(a["at"]), json_text(a["user"]), json_text(a["host"]), sig,
                       a["counts"].get<bool>() ? "counts" : "does not count",
                       a.contains("why_not") ? ": " + markdown_cell(json_text(a["why_not"])) : ""));
    }
  }
  line("");
  line("## Promotion history");
  line("");
  if (r["promotions"].empty()) line("No promotions recorded.");
  for (const auto& p : r["promotions"])
    line(fmt::format("- {} {} {} {} by {}: {}{}", json_text(p["at"]), json_text(p["action"]), json_text(p["version"]),
                     p["stage"].get<std::string>().empty() ? "" : "-> " + json_text(p["stage"]), json_text(p["by"]), markdown_cell(json_text(p["reason"])),
                     p.contains("approvals_met") && p["approvals_met"] == false
                         ? " **(without the approvals the policy requires)**" : ""));
  line("");
  line("## Changes since the previous version");
  line("");
  if (r["changelog"].is_null()) line("This is the model's first version.");
  else
    for (const char* kind : {"architecture", "code", "data", "params", "environment"})
      for (const auto& ch : r["changelog"][kind])
        line(fmt::format("- {} {}: `{}`", kind, json_text(ch["change"]), markdown_cell(json_text(ch["name"]))));
  line("");
  line("## Lineage");
  line("");
  for (const auto& e : r["lineage"]["edges"]) line(fmt::format("- `{}` -> `{}`", json_text(e["from"]), json_text(e["to"])));
  line("");
  line("## Integrity");
  line("");
  line(fmt::format("- hash chain: {}", r["integrity"]["chain_ok"].get<bool>() ? "intact" : "BROKEN: " + json_text(r["integrity"]["chain_problem"])));
  for (const auto& a : r["integrity"]["artifacts"])
    line(fmt::format("- `{}`: {}", json_text(a["path"]), a["ok"].get<bool>() ? "intact (" + json_text(a["where"]) + ")" : json_text(a["problem"])));
  return out;
}

}  // namespace pipe_cli
