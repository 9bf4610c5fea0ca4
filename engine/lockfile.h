// pipe.lock: what each stage last ran with and produced. Format and schema
// version in docs/file-formats.md and schemas/lock.schema.json.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "digest.h"
#include "value.h"

namespace pipeline {

class Disk;

inline constexpr const char* kLockFile = "pipe.lock";
inline constexpr int kLockSchema = 1;

struct LockedArtifact {
  std::string path;  // project-relative
  Digest digest;
  uint64_t size = 0;
  bool is_dir = false;
  uint64_t nfiles = 0;      // directories only
  bool executable = false;  // files only; a directory's manifest records its own
};

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
