// Model events (promotions, rollbacks, reproduction checks): appended to a
// hash chain of their own, as runs are to theirs.
#include "error.h"
#include "lineage.h"
#include "ssl_digests.h"
#include "sql.h"
#include "value.h"

namespace pipeline {
namespace {

const std::string kNoEvent(64, '0');

// What an event's hash covers. One function writes and checks it.
std::string event_content(const ModelEvent& e) {
  Value v = Value::map();
  v.set("id", Value::integer(e.id));
  v.set("model", Value::string(e.model));
  v.set("version", Value::string(e.version));
  v.set("stage", e.stage.empty() ? Value() : Value::string(e.stage));
  v.set("action", Value::string(e.action));
  v.set("user", Value::string(e.user));
  v.set("host", Value::string(e.host));
  v.set("at_ns", Value::integer(e.at_ns));
  v.set("reason", Value::string(e.reason));
  v.set("details", Value::string(e.details));
  v.set("policy_digest", Value::string(e.policy_digest));
  return v.canonical();
}

const char* const kEventColumns =
    "SELECT id, model, version, stage, action, user, host, at_ns, reason, details, policy_digest, prev_hash, hash "
    "FROM model_events";

ModelEvent event_row(const SqlStatement& st) {
  ModelEvent e;
  e.id = st.integer(0);
  e.model = st.text(1);
  e.version = st.text(2);
  e.stage = st.is_null(3) ? "" : st.text(3);
  e.action = st.text(4);
  e.user = st.text(5);
  e.host = st.text(6);
  e.at_ns = st.integer(7);
  e.reason = st.text(8);
  e.details = st.text(9);
  e.policy_digest = st.text(10);
  return e;
}

}  // namespace

int64_t LineageStore::add_event(const ModelEvent& event) {
  SqlDb& db = *db_;
  SqlTransaction tx(db);
  SqlStatement last = db.prepare("SELECT id, hash FROM model_events ORDER BY id DESC LIMIT 1");
  ModelEvent e = event;
  std::string prev = kNoEvent;
  e.id = 1;
  if (last.step()) {
    e.id = last.integer(0) + 1;
    prev = last.text(1);
  }
  SqlStatement ins = db.prepare(
      "INSERT INTO model_events(id, model, version, stage, action, user, host, at_ns, reason, details, policy_digest, "
      "prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
  ins.bind(1, e.id).bind(2, e.model).bind(3, e.version);
  if (e.stage.empty()) ins.bind_null(4);
  else ins.bind(4, e.stage);
  ins.bind(5, e.action).bind(6, e.user).bind(7, e.host).bind(8, e.at_ns).bind(9, e.reason).bind(10, e.details);
  ins.bind(11, e.policy_digest).bind(12, prev).bind(13, sha256_hex(prev + "\n" + event_content(e)));
  ins.step();
  tx.commit();
  return e.id;
}

std::vector<ModelEvent> LineageStore::events(const std::string& model) {
  SqlStatement st = db_->prepare(std::string(kEventColumns) + (model.empty() ? "" : " WHERE model = ?1") + " ORDER BY id");
  if (!model.empty()) st.bind(1, model);
  std::vector<ModelEvent> out;
  while (st.step()) out.push_back(event_row(st));
  return out;
}

void LineageStore::verify_events(ChainCheck* check) {
  SqlStatement st = db_->prepare(std::string(kEventColumns) + " ORDER BY id");
  std::string prev = kNoEvent;
  while (st.step()) {
    const ModelEvent e = event_row(st);
    ++check->events;
    if (st.text(11) != prev || st.text(12) != sha256_hex(prev + "\n" + event_content(e))) {
      check->ok = false;
      check->problem = "model event " + std::to_string(e.id) + " (" + e.action + " " + e.model + " " + e.version +
                       ") does not match its hash: it, or the one before it, was changed or deleted";
      return;
    }
    prev = st.text(12);
  }
}

}  // namespace pipeline
