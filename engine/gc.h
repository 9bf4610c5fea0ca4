// `pipe gc`: remove cache objects nothing references. References: pipe.lock,
// every .pipe file in the project, every run-cache entry, and everything a
// recorded model version's run read or wrote (audit data, kept for good). Objects younger
// than the grace period are kept, so a concurrent `pipe repro` that has
// written objects but not yet pipe.lock loses nothing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pipeline {

struct Project;

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
