// The run-cache: what a stage produced for a given cmd, deps and params. A
// stage whose exact inputs were seen before is restored from the cache
// instead of run (DVC's run-cache, same eligibility rules).
#pragma once

#include <string>

#include "digest.h"
#include "lockfile.h"

namespace pipeline {

class Disk;
struct Stage;

// DVC's rules: no persist outputs, no cache: false outputs, not always_changed.
bool run_cache_eligible(const Stage& stage);

// Identifies a run: cmd, deps with digests, param values and declared outputs.
Digest run_key(const Stage& stage, const LockedStage& inputs);

// Entries live in .pipe/runs/<2 hex>/<30 hex>, in pipe.lock's format.
class RunCache {
 public:
  explicit RunCache(Disk& disk) : disk_(disk) {}
  // The recorded run for `key`, if any and readable.
  bool find(const Digest& key, LockedStage* entry) const;
  // Written atomically; a failure to write only loses the shortcut.
  void save(const Digest& key, const std::string& stage, const LockedStage& entry);
  // Project-relative path of an entry: .pipe/runs/<2 hex>/<30 hex>. On a
  // remote the same entry is runs/<2 hex>/<30 hex>.
  static std::string path(const Digest& key);

 private:
  Disk& disk_;
};

}  // namespace pipeline
