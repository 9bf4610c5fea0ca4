#include <doctest/doctest.h>

#include "artifact.h"
#include "changes.h"
#include "fake_disk.h"
#include "params.h"
#include "pipeline.h"

using namespace pipeline;
using pipeline::testing::FakeDisk;

namespace {

struct Setup {
  FakeDisk disk;
  Pipeline p;
  LockedStage locked;

  Setup() {
    disk.write("in.csv", "a");
    disk.write("params.yaml", "lr: 0.1\nopt: {name: adam}\n");
    disk.write("out.bin", "o");
    p = parse_pipeline(disk, "pipe.yaml",
                       "stages:\n  s:\n    cmd: run\n    deps: [in.csv]\n    params: [lr, opt.name]\n    outs: [out.bin]\n");
    ArtifactHasher h(disk, nullptr);
    ParamsReader params(disk);
    locked.cmds = {"run"};
    locked.deps.push_back({"in.csv", h.hash("in.csv").digest, 1, false, 0});
    locked.params = current_params(p.stages[0], params);
    locked.outs.push_back({"out.bin", h.hash("out.bin").digest, 1, false, 0});
  }

  std::vector<Reason> changes() {
    ArtifactHasher h(disk, nullptr);
    ParamsReader params(disk);
    return stage_changes(p.stages[0], &locked, h, params);
  }
};

}  // namespace

TEST_CASE("an unchanged stage has no reasons") {
  Setup s;
  CHECK(s.changes().empty());
}

TEST_CASE("a stage with no lock entry has never run") {
  Setup s;
  ArtifactHasher h(s.disk, nullptr);
  ParamsReader params(s.disk);
  const auto r = stage_changes(s.p.stages[0], nullptr, h, params);
  REQUIRE(r.size() == 1);
  CHECK(r[0].kind == Reason::Kind::kNeverRun);
}

TEST_CASE("dep changes are told apart: modified, deleted, new, no longer declared") {
  Setup s;
  SUBCASE("modified") {
    s.disk.write("in.csv", "b");
    CHECK(s.changes()[0].describe() == "dep modified: in.csv");
  }
  SUBCASE("deleted") {
    s.disk.remove_all("in.csv");
    CHECK(s.changes()[0].kind == Reason::Kind::kDepDeleted);
  }
  SUBCASE("new and removed") {
    s.locked.deps[0].path = "old.csv";
    const auto r = s.changes();
    REQUIRE(r.size() == 2);
    CHECK(r[0].kind == Reason::Kind::kDepNew);
    CHECK(r[1].kind == Reason::Kind::kDepRemoved);
  }
}

TEST_CASE("param changes give old and new values") {
  Setup s;
  SUBCASE("modified") {
    s.disk.write("params.yaml", "lr: 0.2\nopt: {name: adam}\n");
    const auto r = s.changes();
    REQUIRE(r.size() == 1);
    CHECK(r[0].describe() == "param modified: lr (params.yaml) 0.1 -> 0.2");
  }
  SUBCASE("disappeared") {
    s.disk.write("params.yaml", "opt: {name: adam}\n");
    CHECK(s.changes()[0].kind == Reason::Kind::kParamDeleted);
  }
  SUBCASE("appeared") {
    s.locked.params["params.yaml"].erase("opt.name");
    CHECK(s.changes()[0].kind == Reason::Kind::kParamNew);
  }
  SUBCASE("an untracked param does not matter") {
    s.disk.write("params.yaml", "lr: 0.1\nopt: {name: adam, beta: 2}\nother: 5\n");
    CHECK(s.changes().empty());
  }
  SUBCASE("int and float are different values") {
    s.disk.write("params.yaml", "lr: 1\nopt: {name: adam}\n");
    s.locked.params["params.yaml"]["lr"] = Value::number(1.0);
    CHECK(s.changes().size() == 1);
  }
}

TEST_CASE("out changes and cmd changes are reasons") {
  Setup s;
  SUBCASE("out deleted") {
    s.disk.remove_all("out.bin");
    CHECK(s.changes()[0].kind == Reason::Kind::kOutDeleted);
  }
  SUBCASE("out modified") {
    s.disk.write("out.bin", "tampered");
    CHECK(s.changes()[0].kind == Reason::Kind::kOutModified);
  }
  SUBCASE("cmd") {
    s.locked.cmds = {"run --old"};
    CHECK(s.changes()[0].kind == Reason::Kind::kCmd);
  }
}

TEST_CASE("a newly tracked param that the file does not define is reported missing") {
  Setup s;
  s.p = parse_pipeline(s.disk, "pipe.yaml",
                       "stages:\n  s:\n    cmd: run\n    deps: [in.csv]\n    params: [lr, opt.name, nope]\n    outs: [out.bin]\n");
  const auto r = s.changes();
  REQUIRE(r.size() == 1);
  CHECK(r[0].describe() == "param missing: nope (params.yaml)");
}
