// Hashing files and directories as the engine sees them: a file's digest is
// XXH3-128 of its bytes; a directory's is XXH3-128 of its manifest, one line
// "<file digest>  <relative path>\n" per file, sorted by path (the format
// `xxhsum -H2` prints), so it changes exactly when some file's path or bytes do.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "digest.h"
#include "disk.h"
#include "ignore.h"
#include "lockfile.h"
#include "object_store.h"

namespace pipeline {

class Disk;
class StateDb;
class UrlStat;

struct ArtifactInfo {
  bool exists = false;
  bool is_dir = false;
  Digest digest;
  uint64_t size = 0;    // bytes, summed over files for a directory
  uint64_t nfiles = 0;  // directories only
  int64_t mtime_ns = 0;     // files only, as hashed
  bool executable = false;  // files only
  // Directories only: the files behind the digest, for committing to the cache.
  std::shared_ptr<const std::vector<ManifestEntry>> files;
};

// Stores a hashed file or directory (at absolute path `abs`) in the cache
// (its objects, then a directory's manifest), then links the workspace
// files to their objects as the cache's link order says.
void commit_artifact(ObjectStore& store, const std::string& abs, const ArtifactInfo& info);

// Copies a hashed file or directory at `abs` into the cache without
// touching it: never a hard link (that would make the user's file
// read-only and share its inode with the object), whatever the cache's link
// order says. False when it changed since it was hashed, or the disk is full.
bool copy_into_cache(const ObjectStore& store, const std::string& abs, const ArtifactInfo& info);

class ArtifactHasher {
 public:
  // `state` may be null (no hash cache); `urls` too, and then a dep by URL
  // cannot be checked (Error kFailed).
  ArtifactHasher(Disk& disk, StateDb* state, UrlStat* urls = nullptr)
      : disk_(disk), state_(state), urls_(urls), ignore_(disk) {}
  // Memoized for the life of this object; call forget() when a path changes.
  const ArtifactInfo& hash(const std::string& path);
  // Drops memoized results for `path`, what lies inside it and what contains it.
  void forget(const std::string& path);
  // Whether `now` (from hash()) is what `recorded` records: by digest, or
  // by DVC's hash for an entry that has only that (dvc_proof.h).
  bool same(const LockedArtifact& recorded, const ArtifactInfo& now);
  // How many files were read (not served from the state cache); for tests and stats.
  uint64_t files_read() const { return files_read_; }

 private:
  // Collects the files under `dir` as manifest entries (paths relative to
  // the directory being hashed; no per-file copy of the full path, so a
  // million files take about 80 bytes each).
  void walk(const std::string& dir, const std::string& rel, std::vector<ManifestEntry>& found,
            std::vector<std::pair<uint64_t, uint64_t>>& open_dirs);
  // Fills in every digest of `entries` (sorted by path, under `base`):
  // from the hash cache where it is still valid, else by reading (on
  // several threads for many files). Drops the entries whose file was
  // removed since it was listed (a directory being rewritten).
  void digest_all(const std::string& base, std::vector<ManifestEntry>& entries);

  ArtifactInfo hash_url(const std::string& url);

  Disk& disk_;
  StateDb* state_;
  UrlStat* urls_;
  IgnoreRules ignore_;  // .pipeignore/.dvcignore: files a directory's digest leaves out
  std::map<std::string, ArtifactInfo> memo_;
  uint64_t files_read_ = 0;
};

}  // namespace pipeline
