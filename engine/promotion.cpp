#include "promotion.h"

#include <cstdio>
#include <ctime>

#include "error.h"
#include "models.h"
#include "record.h"
#include "value.h"

namespace pipeline {
namespace {

const ModelVersion* find(const std::vector<ModelVersion>& versions, const std::string& version) {
  for (const ModelVersion& v : versions)
    if (v.version() == version) return &v;
  return nullptr;
}

std::string results_json(const GateCheck& check) {
  Value list = Value::list();
  for (const GateResult& r : check.results) {
    Value item = Value::map();
    item.set("gate", Value::string(r.gate));
    item.set("passed", Value::boolean(r.passed));
    item.set("detail", Value::string(r.detail));
    list.push(item);
  }
  Value v = Value::map();
  v.set("stage", Value::string(check.stage));
  v.set("gates", list);
  return v.canonical();
}

ModelEvent new_event(const std::string& model, const std::string& version, const std::string& stage,
                     const std::string& action, const std::string& reason) {
  ModelEvent e;
  e.model = model;
  e.version = version;
  e.stage = stage;
  e.action = action;
  e.user = current_user();
  e.host = current_host();
  e.at_ns = now_ns();
  e.reason = reason;
  return e;
}

}  // namespace

std::vector<LineageValue> version_metrics(LineageStore& store, const ModelVersion& v) {
  std::vector<LineageValue> out;
  for (const ExecutionRecord& e : store.run(v.run_id).executions)
    for (const LineageValue& m : e.metrics) out.push_back(m);
  return out;
}

bool GateCheck::passed() const {
  for (const GateResult& r : results)
    if (!r.passed) return false;
  return true;
}

std::map<std::string, std::vector<Holding>> stage_holders(const std::vector<ModelEvent>& events, int64_t at_ns) {
  std::map<std::string, std::vector<Holding>> out;
  for (const ModelEvent& e : events) {
    if (at_ns && e.at_ns > at_ns) break;
    if (e.action == "promote") out[e.stage].push_back({e.version, e});
    if (e.action == "rollback" && !out[e.stage].empty()) {
      out[e.stage].pop_back();
      // The restored holder now holds the stage by this event.
      if (!out[e.stage].empty()) out[e.stage].back().event = e;
    }
  }
  return out;
}

std::vector<GateCheck> check_gates(LineageStore& store, const ModelDef& model, const ModelVersion& v,
                                   const std::string& stage) {
  const std::vector<ModelVersion> versions = store.model_versions(model.name);
  const auto holders = stage_holders(store.events(model.name), 0);
  std::map<std::string, std::vector<LineageValue>> holder_metrics;
  for (const auto& [s, list] : holders)
    if (!list.empty())
      if (const ModelVersion* h = find(versions, list.back().version)) holder_metrics[s] = version_metrics(store, *h);
  GateSubject subject;
  subject.metrics = version_metrics(store, v);
  const RunRecord run = store.run(v.run_id);
  subject.clean_tree = !run.code.git_commit.empty() && !run.code.dirty;
  subject.holder_metrics = [&](const std::string& s) -> const std::vector<LineageValue>* {
    auto it = holder_metrics.find(s);
    return it == holder_metrics.end() ? nullptr : &it->second;
  };
  std::vector<GateCheck> out;
  for (const StageGates& sg : model.gates)
    if (stage.empty() || sg.stage == stage) out.push_back({sg.stage, evaluate_gates(sg.gates, subject)});
  if (!stage.empty() && out.empty()) {
    std::string known;
    for (const StageGates& sg : model.gates) known += (known.empty() ? "" : ", ") + sg.stage;
    throw Error(Exit::kUsage, "model '" + model.name + "' has no gates for stage '" + stage + "'" +
                                  (known.empty() ? "; declare them under 'gates:' in pipe.yaml"
                                                 : "; its stages are: " + known));
  }
  return out;
}

GateCheck promote(LineageStore& store, const ModelDef& model, const ModelVersion& v, const std::string& stage,
                  const std::string& reason, bool* recorded) {
  const GateCheck check = check_gates(store, model, v, stage).front();
  *recorded = false;
  if (!check.passed()) return check;
  ModelEvent e = new_event(model.name, v.version(), stage, "promote", reason);
  e.details = results_json(check);
  e.policy_digest = policy_digest(model.gates);
  store.add_event(e);
  *recorded = true;
  return check;
}

std::string rollback(LineageStore& store, const ModelDef& model, const std::string& stage, const std::string& reason) {
  const auto holders = stage_holders(store.events(model.name), 0);
  auto it = holders.find(stage);
  if (it == holders.end() || it->second.size() < 2)
    throw Error(Exit::kUsage, "model '" + model.name + "' has no previous holder of stage '" + stage +
                                  "' to return to" +
                                  (it == holders.end() || it->second.empty()
                                       ? " (no version was ever promoted there)"
                                       : " (only " + it->second.back().version + " was promoted there)"));
  const std::string previous = it->second[it->second.size() - 2].version;
  ModelEvent e = new_event(model.name, previous, stage, "rollback", reason);
  Value details = Value::map();
  details.set("from", Value::string(it->second.back().version));
  e.details = details.canonical();
  e.policy_digest = policy_digest(model.gates);
  store.add_event(e);
  return previous;
}

int64_t parse_time(const std::string& text) {
  std::tm tm{};
  int sec = 0;
  char zone[8] = {};
  const int n = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%7s", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                            &tm.tm_hour, &tm.tm_min, &sec, zone);
  const bool date_only = n == 3 && text.size() == 10;
  const bool ok = date_only || n == 5 || n == 6 || (n == 7 && std::string(zone) == "Z");
  if (!ok || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31)
    throw Error(Exit::kUsage, "cannot read the time '" + text + "'; write it as 2026-11-01T12:00 (UTC), "
                                  "2026-11-01T12:00:30Z or 2026-11-01");
  if (n == 5 && text.size() != 16) throw Error(Exit::kUsage, "cannot read the time '" + text + "'");
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  tm.tm_sec = sec;
  return static_cast<int64_t>(::timegm(&tm)) * 1'000'000'000LL;
}

}  // namespace pipeline
