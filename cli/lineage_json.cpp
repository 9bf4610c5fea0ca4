#include "lineage_json.h"

#include "error.h"
#include "models.h"

namespace pipe_cli {

nlohmann::json value_json(const std::string& canonical) {
  try {
    return nlohmann::json::parse(canonical);
  } catch (const nlohmann::json::exception&) {
    return canonical;
  }
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
  return {{"model", m.model},       {"version", m.version()}, {"path", m.path},
          {"hash", m.digest},       {"stage", m.stage},       {"run_id", m.run_id},
          {"created", format_time(m.created_ns)}, {"bump", m.bump}, {"reason", m.reason},
          {"overridden", m.overridden}, {"basis", value_json(m.basis)}};
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

pipeline::ModelVersion find_version(pipeline::LineageStore& store, const std::string& ref) {
  std::string name, version;
  pipeline::split_model_ref(ref, &name, &version);
  const auto versions = store.model_versions(name);
  if (versions.empty())
    throw pipeline::Error(pipeline::Exit::kUsage, "no versions of model '" + name +
                                                      "' are recorded; 'pipe model list' shows the models");
  if (version.empty()) return versions.back();
  std::string known;
  for (const auto& v : versions) {
    if (v.version() == version) return v;
    known += (known.empty() ? "" : ", ") + v.version();
  }
  throw pipeline::Error(pipeline::Exit::kUsage, "model '" + name + "' has no version " + version + "; it has " + known);
}

}  // namespace pipe_cli
