#include "gates.h"

#include <cmath>
#include <cstdlib>
#include <regex>
#include <set>

#include "ssl_digests.h"
#include "value.h"

namespace pipeline {
namespace {

const char* const kGateForm =
    "; a gate is METRIC OP VALUE with OP one of >=, <=, >, <, ==, != and VALUE a number or STAGE.METRIC "
    "[+|- NUMBER] (e.g. 'accuracy >= 0.85', 'f1 >= production.f1 - 0.01'), or clean_tree";

bool parse_number(const std::string& s, double* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && std::isfinite(*out);
}

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t") - a + 1);
}

std::string format_number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

Gate parse_gate(const std::string& file, const Value& item, const std::set<std::string>& stages) {
  if (!item.is_string()) fail_pipeline(file, item.mark(), "a gate must be a string" + std::string(kGateForm));
  Gate g;
  g.text = trim(item.as_string());
  g.mark = item.mark();
  auto bad = [&](const std::string& why) {
    fail_pipeline(file, item.mark(), "gate '" + g.text + "': " + why + kGateForm);
  };
  if (g.text == "clean_tree") {
    g.clean_tree = true;
    return g;
  }
  static const std::regex form(R"(^([A-Za-z0-9_./:-]+)\s*(>=|<=|==|!=|>|<)\s*(.+)$)");
  std::smatch m;
  if (!std::regex_match(g.text, m, form)) bad("cannot read it");
  g.metric = m[1];
  g.op = m[2];
  const std::string rhs = trim(m[3]);
  if (rhs.find_first_of("<>=!") == 0) bad("'" + g.op + rhs.substr(0, 1) + "' is not a comparison");
  if (parse_number(rhs, &g.number)) return g;
  static const std::regex ref(R"(^([A-Za-z0-9_-]+)\.([A-Za-z0-9_./:-]+?)\s*(?:([+-])\s*([0-9.eE+-]+))?$)");
  if (!std::regex_match(rhs, m, ref)) bad("'" + rhs + "' is neither a number nor STAGE.METRIC");
  g.ref_stage = m[1];
  g.ref_metric = m[2];
  if (!stages.count(g.ref_stage)) {
    std::string known;
    for (const std::string& s : stages) known += (known.empty() ? "" : ", ") + s;
    bad("'" + g.ref_stage + "' is not a stage with gates here (" + known + ")");
  }
  if (m[3].matched) {
    if (!parse_number(m[4], &g.offset)) bad("'" + std::string(m[4]) + "' is not a number");
    if (m[3] == "-") g.offset = -g.offset;
  }
  return g;
}

bool compare(double a, const std::string& op, double b) {
  if (op == ">=") return a >= b;
  if (op == "<=") return a <= b;
  if (op == ">") return a > b;
  if (op == "<") return a < b;
  if (op == "==") return a == b;
  return a != b;
}

}  // namespace

std::vector<StageGates> parse_gates(const std::string& file, const Value& gates) {
  if (!gates.is_map())
    fail_pipeline(file, gates.mark(), "'gates' maps a stage (staging, production, ...) to a list of gates");
  std::set<std::string> stages;
  for (const auto& [stage, list] : gates.entries()) stages.insert(stage);
  std::vector<StageGates> out;
  for (size_t i = 0; i < gates.entries().size(); ++i) {
    const auto& [stage, list] = gates.entries()[i];
    if (stage.empty() || stage.find_first_of("@/ .") != std::string::npos)
      fail_pipeline(file, gates.key_mark(i), "stage name '" + stage + "' may not contain '@', '/', '.' or spaces");
    StageGates sg{stage, {}};
    if (list.is_string()) sg.gates.push_back(parse_gate(file, list, stages));
    else if (list.is_list())
      for (const Value& item : list.items()) sg.gates.push_back(parse_gate(file, item, stages));
    else if (!list.is_null())
      fail_pipeline(file, list.mark(), "the gates of stage '" + stage + "' must be a list of gates" + kGateForm);
    out.push_back(std::move(sg));
  }
  return out;
}

std::string policy_digest(const std::vector<StageGates>& gates) {
  if (gates.empty()) return "";
  Value v = Value::map();
  for (const StageGates& sg : gates) {
    Value list = Value::list();
    for (const Gate& g : sg.gates) list.push(Value::string(g.text));
    v.set(sg.stage, list);
  }
  return sha256_hex(v.canonical());
}

bool find_metric(const std::vector<LineageValue>& metrics, const std::string& name, double* value, std::string* why) {
  const LineageValue* found = nullptr;
  std::vector<std::string> files;
  std::set<std::string> known;
  for (const LineageValue& m : metrics) {
    known.insert(m.key);
    if (m.file + ":" + m.key == name) {
      found = &m;
      files = {m.file};
      break;
    }
    if (m.key == name) {
      found = &m;
      files.push_back(m.file);
    }
  }
  if (!found) {
    std::string list;
    for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
    *why = "the version has no metric '" + name + "'" + (list.empty() ? " (it has no metrics)" : " (it has: " + list + ")");
    return false;
  }
  if (files.size() > 1) {
    *why = "metric '" + name + "' is in several files (" + files[0] + ", " + files[1] + "); write FILE:KEY, e.g. '" +
           files[0] + ":" + name + "'";
    return false;
  }
  if (!parse_number(found->value, value)) {
    *why = "metric '" + name + "' is " + found->value + ", not a number";
    return false;
  }
  return true;
}

std::vector<GateResult> evaluate_gates(const std::vector<Gate>& gates, const GateSubject& subject) {
  std::vector<GateResult> out;
  for (const Gate& g : gates) {
    GateResult r{g.text, false, ""};
    if (g.clean_tree) {
      r.passed = subject.clean_tree;
      r.detail = subject.clean_tree ? "made from a clean git tree" : "made from a git tree with uncommitted changes";
      out.push_back(r);
      continue;
    }
    double value = 0, bound = g.number;
    std::string why;
    if (!find_metric(subject.metrics, g.metric, &value, &why)) {
      r.detail = why;
      out.push_back(r);
      continue;
    }
    std::string against = format_number(g.number);
    if (!g.ref_stage.empty()) {
      const std::vector<LineageValue>* holder = subject.holder_metrics ? subject.holder_metrics(g.ref_stage) : nullptr;
      if (!holder) {
        r.passed = true;
        r.detail = "no version holds " + g.ref_stage + " yet: nothing to compare with";
        out.push_back(r);
        continue;
      }
      double held = 0;
      if (!find_metric(*holder, g.ref_metric, &held, &why)) {
        r.detail = "the " + g.ref_stage + " holder: " + why;
        out.push_back(r);
        continue;
      }
      bound = held + g.offset;
      against = format_number(bound) + " (" + g.ref_stage + " " + format_number(held) + ")";
    }
    r.passed = compare(value, g.op, bound);
    r.detail = g.metric + " " + format_number(value) + " " + g.op + " " + against;
    out.push_back(r);
  }
  return out;
}

}  // namespace pipeline
