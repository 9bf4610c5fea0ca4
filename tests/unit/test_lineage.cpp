#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "environment.h"
#include "error.h"
#include "lineage.h"
#include "models.h"
#include "record.h"
#include "sql.h"

using namespace pipeline;

namespace {

struct TempStore {
  std::string dir;
  std::string path;
  TempStore() {
    char d[] = "/tmp/pipe-lineage-XXXXXX";
    REQUIRE(mkdtemp(d));
    dir = d;
    path = dir + "/lineage.db";
  }
  ~TempStore() { std::system(("rm -rf " + dir).c_str()); }
};

RunRecord sample_run(int n) {
  RunRecord r;
  r.started_ns = 1'000'000'000LL * n;
  r.ended_ns = r.started_ns + 5;
  r.command = "[\"pipe\",\"repro\"]";
  r.user = "alice";
  r.host = "box";
  r.pipe_version = "0.1.0";
  r.environment = "{\"os\":\"linux\"}";
  r.code.git_commit = "abc123";
  r.code.branch = "main";
  r.code.remote_url = "https://git.example.com/x.git";
  ExecutionRecord e;
  e.stage = "train";
  e.cmd = "[\"python3 train.py\"]";
  e.status = "ran";
  e.timed = true;
  e.started_ns = r.started_ns;
  e.ended_ns = r.started_ns + 2'000'000'000;
  e.user_seconds = 1.5;
  e.max_rss_kb = 4096;
  e.inputs = {{"data.csv", "00112233445566778899aabbccddeeff", 10, false, "data"},
              {"train.py", "ffeeddccbbaa99887766554433221100", 20, false, "code"}};
  e.outputs = {{"model.bin", std::string(31, '0') + std::to_string(n % 10), 30, false, "output"}};
  e.params = {{"params.yaml", "lr", "0.1"}};
  e.metrics = {{"metrics.json", "acc", "0.9"}};
  r.executions.push_back(e);
  return r;
}

}  // namespace

TEST_CASE("a recorded run reads back whole, with its executions, artifacts, params and metrics") {
  TempStore t;
  LineageStore store(t.path);
  const int64_t id = store.record(sample_run(1));
  const RunRecord back = store.run(id);
  CHECK(back.user == "alice");
  CHECK(back.code.git_commit == "abc123");
  REQUIRE(back.executions.size() == 1);
  const ExecutionRecord& e = back.executions[0];
  CHECK(e.status == "ran");
  CHECK(e.max_rss_kb == 4096);
  CHECK(e.inputs.size() == 2);
  CHECK(e.outputs.size() == 1);
  CHECK(e.params.at(0).value == "0.1");
  CHECK(e.metrics.at(0).key == "acc");
  ExecutionRecord producer;
  int64_t run = 0;
  REQUIRE(store.producer("model.bin", e.outputs[0].digest, &producer, &run));
  CHECK(producer.stage == "train");
  CHECK(store.consumers("data.csv", "00112233445566778899aabbccddeeff").size() == 1);
}

TEST_CASE("a dirty tree's changed files read back with the objects that keep them, and count as audit data") {
  TempStore t;
  LineageStore store(t.path);
  RunRecord run = sample_run(1);
  run.code.dirty = true;
  run.code.changes_recorded = true;
  run.code.changed = {{"params.yaml", std::string(32, 'a'), ""}, {"big.bin", "", "over 16 MiB"}};
  ModelVersion v;
  v.model = "clf";
  v.major = 1;
  v.path = "model.bin";
  v.digest = run.executions[0].outputs[0].digest;
  v.stage = "train";
  v.bump = "first";
  v.basis = "{}";
  run.models = {v};
  const RunRecord back = store.run(store.record(run));
  REQUIRE(back.code.changed.size() == 2);
  CHECK(back.code.changed[0].path == "params.yaml");
  CHECK(back.code.changed[0].digest == std::string(32, 'a'));
  CHECK(back.code.changed[1].why == "over 16 MiB");
  CHECK(back.code.changes_recorded);
  CHECK(store.verify().ok);  // the list is under the chain's hash
  bool kept = false;
  for (const auto& a : store.model_artifacts()) kept = kept || a.digest == std::string(32, 'a');
  CHECK(kept);
  // A clean run records no list: its code state is as before schema 4.
  const RunRecord clean = store.run(store.record(sample_run(2)));
  CHECK(clean.code.changed.empty());
  CHECK_FALSE(clean.code.changes_recorded);
}

TEST_CASE("the chain verifies, and an edit behind pipe's back breaks it at that run") {
  TempStore t;
  {
    LineageStore store(t.path);
    for (int i = 1; i <= 3; ++i) store.record(sample_run(i));
    const ChainCheck ok = store.verify();
    CHECK(ok.ok);
    CHECK(ok.runs == 3);
  }
  {
    SqlDb raw(t.path, false);
    CHECK_THROWS_WITH_AS(raw.exec("UPDATE metrics SET value = '0.99'"), doctest::Contains("append-only"), Error);
    raw.exec("DROP TRIGGER metrics_append_only_u");
    raw.exec("UPDATE metrics SET value = '0.99' WHERE execution_id = 2");
  }
  LineageStore store(t.path);
  const ChainCheck broken = store.verify();
  CHECK_FALSE(broken.ok);
  CHECK(broken.broken_run == 2);
}

TEST_CASE("concurrent writers never see SQLITE_BUSY and keep the chain whole") {
  TempStore t;
  LineageStore(t.path).record(sample_run(0));  // created once
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w)
    writers.emplace_back([&, w] {
      LineageStore store(t.path);  // each its own connection, as separate processes would be
      for (int i = 0; i < 10; ++i) store.record(sample_run(w * 10 + i));
    });
  for (auto& th : writers) th.join();
  LineageStore store(t.path);
  const ChainCheck check = store.verify();
  CHECK(check.ok);
  CHECK(check.runs == 41);
}

TEST_CASE("a store from a newer pipe is refused") {
  TempStore t;
  { LineageStore store(t.path); }
  {
    SqlDb raw(t.path, false);
    raw.exec("PRAGMA user_version = 99");
  }
  CHECK_THROWS_WITH_AS(LineageStore(t.path), doctest::Contains("newer than this pipe"), Error);
}

TEST_CASE("credentials are stripped from URLs and credential-like variables are recognised") {
  CHECK(strip_credentials("https://alice:s3cret@host.example/x.git") == "https://host.example/x.git");
  CHECK(strip_credentials("https://token@host/x") == "https://host/x");
  CHECK(strip_credentials("git@github.com:team/x.git") == "git@github.com:team/x.git");
  CHECK(strip_credentials("https://host/a@b") == "https://host/a@b");
  CHECK(credential_like("AWS_SECRET_ACCESS_KEY"));
  CHECK(credential_like("GITHUB_TOKEN"));
  CHECK(credential_like("db_password"));
  CHECK(credential_like("OPENAI_API_KEY"));
  CHECK_FALSE(credential_like("PYTHONHASHSEED"));
  CHECK_FALSE(credential_like("CUDA_VISIBLE_DEVICES"));
}

TEST_CASE("an allow-listed variable is recorded, a credential never, even when allowed") {
  ::setenv("PIPE_UNIT_VISIBLE", "yes", 1);
  ::setenv("PIPE_UNIT_TOKEN", "canary-unit-secret", 1);
  const std::string env = capture_environment({}, "PIPE_UNIT_VISIBLE,PIPE_UNIT_TOKEN");
  CHECK(env.find("\"PIPE_UNIT_VISIBLE\":\"yes\"") != std::string::npos);
  CHECK(env.find("canary-unit-secret") == std::string::npos);
}

TEST_CASE("semantic versions follow what changed: architecture major, data and params minor, else patch") {
  ModelDef m;
  m.name = "clf";
  m.rules = {{"architecture", "major"}, {"data", "minor"}, {"params", "minor"}, {"code", "patch"},
             {"environment", "patch"}};
  auto basis = [](const std::string& arch, const std::string& data, const std::string& lr, const std::string& code,
                  const std::string& env) {
    return "{\"architecture\":{\"model.py\":\"" + arch + "\"},\"code\":{\"train.py\":\"" + code +
           "\"},\"data\":{\"d.csv\":\"" + data + "\"},\"environment\":\"" + env + "\",\"params\":{\"lr (p.yaml)\":" +
           lr + "}}";
  };
  ModelVersion first;
  next_version(m, nullptr, basis("a", "d", "0.1", "c", "e"), &first);
  CHECK(first.version() == "1.0.0");
  CHECK(first.bump == "first");
  ModelVersion v;
  next_version(m, &first, basis("a", "d2", "0.1", "c", "e"), &v);
  CHECK(v.version() == "1.1.0");
  CHECK(v.reason == "data changed: d.csv");
  next_version(m, &first, basis("a", "d", "0.2", "c", "e"), &v);
  CHECK(v.version() == "1.1.0");
  CHECK(v.reason == "params changed: lr (p.yaml) 0.1 -> 0.2");
  next_version(m, &first, basis("a2", "d2", "0.2", "c", "e"), &v);
  CHECK(v.version() == "2.0.0");
  CHECK(v.reason.find("architecture changed: model.py") == 0);
  next_version(m, &first, basis("a", "d", "0.1", "c2", "e"), &v);
  CHECK(v.version() == "1.0.1");
  next_version(m, &first, basis("a", "d", "0.1", "c", "e2"), &v);
  CHECK(v.version() == "1.0.1");
  CHECK(v.reason == "environment changed");
  m.rules["data"] = "major";  // configurable
  next_version(m, &first, basis("a", "d2", "0.1", "c", "e"), &v);
  CHECK(v.version() == "2.0.0");
}

TEST_CASE("metrics files flatten to dotted keys with canonical values") {
  const auto m = read_metrics("m.json", "{\"acc\": 0.9, \"loss\": {\"train\": 0.25, \"val\": 0.5}, \"tags\": [\"a\"]}");
  REQUIRE(m.size() == 4);
  CHECK(m[0].key == "acc");
  CHECK(m[0].value == "0.9");
  CHECK(m[1].key == "loss.train");
  CHECK(m[3].key == "tags.0");
  CHECK(m[3].value == "\"a\"");
}

TEST_CASE("code is told from data by extension") {
  CHECK(is_code_path("src/train.py", kDefaultCodeExtensions));
  CHECK(is_code_path("run.sh", kDefaultCodeExtensions));
  CHECK_FALSE(is_code_path("data/train.csv", kDefaultCodeExtensions));
  CHECK(is_code_path("x.foo", "py, foo"));
}
