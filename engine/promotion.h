// Promotion of model versions to stages (staging, production, ...): gated by
// the model's `gates:`, recorded as events in the lineage store, never by
// overwriting, so any past assignment can be looked up.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "approvals.h"
#include "gates.h"
#include "lineage.h"

namespace pipeline {

struct ModelDef;

// A stage's holder and the event that made it hold the stage.
struct Holding {
  std::string version;
  ModelEvent event;
};

// Replays promotions (which push a holder) and rollbacks (which remove the
// version they name, returning the stage to the one before when it was the
// holder), in the registry's order, up to `at_ns` (0: all): stage ->
// holders, the current one last. `events` may hold every model's events
// (they decide what came before `at_ns`); only `model`'s are replayed
// ("": all of them).
std::map<std::string, std::vector<Holding>> stage_holders(const std::vector<ModelEvent>& events, int64_t at_ns,
                                                          const std::string& model = "");

struct GateCheck {
  std::string stage;
  std::vector<GateResult> results;
  bool passed() const;
};

// The metrics the run that made `v` recorded, from every stage.
std::vector<LineageValue> version_metrics(LineageStore& store, const ModelVersion& v);

// Evaluates the gates of `stage` (every stage with gates when empty) for
// version `v`, against its recorded metrics and the stages' current holders.
// Throws Error(kUsage) for a stage the model has no gates for.
std::vector<GateCheck> check_gates(LineageStore& store, const ModelDef& model, const ModelVersion& v,
                                   const std::string& stage);

// What a promotion must meet: the stage's gates, and its approvals when
// the model's policy asks for some.
struct PromotionCheck {
  GateCheck gates;
  bool needs_approvals = false;
  ApprovalStatus approvals;
  bool passed() const { return gates.passed() && (!needs_approvals || approvals.met()); }
};

// The approvals `v` has for `stage`, judged by the model's policy; false
// when the policy asks for none there.
bool check_approvals(LineageStore& store, const ModelDef& model, const ModelVersion& v, const std::string& stage,
                     ApprovalStatus* out);

// Promotes `v` to `stage` when its gates pass and its approvals are met,
// recording who, when, why, the gate results and the policy's digest.
// Returns the checks; `recorded` says whether the promotion happened.
// Throws Error(kUsage) for a stage with neither gates nor approvals.
PromotionCheck promote(LineageStore& store, const ModelDef& model, const ModelVersion& v, const std::string& stage,
                       const std::string& reason, bool* recorded);

// Records the current user's approval of `v` for `stage`, with the version's
// digest and its gate results there; signed with the PEM key at `key_path`
// unless it is empty (then `keyid` is left empty).
ModelEvent approve(LineageStore& store, const ModelDef& model, const ModelVersion& v, const std::string& stage,
                   const std::string& reason, const std::string& key_path, std::string* keyid);

// Checks every signed approval in the store against the version it names
// (its statement, its signature). Returns one line per approval that does
// not hold; counts the signed ones in `checked`.
std::vector<std::string> verify_signed_approvals(LineageStore& store, size_t* checked);

// The digest of the model's whole policy (gates and approvals) that an
// event records: "" when it has neither.
std::string model_policy_digest(const ModelDef& model);

// Returns `stage` to its previous holder, recorded as an event. Throws
// Error(kUsage) when it has none. Returns the version restored.
std::string rollback(LineageStore& store, const ModelDef& model, const std::string& stage, const std::string& reason);

// "2026-11-01T12:00", "2026-11-01T12:00:30Z", "2026-11-01" (UTC) to ns
// since the epoch. Throws Error(kUsage) for anything else.
int64_t parse_time(const std::string& text);

}  // namespace pipeline
