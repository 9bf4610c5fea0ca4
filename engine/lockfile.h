// pipe.lock: what each stage last ran with and produced. Format and schema
// version in docs/file-formats.md and schemas/lock.schema.json.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "digest.h"
#include "value.h"

namespace pipeline {

class Disk;

inline constexpr const char* kLockFile = "pipe.lock";
// Schema 2 adds DVC's hash of adopted data (`md5`, `md5-dos2unix`), and
// entries known only by it; a lock without them is written as schema 1, so
// older pipes read what they can.
inline constexpr int kLockSchema = 2;

struct LockedArtifact {
  LockedArtifact() = default;
  LockedArtifact(std::string path_, Digest digest_, uint64_t size_ = 0, bool is_dir_ = false, uint64_t nfiles_ = 0,
                 bool executable_ = false)
      : path(std::move(path_)), digest(digest_), size(size_), is_dir(is_dir_), nfiles(nfiles_), executable(executable_) {}

  std::string path;  // project-relative
  Digest digest;
  uint64_t size = 0;
  bool is_dir = false;
  uint64_t nfiles = 0;      // directories only
  bool executable = false;  // files only; a directory's manifest records its own
  // Data adopted from a DVC repository keeps DVC's name for it, as DVC
  // writes it (32 hex digits, ".dir" for a directory), so it can be pulled
  // from a DVC remote. Empty otherwise.
  std::string md5;
  bool md5_dos2unix = false;  // DVC 2's text-normalized md5
  // Only DVC's hash is known: the data was not there to prove it when the
  // repository was imported. `digest` is then unset until the md5 is
  // resolved (pipe pull records what it fetched).
  bool pending = false;
  bool is_dvc_dir() const { return md5.size() > 4 && md5.compare(md5.size() - 4, 4, ".dir") == 0; }
};

// The schema a file holding these artifacts needs: 1 unless one carries DVC's hash.
int artifacts_schema(const std::vector<LockedArtifact>& artifacts);
// 32 lowercase hex digits, or that and ".dir": DVC's md5 as pipe keeps it.
bool valid_dvc_md5(const std::string& text);

// One artifact as YAML list item lines, each starting with `indent`;
// `shown_path` is the path as the file records it.
std::string render_artifact(const LockedArtifact& a, const std::string& shown_path, const std::string& indent);
// Reads hash, size, isexec and nfiles of a mapping (not its path). `bad`
// reports a fault at a node and must throw.
using ArtifactFault = std::function<void(const Value& at, const std::string& what)>;
void parse_artifact_fields(const Value& item, LockedArtifact* a, const ArtifactFault& bad);

struct LockedStage {
  std::vector<std::string> cmds;
  std::vector<LockedArtifact> deps;
  std::map<std::string, std::map<std::string, Value>> params;  // file -> key -> value
  std::vector<LockedArtifact> outs;
};

struct LockFile {
  std::map<std::string, LockedStage> stages;
};

// Keeps each stage's rendered text, so rewriting pipe.lock after every
// finished stage costs a concatenation, not a render of every stage.
class LockWriter {
 public:
  explicit LockWriter(const LockFile& lock);
  void set(const std::string& stage, const LockedStage& entry);
  std::string render() const;

 private:
  std::map<std::string, std::string> rendered_;
  std::set<std::string> with_md5_;  // stages whose entry needs schema 2
};

// A missing file is an empty lock. A corrupt one throws Error(kBadPipeline)
// naming the line and saying how to recover.
LockFile read_lock(Disk& disk, const std::string& file = kLockFile);
// The same for text in pipe.lock's format (run-cache entries use it too);
// `file` names it in messages.
LockFile parse_lock(const std::string& text, const std::string& file = kLockFile);
std::string render_lock(const LockFile& lock);
// Reads text exactly as render_lock writes it, much faster than YAML.
// Returns false (and leaves `lock` unspecified) for anything else.
bool parse_lock_fast(const std::string& text, LockFile* lock);
// Atomic: temp file, fsync, rename.
void write_lock(Disk& disk, const LockFile& lock);

}  // namespace pipeline
