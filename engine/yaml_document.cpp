#include <yaml-cpp/yaml.h>

#include <cmath>
#include <regex>
#include <set>

#include "document.h"

namespace pipeline {
namespace {

Mark mark_of(const YAML::Mark& m) {
  if (m.is_null()) return {};
  return {m.line + 1, m.column + 1};
}

bool matches(const std::string& s, const char* pattern) {
  return std::regex_match(s, std::regex(pattern));
}

// YAML 1.2 core schema for plain scalars, as ruamel.yaml (DVC's parser) reads them.
Value typed_scalar(const std::string& s, Mark m) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") {
    Value v;
    v.set_mark(m);
    return v;
  }
  if (s == "true" || s == "True" || s == "TRUE") return Value::boolean(true, m);
  if (s == "false" || s == "False" || s == "FALSE") return Value::boolean(false, m);
  const char c = s[0];
  const bool numeric_start = (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.';
  if (!numeric_start) return Value::string(s, m);
  try {
    if (matches(s, "[-+]?[0-9]+")) return Value::integer(std::stoll(s), m);
    if (matches(s, "0x[0-9a-fA-F]+")) return Value::integer(std::stoll(s.substr(2), nullptr, 16), m);
    if (matches(s, "0o[0-7]+")) return Value::integer(std::stoll(s.substr(2), nullptr, 8), m);
  } catch (const std::out_of_range&) {
    return Value::number(std::stod(s), m);
  }
  if (matches(s, "[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?"))
    return Value::number(std::stod(s), m);
  if (matches(s, "[-+]?\\.(inf|Inf|INF)"))
    return Value::number(s[0] == '-' ? -INFINITY : INFINITY, m);
  if (matches(s, "\\.(nan|NaN|NAN)")) return Value::number(NAN, m);
  return Value::string(s, m);
}

class Converter {
 public:
  explicit Converter(const std::string& name) : name_(name) {}

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
        for (const auto& kv : node) {
          if (!kv.first.IsScalar())
            fail_pipeline(name_, mark_of(kv.first.Mark()), "mapping keys must be plain strings");
          const std::string key = kv.first.Scalar();
          if (!seen.insert(key).second)
            fail_pipeline(name_, mark_of(kv.first.Mark()),
                          "duplicate key '" + key + "'; each key may appear once");
          Value child = convert(kv.second, depth + 1);
          if (child.mark().line == 0) child.set_mark(mark_of(kv.first.Mark()));
          v.entries().emplace_back(key, std::move(child));
        }
        return v;
      }
    }
    return {};
  }

 private:
  const std::string& name_;
  size_t nodes_ = 0;
};

}  // namespace

Value parse_yaml(const std::string& name, const std::string& text) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    fail_pipeline(name, mark_of(e.mark), "invalid YAML: " + e.msg);
  }
  try {
    return Converter(name).convert(root, 0);
  } catch (const YAML::Exception& e) {
    fail_pipeline(name, mark_of(e.mark), "invalid YAML: " + e.msg);
  }
}

}  // namespace pipeline
