// Whole-file reads and crash-safe writes on absolute paths, shared by the
// real disk, the object store and the config files.
#pragma once

#include <sys/types.h>

#include <string>

namespace pipeline {

// Throws Error(kIo) naming `what` and `path`; ENOSPC gets a hint.
[[noreturn]] void fail_io(const std::string& what, const std::string& path, int err);

// Reads a whole file. False when it cannot be opened or read.
bool read_file(const std::string& path, std::string* out);

// Writes `data` to `tmp` (created fresh with `mode`), fsyncs it, renames it
// over `target` and fsyncs the directory: readers see the old file or the
// new one, never half, even after a crash. Throws Error(kIo); no temp file
// is left behind. `tmp` must be on the same filesystem as `target`; empty
// means "<target>.tmp.<pid>".
void write_file_atomically(const std::string& target, const std::string& data, mode_t mode,
                           const std::string& tmp = "");

// The second half of that: fsyncs open `fd` (which it closes), renames `tmp`
// over `target`, fsyncs the directory. On failure removes `tmp` and throws.
void commit_temp_file(int fd, const std::string& tmp, const std::string& target);

// Creates the directories above `path`. Throws Error(kIo).
void make_parent_dirs(const std::string& path);

// Writes all of `data` to `fd`, retrying short writes. Throws Error(kIo).
void write_fully(int fd, const char* data, size_t size, const std::string& path);

}  // namespace pipeline
