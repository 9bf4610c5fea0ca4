// A real project in a fresh temporary directory, with FakeDisk's helper
// names for its workspace files. For engine tests of whole commands (repro,
// status) that need what a project really has: the object store, the hash
// cache, links into the cache. FakeDisk stays for the loader and graph.
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "project.h"
#include "temp_project.h"

namespace pipeline::testing {

class WorkspaceFiles {
 public:
  const std::string& root() const { return dir_.path; }

  // A new file, never a write through: an output may be a hard link to a
  // cache object, which writing in place would corrupt.
  void write(const std::string& path, const std::string& data) const {
    std::error_code ec;
    std::filesystem::remove(full(path), ec);
    TempProject::write_abs(full(path), data);
  }
  std::string content(const std::string& path) const {
    REQUIRE(has(path));
    return TempProject::read_abs(full(path));
  }
  bool has(const std::string& path) const {
    std::error_code ec;
    return std::filesystem::exists(std::filesystem::symlink_status(full(path), ec));
  }
  void remove_all(const std::string& path) const { std::filesystem::remove_all(full(path)); }
  // The clock moves on by `seconds` for touch(), as FakeDisk's does.
  void tick(int64_t seconds) { offset_s_ += seconds; }
  // Same bytes, a new mtime (now, plus what tick() added).
  void touch(const std::string& path) const {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    now.tv_sec += offset_s_;
    const struct timespec times[2] = {now, now};
    REQUIRE(utimensat(AT_FDCWD, full(path).c_str(), times, 0) == 0);
  }

 private:
  std::string full(const std::string& path) const { return dir_.path + "/" + path; }
  TempDir dir_;
  int64_t offset_s_ = 0;
};

// Opens `project` in a new temporary directory; the returned files own it,
// so keep them alive at least as long as the project.
inline std::unique_ptr<WorkspaceFiles> real_project(Project& project) {
  auto files = std::make_unique<WorkspaceFiles>();
  project = open_project(files->root());
  return files;
}

}  // namespace pipeline::testing
