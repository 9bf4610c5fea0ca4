#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <limits>
#include <set>

#include "document.h"

namespace pipeline {
namespace {

Mark mark_of(const YAML::Mark& m) {
  if (m.is_null()) return {};
  return {m.line + 1, m.column + 1};
}

bool all_of(const std::string& s, size_t from, const char* allowed) {
  return from < s.size() && s.find_first_not_of(allowed, from) == std::string::npos;
}

// YAML 1.2 core schema for plain scalars, as ruamel.yaml (DVC's parser) reads
// them. Hand-written rather than regex: the lock file has thousands of scalars.
Value typed_scalar(const std::string& s, Mark m) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") {
    Value v;
    v.set_mark(m);
    return v;
  }
  if (s == "true" || s == "True" || s == "TRUE") return Value::boolean(true, m);
  if (s == "false" || s == "False" || s == "FALSE") return Value::boolean(false, m);
  const char c = s[0];
  if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.')) return Value::string(s, m);
  const size_t sign = (c == '-' || c == '+') ? 1 : 0;
  errno = 0;
  if (all_of(s, sign, "0123456789")) {
    const long long i = std::strtoll(s.c_str(), nullptr, 10);
    if (errno != ERANGE) return Value::integer(i, m);
    return Value::number(std::strtod(s.c_str(), nullptr), m);
  }
  if (s.size() > 2 && s[0] == '0' && s[1] == 'x' && all_of(s, 2, "0123456789abcdefABCDEF"))
    return Value::integer(static_cast<int64_t>(std::strtoull(s.c_str() + 2, nullptr, 16)), m);
  if (s.size() > 2 && s[0] == '0' && s[1] == 'o' && all_of(s, 2, "01234567"))
    return Value::integer(static_cast<int64_t>(std::strtoull(s.c_str() + 2, nullptr, 8)), m);
  const std::string rest = s.substr(sign);
  if (rest == ".inf" || rest == ".Inf" || rest == ".INF")
    return Value::number(c == '-' ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity(), m);
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return Value::number(std::numeric_limits<double>::quiet_NaN(), m);
  // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
  size_t i = sign;
  size_t mantissa_digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++mantissa_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++mantissa_digits;
  }
  if (mantissa_digits == 0) return Value::string(s, m);
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++exp_digits;
    if (exp_digits == 0) return Value::string(s, m);
  }
  if (i != s.size()) return Value::string(s, m);
  return Value::number(std::strtod(s.c_str(), nullptr), m);
}

class Converter {
 public:
  Converter(const std::string& name, const std::string& text) : name_(name), text_(text) {}

  Value convert(const YAML::Node& node, int depth) {
    const Mark m = mark_of(node.Mark());
    if (++nodes_ > kMaxDocumentNodes)
      fail_pipeline(name_, m, "document expands to more than " +
                                  std::to_string(kMaxDocumentNodes) +
                                  " nodes (alias bomb?); simplify the file");
    if (depth > kMaxDocumentDepth)
      fail_pipeline(name_, m, "document is nested more than " +
                                  std::to_string(kMaxDocumentDepth) + " levels deep");
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null: {
        Value v;
        v.set_mark(m);
        return v;
      }
      case YAML::NodeType::Scalar: {
        const std::string& tag = node.Tag();
        // yaml-cpp tags quoted scalars "!"; an explicit !!str is also a string.
        if (tag == "!") check_closed_quote(node.Mark());
        if (tag == "!" || tag == "tag:yaml.org,2002:str") return Value::string(node.Scalar(), m);
        return typed_scalar(node.Scalar(), m);
      }
      case YAML::NodeType::Sequence: {
        Value v = Value::list(m);
        for (const auto& child : node) v.push(convert(child, depth + 1));
        return v;
      }
      case YAML::NodeType::Map: {
        Value v = Value::map(m);
        std::set<std::string> seen;
        std::vector<Value> merges;  // YAML's "<<: *anchor", which DVC's loader applies
        for (const auto& kv : node) {
          if (!kv.first.IsScalar())
            fail_pipeline(name_, mark_of(kv.first.Mark()), "mapping keys must be plain strings");
          const std::string key = kv.first.Scalar();
          if (key == "<<" && kv.first.Tag() != "!") {
            Value from = convert(kv.second, depth + 1);
            if (from.is_map()) merges.push_back(std::move(from));
            else if (from.is_list())
              for (const Value& item : from.items()) {
                if (!item.is_map())
                  fail_pipeline(name_, mark_of(kv.second.Mark()), "'<<' merges mappings; this list holds a " + item.kind_name());
                merges.push_back(item);
              }
            else
              fail_pipeline(name_, mark_of(kv.second.Mark()), "'<<' merges a mapping (or a list of them), not a " +
                                                                  from.kind_name());
            continue;
          }
          if (!seen.insert(key).second)
            fail_pipeline(name_, mark_of(kv.first.Mark()),
                          "duplicate key '" + key + "'; each key may appear once");
          Value child = convert(kv.second, depth + 1);
          // yaml-cpp places an empty value at the next token; the key is where it is.
          if (child.mark().line == 0 || child.is_null()) child.set_mark(mark_of(kv.first.Mark()));
          v.add_entry(key, std::move(child), mark_of(kv.first.Mark()));
        }
        // Keys written here win over merged ones; earlier merges over later.
        for (const Value& from : merges)
          for (size_t i = 0; i < from.entries().size(); ++i)
            if (seen.insert(from.entries()[i].first).second)
              v.add_entry(from.entries()[i].first, from.entries()[i].second, from.key_mark(i));
        return v;
      }
    }
    return {};
  }

  // yaml-cpp 0.7 reads an unterminated quoted scalar up to the end of the
  // file instead of failing, swallowing the keys after it. Find the closing
  // quote ourselves.
  void check_closed_quote(const YAML::Mark& mark) const {
    if (mark.is_null() || mark.pos < 0 || static_cast<size_t>(mark.pos) >= text_.size()) return;
    const char quote = text_[static_cast<size_t>(mark.pos)];
    if (quote != '"' && quote != '\'') return;
    for (size_t i = static_cast<size_t>(mark.pos) + 1; i < text_.size(); ++i) {
      if (quote == '"' && text_[i] == '\\') {
        ++i;
      } else if (text_[i] == quote) {
        if (quote == '\'' && i + 1 < text_.size() && text_[i + 1] == '\'') ++i;  // '' escapes '
        else return;
      }
    }
    fail_pipeline(name_, mark_of(mark), std::string("invalid YAML: unterminated quoted string; add the closing ") + quote);
  }

 private:
  const std::string& name_;
  const std::string& text_;
  size_t nodes_ = 0;
};

}  // namespace

Value parse_yaml(const std::string& name, const std::string& text) {
  check_document_text(name, text);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {
    fail_pipeline(name, mark_of(e.mark), "document is nested too deeply (more than " +
                                             std::to_string(e.depth()) + " levels)");
  } catch (const YAML::Exception& e) {
    fail_pipeline(name, mark_of(e.mark), "invalid YAML: " + e.msg);
  }
  try {
    return checked_strings(name, Converter(name, text).convert(root, 0));
  } catch (const YAML::Exception& e) {
    fail_pipeline(name, mark_of(e.mark), "invalid YAML: " + e.msg);
  }
}

}  // namespace pipeline
