// Model events (promotions, rollbacks, approvals, reproduction checks).
// Each is a content-addressed object naming the events its author held
// last, so events made in two clones at once fork the graph instead of
// overwriting each other; every store orders the graph the same way.
// Locally, rows are also hash-chained in arrival order, as runs are.
#include <algorithm>
#include <map>
#include <queue>
#include <set>
#include <sstream>

#include "document.h"
#include "error.h"
#include "lineage.h"
#include "ssl_digests.h"
#include "sql.h"
#include "value.h"

namespace pipeline {
namespace {

const std::string kNoEvent(64, '0');

// What the local chain's hash covers (unchanged since schema 2, so old
// chains still verify). The uid covers the rest.
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

std::string join(const std::vector<std::string>& uids) {
  std::string out;
  for (const std::string& u : uids) out += (out.empty() ? "" : " ") + u;
  return out;
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string u; in >> u;) out.push_back(u);
  return out;
}


const char* const kEventColumns =
    "SELECT id, model, version, stage, action, user, host, at_ns, reason, details, policy_digest, prev_hash, hash, "
    "signature, parents, uid FROM model_events";

// Columns 0-10 of kEventColumns, which schema 4's table had too.
ModelEvent event_fields(const SqlStatement& st) {
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

ModelEvent event_row(const SqlStatement& st) {
  ModelEvent e = event_fields(st);
  e.signature = st.text(13);
  e.parents = split(st.text(14));
  e.uid = st.text(15);
  return e;
}

// Appends `e` (uid and parents set) to the local chain.
int64_t append(SqlDb& db, ModelEvent e) {
  SqlStatement last = db.prepare("SELECT id, hash FROM model_events ORDER BY id DESC LIMIT 1");
  std::string prev = kNoEvent;
  e.id = 1;
  if (last.step()) {
    e.id = last.integer(0) + 1;
    prev = last.text(1);
  }
  SqlStatement ins = db.prepare(
      "INSERT INTO model_events(id, model, version, stage, action, user, host, at_ns, reason, details, policy_digest, "
      "prev_hash, hash, signature, parents, uid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
      "?15, ?16)");
  ins.bind(1, e.id).bind(2, e.model).bind(3, e.version);
  if (e.stage.empty()) ins.bind_null(4);
  else ins.bind(4, e.stage);
  ins.bind(5, e.action).bind(6, e.user).bind(7, e.host).bind(8, e.at_ns).bind(9, e.reason).bind(10, e.details);
  ins.bind(11, e.policy_digest).bind(12, prev).bind(13, sha256_hex(prev + "\n" + event_content(e)));
  ins.bind(14, e.signature).bind(15, join(e.parents)).bind(16, e.uid);
  ins.step();
  return e.id;
}

// The events no other event names as a parent, sorted.
std::vector<std::string> heads(SqlDb& db) {
  std::set<std::string> all, named;
  SqlStatement st = db.prepare("SELECT uid, parents FROM model_events");
  while (st.step()) {
    all.insert(st.text(0));
    for (std::string& p : split(st.text(1))) named.insert(std::move(p));
  }
  std::vector<std::string> out;
  for (const std::string& u : all)
    if (!named.count(u)) out.push_back(u);
  return out;
}

// Marks the events that some other event is neither an ancestor nor a
// descendant of. In a topological order, E follows from every event before
// it exactly when its parents include every head so far (each earlier event
// leads to some head), and every event after it follows from E exactly when
// its children include every tail seen walking back. Linear in the events
// times the width of the forks.
void mark_concurrent(std::vector<ModelEvent>& events, const std::vector<size_t>& order,
                     const std::vector<std::vector<size_t>>& children) {
  std::vector<std::vector<size_t>> parents(events.size());
  for (size_t i = 0; i < children.size(); ++i)
    for (size_t k : children[i]) parents[k].push_back(i);
  auto covers = [](const std::set<size_t>& ends, const std::vector<size_t>& links) {
    for (size_t e : ends)
      if (std::find(links.begin(), links.end(), e) == links.end()) return false;
    return true;
  };
  std::vector<bool> after_all(events.size()), before_all(events.size());
  std::set<size_t> heads;
  for (size_t i : order) {
    after_all[i] = covers(heads, parents[i]);
    for (size_t p : parents[i]) heads.erase(p);
    heads.insert(i);
  }
  std::set<size_t> tails;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    before_all[*it] = covers(tails, children[*it]);
    for (size_t c : children[*it]) tails.erase(c);
    tails.insert(*it);
  }
  for (size_t i : order) events[i].concurrent = !(after_all[i] && before_all[i]);
}

// Whether `text` has no control character but newline and tab: what a
// terminal would act on never comes from a remote.
bool printable(const std::string& text) {
  return std::none_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\n' && c != '\t') || u == 0x7f;
  });
}

// JSON nested no deeper than `limit` (brackets outside strings), so that
// printing it cannot exhaust the stack.
bool shallow(const std::string& json, int limit) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

// The registry's order (see LineageStore::events), and which events were
// made concurrently with another.
void order_events(std::vector<ModelEvent>* events) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < events->size(); ++i) index[(*events)[i].uid] = i;
  std::vector<std::vector<size_t>> children(events->size());
  std::vector<size_t> waiting(events->size(), 0);
  for (size_t i = 0; i < events->size(); ++i)
    for (const std::string& p : (*events)[i].parents)
      if (auto it = index.find(p); it != index.end()) {
        children[it->second].push_back(i);
        ++waiting[i];
      }
  auto later = [&](size_t a, size_t b) {
    const ModelEvent& x = (*events)[a];
    const ModelEvent& y = (*events)[b];
    return x.at_ns != y.at_ns ? x.at_ns > y.at_ns : x.uid > y.uid;
  };
  std::priority_queue<size_t, std::vector<size_t>, decltype(later)> ready(later);
  for (size_t i = 0; i < events->size(); ++i)
    if (!waiting[i]) ready.push(i);
  std::vector<size_t> order;
  order.reserve(events->size());
  while (!ready.empty()) {
    const size_t i = ready.top();
    ready.pop();
    order.push_back(i);
    for (size_t k : children[i])
      if (--waiting[k] == 0) ready.push(k);
  }
  mark_concurrent(*events, order, children);
  std::vector<ModelEvent> out;
  out.reserve(order.size());
  for (size_t i : order) out.push_back(std::move((*events)[i]));
  // A cycle cannot be built from content-addressed parents; were one forged
  // into the database, its events are left out here and verify() says so.
  events->swap(out);
}

}  // namespace

std::string ModelEvent::shared_bytes() const {
  Value v = Value::map();
  v.set("kind", Value::string("model-event"));
  v.set("model", Value::string(model));
  v.set("version", Value::string(version));
  v.set("stage", stage.empty() ? Value() : Value::string(stage));
  v.set("action", Value::string(action));
  v.set("user", Value::string(user));
  v.set("host", Value::string(host));
  v.set("at_ns", Value::integer(at_ns));
  v.set("reason", Value::string(reason));
  v.set("details", Value::string(details));
  v.set("policy_digest", Value::string(policy_digest));
  v.set("signature", Value::string(signature));
  Value list = Value::list();
  for (const std::string& p : parents) list.push(Value::string(p));
  v.set("parents", list);
  return v.canonical();
}

bool ModelEvent::parse_shared(const std::string& uid, const std::string& bytes, ModelEvent* out) {
  if (!is_sha256_hex(uid) || sha256_hex(bytes) != uid) return false;
  Value v;
  try {
    v = parse_json("model event", bytes);
  } catch (const Error&) {
    return false;
  }
  auto text = [&](const char* key, std::string* into) {
    const Value* x = v.is_map() ? v.find(key) : nullptr;
    if (!x || !x->is_string()) return false;
    *into = x->as_string();
    return true;
  };
  ModelEvent e;
  std::string kind;
  const Value* at = v.is_map() ? v.find("at_ns") : nullptr;
  const Value* stage = v.is_map() ? v.find("stage") : nullptr;
  const Value* parents = v.is_map() ? v.find("parents") : nullptr;
  if (!text("kind", &kind) || kind != "model-event" || !text("model", &e.model) || !text("version", &e.version) ||
      !text("action", &e.action) || !text("user", &e.user) || !text("host", &e.host) ||
      !text("reason", &e.reason) || !text("details", &e.details) || !text("policy_digest", &e.policy_digest) ||
      !text("signature", &e.signature) || !at || at->kind() != Value::Kind::kInt || !stage ||
      !(stage->is_null() || stage->is_string()) || !parents || !parents->is_list())
    return false;
  static const std::set<std::string> actions = {"promote", "rollback", "approve", "reproduce"};
  if (!actions.count(e.action)) return false;
  e.at_ns = at->as_int();
  e.stage = stage->is_string() ? stage->as_string() : "";
  for (const Value& p : parents->items()) {
    // Sorted and distinct, as add_event writes them.
    if (!p.is_string() || !is_sha256_hex(p.as_string()) || (!e.parents.empty() && e.parents.back() >= p.as_string()))
      return false;
    e.parents.push_back(p.as_string());
  }
  for (const std::string* s : {&e.model, &e.version, &e.stage, &e.action, &e.user, &e.host, &e.reason, &e.details,
                               &e.signature, &e.policy_digest})
    if (!printable(*s)) return false;
  if (!shallow(e.details, 32) || !shallow(e.signature, 32)) return false;
  // The canonical form is the only form: anything else was not written by
  // shared_bytes() (and a second spelling would be a second uid).
  if (e.shared_bytes() != bytes) return false;
  e.uid = uid;
  *out = std::move(e);
  return true;
}

int64_t LineageStore::add_event(const ModelEvent& event) {
  SqlDb& db = *db_;
  SqlTransaction tx(db);
  ModelEvent e = event;
  e.parents = heads(db);
  e.uid = sha256_hex(e.shared_bytes());
  const int64_t id = append(db, e);
  tx.commit();
  return id;
}

size_t LineageStore::import_events(const std::vector<ModelEvent>& events) {
  SqlDb& db = *db_;
  SqlTransaction tx(db);
  size_t added = 0;
  for (const ModelEvent& e : events) {
    if (has_event(e.uid)) continue;
    append(db, e);
    ++added;
  }
  tx.commit();
  return added;
}

bool LineageStore::has_event(const std::string& uid) {
  SqlStatement st = db_->prepare("SELECT 1 FROM model_events WHERE uid = ?1");
  st.bind(1, uid);
  return st.step();
}

std::vector<ModelEvent> LineageStore::events(const std::string& model) {
  // The order needs the whole graph: another model's events may sit
  // between two of this one's.
  SqlStatement st = db_->prepare(kEventColumns);
  std::vector<ModelEvent> all;
  while (st.step()) all.push_back(event_row(st));
  order_events(&all);
  if (model.empty()) return all;
  std::vector<ModelEvent> out;
  for (ModelEvent& e : all)
    if (e.model == model) out.push_back(std::move(e));
  return out;
}

void LineageStore::verify_events(ChainCheck* check) {
  SqlStatement st = db_->prepare(std::string(kEventColumns) + " ORDER BY id");
  std::string prev = kNoEvent;
  std::set<std::string> uids;
  std::vector<ModelEvent> all;
  auto broken = [&](const ModelEvent& e, const std::string& why) {
    check->ok = false;
    check->problem = "model event " + std::to_string(e.id) + " (" + e.action + " " + e.model + " " + e.version + ") " + why;
  };
  while (st.step()) {
    const ModelEvent e = event_row(st);
    ++check->events;
    if (st.text(11) != prev || st.text(12) != sha256_hex(prev + "\n" + event_content(e)))
      return broken(e, "does not match its hash: it, or the one before it, was changed or deleted");
    if (e.uid != sha256_hex(e.shared_bytes()))
      return broken(e, "does not match its uid: its signature or parents were changed");
    prev = st.text(12);
    uids.insert(e.uid);
    all.push_back(e);
  }
  for (const ModelEvent& e : all)
    for (const std::string& p : e.parents)
      if (!uids.count(p))
        return broken(e, "names a predecessor this store lacks (" + p.substr(0, 12) +
                             "): an event was deleted, or a fetch stopped halfway; run 'pipe fetch'");
  const size_t placed = all.size();
  order_events(&all);
  if (all.size() != placed) {
    check->ok = false;
    check->problem = "the model events' predecessors form a cycle: the store was altered";
  }
}

void LineageStore::upgrade_events() {
  // Schema 4 -> 5: the events gain uids, each naming the one before it.
  SqlDb& db = *db_;
  SqlStatement old = db.prepare(
      "SELECT id, model, version, stage, action, user, host, at_ns, reason, details, policy_digest, prev_hash, hash "
      "FROM model_events_v4 ORDER BY id");
  SqlStatement ins = db.prepare(
      "INSERT INTO model_events(id, model, version, stage, action, user, host, at_ns, reason, details, policy_digest, "
      "prev_hash, hash, signature, parents, uid) SELECT id, model, version, stage, action, user, host, at_ns, reason, "
      "details, policy_digest, prev_hash, hash, '', ?2, ?3 FROM model_events_v4 WHERE id = ?1");
  std::string parent;
  while (old.step()) {
    ModelEvent e = event_fields(old);
    if (!parent.empty()) e.parents = {parent};
    parent = sha256_hex(e.shared_bytes());
    ins.reset();
    ins.bind(1, e.id).bind(2, join(e.parents)).bind(3, parent);
    ins.step();
  }
  db.exec("DROP TABLE model_events_v4;");
}

std::vector<std::string> LineageStore::shared_with(const std::string& remote) {
  SqlStatement st = db_->prepare("SELECT uid FROM remote_records WHERE remote = ?1");
  st.bind(1, remote);
  std::vector<std::string> out;
  while (st.step()) out.push_back(st.text(0));
  return out;
}

void LineageStore::mark_shared(const std::string& remote, const std::vector<std::string>& packs,
                               const std::vector<std::string>& uids) {
  SqlTransaction tx(*db_);
  SqlStatement pack = db_->prepare("INSERT OR IGNORE INTO remote_packs(remote, pack) VALUES (?1, ?2)");
  for (const std::string& p : packs) {
    pack.reset();
    pack.bind(1, remote).bind(2, p);
    pack.step();
  }
  SqlStatement record = db_->prepare("INSERT OR IGNORE INTO remote_records(remote, uid) VALUES (?1, ?2)");
  for (const std::string& u : uids) {
    record.reset();
    record.bind(1, remote).bind(2, u);
    record.step();
  }
  tx.commit();
}

std::vector<std::string> LineageStore::packs_read(const std::string& remote) {
  SqlStatement st = db_->prepare("SELECT pack FROM remote_packs WHERE remote = ?1");
  st.bind(1, remote);
  std::vector<std::string> out;
  while (st.step()) out.push_back(st.text(0));
  return out;
}

void LineageStore::forget_remote(const std::string& remote) {
  SqlTransaction tx(*db_);
  for (const char* table : {"remote_packs", "remote_records"}) {
    SqlStatement st = db_->prepare(std::string("DELETE FROM ") + table + " WHERE remote = ?1");
    st.bind(1, remote);
    st.step();
  }
  tx.commit();
}

}  // namespace pipeline
