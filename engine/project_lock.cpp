#include "project_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "error.h"
#include "leftovers.h"
#include "project.h"
#include "temp_files.h"

namespace pipeline {
namespace {

std::string read_holder_raw(int fd) {
  char buf[512];
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string s(buf, n > 0 ? static_cast<size_t>(n) : 0);
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

std::string read_holder(int fd) {
  const std::string s = read_holder_raw(fd);
  return s.empty() ? "another pipe process" : s.substr(0, s.find('\n'));
}

}  // namespace

ProjectLock::ProjectLock(const std::string& path, const std::string& command, double wait_seconds,
                         const std::function<void(const std::string&)>& on_message,
                         const std::atomic<bool>* cancel, const std::string& run_id) {
  // O_CLOEXEC: stage processes must not inherit (and so keep) the lock.
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(Exit::kIo, "cannot open " + path + ": " + std::strerror(errno));
  const auto start = std::chrono::steady_clock::now();
  bool told = false;
  while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) throw Error(Exit::kIo, "cannot lock " + path + ": " + std::strerror(errno));
    if (cancel && *cancel) {
      ::close(fd_);
      throw Error(Exit::kInterrupted, "interrupted while waiting for the project lock");
    }
    const std::string holder = read_holder(fd_);
    const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (wait_seconds >= 0 && waited >= wait_seconds) {
      ::close(fd_);
      throw Error(Exit::kLocked, "the project is locked by " + holder +
                                     "; wait for it to finish, or pass --wait-for-lock SECONDS to wait longer");
    }
    if (!told) {
      on_message("waiting for the project lock held by " + holder);
      told = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  char host[256] = "?";
  ::gethostname(host, sizeof host - 1);
  // Text left in the file means its writer died holding the lock.
  const std::string left = read_holder_raw(fd_);
  if (!left.empty()) {
    std::string holder = left.substr(0, left.find('\n'));
    on_message("took over the project lock left by " + holder + ", which is no longer running");
    // Its stages may still run (a shell's children outlive it): stop them,
    // but only on the host they ran on.
    const std::string run_line = "\nrun ";
    const auto at = left.find(run_line);
    if (at != std::string::npos && holder.find(std::string(" on ") + host + " ") != std::string::npos) {
      const int killed = kill_run_leftovers(left.substr(at + run_line.size()));
      if (killed > 0) on_message("stopped " + std::to_string(killed) + " leftover stage process(es) of that run");
    }
  }
  std::string me = "pid " + std::to_string(::getpid()) + " on " + host + " (" + command + ")\n";
  if (!run_id.empty()) me += "run " + run_id + "\n";
  if (::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, me.data(), me.size(), 0) < 0) {
    // The description is a courtesy; the flock is what excludes.
  }
}

ProjectLock::~ProjectLock() {
  if (fd_ < 0) return;
  if (::ftruncate(fd_, 0) != 0) {
  }
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
}

std::unique_ptr<ProjectLock> lock_project(const Project& project, const std::string& command, double wait_seconds,
                                          const std::function<void(const std::string& message)>& on_message,
                                          const std::atomic<bool>* cancel, const std::string& run_id) {
  auto lock = std::make_unique<ProjectLock>(project.state_path("repro.lock"), command, wait_seconds, on_message,
                                            cancel, run_id);
  SweepResult swept = sweep_temp_dir(*project.files, project.state_path("tmp"), kStaleTempSeconds);
  if (project.cache) {
    const SweepResult cache = project.cache->sweep_temp();
    swept.removed += cache.removed;
    swept.bytes += cache.bytes;
  }
  if (swept.removed > 0)
    on_message(fmt::format("removed {} temp file(s), {} bytes, that interrupted runs left", swept.removed,
                           swept.bytes));
  return lock;
}

}  // namespace pipeline
