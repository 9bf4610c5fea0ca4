// Turns a finished `pipe repro` into a lineage record: its executions with
// inputs, outputs, params, metrics and resource use, the environment and
// code state, and the model versions it produced.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lineage.h"
#include "repro.h"

namespace pipeline {

struct Workspace;

struct Invocation {
  std::vector<std::string> argv;
  int64_t started_ns = 0;
  int exit_code = 0;
  // The git state when the run started: a run that rewrites pipe.lock
  // leaves the tree dirty at its end even when it began clean.
  CodeState code;
  // `pipe exp apply`: the experiment applied, as canonical JSON ({"name",
  // "run", "overrides"}), recorded in each model version's basis so the
  // version says which experiment it came from. Empty otherwise.
  std::string experiment;
};

// Appends the run to .pipe/lineage.db and returns what was recorded (with
// its id and new model versions).
RunRecord record_lineage(Workspace& ws, const Invocation& invocation, const ReproSummary& summary);

// Metrics files hold nested maps; the lineage keeps dotted keys with
// scalar values ("train.loss" -> 0.25), as canonical JSON.
std::vector<LineageValue> read_metrics(const std::string& file, const std::string& text);

// Who runs pipe, and where (for run records and model promotions).
std::string current_user();
std::string current_host();
int64_t now_ns();
// A wall-clock time as ISO 8601 in UTC: "2026-11-28T13:40:01Z".
std::string format_time(int64_t ns);

}  // namespace pipeline
