#include "promotion.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <ctime>

#include "document.h"
#include "error.h"
#include "ssl_digests.h"
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

bool gated(const ModelDef& model, const std::string& stage) {
  return std::any_of(model.gates.begin(), model.gates.end(), [&](const StageGates& g) { return g.stage == stage; });
}

bool needs_approvals(const ModelDef& model, const std::string& stage) {
  return std::any_of(model.approvals.begin(), model.approvals.end(),
                     [&](const ApprovalPolicy& p) { return p.stage == stage; });
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

std::map<std::string, std::vector<Holding>> stage_holders(const std::vector<ModelEvent>& events, int64_t at_ns,
                                                          const std::string& model) {
  std::map<std::string, std::vector<Holding>> out;
  // What was not yet made at `at_ns`: later events, and any event that
  // follows one of them (in the registry's order a child may carry an
  // earlier clock than its parent: two machines' clocks).
  std::set<std::string> later;
  for (const ModelEvent& e : events) {
    bool skip = at_ns && e.at_ns > at_ns;
    for (size_t i = 0; !skip && i < e.parents.size(); ++i) skip = later.count(e.parents[i]) > 0;
    if (skip) {
      later.insert(e.uid);
      continue;
    }
    if (!model.empty() && e.model != model) continue;
    std::vector<Holding>& holders = out[e.stage];
    if (e.action == "promote") holders.push_back({e.version, e});
    if (e.action != "rollback" || holders.empty()) continue;
    // A rollback undoes the version it names, wherever it is now: merged
    // with a promotion made concurrently in another clone, it must not
    // undo that one instead.
    std::string from;
    try {
      const Value details = parse_json("rollback details", e.details);
      if (const Value* f = details.is_map() ? details.find("from") : nullptr; f && f->is_string()) from = f->as_string();
    } catch (const Error&) {
    }
    size_t at = holders.size() - 1;
    if (!from.empty()) {
      while (at > 0 && holders[at].version != from) --at;
      if (holders[at].version != from) continue;  // undone already
    }
    const bool current = at + 1 == holders.size();
    holders.erase(holders.begin() + static_cast<std::ptrdiff_t>(at));
    // The restored holder now holds the stage by this event.
    if (current && !holders.empty()) holders.back().event = e;
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
  if (!stage.empty() && out.empty() && !needs_approvals(model, stage)) {
    std::string known;
    for (const StageGates& sg : model.gates) known += (known.empty() ? "" : ", ") + sg.stage;
    throw Error(Exit::kUsage, "model '" + model.name + "' has no gates for stage '" + stage + "'" +
                                  (known.empty() ? "; declare them under 'gates:' in pipe.yaml"
                                                 : "; its stages are: " + known));
  }
  return out;
}

std::vector<std::string> verify_signed_approvals(LineageStore& store, size_t* checked) {
  std::vector<std::string> problems;
  std::map<std::string, std::string> digests;  // "model@version" -> digest
  for (const ModelVersion& v : store.model_versions("")) digests[v.model + "@" + v.version()] = v.digest;
  *checked = 0;
  for (const ModelEvent& e : store.events("")) {
    if (e.action != "approve" || e.signature.empty()) continue;
    ++*checked;
    const std::string what = "approval of " + e.model + " " + e.version + " for " + e.stage + " by " + e.user + "@" +
                             e.host + " (" + e.uid.substr(0, 12) + ")";
    auto it = digests.find(e.model + "@" + e.version);
    std::string keyid, why;
    if (it == digests.end()) problems.push_back(what + ": names a version this store does not hold");
    else if (!verify_approval(e, it->second, &keyid, &why)) problems.push_back(what + ": " + why);
  }
  return problems;
}

std::string model_policy_digest(const ModelDef& model) {
  const std::string gates = policy_digest(model.gates);
  // Without approvals, the digest stays what gates alone gave before
  // approvals existed, so older events still match their policy.
  return model.approvals.empty() ? gates : sha256_hex(gates + "\n" + approvals_canonical(model.approvals));
}

bool check_approvals(LineageStore& store, const ModelDef& model, const ModelVersion& v, const std::string& stage,
                     ApprovalStatus* out) {
  for (const ApprovalPolicy& p : model.approvals)
    if (p.stage == stage) {
      *out = approval_status(p, v, store.run(v.run_id).user, store.events(model.name));
      return true;
    }
  return false;
}

namespace {

// The stage's gate results; none when only approvals guard it.
GateCheck stage_gates(LineageStore& store, const ModelDef& model, const ModelVersion& v, const std::string& stage) {
  if (!gated(model, stage) && needs_approvals(model, stage)) return {stage, {}};
  return check_gates(store, model, v, stage).front();  // throws for a stage with neither
}

}  // namespace

PromotionCheck promote(LineageStore& store, const ModelDef& model, const ModelVersion& v, const std::string& stage,
                       const std::string& reason, bool* recorded) {
  PromotionCheck check;
  check.gates = stage_gates(store, model, v, stage);
  check.needs_approvals = check_approvals(store, model, v, stage, &check.approvals);
  *recorded = false;
  if (!check.passed()) return check;
  ModelEvent e = new_event(model.name, v.version(), stage, "promote", reason);
  e.details = results_json(check.gates);
  e.policy_digest = model_policy_digest(model);
  store.add_event(e);
  *recorded = true;
  return check;
}

ModelEvent approve(LineageStore& store, const ModelDef& model, const ModelVersion& v, const std::string& stage,
                   const std::string& reason, const std::string& key_path, std::string* keyid) {
  if (!gated(model, stage) && !needs_approvals(model, stage)) {
    // As promote: a typo must not record an approval for a stage nobody uses.
    std::set<std::string> known;
    for (const StageGates& g : model.gates) known.insert(g.stage);
    for (const ApprovalPolicy& p : model.approvals) known.insert(p.stage);
    std::string list;
    for (const std::string& s : known) list += (list.empty() ? "" : ", ") + s;
    throw Error(Exit::kUsage, "model '" + model.name + "' has no gates or approvals for stage '" + stage + "'" +
                                  (list.empty() ? "; declare them under 'gates:' or 'approvals:' in pipe.yaml"
                                                : "; its stages are: " + list));
  }
  const GateCheck gates = stage_gates(store, model, v, stage);
  ModelEvent e = new_event(model.name, v.version(), stage, "approve", reason);
  Value details = parse_json("gate results", results_json(gates));
  details.set("digest", Value::string(v.digest));
  e.details = details.canonical();
  e.policy_digest = model_policy_digest(model);
  if (!key_path.empty()) *keyid = sign_approval(&e, v.digest, key_path);
  const int64_t id = store.add_event(e);
  // As stored: with its uid and parents.
  for (ModelEvent& stored : store.events(model.name))
    if (stored.id == id) return stored;
  return e;
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
  e.policy_digest = model_policy_digest(model);
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
