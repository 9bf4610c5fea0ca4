// Reading the lineage store for what made what: model version lookup, the
// recorded graph walked from an artifact, and the params and metrics of a
// version or of the workspace, compared key by key.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lineage.h"

namespace pipeline {

struct Workspace;

// NAME or NAME@VERSION to a recorded version (the latest for NAME alone).
// Throws Error(kUsage) naming the versions that exist.
ModelVersion find_version(LineageStore& store, const std::string& ref);

struct LineageStep;

// One artifact content in the recorded graph, with the executions that
// made it (upstream) or read it (downstream).
struct LineageNode {
  std::string path;
  std::string digest;
  std::string role;  // as the execution recorded it: code, data; "" for outputs
  bool repeated = false;  // shown earlier in the walk: its steps are left out
  std::vector<LineageStep> steps;
};

struct LineageStep {
  std::string stage;
  std::string status;
  int64_t run_id = 0;
  std::vector<LineageNode> artifacts;  // its inputs (upstream) or outputs (downstream)
};

// Walks the recorded graph from `digest` at `path`, against (upstream) or
// along (downstream) the executions. Each content is expanded once.
LineageNode trace_lineage(LineageStore& store, const std::string& path, const std::string& digest, bool downstream);

// "file:key" -> canonical JSON value.
using NamedValues = std::map<std::string, std::string>;

// The metrics or params run `run` recorded, every stage's.
NamedValues run_values(LineageStore& store, int64_t run, bool metrics);
// The same for the run that made `v`.
NamedValues recorded_values(LineageStore& store, const ModelVersion& v, bool metrics);
// Every metrics output of every stage, as the workspace holds it now.
NamedValues workspace_metrics(Workspace& ws);
// Every stage's params as the params files hold them now.
NamedValues workspace_params(Workspace& ws);
// Every stage's params as its pipe.lock recorded them.
NamedValues locked_params(const Workspace& ws);

struct ValueChange {
  std::string name;
  std::optional<std::string> old_value;  // absent: added
  std::optional<std::string> new_value;  // absent: removed
};
// The keys whose values differ from `a` to `b`, by name.
std::vector<ValueChange> diff_values(const NamedValues& a, const NamedValues& b);

}  // namespace pipeline
