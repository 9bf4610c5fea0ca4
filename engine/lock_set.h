// The pipe.lock files of a project of many pipeline files, as one LockFile.
//
// Each pipeline file has its pipe.lock beside it ("sub/dvc.yaml" ->
// "sub/pipe.lock"), naming stages as that file does and paths relative to
// its folder, as dvc.lock does; so a folder moved with its pipeline keeps
// a valid lock. In memory the stages are keyed by address and every path
// is project-relative, which is what the rest of the engine uses.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lockfile.h"

namespace pipeline {

class Disk;
class StateDb;
struct Stage;

// The lock file beside `pipeline_file`.
std::string lock_path_for(const std::string& pipeline_file);

class LockSet {
 public:
  LockSet() = default;
  // Reads the lock beside each pipeline file, and the root's pipe.lock
  // always (data tracked without a pipeline). Throws as read_lock does.
  LockSet(Disk& disk, const std::vector<std::string>& pipeline_files);

  const LockFile& merged() const { return merged_; }
  // Fills in the digests of entries known only by DVC's hash that the
  // state db has learnt (dvc_proof.h); what the files hold is unchanged.
  void resolve_pending(StateDb* state);
  const LockedStage* find(const std::string& address) const;
  // Records the stage's entry; its lock file is rewritten by flush().
  void set(const Stage& stage, const LockedStage& entry);
  // Takes the stage's entry as if its lock file held it (DVC's dvc.lock
  // read in its place): nothing to write for it, but a later flush of the
  // same file writes it too.
  void set_recorded(const Stage& stage, const LockedStage& entry);
  // Rewrites, atomically, each lock file with an entry set since the last flush.
  void flush(Disk& disk);

 private:
  struct Part {
    std::string folder;  // of the pipeline file: paths on disk are relative to it
    LockFile on_disk;    // as read, until the first set() makes the writer
    // Made on the first change only: rendering every stage's text is most
    // of reading the locks, and most commands (status) change none.
    std::unique_ptr<LockWriter> writer;
    bool dirty = false;
  };
  Part& part(const std::string& lock_path, const std::string& folder);

  std::map<std::string, Part> parts_;  // by lock file path
  LockFile merged_;
};

}  // namespace pipeline
