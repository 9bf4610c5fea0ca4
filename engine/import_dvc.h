// `pipe import-dvc`: adopts a DVC repository as it is, so switching costs
// minutes, not a retrain. It reads .dvc/config (and config.local), every
// dvc.lock and every .dvc file, and writes only pipe's own files:
// .pipe/config (secrets in .pipe/config.local), pipe.lock beside each
// dvc.yaml, and X.pipe beside each X.dvc. Nothing DVC owns changes.
//
// Data is adopted only once proven: each recorded output, dep and tracked
// path is hashed DVC's way (md5, or DVC 2's md5-dos2unix) from the
// workspace, else from DVC's cache, and must match what DVC recorded. Then
// pipe records its own digest beside DVC's md5 and copies the content into
// its cache. What cannot be proven keeps DVC's md5 only (pending): status
// shows it as changed, and `pipe pull` from the DVC remote fetches it by
// md5. Safe to run again: a second run changes nothing.
#pragma once

#include <string>
#include <vector>

namespace pipeline {

struct Workspace;

struct ImportReport {
  std::vector<std::string> settings;   // what went into .pipe/config, secrets shown as ***
  std::vector<std::string> notes;      // what was left out, and why
  size_t stages = 0;                   // lock entries written
  size_t stages_kept = 0;              // pipe's own newer entries, left as they are
  size_t tracked = 0;                  // .pipe files written
  size_t proven = 0;                   // entries proven (workspace or DVC cache)
  size_t from_dvc_cache = 0;           // of those, proven from DVC's cache
  std::vector<std::string> pending;    // "path: why", not proven
};

// Throws Error(kUsage) where there is no .dvc/ at the project root, and
// Error(kBadPipeline) located in DVC's files for damage.
ImportReport import_dvc(Workspace& ws);

// The config part alone: .dvc/config and .dvc/config.local into .pipe/.
void import_dvc_config(Workspace& ws, ImportReport& report);

}  // namespace pipeline
