#include "leftovers.h"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>

#include "digest.h"

namespace pipeline {

std::string start_run_id() {
  std::random_device rd;
  const std::string seed = std::to_string(rd()) + "-" + std::to_string(rd()) + "-" + std::to_string(::getpid());
  const std::string id = Digest::of(seed).hex().substr(0, 16);
  ::setenv(kRunIdVariable, id.c_str(), 1);
  return id;
}

int kill_run_leftovers(const std::string& run_id) {
  if (run_id.empty()) return 0;
  const std::string marker = std::string(kRunIdVariable) + "=" + run_id;
  int killed = 0;
  DIR* proc = ::opendir("/proc");
  if (!proc) return 0;
  while (struct dirent* e = ::readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 1 || pid == ::getpid()) continue;
    std::ifstream env(std::string("/proc/") + e->d_name + "/environ", std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(env)), std::istreambuf_iterator<char>());
    // Entries are NUL-separated; match a whole entry.
    size_t at = text.find(marker);
    while (at != std::string::npos) {
      const bool starts = at == 0 || text[at - 1] == '\0';
      const size_t after = at + marker.size();
      if (starts && (after == text.size() || text[after] == '\0')) {
        if (::kill(static_cast<pid_t>(pid), SIGKILL) == 0) ++killed;
        break;
      }
      at = text.find(marker, at + 1);
    }
  }
  ::closedir(proc);
  return killed;
}

}  // namespace pipeline
