#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "config.h"
#include "error.h"
#include "fake_disk.h"
#include "fake_runner.h"
#include "lineage.h"
#include "reproduce.h"
#include "temp_project.h"

using namespace pipeline;
using pipeline::testing::FakeRunner;
using pipeline::testing::TempProject;

namespace {

// A project whose `train` stage read data.txt and wrote model.bin and
// metrics.json, recorded as a run that made model clf 1.0.0.
struct Recorded {
  TempProject t;
  std::string data_digest, model_digest, metrics_digest;
  ModelVersion version;

  explicit Recorded(const std::vector<LineageArtifact>& extra_inputs = {}) {
    t.write("pipe.yaml", "stages:\n  train:\n    cmd: ./train\n    deps: [data.txt]\n    outs: [model.bin]\n");
    t.write("data.txt", "rows\n");
    t.write("model.bin", "weights 1\n");
    t.write("metrics.json", "{\"acc\": 0.9000001}\n");
    data_digest = t.digest("data.txt");
    model_digest = t.digest("model.bin");
    metrics_digest = t.digest("metrics.json");
    std::filesystem::remove(t.root + "/model.bin");
    std::filesystem::remove(t.root + "/metrics.json");

    RunRecord run;
    ExecutionRecord e;
    e.stage = "train";
    e.cmd = "[\"./train\"]";
    e.status = "ran";
    e.inputs = {{"data.txt", data_digest, 5, false, "data"}};
    e.inputs.insert(e.inputs.end(), extra_inputs.begin(), extra_inputs.end());
    e.outputs = {{"model.bin", model_digest, 10, false, "output"}, {"metrics.json", metrics_digest, 20, false, "output"}};
    e.metrics = {{"metrics.json", "acc", "0.9000001"}};
    run.executions.push_back(e);
    version = t.record_version(run, "model.bin");
  }

  // A runner that plays `pipe repro --force` in the scratch workspace,
  // writing these outputs there.
  FakeRunner runner(const std::string& model, const std::string& metrics, int exit_code = 0) {
    FakeRunner r;
    r.action = [model, metrics, exit_code](const Job& job) {
      CHECK(job.cmds.at(0).find("repro --force") != std::string::npos);
      // The recorded input is in place before the re-execution starts.
      CHECK(TempProject::read_abs(job.dir + "/data.txt") == "rows\n");
      TempProject::write_abs(job.dir + "/model.bin", model);
      TempProject::write_abs(job.dir + "/metrics.json", metrics);
      return exit_code;
    };
    return r;
  }

  Reproduction reproduce(Runner& runner) {
    LineageStore store(t.lineage_path());
    ReproduceOptions options;
    options.pipe_binary = "/usr/bin/pipe";
    Reproduction r = reproduce_version(t.project, store, version, options, runner);
    std::filesystem::remove_all(r.scratch);
    return r;
  }
};

}  // namespace

TEST_CASE("a re-execution that writes the recorded outputs reproduces, and the check is recorded as an event") {
  Recorded rec;
  FakeRunner runner = rec.runner("weights 1\n", "{\"acc\": 0.9000001}\n");
  const Reproduction r = rec.reproduce(runner);
  CHECK(r.missing.empty());
  CHECK(r.ran);
  CHECK(runner.ran.size() == 1);
  REQUIRE(r.stages.size() == 1);
  CHECK(r.stages[0].result == "exact");
  CHECK(r.reproduced);
  CHECK(r.source == "the workspace (no git commit recorded)");
  LineageStore store(rec.t.lineage_path());
  const auto events = store.events("clf");
  REQUIRE(events.size() == 1);
  CHECK(events[0].action == "reproduce");
  CHECK(events[0].reason == "reproduced");
  CHECK(events[0].details.find("\"exact\"") != std::string::npos);
}

TEST_CASE("the scratch workspace gets the pipeline file and the recorded inputs, not the workspace's outputs") {
  Recorded rec;
  FakeRunner runner;
  std::string pipeline_text;
  runner.action = [&](const Job& job) {
    pipeline_text = TempProject::read_abs(job.dir + "/pipe.yaml");
    CHECK_FALSE(std::filesystem::exists(job.dir + "/model.bin"));
    return 0;
  };
  const Reproduction r = rec.reproduce(runner);
  CHECK(pipeline_text.find("train:") != std::string::npos);
  CHECK_FALSE(r.reproduced);
  CHECK(r.stages.at(0).first_difference.find("was not produced") != std::string::npos);
}

TEST_CASE("an output that differs is named with both digests") {
  Recorded rec;
  FakeRunner runner = rec.runner("weights 2\n", "{\"acc\": 0.9000001}\n");
  const Reproduction r = rec.reproduce(runner);
  CHECK_FALSE(r.reproduced);
  CHECK(r.stages.at(0).result == "not reproduced");
  CHECK(r.stages.at(0).first_difference.find("model.bin differs (recorded " + rec.model_digest.substr(0, 12)) == 0);
  // The recorded content is not in the cache: pipe says so rather than guess.
  CHECK(r.stages.at(0).first_difference.find("not in the cache") != std::string::npos);
}

TEST_CASE("a differing output says where it first differs, from the recorded content in the cache") {
  Recorded rec;
  rec.t.write("model.bin", "weights 1\n");
  rec.t.cache("model.bin");
  std::filesystem::remove(rec.t.root + "/model.bin");
  FakeRunner runner = rec.runner("weights 2\n", "{\"acc\": 0.9000001}\n");
  const std::string why = rec.reproduce(runner).stages.at(0).first_difference;
  CHECK(why.find("model.bin differs (recorded ") == 0);
  CHECK(why.find("): line 1: recorded 'weights 1', got 'weights 2'") != std::string::npos);
}

TEST_CASE("metrics that moved are reported with their deltas") {
  Recorded rec;
  FakeRunner far = rec.runner("weights 1\n", "{\"acc\": 0.95}\n");
  const std::string why = rec.reproduce(far).stages.at(0).first_difference;
  CHECK(why.find("metrics.json differs (recorded ") == 0);
  CHECK(why.find(": acc 0.9000001 -> 0.95 (+0.0499999)") != std::string::npos);
}

TEST_CASE("metrics that differ in their last digits reproduce within tolerance; further off they do not") {
  Recorded rec;
  FakeRunner close = rec.runner("weights 1\n", "{\"acc\": 0.9000002}\n");
  const Reproduction r = rec.reproduce(close);
  CHECK(r.stages.at(0).result == "within tolerance");
  CHECK(r.reproduced);
  FakeRunner far = rec.runner("weights 1\n", "{\"acc\": 0.95}\n");
  CHECK(rec.reproduce(far).stages.at(0).result == "not reproduced");
}

TEST_CASE("a failed re-execution is reported as such, with its log") {
  Recorded rec;
  FakeRunner runner;
  runner.action = [](const Job& job) {
    TempProject::write_abs(job.log_path, "train.py: out of memory\n");
    return 2;
  };
  const Reproduction r = rec.reproduce(runner);
  CHECK_FALSE(r.ran);
  CHECK_FALSE(r.reproduced);
  CHECK(r.log == "train.py: out of memory\n");
}

TEST_CASE("a reproduction that fails part way leaves no scratch workspace (it holds config.local)") {
  Recorded rec;
  FakeRunner runner;
  runner.action = [](const Job&) -> int { throw Error(Exit::kIo, "disk full"); };
  LineageStore store(rec.t.lineage_path());
  ReproduceOptions options;
  options.pipe_binary = "/usr/bin/pipe";
  CHECK_THROWS_AS(reproduce_version(rec.t.project, store, rec.version, options, runner), Error);
  CHECK(std::filesystem::is_empty(rec.t.project.state_path("reproduce")));
}

TEST_CASE("an input neither cached nor in the workspace is listed as missing, and nothing runs") {
  Recorded rec;
  rec.t.write("data.txt", "other rows\n");  // the recorded content is gone
  FakeRunner runner;
  const Reproduction r = rec.reproduce(runner);
  CHECK(runner.ran.empty());
  REQUIRE(r.missing.size() == 1);
  CHECK(r.missing[0] == "data.txt (" + rec.data_digest.substr(0, 12) + ")");
  CHECK(r.stages.at(0).result == "not run");
  CHECK_FALSE(r.reproduced);
}

TEST_CASE("an input the workspace no longer holds is restored from the cache") {
  Recorded rec;
  rec.t.cache("data.txt");
  rec.t.write("data.txt", "edited since\n");
  FakeRunner runner = rec.runner("weights 1\n", "{\"acc\": 0.9000001}\n");
  const Reproduction r = rec.reproduce(runner);
  CHECK(r.missing.empty());
  CHECK(r.reproduced);
}

TEST_CASE("an input taken from the workspace goes into the cache, and the workspace file is left as it was") {
  Recorded rec;
  FakeRunner runner = rec.runner("weights 1\n", "{\"acc\": 0.9000001}\n");
  rec.reproduce(runner);
  Digest d;
  REQUIRE(Digest::parse(rec.data_digest, &d));
  CHECK(rec.t.project.cache->has(d));
  CHECK(TempProject::read_abs(rec.t.root + "/data.txt") == "rows\n");
  CHECK(std::filesystem::hard_link_count(rec.t.root + "/data.txt") == 1);
}

TEST_CASE("with hard links first in the cache's link order, the workspace input is still copied, not linked") {
  Recorded rec;
  rec.t.project.cache->set_link_types({LinkType::kHardlink, LinkType::kCopy});
  FakeRunner runner = rec.runner("weights 1\n", "{\"acc\": 0.9000001}\n");
  CHECK(rec.reproduce(runner).reproduced);
  CHECK(std::filesystem::hard_link_count(rec.t.root + "/data.txt") == 1);
  const auto perms = std::filesystem::status(rec.t.root + "/data.txt").permissions();
  CHECK((perms & std::filesystem::perms::owner_write) != std::filesystem::perms::none);
}

TEST_CASE("compare_outputs: stages without outputs are exact when the re-execution failed, others are not") {
  testing::FakeDisk disk;
  RunRecord run;
  ExecutionRecord check;
  check.stage = "check";
  run.executions.push_back(check);
  const auto verdicts = compare_outputs(disk, nullptr, run, 1e-6, false, false);
  REQUIRE(verdicts.size() == 1);
  CHECK(verdicts[0].result == "exact");
}

TEST_CASE("values_close compares numbers relatively and anything else exactly") {
  CHECK(values_close("1.0", "1.0000000001", 1e-6));
  CHECK_FALSE(values_close("1.0", "1.1", 1e-6));
  CHECK(values_close("1000000", "1000000.5", 1e-6));
  CHECK(values_close("\"a\"", "\"a\"", 1e-6));
  CHECK_FALSE(values_close("\"a\"", "\"b\"", 1e-6));
}

TEST_CASE("external deps (absolute paths, URLs) are read where they are, not copied, and are listed") {
  const std::string digest(32, 'a');
  Recorded rec({{"/srv/shared/ref.txt", digest, 1, false, "data"},
                {"https://data.example.com/raw.csv", digest, 0, false, "data"}});
  FakeRunner runner = rec.runner("weights 1\n", "{\"acc\": 0.9000001}\n");
  const Reproduction r = rec.reproduce(runner);
  CHECK(r.missing.empty());
  CHECK(r.external == std::vector<std::string>{"/srv/shared/ref.txt", "https://data.example.com/raw.csv"});
  CHECK(r.reproduced);
}

TEST_CASE("the scratch workspace has the project's settings, with the project's cache") {
  Recorded rec;
  const std::string url = "http://feeds.example";
  edit_config(rec.t.project.state_path(kConfigFile), "remote.feeds.url", &url);
  const std::string secret = "s3cret";
  edit_config(rec.t.project.state_path(kLocalConfigFile), "remote.feeds.password", &secret);
  FakeRunner runner;
  std::string config, local;
  runner.action = [&](const Job& job) {
    config = TempProject::read_abs(job.dir + "/.pipe/config");
    local = TempProject::read_abs(job.dir + "/.pipe/config.local");
    return 0;
  };
  rec.reproduce(runner);
  CHECK(config.find("http://feeds.example") != std::string::npos);
  CHECK(local.find("s3cret") != std::string::npos);
  // In config.local, which wins over a config file from git.
  CHECK(local.find(rec.t.project.cache->dir()) != std::string::npos);
}
