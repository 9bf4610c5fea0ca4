// The content-addressed cache: every cached file is an object named by its
// XXH3-128 digest, under <cache>/v1/<first 2 hex>/<other 30 hex>; "v1" is the
// layout version. A directory is an object too: its manifest (see
// docs/file-formats.md), named by the directory's digest, with suffix ".dir".
//
// Objects are written so that a crash or a full disk never leaves a wrong
// one: temp file in the cache, hashed while copied, fsync, hash checked,
// rename. An object's content always matches its name, or it is absent.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <cstdint>
#include <mutex>
#include <set>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "digest.h"
#include "file_io.h"
#include "file_system.h"
#include "temp_files.h"

namespace pipeline {

inline constexpr const char* kCacheLayout = "v1";

struct ManifestEntry {
  std::string path;  // relative to the directory, '/'-separated
  Digest digest;
  uint64_t size = 0;
  bool executable = false;
  int64_t mtime_ns = 0;  // as hashed; not stored in the manifest (0: unknown)
  uint64_t inode = 0;    // as hashed, for the hash cache; not stored either
};

// How a workspace file shares an object's data (`cache.type`). See
// docs/cache.md for the trade-offs.
enum class LinkType { kReflink, kHardlink, kSymlink, kCopy };

// Parses "reflink,copy" (DVC's syntax). False with a reason for an unknown
// or repeated name.
bool parse_link_types(const std::string& text, std::vector<LinkType>* out, std::string* why);
const char* link_type_name(LinkType type);

// A file to store: its absolute path and what hashing saw.
struct PutItem {
  std::string source;
  Digest digest;
  uint64_t size = 0;
  int64_t mtime_ns = 0;  // 0: unknown, so a hard-linked object is re-hashed
  bool executable = false;
};

class ObjectStore {
 public:
  // `dir` is the cache root (absolute), e.g. <project>/.pipe/cache. Every
  // write goes through `fs` (tests pass a faulty one).
  explicit ObjectStore(std::string dir, FileSystem& fs = real_file_system());
  FileSystem& file_system() const { return fs_; }
  const std::string& dir() const { return dir_; }

  // Where temp files for workspace writes go (restore_file, relink_file),
  // so that none lands inside a tracked or output directory; the project
  // sets <root>/.pipe/tmp. Default: the cache's tmp/.
  void set_workspace_temp(std::string dir) { workspace_temp_ = std::move(dir); }
  const std::string& workspace_temp() const { return workspace_temp_; }

  // The order in which link types are tried; default reflink, copy.
  void set_link_types(std::vector<LinkType> order) { order_ = std::move(order); }
  const std::vector<LinkType>& link_types() const { return order_; }

  std::string object_path(const Digest& d) const;
  std::string manifest_path(const Digest& d) const;
  bool has(const Digest& d) const;
  bool has_manifest(const Digest& d) const;

  // Copies the file at `source` (absolute) into the cache, unless the object
  // exists. The copy is hashed as it is written; if it does not hash to
  // `expected` (the file changed since it was hashed) nothing is stored and
  // Error(kIo) says so. ENOSPC and other I/O errors throw Error(kIo).
  void put_file(const std::string& source, const Digest& expected);
  // The same for many files, with one filesystem sync for the batch
  // instead of an fsync per object: all temp files are written, then
  // synced together, then renamed into place, then synced again. With
  // hardlink or reflink first in the link order, a new object shares the
  // source's data instead of copying it; a hard-linked source becomes
  // read-only with it, and must still look as it did when hashed. Returns,
  // per file, whether the source now is its object (hard-linked), so it
  // needs no relink.
  std::vector<bool> put_files(const std::vector<PutItem>& files);
  // Stores a directory's manifest; `digest` must be the directory digest of
  // these entries (checked).
  void put_manifest(const Digest& digest, std::vector<ManifestEntry> entries);
  // A downloaded file at `tmp` (from new_temp_path) becomes object `d` only
  // if its content hashes to that name: fsynced, then renamed into place.
  // Otherwise it is removed and `why` says so. `streamed` is the digest of
  // what was written, when the download hashed it on the way (then the
  // file is not read again).
  bool adopt(const std::string& tmp, const Digest& d, bool manifest, std::string* why,
             const std::optional<Digest>& streamed = std::nullopt);
  // The same for many downloads already checked against their names (the
  // digest streamed in equals the name), with one filesystem sync before
  // the renames and one after, instead of an fsync per object and per
  // folder: 10,000 small objects cost two syncs. Throws Error(kIo) and
  // removes the temp files not yet renamed.
  struct Download {
    std::string tmp;
    Digest digest;
  };
  void adopt_checked(const std::vector<Download>& objects);
  // Where the download of object `d` is written until adopt_checked makes
  // it the cache's. While the cache has no folder for d's prefix (a fetch
  // into a fresh cache), that is the folder as it will be, staged under
  // tmp/, which adopt_checked renames into place whole: 10,000 objects take
  // 256 renames, not 10,000. Otherwise a temp file (new_temp_path).
  std::string download_path(const Digest& d) const;
  // A fresh temp file name inside the cache (its directory exists).
  std::string new_temp_path() const;
  // Removes the temp files that killed runs left in the cache's tmp/ (see
  // temp_files.h: a dead maker on this host, or older than a day), so a
  // cache shared by several projects or machines is swept safely.
  SweepResult sweep_temp() const;
  // Reads a manifest back; false if missing or damaged.
  bool read_manifest(const Digest& digest, std::vector<ManifestEntry>* entries) const;

  // Makes `target` (absolute) hold an object, by the first link type in the
  // order that works here, via a temp file and rename, so `target` is either
  // its old self or the whole object. Executable files are never hard- or
  // symlinked: the object's mode is shared by every file with that content.
  // A copy is hashed as it is written; a corrupt object throws
  // Error(kFailed), a missing one too. I/O errors throw Error(kIo).
  LinkType restore_file(const Digest& d, const std::string& target, bool executable) const;
  // After a commit: `target` already holds the object's content as a file of
  // its own; replaces it with a link when the order asks for one.
  LinkType relink_file(const Digest& d, const std::string& target, bool executable) const;
  // For a directory being rebuilt out of sight: `target` does not exist and
  // is written directly, without a temp file or fsync; the caller syncs the
  // filesystem once before it makes the directory visible.
  LinkType restore_staged(const Digest& d, const std::string& target, bool executable) const;

  struct Damage {
    std::string object;  // path relative to the cache root
    std::string problem;
  };
  // Re-hashes objects: all of them, or only `only` when not empty. Damaged
  // ones are reported and, with `repair`, removed so they can be fetched or
  // produced again.
  std::vector<Damage> verify(const std::vector<Digest>& only, bool repair, size_t* checked) const;

 private:
  std::string tmp_path() const;
  enum class Purpose { kRestore, kRelink, kStaged };
  LinkType place(const Digest& d, const std::string& target, bool executable, Purpose purpose) const;
  // Stores one new object as a temp file at `tmp`; true when it is a hard
  // link to the source.
  bool stage_object(const PutItem& item, const std::string& tmp) const;
  // stage_object for each pending entry (fields tmp and item), on several
  // threads; fills `linked` by item index.
  template <typename P>
  void stage_all(const std::vector<PutItem>& files, const std::vector<P>& pending, std::vector<bool>& linked) const;
  std::string dir_;
  FileSystem& fs_;
  std::string workspace_temp_;
  std::vector<LinkType> order_{LinkType::kReflink, LinkType::kCopy};
  // Set when the filesystem refused a link type, so it is not tried again.
  // Objects this process has just hashed into the cache (downloads): a copy
  // of one into the workspace need not hash it again.
  mutable std::mutex verified_mutex_;
  mutable std::set<Digest> verified_;
  bool verified(const Digest& d) const;
  mutable std::atomic<bool> no_reflink_{false};
  mutable std::atomic<bool> tmp_made_{false};
  // Opened with the first temp file a download gets, synced by
  // adopt_checked (BatchSync says why it must be opened before the writes).
  BatchSync& download_sync() const;
  mutable std::mutex sync_mutex_;
  mutable std::unique_ptr<BatchSync> download_sync_;
  mutable std::atomic<bool> no_hardlink_{false};
  // The folders download_path stages, until adopt_checked takes them.
  struct Staging {
    std::string dir;                      // tmp/<temp name>, "" before the first
    std::map<std::string, bool> staged;   // prefix -> staged here (else it existed)
    // Each staged name is handed out once: a second download of the same
    // object (a retry, DVC's two md5s of one content) gets a temp file, so
    // no two writers share a file that one of them may remove.
    std::set<Digest> named;
  };
  mutable std::mutex staging_mutex_;
  mutable Staging staging_;
  // Renames each staged folder that holds exactly downloads from `objects`
  // into place; marks those objects in `done`.
  void adopt_staged(const Staging& staging, const std::vector<Download>& objects, std::vector<char>& done);
};

// What to store for each file of a directory at `dir` (absolute).
std::vector<PutItem> directory_files(const std::string& dir, const std::vector<ManifestEntry>& entries);

// Parses manifest text and checks it is the manifest of `digest`.
bool parse_manifest(const std::string& text, const Digest& digest, std::vector<ManifestEntry>* entries);

// The directory digest of manifest entries, as ArtifactHasher computes it.
Digest manifest_digest(std::vector<ManifestEntry> entries);
// The same for entries already sorted by path (the hot path of hashing).
Digest sorted_manifest_digest(const std::vector<ManifestEntry>& entries);

}  // namespace pipeline
