// A dvc.lock read as pipe's record of the same stages. Before an import, a
// dvc.yaml with a dvc.lock and no pipe.lock beside it is judged by what DVC
// recorded: every entry known by its md5 only (pending), proven against the
// workspace as status and repro look at it (dvc_proof.h). So `pipe status`
// in a DVC repository says what `dvc status` says from the first command.
// `pipe import-dvc` makes the same entries with the content proven and
// cached; the first `pipe repro` that runs a stage writes pipe.lock, with
// DVC's entries for the stages it did not run.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "dvc_files.h"
#include "lockfile.h"

namespace pipeline {

struct Stage;
struct Workspace;

// "sub/dvc.lock" for "sub/dvc.yaml"; "" for a pipe.yaml, which DVC does not read.
std::string dvc_lock_path(const std::string& pipeline_file);

// What DVC recorded of one path, known by its md5 only.
LockedArtifact dvc_pending(const std::string& path, const DvcArtifact& dvc);

// DVC's entry for stage `s` as pipe's: paths and params files from the
// stage's wdir (where DVC writes them from) to the project's. `adopt` makes
// each dep and output (the project path, DVC's record, whether the stage
// caches it). An entry DVC recorded without an md5 pipe can check (a dep
// by URL, with its etag; another hash; a version-aware listing) is left out,
// so the stage shows as changed until pipe runs it; `left_out` (may be null)
// gets "path: why" for each. Throws Error(kBadPipeline) located in
// `lock_file` for a path outside the project, or an output where pipe never
// writes.
using AdoptFn = std::function<LockedArtifact(const std::string& path, const DvcArtifact& dvc, bool cached)>;
LockedStage dvc_lock_entry(const std::string& lock_file, const Stage& s, const DvcLockStage& recorded,
                           const AdoptFn& adopt, std::vector<std::string>* left_out = nullptr);

// Reads the dvc.lock of each dvc.yaml that has no pipe.lock into the
// workspace's locks, as if pipe had written them (load_workspace calls it).
void read_dvc_locks(Workspace& ws);

}  // namespace pipeline
