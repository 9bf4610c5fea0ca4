#include "paths.h"

#include <vector>

namespace pipeline {

namespace {

// Appends the components of `s` to `parts`, resolving "." and "..". A ".."
// with nothing left to climb fails, unless `clamp_at_top` keeps it there (as
// "/.." is "/").
bool push_parts(std::vector<std::string>& parts, const std::string& s, bool clamp_at_top) {
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find('/', start);
    if (end == std::string::npos) end = s.size();
    const std::string part = s.substr(start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") continue;
    if (part != "..") {
      parts.push_back(part);
    } else if (!parts.empty()) {
      parts.pop_back();
    } else if (!clamp_at_top) {
      return false;
    }
  }
  return true;
}

std::string join(const std::vector<std::string>& parts, const std::string& lead) {
  std::string joined;
  for (const auto& p : parts) joined += (joined.empty() ? lead : "/") + p;
  return joined;
}

}  // namespace

bool project_path(const std::string& base, const std::string& path, std::string* out,
                  std::string* why) {
  if (path.empty()) {
    *why = "path is empty";
    return false;
  }
  if (path[0] == '/' || path[0] == '~') {
    *why = "absolute paths are not allowed; use a path relative to the project";
    return false;
  }
  std::vector<std::string> parts;
  if (!push_parts(parts, base, false) || !push_parts(parts, path, false)) {
    *why = "path escapes the project directory";
    return false;
  }
  *out = join(parts, "");
  return true;
}

bool external_path(const std::string& path, std::string* out) {
  if (path.empty() || path[0] != '/') return false;
  std::vector<std::string> parts;
  push_parts(parts, path, true);
  *out = parts.empty() ? "/" : join(parts, "/");
  return true;
}

std::string relative_to(const std::string& dir, const std::string& path) {
  std::vector<std::string> from, to;
  push_parts(from, dir, true);
  push_parts(to, path, true);
  size_t common = 0;
  while (common < from.size() && common < to.size() && from[common] == to[common]) ++common;
  std::vector<std::string> parts(from.size() - common, "..");
  parts.insert(parts.end(), to.begin() + static_cast<std::ptrdiff_t>(common), to.end());
  return parts.empty() ? "." : join(parts, "");
}

bool path_within(const std::string& outer, const std::string& inner) {
  if (outer.empty()) return true;
  if (inner.size() < outer.size() || inner.compare(0, outer.size(), outer) != 0) return false;
  return inner.size() == outer.size() || inner[outer.size()] == '/';
}

const char* reserved_path(const std::string& path) {
  if (path_within(".pipe", path) || path_within(path, ".pipe")) return "pipe's state directory .pipe";
  if (path_within(".git", path) || path_within(path, ".git")) return "the git repository .git";
  // In any folder: a submodule's .git (its hooks run), a nested project's
  // state, DVC's own directory.
  for (size_t start = 0; start <= path.size();) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const std::string part = path.substr(start, end - start);
    if (part == ".git") return "a git repository (.git)";
    if (part == ".pipe") return "a pipe state directory (.pipe)";
    if (part == ".dvc") return "DVC's directory (.dvc)";
    start = end + 1;
  }
  if (path == "params.yaml") return "a file pipe reads";
  // Pipeline and lock files in any folder.
  const std::string name = path.substr(path.rfind('/') + 1);
  for (const char* f : {"pipe.yaml", "dvc.yaml", "pipe.lock", "dvc.lock"})
    if (name == f) return "a file pipe reads";
  return nullptr;
}

std::string parent_path(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

}  // namespace pipeline
