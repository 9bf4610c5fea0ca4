// The content-addressed cache: every cached file is an object named by its
// XXH3-128 digest, under <cache>/v1/<first 2 hex>/<other 30 hex>; "v1" is the
// layout version. A directory is an object too: its manifest (see
// docs/file-formats.md), named by the directory's digest, with suffix ".dir".
//
// Objects are written so that a crash or a full disk never leaves a wrong
// one: temp file in the cache, hashed while copied, fsync, hash checked,
// rename. An object's content always matches its name, or it is absent.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "digest.h"

namespace pipeline {

inline constexpr const char* kCacheLayout = "v1";

struct ManifestEntry {
  std::string path;  // relative to the directory, '/'-separated
  Digest digest;
  uint64_t size = 0;
  bool executable = false;
};

class ObjectStore {
 public:
  // `dir` is the cache root (absolute), e.g. <project>/.pipe/cache.
  explicit ObjectStore(std::string dir);

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
  // synced together, then renamed into place, then synced again.
  void put_files(const std::vector<std::pair<std::string, Digest>>& files);
  // Stores a directory's manifest; `digest` must be the directory digest of
  // these entries (checked).
  void put_manifest(const Digest& digest, std::vector<ManifestEntry> entries);
  // Reads a manifest back; false if missing or damaged.
  bool read_manifest(const Digest& digest, std::vector<ManifestEntry>* entries) const;

  // Copies an object to `target` (absolute) via a temp file and rename, so
  // `target` is either its old self or the full object. Throws Error(kIo).
  void restore_file(const Digest& d, const std::string& target, bool executable) const;

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
  std::string dir_;
};

// (absolute source path, digest) for each file of a directory at `dir`.
std::vector<std::pair<std::string, Digest>> directory_files(const std::string& dir,
                                                            const std::vector<ManifestEntry>& entries);

// The directory digest of manifest entries, as ArtifactHasher computes it.
Digest manifest_digest(std::vector<ManifestEntry> entries);
// The same for entries already sorted by path (the hot path of hashing).
Digest sorted_manifest_digest(const std::vector<ManifestEntry>& entries);

}  // namespace pipeline
