// `pipe checkout`: make the workspace match pipe.lock by restoring cached
// outputs that are missing or differ, refusing to overwrite changes that
// were never recorded unless forced.
#pragma once

#include <string>
#include <vector>

#include "digest.h"

namespace pipeline {

struct Project;

struct CheckoutReport {
  std::vector<std::string> restored;
  std::vector<std::string> unchanged;
  std::vector<std::string> refused;  // modified in the workspace, not forced
  std::vector<std::string> missing;  // not in the cache: "path: why"
};

struct LockedArtifact;

// Restores one recorded output from the cache, replacing whatever is at its
// path. Throws Error(kFailed) when its objects are not in the cache.
void restore_output(Project& project, const LockedArtifact& recorded);

// True when every object needed to restore `recorded` is in the cache.
bool restorable(Project& project, const LockedArtifact& recorded);

// `targets` as for repro (stage names); empty means every stage.
CheckoutReport checkout(Project& project, const std::vector<std::string>& targets, bool force);

// Every digest pipe.lock records for cached outputs, and the files of
// recorded directories: what `cache verify` checks by default.
std::vector<Digest> referenced_objects(Project& project);

}  // namespace pipeline
