#include "temp_files.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <ctime>
#include <random>

#include <fmt/format.h>

#include "file_io.h"
#include "paths.h"

namespace pipeline {
namespace {

constexpr const char* kBeside = ".pipe-tmp.";

std::atomic<bool> made_any{false};

// FNV-1a: a stable short tag for the host name, which may hold any byte.
std::string host_tag() {
  static const std::string tag = [] {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    uint32_t h = 2166136261u;
    for (const char* p = host; *p; ++p) h = (h ^ static_cast<unsigned char>(*p)) * 16777619u;
    return fmt::format("{:08x}", h);
  }();
  return tag;
}

bool running(long pid) { return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM); }

// Whether the maker of `name` is known to be gone.
bool maker_gone(const std::string& name) {
  const std::string prefix = "pt-" + host_tag() + "-";
  if (name.compare(0, prefix.size(), prefix) != 0) return false;
  char* end = nullptr;
  const long pid = std::strtol(name.c_str() + prefix.size(), &end, 10);
  if (end == name.c_str() + prefix.size() || *end != '-') return false;
  if (pid == ::getpid()) return !made_any;
  return !running(pid);
}

uint64_t bytes_under(FileSystem& fs, const std::string& path, const struct stat& st) {
  if (!S_ISDIR(st.st_mode)) return static_cast<uint64_t>(st.st_size);
  uint64_t total = 0;
  each_file_under(fs, path, [&](const std::string& rel, unsigned char type) {
    struct stat file;
    if (type == DT_REG && fs.lstat(path + "/" + rel, &file) == 0) total += static_cast<uint64_t>(file.st_size);
  });
  return total;
}

}  // namespace

std::string temp_name(const std::string& hint) {
  static const uint32_t salt = std::random_device{}();
  static std::atomic<uint64_t> counter{0};
  made_any = true;
  std::string name = fmt::format("pt-{}-{}-{:08x}-{}", host_tag(), ::getpid(), salt, counter++);
  if (!hint.empty()) name += "." + hint.substr(0, 64);
  return name;
}

SweepResult sweep_temp_dir(FileSystem& fs, const std::string& dir, int64_t max_age_seconds) {
  SweepResult result;
  const int dfd = fs.open_dir(dir);
  if (dfd < 0) return result;
  std::vector<std::string> names;
  fs.list_dir(dfd, [&](const char* name, unsigned char) { names.emplace_back(name); });
  fs.close(dfd);
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  for (const std::string& name : names) {
    const std::string path = dir + "/" + name;
    struct stat st;
    if (fs.lstat(path, &st) != 0) continue;
    const bool old = now - static_cast<int64_t>(st.st_mtim.tv_sec) > max_age_seconds;
    if (!old && !maker_gone(name)) continue;
    const uint64_t bytes = bytes_under(fs, path, st);
    if (fs.remove_all(path) == 0) {
      ++result.removed;
      result.bytes += bytes;
    }
  }
  return result;
}

bool temp_is_stale(const std::string& name, int64_t mtime_seconds) {
  return static_cast<int64_t>(std::time(nullptr)) - mtime_seconds > kStaleTempSeconds || maker_gone(name);
}

std::string temp_path_for(FileSystem& fs, const std::string& temp_dir, const std::string& target) {
  const std::string parent = parent_path(target);
  struct stat temp, up;
  // Only the last folder is made: .pipe/tmp, say, but never a .pipe/ where
  // there is none.
  if (fs.stat(temp_dir, &temp) != 0 &&
      ((fs.make_dir(temp_dir, 0755) != 0 && errno != EEXIST) || fs.stat(temp_dir, &temp) != 0))
    return target + kBeside + temp_name();
  if (fs.stat(parent.empty() ? "/" : parent, &up) != 0 || up.st_dev != temp.st_dev)
    return target + kBeside + temp_name();
  return temp_dir + "/" + temp_name(target.substr(target.rfind('/') + 1));
}

bool is_temp_beside_name(const std::string& name) { return name.find(kBeside) != std::string::npos; }

}  // namespace pipeline
