// The filesystem seam. The engine reaches files only through Disk, so tests
// run it against an in-memory fake with a clock they control.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "digest.h"
#include "file_system.h"

namespace pipeline {

struct FileInfo {
  enum class Type { kMissing, kFile, kDir, kOther };
  Type type = Type::kMissing;
  uint64_t device = 0;
  uint64_t inode = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  bool executable = false;
  bool exists() const { return type != Type::kMissing; }
  bool is_dir() const { return type == Type::kDir; }
  bool is_file() const { return type == Type::kFile; }
};

struct DirEntry {
  std::string name;
  FileInfo info;
};

// All paths are relative to the project root, '/'-separated, normalized
// ("" or "." is the root). Implementations follow symlinks when they stat.
class Disk {
 public:
  virtual ~Disk() = default;
  virtual FileInfo stat(const std::string& path) = 0;
  // Entries of a directory with their stat, in no particular order.
  virtual std::vector<DirEntry> list(const std::string& dir) = 0;
  // The same with only the type of each entry filled in (symlinks
  // followed): what a search for files by name needs, without a stat of
  // every file.
  virtual std::vector<DirEntry> list_types(const std::string& dir) { return list(dir); }
  // Reads and hashes a regular file. False if it cannot be read.
  virtual bool hash_file(const std::string& path, Digest* digest, uint64_t* size) = 0;
  // True when hash_file may be called from several threads at once.
  virtual bool thread_safe_reads() const { return false; }
  virtual bool read(const std::string& path, std::string* out) = 0;
  // Streams a file's bytes to `chunk` in order, a piece at a time (a large
  // file never sits in memory). False (errno set) when it cannot be read.
  using ChunkFn = std::function<void(const char* data, size_t size)>;
  virtual bool read_chunks(const std::string& path, const ChunkFn& chunk) = 0;
  // Writes via a temp file, fsync and rename: readers see old or new, never half.
  // Throws Error(kIo) on failure.
  virtual void write_atomic(const std::string& path, const std::string& data) = 0;
  virtual void remove_all(const std::string& path) = 0;
  virtual void make_dirs(const std::string& path) = 0;
  // False when `path`, or the part of it that exists, resolves outside the root
  // (through a symlink somewhere on the way).
  // A symlink that `path` itself is may lead into the cache (see
  // allow_links_into), since `cache.type: symlink` puts such links there.
  virtual bool resolves_inside_root(const std::string& path) = 0;
  // Files under this absolute directory (the cache) may be link targets.
  virtual void allow_links_into(const std::string& dir) { (void)dir; }
  virtual int64_t now_ns() = 0;
  // Filesystem timestamp granularity: a file modified this recently may change
  // again without its mtime moving, so its hash must not be cached.
  virtual int64_t mtime_granularity_ns() const { return 2'000'000'000; }
};

// The real filesystem under an absolute root directory; its writes go
// through `fs`.
std::unique_ptr<Disk> make_real_disk(const std::string& root, FileSystem& fs = real_file_system());

}  // namespace pipeline
