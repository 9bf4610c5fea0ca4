// The seam for every filesystem write the cache makes: creating, writing,
// linking, renaming, removing and syncing files (leveldb's Env). Reads stay
// direct: they cannot break crash safety. Tests swap in a fault-injecting
// implementation that fails the Nth call or cuts power, dropping what was
// never synced, so the order of writes and syncs is checked, which SIGKILL
// cannot do (the page cache survives it).
//
// The calls mirror POSIX: absolute paths, -1 with errno set on failure, so
// callers keep their error handling.
#pragma once

#include <sys/types.h>

#include <string>

namespace pipeline {

class FileSystem {
 public:
  virtual ~FileSystem() = default;
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
  // Makes the entries of directory `dir` durable (fsync of the directory).
  virtual int sync_dir(const std::string& dir) = 0;
  // Makes everything on the filesystem holding `path` durable (syncfs).
  virtual int sync_all(const std::string& path) = 0;
};

// The operating system's filesystem.
FileSystem& real_file_system();

}  // namespace pipeline
