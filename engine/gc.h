// `pipe gc`: remove cache objects nothing references. References: pipe.lock,
// every .pipe file in the project, every run-cache entry, and everything a
// recorded model version's run read or wrote (audit data, kept for good). Objects younger
// than the grace period are kept, so a concurrent `pipe repro` that has
// written objects but not yet pipe.lock loses nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "digest.h"
#include "file_system.h"

namespace pipeline {

struct Project;
struct LockedArtifact;

// Every artifact the project at `root` references: the outputs in its
// pipe.lock files, its .pipe files, its model versions' artifacts and, with
// `run_cache`, its run-cache entries. A damaged one cannot say what it
// references, so this throws rather than guess.
void each_referenced_artifact(FileSystem& fs, const std::string& root, bool run_cache,
                              const std::function<void(const LockedArtifact&)>& each);
// The objects those name (without the run-cache), directories' files
// included, each once: what `pipe cache verify` checks.
std::vector<Digest> referenced_objects(const Project& project);

struct GcReport {
  std::vector<std::string> removable;  // object paths relative to the cache root
  uint64_t bytes = 0;
  size_t kept = 0;
  size_t too_young = 0;
};

// With `force` false nothing is removed (dry run). `other_projects` (root
// directories) share the cache: what they reference is kept too. A cache
// outside the project cannot be collected with `force` unless they are named.
GcReport collect_garbage(Project& project, const std::vector<std::string>& other_projects, int64_t grace_seconds,
                         bool force);

}  // namespace pipeline
