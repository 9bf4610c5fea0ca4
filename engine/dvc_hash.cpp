#include "dvc_hash.h"

#include <algorithm>

#include "document.h"
#include "paths.h"

namespace pipeline {
namespace {

constexpr size_t kChunk = 1 << 20;  // DVC 2's read size, so its CRLF boundaries
constexpr size_t kSniff = 512;      // how much of a file decides "text"

bool hex32(std::string_view s) {
  return s.size() == 32 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// One code point of UTF-8 at text[*i], advancing *i; U+FFFD for a bad byte
// (Python would have refused to write such a name, so it cannot match).
uint32_t next_code_point(const std::string& text, size_t* i) {
  const auto c = static_cast<unsigned char>(text[*i]);
  int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
  uint32_t cp = extra == 3 ? c & 0x07 : extra == 2 ? c & 0x0F : extra == 1 ? c & 0x1F : c;
  ++*i;
  if (c >= 0x80 && extra == 0) return 0xFFFD;
  for (; extra > 0; --extra, ++*i) {
    if (*i >= text.size() || (static_cast<unsigned char>(text[*i]) & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (static_cast<unsigned char>(text[*i]) & 0x3F);
  }
  return cp;
}

void append_u(std::string& out, uint32_t unit) {
  static const char kHex[] = "0123456789abcdef";
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(unit >> shift) & 15];
}

// A JSON string as Python's json.dumps (ensure_ascii) writes it.
void append_python_json_string(std::string& out, const std::string& s) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          if (c < 0x20 || c == 0x7f) append_u(out, c);
          else out += static_cast<char>(c);
      }
      continue;
    }
    const uint32_t cp = next_code_point(s, &i);
    if (cp >= 0x10000) {
      const uint32_t v = cp - 0x10000;
      append_u(out, 0xD800 + (v >> 10));
      append_u(out, 0xDC00 + (v & 0x3FF));
    } else {
      append_u(out, cp);
    }
  }
  out += '"';
}

}  // namespace

const char* dvc_hash_name(DvcHashKind kind) { return kind == DvcHashKind::kMd5 ? "md5" : "md5-dos2unix"; }

bool dvc_text_block(std::string_view block) {
  size_t odd = 0;
  for (char ch : block) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == 0) return false;
    const bool text = (c >= 32 && c <= 126) || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\b';
    if (!text) ++odd;
  }
  // odd / len <= 0.30, in integers.
  return 10 * odd <= 3 * block.size();
}

void DvcFileHash::update(const void* data, size_t size) {
  if (kind_ == DvcHashKind::kMd5) return md5_.update(data, size);
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const size_t take = std::min(size, kChunk - chunk_.size());
    chunk_.append(p, take);
    p += take;
    size -= take;
    if (chunk_.size() == kChunk) hash_chunk(false);
  }
}

void DvcFileHash::hash_chunk(bool last) {
  if (text_ < 0) {
    if (chunk_.size() < kSniff && !last) return;
    text_ = dvc_text_block(std::string_view(chunk_).substr(0, kSniff)) ? 1 : 0;
  }
  if (text_ == 1) {
    std::string converted;
    converted.reserve(chunk_.size());
    for (size_t i = 0; i < chunk_.size(); ++i)
      if (!(chunk_[i] == '\r' && i + 1 < chunk_.size() && chunk_[i + 1] == '\n')) converted += chunk_[i];
    md5_.update(converted.data(), converted.size());
  } else {
    md5_.update(chunk_.data(), chunk_.size());
  }
  chunk_.clear();
}

std::string DvcFileHash::finish_hex() {
  if (kind_ == DvcHashKind::kMd5Dos2Unix && (!chunk_.empty() || text_ < 0)) hash_chunk(true);
  return md5_.finish_hex();
}

bool dvc_hash_file(Disk& disk, const std::string& path, DvcHashKind kind, DvcHashed* out) {
  DvcFileHash md5(kind);
  Hasher xxh3;
  uint64_t total = 0;
  const bool read = disk.read_chunks(path, [&](const char* data, size_t size) {
    md5.update(data, size);
    xxh3.update(data, size);
    total += size;
  });
  if (!read) return false;
  out->md5 = md5.finish_hex();
  out->digest = xxh3.finish();
  out->size = total;
  return true;
}

std::string dvc_dir_json(std::vector<DvcDirEntry> entries) {
  // Python sorts str by code point, which for UTF-8 is byte order.
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.relpath < b.relpath; });
  std::string out = "[";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) out += ", ";
    out += "{\"md5\": ";
    append_python_json_string(out, entries[i].md5);
    out += ", \"relpath\": ";
    append_python_json_string(out, entries[i].relpath);
    out += "}";
  }
  return out + "]";
}

bool parse_dvc_dir(const std::string& text, std::vector<DvcDirEntry>* entries) {
  entries->clear();
  Value root;
  try {
    root = parse_json(".dir", text);
  } catch (const Error&) {
    return false;
  }
  if (!root.is_list()) return false;
  for (const Value& item : root.items()) {
    const Value* md5 = item.is_map() ? item.find("md5") : nullptr;
    const Value* rel = item.is_map() ? item.find("relpath") : nullptr;
    if (!md5 || !rel || !md5->is_string() || !rel->is_string() || !hex32(md5->as_string())) return false;
    std::string normalized, why;
    // Data from a remote: it must not name a path outside its directory.
    if (rel->as_string().empty() || !project_path("", rel->as_string(), &normalized, &why) ||
        normalized != rel->as_string())
      return false;
    entries->push_back({rel->as_string(), md5->as_string()});
  }
  return true;
}

}  // namespace pipeline
