// One `pipe repro` at a time per project: an flock on .pipe/repro.lock. The
// kernel drops the lock when its holder dies, so a killed run never leaves a
// lock behind; the file's text only says who holds it.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

namespace pipeline {

class ProjectLock {
 public:
  // Waits up to `wait_seconds` (negative: forever). `on_message` hears, once,
  // that it is waiting and for whom, or that it took over a dead holder's
  // lock. Throws Error(kLocked) on timeout. `run_id` (see leftovers.h) is
  // recorded so that whoever takes over after a crash can stop our stages.
  // Throws Error(kInterrupted) as soon as `*cancel` becomes true.
  // `command` ("pipe add") names the holder to whoever waits.
  ProjectLock(const std::string& path, const std::string& command, double wait_seconds,
              const std::function<void(const std::string& message)>& on_message,
              const std::atomic<bool>* cancel = nullptr, const std::string& run_id = "");
  ~ProjectLock();
  ProjectLock(const ProjectLock&) = delete;
  ProjectLock& operator=(const ProjectLock&) = delete;

 private:
  int fd_ = -1;
};

struct Project;

// What every command that writes the workspace does first: takes the lock
// (arguments as above), then removes what killed runs left in .pipe/tmp and
// in the cache's tmp/ (see temp_files.h), telling `on_message` how much.
std::unique_ptr<ProjectLock> lock_project(const Project& project, const std::string& command, double wait_seconds,
                                          const std::function<void(const std::string& message)>& on_message,
                                          const std::atomic<bool>* cancel = nullptr,
                                          const std::string& run_id = "");

}  // namespace pipeline
