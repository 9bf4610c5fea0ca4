#include <fmt/format.h>

#include <algorithm>

#include "graph.h"
#include "paths.h"
#include "pipeline.h"
#include "targets.h"

namespace pipeline {
namespace {

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

bool all_kept(const std::vector<bool>& keep) { return std::all_of(keep.begin(), keep.end(), [](bool k) { return k; }); }

bool shown(const DataNode& d, const std::vector<bool>& keep) {
  if (all_kept(keep)) return true;
  return std::any_of(d.consumers.begin(), d.consumers.end(), [&](size_t c) { return keep[c]; });
}

// Every stage's name as typed from `cwd`.
std::vector<std::string> stage_names(const Pipeline& p, const std::string& cwd) {
  std::vector<std::string> out;
  for (const Stage& s : p.stages) out.push_back(display_name(s, cwd));
  return out;
}

// Upstream names of stage i: data nodes first, then stages.
std::vector<std::string> upstream_names(const std::vector<std::string>& names, const Graph& g,
                                        const std::vector<bool>& keep, const std::vector<DataNode>& data, size_t i) {
  std::vector<std::string> out;
  for (const DataNode& d : data)
    if (std::find(d.consumers.begin(), d.consumers.end(), i) != d.consumers.end()) out.push_back(d.name);
  for (size_t u : g.upstream(i))
    if (keep[u]) out.push_back(names[u]);
  return out;
}

}  // namespace

std::vector<DataNode> data_nodes(const Pipeline& p, const std::vector<std::pair<std::string, std::string>>& tracked) {
  std::vector<DataNode> out;
  for (const auto& [file, data] : tracked) {
    DataNode node{file, {}};
    for (size_t i = 0; i < p.stages.size(); ++i)
      for (const Dep& d : p.stages[i].deps)
        if (path_within(data, d.path) || path_within(d.path, data)) {
          node.consumers.push_back(i);
          break;
        }
    out.push_back(std::move(node));
  }
  return out;
}

std::string dag_text(const Pipeline& p, const Graph& g, const std::vector<bool>& keep,
                     const std::vector<DataNode>& data, const std::string& cwd) {
  const std::vector<std::string> names = stage_names(p, cwd);
  size_t width = 0;
  for (size_t i : g.order())
    if (keep[i]) width = std::max(width, names[i].size());
  std::string out;
  for (const DataNode& d : data)
    if (shown(d, keep)) out += d.name + "\n";
  for (size_t i : g.order()) {
    if (!keep[i]) continue;
    std::string ups;
    for (const std::string& u : upstream_names(names, g, keep, data, i)) ups += (ups.empty() ? "" : ", ") + u;
    if (ups.empty()) out += fmt::format("{}\n", names[i]);
    else out += fmt::format("{:<{}}  <- {}\n", names[i], width, ups);
  }
  return out;
}

std::string dag_dot(const Pipeline& p, const Graph& g, const std::vector<bool>& keep,
                    const std::vector<DataNode>& data, const std::string& cwd) {
  const std::vector<std::string> names = stage_names(p, cwd);
  std::string out = "strict digraph {\n";
  for (const DataNode& d : data)
    if (shown(d, keep)) out += fmt::format("  {} [shape=note];\n", quoted(d.name));
  for (size_t i : g.order())
    if (keep[i]) out += fmt::format("  {};\n", quoted(names[i]));
  for (size_t i : g.order()) {
    if (!keep[i]) continue;
    for (const std::string& u : upstream_names(names, g, keep, data, i))
      out += fmt::format("  {} -> {};\n", quoted(u), quoted(names[i]));
  }
  return out + "}\n";
}

std::string dag_mermaid(const Pipeline& p, const Graph& g, const std::vector<bool>& keep,
                        const std::vector<DataNode>& data, const std::string& cwd) {
  const std::vector<std::string> names = stage_names(p, cwd);
  std::string out = "flowchart TD\n";
  for (size_t k = 0; k < data.size(); ++k)
    if (shown(data[k], keep)) out += fmt::format("  data{}[/{}/]\n", k, quoted(data[k].name));
  for (size_t i : g.order())
    if (keep[i]) out += fmt::format("  node{}[{}]\n", i, quoted(names[i]));
  for (size_t i : g.order()) {
    if (!keep[i]) continue;
    for (size_t k = 0; k < data.size(); ++k)
      if (std::find(data[k].consumers.begin(), data[k].consumers.end(), i) != data[k].consumers.end())
        out += fmt::format("  data{} --> node{}\n", k, i);
    for (size_t u : g.upstream(i))
      if (keep[u]) out += fmt::format("  node{} --> node{}\n", u, i);
  }
  return out;
}

}  // namespace pipeline
