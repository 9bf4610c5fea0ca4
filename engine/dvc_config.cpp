#include "dvc_config.h"

#include <algorithm>
#include <cctype>

namespace pipeline {
namespace {

std::string trim(const std::string& s) {
  const size_t first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// A value: quoted ('x' or "x", then only a comment may follow), or bare up
// to an inline comment. configobj reads bare commas as a list; DVC's keys
// that take lists (cache.type) read the text the same way pipe does.
bool parse_value(const std::string& raw, std::string* out) {
  const std::string v = trim(raw);
  if (!v.empty() && (v.front() == '"' || v.front() == '\'')) {
    const size_t end = v.find(v.front(), 1);
    if (end == std::string::npos) return false;
    const std::string rest = trim(v.substr(end + 1));
    if (!rest.empty() && rest.front() != '#') return false;
    *out = v.substr(1, end - 1);
    return true;
  }
  const size_t hash = v.find('#');
  *out = trim(hash == std::string::npos ? v : v.substr(0, hash));
  return true;
}

}  // namespace

void DvcConfig::merge(const DvcConfig& later) {
  for (const auto& [section, keys] : later.sections)
    for (const auto& [key, setting] : keys) sections[section][key] = setting;
}

const DvcSetting* DvcConfig::find(const std::string& section, const std::string& key) const {
  auto s = sections.find(section);
  if (s == sections.end()) return nullptr;
  auto k = s->second.find(key);
  return k == s->second.end() ? nullptr : &k->second;
}

std::string dvc_remote_name(const std::string& section) {
  // remote "name", with any spacing, as DVC's _parse_named matches it.
  const std::string s = trim(section);
  if (s.compare(0, 6, "remote") != 0) return "";
  const std::string rest = trim(s.substr(6));
  if (rest.size() < 2 || rest.front() != '"' || rest.back() != '"') return "";
  return rest.substr(1, rest.size() - 2);
}

DvcConfig parse_dvc_config(const std::string& file, const std::string& text) {
  DvcConfig config;
  std::string section;
  int line_no = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = trim(text.substr(start, end - start));
    start = end + 1;
    ++line_no;
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    const Mark mark{line_no, 1};
    if (line.front() == '[') {
      const size_t close = line.rfind(']');
      if (close == std::string::npos)
        fail_pipeline(file, mark, "a section header needs a closing ']'; DVC writes ['remote \"name\"']");
      std::string name = trim(line.substr(1, close - 1));
      // configobj quotes a name with spaces: ['remote "x"'].
      if (name.size() >= 2 && (name.front() == '\'' || name.front() == '"') && name.back() == name.front())
        name = name.substr(1, name.size() - 2);
      section = lower(trim(name));
      // DVC lower-cases the section, remote names included.
      config.sections[section];
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == std::string::npos)
      fail_pipeline(file, mark, "expected 'key = value', a [section] or a # comment");
    if (section.empty()) fail_pipeline(file, mark, "a setting before any [section]");
    std::string value;
    if (!parse_value(line.substr(eq + 1), &value))
      fail_pipeline(file, mark, "a quoted value must end with the same quote, and only a comment may follow it");
    const bool local = file.size() >= 6 && file.compare(file.size() - 6, 6, ".local") == 0;
    config.sections[section][lower(trim(line.substr(0, eq)))] = {value, mark, local};
  }
  return config;
}

}  // namespace pipeline
