// Whole-file reads and crash-safe writes on absolute paths, shared by the
// real disk, the object store and the config files.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>

#include "file_system.h"

namespace pipeline {

// Throws Error(kIo) naming `what` and `path`; ENOSPC gets a hint.
[[noreturn]] void fail_io(const std::string& what, const std::string& path, int err);

// Reads a whole file. False (errno set) when it cannot be opened or read.
bool read_file(FileSystem& fs, const std::string& path, std::string* out);
inline bool read_file(const std::string& path, std::string* out) { return read_file(real_file_system(), path, out); }

// Hashes the file at `path`; false (errno set) when it cannot be read.
class Digest;
bool hash_path(FileSystem& fs, const std::string& path, Digest* digest, uint64_t* size = nullptr);

// Calls fn(path relative to `dir`, d_type) for every entry under `dir` that
// is not a directory, depth first; symlinks are reported, not followed. A
// missing `dir` has none. Returns false when a folder could not be opened
// or listed, with `error` naming it and saying why; the rest is still walked.
using FileFn = std::function<void(const std::string& relative, unsigned char type)>;
bool each_file_under(FileSystem& fs, const std::string& dir, const FileFn& fn, std::string* error = nullptr);

// Writes `data` to `tmp` (created fresh with `mode`), fsyncs it, renames it
// over `target` and fsyncs the directory: readers see the old file or the
// new one, never half, even after a crash. Throws Error(kIo); no temp file
// is left behind. `tmp` must be on the same filesystem as `target`; empty
// means "<target>.tmp.<pid>".
void write_file_atomically(FileSystem& fs, const std::string& target, const std::string& data, mode_t mode,
                           const std::string& tmp = "");
inline void write_file_atomically(const std::string& target, const std::string& data, mode_t mode,
                                  const std::string& tmp = "") {
  write_file_atomically(real_file_system(), target, data, mode, tmp);
}

// The second half of that: fsyncs open `fd` (which it closes), renames `tmp`
// over `target`, fsyncs the directory. On failure removes `tmp` and throws.
void commit_temp_file(FileSystem& fs, int fd, const std::string& tmp, const std::string& target);
inline void commit_temp_file(int fd, const std::string& tmp, const std::string& target) {
  commit_temp_file(real_file_system(), fd, tmp, target);
}

// Creates the directories above `path`. Throws Error(kIo).
void make_parent_dirs(FileSystem& fs, const std::string& path, bool durable = true);
// Creates `dir` and the directories above it. Throws Error(kIo). With
// `durable`, each new directory's entry is synced too: a file synced into
// a new directory is not durable until the directory itself is. Without,
// the caller syncs the whole filesystem later.
void make_dirs(FileSystem& fs, const std::string& dir, bool durable = true);
inline void make_parent_dirs(const std::string& path) { make_parent_dirs(real_file_system(), path); }

// Copies open file `in` into a new file `tmp` made with `mode`: in the
// kernel where it can; through a buffer, hashing what passes, when
// `digest` is given. Returns the new file's fd, open. Throws Error(kIo)
// and leaves no `tmp`.
int copy_into_new_file(FileSystem& fs, int in, const std::string& tmp, mode_t mode, Digest* digest = nullptr);

// The filesystem under `dir` (which exists), held open from before a batch
// of writes until it is synced: syncfs reports only the write-back errors
// that came after its file was opened, so one opened at the end could miss
// an error from the middle of the batch.
class BatchSync {
 public:
  BatchSync(FileSystem& fs, const std::string& dir) : fs_(fs), dir_(dir), fd_(fs.open_dir(dir)) {}
  ~BatchSync() {
    if (fd_ >= 0) fs_.close(fd_);
  }
  BatchSync(const BatchSync&) = delete;
  BatchSync& operator=(const BatchSync&) = delete;
  // 0, or -1 with errno set.
  int sync() { return fd_ >= 0 ? fs_.sync_all_at(fd_) : fs_.sync_all(dir_); }

 private:
  FileSystem& fs_;
  std::string dir_;
  int fd_;
};

// Writes all of `data` to `fd`, retrying short writes. Throws Error(kIo).
void write_fully(FileSystem& fs, int fd, const char* data, size_t size, const std::string& path);
inline void write_fully(int fd, const char* data, size_t size, const std::string& path) {
  write_fully(real_file_system(), fd, data, size, path);
}

}  // namespace pipeline
