#include "overrides.h"

#include <cmath>
#include <cstdlib>

#include "document.h"
#include "error.h"
#include "value.h"

namespace pipeline {
namespace {

const char* const kForms =
    "; write KEY=VALUE, FILE:KEY=VALUE, KEY=V1,V2,... , KEY=range(START,STOP[,STEP]) or KEY=choice(V1,V2,...)";

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t") - a + 1);
}

// Splits on commas outside quotes and brackets: "a,'b,c',[1,2]" is three.
std::vector<std::string> split_values(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  char quote = 0;
  for (char c : text) {
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[' || c == '{' || c == '(') {
      ++depth;
    } else if (c == ']' || c == '}' || c == ')') {
      --depth;
    } else if (c == ',' && depth == 0) {
      out.push_back(trim(cur));
      cur.clear();
      continue;
    }
    cur += c;
  }
  out.push_back(trim(cur));
  return out;
}

bool number(const std::string& s, double* out) {
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return !s.empty() && *end == '\0' && std::isfinite(*out);
}

// "1, 4[, step]" -> the values, as Hydra's range(): stop left out.
std::vector<std::string> range_values(const std::string& spec, const std::string& args) {
  const std::vector<std::string> parts = split_values(args);
  double start = 0, stop = 0, step = 1;
  if (parts.size() < 2 || parts.size() > 3 || !number(parts[0], &start) || !number(parts[1], &stop) ||
      (parts.size() == 3 && !number(parts[2], &step)) || step == 0)
    throw Error(Exit::kUsage, "-S " + spec + ": range() takes START, STOP and an optional STEP, numbers, STEP not 0");
  const bool integers = parts[0].find_first_of(".eE") == std::string::npos &&
                        parts[1].find_first_of(".eE") == std::string::npos &&
                        (parts.size() < 3 || parts[2].find_first_of(".eE") == std::string::npos);
  std::vector<std::string> out;
  // Counted, not accumulated, so 0.1 steps do not drift.
  const double count = std::ceil((stop - start) / step - 1e-9);
  if (count > 10000) throw Error(Exit::kUsage, "-S " + spec + ": range() makes more than 10,000 values");
  for (long i = 0; i < static_cast<long>(count); ++i) {
    const double v = start + static_cast<double>(i) * step;
    if (integers) {
      out.push_back(std::to_string(static_cast<long long>(std::llround(v))));
    } else {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.10g", v);
      out.push_back(buf);
    }
  }
  if (out.empty()) throw Error(Exit::kUsage, "-S " + spec + ": range() is empty");
  return out;
}

// Whether `text` reads back (as YAML) as the same value as `value`'s text.
std::string yaml_scalar(const std::string& value) {
  // Plain where YAML reads it back as itself; else a double-quoted string.
  try {
    const Value plain = parse_yaml("-S", "v: " + value + "\n");
    const Value* v = plain.find("v");
    if (v && v->is_scalar() && !v->is_null() && value.find_first_of("#\n") == std::string::npos) return value;
  } catch (const Error&) {
  }
  std::string out = "\"";
  for (char c : value) out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return out + "\"";
}

const Value* find_path(const Value& root, const std::string& key) {
  const Value* at = &root;
  size_t start = 0;
  for (;;) {
    const size_t dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (at->is_map()) {
      at = at->find(part);
    } else if (at->is_list() && !part.empty() && part.find_first_not_of("0123456789") == std::string::npos &&
               std::stoul(part) < at->items().size()) {
      at = &at->items()[std::stoul(part)];
    } else {
      return nullptr;
    }
    if (!at || dot == std::string::npos) return at;
    start = dot + 1;
  }
}

Value* find_path(Value& root, const std::string& key) {
  return const_cast<Value*>(find_path(static_cast<const Value&>(root), key));
}

// Byte offset of 1-based line/col in `text`.
size_t offset_of(const std::string& text, int line, int col) {
  size_t at = 0;
  for (int l = 1; l < line && at != std::string::npos; ++l) {
    at = text.find('\n', at);
    if (at != std::string::npos) ++at;
  }
  return at == std::string::npos ? text.size() : std::min(text.size(), at + static_cast<size_t>(col - 1));
}

// Where the scalar that starts at `begin` may end: the candidates, longest
// first (a plain scalar may hold commas; in a flow collection it may not).
std::vector<size_t> scalar_ends(const std::string& text, size_t begin) {
  if (begin < text.size() && (text[begin] == '"' || text[begin] == '\'')) {
    const char q = text[begin];
    for (size_t i = begin + 1; i < text.size(); ++i) {
      if (q == '"' && text[i] == '\\') ++i;
      else if (text[i] == q && q == '\'' && i + 1 < text.size() && text[i + 1] == '\'') ++i;
      else if (text[i] == q) return {i + 1};
    }
    return {};
  }
  size_t eol = text.find('\n', begin);
  if (eol == std::string::npos) eol = text.size();
  size_t end = eol;
  const size_t comment = text.find(" #", begin);
  if (comment != std::string::npos && comment < end) end = comment;
  while (end > begin && (text[end - 1] == ' ' || text[end - 1] == '\t' || text[end - 1] == '\r')) --end;
  std::vector<size_t> out = {end};
  const size_t flow = text.find_first_of(",]}", begin);
  if (flow != std::string::npos && flow < end) {
    size_t f = flow;
    while (f > begin && text[f - 1] == ' ') --f;
    out.push_back(f);
  }
  return out;
}

}  // namespace

Override parse_override(const std::string& spec, const std::string& default_file) {
  const size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0) throw Error(Exit::kUsage, "-S " + spec + ": no '='" + kForms);
  std::string target = trim(spec.substr(0, eq));
  const std::string value = trim(spec.substr(eq + 1));
  Override o;
  o.spec = spec;
  o.file = default_file;
  o.key = target;
  if (const size_t colon = target.rfind(':'); colon != std::string::npos) {
    o.file = target.substr(0, colon);
    o.key = target.substr(colon + 1);
  }
  if (o.key.empty() || o.file.empty() || o.key.front() == '.' || o.key.back() == '.' ||
      o.key.find("..") != std::string::npos)
    throw Error(Exit::kUsage, "-S " + spec + ": '" + target + "' is not a params key" + kForms);
  if (o.key.front() == '+' || o.key.front() == '~')
    throw Error(Exit::kUsage, "-S " + spec + ": adding (+) or removing (~) params is not supported; -S changes "
                                             "params the file has");
  if (value.rfind("range(", 0) == 0 && value.back() == ')') {
    o.values = range_values(spec, value.substr(6, value.size() - 7));
  } else if (value.rfind("choice(", 0) == 0 && value.back() == ')') {
    o.values = split_values(value.substr(7, value.size() - 8));
  } else {
    o.values = split_values(value);
  }
  for (std::string& v : o.values) {
    // 'a,b' quoted keeps its comma: the quotes only group.
    if (v.size() >= 2 && (v.front() == '\'' || v.front() == '"') && v.back() == v.front()) v = v.substr(1, v.size() - 2);
    if (v.empty()) throw Error(Exit::kUsage, "-S " + spec + ": an empty value" + kForms);
  }
  return o;
}

std::vector<OverrideSet> expand_overrides(const std::vector<Override>& overrides, size_t limit) {
  std::vector<OverrideSet> out = {{}};
  for (const Override& o : overrides) {
    if (out.size() * o.values.size() > limit)
      throw Error(Exit::kUsage, "the sweep makes more than " + std::to_string(limit) + " experiments");
    std::vector<OverrideSet> next;
    for (const OverrideSet& set : out)
      for (const std::string& v : o.values) {
        OverrideSet s = set;
        s.emplace_back(&o, v);
        next.push_back(std::move(s));
      }
    out = std::move(next);
  }
  return out;
}

std::string apply_override(const std::string& file, const std::string& text, const std::string& key,
                           const std::string& value) {
  const Value doc = parse_document(file, text);
  // JSON is read through the YAML parser here too: it gives every value its
  // place in the text.
  const bool toml = file.size() > 5 && file.compare(file.size() - 5, 5, ".toml") == 0;
  const Value placed = toml ? doc : parse_yaml(file, text);
  const Value* target = find_path(placed, key);
  if (!target) throw Error(Exit::kBadPipeline, file + ": has no '" + key + "' to set (-S changes params the file has)");
  if (!target->is_scalar())
    throw Error(Exit::kBadPipeline, located(file, target->mark(), "'" + key + "' is a " + target->kind_name() +
                                                                      "; -S sets single values"));
  // What the file must read as afterwards: the same, but this value.
  Value expected = doc;
  const Value typed_holder = parse_yaml("-S", "v: " + yaml_scalar(value) + "\n");
  // The same value already: the file stays as it is, byte for byte.
  if (*find_path(expected, key) == *typed_holder.find("v")) return text;
  *find_path(expected, key) = *typed_holder.find("v");
  const size_t begin = offset_of(text, target->mark().line, target->mark().col);
  // A string keeps the quotes its value had; JSON and TOML strings need them.
  const bool json = file.size() > 5 && file.compare(file.size() - 5, 5, ".json") == 0;
  const char quote = begin < text.size() && (text[begin] == '"' || text[begin] == '\'') ? text[begin] : 0;
  std::string written = yaml_scalar(value);
  if (typed_holder.find("v")->is_string() && (json || toml || quote)) {
    const char q = quote ? quote : '"';
    written = std::string(1, q);
    for (char c : value) {
      if (q == '"' && (c == '"' || c == '\\')) written += '\\';
      if (q == '\'' && c == '\'') written += '\'';
      written += c;
    }
    written += q;
  }
  for (size_t end : scalar_ends(text, begin)) {
    std::string edited = text.substr(0, begin) + written + text.substr(end);
    try {
      if (parse_document(file, edited) == expected) return edited;
    } catch (const Error&) {
    }
  }
  throw Error(Exit::kBadPipeline, located(file, target->mark(), "cannot set '" + key + "' to " + value +
                                                                    " in place; edit the file, or write the value "
                                                                    "on a line of its own"));
}

}  // namespace pipeline
