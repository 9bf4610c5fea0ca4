#include "lineage_json.h"

#include "error.h"
#include "models.h"
#include "promotion.h"

namespace pipe_cli {

nlohmann::json value_json(const std::string& canonical) {
  try {
    return nlohmann::json::parse(canonical);
  } catch (const nlohmann::json::exception&) {
    return canonical;
  }
}

std::string ran_on(const nlohmann::json& executor) {
  if (!executor.is_object() || executor.value("kind", "") != "slurm") return "local";
  auto text = [&](const char* key) { return executor.contains(key) && executor[key].is_string() ? executor[key].get<std::string>() : std::string(); };
  std::string out = "Slurm job " + text("job_id");
  if (!text("nodes").empty()) out += " on " + text("nodes");
  std::string where = text("cluster");
  if (!text("partition").empty()) where += (where.empty() ? "" : ", ") + std::string("partition ") + text("partition");
  if (!where.empty()) out += " (" + where + ")";
  if (!text("requested").empty()) out += "; asked " + text("requested");
  return out;
}

nlohmann::json execution_json(const pipeline::ExecutionRecord& e) {
  nlohmann::json x = {{"id", e.id}, {"stage", e.stage}, {"cmd", value_json(e.cmd)}, {"status", e.status}};
  if (e.timed) {
    x["started"] = format_time(e.started_ns);
    x["wall_seconds"] = static_cast<double>(e.ended_ns - e.started_ns) / 1e9;
    x["user_seconds"] = e.user_seconds;
    x["system_seconds"] = e.system_seconds;
    x["max_rss_kb"] = e.max_rss_kb;
    x["exit_code"] = e.exit_code;
  }
  if (!e.log_digest.empty()) x["log_digest"] = e.log_digest;
  if (!e.executor.empty()) x["executor"] = value_json(e.executor);
  for (const auto* list : {&e.inputs, &e.outputs}) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& a : *list)
      items.push_back({{"path", a.path}, {"hash", a.digest}, {"size", a.size}, {"is_dir", a.is_dir}, {"role", a.role}});
    x[list == &e.inputs ? "inputs" : "outputs"] = items;
  }
  for (const auto* list : {&e.params, &e.metrics}) {
    nlohmann::json items = nlohmann::json::object();
    for (const auto& v : *list) items[v.file][v.key] = value_json(v.value);
    x[list == &e.params ? "params" : "metrics"] = items;
  }
  return x;
}

nlohmann::json model_json(const pipeline::ModelVersion& m) {
  nlohmann::json out = {{"model", m.model},       {"version", m.version()}, {"path", m.path},
                        {"hash", m.digest},       {"stage", m.stage},       {"run_id", m.run_id},
                        {"created", format_time(m.created_ns)}, {"bump", m.bump}, {"reason", m.reason},
                        {"overridden", m.overridden}, {"basis", value_json(m.basis)}};
  // Applied from an experiment (pipe exp apply): which one.
  if (out["basis"].contains("experiment")) out["experiment"] = out["basis"]["experiment"];
  return out;
}

nlohmann::json run_json(const pipeline::RunRecord& r) {
  nlohmann::json out = {{"id", r.id},
                        {"started", format_time(r.started_ns)},
                        {"ended", format_time(r.ended_ns)},
                        {"command", value_json(r.command)},
                        {"user", r.user},
                        {"host", r.host},
                        {"pipe_version", r.pipe_version},
                        {"exit_code", r.exit_code},
                        {"environment", value_json(r.environment)},
                        {"code",
                         {{"git_commit", r.code.git_commit},
                          {"branch", r.code.branch},
                          {"remote_url", r.code.remote_url},
                          {"dirty", r.code.dirty},
                          {"diff_digest", r.code.diff_digest}}}};
  out["executions"] = nlohmann::json::array();
  for (const auto& e : r.executions) out["executions"].push_back(execution_json(e));
  out["model_versions"] = nlohmann::json::array();
  for (const auto& m : r.models) out["model_versions"].push_back(model_json(m));
  return out;
}

std::map<std::string, std::string> metrics_by_name(pipeline::LineageStore& store, const pipeline::ModelVersion& v) {
  std::map<std::string, std::string> out;
  for (const auto& m : pipeline::version_metrics(store, v)) out[m.file + ":" + m.key] = m.value;
  return out;
}

namespace {

// Which keys of one section changed, were added or removed.
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

}  // namespace

nlohmann::json version_diff(pipeline::LineageStore& store, const pipeline::ModelVersion& a,
                            const pipeline::ModelVersion& b) {
  nlohmann::json out = {{"from", a.model + "@" + a.version()}, {"to", b.model + "@" + b.version()}};
  const auto ba = value_json(a.basis), bb = value_json(b.basis);
  for (const char* kind : {"architecture", "code", "data", "params"})
    out[kind] = section_diff(ba.value(kind, nlohmann::json::object()), bb.value(kind, nlohmann::json::object()));
  const auto env_a = value_json(store.run(a.run_id).environment), env_b = value_json(store.run(b.run_id).environment);
  out["environment"] = section_diff(env_a.flatten(), env_b.flatten());
  const auto ma = metrics_by_name(store, a), mb = metrics_by_name(store, b);
  nlohmann::json metrics = nlohmann::json::array();
  for (const auto& [k, v] : mb) {
    auto it = ma.find(k);
    nlohmann::json m = {{"name", k}, {"new", value_json(v)}};
    if (it != ma.end()) {
      m["old"] = value_json(it->second);
      if (m["old"].is_number() && m["new"].is_number()) m["delta"] = m["new"].get<double>() - m["old"].get<double>();
    }
    metrics.push_back(m);
  }
  out["metrics"] = metrics;
  return out;
}

nlohmann::json approvals_json(const pipeline::ApprovalStatus& s) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& a : s.approvals) {
    nlohmann::json j = {{"user", a.event.user}, {"host", a.event.host}, {"at", format_time(a.event.at_ns)},
                        {"counts", a.counts}, {"signed", a.is_signed}, {"uid", a.event.uid}};
    if (a.is_signed) j["signature_verified"] = a.signature_ok;
    if (!a.keyid.empty()) j["keyid"] = a.keyid;
    if (!a.why.empty()) j["why_not"] = a.why;
    list.push_back(j);
  }
  return {{"stage", s.stage}, {"required", s.required}, {"counted", s.counted()}, {"met", s.met()}, {"approvals", list}};
}

std::string json_text(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::string markdown_cell(std::string s) {
  for (size_t i = 0; (i = s.find_first_of("|\n", i)) != std::string::npos; i += 2) s.replace(i, 1, s[i] == '|' ? "\\|" : " ");
  return s;
}

}  // namespace pipe_cli
