// `pipe status`: which stages and tracked data differ from what pipe.lock
// and the .pipe files record, and why. The engine decides; cli/ renders.
#pragma once

#include <string>
#include <vector>

#include "changes.h"
#include "targets.h"

namespace pipeline {

struct Workspace;

struct StageStatus {
  size_t stage;                 // index into the workspace's stages
  bool frozen = false;          // not checked: frozen stages never run
  std::vector<Reason> reasons;  // empty: up to date
};

struct TrackedStatus {
  std::string file;    // the .pipe file
  std::string path;    // the data it tracks
  std::string change;  // "", "deleted" or "modified"
};

struct StatusReport {
  std::vector<StageStatus> stages;  // in graph order
  std::vector<TrackedStatus> tracked;
  bool changed() const;
};

// No targets: every stage of every pipeline file and all tracked data, as
// `dvc status` reports. Named stages come with their upstream stages, as
// `repro` would run them.
StatusReport status(Workspace& ws, const std::vector<Target>& targets, const TargetOptions& options = {});

}  // namespace pipeline
