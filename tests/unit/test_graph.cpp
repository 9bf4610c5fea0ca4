#include <doctest/doctest.h>

#include "fake_disk.h"
#include "graph.h"
#include "pipeline.h"

using pipeline::Graph;
using pipeline::testing::FakeDisk;

namespace {

std::string error_of(FakeDisk& disk, const std::string& yaml) {
  try {
    Graph::build(pipeline::parse_pipeline(disk, "pipe.yaml", yaml), disk);
  } catch (const pipeline::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a dep on an output, inside an output dir, or containing an output is an edge") {
  FakeDisk disk;
  const auto p = pipeline::parse_pipeline(disk, "pipe.yaml",
                                          "stages:\n"
                                          "  a: {cmd: x, outs: [data]}\n"
                                          "  b: {cmd: x, deps: [data/train.csv], outs: [feat/f.csv]}\n"
                                          "  c: {cmd: x, deps: [feat], outs: [model]}\n"
                                          "  d: {cmd: x, deps: [model, data]}\n");
  const Graph g = Graph::build(p, disk);
  CHECK(g.upstream(1) == std::vector<size_t>{0});
  CHECK(g.upstream(2) == std::vector<size_t>{1});
  CHECK(g.upstream(3) == std::vector<size_t>{0, 2});
  CHECK(g.order() == std::vector<size_t>{0, 1, 2, 3});
  const auto anc = g.ancestors({2});
  CHECK(anc == std::vector<bool>{true, true, true, false});
  const auto desc = g.descendants({1});
  CHECK(desc == std::vector<bool>{false, true, true, true});
}

TEST_CASE("order follows declaration order where edges allow") {
  FakeDisk disk;
  const auto p = pipeline::parse_pipeline(disk, "pipe.yaml",
                                          "stages:\n  late: {cmd: x, deps: [o1]}\n  early: {cmd: x, outs: [o1]}\n"
                                          "  free: {cmd: x}\n");
  CHECK(Graph::build(p, disk).order() == std::vector<size_t>{1, 0, 2});
}

TEST_CASE("a cycle is reported as a path") {
  FakeDisk disk;
  const std::string msg = error_of(disk,
                                   "stages:\n  a: {cmd: x, deps: [b.out], outs: [a.out]}\n"
                                   "  b: {cmd: x, deps: [a.out], outs: [b.out]}\n");
  CHECK(msg.find("cycle: a -> b -> a") != std::string::npos);
}

TEST_CASE("a stage that depends on its own output is a cycle") {
  FakeDisk disk;
  CHECK(error_of(disk, "stages:\n  a: {cmd: x, deps: [o], outs: [o]}\n").find("cycle: a -> a") != std::string::npos);
}

TEST_CASE("two stages writing the same output is an error naming both") {
  FakeDisk disk;
  const std::string msg = error_of(disk, "stages:\n  a: {cmd: x, outs: [o]}\n  b: {cmd: y, outs: [o]}\n");
  CHECK(msg.find("also an output of stage 'a'") != std::string::npos);
  CHECK(msg.find("pipe.yaml:3:") == 0);
}

TEST_CASE("overlapping outputs are an error") {
  FakeDisk disk;
  const std::string msg = error_of(disk, "stages:\n  a: {cmd: x, outs: [data]}\n  b: {cmd: y, outs: [data/x.csv]}\n");
  CHECK(msg.find("lies inside output 'data'") != std::string::npos);
}

TEST_CASE("an output through a symlink that leaves the project is an error") {
  FakeDisk disk;
  disk.add_escaping_link("link");
  CHECK(error_of(disk, "stages:\n  a: {cmd: x, outs: [link/x]}\n").find("outside the project") != std::string::npos);
}

TEST_CASE("a dep that neither exists nor is produced still gives a graph, as after a clone without data") {
  FakeDisk disk;
  CHECK(error_of(disk, "stages:\n  a: {cmd: x, deps: [nope.csv], outs: [o]}\n  b: {cmd: y, deps: [o]}\n").empty());
  const auto p = pipeline::parse_pipeline(disk, "pipe.yaml", "stages:\n  a: {cmd: x, deps: [nope.csv], outs: [o]}\n  b: {cmd: y, deps: [o]}\n");
  CHECK(Graph::build(p, disk).upstream(1) == std::vector<size_t>{0});
}

TEST_CASE("dag renderings list stages and edges") {
  FakeDisk disk;
  const auto p = pipeline::parse_pipeline(disk, "pipe.yaml", "stages:\n  a: {cmd: x, outs: [o]}\n  b: {cmd: y, deps: [o]}\n");
  const Graph g = Graph::build(p, disk);
  const std::vector<bool> all(2, true);
  CHECK(pipeline::dag_text(p, g, all) == "a\nb  <- a\n");
  CHECK(pipeline::dag_dot(p, g, all).find("\"a\" -> \"b\";") != std::string::npos);
  CHECK(pipeline::dag_mermaid(p, g, all).find("node0 --> node1") != std::string::npos);
}

TEST_CASE("a wdir that does not exist yet is not an error") {
  FakeDisk disk;
  CHECK(error_of(disk, "stages:\n  a: {cmd: x, wdir: nope}\n").empty());
}

TEST_CASE("a stage whose params file another stage writes runs after it") {
  pipeline::testing::FakeDisk disk;
  const pipeline::Pipeline p = pipeline::parse_pipeline(
      disk, "pipe.yaml",
      "stages:\n  tune:\n    cmd: t\n    outs: [tuned/best.yaml]\n"
      "  train:\n    cmd: x\n    params:\n      - tuned/best.yaml:\n        - lr\n");
  const pipeline::Graph g = pipeline::Graph::build(p, disk);
  CHECK(g.upstream(1) == std::vector<size_t>{0});
}

TEST_CASE("a pipeline file inside an output declared by a file read after it is an error at that output") {
  FakeDisk disk;
  disk.write("b/pipe.yaml", "stages:\n  inner: {cmd: x, outs: [o]}\n");
  disk.write("z/pipe.yaml", "stages:\n  writer:\n    cmd: y\n    outs: [../b]\n");
  try {
    Graph::build(pipeline::load_pipeline(disk), disk);
    FAIL("no error");
  } catch (const pipeline::Error& e) {
    const std::string msg = e.what();
    INFO(msg);
    CHECK(msg.find("z/pipe.yaml:4:") == 0);
    CHECK(msg.find("pipeline file 'b/pipe.yaml' is within output 'b' of stage 'z/pipe.yaml:writer'") !=
          std::string::npos);
  }
}

TEST_CASE("a pipeline file inside an output of a parent folder's file is not read, as in DVC") {
  FakeDisk disk;
  disk.write("pipe.yaml", "stages:\n  writer: {cmd: y, outs: [gen]}\n");
  disk.write("gen/pipe.yaml", "stages:\n  made: {cmd: x}\n");
  const auto p = pipeline::load_pipeline(disk);
  CHECK(p.stages.size() == 1);
  CHECK_NOTHROW(Graph::build(p, disk));
}
