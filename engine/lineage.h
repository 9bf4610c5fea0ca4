// The lineage store (.pipe/lineage.db, schema in schemas/lineage.sql): a
// permanent, append-only, hash-chained record of every run, its stage
// executions with their inputs, outputs, params, metrics and resource use,
// the environment and code they ran with, and the model versions they made.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pipeline {

class SqlDb;

inline constexpr int kLineageSchemaVersion = 5;
inline constexpr const char* kLineageFile = "lineage.db";

struct LineageArtifact {
  std::string path;
  std::string digest;
  uint64_t size = 0;
  bool is_dir = false;
  std::string role;  // inputs: "code" or "data"; outputs: "output"
};

struct LineageValue {  // a param or metric
  std::string file;
  std::string key;
  std::string value;  // canonical JSON
};

struct ExecutionRecord {
  int64_t id = 0;      // set when read back
  int64_t run_id = 0;  // set when read back
  std::string stage;
  std::string cmd;     // JSON array
  std::string status;  // ran, cached, restored, failed
  bool timed = false;  // it ran: the figures below are real
  int64_t started_ns = 0;
  int64_t ended_ns = 0;
  double user_seconds = 0;
  double system_seconds = 0;
  int64_t max_rss_kb = 0;
  int exit_code = 0;
  std::string log_digest;
  // Where it ran, as JSON (runner.h's JobResult::executor); "" for a local run.
  std::string executor;
  std::vector<LineageArtifact> inputs;
  std::vector<LineageArtifact> outputs;
  std::vector<LineageValue> params;
  std::vector<LineageValue> metrics;
};

// A file the run read whose content was not the commit's: a tracked file
// modified or deleted in the work tree, or an untracked dep or params file.
// `digest` names the cache object that keeps what the run had, so that
// `audit reproduce` can rebuild it whatever git holds; "" when it was not
// kept, and `why` says why ("deleted", "over 16 MiB", "unreadable").
struct ChangedFile {
  std::string path;  // relative to the project root
  std::string digest;
  std::string why;
};

struct CodeState {
  std::string git_commit;  // "" outside git
  std::string branch;
  std::string remote_url;  // credentials removed
  bool dirty = false;
  std::string diff_digest;
  // Schema 4: every tracked file of the project that differed from the
  // commit, and the untracked deps and params files, with what was kept.
  std::vector<ChangedFile> changed;
  // Whether `changed` was recorded at all: false for a run recorded before
  // schema 4, whose dirty tree pipe did not keep.
  bool changes_recorded = false;
};

struct ModelVersion {
  int64_t id = 0;
  int64_t run_id = 0;
  std::string model;
  int major = 0, minor = 0, patch = 0;
  std::string path;
  std::string digest;
  bool is_dir = false;
  std::string stage;
  std::string bump;  // first, major, minor, patch
  std::string reason;
  bool overridden = false;
  std::string basis;  // canonical JSON
  int64_t created_ns = 0;  // the run's end, when read back
  std::string version() const;
};

struct RunRecord {
  int64_t id = 0;
  int64_t started_ns = 0;
  int64_t ended_ns = 0;
  std::string command;  // JSON array
  std::string user;
  std::string host;
  std::string pipe_version;
  int exit_code = 0;
  std::string environment;  // canonical JSON
  CodeState code;
  std::vector<ExecutionRecord> executions;
  std::vector<ModelVersion> models;
};

// A run as it travels between stores through a remote: the file
// "PREV\nCONTENT", named by its SHA-256, which is the run's hash in its
// source's chain. A receiver checks the name against the bytes.
struct SharedRun {
  std::string uid;      // SHA-256 of prev + "\n" + content
  std::string prev;     // the hash before it in its source's chain
  std::string content;  // the run's canonical content there
  std::string bytes() const { return prev + "\n" + content; }
  // Splits and checks a file fetched as `uid`; false when it does not match.
  static bool parse(const std::string& uid, const std::string& bytes, SharedRun* out);
};

// A governance event on a model version (promotion, rollback, approval,
// reproduction check). Events travel between stores as content-addressed
// objects: `uid` is the SHA-256 of shared_bytes(), which names the events
// its author's store held last (`parents`), so concurrent events from two
// clones form a fork that every store merges in the same order (see
// LineageStore::events).
struct ModelEvent {
  int64_t id = 0;  // the local row, set when read back
  std::string model;
  std::string version;
  std::string stage;   // "" for a reproduction check
  std::string action;  // promote, rollback, approve, reproduce
  std::string user;
  std::string host;
  int64_t at_ns = 0;
  std::string reason;
  std::string details;        // canonical JSON
  std::string policy_digest;  // SHA-256 of the gates in force, or ""
  std::string signature;      // an approval's DSSE envelope (canonical JSON), or ""
  std::vector<std::string> parents;  // uids, sorted; none for the first event
  std::string uid;
  // Set by LineageStore::events: another event names one of this one's
  // parents too (the two were made concurrently, in two clones).
  bool concurrent = false;

  // The bytes the uid names: canonical JSON of every field but id, uid
  // and concurrent.
  std::string shared_bytes() const;
  // Reads an event shared as `uid`; false when the bytes do not match the
  // name or are not an event.
  static bool parse_shared(const std::string& uid, const std::string& bytes, ModelEvent* out);
};

struct ChainCheck {
  size_t runs = 0;
  size_t events = 0;
  bool ok = true;
  int64_t broken_run = 0;  // the first run whose link does not hold
  std::string problem;
};

class LineageStore {
 public:
  // Opens or creates the store and brings its schema up to date. Throws
  // Error(kBadPipeline) for a store written by a newer pipe, Error(kIo)
  // when it cannot be opened.
  explicit LineageStore(const std::string& path);
  ~LineageStore();
  LineageStore(const LineageStore&) = delete;
  LineageStore& operator=(const LineageStore&) = delete;

  // Appends a run (and its model versions) in one transaction, chained to
  // the previous run. Returns the run id. `origin`: the run came from
  // another store as that (see import).
  int64_t record(const RunRecord& run, const SharedRun* origin = nullptr);

  // Every run as it is shared: local runs as chained here, imported ones
  // exactly as they came, oldest first.
  std::vector<SharedRun> shared_runs();
  SharedRun shared_run(int64_t run_id);
  // Whether a run with this uid (local or imported) is here.
  bool has_run(const std::string& uid);
  // Appends a run shared by another store. A model version that clashes
  // with a local one (same name and version, other content) is left out
  // and described in `clashes`. Throws Error(kFailed) for content this
  // pipe cannot read.
  int64_t import(const SharedRun& run, std::vector<std::string>* clashes);
  // The same for many, in one transaction, leaving out those here
  // already. Returns how many were new.
  // Without `with_models`, the runs' model versions are left out (an
  // experiment's run: see docs/experiments.md).
  size_t import_runs(const std::vector<SharedRun>& runs, std::vector<std::string>* clashes, bool with_models = true);

  // Runs, newest first (`limit` 0: all), with executions and models when `full`.
  std::vector<RunRecord> runs(size_t limit, bool full);
  RunRecord run(int64_t id);
  // All versions of `model` ("" for all models), oldest first.
  std::vector<ModelVersion> model_versions(const std::string& model);
  // The execution that wrote `digest` at `path` most recently, if any.
  bool producer(const std::string& path, const std::string& digest, ExecutionRecord* out, int64_t* run_id);
  // When `digest` at `path` first appears in any run (its start, ns), or 0.
  int64_t first_seen(const std::string& path, const std::string& digest);
  // Executions (that ran or were restored) which read `digest` at `path`,
  // newest first, one per stage.
  std::vector<ExecutionRecord> consumers(const std::string& path, const std::string& digest);
  // Every (path, digest) a model version's run recorded as an output or
  // input: what gc must keep.
  std::vector<LineageArtifact> model_artifacts();
  // Every file a dirty tree held that some run kept in the cache (digest
  // set), for push: a clone that fetches the run can then rebuild it.
  std::vector<ChangedFile> kept_files();

  // Recomputes every run's hash from its rows and checks the chain, then
  // the same for the model events.
  ChainCheck verify();

  // Appends a model event made here: its parents are the store's current
  // heads (the events no other names), its uid is computed. Returns its id.
  int64_t add_event(const ModelEvent& event);
  // Appends events made elsewhere, as they came (uids and parents kept),
  // in one transaction, leaving out those here already. Returns how many
  // were new.
  size_t import_events(const std::vector<ModelEvent>& events);
  bool has_event(const std::string& uid);
  // The events of `model` ("" for all) in the registry's order: parents
  // before children, and among events whose parents are all placed, the
  // earliest `at_ns` first, then the smaller uid. Every store holding the
  // same events orders them the same way, whatever order they arrived in.
  std::vector<ModelEvent> events(const std::string& model);

  // Bookkeeping for sharing through a remote (named by its URL without
  // credentials): which records (runs, events) it is known to hold, and
  // which of its packs this store has read.
  std::vector<std::string> shared_with(const std::string& remote);
  std::vector<std::string> packs_read(const std::string& remote);
  // Notes, in one transaction, that `remote` holds these packs and records.
  void mark_shared(const std::string& remote, const std::vector<std::string>& packs,
                   const std::vector<std::string>& uids);
  // Drops what is noted of `remote` (it was emptied or replaced).
  void forget_remote(const std::string& remote);

 private:
  std::vector<ExecutionRecord> executions(int64_t run_id);
  std::vector<RunRecord> query_runs(const std::string& where, int64_t id, size_t limit, bool full);
  std::vector<ModelVersion> versions_where(const std::string& where, int64_t id);
  std::string run_content(int64_t run_id);
  void verify_events(ChainCheck* check);
  void upgrade_events();
  int64_t record_rows(const RunRecord& run, const SharedRun* origin);
  RunRecord without_clashes(const SharedRun& shared, std::vector<std::string>* clashes);
  std::unique_ptr<SqlDb> db_;
};

// Turns "https://user:secret@host/x" into "https://host/x" (and scp-style
// "user@host:path" is kept, having no secret).
// CodeState::changed as the store keeps it (canonical JSON), and back.
std::string changed_json(const std::vector<ChangedFile>& files);
std::vector<ChangedFile> parse_changed(const std::string& json);

std::string strip_credentials(const std::string& url);
// "https://user:secret@host/x" -> "https://user@host/x", with the secret
// in `password` (left alone when the URL has none).
std::string split_password(const std::string& url, std::string* password);

}  // namespace pipeline
