// A parsed document value (YAML, JSON or TOML) that remembers where it came from.
// Library node types stay inside the loaders; the engine only sees Value.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "error.h"

namespace pipeline {

class Value {
 public:
  enum class Kind { kNull, kBool, kInt, kFloat, kString, kList, kMap };
  using Entry = std::pair<std::string, Value>;

  Value() = default;
  static Value boolean(bool b, Mark m = {});
  static Value integer(int64_t i, Mark m = {});
  static Value number(double d, Mark m = {});
  static Value string(std::string s, Mark m = {});
  static Value list(Mark m = {});
  static Value map(Mark m = {});

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_list() const { return kind_ == Kind::kList; }
  bool is_map() const { return kind_ == Kind::kMap; }
  bool is_scalar() const { return !is_list() && !is_map(); }
  Mark mark() const { return mark_; }
  void set_mark(Mark m) { mark_ = m; }

  bool as_bool() const { return b_; }
  int64_t as_int() const { return i_; }
  double as_float() const { return f_; }
  const std::string& as_string() const { return s_; }

  // Lists and maps (maps keep document order; keys are unique).
  const std::vector<Value>& items() const { return items_; }
  std::vector<Value>& items() { return items_; }
  const std::vector<Entry>& entries() const { return entries_; }
  std::vector<Entry>& entries() { return entries_; }
  void push(Value v) { items_.push_back(std::move(v)); }
  // Appends a map entry, remembering where its key was written.
  void add_entry(std::string key, Value v, Mark key_mark);
  // Where entry i's key was written (its value's mark if not recorded).
  Mark key_mark(size_t i) const;
  // Replaces an existing key's value, else appends.
  void set(const std::string& key, Value v);
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  size_t size() const { return is_map() ? entries_.size() : items_.size(); }

  // JSON with map keys sorted and no whitespace: equal data, equal text,
  // whatever the source format or layout. Used for hashing and comparing
  // params. Infinities and NaN, which JSON lacks, use YAML's .inf and .nan.
  std::string canonical() const;
  // A scalar as it reads in a command line: strings bare, true/false, numbers.
  std::string scalar_text() const;
  // "string", "list", ... for error messages.
  std::string kind_name() const;

  bool operator==(const Value& other) const { return canonical() == other.canonical(); }

 private:
  Kind kind_ = Kind::kNull;
  bool b_ = false;
  int64_t i_ = 0;
  double f_ = 0;
  std::string s_;
  std::vector<Value> items_;
  std::vector<Entry> entries_;
  std::vector<Mark> key_marks_;  // parallel to entries_ where known
  Mark mark_;
};

// Renders a double the shortest way that reads back exactly (1.0 -> "1.0").
std::string format_double(double d);

// A map's field as a string or an integer; "" or 0 when it is missing or
// of another kind. For records pipe wrote itself, checked by their digest
// or read as best effort.
std::string string_field(const Value& map, std::string_view key);
int64_t int_field(const Value& map, std::string_view key);

}  // namespace pipeline
