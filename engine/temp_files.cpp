#include "temp_files.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <ctime>
#include <filesystem>
#include <random>

#include <fmt/format.h>

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

uint64_t bytes_under(const std::string& path, const struct stat& st) {
  if (!S_ISDIR(st.st_mode)) return static_cast<uint64_t>(st.st_size);
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(path, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec)) total += it->file_size(ec);
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

SweepResult sweep_temp_dir(const std::string& dir, int64_t max_age_seconds) {
  SweepResult result;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return result;
  std::vector<std::string> names;
  while (const struct dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  for (const std::string& name : names) {
    const std::string path = dir + "/" + name;
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) continue;
    const bool old = now - static_cast<int64_t>(st.st_mtim.tv_sec) > max_age_seconds;
    if (!old && !maker_gone(name)) continue;
    const uint64_t bytes = bytes_under(path, st);
    std::error_code ec;
    if (std::filesystem::remove_all(path, ec) > 0 && !ec) {
      ++result.removed;
      result.bytes += bytes;
    }
  }
  return result;
}

std::string temp_path_for(const std::string& temp_dir, const std::string& target) {
  const std::string parent = parent_path(target);
  struct stat temp, up;
  // Only the last folder is made: .pipe/tmp, say, but never a .pipe/ where
  // there is none.
  if (::stat(temp_dir.c_str(), &temp) != 0 &&
      ((::mkdir(temp_dir.c_str(), 0755) != 0 && errno != EEXIST) || ::stat(temp_dir.c_str(), &temp) != 0))
    return target + kBeside + temp_name();
  if (::stat(parent.empty() ? "/" : parent.c_str(), &up) != 0 || up.st_dev != temp.st_dev)
    return target + kBeside + temp_name();
  return temp_dir + "/" + temp_name(target.substr(target.rfind('/') + 1));
}

bool is_temp_beside_name(const std::string& name) { return name.find(kBeside) != std::string::npos; }

}  // namespace pipeline
