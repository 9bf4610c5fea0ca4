// `pipe checkout`: make the workspace match pipe.lock by restoring cached
// outputs that are missing or differ, refusing to overwrite changes that
// were never recorded unless forced.
#pragma once

#include <string>
#include <vector>

#include "digest.h"

namespace pipeline {

struct Project;
struct Workspace;

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

// Makes a recorded output whose content is right link to the cache as the
// link order says (no-op for copies).
void relink_output(Project& project, const LockedArtifact& recorded);

// True when every object needed to restore `recorded` is in the cache.
bool restorable(Project& project, const LockedArtifact& recorded);

struct Target;

// Restores the outputs of the stages and the .pipe-tracked data the targets
// name (see targets.h); no targets means all of them.
CheckoutReport checkout(Workspace& ws, const std::vector<Target>& targets, bool force);

// Replaces hard- and symbolic links to the cache under `path` (a file or a
// directory) with writable copies of their own, so they can be edited in
// place (`pipe unprotect`, and before a stage with `persist` outputs runs).
// Returns how many files it copied.
size_t unprotect(Project& project, const std::string& path);


}  // namespace pipeline
