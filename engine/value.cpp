#include "value.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace pipeline {

Value Value::boolean(bool b, Mark m) {
  Value v;
  v.kind_ = Kind::kBool;
  v.b_ = b;
  v.mark_ = m;
  return v;
}

Value Value::integer(int64_t i, Mark m) {
  Value v;
  v.kind_ = Kind::kInt;
  v.i_ = i;
  v.mark_ = m;
  return v;
}

Value Value::number(double d, Mark m) {
  Value v;
  v.kind_ = Kind::kFloat;
  v.f_ = d;
  v.mark_ = m;
  return v;
}

Value Value::string(std::string s, Mark m) {
  Value v;
  v.kind_ = Kind::kString;
  v.s_ = std::move(s);
  v.mark_ = m;
  return v;
}

Value Value::list(Mark m) {
  Value v;
  v.kind_ = Kind::kList;
  v.mark_ = m;
  return v;
}

Value Value::map(Mark m) {
  Value v;
  v.kind_ = Kind::kMap;
  v.mark_ = m;
  return v;
}

void Value::set(const std::string& key, Value v) {
  if (Value* existing = find(key)) {
    *existing = std::move(v);
    return;
  }
  entries_.emplace_back(key, std::move(v));
}

void Value::add_entry(std::string key, Value v, Mark key_mark) {
  key_marks_.resize(entries_.size());
  entries_.emplace_back(std::move(key), std::move(v));
  key_marks_.push_back(key_mark);
}

Mark Value::key_mark(size_t i) const {
  if (i < key_marks_.size() && key_marks_[i].line > 0) return key_marks_[i];
  return entries_[i].second.mark();
}

const Value* Value::find(std::string_view key) const {
  for (const auto& [k, v] : entries_)
    if (k == key) return &v;
  return nullptr;
}

Value* Value::find(std::string_view key) {
  for (auto& [k, v] : entries_)
    if (k == key) return &v;
  return nullptr;
}

std::string format_double(double d) {
  // Python's spelling, which is what DVC puts into commands.
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d);
  std::string s(buf, res.ptr);
  // Keep floats recognisable as floats: 1.0 must not canonicalise like 1.
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

namespace {

void append_json_string(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          static const char* hex = "0123456789abcdef";
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void append_canonical(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNull: out += "null"; break;
    case Value::Kind::kBool: out += v.as_bool() ? "true" : "false"; break;
    case Value::Kind::kInt: out += std::to_string(v.as_int()); break;
    case Value::Kind::kFloat:
      // JSON has no spelling for these; YAML's reads back as the same float.
      if (std::isnan(v.as_float())) out += ".nan";
      else if (std::isinf(v.as_float())) out += v.as_float() > 0 ? ".inf" : "-.inf";
      else out += format_double(v.as_float());
      break;
    case Value::Kind::kString: append_json_string(out, v.as_string()); break;
    case Value::Kind::kList: {
      out += '[';
      bool first = true;
      for (const Value& item : v.items()) {
        if (!first) out += ',';
        first = false;
        append_canonical(out, item);
      }
      out += ']';
      break;
    }
    case Value::Kind::kMap: {
      std::vector<const Value::Entry*> sorted;
      for (const auto& e : v.entries()) sorted.push_back(&e);
      std::sort(sorted.begin(), sorted.end(),
                [](const auto* a, const auto* b) { return a->first < b->first; });
      out += '{';
      bool first = true;
      for (const auto* e : sorted) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, e->first);
        out += ':';
        append_canonical(out, e->second);
      }
      out += '}';
      break;
    }
  }
}

}  // namespace

std::string Value::canonical() const {
  std::string out;
  append_canonical(out, *this);
  return out;
}

std::string Value::scalar_text() const {
  switch (kind_) {
    case Kind::kNull: return "None";  // what DVC renders, so commands match
    case Kind::kBool: return b_ ? "true" : "false";
    case Kind::kInt: return std::to_string(i_);
    case Kind::kFloat: return format_double(f_);
    case Kind::kString: return s_;
    default: return canonical();
  }
}

std::string Value::kind_name() const {
  switch (kind_) {
    case Kind::kNull: return "null";
    case Kind::kBool: return "boolean";
    case Kind::kInt: return "integer";
    case Kind::kFloat: return "number";
    case Kind::kString: return "string";
    case Kind::kList: return "list";
    case Kind::kMap: return "mapping";
  }
  return "?";
}

std::string string_field(const Value& map, std::string_view key) {
  const Value* v = map.find(key);
  return v && v->is_string() ? v->as_string() : "";
}

int64_t int_field(const Value& map, std::string_view key) {
  const Value* v = map.find(key);
  return v && v->kind() == Value::Kind::kInt ? v->as_int() : 0;
}

}  // namespace pipeline
