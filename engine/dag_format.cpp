#include <fmt/format.h>

#include "graph.h"

namespace pipeline {

std::string dag_text(const Pipeline& p, const Graph& g, const std::vector<bool>& keep) {
  size_t width = 0;
  for (size_t i : g.order())
    if (keep[i]) width = std::max(width, p.stages[i].name.size());
  std::string out;
  for (size_t i : g.order()) {
    if (!keep[i]) continue;
    std::string ups;
    for (size_t u : g.upstream(i))
      if (keep[u]) ups += (ups.empty() ? "" : ", ") + p.stages[u].name;
    if (ups.empty()) out += fmt::format("{}\n", p.stages[i].name);
    else out += fmt::format("{:<{}}  <- {}\n", p.stages[i].name, width, ups);
  }
  return out;
}

namespace {

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string dag_dot(const Pipeline& p, const Graph& g, const std::vector<bool>& keep) {
  std::string out = "strict digraph {\n";
  for (size_t i : g.order())
    if (keep[i]) out += fmt::format("  {};\n", quoted(p.stages[i].name));
  for (size_t i : g.order()) {
    if (!keep[i]) continue;
    for (size_t u : g.upstream(i))
      if (keep[u]) out += fmt::format("  {} -> {};\n", quoted(p.stages[u].name), quoted(p.stages[i].name));
  }
  return out + "}\n";
}

std::string dag_mermaid(const Pipeline& p, const Graph& g, const std::vector<bool>& keep) {
  std::string out = "flowchart TD\n";
  for (size_t i : g.order())
    if (keep[i]) out += fmt::format("  node{}[{}]\n", i, quoted(p.stages[i].name));
  for (size_t i : g.order()) {
    if (!keep[i]) continue;
    for (size_t u : g.upstream(i))
      if (keep[u]) out += fmt::format("  node{} --> node{}\n", u, i);
  }
  return out;
}

}  // namespace pipeline
