#include <toml++/toml.h>

#include <sstream>

#include "document.h"

namespace pipeline {
namespace {

Mark mark_of(const toml::node& n) {
  const auto& src = n.source();
  return {static_cast<int>(src.begin.line), static_cast<int>(src.begin.column)};
}

Value convert(const toml::node& n) {
  const Mark m = mark_of(n);
  if (auto t = n.as_table()) {
    Value v = Value::map(m);
    for (const auto& [k, child] : *t) {
      const auto& at = k.source().begin;
      v.add_entry(std::string(k.str()), convert(child), {static_cast<int>(at.line), static_cast<int>(at.column)});
    }
    return v;
  }
  if (auto a = n.as_array()) {
    Value v = Value::list(m);
    for (const auto& child : *a) v.push(convert(child));
    return v;
  }
  if (auto s = n.as_string()) return Value::string(s->get(), m);
  if (auto i = n.as_integer()) return Value::integer(i->get(), m);
  if (auto f = n.as_floating_point()) return Value::number(f->get(), m);
  if (auto b = n.as_boolean()) return Value::boolean(b->get(), m);
  // Dates and times have no JSON equivalent; keep their TOML text.
  std::ostringstream os;
  n.visit([&os](const auto& leaf) { os << leaf; });
  return Value::string(os.str(), m);
}

toml::table to_table(const Value& v);

// Scalars and lists of them; maps become tables.
void insert(toml::table& t, const std::string& key, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kMap: t.insert(key, to_table(v)); break;
    case Value::Kind::kBool: t.insert(key, v.as_bool()); break;
    case Value::Kind::kInt: t.insert(key, v.as_int()); break;
    case Value::Kind::kFloat: t.insert(key, v.as_float()); break;
    case Value::Kind::kList: {
      toml::array a;
      for (const Value& item : v.items()) a.push_back(item.scalar_text());
      t.insert(key, std::move(a));
      break;
    }
    default: t.insert(key, v.scalar_text()); break;
  }
}

toml::table to_table(const Value& v) {
  toml::table t;
  for (const auto& [k, child] : v.entries()) insert(t, k, child);
  return t;
}

}  // namespace

std::string render_toml(const Value& map) {
  std::ostringstream os;
  os << to_table(map) << "\n";
  return os.str();
}

Value parse_toml(const std::string& name, const std::string& text) {
  check_document_text(name, text);
  try {
    toml::table t = toml::parse(text, name);
    return checked_strings(name, convert(t));
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    fail_pipeline(name, {static_cast<int>(b.line), static_cast<int>(b.column)},
                  "invalid TOML: " + std::string(e.description()));
  }
}

}  // namespace pipeline
