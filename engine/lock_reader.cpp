// A reader for pipe.lock exactly as render_lock writes it: line by line,
// without building a YAML tree. On a no-op `status` of a 1,000-stage
// project the general YAML path was a fifth of the time. Anything that
// deviates in the least (a hand edit, another indent, a value that is not
// plain JSON) makes it give up, and read_lock parses the file as YAML.
#include <charconv>
#include <string_view>
#include <vector>

#include "document.h"
#include "lockfile.h"

namespace pipeline {
namespace {

// Decodes the JSON string pipe wrote (quote() escapes only these).
bool unquote(std::string_view s, std::string* out) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
  out->clear();
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    char c = s[i];
    if (c == '"') return false;
    if (c != '\\') {
      *out += c;
      continue;
    }
    if (++i + 1 >= s.size()) return false;
    switch (s[i]) {
      case '"': *out += '"'; break;
      case '\\': *out += '\\'; break;
      case 'n': *out += '\n'; break;
      case 't': *out += '\t'; break;
      case 'r': *out += '\r'; break;
      case 'u': {
        unsigned code = 0;
        if (i + 4 >= s.size()) return false;
        if (std::from_chars(s.data() + i + 1, s.data() + i + 5, code, 16).ptr != s.data() + i + 5) return false;
        if (code >= 0x20) return false;  // pipe escapes only control characters
        *out += static_cast<char>(code);
        i += 4;
        break;
      }
      default: return false;
    }
  }
  return true;
}

bool count(std::string_view s, uint64_t* out) {
  return !s.empty() && std::from_chars(s.data(), s.data() + s.size(), *out).ptr == s.data() + s.size();
}

class Lines {
 public:
  explicit Lines(std::string_view text) {
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      const std::string_view line = text.substr(start, end - start);
      if (line.empty() || line.front() != '#') lines_.push_back(line);
      start = end + 1;
    }
  }
  bool done() const { return i_ >= lines_.size(); }
  std::string_view peek() const { return done() ? std::string_view() : lines_[i_]; }
  std::string_view next() { return lines_[i_++]; }
  // Consumes the line if it starts with `prefix`; the rest goes to `rest`.
  bool take(std::string_view prefix, std::string_view* rest = nullptr) {
    if (done() || peek().substr(0, prefix.size()) != prefix) return false;
    if (rest) *rest = peek().substr(prefix.size());
    ++i_;
    return true;
  }

 private:
  std::vector<std::string_view> lines_;
  size_t i_ = 0;
};

bool artifacts(Lines& in, std::vector<LockedArtifact>* out) {
  std::string_view rest;
  while (in.take("    - path: ", &rest)) {
    LockedArtifact a;
    std::string hex;
    if (!unquote(rest, &a.path)) return false;
    a.pending = !in.take("      hash: ", &rest);
    if (!a.pending && (!unquote(rest, &hex) || !Digest::parse(hex, &a.digest))) return false;
    a.md5_dos2unix = in.take("      md5-dos2unix: ", &rest);
    if (a.md5_dos2unix || in.take("      md5: ", &rest)) {
      if (!unquote(rest, &a.md5) || !valid_dvc_md5(a.md5)) return false;
      a.is_dir = a.is_dvc_dir();
    } else if (a.pending) {
      return false;
    }
    if (!in.take("      size: ", &rest) || !count(rest, &a.size)) return false;
    a.executable = in.take("      isexec: true");
    if (in.take("      nfiles: ", &rest)) {
      if (!count(rest, &a.nfiles)) return false;
      a.is_dir = true;
    }
    out->push_back(std::move(a));
  }
  return true;
}

bool params(Lines& in, std::map<std::string, std::map<std::string, Value>>* out) {
  std::string_view rest;
  while (in.take("      \"", &rest)) {
    std::string file;
    const bool empty = rest.size() >= 4 && rest.substr(rest.size() - 4) == ": {}";
    if (!empty && (rest.empty() || rest.back() != ':')) return false;
    if (!unquote(std::string("\"").append(rest.substr(0, rest.size() - (empty ? 4 : 1))), &file)) return false;
    auto& values = (*out)[file];
    if (empty) continue;
    while (in.take("        \"", &rest)) {
      const size_t colon = rest.find("\": ");
      if (colon == std::string_view::npos) return false;
      std::string key;
      if (!unquote(std::string("\"").append(rest.substr(0, colon + 1)), &key)) return false;
      const std::string_view value = rest.substr(colon + 3);
      // Only plain JSON here; .inf, .nan and the like go the YAML way.
      if (value.find(".inf") != std::string_view::npos || value.find(".nan") != std::string_view::npos) return false;
      try {
        values[key] = parse_json(kLockFile, std::string(value));
      } catch (const Error&) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace

bool parse_lock_fast(const std::string& text, LockFile* lock) {
  Lines in(text);
  if (in.done()) return false;
  const std::string_view schema = in.next();
  if (schema != "schema: 1" && schema != "schema: 2") return false;
  if (in.done()) return false;
  const std::string_view stages = in.next();
  if (stages == "stages: {}") return in.done();
  if (stages != "stages:") return false;
  std::string_view rest;
  while (in.take("  \"", &rest)) {
    std::string name;
    if (rest.empty() || rest.back() != ':' || !unquote(std::string("\"").append(rest.substr(0, rest.size() - 1)), &name))
      return false;
    LockedStage s;
    std::string cmd;
    if (in.take("    cmd: ", &rest)) {
      if (!unquote(rest, &cmd)) return false;
      s.cmds.push_back(cmd);
    } else if (in.take("    cmd:", &rest) && rest.empty()) {
      while (in.take("    - \"", &rest)) {
        if (!unquote(std::string("\"").append(rest), &cmd)) return false;
        s.cmds.push_back(cmd);
      }
    } else {
      return false;
    }
    if (in.take("    deps:", &rest) && (!rest.empty() || !artifacts(in, &s.deps))) return false;
    if (in.take("    params:", &rest) && (!rest.empty() || !params(in, &s.params))) return false;
    if (in.take("    outs:", &rest) && (!rest.empty() || !artifacts(in, &s.outs))) return false;
    if (!lock->stages.emplace(std::move(name), std::move(s)).second) return false;
  }
  return in.done();
}

}  // namespace pipeline
