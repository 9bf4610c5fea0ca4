// Auditing a model version: is every artifact its lineage names still there,
// unchanged?
#pragma once

#include <string>
#include <vector>

#include "lineage.h"

namespace pipeline {

struct Project;
class Remote;

struct ArtifactCheck {
  LineageArtifact artifact;
  std::string where;    // "cache", "workspace", "git <commit>", "remote"; empty when not found
  std::string problem;  // empty when found intact
  bool ok() const { return problem.empty(); }
};

// Every input and output the executions of the version's run recorded (the
// whole pipeline as it stood), looked up in the local cache (re-hashed: a
// damaged object is reported as altered), then the workspace, then git at
// the run's commit, then on `remote` (by key: its objects are named by
// their digests and checked when fetched) when one is given.
std::vector<ArtifactCheck> verify_artifacts(Project& project, LineageStore& store, const ModelVersion& version,
                                            Remote* remote);

}  // namespace pipeline
