#include "paths.h"

#include <vector>

namespace pipeline {

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
  auto push_parts = [&](const std::string& s) {
    size_t start = 0;
    while (start <= s.size()) {
      size_t end = s.find('/', start);
      if (end == std::string::npos) end = s.size();
      const std::string part = s.substr(start, end - start);
      start = end + 1;
      if (part.empty() || part == ".") continue;
      if (part == "..") {
        if (parts.empty()) return false;
        parts.pop_back();
      } else {
        parts.push_back(part);
      }
    }
    return true;
  };
  if (!push_parts(base) || !push_parts(path)) {
    *why = "path escapes the project directory";
    return false;
  }
  std::string joined;
  for (const auto& p : parts) {
    if (!joined.empty()) joined += '/';
    joined += p;
  }
  *out = joined;
  return true;
}

bool external_path(const std::string& path, std::string* out) {
  if (path.empty() || path[0] != '/') return false;
  // From "/", ".." cannot climb higher; drop what would.
  std::string trimmed = path.substr(1);
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= trimmed.size()) {
    size_t end = trimmed.find('/', start);
    if (end == std::string::npos) end = trimmed.size();
    const std::string part = trimmed.substr(start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else {
      parts.push_back(part);
    }
  }
  *out = "";
  for (const auto& p : parts) *out += "/" + p;
  if (out->empty()) *out = "/";
  return true;
}

bool path_within(const std::string& outer, const std::string& inner) {
  if (outer.empty()) return true;
  if (inner.size() < outer.size() || inner.compare(0, outer.size(), outer) != 0) return false;
  return inner.size() == outer.size() || inner[outer.size()] == '/';
}

const char* reserved_path(const std::string& path) {
  if (path_within(".pipe", path) || path_within(path, ".pipe")) return "pipe's state directory .pipe";
  if (path_within(".git", path) || path_within(path, ".git")) return "the git repository .git";
  for (const char* f : {"pipe.yaml", "dvc.yaml", "pipe.lock", "params.yaml"})
    if (path == f) return "a file pipe reads";
  return nullptr;
}

std::string parent_path(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

}  // namespace pipeline
