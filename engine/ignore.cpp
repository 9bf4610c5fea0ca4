#include "ignore.h"

#include <fnmatch.h>

#include "disk.h"
#include "paths.h"

namespace pipeline {
namespace {

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t slash; (slash = path.find('/', start)) != std::string::npos; start = slash + 1)
    if (slash > start) out.push_back(path.substr(start, slash - start));
  if (start < path.size()) out.push_back(path.substr(start));
  return out;
}

// Pattern segments against path segments; `**` matches any number of them.
bool match(const std::vector<std::string>& pat, size_t p, const std::vector<std::string>& path, size_t i) {
  if (p == pat.size()) return i == path.size();
  if (pat[p] == "**") {
    for (size_t k = i; k <= path.size(); ++k)
      if (match(pat, p + 1, path, k)) return true;
    return false;
  }
  if (i == path.size()) return false;
  if (fnmatch(pat[p].c_str(), path[i].c_str(), 0) != 0) return false;
  return match(pat, p + 1, path, i + 1);
}

}  // namespace

IgnoreFile::IgnoreFile(std::string dir, const std::string& text) : dir_(std::move(dir)) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // Trailing spaces go, unless escaped with a backslash.
    while (!line.empty() && line.back() == ' ' && !(line.size() > 1 && line[line.size() - 2] == '\\')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    Pattern pat;
    if (line[0] == '!') {
      pat.negated = true;
      line.erase(0, 1);
    } else if (line[0] == '\\' && line.size() > 1 && (line[1] == '#' || line[1] == '!')) {
      line.erase(0, 1);
    }
    if (!line.empty() && line.back() == '/') {
      pat.dir_only = true;
      line.pop_back();
    }
    // A slash at the start or in the middle ties the pattern to this folder.
    pat.anchored = line.find('/') != std::string::npos;
    pat.segments = split(line);
    if (pat.segments.empty()) continue;
    patterns_.push_back(std::move(pat));
  }
}

int IgnoreFile::verdict(const std::string& path, bool is_dir) const {
  std::string rel = path;
  if (!dir_.empty()) {
    if (!path_within(dir_, path) || path == dir_) return 0;
    rel = path.substr(dir_.size() + 1);
  }
  const std::vector<std::string> parts = split(rel);
  if (parts.empty()) return 0;
  int result = 0;
  // The last pattern that matches decides, as in git.
  for (const Pattern& pat : patterns_) {
    if (pat.dir_only && !is_dir) continue;
    const bool hit = pat.anchored ? match(pat.segments, 0, parts, 0)
                                  : match(pat.segments, 0, {parts.back()}, 0);
    if (hit) result = pat.negated ? -1 : 1;
  }
  return result;
}

const std::vector<IgnoreFile>& IgnoreRules::files_in(const std::string& dir) {
  auto it = loaded_.find(dir);
  if (it != loaded_.end()) return it->second;
  std::vector<IgnoreFile> files;
  for (const char* name : kIgnoreFiles) {
    const std::string path = dir.empty() ? name : dir + "/" + name;
    std::string text;
    if (disk_.stat(path).is_file() && disk_.read(path, &text)) files.emplace_back(dir, text);
  }
  return loaded_.emplace(dir, std::move(files)).first->second;
}

void IgnoreRules::listed(const std::string& dir, bool has_ignore_file) {
  if (!has_ignore_file) loaded_.emplace(dir, std::vector<IgnoreFile>{});
}

bool IgnoreRules::any_in_or_above(const std::string& dir) {
  auto it = any_.find(dir);
  if (it != any_.end()) return it->second;
  const bool any = !files_in(dir).empty() || (!dir.empty() && any_in_or_above(parent_path(dir)));
  return any_.emplace(dir, any).first->second;
}

bool IgnoreRules::ignored(const std::string& path, bool is_dir) {
  if (!any_in_or_above(parent_path(path))) return false;
  // A path inside an ignored folder is ignored too, whatever its own name.
  for (std::string up = parent_path(path); !up.empty(); up = parent_path(up))
    if (verdict(up, true) == 1) return true;
  return verdict(path, is_dir) == 1;
}

int IgnoreRules::verdict(const std::string& path, bool is_dir) {
  // Folders from the root down: a deeper file's verdict overrides.
  std::vector<std::string> dirs;
  for (std::string d = parent_path(path);; d = parent_path(d)) {
    dirs.push_back(d);
    if (d.empty()) break;
  }
  int result = 0;
  for (auto d = dirs.rbegin(); d != dirs.rend(); ++d)
    for (const IgnoreFile& f : files_in(*d))
      if (int v = f.verdict(path, is_dir)) result = v;
  return result;
}

}  // namespace pipeline
