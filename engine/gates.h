// Quality gates: per model and target stage, the conditions a version's
// recorded metrics (and code state) must meet to be promoted there.
//
//   gates:
//     production:
//       - accuracy >= 0.85
//       - f1 >= production.f1 - 0.01   # no regression against the holder
//       - clean_tree                   # made from a clean git tree
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "error.h"
#include "lineage.h"

namespace pipeline {

class Value;

struct Gate {
  std::string text;  // as written
  Mark mark;
  bool clean_tree = false;
  // METRIC OP (NUMBER | STAGE.METRIC [+|- NUMBER])
  std::string metric;  // "accuracy", "loss.train", "metrics.json:acc"
  std::string op;      // >=, <=, >, <, ==, !=
  double number = 0;
  std::string ref_stage;  // when comparing with the stage's current holder
  std::string ref_metric;
  double offset = 0;
};

struct StageGates {
  std::string stage;
  std::vector<Gate> gates;
};

// Parses a model's `gates:` mapping. Throws Error(kBadPipeline) located at
// a malformed gate, saying what a gate looks like.
std::vector<StageGates> parse_gates(const std::string& file, const Value& gates);
// The SHA-256 of the gates' canonical form: which policy a promotion met.
std::string policy_digest(const std::vector<StageGates>& gates);

struct GateResult {
  std::string gate;  // as written
  bool passed = false;
  std::string detail;  // "accuracy 0.91 >= 0.85", or why it failed
};

// What a gate is evaluated against: the version's metrics and whether its
// tree was clean, and the metrics of a stage's current holder (null when
// the stage has none).
struct GateSubject {
  std::vector<LineageValue> metrics;
  bool clean_tree = false;
  std::function<const std::vector<LineageValue>*(const std::string& stage)> holder_metrics;
};
std::vector<GateResult> evaluate_gates(const std::vector<Gate>& gates, const GateSubject& subject);

// A metric by name among recorded values: FILE:KEY exactly, or KEY when
// only one file has it. False with `why` (missing, ambiguous, not a number).
bool find_metric(const std::vector<LineageValue>& metrics, const std::string& name, double* value, std::string* why);

}  // namespace pipeline
