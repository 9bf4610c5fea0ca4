#include "interpolate.h"

#include <cctype>

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
    // DVC's dotted index into a list: "${models.1}" is "${models[1]}".
    if (cur->is_list() && key.size() <= 9 && key.find_first_not_of("0123456789") == std::string::npos) {
      const size_t index = std::stoul(key);
      if (index >= cur->items().size()) {
        *why = "index " + key + " is out of range: '" + walked + "' has " + std::to_string(cur->items().size()) +
               " items";
        return nullptr;
      }
      cur = &cur->items()[index];
      walked += "." + key;
      i = end;
      if (i < path.size() && path[i] == '.') ++i;
      continue;
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

// Python's shlex.quote, which DVC applies to string values.
std::string shell_quote(const std::string& s) {
  if (s.empty()) return "''";
  const std::string safe = "@%+=:,./-_";
  bool plain = true;
  for (unsigned char c : s) plain = plain && (std::isalnum(c) || safe.find(static_cast<char>(c)) != std::string::npos);
  if (plain) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\"'\"'") : std::string(1, c);
  return out + "'";
}

// Python's str() of a scalar: what DVC's f-strings write for list items and
// numbers (True, None), unlike the `${}` text of a lone value (true, None).
std::string python_str(const Value& v) {
  if (v.kind() == Value::Kind::kBool) return v.as_bool() ? "True" : "False";
  return v.scalar_text();
}

// flatten_dict with the dot reducer: nested mappings become dotted keys.
void flatten(const Value& map, const std::string& prefix, std::vector<std::pair<std::string, const Value*>>& out) {
  for (const auto& [k, v] : map.entries()) {
    const std::string key = prefix.empty() ? k : prefix + "." + k;
    if (v.is_map()) flatten(v, key, out);
    else out.emplace_back(key, &v);
  }
}

}  // namespace

std::string unpack_flags(const Value& map, const UnpackOptions& options, std::string* error) {
  std::vector<std::pair<std::string, const Value*>> flat;
  flatten(map, "", flat);
  std::string out;
  for (const auto& [k, vp] : flat) {
    const Value& v = *vp;
    if (v.kind() == Value::Kind::kBool) {
      if (v.as_bool()) out += "--" + k + " ";
      else if (options.boolean_optional) out += "--no-" + k + " ";
    } else if (v.is_string()) {
      out += "--" + k + " " + shell_quote(v.as_string()) + " ";
    } else if (v.is_list()) {
      for (size_t n = 0; n < v.items().size(); ++n) {
        const Value& item = v.items()[n];
        if (!item.is_scalar()) {
          *error = "cannot interpolate nested iterable in '" + k + "'";
          return "";
        }
        const std::string text = item.is_string() ? shell_quote(item.as_string()) : python_str(item);
        out += options.list_append || n == 0 ? "--" + k + " " + text + " " : text + " ";
      }
    } else {
      out += "--" + k + " " + python_str(v) + " ";
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

namespace {

Value render_string(const Value& str, const Value& context, const std::string& file, const UnpackOptions* unpack) {
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
    // `${**name}`: unpack a mapping, whole string or not.
    const bool spread = expr.compare(0, 2, "**") == 0;
    const std::string name = spread ? expr.substr(2) : expr;
    std::string why;
    const Value* found = lookup_path(context, name, &why);
    if (!found) fail("cannot interpolate '${" + expr + "}': " + why);
    if (spread && !found->is_map()) fail("cannot unpack '${" + expr + "}': it is a " + found->kind_name() + ", not a mapping");
    if (spread && !unpack) fail("cannot unpack '${" + expr + "}' here: mappings unpack into flags only in 'cmd'");
    if (unpack && found->is_map() && (spread || !(i == 0 && close == s.size() - 1))) {
      std::string error;
      out += unpack_flags(*found, *unpack, &error);
      if (!error.empty()) fail("cannot interpolate '${" + expr + "}': " + error);
      i = close + 1;
      continue;
    }
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

Value interpolate(const Value& v, const Value& context, const std::string& file, const UnpackOptions* unpack) {
  switch (v.kind()) {
    case Value::Kind::kString: return render_string(v, context, file, unpack);
    case Value::Kind::kList: {
      Value out = Value::list(v.mark());
      for (const Value& item : v.items()) out.push(interpolate(item, context, file, unpack));
      return out;
    }
    case Value::Kind::kMap: {
      Value out = Value::map(v.mark());
      for (size_t i = 0; i < v.entries().size(); ++i) {
        const auto& [k, item] = v.entries()[i];
        Value key = render_string(Value::string(k, v.key_mark(i)), context, file, nullptr);
        if (!key.is_scalar())
          fail_pipeline(file, v.key_mark(i), "key '" + k + "' interpolates to a " + key.kind_name());
        if (out.find(key.scalar_text()))
          fail_pipeline(file, v.key_mark(i), "key '" + key.scalar_text() + "' appears twice after interpolation");
        out.add_entry(key.scalar_text(), interpolate(item, context, file, unpack), v.key_mark(i));
      }
      return out;
    }
    default: return v;
  }
}

}  // namespace pipeline
