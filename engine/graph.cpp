// Boost.Graph stays in this file: the rest of the engine sees plain vectors.
#include "graph.h"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/depth_first_search.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "disk.h"
#include "paths.h"

namespace pipeline {
namespace {

using BoostGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
using Vertex = boost::graph_traits<BoostGraph>::vertex_descriptor;

struct CycleFound {
  std::vector<Vertex> path;
};

// Keeps the DFS stack so a back edge can be reported as the cycle it closes.
class CycleVisitor : public boost::default_dfs_visitor {
 public:
  explicit CycleVisitor(std::vector<Vertex>* stack) : stack_(stack) {}
  void discover_vertex(Vertex v, const BoostGraph&) { stack_->push_back(v); }
  void finish_vertex(Vertex, const BoostGraph&) { stack_->pop_back(); }
  void back_edge(boost::graph_traits<BoostGraph>::edge_descriptor e, const BoostGraph& g) {
    const Vertex target = boost::target(e, g);
    auto it = std::find(stack_->begin(), stack_->end(), target);
    CycleFound found{{it, stack_->end()}};
    found.path.push_back(target);
    throw found;
  }

 private:
  std::vector<Vertex>* stack_;
};

struct OutRef {
  size_t stage;
  const Output* out;
};

}  // namespace

Graph Graph::build(const Pipeline& p, Disk& disk) {
  // Faults are located in the file of the stage they concern.
  auto file_of = [&p](size_t i) -> const std::string& {
    return p.stages[i].file.empty() ? p.file : p.stages[i].file;
  };
  const size_t n = p.stages.size();
  // Outputs by path; sorted, so "everything under dir/" is a range.
  std::map<std::string, OutRef> outs;
  for (size_t i = 0; i < n; ++i) {
    for (const Output& o : p.stages[i].outs) {
      auto [it, fresh] = outs.emplace(o.path, OutRef{i, &o});
      if (!fresh) {
        const std::string& other = p.stages[it->second.stage].name;
        fail_pipeline(file_of(i), o.mark,
                      "output '" + o.path + "' of stage '" + p.stages[i].name + "' is also an output of stage '" +
                          other + "'; each path may be produced by one stage only");
      }
      if (!disk.resolves_inside_root(o.path))
        fail_pipeline(file_of(i), o.mark,
                      "output '" + o.path + "' of stage '" + p.stages[i].name +
                          "' resolves outside the project through a symlink; outputs must stay inside the project");
    }
  }
  // A pipeline file inside an output (DVC's StagePathAsOutputError): the
  // stage that writes the output would replace the file that defines
  // other stages. The walk does not read a file inside an output declared
  // by a file it read earlier, so this finds the ones declared later.
  for (const std::string& file : p.files)
    for (std::string parent = parent_path(file); !parent.empty(); parent = parent_path(parent)) {
      auto it = outs.find(parent);
      if (it == outs.end()) continue;
      const size_t owner = it->second.stage;
      fail_pipeline(file_of(owner), it->second.out->mark,
                    "pipeline file '" + file + "' is within output '" + parent + "' of stage '" +
                        p.stages[owner].name + "'; move the file out of the output, or declare the outputs "
                        "inside '" + parent + "' one by one");
    }

  // Overlap: an output inside another output directory.
  for (const auto& [path, ref] : outs) {
    for (std::string parent = parent_path(path); !parent.empty(); parent = parent_path(parent)) {
      auto it = outs.find(parent);
      if (it == outs.end()) continue;
      fail_pipeline(file_of(ref.stage), ref.out->mark,
                    "output '" + path + "' of stage '" + p.stages[ref.stage].name + "' lies inside output '" +
                        parent + "' of stage '" + p.stages[it->second.stage].name +
                        "'; outputs may not overlap");
    }
  }
  Graph g;
  g.up_.assign(n, {});
  g.down_.assign(n, {});
  BoostGraph bg(n);
  for (size_t i = 0; i < n; ++i) {
    const Stage& s = p.stages[i];
    std::set<size_t> producers;
    // A params file is a dep too, as in DVC: a stage that writes it runs first.
    for (const ParamRef& ref : s.params)
      for (std::string q = ref.file; !q.empty(); q = parent_path(q)) {
        auto it = outs.find(q);
        if (it != outs.end()) {
          producers.insert(it->second.stage);
          break;
        }
      }
    for (const Dep& d : s.deps) {
      // The dep is an output, or lies inside an output directory.
      for (std::string q = d.path; !q.empty(); q = parent_path(q)) {
        auto it = outs.find(q);
        if (it != outs.end()) {
          producers.insert(it->second.stage);
          break;
        }
      }
      // The dep is a directory holding outputs of other stages.
      const std::string prefix = d.path.empty() ? "" : d.path + "/";
      for (auto it = outs.lower_bound(prefix); it != outs.end() && it->first.compare(0, prefix.size(), prefix) == 0;
           ++it)
        producers.insert(it->second.stage);
    }
    if (producers.count(i))
      fail_pipeline(file_of(i), s.mark, "cycle: " + s.name + " -> " + s.name + " (a dep of stage '" + s.name +
                                      "' is, contains or lies inside one of its own outputs)");
    for (size_t up : producers) {
      g.up_[i].push_back(up);
      g.down_[up].push_back(i);
      boost::add_edge(up, i, bg);
    }
  }

  std::vector<Vertex> stack;
  try {
    boost::depth_first_search(bg, boost::visitor(CycleVisitor(&stack)));
  } catch (const CycleFound& c) {
    std::string text;
    for (Vertex v : c.path) text += (text.empty() ? "" : " -> ") + p.stages[v].name;
    fail_pipeline(file_of(c.path.front()), p.stages[c.path.front()].mark, "cycle: " + text + "; remove one of these dependencies");
  }
  // Kahn's algorithm, lowest index first: a valid order that also follows
  // the file's declaration order wherever the edges allow, so output is stable.
  std::vector<size_t> indegree(n, 0);
  for (size_t i = 0; i < n; ++i) indegree[i] = g.up_[i].size();
  std::set<size_t> ready;
  for (size_t i = 0; i < n; ++i)
    if (indegree[i] == 0) ready.insert(i);
  while (!ready.empty()) {
    const size_t i = *ready.begin();
    ready.erase(ready.begin());
    g.order_.push_back(i);
    for (size_t d : g.down_[i])
      if (--indegree[d] == 0) ready.insert(d);
  }
  return g;
}

namespace {

std::vector<bool> reachable(const std::vector<std::vector<size_t>>& edges, const std::vector<size_t>& from) {
  std::vector<bool> seen(edges.size(), false);
  std::vector<size_t> todo = from;
  while (!todo.empty()) {
    const size_t s = todo.back();
    todo.pop_back();
    if (seen[s]) continue;
    seen[s] = true;
    for (size_t next : edges[s]) todo.push_back(next);
  }
  return seen;
}

}  // namespace

std::vector<bool> Graph::ancestors(const std::vector<size_t>& from) const { return reachable(up_, from); }

std::vector<bool> Graph::descendants(const std::vector<size_t>& from) const { return reachable(down_, from); }

}  // namespace pipeline
