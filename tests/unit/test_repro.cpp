#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "fake_disk.h"
#include "fake_project.h"
#include "fake_runner.h"
#include "fake_urls.h"
#include "faulty_file_system.h"
#include "lockfile.h"
#include "project.h"
#include "repro.h"
#include "targets.h"
#include "workspace.h"
#include "workspace_files.h"
#include "error.h"
#include "temp_project.h"

using namespace pipeline;
using pipeline::testing::FakeDisk;
using pipeline::testing::FakeRunner;

namespace {

using QuietReporter = pipeline::testing::RecordingReporter;

// prepare -> train -> evaluate, plus an independent report stage.
// Each stage writes its outputs from its inputs, so contents flow downstream.
struct Fixture {
  std::unique_ptr<pipeline::testing::WorkspaceFiles> files;  // outlives the project
  pipeline::testing::WorkspaceFiles* disk;
  Project project;
  FakeRunner runner;
  QuietReporter reporter;
  std::atomic<bool> interrupted{false};

  Fixture() {
    files = pipeline::testing::real_project(project);
    disk = files.get();
    disk->write("data.csv", "1,2,3");
    disk->write("params.yaml", "prepare:\n  scale: 2\ntrain:\n  lr: 0.1\n");
    disk->write("pipe.yaml",
                "stages:\n"
                "  prepare:\n    cmd: prep ${prepare.scale}\n    deps: [data.csv]\n    params: [prepare.scale]\n"
                "    outs: [prepared]\n"
                "  train:\n    cmd: train\n    deps: [prepared]\n    params: [train.lr]\n    outs: [model.bin]\n"
                "  evaluate:\n    cmd: eval\n    deps: [model.bin]\n    metrics: [{metrics.json: {cache: false}}]\n"
                "  report:\n    cmd: report\n    deps: [data.csv]\n    outs: [report.txt]\n");
    runner.action = [this](const Job& job) {
      const std::string& s = job.stage;
      locked_at_start[s] = read_lock(*project.disk).stages.size();
      if (s == "prepare") disk->write("prepared/x.csv", disk->content("data.csv") + "|" + disk->content("params.yaml").substr(0, 20));
      if (s == "train") disk->write("model.bin", "model of " + disk->content("prepared/x.csv") + " lr " + disk->content("params.yaml"));
      if (s == "evaluate") disk->write("metrics.json", "{\"acc\": 1}");
      if (s == "report") disk->write("report.txt", "report");
      return 0;
    };
  }

  std::vector<std::string> run(ReproOptions options = {}) {
    runner.ran.clear();
    reporter = QuietReporter();
    if (options.jobs == 0) options.jobs = 1;
    // Each run is a new command: it loads the workspace afresh.
    Workspace ws = load_workspace(project);
    last = repro(ws, options, runner, reporter, interrupted);
    return runner.ran;
  }

  ReproSummary last;
  std::map<std::string, size_t> locked_at_start;  // stages pipe.lock held as each began
};

using Names = std::vector<std::string>;

}  // namespace

TEST_CASE("a first run runs every stage in dependency order; a second runs nothing") {
  Fixture f;
  CHECK(f.run() == Names{"prepare", "train", "evaluate", "report"});
  CHECK(f.last.exit() == Exit::kOk);
  CHECK(f.run().empty());
  CHECK(f.last.up_to_date == 4);
}

TEST_CASE("pipe.lock is rewritten atomically after every finished stage") {
  Fixture f;
  f.run();
  // Run in order prepare, train, evaluate, report: each found the stages
  // before it already recorded.
  CHECK(f.locked_at_start == std::map<std::string, size_t>{{"prepare", 0}, {"train", 1}, {"evaluate", 2}, {"report", 3}});
  const LockFile lock = read_lock(*f.project.disk);
  CHECK(lock.stages.size() == 4);
  CHECK(lock.stages.at("prepare").params.at("params.yaml").at("prepare.scale").as_int() == 2);
  CHECK(lock.stages.at("prepare").outs.at(0).is_dir);
}

TEST_CASE("a param change reruns exactly the stages that depend on it") {
  Fixture f;
  f.run();
  f.disk->write("params.yaml", "prepare:\n  scale: 2\ntrain:\n  lr: 0.2\n");
  CHECK(f.run() == Names{"train", "evaluate"});
  const auto& r = f.reporter.reasons.at("train");
  REQUIRE(r.size() == 1);
  CHECK(r[0].kind == Reason::Kind::kParamModified);
  CHECK(r[0].old_value == "0.1");
  CHECK(r[0].new_value == "0.2");
}

TEST_CASE("reformatting params.yaml changes nothing") {
  Fixture f;
  f.run();
  f.disk->write("params.yaml", "train: {lr: 0.10}\nprepare:\n    scale: 2   # comment\n");
  CHECK(f.run().empty());
}

TEST_CASE("touching a dep without changing it reruns nothing") {
  Fixture f;
  f.run();
  f.disk->tick(10);
  f.disk->touch("data.csv");
  CHECK(f.run().empty());
}

TEST_CASE("a rerun stage with byte-identical outputs does not rerun its dependents") {
  Fixture f;
  f.run();
  // The cmd changes but prepare writes the same bytes, so train is untouched.
  std::string y = f.disk->content("pipe.yaml");
  y.replace(y.find("prep "), 5, "prep  ");
  f.disk->write("pipe.yaml", y);
  CHECK(f.run() == Names{"prepare"});
}

TEST_CASE("a changed cmd, a deleted output and a modified output each rerun their stage") {
  Fixture f;
  f.run();
  SUBCASE("cmd") {
    std::string y = f.disk->content("pipe.yaml");
    y.replace(y.find("cmd: report"), 11, "cmd: report2");
    f.disk->write("pipe.yaml", y);
    CHECK(f.run() == Names{"report"});
    CHECK(f.reporter.reasons.at("report")[0].kind == Reason::Kind::kCmd);
  }
  SUBCASE("deleted output") {
    // The run-cache has it: restored, as DVC does, without running.
    f.disk->remove_all("report.txt");
    CHECK(f.run().empty());
    CHECK(f.last.restored == 1);
    CHECK(f.disk->content("report.txt") == "report");
    // Without it, the stage runs again.
    f.disk->remove_all("report.txt");
    ReproOptions o;
    o.no_run_cache = true;
    CHECK(f.run(o) == Names{"report"});
  }
  SUBCASE("modified output") {
    f.disk->write("metrics.json", "{}");
    CHECK(f.run() == Names{"evaluate"});
  }
}

TEST_CASE("force, single-item and downstream select stages as DVC does") {
  Fixture f;
  f.run();
  ReproOptions o;
  o.force = true;
  CHECK(f.run(o) == Names{"prepare", "train", "evaluate", "report"});
  o.targets = {"train"};
  CHECK(f.run(o) == Names{"prepare", "train"});
  o.single_item = true;
  CHECK(f.run(o) == Names{"train"});
  o.single_item = false;
  o.downstream = true;
  CHECK(f.run(o) == Names{"train", "evaluate"});
}

TEST_CASE("an unknown target is a usage error with a suggestion") {
  Fixture f;
  ReproOptions o;
  o.targets = {"trian"};
  try {
    f.run(o);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.code() == Exit::kUsage);
    CHECK(std::string(e.what()).find("did you mean 'train'") != std::string::npos);
  }
}

TEST_CASE("dry run reports what would run, including downstream, and writes nothing") {
  Fixture f;
  f.run();
  f.disk->write("data.csv", "9,9,9");
  const std::string lock_before = f.disk->content("pipe.lock");
  const FileInfo lock_info = f.project.disk->stat("pipe.lock");
  ReproOptions o;
  o.dry = true;
  CHECK(f.run(o).empty());
  CHECK(f.reporter.reasons.count("prepare"));
  CHECK(f.reporter.reasons.count("report"));
  CHECK(f.reporter.reasons.at("train")[0].kind == Reason::Kind::kUpstream);
  CHECK(f.disk->content("pipe.lock") == lock_before);
  CHECK(f.project.disk->stat("pipe.lock").inode == lock_info.inode);  // not even rewritten
  CHECK(f.project.disk->stat("pipe.lock").mtime_ns == lock_info.mtime_ns);
}

TEST_CASE("a failing stage stops its dependents and is not recorded") {
  Fixture f;
  auto ok = f.runner.action;
  f.runner.action = [&](const Job& j) { return j.stage == "train" ? 3 : ok(j); };
  f.run();
  CHECK(f.last.exit() == Exit::kFailed);
  CHECK(f.reporter.failures.at("train") == "exit code 3");
  CHECK(f.reporter.blocked_stages == Names{"evaluate"});
  CHECK(f.reporter.not_started_stages == Names{"report"});
  const LockFile lock = read_lock(*f.project.disk);
  CHECK(lock.stages.count("prepare"));
  CHECK_FALSE(lock.stages.count("train"));
}

TEST_CASE("without -k a failure stops independent branches; with -k they run") {
  Fixture f;
  auto ok = f.runner.action;
  f.runner.action = [&](const Job& j) { return j.stage == "prepare" ? 1 : ok(j); };
  CHECK(f.run() == Names{"prepare"});
  ReproOptions o;
  o.keep_going = true;
  CHECK(f.run(o) == Names{"prepare", "report"});
}

TEST_CASE("a declared output that was not created fails the stage") {
  Fixture f;
  auto ok = f.runner.action;
  f.runner.action = [&](const Job& j) { return j.stage == "report" ? 0 : ok(j); };
  f.run();
  CHECK(f.reporter.failures.at("report").find("'report.txt' was not created") != std::string::npos);
}

TEST_CASE("a cluster job's output that shows up here a moment late is waited for, not called missing") {
  Fixture f;
  f.runner.remote = true;
  auto ok = f.runner.action;
  std::thread late;
  f.runner.action = [&](const Job& j) {
    if (j.stage != "report") return ok(j);
    // Written "on another node": visible here only 300 ms after the job ended.
    late = std::thread([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      f.disk->write("report.txt", "report");
    });
    return 0;
  };
  ReproOptions o;
  o.output_wait_seconds = 5;
  f.run(o);
  late.join();
  CHECK(f.reporter.failures.count("report") == 0);
  CHECK(f.last.outcomes.size() == 4);
}

TEST_CASE("a cluster job's output that never shows up fails the stage, saying where to look") {
  Fixture f;
  f.runner.remote = true;
  auto ok = f.runner.action;
  f.runner.action = [&](const Job& j) { return j.stage == "report" ? 0 : ok(j); };
  ReproOptions o;
  o.output_wait_seconds = 0.2;
  f.run(o);
  CHECK(f.reporter.failures.at("report").find("the nodes must share the project's filesystem") != std::string::npos);
}

TEST_CASE("outputs are removed before the stage runs") {
  Fixture f;
  f.run();
  f.disk->write("prepared/stale.csv", "old");
  f.disk->write("data.csv", "new");
  f.run();
  CHECK_FALSE(f.disk->has("prepared/stale.csv"));
}

TEST_CASE("independent stages are started together up to -j") {
  Fixture f;
  ReproOptions o;
  o.jobs = 2;
  f.run(o);
  CHECK(f.runner.max_in_flight == 2);
  Fixture g;
  g.run();
  CHECK(g.runner.max_in_flight == 1);
}

TEST_CASE("frozen stages never run") {
  Fixture f;
  std::string y = f.disk->content("pipe.yaml");
  y.replace(y.find("cmd: report"), 11, "cmd: report\n    frozen: true");
  f.disk->write("pipe.yaml", y);
  CHECK(f.run() == Names{"prepare", "train", "evaluate"});
}

TEST_CASE("always_changed stages run every time") {
  Fixture f;
  std::string y = f.disk->content("pipe.yaml");
  y.replace(y.find("cmd: report"), 11, "cmd: report\n    always_changed: true");
  f.disk->write("pipe.yaml", y);
  f.run();
  CHECK(f.run() == Names{"report"});
}

TEST_CASE("a missing tracked param is refused before anything runs") {
  Fixture f;
  f.disk->write("params.yaml", "prepare:\n  scale: 2\n");
  CHECK_THROWS_AS(f.run(), Error);
  CHECK(f.runner.ran.empty());
}

TEST_CASE("an interrupt records nothing for the interrupted stage") {
  Fixture f;
  auto ok = f.runner.action;
  f.runner.action = [&](const Job& j) {
    ok(j);
    if (j.stage == "train") f.interrupted = true;
    return j.stage == "train" ? 130 : 0;
  };
  f.run();
  CHECK(f.last.exit() == Exit::kInterrupted);
  const LockFile lock = read_lock(*f.project.disk);
  CHECK(lock.stages.count("prepare"));
  CHECK_FALSE(lock.stages.count("train"));
  CHECK_FALSE(lock.stages.count("evaluate"));
  f.interrupted = false;
  f.runner.action = ok;
  CHECK(f.run() == Names{"train", "evaluate", "report"});
}

TEST_CASE("targets may name the pipeline file as DVC's file:stage form does") {
  Fixture f;
  ReproOptions o;
  o.targets = {"pipe.yaml:report"};
  o.single_item = true;
  CHECK(f.run(o) == Names{"report"});
  o.targets = {"dvc.yaml:report"};
  CHECK_THROWS_AS(f.run(o), Error);
}

TEST_CASE("a foreach group name selects all its expansions") {
  FakeDisk disk;
  disk.write("pipe.yaml", "stages:\n  t:\n    foreach: [a, b]\n    do:\n      cmd: run ${item}\n  other:\n    cmd: x\n");
  const Pipeline p = load_pipeline(disk);
  CHECK(resolve_targets(p, {"t"}) == std::vector<size_t>{0, 1});
  CHECK(resolve_targets(p, {"t@b"}) == std::vector<size_t>{1});
}

TEST_CASE("deps are recorded as they were before the stage ran, also on a first run") {
  Fixture f;
  auto ok = f.runner.action;
  f.runner.action = [&](const Job& j) {
    if (j.stage == "report") f.disk->write("data.csv", "edited while report ran");
    return ok(j);
  };
  ReproOptions o;
  o.targets = {"report"};
  f.run(o);
  f.runner.action = ok;
  CHECK(f.run(o) == Names{"report"});
}

TEST_CASE("stage logs live under .pipe/logs with '/' in names made safe") {
  CHECK(stage_log_path("train@cnn") == ".pipe/logs/train@cnn.log");
  CHECK(stage_log_path("s@data/x") == ".pipe/logs/s@data_x.log");
}

TEST_CASE("a missing dep fails only the stage that must run, naming the dep; the rest of the graph runs") {
  Fixture f;
  f.disk->write("pipe.yaml",
                "stages:\n"
                "  needs:\n    cmd: a\n    deps: [raw/missing.csv]\n    outs: [a.txt]\n"
                "  after:\n    cmd: b\n    deps: [a.txt]\n    outs: [b.txt]\n"
                "  other:\n    cmd: c\n    deps: [data.csv]\n    outs: [c.txt]\n");
  f.runner.action = [&f](const Job& job) {
    f.disk->write(job.stage == "other" ? "c.txt" : job.stage == "needs" ? "a.txt" : "b.txt", "x");
    return 0;
  };
  ReproOptions o;
  o.keep_going = true;
  CHECK(f.run(o) == Names{"other"});
  CHECK(f.last.exit() == Exit::kFailed);
  REQUIRE(f.reporter.failures.count("needs"));
  CHECK(f.reporter.failures["needs"].find("pipe.yaml:4:12: dep 'raw/missing.csv' of stage 'needs' does not exist") !=
        std::string::npos);
  CHECK(f.reporter.blocked_stages == Names{"after"});
  // Once the data is there, the stage runs.
  f.disk->write("raw/missing.csv", "1");
  CHECK(f.run(o) == Names{"needs", "after"});
}

TEST_CASE("a dep that opens but cannot be read stops the run with an I/O error naming it, and records nothing") {
  pipeline::testing::TempDir t;
  pipeline::testing::FaultyFileSystem fs(t.path, t.path + "/backup");
  Fixture f;
  f.project = open_project(f.disk->root(), fs);
  fs.fail_reads_of(f.disk->root() + "/data.csv", EIO);
  try {
    f.run();
    FAIL("the run went on past an unreadable dep");
  } catch (const Error& e) {
    CHECK(e.code() == Exit::kIo);  // exit 5
    CHECK(std::string(e.what()) == "cannot read 'data.csv': Input/output error");
  }
  CHECK(f.runner.ran.empty());
  CHECK_FALSE(f.disk->has("pipe.lock"));
}

TEST_CASE("a wdir the checkout lacks is created before the stage runs") {
  Fixture f;
  f.disk->write("pipe.yaml", "stages:\n  s:\n    cmd: x\n    wdir: work/here\n    outs: [o.txt]\n");
  f.runner.action = [&f](const Job&) {
    if (!f.project.disk->stat("work/here").is_dir()) return 1;  // a shell could not cd there
    f.disk->write("work/here/o.txt", "x");
    return 0;
  };
  CHECK(f.run() == Names{"s"});
  CHECK(f.last.exit() == Exit::kOk);
}

namespace {

// prep/dvc.yaml:clean -> train/pipe.yaml:fit -> report (root), plus an
// unrelated stage in train.
struct MultiFile {
  std::unique_ptr<pipeline::testing::WorkspaceFiles> files;
  pipeline::testing::WorkspaceFiles* disk;
  Project project;
  FakeRunner runner;
  QuietReporter reporter;
  std::atomic<bool> interrupted{false};

  MultiFile() {
    files = pipeline::testing::real_project(project);
    disk = files.get();
    disk->write("data/raw", "raw");
    disk->write("prep/dvc.yaml", "stages:\n  clean:\n    cmd: c\n    deps: [../data/raw]\n    outs: [clean]\n");
    disk->write("train/pipe.yaml",
                "stages:\n  fit:\n    cmd: f\n    deps: [../prep/clean]\n    outs: [model]\n"
                "  other:\n    cmd: o\n    outs: [other]\n");
    disk->write("pipe.yaml", "stages:\n  report:\n    cmd: r\n    deps: [train/model]\n    outs: [report]\n");
    runner.action = [this](const Job& job) {
      if (job.stage == "prep/dvc.yaml:clean") disk->write("prep/clean", disk->content("data/raw") + "!");
      if (job.stage == "train/pipe.yaml:fit") disk->write("train/model", disk->content("prep/clean") + "?");
      if (job.stage == "train/pipe.yaml:other") disk->write("train/other", "o");
      if (job.stage == "report") disk->write("report", disk->content("train/model"));
      return 0;
    };
  }

  std::vector<std::string> run(const std::string& cwd, ReproOptions options = {}) {
    runner.ran.clear();
    options.jobs = 1;
    Workspace ws = load_workspace(project, cwd);
    repro(ws, options, runner, reporter, interrupted);
    return runner.ran;
  }
};

}  // namespace

TEST_CASE("with no targets repro runs the pipeline of its folder and its upstream, across files") {
  MultiFile f;
  CHECK(f.run("train") == Names{"prep/dvc.yaml:clean", "train/pipe.yaml:fit", "train/pipe.yaml:other"});
  CHECK(f.run("").size() == 1);  // report; the rest is up to date
  f.disk->write("data/raw", "new");
  ReproOptions all;
  all.all_pipelines = true;
  CHECK(f.run("data", all) == Names{"prep/dvc.yaml:clean", "train/pipe.yaml:fit", "report"});
  CHECK_THROWS_WITH_AS(f.run("data"), doctest::Contains("pipe repro -P"), Error);
}

TEST_CASE("each stage's lock entry goes to the pipe.lock beside its pipeline file") {
  MultiFile f;
  f.run("");
  REQUIRE(f.disk->has("prep/pipe.lock"));
  REQUIRE(f.disk->has("train/pipe.lock"));
  CHECK(f.disk->content("train/pipe.lock").find("path: \"../prep/clean\"") != std::string::npos);
  const LockFile root = read_lock(*f.project.disk);
  CHECK(root.stages.size() == 1);
  CHECK(root.stages.count("report") == 1);
}

TEST_CASE("the workspace a run used keeps what it ran, and the locks it wrote") {
  MultiFile f;
  Workspace ws = load_workspace(f.project);
  ReproOptions o;
  o.jobs = 1;
  repro(ws, o, f.runner, f.reporter, f.interrupted);
  // Edited while the run went on: the workspace still holds what ran.
  f.disk->write("pipe.yaml", "stages:\n  renamed:\n    cmd: x\n");
  CHECK(ws.pipeline.find("report"));
  REQUIRE(ws.locks.find("train/pipe.yaml:fit"));
  CHECK(ws.locks.find("train/pipe.yaml:fit")->outs.at(0).path == "train/model");
}

TEST_CASE("a new object at a dep's URL reruns the stage; an unchanged one does not") {
  Project project;
  const auto files = pipeline::testing::real_project(project);
  auto* disk = files.get();
  auto urls = std::make_unique<pipeline::testing::FakeUrls>();
  auto* server = urls.get();
  project.urls = std::move(urls);
  server->objects["s3://feed/today.csv"] = {"\"v1\"", "", "", 10};
  disk->write("pipe.yaml", "stages:\n  ingest:\n    cmd: i\n    deps:\n      - s3://feed/today.csv\n    outs: [got]\n");
  FakeRunner runner;
  runner.action = [&](const Job&) {
    disk->write("got", "x");
    return 0;
  };
  QuietReporter reporter;
  std::atomic<bool> stop{false};
  auto run = [&] {
    runner.ran.clear();
    Workspace ws = load_workspace(project);
    ReproOptions o;
    o.jobs = 1;
    return repro(ws, o, runner, reporter, stop);
  };
  run();
  CHECK(runner.ran.size() == 1);
  run();
  CHECK(runner.ran.empty());
  server->objects["s3://feed/today.csv"].etag = "\"v2\"";
  run();
  CHECK(runner.ran.size() == 1);
  server->objects.clear();
  const ReproSummary gone = [&] {
    ReproOptions o;
    o.jobs = 1;
    o.force = true;
    Workspace ws = load_workspace(project);
    return repro(ws, o, runner, reporter, stop);
  }();
  CHECK(gone.failed == 1);
  CHECK(reporter.failures["ingest"].find("does not exist on its server") != std::string::npos);
}
