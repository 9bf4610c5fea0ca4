#include <doctest/doctest.h>

#include "fake_disk.h"
#include "lock_set.h"
#include "pipeline.h"

using namespace pipeline;
using pipeline::testing::FakeDisk;

namespace {

Stage stage_of(const std::string& file, const std::string& local) {
  Stage s;
  s.file = file;
  s.local = local;
  s.name = stage_address(file, local);
  return s;
}

LockedStage entry(const std::string& dep, const std::string& out, const std::string& params_file) {
  LockedStage e;
  e.cmds = {"run"};
  e.deps.push_back({dep, Digest{}, 1, false, 0, false});
  e.outs.push_back({out, Digest{}, 2, false, 0, false});
  e.params[params_file]["lr"] = Value::string("x");
  return e;
}

}  // namespace

TEST_CASE("a stage of a subfolder's file is locked beside that file, with paths from its folder") {
  FakeDisk disk;
  LockSet locks(disk, {"pipe.yaml", "train/dvc.yaml"});
  locks.set(stage_of("train/dvc.yaml", "fit"), entry("data/raw", "train/model.bin", "train/params.yaml"));
  locks.set(stage_of("pipe.yaml", "report"), entry("train/model.bin", "report.txt", "params.yaml"));
  locks.flush(disk);
  const std::string text = disk.content("train/pipe.lock");
  CHECK(text.find("\"fit\":") != std::string::npos);
  CHECK(text.find("path: \"../data/raw\"") != std::string::npos);
  CHECK(text.find("path: \"model.bin\"") != std::string::npos);
  CHECK(text.find("\"params.yaml\":") != std::string::npos);
  CHECK(disk.content("pipe.lock").find("\"report\":") != std::string::npos);
  CHECK(disk.content("pipe.lock").find("fit") == std::string::npos);

  // Read back as one lock: addresses and project-relative paths again.
  const LockSet back(disk, {"pipe.yaml", "train/dvc.yaml"});
  const LockedStage* fit = back.find("train/dvc.yaml:fit");
  REQUIRE(fit);
  CHECK(fit->deps.at(0).path == "data/raw");
  CHECK(fit->outs.at(0).path == "train/model.bin");
  CHECK(fit->params.count("train/params.yaml") == 1);
  REQUIRE(back.find("report"));
  CHECK(back.merged().stages.size() == 2);
}

TEST_CASE("flush rewrites only the locks of files whose stages were set, and absolute deps stay absolute") {
  FakeDisk disk;
  LockSet locks(disk, {"a/pipe.yaml", "b/pipe.yaml"});
  locks.set(stage_of("a/pipe.yaml", "s"), entry("/mnt/shared/x", "a/o", "a/params.yaml"));
  locks.flush(disk);
  CHECK(disk.atomic_writes == 1);
  CHECK(disk.has("a/pipe.lock"));
  CHECK_FALSE(disk.has("b/pipe.lock"));
  CHECK(disk.content("a/pipe.lock").find("path: \"/mnt/shared/x\"") != std::string::npos);
  locks.flush(disk);
  CHECK(disk.atomic_writes == 1);  // nothing new to write
}

TEST_CASE("a lock path that climbs out of the project is refused, naming the lock") {
  FakeDisk disk;
  disk.write("sub/pipe.lock",
             "schema: 1\nstages:\n  s:\n    cmd: x\n    deps:\n    - path: ../../etc/passwd\n      hash: "
             "\"00000000000000000000000000000000\"\n      size: 1\n");
  CHECK_THROWS_WITH_AS(LockSet(disk, {"sub/pipe.yaml"}), doctest::Contains("sub/pipe.lock"), Error);
}

TEST_CASE("the root's pipe.lock is read even with no pipeline file at the root") {
  FakeDisk disk;
  disk.write("pipe.lock", "schema: 1\nstages:\n  old:\n    cmd: x\n");
  const LockSet locks(disk, {"sub/pipe.yaml"});
  CHECK(locks.find("old"));
}

TEST_CASE("a dep by URL is written to a subfolder's lock as it is") {
  FakeDisk disk;
  LockSet locks(disk, {"sub/pipe.yaml"});
  locks.set(stage_of("sub/pipe.yaml", "s"), entry("s3://bucket/k", "sub/o", "sub/params.yaml"));
  locks.flush(disk);
  CHECK(disk.content("sub/pipe.lock").find("path: \"s3://bucket/k\"") != std::string::npos);
  CHECK(LockSet(disk, {"sub/pipe.yaml"}).find("sub/pipe.yaml:s")->deps.at(0).path == "s3://bucket/k");
}

TEST_CASE("every path of the root's pipe.lock is checked too, with the location of the bad one") {
  FakeDisk disk;
  const std::string head = "schema: 1\nstages:\n  s:\n    cmd: x\n    outs:\n    - path: ";
  const std::string tail = "\n      hash: \"00000000000000000000000000000000\"\n      size: 1\n";
  disk.write("pipe.lock", head + "\"../../victim\"" + tail);
  CHECK_THROWS_WITH_AS(LockSet(disk, {"pipe.yaml"}), doctest::Contains("pipe.lock:6:13: stage 's': path '../../victim'"),
                       Error);
  disk.write("pipe.lock", head + "/etc/passwd" + tail);
  CHECK_THROWS_WITH_AS(LockSet(disk, {"pipe.yaml"}), doctest::Contains("absolute paths are not allowed"), Error);
  disk.write("pipe.lock", head + "\".\"" + tail);
  CHECK_THROWS_WITH_AS(LockSet(disk, {"pipe.yaml"}), doctest::Contains("the project root itself"), Error);
  disk.write("pipe.lock", head + "out/model.pkl" + tail);
  CHECK(LockSet(disk, {"pipe.yaml"}).find("s")->outs.at(0).path == "out/model.pkl");
}
