#include "document.h"

#include <fmt/format.h>

#include "error.h"

namespace pipeline {
namespace {

// Length of the UTF-8 sequence at text[i], or 0 when it is not valid
// (overlong forms, surrogates and code points past U+10FFFF included).
size_t utf8_length(const std::string& text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t n;
  unsigned lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
  else if (c >= 0xF0 && c <= 0xF4) n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
  else return 0;
  if (i + n > text.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return n;
}

void check_strings(const std::string& name, const Value& v) {
  if (v.is_string() && v.as_string().find('\0') != std::string::npos)
    fail_pipeline(name, v.mark(), "a string holds a NUL character (\\0); commands and paths cannot hold one");
  if (v.is_list())
    for (const Value& item : v.items()) check_strings(name, item);
  if (v.is_map())
    for (size_t i = 0; i < v.entries().size(); ++i) {
      if (v.entries()[i].first.find('\0') != std::string::npos)
        fail_pipeline(name, v.key_mark(i), "a key holds a NUL character (\\0); names cannot hold one");
      check_strings(name, v.entries()[i].second);
    }
}

}  // namespace

Mark mark_at(const std::string& text, size_t byte) {
  Mark m{1, 1};
  for (size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++m.line;
      m.col = 1;
    } else {
      ++m.col;
    }
  }
  return m;
}

void check_document_text(const std::string& name, const std::string& text) {
  if (text.size() > kMaxDocumentBytes)
    fail_pipeline(name, {}, fmt::format("the file is {} bytes; pipeline, params and lock files may be at most {} MiB",
                                        text.size(), kMaxDocumentBytes >> 20));
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '\0')
      fail_pipeline(name, mark_at(text, i), "a NUL byte; the file is binary or damaged (text files hold none)");
    const size_t n = utf8_length(text, i);
    if (n == 0)
      fail_pipeline(name, mark_at(text, i),
                    fmt::format("invalid UTF-8 (byte 0x{:02x}); save the file as UTF-8",
                                static_cast<unsigned char>(text[i])));
    i += n;
  }
}

Value checked_strings(const std::string& name, Value value) {
  check_strings(name, value);
  return value;
}

Value parse_document(const std::string& name, const std::string& text) {
  auto ends_with = [&](const char* ext) {
    const std::string e(ext);
    return name.size() >= e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0;
  };
  if (ends_with(".json")) return parse_json(name, text);
  if (ends_with(".toml")) return parse_toml(name, text);
  return parse_yaml(name, text);
}

}  // namespace pipeline
