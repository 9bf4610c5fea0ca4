// DVC's own records of a repository, read as DVC writes them: dvc.lock
// (schema '2.0', and DVC 1's lock with stages at the top) and .dvc files.
// Only what pipe needs to adopt a repository: the hashes, sizes and paths,
// as written (relative to the stage's folder); nothing here touches disk.
// Shapes seen in public repositories: docs/dvc-migration.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dvc_hash.h"
#include "value.h"

namespace pipeline {

// An entry of a lock's deps/outs, or of a .dvc file's outs.
struct DvcArtifact {
  std::string path;  // as written
  std::string md5;   // 32 hex digits, without ".dir"; empty when none is recorded
  bool is_dir = false;
  DvcHashKind hash = DvcHashKind::kMd5Dos2Unix;  // `hash: md5` is DVC 3's; none is DVC 2's
  bool known_hash = true;  // false for a hash name pipe cannot check (`hash: sha256`, say)
  uint64_t size = 0;
  bool has_size = false;
  uint64_t nfiles = 0;
  bool executable = false;
  bool cache = true;  // .dvc files: `cache: false`
  // A dep outside the repository (a URL or absolute path): what its server
  // said, for messages only.
  std::string etag;
  // A version-aware output lists its files instead of naming a .dir object.
  std::vector<DvcDirEntry> files;
  Mark mark;
};

struct DvcLockStage {
  std::vector<std::string> cmds;
  std::vector<DvcArtifact> deps;
  std::vector<DvcArtifact> outs;
  std::map<std::string, std::map<std::string, Value>> params;  // file -> key -> value, as written
  Mark mark;
};

struct DvcLock {
  std::map<std::string, DvcLockStage> stages;  // by name as in its dvc.yaml ("train", "fit@cpu")
};

struct DvcFile {
  std::string wdir;  // relative to the .dvc file's folder; "" for it
  bool frozen = false;
  std::vector<DvcArtifact> outs;
  // `dvc import` / `dvc import-url`: where the data came from, in words.
  std::vector<std::string> sources;
};

// Throw Error(kBadPipeline) located at the fault ("dvc.lock:12:7: ...").
DvcLock parse_dvc_lock(const std::string& file, const std::string& text);
DvcFile parse_dvc_file(const std::string& file, const std::string& text);

}  // namespace pipeline
