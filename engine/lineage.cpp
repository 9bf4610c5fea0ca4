#include "lineage.h"

#include <algorithm>

#include "digest.h"
#include "document.h"
#include "error.h"
#include "lineage_schema.h"
#include "ssl_digests.h"
#include "sql.h"
#include "value.h"

namespace pipeline {
namespace {

const std::string kGenesis(64, '0');

// Upgrades from older schemas, by the version they start from; index 0
// upgrades 1 to 2. Empty: version 1 is the first.
// kMigrations[i] takes a store from schema i + 1 to i + 2.
const std::vector<const char*> kMigrations = {
    "CREATE TABLE imports (run_id INTEGER PRIMARY KEY REFERENCES runs(id), uid TEXT NOT NULL UNIQUE, "
    "prev TEXT NOT NULL, content TEXT NOT NULL);"
    "CREATE TRIGGER imports_append_only_u BEFORE UPDATE ON imports BEGIN SELECT RAISE(ABORT, 'lineage records "
    "are append-only'); END;"
    "CREATE TRIGGER imports_append_only_d BEFORE DELETE ON imports BEGIN SELECT RAISE(ABORT, 'lineage records "
    "are append-only'); END;"
    "CREATE TABLE model_events (id INTEGER PRIMARY KEY, model TEXT NOT NULL, version TEXT NOT NULL, stage TEXT, "
    "action TEXT NOT NULL CHECK (action IN ('promote', 'rollback', 'reproduce')), user TEXT NOT NULL, "
    "host TEXT NOT NULL, at_ns INTEGER NOT NULL, reason TEXT NOT NULL, details TEXT NOT NULL, "
    "policy_digest TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
    "CREATE TRIGGER model_events_append_only_u BEFORE UPDATE ON model_events BEGIN SELECT RAISE(ABORT, 'lineage "
    "records are append-only'); END;"
    "CREATE TRIGGER model_events_append_only_d BEFORE DELETE ON model_events BEGIN SELECT RAISE(ABORT, 'lineage "
    "records are append-only'); END;",
    // 3: where each execution ran (a Slurm job, its node).
    "ALTER TABLE executions ADD COLUMN executor TEXT;",
    // 4: the files a dirty tree changed, and the cache objects keeping them.
    "ALTER TABLE code_states ADD COLUMN changed TEXT;",
    // 5: events become content-addressed (uid, parents), approvals, and the
    // bookkeeping of what remotes hold. upgrade_events() then copies the
    // old rows over, computing their uids.
    "DROP TRIGGER model_events_append_only_u; DROP TRIGGER model_events_append_only_d;"
    "ALTER TABLE model_events RENAME TO model_events_v4;"
    "CREATE TABLE model_events (id INTEGER PRIMARY KEY, model TEXT NOT NULL, version TEXT NOT NULL, stage TEXT, "
    "action TEXT NOT NULL CHECK (action IN ('promote', 'rollback', 'approve', 'reproduce')), user TEXT NOT NULL, "
    "host TEXT NOT NULL, at_ns INTEGER NOT NULL, reason TEXT NOT NULL, details TEXT NOT NULL, "
    "policy_digest TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, signature TEXT NOT NULL, "
    "parents TEXT NOT NULL, uid TEXT NOT NULL UNIQUE);"
    "CREATE TRIGGER model_events_append_only_u BEFORE UPDATE ON model_events BEGIN SELECT RAISE(ABORT, 'lineage "
    "records are append-only'); END;"
    "CREATE TRIGGER model_events_append_only_d BEFORE DELETE ON model_events BEGIN SELECT RAISE(ABORT, 'lineage "
    "records are append-only'); END;"
    "CREATE TABLE IF NOT EXISTS remote_records (remote TEXT NOT NULL, uid TEXT NOT NULL, "
    "PRIMARY KEY (remote, uid)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS remote_packs (remote TEXT NOT NULL, pack TEXT NOT NULL, "
    "PRIMARY KEY (remote, pack)) WITHOUT ROWID;",
};

int64_t intern(SqlDb& db, const std::string& insert, const std::string& select, const std::string& digest,
               const std::vector<std::string>& values) {
  SqlStatement ins = db.prepare(insert);
  for (size_t i = 0; i < values.size(); ++i) ins.bind(static_cast<int>(i + 1), values[i]);
  ins.step();
  SqlStatement sel = db.prepare(select);
  sel.bind(1, digest);
  if (!sel.step()) db.fail("cannot find a row just inserted");
  return sel.integer(0);
}

Value text_or_null(const SqlStatement& st, int col) {
  return st.is_null(col) ? Value() : Value::string(st.text(col));
}

Value int_or_null(const SqlStatement& st, int col) {
  return st.is_null(col) ? Value() : Value::integer(st.integer(col));
}

Value real_or_null(const SqlStatement& st, int col) {
  return st.is_null(col) ? Value() : Value::number(st.real(col));
}

const char* const kVersionColumns =
    "SELECT m.id, m.run_id, m.model, m.major, m.minor, m.patch, m.path, m.digest, m.is_dir, m.stage, m.bump, "
    "m.reason, m.overridden, m.basis, r.ended_ns FROM model_versions m JOIN runs r ON r.id = m.run_id";

ModelVersion version_row(const SqlStatement& m) {
  ModelVersion v;
  v.id = m.integer(0);
  v.run_id = m.integer(1);
  v.model = m.text(2);
  v.major = static_cast<int>(m.integer(3));
  v.minor = static_cast<int>(m.integer(4));
  v.patch = static_cast<int>(m.integer(5));
  v.path = m.text(6);
  v.digest = m.text(7);
  v.is_dir = m.integer(8) != 0;
  v.stage = m.text(9);
  v.bump = m.text(10);
  v.reason = m.text(11);
  v.overridden = m.integer(12) != 0;
  v.basis = m.text(13);
  v.created_ns = m.integer(14);
  return v;
}

}  // namespace

std::string ModelVersion::version() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

namespace {

// Where "user:secret@" sits in "scheme://user:secret@host/path": [begin, at).
bool userinfo(const std::string& url, size_t* begin, size_t* at) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return false;
  *begin = scheme + 3;
  const size_t end = url.find('/', *begin);
  *at = url.rfind('@', end == std::string::npos ? url.size() : end);
  return *at != std::string::npos && *at >= *begin;
}

}  // namespace

std::string strip_credentials(const std::string& url) {
  size_t begin, at;
  return userinfo(url, &begin, &at) ? url.substr(0, begin) + url.substr(at + 1) : url;
}

std::string split_password(const std::string& url, std::string* password) {
  size_t begin, at;
  if (!userinfo(url, &begin, &at)) return url;
  const size_t colon = url.find(':', begin);
  if (colon == std::string::npos || colon > at) return url;
  *password = url.substr(colon + 1, at - colon - 1);
  return url.substr(0, colon) + url.substr(at);
}

LineageStore::LineageStore(const std::string& path) : db_(std::make_unique<SqlDb>(path, true)) {
  const int version = db_->user_version();
  if (version > kLineageSchemaVersion)
    throw Error(Exit::kBadPipeline, path + " has lineage schema " + std::to_string(version) +
                                        ", newer than this pipe understands (" +
                                        std::to_string(kLineageSchemaVersion) + "); upgrade pipe");
  if (version == kLineageSchemaVersion) return;
  SqlTransaction tx(*db_);
  if (db_->user_version() == 0) {  // another process may have created it meanwhile
    db_->exec(kLineageSchemaSql);
  } else {
    for (int v = db_->user_version(); v < kLineageSchemaVersion; ++v) {
      db_->exec(kMigrations[static_cast<size_t>(v - 1)]);
      if (v + 1 == 5) upgrade_events();
    }
  }
  db_->exec("PRAGMA user_version=" + std::to_string(kLineageSchemaVersion));
  tx.commit();
}

LineageStore::~LineageStore() = default;

int64_t LineageStore::record(const RunRecord& run, const SharedRun* origin) {
  SqlTransaction tx(*db_);
  const int64_t run_id = record_rows(run, origin);
  tx.commit();
  return run_id;
}

int64_t LineageStore::record_rows(const RunRecord& run, const SharedRun* origin) {
  SqlDb& db = *db_;
  const std::string env_digest = Digest::of(run.environment).hex();
  const int64_t env_id = intern(db, "INSERT OR IGNORE INTO environments(digest, content) VALUES (?1, ?2)",
                                "SELECT id FROM environments WHERE digest = ?1", env_digest,
                                {env_digest, run.environment});
  const CodeState& c = run.code;
  // The list only where there is one: a clean tree's state keeps the
  // digest it had before schema 4.
  const std::string changed = c.changed.empty() && !(c.dirty && c.changes_recorded) ? "" : changed_json(c.changed);
  const std::string code_digest =
      Digest::of(c.git_commit + "\n" + c.branch + "\n" + c.remote_url + "\n" + (c.dirty ? "1" : "0") + "\n" +
                 c.diff_digest + (changed.empty() ? "" : "\n" + changed))
          .hex();
  SqlStatement code_ins = db.prepare(
      "INSERT OR IGNORE INTO code_states(digest, git_commit, branch, remote_url, dirty, diff_digest, changed) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  code_ins.bind(1, code_digest);
  auto bind_text = [](SqlStatement& st, int i, const std::string& s) {
    if (s.empty()) st.bind_null(i);
    else st.bind(i, s);
  };
  bind_text(code_ins, 2, c.git_commit);
  bind_text(code_ins, 3, c.branch);
  bind_text(code_ins, 4, c.remote_url);
  code_ins.bind(5, int64_t{c.dirty});
  bind_text(code_ins, 6, c.diff_digest);
  bind_text(code_ins, 7, changed);
  code_ins.step();
  SqlStatement code_sel = db.prepare("SELECT id FROM code_states WHERE digest = ?1");
  code_sel.bind(1, code_digest);
  if (!code_sel.step()) db.fail("cannot find the code state just inserted");
  const int64_t code_id = code_sel.integer(0);

  SqlStatement run_ins = db.prepare(
      "INSERT INTO runs(started_ns, ended_ns, command, user, host, pipe_version, exit_code, environment_id, code_id) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  run_ins.bind(1, run.started_ns).bind(2, run.ended_ns).bind(3, run.command).bind(4, run.user).bind(5, run.host);
  run_ins.bind(6, run.pipe_version).bind(7, int64_t{run.exit_code}).bind(8, env_id).bind(9, code_id);
  run_ins.step();
  const int64_t run_id = db.last_insert_id();

  SqlStatement exe_ins = db.prepare(
      "INSERT INTO executions(run_id, stage, cmd, status, started_ns, ended_ns, wall_seconds, user_seconds, "
      "system_seconds, max_rss_kb, exit_code, log_digest, executor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
      "?11, ?12, ?13)");
  SqlStatement art_ins = db.prepare("INSERT OR IGNORE INTO artifacts(path, digest, size, is_dir) VALUES (?1, ?2, ?3, ?4)");
  SqlStatement art_sel = db.prepare("SELECT id FROM artifacts WHERE path = ?1 AND digest = ?2");
  SqlStatement ev_ins =
      db.prepare("INSERT OR IGNORE INTO events(execution_id, artifact_id, kind, role) VALUES (?1, ?2, ?3, ?4)");
  SqlStatement par_ins = db.prepare("INSERT INTO params(execution_id, file, key, value) VALUES (?1, ?2, ?3, ?4)");
  SqlStatement met_ins =
      db.prepare("INSERT OR IGNORE INTO metrics(execution_id, file, key, value) VALUES (?1, ?2, ?3, ?4)");
  for (const ExecutionRecord& e : run.executions) {
    exe_ins.reset();
    exe_ins.bind(1, run_id).bind(2, e.stage).bind(3, e.cmd).bind(4, e.status);
    if (e.timed) {
      exe_ins.bind(5, e.started_ns).bind(6, e.ended_ns);
      exe_ins.bind(7, static_cast<double>(e.ended_ns - e.started_ns) / 1e9);
      exe_ins.bind(8, e.user_seconds).bind(9, e.system_seconds).bind(10, e.max_rss_kb).bind(11, int64_t{e.exit_code});
    } else {
      for (int i = 5; i <= 11; ++i) exe_ins.bind_null(i);
    }
    bind_text(exe_ins, 12, e.log_digest);
    bind_text(exe_ins, 13, e.executor);
    exe_ins.step();
    const int64_t exe_id = db.last_insert_id();
    auto add = [&](const LineageArtifact& a, const char* kind) {
      art_ins.reset();
      art_ins.bind(1, a.path).bind(2, a.digest).bind(3, static_cast<int64_t>(a.size)).bind(4, int64_t{a.is_dir});
      art_ins.step();
      art_sel.reset();
      art_sel.bind(1, a.path).bind(2, a.digest);
      if (!art_sel.step()) db.fail("cannot find an artifact just inserted");
      ev_ins.reset();
      ev_ins.bind(1, exe_id).bind(2, art_sel.integer(0)).bind(3, std::string(kind)).bind(4, a.role);
      ev_ins.step();
    };
    for (const LineageArtifact& a : e.inputs) add(a, "input");
    for (const LineageArtifact& a : e.outputs) add(a, "output");
    for (const LineageValue& p : e.params) {
      par_ins.reset();
      par_ins.bind(1, exe_id).bind(2, p.file).bind(3, p.key).bind(4, p.value);
      par_ins.step();
    }
    for (const LineageValue& m : e.metrics) {
      met_ins.reset();
      met_ins.bind(1, exe_id).bind(2, m.file).bind(3, m.key).bind(4, m.value);
      met_ins.step();
    }
  }
  SqlStatement mv_ins = db.prepare(
      "INSERT INTO model_versions(run_id, model, version, major, minor, patch, path, digest, is_dir, stage, bump, "
      "reason, overridden, basis) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
  for (const ModelVersion& m : run.models) {
    mv_ins.reset();
    mv_ins.bind(1, run_id).bind(2, m.model).bind(3, m.version()).bind(4, int64_t{m.major}).bind(5, int64_t{m.minor});
    mv_ins.bind(6, int64_t{m.patch}).bind(7, m.path).bind(8, m.digest).bind(9, int64_t{m.is_dir}).bind(10, m.stage);
    mv_ins.bind(11, m.bump).bind(12, m.reason).bind(13, int64_t{m.overridden}).bind(14, m.basis);
    mv_ins.step();
  }

  if (origin) {
    SqlStatement imp = db.prepare("INSERT INTO imports(run_id, uid, prev, content) VALUES (?1, ?2, ?3, ?4)");
    imp.bind(1, run_id).bind(2, origin->uid).bind(3, origin->prev).bind(4, origin->content);
    imp.step();
  }
  SqlStatement last = db.prepare("SELECT hash FROM chain ORDER BY run_id DESC LIMIT 1");
  const std::string prev = last.step() ? last.text(0) : kGenesis;
  SqlStatement chain_ins = db.prepare("INSERT INTO chain(run_id, prev_hash, hash) VALUES (?1, ?2, ?3)");
  chain_ins.bind(1, run_id).bind(2, prev).bind(3, sha256_hex(prev + "\n" + run_content(run_id)));
  chain_ins.step();
  return run_id;
}

// The run's rows as canonical JSON: what its hash covers. Written and
// verified by this one function, so the two cannot drift apart.
std::string LineageStore::run_content(int64_t run_id) {
  SqlDb& db = *db_;
  Value content = Value::map();
  SqlStatement r = db.prepare(
      "SELECT r.started_ns, r.ended_ns, r.command, r.user, r.host, r.pipe_version, r.exit_code, e.content, "
      "c.git_commit, c.branch, c.remote_url, c.dirty, c.diff_digest, c.changed FROM runs r "
      "JOIN environments e ON e.id = r.environment_id JOIN code_states c ON c.id = r.code_id WHERE r.id = ?1");
  r.bind(1, run_id);
  if (!r.step()) return "";
  content.set("id", Value::integer(run_id));
  content.set("started_ns", Value::integer(r.integer(0)));
  content.set("ended_ns", Value::integer(r.integer(1)));
  content.set("command", Value::string(r.text(2)));
  content.set("user", Value::string(r.text(3)));
  content.set("host", Value::string(r.text(4)));
  content.set("pipe_version", Value::string(r.text(5)));
  content.set("exit_code", Value::integer(r.integer(6)));
  content.set("environment", Value::string(r.text(7)));
  Value code = Value::map();
  code.set("git_commit", text_or_null(r, 8));
  code.set("branch", text_or_null(r, 9));
  code.set("remote_url", text_or_null(r, 10));
  code.set("dirty", Value::integer(r.integer(11)));
  code.set("diff_digest", text_or_null(r, 12));
  if (!r.is_null(13)) code.set("changed", Value::string(r.text(13)));  // schema 4, dirty trees only
  content.set("code", code);

  Value executions = Value::list();
  SqlStatement e = db.prepare(
      "SELECT id, stage, cmd, status, started_ns, ended_ns, wall_seconds, user_seconds, system_seconds, max_rss_kb, "
      "exit_code, log_digest, executor FROM executions WHERE run_id = ?1 ORDER BY id");
  e.bind(1, run_id);
  SqlStatement ev = db.prepare(
      "SELECT v.kind, v.role, a.path, a.digest, a.size, a.is_dir FROM events v JOIN artifacts a ON a.id = v.artifact_id "
      "WHERE v.execution_id = ?1 ORDER BY v.kind, a.path, a.digest");
  SqlStatement pv = db.prepare("SELECT file, key, value FROM params WHERE execution_id = ?1 ORDER BY file, key");
  SqlStatement mv = db.prepare("SELECT file, key, value FROM metrics WHERE execution_id = ?1 ORDER BY file, key");
  while (e.step()) {
    Value x = Value::map();
    const int64_t id = e.integer(0);
    x.set("id", Value::integer(id));
    x.set("stage", Value::string(e.text(1)));
    x.set("cmd", Value::string(e.text(2)));
    x.set("status", Value::string(e.text(3)));
    x.set("started_ns", int_or_null(e, 4));
    x.set("ended_ns", int_or_null(e, 5));
    x.set("wall_seconds", real_or_null(e, 6));
    x.set("user_seconds", real_or_null(e, 7));
    x.set("system_seconds", real_or_null(e, 8));
    x.set("max_rss_kb", int_or_null(e, 9));
    x.set("exit_code", int_or_null(e, 10));
    x.set("log_digest", text_or_null(e, 11));
    // Only where there is one: a run recorded before schema 3 keeps the
    // content (and so the hash) it was chained with.
    if (!e.is_null(12)) x.set("executor", Value::string(e.text(12)));
    Value events = Value::list();
    ev.reset();
    ev.bind(1, id);
    while (ev.step()) {
      Value a = Value::list();
      for (int col = 0; col < 4; ++col) a.push(Value::string(ev.text(col)));
      a.push(Value::integer(ev.integer(4)));
      a.push(Value::integer(ev.integer(5)));
      events.push(a);
    }
    x.set("events", events);
    for (auto [name, st] : {std::pair<const char*, SqlStatement*>{"params", &pv}, {"metrics", &mv}}) {
      Value rows = Value::list();
      st->reset();
      st->bind(1, id);
      while (st->step()) {
        Value row = Value::list();
        for (int col = 0; col < 3; ++col) row.push(Value::string(st->text(col)));
        rows.push(row);
      }
      x.set(name, rows);
    }
    executions.push(x);
  }
  content.set("executions", executions);

  Value models = Value::list();
  SqlStatement m = db.prepare(
      "SELECT model, version, path, digest, is_dir, stage, bump, reason, overridden, basis FROM model_versions "
      "WHERE run_id = ?1 ORDER BY id");
  m.bind(1, run_id);
  while (m.step()) {
    Value row = Value::list();
    for (int col = 0; col < 10; ++col) row.push(Value::string(m.text(col)));
    models.push(row);
  }
  content.set("models", models);
  SqlStatement imported = db.prepare("SELECT uid FROM imports WHERE run_id = ?1");
  imported.bind(1, run_id);
  if (imported.step()) content.set("imported", Value::string(imported.text(0)));
  return content.canonical();
}

ChainCheck LineageStore::verify() {
  ChainCheck check;
  SqlDb& db = *db_;
  std::string prev = kGenesis;
  SqlStatement runs_st = db.prepare(
      "SELECT r.id, c.prev_hash, c.hash FROM runs r LEFT JOIN chain c ON c.run_id = r.id ORDER BY r.id");
  auto broken = [&](int64_t id, const std::string& what) {
    check.ok = false;
    check.broken_run = id;
    check.problem = what;
  };
  while (runs_st.step()) {
    const int64_t id = runs_st.integer(0);
    ++check.runs;
    if (runs_st.is_null(2)) return broken(id, "run " + std::to_string(id) + " has no chain record (deleted?)"), check;
    if (runs_st.text(1) != prev)
      return broken(id, "run " + std::to_string(id) +
                            " does not follow the run before it: a run was deleted, or its chain record altered"),
             check;
    const std::string want = sha256_hex(prev + "\n" + run_content(id));
    if (want != runs_st.text(2))
      return broken(id, "run " + std::to_string(id) +
                            "'s records do not match their hash: a row of it (run, execution, event, artifact, "
                            "param, metric, environment, code or model version) was changed, added or deleted"),
             check;
    prev = runs_st.text(2);
  }
  // Chain records whose run is gone, after the last run that still exists.
  SqlStatement orphans = db.prepare("SELECT c.run_id FROM chain c LEFT JOIN runs r ON r.id = c.run_id "
                                    "WHERE r.id IS NULL ORDER BY c.run_id LIMIT 1");
  if (orphans.step()) broken(orphans.integer(0), "run " + std::to_string(orphans.integer(0)) + " was deleted");
  if (check.ok) verify_events(&check);
  return check;
}

std::vector<ExecutionRecord> LineageStore::executions(int64_t run_id) {
  std::vector<ExecutionRecord> out;
  SqlDb& db = *db_;
  SqlStatement e = db.prepare(
      "SELECT id, stage, cmd, status, started_ns, ended_ns, user_seconds, system_seconds, max_rss_kb, exit_code, "
      "log_digest, executor FROM executions WHERE run_id = ?1 ORDER BY id");
  e.bind(1, run_id);
  SqlStatement ev = db.prepare(
      "SELECT v.kind, v.role, a.path, a.digest, a.size, a.is_dir FROM events v JOIN artifacts a ON a.id = v.artifact_id "
      "WHERE v.execution_id = ?1 ORDER BY a.path");
  SqlStatement pv = db.prepare("SELECT file, key, value FROM params WHERE execution_id = ?1 ORDER BY file, key");
  SqlStatement mv = db.prepare("SELECT file, key, value FROM metrics WHERE execution_id = ?1 ORDER BY file, key");
  while (e.step()) {
    ExecutionRecord x;
    x.id = e.integer(0);
    x.run_id = run_id;
    x.stage = e.text(1);
    x.cmd = e.text(2);
    x.status = e.text(3);
    x.timed = !e.is_null(4);
    x.started_ns = e.integer(4);
    x.ended_ns = e.integer(5);
    x.user_seconds = e.real(6);
    x.system_seconds = e.real(7);
    x.max_rss_kb = e.integer(8);
    x.exit_code = static_cast<int>(e.integer(9));
    x.log_digest = e.text(10);
    if (!e.is_null(11)) x.executor = e.text(11);
    ev.reset();
    ev.bind(1, x.id);
    while (ev.step()) {
      LineageArtifact a{ev.text(2), ev.text(3), static_cast<uint64_t>(ev.integer(4)), ev.integer(5) != 0, ev.text(1)};
      (ev.text(0) == "input" ? x.inputs : x.outputs).push_back(a);
    }
    for (auto [list, st] : {std::pair<std::vector<LineageValue>*, SqlStatement*>{&x.params, &pv}, {&x.metrics, &mv}}) {
      st->reset();
      st->bind(1, x.id);
      while (st->step()) list->push_back({st->text(0), st->text(1), st->text(2)});
    }
    out.push_back(std::move(x));
  }
  return out;
}

std::vector<RunRecord> LineageStore::query_runs(const std::string& where, int64_t id, size_t limit, bool full) {
  std::vector<RunRecord> out;
  SqlStatement r = db_->prepare(
      "SELECT r.id, r.started_ns, r.ended_ns, r.command, r.user, r.host, r.pipe_version, r.exit_code, e.content, "
      "c.git_commit, c.branch, c.remote_url, c.dirty, c.diff_digest, c.changed FROM runs r "
      "JOIN environments e ON e.id = r.environment_id JOIN code_states c ON c.id = r.code_id " +
      where + " ORDER BY r.id DESC" + (limit ? " LIMIT " + std::to_string(limit) : std::string()));
  if (!where.empty()) r.bind(1, id);
  while (r.step()) {
    RunRecord run;
    run.id = r.integer(0);
    run.started_ns = r.integer(1);
    run.ended_ns = r.integer(2);
    run.command = r.text(3);
    run.user = r.text(4);
    run.host = r.text(5);
    run.pipe_version = r.text(6);
    run.exit_code = static_cast<int>(r.integer(7));
    run.environment = r.text(8);
    run.code = {r.text(9), r.text(10), r.text(11), r.integer(12) != 0, r.text(13), parse_changed(r.text(14)),
                !r.is_null(14)};
    out.push_back(std::move(run));
  }
  if (full)
    for (RunRecord& run : out) {
      run.executions = executions(run.id);
      run.models = versions_where("WHERE m.run_id = ?1", run.id);
    }
  return out;
}

std::vector<RunRecord> LineageStore::runs(size_t limit, bool full) { return query_runs("", 0, limit, full); }

RunRecord LineageStore::run(int64_t id) {
  std::vector<RunRecord> found = query_runs("WHERE r.id = ?1", id, 0, true);
  if (found.empty())
    throw Error(Exit::kUsage, "no run " + std::to_string(id) + " in the lineage store; 'pipe log' lists them");
  return std::move(found.front());
}

std::vector<ModelVersion> LineageStore::model_versions(const std::string& model) {
  if (model.empty()) return versions_where("", 0);
  std::vector<ModelVersion> out;
  SqlStatement m = db_->prepare(kVersionColumns + std::string(" WHERE m.model = ?1 ORDER BY m.id"));
  m.bind(1, model);
  while (m.step()) out.push_back(version_row(m));
  return out;
}

std::vector<ModelVersion> LineageStore::versions_where(const std::string& where, int64_t id) {
  std::vector<ModelVersion> out;
  SqlStatement m = db_->prepare(kVersionColumns + (" " + where) + " ORDER BY m.id");
  if (!where.empty()) m.bind(1, id);
  while (m.step()) out.push_back(version_row(m));
  return out;
}

bool LineageStore::producer(const std::string& path, const std::string& digest, ExecutionRecord* out, int64_t* run_id) {
  SqlStatement s = db_->prepare(
      "SELECT x.run_id, x.id FROM events v JOIN artifacts a ON a.id = v.artifact_id JOIN executions x ON "
      "x.id = v.execution_id WHERE a.path = ?1 AND a.digest = ?2 AND v.kind = 'output' AND x.status IN "
      "('ran', 'restored') ORDER BY x.id DESC LIMIT 1");
  s.bind(1, path).bind(2, digest);
  if (!s.step()) return false;
  *run_id = s.integer(0);
  const int64_t exe = s.integer(1);
  for (ExecutionRecord& e : executions(*run_id))
    if (e.id == exe) {
      *out = std::move(e);
      return true;
    }
  return false;
}

int64_t LineageStore::first_seen(const std::string& path, const std::string& digest) {
  SqlStatement s = db_->prepare(
      "SELECT MIN(r.started_ns) FROM artifacts a JOIN events v ON v.artifact_id = a.id JOIN executions x ON "
      "x.id = v.execution_id JOIN runs r ON r.id = x.run_id WHERE a.path = ?1 AND a.digest = ?2");
  s.bind(1, path).bind(2, digest);
  return s.step() && !s.is_null(0) ? s.integer(0) : 0;
}

std::vector<ExecutionRecord> LineageStore::consumers(const std::string& path, const std::string& digest) {
  std::vector<ExecutionRecord> out;
  SqlStatement s = db_->prepare(
      "SELECT x.run_id, x.id, x.stage FROM events v JOIN artifacts a ON a.id = v.artifact_id JOIN executions x ON "
      "x.id = v.execution_id WHERE a.path = ?1 AND a.digest = ?2 AND v.kind = 'input' AND x.status IN "
      "('ran', 'restored') ORDER BY x.id DESC");
  s.bind(1, path).bind(2, digest);
  std::vector<std::string> seen;
  while (s.step()) {
    const std::string stage = s.text(2);
    if (std::find(seen.begin(), seen.end(), stage) != seen.end()) continue;
    seen.push_back(stage);
    const int64_t exe = s.integer(1);
    for (ExecutionRecord& e : executions(s.integer(0)))
      if (e.id == exe) out.push_back(std::move(e));
  }
  return out;
}

std::string changed_json(const std::vector<ChangedFile>& files) {
  Value list = Value::list();
  for (const ChangedFile& f : files) {
    Value x = Value::map();
    x.set("path", Value::string(f.path));
    if (!f.digest.empty()) x.set("digest", Value::string(f.digest));
    if (!f.why.empty()) x.set("why", Value::string(f.why));
    list.push(x);
  }
  return list.canonical();
}

std::vector<ChangedFile> parse_changed(const std::string& json) {
  std::vector<ChangedFile> out;
  if (json.empty()) return out;
  Value list;
  try {
    list = parse_json("the lineage store's changed files", json);
  } catch (const Error&) {
    return out;  // audit verify reports a damaged record; this is only its reading
  }
  if (!list.is_list()) return out;
  for (const Value& x : list.items()) {
    if (!x.is_map()) continue;
    ChangedFile f;
    for (auto [key, field] : {std::pair<const char*, std::string*>{"path", &f.path}, {"digest", &f.digest}, {"why", &f.why}})
      if (const Value* v = x.find(key); v && v->is_string()) *field = v->as_string();
    if (!f.path.empty()) out.push_back(std::move(f));
  }
  return out;
}

std::vector<ChangedFile> LineageStore::kept_files() {
  std::vector<ChangedFile> out;
  SqlStatement s = db_->prepare("SELECT changed FROM code_states WHERE changed IS NOT NULL");
  while (s.step())
    for (ChangedFile& f : parse_changed(s.text(0)))
      if (!f.digest.empty()) out.push_back(std::move(f));
  return out;
}

std::vector<LineageArtifact> LineageStore::model_artifacts() {
  std::vector<LineageArtifact> out;
  SqlStatement s = db_->prepare(
      "SELECT DISTINCT a.path, a.digest, a.size, a.is_dir FROM model_versions m JOIN executions x ON "
      "x.run_id = m.run_id JOIN events v ON v.execution_id = x.id JOIN artifacts a ON a.id = v.artifact_id");
  while (s.step())
    out.push_back({s.text(0), s.text(1), static_cast<uint64_t>(s.integer(2)), s.integer(3) != 0, ""});
  SqlStatement own = db_->prepare("SELECT path, digest, is_dir FROM model_versions");
  while (own.step()) out.push_back({own.text(0), own.text(1), 0, own.integer(2) != 0, "output"});
  // What a dirty tree held when a version was made: audit reproduce
  // rebuilds its inputs from these.
  SqlStatement kept = db_->prepare(
      "SELECT DISTINCT c.changed FROM model_versions m JOIN runs r ON r.id = m.run_id JOIN code_states c ON "
      "c.id = r.code_id WHERE c.changed IS NOT NULL");
  while (kept.step())
    for (const ChangedFile& f : parse_changed(kept.text(0)))
      if (!f.digest.empty()) out.push_back({f.path, f.digest, 0, false, "code"});
  return out;
}

}  // namespace pipeline
