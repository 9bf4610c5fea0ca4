// Runs shared between lineage stores through a remote (lineage_share.cpp).
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "lineage.h"
#include "ssl_digests.h"
#include "sql.h"

using namespace pipeline;

namespace {

struct TempDir {
  std::string dir;
  TempDir() {
    char d[] = "/tmp/pipe-share-XXXXXX";
    REQUIRE(mkdtemp(d));
    dir = d;
  }
  ~TempDir() { std::system(("rm -rf " + dir).c_str()); }
};

RunRecord model_run(const std::string& model_digest, const std::string& version) {
  RunRecord r;
  r.started_ns = 1'000'000'000;
  r.ended_ns = 2'000'000'000;
  r.command = "[\"pipe\",\"repro\"]";
  r.user = "alice";
  r.host = "box";
  r.pipe_version = "0.1.0";
  r.environment = "{\"os\":\"linux\"}";
  r.code.git_commit = "abc123";
  r.code.branch = "main";
  r.code.dirty = true;
  r.code.diff_digest = "d1ff";
  ExecutionRecord e;
  e.stage = "train";
  e.cmd = "[\"python3 train.py\"]";
  e.status = "ran";
  e.timed = true;
  e.started_ns = r.started_ns;
  e.ended_ns = r.ended_ns;
  e.user_seconds = 1.25;
  e.max_rss_kb = 2048;
  e.inputs = {{"data.csv", "00112233445566778899aabbccddeeff", 10, false, "data"}};
  e.outputs = {{"model.bin", model_digest, 30, false, "output"}};
  e.params = {{"params.yaml", "lr", "0.1"}};
  e.metrics = {{"metrics.json", "acc", "0.9"}};
  r.executions.push_back(e);
  ModelVersion m;
  m.model = "clf";
  std::sscanf(version.c_str(), "%d.%d.%d", &m.major, &m.minor, &m.patch);
  m.path = "model.bin";
  m.digest = model_digest;
  m.stage = "train";
  m.bump = "first";
  m.reason = "first version";
  m.basis = "{}";
  r.models.push_back(m);
  return r;
}

const std::string kModelA(32, 'a');
const std::string kModelB(32, 'b');

}  // namespace

TEST_CASE("a shared run is named by the SHA-256 of its bytes, and any other bytes are refused") {
  TempDir d;
  LineageStore store(d.dir + "/a.db");
  const int64_t id = store.record(model_run(kModelA, "1.0.0"));
  const SharedRun run = store.shared_run(id);
  CHECK(run.uid == sha256_hex(run.bytes()));
  CHECK(run.prev == std::string(64, '0'));
  SharedRun back;
  CHECK(SharedRun::parse(run.uid, run.bytes(), &back));
  CHECK(back.content == run.content);
  std::string altered = run.bytes();
  altered[altered.size() / 2] ^= 1;
  CHECK_FALSE(SharedRun::parse(run.uid, altered, &back));
  CHECK_FALSE(SharedRun::parse(run.uid, "no newline", &back));
}

TEST_CASE("an imported run reads back whole and is passed on unchanged") {
  TempDir d;
  LineageStore a(d.dir + "/a.db");
  const SharedRun shared = a.shared_run(a.record(model_run(kModelA, "1.0.0")));
  LineageStore b(d.dir + "/b.db");
  CHECK_FALSE(b.has_run(shared.uid));
  std::vector<std::string> clashes;
  const int64_t id = b.import(shared, &clashes);
  CHECK(clashes.empty());
  CHECK(b.has_run(shared.uid));
  const RunRecord got = b.run(id);
  REQUIRE(got.executions.size() == 1);
  CHECK(got.host == "box");
  CHECK(got.code.dirty);
  CHECK(got.code.diff_digest == "d1ff");
  CHECK(got.executions[0].user_seconds == doctest::Approx(1.25));
  CHECK(got.executions[0].max_rss_kb == 2048);
  CHECK(got.executions[0].inputs.at(0).path == "data.csv");
  CHECK(got.executions[0].outputs.at(0).digest == kModelA);
  CHECK(got.executions[0].params.at(0).value == "0.1");
  CHECK(got.executions[0].metrics.at(0).value == "0.9");
  REQUIRE(b.model_versions("clf").size() == 1);
  CHECK(b.model_versions("clf")[0].version() == "1.0.0");
  // Shared on from b, it is byte for byte what a shared.
  const SharedRun again = b.shared_run(id);
  CHECK(again.uid == shared.uid);
  CHECK(again.bytes() == shared.bytes());
  // And b's own chain covers it.
  CHECK(b.verify().ok);
}

TEST_CASE("an imported model version that clashes with a local one is left out and named") {
  TempDir d;
  LineageStore a(d.dir + "/a.db");
  const SharedRun shared = a.shared_run(a.record(model_run(kModelA, "1.0.0")));
  LineageStore b(d.dir + "/b.db");
  b.record(model_run(kModelB, "1.0.0"));
  std::vector<std::string> clashes;
  b.import(shared, &clashes);
  REQUIRE(clashes.size() == 1);
  CHECK(clashes[0].find("clf 1.0.0") != std::string::npos);
  REQUIRE(b.model_versions("clf").size() == 1);
  CHECK(b.model_versions("clf")[0].digest == kModelB);
}

TEST_CASE("a schema 1 store gains the imports and model_events tables when opened") {
  TempDir d;
  const std::string path = d.dir + "/old.db";
  {
    LineageStore fresh(path);
    fresh.record(model_run(kModelA, "1.0.0"));
  }
  {
    SqlDb db(path, false);
    db.exec("DROP TRIGGER imports_append_only_u; DROP TRIGGER imports_append_only_d; DROP TABLE imports;"
            "DROP TRIGGER model_events_append_only_u; DROP TRIGGER model_events_append_only_d; DROP TABLE model_events;"
            "ALTER TABLE executions DROP COLUMN executor; ALTER TABLE code_states DROP COLUMN changed; PRAGMA user_version=1;");
  }
  LineageStore migrated(path);
  CHECK(migrated.verify().ok);
  LineageStore other(d.dir + "/other.db");
  const SharedRun shared = other.shared_run(other.record(model_run(kModelB, "2.0.0")));
  std::vector<std::string> clashes;
  migrated.import(shared, &clashes);
  CHECK(migrated.has_run(shared.uid));
  CHECK(migrated.model_versions("clf").size() == 2);
  ModelEvent e;
  e.model = "clf";
  e.version = "2.0.0";
  e.stage = "production";
  e.action = "promote";
  migrated.add_event(e);
  CHECK(migrated.events("clf").size() == 1);
  CHECK(migrated.verify().ok);
}

TEST_CASE("a schema 2 store gains executions.executor; its runs keep their hashes, and new runs record where they ran") {
  TempDir d;
  const std::string path = d.dir + "/old.db";
  {
    LineageStore fresh(path);
    fresh.record(model_run(kModelA, "1.0.0"));
  }
  {
    SqlDb db(path, false);
    db.exec("ALTER TABLE executions DROP COLUMN executor; ALTER TABLE code_states DROP COLUMN changed; PRAGMA user_version=2;");
  }
  LineageStore migrated(path);
  CHECK(migrated.verify().ok);
  RunRecord run = model_run(kModelB, "2.0.0");
  REQUIRE_FALSE(run.executions.empty());
  run.executions[0].executor = "{\"job_id\":\"42\",\"kind\":\"slurm\"}";
  const int64_t id = migrated.record(run);
  CHECK(migrated.verify().ok);
  CHECK(migrated.run(id).executions.at(0).executor == run.executions[0].executor);
}
