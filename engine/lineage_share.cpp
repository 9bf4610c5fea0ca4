// Sharing runs between lineage stores through a remote: each run travels as
// the file "PREV\nCONTENT" named by its SHA-256, which is its hash in its
// source's chain, so the receiver can check every record it is given and
// the chain of `prev` links between them.
#include <cstdio>

#include "document.h"
#include "error.h"
#include "lineage.h"
#include "ssl_digests.h"
#include "sql.h"
#include "value.h"

namespace pipeline {
namespace {

std::string text(const Value& map, const char* key) { return string_field(map, key); }
int64_t integer(const Value& map, const char* key) { return int_field(map, key); }

double real(const Value& map, const char* key) {
  const Value* v = map.find(key);
  if (!v) return 0;
  if (v->kind() == Value::Kind::kFloat) return v->as_float();
  return v->kind() == Value::Kind::kInt ? static_cast<double>(v->as_int()) : 0;
}

const std::vector<Value>& list(const Value& map, const char* key) {
  static const std::vector<Value> none;
  const Value* v = map.find(key);
  return v && v->is_list() ? v->items() : none;
}

std::string cell(const Value& row, size_t i) {
  return row.is_list() && i < row.items().size() && row.items()[i].is_string() ? row.items()[i].as_string() : "";
}

int64_t cell_int(const Value& row, size_t i) {
  return row.is_list() && i < row.items().size() && row.items()[i].kind() == Value::Kind::kInt
             ? row.items()[i].as_int()
             : 0;
}

// The content run_content() writes, back into a record.
RunRecord parse_content(const std::string& content) {
  const Value run = parse_json("shared lineage record", content);
  if (!run.is_map()) throw Error(Exit::kFailed, "a shared lineage record is not a JSON object");
  RunRecord r;
  r.started_ns = integer(run, "started_ns");
  r.ended_ns = integer(run, "ended_ns");
  r.command = text(run, "command");
  r.user = text(run, "user");
  r.host = text(run, "host");
  r.pipe_version = text(run, "pipe_version");
  r.exit_code = static_cast<int>(integer(run, "exit_code"));
  r.environment = text(run, "environment");
  if (const Value* code = run.find("code"); code && code->is_map()) {
    r.code.git_commit = text(*code, "git_commit");
    r.code.branch = text(*code, "branch");
    r.code.remote_url = text(*code, "remote_url");
    r.code.dirty = integer(*code, "dirty") != 0;
    r.code.diff_digest = text(*code, "diff_digest");
    r.code.changed = parse_changed(text(*code, "changed"));
    r.code.changes_recorded = code->find("changed") != nullptr;
  }
  for (const Value& x : list(run, "executions")) {
    ExecutionRecord e;
    e.stage = text(x, "stage");
    e.cmd = text(x, "cmd");
    e.status = text(x, "status");
    const Value* started = x.find("started_ns");
    e.timed = started && !started->is_null();
    e.started_ns = integer(x, "started_ns");
    e.ended_ns = integer(x, "ended_ns");
    e.user_seconds = real(x, "user_seconds");
    e.system_seconds = real(x, "system_seconds");
    e.max_rss_kb = integer(x, "max_rss_kb");
    e.exit_code = static_cast<int>(integer(x, "exit_code"));
    e.log_digest = text(x, "log_digest");
    for (const Value& ev : list(x, "events")) {
      LineageArtifact a{cell(ev, 2), cell(ev, 3), static_cast<uint64_t>(cell_int(ev, 4)), cell_int(ev, 5) != 0,
                        cell(ev, 1)};
      (cell(ev, 0) == "input" ? e.inputs : e.outputs).push_back(a);
    }
    for (const Value& p : list(x, "params")) e.params.push_back({cell(p, 0), cell(p, 1), cell(p, 2)});
    for (const Value& m : list(x, "metrics")) e.metrics.push_back({cell(m, 0), cell(m, 1), cell(m, 2)});
    r.executions.push_back(std::move(e));
  }
  for (const Value& row : list(run, "models")) {
    ModelVersion m;
    m.model = cell(row, 0);
    if (std::sscanf(cell(row, 1).c_str(), "%d.%d.%d", &m.major, &m.minor, &m.patch) != 3)
      throw Error(Exit::kFailed, "a shared lineage record has model version '" + cell(row, 1) + "'");
    m.path = cell(row, 2);
    m.digest = cell(row, 3);
    m.is_dir = cell(row, 4) == "1";
    m.stage = cell(row, 5);
    m.bump = cell(row, 6);
    m.reason = cell(row, 7);
    m.overridden = cell(row, 8) == "1";
    m.basis = cell(row, 9);
    r.models.push_back(std::move(m));
  }
  return r;
}

}  // namespace

bool SharedRun::parse(const std::string& uid, const std::string& bytes, SharedRun* out) {
  const size_t nl = bytes.find('\n');
  if (nl == std::string::npos || sha256_hex(bytes) != uid) return false;
  *out = {uid, bytes.substr(0, nl), bytes.substr(nl + 1)};
  return true;
}

SharedRun LineageStore::shared_run(int64_t run_id) {
  SqlStatement imported = db_->prepare("SELECT uid, prev, content FROM imports WHERE run_id = ?1");
  imported.bind(1, run_id);
  if (imported.step()) return {imported.text(0), imported.text(1), imported.text(2)};
  SqlStatement chained = db_->prepare("SELECT hash, prev_hash FROM chain WHERE run_id = ?1");
  chained.bind(1, run_id);
  if (!chained.step()) return {};
  return {chained.text(0), chained.text(1), run_content(run_id)};
}

std::vector<SharedRun> LineageStore::shared_runs() {
  std::vector<int64_t> ids;
  SqlStatement st = db_->prepare("SELECT id FROM runs ORDER BY id");
  while (st.step()) ids.push_back(st.integer(0));
  std::vector<SharedRun> out;
  for (int64_t id : ids) {
    SharedRun r = shared_run(id);
    if (!r.uid.empty()) out.push_back(std::move(r));
  }
  return out;
}

bool LineageStore::has_run(const std::string& uid) {
  SqlStatement st = db_->prepare("SELECT 1 FROM chain WHERE hash = ?1 UNION SELECT 1 FROM imports WHERE uid = ?1");
  st.bind(1, uid);
  return st.step();
}

int64_t LineageStore::import(const SharedRun& shared, std::vector<std::string>* clashes) {
  SqlTransaction tx(*db_);
  const int64_t id = record_rows(without_clashes(shared, clashes), &shared);
  tx.commit();
  return id;
}

size_t LineageStore::import_runs(const std::vector<SharedRun>& runs, std::vector<std::string>* clashes,
                                 bool with_models) {
  SqlTransaction tx(*db_);
  size_t added = 0;
  for (const SharedRun& shared : runs) {
    if (has_run(shared.uid)) continue;
    RunRecord run = without_clashes(shared, clashes);
    if (!with_models) run.models.clear();
    record_rows(run, &shared);
    ++added;
  }
  tx.commit();
  return added;
}

RunRecord LineageStore::without_clashes(const SharedRun& shared, std::vector<std::string>* clashes) {
  RunRecord run = parse_content(shared.content);
  std::vector<ModelVersion> kept;
  for (ModelVersion& m : run.models) {
    SqlStatement st = db_->prepare("SELECT digest FROM model_versions WHERE model = ?1 AND version = ?2");
    st.bind(1, m.model).bind(2, m.version());
    if (!st.step()) {
      kept.push_back(std::move(m));
    } else if (st.text(0) != m.digest) {
      clashes->push_back("model " + m.model + " " + m.version() + " from " + run.user + "@" + run.host +
                         " differs from the one recorded here (" + m.digest.substr(0, 12) + " vs " +
                         st.text(0).substr(0, 12) + "); the local one is kept");
    }
  }
  run.models = std::move(kept);
  return run;
}

}  // namespace pipeline
