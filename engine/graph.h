// The stage DAG: stage B depends on stage A when a dep of B is an output of
// A, lies inside an output directory of A, or contains an output of A.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "pipeline.h"

namespace pipeline {

class Disk;

class Graph {
 public:
  // Validates and builds the graph. Throws Error(kBadPipeline) for cycles
  // ("a -> b -> a"), duplicate or overlapping outputs, and outputs that
  // resolve outside the project. Deps need not exist: a clone without its
  // data still has a graph, and `repro` checks the deps of what it runs.
  static Graph build(const Pipeline& pipeline, Disk& disk);

  size_t size() const { return up_.size(); }
  const std::vector<size_t>& upstream(size_t stage) const { return up_[stage]; }
  const std::vector<size_t>& downstream(size_t stage) const { return down_[stage]; }
  // Every stage after all of its upstream stages.
  const std::vector<size_t>& order() const { return order_; }

  // Stages reachable from `from` against (ancestors) or along (descendants)
  // the edges, `from` included.
  std::vector<bool> ancestors(const std::vector<size_t>& from) const;
  std::vector<bool> descendants(const std::vector<size_t>& from) const;

 private:
  std::vector<std::vector<size_t>> up_;
  std::vector<std::vector<size_t>> down_;
  std::vector<size_t> order_;
};

// Data tracked by a .pipe file: a source in the DAG, feeding the stages
// with a dep on it (or inside it, or holding it).
struct DataNode {
  std::string name;  // the .pipe file
  std::vector<size_t> consumers;
};
// `tracked`: (.pipe file, data path) pairs.
std::vector<DataNode> data_nodes(const Pipeline& p, const std::vector<std::pair<std::string, std::string>>& tracked);

// Renderings for `pipe dag`, limited to stages where `keep` is true; data
// nodes appear when a kept stage consumes them, or when all stages are kept.
// Stage names read as typed from folder `cwd` (see display_name).
std::string dag_text(const Pipeline& p, const Graph& g, const std::vector<bool>& keep,
                     const std::vector<DataNode>& data = {}, const std::string& cwd = "");
std::string dag_dot(const Pipeline& p, const Graph& g, const std::vector<bool>& keep,
                    const std::vector<DataNode>& data = {}, const std::string& cwd = "");
std::string dag_mermaid(const Pipeline& p, const Graph& g, const std::vector<bool>& keep,
                        const std::vector<DataNode>& data = {}, const std::string& cwd = "");

}  // namespace pipeline
