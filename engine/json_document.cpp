#include <nlohmann/json.hpp>

#include "document.h"

namespace pipeline {
namespace {


Value convert(const nlohmann::ordered_json& j, int depth, const std::string& name) {
  if (depth > kMaxDocumentDepth)
    fail_pipeline(name, {}, "document is nested more than " +
                                std::to_string(kMaxDocumentDepth) + " levels deep");
  switch (j.type()) {
    case nlohmann::json::value_t::boolean: return Value::boolean(j.get<bool>());
    case nlohmann::json::value_t::number_integer: return Value::integer(j.get<int64_t>());
    case nlohmann::json::value_t::number_unsigned:
      return Value::integer(static_cast<int64_t>(j.get<uint64_t>()));
    case nlohmann::json::value_t::number_float: return Value::number(j.get<double>());
    case nlohmann::json::value_t::string: return Value::string(j.get<std::string>());
    case nlohmann::json::value_t::array: {
      Value v = Value::list();
      for (const auto& item : j) v.push(convert(item, depth + 1, name));
      return v;
    }
    case nlohmann::json::value_t::object: {
      Value v = Value::map();
      for (const auto& [k, item] : j.items()) v.entries().emplace_back(k, convert(item, depth + 1, name));
      return v;
    }
    default: return {};
  }
}

}  // namespace

Value parse_json(const std::string& name, const std::string& text) {
  // Depth is checked during parsing too: a deeply nested file must not
  // exhaust the stack before convert() sees it.
  int depth = 0;
  auto guard = [&](int d, nlohmann::ordered_json::parse_event_t, nlohmann::ordered_json&) {
    depth = d;
    if (d > kMaxDocumentDepth)
      fail_pipeline(name, {}, "document is nested more than " +
                                  std::to_string(kMaxDocumentDepth) + " levels deep");
    return true;
  };
  check_document_text(name, text);
  try {
    return checked_strings(name, convert(nlohmann::ordered_json::parse(text, guard), 0, name));
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    const auto pos = what.find("parse error");
    fail_pipeline(name, mark_at(text, e.byte > 0 ? e.byte - 1 : 0),
                  "invalid JSON: " + (pos == std::string::npos ? what : what.substr(pos)));
  } catch (const nlohmann::json::exception& e) {
    // A number too large for a double (1e999), found by fuzzing: it used to
    // escape as an unknown exception and end the process.
    std::string what = e.what();
    const auto pos = what.find("] ");
    fail_pipeline(name, {}, "invalid JSON: " + (pos == std::string::npos ? what : what.substr(pos + 2)));
  }
}

}  // namespace pipeline
