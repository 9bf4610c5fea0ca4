#include <doctest/doctest.h>

#include <cmath>

#include "fake_disk.h"
#include "document.h"
#include "lockfile.h"

using namespace pipeline;
using pipeline::testing::FakeDisk;

TEST_CASE("pipe.lock round-trips stages, artifacts and typed param values") {
  FakeDisk disk;
  LockFile lock;
  LockedStage s;
  s.cmds = {"echo \"a: b\"", "second"};
  s.deps.push_back({"data dir/x", Digest::of("x"), 12, true, 3});
  s.params["params.yaml"]["train.lr"] = Value::number(0.1);
  s.params["params.yaml"]["name"] = Value::string("true");
  s.params["params.yaml"]["layers"] = Value::list();
  s.outs.push_back({"m.bin", Digest::of("m"), 1, false, 0});
  lock.stages["train@0"] = s;
  write_lock(disk, lock);
  const LockFile back = read_lock(disk);
  REQUIRE(back.stages.count("train@0"));
  const LockedStage& b = back.stages.at("train@0");
  CHECK(b.cmds == s.cmds);
  CHECK(b.deps[0].path == "data dir/x");
  CHECK(b.deps[0].is_dir);
  CHECK(b.deps[0].nfiles == 3);
  CHECK(b.deps[0].digest == Digest::of("x"));
  CHECK(b.params.at("params.yaml").at("name").kind() == Value::Kind::kString);
  CHECK(b.params.at("params.yaml").at("train.lr").canonical() == "0.1");
  CHECK(b.outs[0].size == 1);
  CHECK(render_lock(back) == render_lock(lock));
}

TEST_CASE("pipe.lock carries its schema version") {
  CHECK(render_lock({}).find("schema: 1\n") != std::string::npos);
  CHECK_THROWS_WITH_AS(parse_lock("schema: 3\nstages: {}\n"), doctest::Contains("upgrade pipe"), Error);
}

TEST_CASE("a missing pipe.lock is empty; a damaged one is a located error") {
  FakeDisk disk;
  CHECK(read_lock(disk).stages.empty());
  disk.write("pipe.lock", "schema: 1\nstages:\n  a:\n    cmd: x\n    deps:\n    - path: x\n      hash: nothex\n      size: 1\n");
  try {
    read_lock(disk);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("pipe.lock:7:") == 0);
    CHECK(std::string(e.what()).find("delete it") != std::string::npos);
  }
}

TEST_CASE("a lock file from a newer pipe is refused") {
  FakeDisk disk;
  disk.write("pipe.lock", "schema: 99\nstages: {}\n");
  CHECK_THROWS_WITH_AS(read_lock(disk), doctest::Contains("upgrade pipe"), Error);
}

TEST_CASE("infinite and NaN param values read back as the same floats") {
  FakeDisk disk;
  LockFile lock;
  lock.stages["s"].cmds = {"x"};
  lock.stages["s"].params["params.yaml"]["inf"] = Value::number(INFINITY);
  lock.stages["s"].params["params.yaml"]["ninf"] = Value::number(-INFINITY);
  lock.stages["s"].params["params.yaml"]["nan"] = Value::number(NAN);
  write_lock(disk, lock);
  const LockFile read = read_lock(disk);
  const auto& back = read.stages.at("s").params.at("params.yaml");
  CHECK(back.at("inf").canonical() == ".inf");
  CHECK(back.at("ninf").canonical() == "-.inf");
  CHECK(back.at("nan").canonical() == ".nan");
}

TEST_CASE("unparseable YAML in pipe.lock says how to recover; schema 0 is refused") {
  FakeDisk disk;
  disk.write("pipe.lock", "schema: [\n");
  CHECK_THROWS_WITH_AS(read_lock(disk), doctest::Contains("delete it"), Error);
  disk.write("pipe.lock", "schema: 0\n");
  CHECK_THROWS_WITH_AS(read_lock(disk), doctest::Contains("positive integer"), Error);
}

TEST_CASE("the fast reader reads back exactly what render_lock writes") {
  LockFile lock;
  LockedStage a;
  a.cmds = {"echo \"quoted\" \\ and\ttab", "second"};
  a.deps.push_back({"data dir/x", Digest::of("x"), 12, true, 3});
  a.deps.push_back({"f.csv", Digest::of("f"), 0, false, 0});
  a.params["params.yaml"]["train.lr"] = Value::number(0.1);
  a.params["params.yaml"]["name"] = Value::string("true");
  a.params["params.yaml"]["nested"] = parse_yaml("p", "{b: [1, 2.5, null, {c: x}], a: false}");
  a.params["empty.yaml"];
  a.outs.push_back({"m.bin", Digest::of("m"), 1, false, 0});
  lock.stages["train@0"] = a;
  LockedStage b;
  b.cmds = {"only"};
  lock.stages["b"] = b;
  const std::string text = render_lock(lock);
  LockFile fast;
  REQUIRE(parse_lock_fast(text, &fast));
  CHECK(render_lock(fast) == text);
  LockFile empty;
  CHECK(parse_lock_fast(render_lock({}), &empty));
  CHECK(empty.stages.empty());
}

TEST_CASE("the fast reader gives up on anything pipe did not write, and read_lock still reads it") {
  FakeDisk disk;
  const std::string edited =
      "schema: 1\nstages:\n  train:\n    cmd: python train.py\n    outs:\n      - path: m.bin\n"
      "        hash: \"" + Digest::of("m").hex() + "\"\n        size: 1\n";
  LockFile fast;
  CHECK_FALSE(parse_lock_fast(edited, &fast));
  disk.write("pipe.lock", edited);
  const LockFile slow = read_lock(disk);
  CHECK(slow.stages.at("train").cmds == std::vector<std::string>{"python train.py"});
  CHECK(slow.stages.at("train").outs.at(0).digest == Digest::of("m"));
  LockFile inf;
  LockedStage s;
  s.cmds = {"x"};
  s.params["p.yaml"]["k"] = Value::number(INFINITY);
  inf.stages["s"] = s;
  CHECK_FALSE(parse_lock_fast(render_lock(inf), &fast));
  CHECK_FALSE(parse_lock_fast("schema: 12\nstages: {}\n", &fast));
}

TEST_CASE("data adopted from DVC keeps DVC's md5; only such a lock is schema 2") {
  LockFile lock;
  LockedStage s;
  s.cmds = {"python train.py"};
  LockedArtifact proven{"data/prepared", Digest::of("p"), 8437363, true, 2};
  proven.md5 = "153aad06d376b6595932470e459ef42a.dir";
  LockedArtifact legacy{"data/data.xml", Digest::of("x"), 10};
  legacy.md5 = "a304afb96060aad90176268345e10355";
  legacy.md5_dos2unix = true;
  LockedArtifact pending{"model.pkl", {}, 0};
  pending.md5 = "f09ea0c15980b43010257ccb9f0055e2";
  pending.pending = true;
  s.deps = {legacy, proven};
  s.outs = {pending};
  lock.stages["train"] = s;
  const std::string text = render_lock(lock);
  CHECK(text.find("schema: 2\n") != std::string::npos);
  CHECK(text.find("      md5-dos2unix: \"a304afb96060aad90176268345e10355\"\n") != std::string::npos);
  CHECK(text.find("      md5: \"153aad06d376b6595932470e459ef42a.dir\"\n") != std::string::npos);
  for (bool fast : {true, false}) {
    CAPTURE(fast);
    LockFile back;
    if (fast) REQUIRE(parse_lock_fast(text, &back));
    else back = parse_lock(text + "# a comment makes the fast reader give up\nx: 1\n");
    const LockedStage& b = back.stages.at("train");
    CHECK(b.deps[0].md5_dos2unix);
    CHECK(b.deps[0].md5 == legacy.md5);
    CHECK_FALSE(b.deps[0].pending);
    CHECK(b.deps[1].is_dir);
    CHECK(b.deps[1].digest == Digest::of("p"));
    CHECK(b.outs[0].pending);
    CHECK(b.outs[0].md5 == pending.md5);
    CHECK(render_lock(back) == text);
  }
  // Without DVC's hashes the lock stays schema 1, as older pipes read it.
  lock.stages["train"].deps = {LockedArtifact{"x", Digest::of("x"), 1}};
  lock.stages["train"].outs.clear();
  CHECK(render_lock(lock).find("schema: 1\n") != std::string::npos);
}

TEST_CASE("a damaged DVC hash in pipe.lock is a located error") {
  const std::string head = "schema: 2\nstages:\n  s:\n    cmd: x\n    outs:\n    - path: m\n";
  CHECK_THROWS_WITH_AS(parse_lock(head + "      md5: \"nothex\"\n      size: 1\n"),
                       doctest::Contains("pipe.lock:7:12: DVC's md5 must be 32 hex digits"), Error);
  CHECK_THROWS_WITH_AS(parse_lock(head + "      size: 1\n"), doctest::Contains("'hash' must be 32 hex digits"),
                       Error);
  CHECK_THROWS_WITH_AS(parse_lock(head + "      md5: \"" + std::string(32, 'a') +
                                                   "\"\n      md5-dos2unix: \"" + std::string(32, 'a') + "\"\n      size: 1\n"),
                       doctest::Contains("cannot both be given"), Error);
}
