// The seam for every filesystem call the engine makes on project and cache
// files (leveldb's Env): reading, listing and hashing them, and creating,
// writing, linking, renaming, removing and syncing them. Tests swap in a
// fault-injecting implementation that fails the Nth call or cuts power,
// dropping what was never synced, so the order of writes and syncs is
// checked, which SIGKILL cannot do (the page cache survives it), and a
// read that fails halfway is seen as a user would see it.
//
// The calls mirror POSIX: absolute paths, -1 with errno set on failure, so
// callers keep their error handling. Outside the seam, by design: SQLite
// (the state db and the lineage store journal and sync by themselves), the
// project lock's flock, probes of the machine (/proc, /etc/os-release) and
// stage processes, which go through the Runner seam.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <functional>
#include <string>

namespace pipeline {

class Digest;

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // --- Reads.
  // An existing file opened read-only; the fd, or -1.
  virtual int open_read(const std::string& path) = 0;
  // A directory opened for list_dir and stat_at; the fd, or -1.
  virtual int open_dir(const std::string& path) = 0;
  virtual ssize_t read(int fd, void* data, size_t size) = 0;
  virtual ssize_t pread(int fd, void* data, size_t size, off_t offset) = 0;
  // XXH3-128 of the rest of open file `fd` (digest.h's hash_fd, which maps
  // large files); false with errno set when it cannot be read.
  virtual bool hash(int fd, Digest* digest, uint64_t* size) = 0;
  virtual int stat(const std::string& path, struct stat* st) = 0;  // follows symlinks
  virtual int lstat(const std::string& path, struct stat* st) = 0;
  virtual int fstat(int fd, struct stat* st) = 0;
  // stat of entry `name` of open directory `dir`, following symlinks.
  virtual int stat_at(int dir, const char* name, struct stat* st) = 0;
  // Calls fn(name, d_type) for each entry of open directory `dir` but . and
  // .. (d_type may be DT_UNKNOWN); -1 with errno when listing fails.
  using EntryFn = std::function<void(const char* name, unsigned char type)>;
  virtual int list_dir(int dir, const EntryFn& fn) = 0;
  // The target a symlink holds.
  virtual int read_link(const std::string& path, std::string* target) = 0;
  // The path with every symlink, . and .. resolved (realpath).
  virtual int real_path(const std::string& path, std::string* resolved) = 0;

  // --- Writes.
  // A new file (O_EXCL) opened for writing; the fd, or -1.
  virtual int create(const std::string& path, mode_t mode) = 0;
  virtual ssize_t write(int fd, const void* data, size_t size) = 0;
  // copy_file_range from `in` (read side) to `out`, one chunk.
  virtual ssize_t copy_range(int in, int out, size_t size) = 0;
  // Makes `out` share `in`'s blocks (FICLONE).
  virtual int clone(int out, int in) = 0;
  virtual int fsync(int fd) = 0;
  virtual int close(int fd) = 0;
  virtual int rename(const std::string& from, const std::string& to) = 0;
  virtual int link(const std::string& from, const std::string& to) = 0;
  virtual int symlink(const std::string& target, const std::string& path) = 0;
  virtual int unlink(const std::string& path) = 0;
  // Removes a file or a whole tree; 0 when nothing was there.
  virtual int remove_all(const std::string& path) = 0;
  // Swaps two names atomically (renameat2 RENAME_EXCHANGE); EINVAL or
  // ENOSYS where the filesystem cannot.
  virtual int exchange(const std::string& a, const std::string& b) = 0;
  virtual int make_dir(const std::string& path, mode_t mode) = 0;
  virtual int chmod(const std::string& path, mode_t mode) = 0;
  virtual int fchmod(int fd, mode_t mode) = 0;
  // Sets a file's times to now (a cache object in use is young again).
  virtual int touch(const std::string& path) = 0;
  // Makes the entries of directory `dir` durable (fsync of the directory).
  virtual int sync_dir(const std::string& dir) = 0;
  // Makes everything on the filesystem holding `path` durable (syncfs).
  virtual int sync_all(const std::string& path) = 0;
  // The same through `dir`, a directory opened (open_dir) before the writes
  // it must cover: syncfs reports only the write-back errors that came after
  // the file it is given was opened.
  virtual int sync_all_at(int dir) = 0;
};

// The operating system's filesystem.
FileSystem& real_file_system();

}  // namespace pipeline
