#include "output_diff.h"

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "document.h"
#include "error.h"

namespace pipeline {

namespace {

// A value as a person reads it in one line, cut short when long.
std::string shown(const std::string& s) {
  std::string out;
  for (char c : s) out += (c == '\n' || c == '\t' || c == '\r') ? ' ' : c;
  return out.size() > 60 ? out.substr(0, 57) + "..." : out;
}

std::string scalar_shown(const Value& v) {
  if (v.is_string()) return "'" + shown(v.as_string()) + "'";
  if (v.is_scalar()) return shown(v.scalar_text());
  return v.is_map() ? "a mapping" : "a list";
}

bool structured(const std::string& path) {
  for (const char* ext : {".json", ".yaml", ".yml", ".toml"}) {
    const std::string e = ext;
    if (path.size() > e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0) return true;
  }
  return false;
}

// The first key (dotted, list items by index) where the two trees differ.
std::string first_key(const Value& a, const Value& b, const std::string& at) {
  const std::string where = at.empty() ? "the top level" : "key '" + at + "'";
  if (a.is_map() && b.is_map()) {
    for (const auto& [key, value] : a.entries()) {
      const std::string sub = at.empty() ? key : at + "." + key;
      const Value* other = b.find(key);
      if (!other) return "key '" + sub + "': recorded " + scalar_shown(value) + ", missing now";
      if (!(value == *other)) return first_key(value, *other, sub);
    }
    for (const auto& [key, value] : b.entries())
      if (!a.find(key))
        return "key '" + (at.empty() ? key : at + "." + key) + "': not recorded, now " + scalar_shown(value);
    return "";
  }
  if (a.is_list() && b.is_list()) {
    const size_t n = std::min(a.items().size(), b.items().size());
    for (size_t i = 0; i < n; ++i)
      if (!(a.items()[i] == b.items()[i]))
        return first_key(a.items()[i], b.items()[i], at + "[" + std::to_string(i) + "]");
    if (a.items().size() != b.items().size())
      return where + ": recorded " + std::to_string(a.items().size()) + " items, got " +
             std::to_string(b.items().size());
    return "";
  }
  return where + ": recorded " + scalar_shown(a) + ", got " + scalar_shown(b);
}

bool text(const std::string& path, const std::string& content) {
  try {
    check_document_text(path, content);
    return true;
  } catch (const Error&) {
    return false;  // a NUL, invalid UTF-8, or too big to read as text
  }
}

std::string first_line(const std::string& a, const std::string& b) {
  size_t line = 1, start_a = 0, start_b = 0;
  for (;;) {
    const size_t end_a = std::min(a.find('\n', start_a), a.size());
    const size_t end_b = std::min(b.find('\n', start_b), b.size());
    const bool more_a = start_a < a.size(), more_b = start_b < b.size();
    if (!more_a || !more_b) {
      if (more_a) return "line " + std::to_string(line) + ": recorded '" + shown(a.substr(start_a, end_a - start_a)) + "', got the end of the file";
      if (more_b) return "line " + std::to_string(line) + ": recorded the end of the file, got '" + shown(b.substr(start_b, end_b - start_b)) + "'";
      return "";
    }
    const std::string la = a.substr(start_a, end_a - start_a), lb = b.substr(start_b, end_b - start_b);
    if (la != lb) return "line " + std::to_string(line) + ": recorded '" + shown(la) + "', got '" + shown(lb) + "'";
    start_a = end_a + 1;
    start_b = end_b + 1;
    ++line;
  }
}

}  // namespace

std::string first_difference(const std::string& path, const std::string& recorded, const std::string& got) {
  if (recorded == got) return "";
  if (text(path, recorded) && text(path, got)) {
    if (structured(path)) {
      try {
        const std::string key = first_key(parse_document(path, recorded), parse_document(path, got), "");
        if (!key.empty()) return key;
      } catch (const Error&) {
        // Not a document after all (or no longer one): compare it as text.
      }
    }
    const std::string line = first_line(recorded, got);
    if (!line.empty()) return line;
    // Only line endings at the end differ.
  }
  const auto diverge = std::mismatch(recorded.begin(), recorded.begin() + static_cast<std::ptrdiff_t>(std::min(recorded.size(), got.size())), got.begin());
  const size_t offset = static_cast<size_t>(diverge.first - recorded.begin());
  return fmt::format("first differing byte at offset {}; recorded {} bytes, got {}", offset, recorded.size(), got.size());
}

std::string value_change(const std::string& recorded, const std::string& got) {
  char* end_a = nullptr;
  char* end_b = nullptr;
  const double a = std::strtod(recorded.c_str(), &end_a), b = std::strtod(got.c_str(), &end_b);
  if (recorded.empty() || got.empty() || *end_a || *end_b) return "'" + shown(recorded) + "' -> '" + shown(got) + "'";
  return fmt::format("{} -> {} ({:+.6g})", recorded, got, b - a);
}

}  // namespace pipeline
