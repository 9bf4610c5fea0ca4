// Model events as content-addressed objects (lineage_events.cpp): uids,
// parents, the registry's deterministic order, and the 4 -> 5 upgrade.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "lineage.h"
#include "sql.h"
#include "ssl_digests.h"
#include "temp_project.h"

using namespace pipeline;
using pipeline::testing::TempDir;

namespace {

ModelEvent promotion(const std::string& version, const std::string& stage, const std::string& user, int64_t at) {
  ModelEvent e;
  e.model = "clf";
  e.version = version;
  e.stage = stage;
  e.action = "promote";
  e.user = user;
  e.host = user + "-laptop";
  e.at_ns = at;
  e.reason = "test";
  e.details = "{}";
  return e;
}

std::vector<std::string> uids(LineageStore& store) {
  std::vector<std::string> out;
  for (const ModelEvent& e : store.events("")) out.push_back(e.uid);
  return out;
}

// Every event of `from` that `to` lacks, as a fetch would bring them.
void copy_events(LineageStore& from, LineageStore& to) { to.import_events(from.events("")); }

}  // namespace

TEST_CASE("an event's uid is the SHA-256 of its shared form, and it names the store's heads as parents") {
  TempDir d;
  LineageStore store(d.path + "/l.db");
  store.add_event(promotion("1.0.0", "staging", "alice", 10));
  store.add_event(promotion("1.0.0", "production", "alice", 20));
  const auto events = store.events("clf");
  REQUIRE(events.size() == 2);
  CHECK(events[0].parents.empty());
  CHECK(events[1].parents == std::vector<std::string>{events[0].uid});
  CHECK(events[1].uid == sha256_hex(events[1].shared_bytes()));
  ModelEvent back;
  CHECK(ModelEvent::parse_shared(events[1].uid, events[1].shared_bytes(), &back));
  CHECK(back.parents == events[1].parents);
  CHECK(back.stage == "production");
}

TEST_CASE("a shared event that does not match its name, or is not in canonical form, is refused") {
  const ModelEvent e = [] {
    ModelEvent x = promotion("1.0.0", "production", "alice", 10);
    x.uid = sha256_hex(x.shared_bytes());
    return x;
  }();
  ModelEvent out;
  std::string altered = e.shared_bytes();
  altered.replace(altered.find("alice"), 5, "mallo");
  CHECK_FALSE(ModelEvent::parse_shared(e.uid, altered, &out));
  CHECK_FALSE(ModelEvent::parse_shared(sha256_hex(altered), altered + " ", &out));
  const std::string spaced = e.shared_bytes().substr(0, 1) + " " + e.shared_bytes().substr(1);
  CHECK_FALSE(ModelEvent::parse_shared(sha256_hex(spaced), spaced, &out));
  CHECK_FALSE(ModelEvent::parse_shared(sha256_hex("[]"), "[]", &out));
}

TEST_CASE("concurrent events from two stores merge into the same order in both, whatever order they arrive in") {
  TempDir d;
  LineageStore a(d.path + "/a.db"), b(d.path + "/b.db"), c(d.path + "/c.db");
  a.add_event(promotion("1.0.0", "staging", "alice", 10));
  copy_events(a, b);
  // Both promote before seeing the other's: a fork. Bob's clock is later.
  a.add_event(promotion("1.0.0", "production", "alice", 30));
  b.add_event(promotion("1.1.0", "production", "bob", 40));
  copy_events(b, a);
  copy_events(a, b);
  CHECK(uids(a) == uids(b));
  const auto merged = a.events("clf");
  REQUIRE(merged.size() == 3);
  CHECK(merged[1].user == "alice");  // time order between the two
  CHECK(merged[2].user == "bob");
  CHECK_FALSE(merged[0].concurrent);
  CHECK(merged[1].concurrent);
  CHECK(merged[2].concurrent);
  // A third store that receives them newest first orders them the same.
  std::vector<ModelEvent> reversed = a.events("");
  std::reverse(reversed.begin(), reversed.end());
  c.import_events(reversed);
  CHECK(uids(c) == uids(a));
  // The next event joins both branches.
  a.add_event(promotion("1.1.0", "staging", "alice", 50));
  const auto after = a.events("clf");
  CHECK(after.back().parents.size() == 2);
  CHECK(a.verify().ok);
  CHECK(b.verify().ok);
  CHECK(c.verify().ok);
}

TEST_CASE("a parent comes before its child even when the child's clock is behind") {
  TempDir d;
  LineageStore a(d.path + "/a.db"), b(d.path + "/b.db");
  a.add_event(promotion("1.0.0", "production", "alice", 1000));
  copy_events(a, b);
  b.add_event(promotion("1.1.0", "production", "bob", 5));  // bob's clock is wrong
  const auto events = b.events("clf");
  REQUIRE(events.size() == 2);
  CHECK(events[0].user == "alice");
  CHECK(events[1].user == "bob");
}

TEST_CASE("importing an event twice adds it once; two first events are marked concurrent") {
  TempDir d;
  LineageStore a(d.path + "/a.db"), b(d.path + "/b.db");
  a.add_event(promotion("1.0.0", "production", "alice", 10));
  b.add_event(promotion("1.1.0", "production", "bob", 20));
  CHECK(a.import_events(b.events("")) == 1);
  CHECK(a.import_events(b.events("")) == 0);
  const auto events = a.events("");
  REQUIRE(events.size() == 2);
  CHECK(events[0].concurrent);
  CHECK(events[1].concurrent);
}

TEST_CASE("verify finds an event whose predecessor is missing, or whose signature was changed") {
  TempDir d;
  LineageStore a(d.path + "/a.db"), b(d.path + "/b.db");
  a.add_event(promotion("1.0.0", "staging", "alice", 10));
  a.add_event(promotion("1.0.0", "production", "alice", 20));
  b.import_events({a.events("").back()});  // without its parent
  const ChainCheck check = b.verify();
  CHECK_FALSE(check.ok);
  CHECK(check.problem.find("predecessor") != std::string::npos);

  const std::string path = d.path + "/a.db";
  {
    SqlDb db(path, false);
    db.exec("DROP TRIGGER model_events_append_only_u; UPDATE model_events SET signature = '{}' WHERE id = 2;");
  }
  LineageStore reopened(path);
  const ChainCheck altered = reopened.verify();
  CHECK_FALSE(altered.ok);
  CHECK(altered.problem.find("uid") != std::string::npos);
}

TEST_CASE("a schema 4 store's events gain uids chained one to the next, and its bookkeeping tables appear") {
  TempDir d;
  const std::string path = d.path + "/old.db";
  {
    LineageStore fresh(path);
    fresh.add_event(promotion("1.0.0", "staging", "alice", 10));
    fresh.add_event(promotion("1.0.0", "production", "alice", 20));
  }
  {
    // Back to schema 4's model_events, as that pipe wrote it.
    SqlDb db(path, false);
    db.exec(
        "DROP TRIGGER model_events_append_only_u; DROP TRIGGER model_events_append_only_d;"
        "CREATE TABLE old AS SELECT id, model, version, stage, action, user, host, at_ns, reason, details, "
        "policy_digest, prev_hash, hash FROM model_events; DROP TABLE model_events;"
        "CREATE TABLE model_events (id INTEGER PRIMARY KEY, model TEXT NOT NULL, version TEXT NOT NULL, stage TEXT, "
        "action TEXT NOT NULL CHECK (action IN ('promote', 'rollback', 'reproduce')), user TEXT NOT NULL, "
        "host TEXT NOT NULL, at_ns INTEGER NOT NULL, reason TEXT NOT NULL, details TEXT NOT NULL, "
        "policy_digest TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
        "INSERT INTO model_events SELECT * FROM old; DROP TABLE old;"
        "CREATE TRIGGER model_events_append_only_u BEFORE UPDATE ON model_events BEGIN SELECT RAISE(ABORT, 'x'); END;"
        "CREATE TRIGGER model_events_append_only_d BEFORE DELETE ON model_events BEGIN SELECT RAISE(ABORT, 'x'); END;"
        "DROP TABLE remote_records; DROP TABLE remote_packs; PRAGMA user_version=4;");
  }
  LineageStore migrated(path);
  CHECK(migrated.verify().ok);
  const auto events = migrated.events("clf");
  REQUIRE(events.size() == 2);
  CHECK(events[0].parents.empty());
  CHECK(events[1].parents == std::vector<std::string>{events[0].uid});
  // The upgraded schema is the one a fresh store gets, column for column.
  LineageStore fresh(d.path + "/fresh.db");
  auto columns = [](const std::string& db_path, const std::string& table) {
    SqlDb db(db_path, false);
    SqlStatement st = db.prepare("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?1) ORDER BY cid");
    st.bind(1, table);
    std::string out;
    while (st.step()) out += st.text(0) + " " + st.text(1) + " " + st.text(2) + " " + st.text(3) + ";";
    return out;
  };
  for (const char* table : {"model_events", "remote_records", "remote_packs", "code_states", "executions"})
    CHECK_MESSAGE(columns(path, table) == columns(d.path + "/fresh.db", table), table);
  migrated.add_event(promotion("1.1.0", "production", "bob", 30));
  CHECK(migrated.verify().ok);
}

TEST_CASE("what a remote holds is remembered per remote, and forgotten on request") {
  TempDir d;
  LineageStore store(d.path + "/l.db");
  store.mark_shared("s3://a", {"pack1"}, {"u1", "u2"});
  store.mark_shared("s3://b", {"pack2"}, {"u3"});
  CHECK(store.shared_with("s3://a").size() == 2);
  CHECK(store.packs_read("s3://b") == std::vector<std::string>{"pack2"});
  store.forget_remote("s3://a");
  CHECK(store.shared_with("s3://a").empty());
  CHECK(store.packs_read("s3://a").empty());
  CHECK(store.shared_with("s3://b").size() == 1);
}

TEST_CASE("every event on either side of a fork is concurrent, not only the first on each side") {
  TempDir d;
  LineageStore a(d.path + "/a.db"), b(d.path + "/b.db");
  a.add_event(promotion("1.0.0", "staging", "alice", 10));
  copy_events(a, b);
  b.add_event(promotion("1.1.0", "staging", "bob", 20));     // f1
  a.add_event(promotion("1.0.0", "production", "alice", 30));  // e1
  b.add_event(promotion("1.1.0", "production", "bob", 40));  // f2, after f1 on bob's side
  copy_events(b, a);
  a.add_event(promotion("1.2.0", "staging", "alice", 50));  // joins both
  const auto events = a.events("clf");
  REQUIRE(events.size() == 5);
  std::vector<bool> concurrent;
  for (const auto& e : events) concurrent.push_back(e.concurrent);
  CHECK(concurrent == std::vector<bool>{false, true, true, true, false});
}

TEST_CASE("a shared event with unsorted parents, control characters or deep nesting is refused") {
  ModelEvent e = promotion("1.0.0", "production", "alice", 10);
  e.parents = {std::string(64, 'b'), std::string(64, 'a')};
  ModelEvent out;
  CHECK_FALSE(ModelEvent::parse_shared(sha256_hex(e.shared_bytes()), e.shared_bytes(), &out));
  e.parents = {std::string(64, 'a'), std::string(64, 'a')};
  CHECK_FALSE(ModelEvent::parse_shared(sha256_hex(e.shared_bytes()), e.shared_bytes(), &out));
  e.parents = {std::string(64, 'a'), std::string(64, 'b')};
  CHECK(ModelEvent::parse_shared(sha256_hex(e.shared_bytes()), e.shared_bytes(), &out));
  ModelEvent escape = promotion("1.0.0", "production", "alice\x1b[2J", 10);
  CHECK_FALSE(ModelEvent::parse_shared(sha256_hex(escape.shared_bytes()), escape.shared_bytes(), &out));
  ModelEvent multiline = promotion("1.0.0", "production", "alice", 10);
  multiline.reason = "two\nlines";
  CHECK(ModelEvent::parse_shared(sha256_hex(multiline.shared_bytes()), multiline.shared_bytes(), &out));
  ModelEvent deep = promotion("1.0.0", "production", "alice", 10);
  deep.details = std::string(100, '[') + std::string(100, ']');
  CHECK_FALSE(ModelEvent::parse_shared(sha256_hex(deep.shared_bytes()), deep.shared_bytes(), &out));
}
