#include "interpolate.h"

#include "suggest.h"

namespace pipeline {
namespace {

std::vector<std::string> keys_of(const Value& map) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : map.entries()) keys.push_back(k);
  return keys;
}

}  // namespace

const Value* lookup_path(const Value& context, const std::string& path, std::string* why) {
  const Value* cur = &context;
  std::string walked;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '[') {
      const size_t close = path.find(']', i);
      if (close == std::string::npos) {
        *why = "unclosed '[' in '" + path + "'";
        return nullptr;
      }
      const std::string index_text = path.substr(i + 1, close - i - 1);
      if (index_text.empty() || index_text.size() > 9 ||
          index_text.find_first_not_of("0123456789") != std::string::npos) {
        *why = "index '" + index_text + "' in '" + path + "' is not a number";
        return nullptr;
      }
      if (!cur->is_list()) {
        *why = "'" + walked + "' is a " + cur->kind_name() + ", not a list";
        return nullptr;
      }
      const size_t index = std::stoul(index_text);
      if (index >= cur->items().size()) {
        *why = "index " + index_text + " is out of range: '" + walked + "' has " +
               std::to_string(cur->items().size()) + " items";
        return nullptr;
      }
      cur = &cur->items()[index];
      walked += "[" + index_text + "]";
      i = close + 1;
      if (i < path.size() && path[i] == '.') ++i;
      continue;
    }
    size_t end = path.find_first_of(".[", i);
    if (end == std::string::npos) end = path.size();
    const std::string key = path.substr(i, end - i);
    if (key.empty()) {
      *why = "empty key in '" + path + "'";
      return nullptr;
    }
    if (!cur->is_map()) {
      *why = "'" + walked + "' is a " + cur->kind_name() + ", so it has no key '" + key + "'";
      return nullptr;
    }
    const Value* next = cur->find(key);
    if (!next) {
      *why = "key '" + key + "' not found" + (walked.empty() ? "" : " in '" + walked + "'") +
             did_you_mean(key, keys_of(*cur));
      return nullptr;
    }
    cur = next;
    walked += (walked.empty() ? "" : ".") + key;
    i = end;
    if (i < path.size() && path[i] == '.') ++i;
  }
  return cur;
}

bool has_template(const std::string& s) {
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] == '\\' && s[i + 1] == '$') {
      ++i;
      continue;
    }
    if (s[i] == '$' && s[i + 1] == '{') return true;
  }
  return false;
}

namespace {

Value render_string(const Value& str, const Value& context, const std::string& file) {
  const std::string& s = str.as_string();
  if (s.find('$') == std::string::npos) return str;
  std::string out;
  size_t i = 0;
  const auto fail = [&](const std::string& msg) { fail_pipeline(file, str.mark(), msg); };
  while (i < s.size()) {
    if (s[i] == '\\' && i + 2 < s.size() + 1 && s.compare(i, 3, "\\${") == 0) {
      out += "${";
      i += 3;
      continue;
    }
    if (s.compare(i, 2, "${") != 0) {
      out += s[i++];
      continue;
    }
    const size_t close = s.find('}', i + 2);
    if (close == std::string::npos) fail("unclosed '${' in '" + s + "'; write '\\${' for a literal");
    std::string expr = s.substr(i + 2, close - i - 2);
    // Tolerate "${ a.b }" as DVC does.
    const auto first = expr.find_first_not_of(' ');
    const auto last = expr.find_last_not_of(' ');
    expr = first == std::string::npos ? "" : expr.substr(first, last - first + 1);
    std::string why;
    const Value* found = lookup_path(context, expr, &why);
    if (!found) fail("cannot interpolate '${" + expr + "}': " + why);
    // A whole-string reference keeps its type: lists, maps, numbers.
    if (i == 0 && close == s.size() - 1) {
      Value whole = *found;
      whole.set_mark(str.mark());
      return whole;
    }
    if (!found->is_scalar())
      fail("cannot interpolate '${" + expr + "}' into text: it is a " + found->kind_name() +
           "; reference one of its items instead");
    out += found->scalar_text();
    i = close + 1;
  }
  return Value::string(out, str.mark());
}

}  // namespace

Value interpolate(const Value& v, const Value& context, const std::string& file) {
  switch (v.kind()) {
    case Value::Kind::kString: return render_string(v, context, file);
    case Value::Kind::kList: {
      Value out = Value::list(v.mark());
      for (const Value& item : v.items()) out.push(interpolate(item, context, file));
      return out;
    }
    case Value::Kind::kMap: {
      Value out = Value::map(v.mark());
      for (size_t i = 0; i < v.entries().size(); ++i) {
        const auto& [k, item] = v.entries()[i];
        Value key = render_string(Value::string(k, v.key_mark(i)), context, file);
        if (!key.is_scalar())
          fail_pipeline(file, v.key_mark(i), "key '" + k + "' interpolates to a " + key.kind_name());
        if (out.find(key.scalar_text()))
          fail_pipeline(file, v.key_mark(i), "key '" + key.scalar_text() + "' appears twice after interpolation");
        out.add_entry(key.scalar_text(), interpolate(item, context, file), v.key_mark(i));
      }
      return out;
    }
    default: return v;
  }
}

}  // namespace pipeline
