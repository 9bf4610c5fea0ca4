// Why a stage is out of date: the dirty check, as its own unit (like ninja's
// DependencyScan), shared by `status`, `repro --explain` and `repro --dry`.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "lockfile.h"
#include "pipeline.h"

namespace pipeline {

class ArtifactHasher;
class ParamsReader;

struct Reason {
  enum class Kind {
    kNeverRun,
    kAlwaysChanged,
    kForced,
    kCmd,
    kDepNew,
    kDepDeleted,
    kDepModified,
    kDepRemoved,
    kParamNew,
    kParamDeleted,
    kParamModified,
    kParamMissing,  // tracked now, but defined neither in the file nor in pipe.lock
    kOutNew,
    kOutDeleted,
    kOutModified,
    kUpstream,  // --dry only: an upstream stage would run first
  };
  Kind kind;
  std::string subject;  // path, or "file:key" for params
  std::string old_value;  // params only, canonical JSON
  std::string new_value;

  // "param modified: train.lr (params.yaml) 0.5 -> 0.1"
  std::string describe() const;
  // "param", "dep", "out", "cmd", "stage"
  std::string category() const;
  // "new", "deleted", "modified", ...
  std::string change() const;
};

// The current values of the params a stage tracks: file -> key -> value.
// Missing keys or files are left out (they show as deleted params).
std::map<std::string, std::map<std::string, Value>> current_params(const Stage& stage, ParamsReader& params);

// Every reason `stage` is out of date against its lock entry (null: never
// ran); empty when it is up to date. Frozen stages are the caller's business.
std::vector<Reason> stage_changes(const Stage& stage, const LockedStage* locked, ArtifactHasher& hasher,
                                  ParamsReader& params);

}  // namespace pipeline
