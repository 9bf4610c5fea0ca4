#include "exp_queue.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "document.h"
#include "lineage.h"
#include "error.h"
#include "file_io.h"
#include "project.h"
#include "record.h"
#include "value.h"

namespace pipeline {
namespace {

std::string queue_dir(Project& project) { return project.state_path("exps/queue"); }
std::string entry_path(Project& project, const std::string& id) { return queue_dir(project) + "/" + id + ".json"; }
// `exp kill` leaves this beside an entry, so its worker records "killed".
std::string kill_mark(Project& project, const std::string& id) { return queue_dir(project) + "/" + id + ".kill"; }

Value strings(const std::vector<std::string>& list) {
  Value v = Value::list();
  for (const std::string& s : list) v.push(Value::string(s));
  return v;
}

std::string to_text(const QueuedExperiment& q) {
  Value v = Value::map();
  v.set("id", Value::string(q.id));
  v.set("name", Value::string(q.experiment.name));
  v.set("sets", strings(q.experiment.sets));
  v.set("args", strings(q.experiment.run_args));
  v.set("state", Value::string(q.state));
  v.set("queued_ns", Value::integer(q.queued_ns));
  v.set("started_ns", Value::integer(q.started_ns));
  v.set("ended_ns", Value::integer(q.ended_ns));
  v.set("exit_code", Value::integer(q.exit_code));
  v.set("pid", Value::integer(q.pid));
  v.set("host", Value::string(q.host));
  v.set("log", Value::string(q.log));  // for people; read back, it is computed again from the id
  v.set("error", Value::string(q.error));
  return v.canonical() + "\n";
}

std::vector<std::string> list_of(const Value& v, const char* key) {
  std::vector<std::string> out;
  if (const Value* f = v.find(key); f && f->is_list())
    for (const Value& s : f->items())
      if (s.is_string()) out.push_back(s.as_string());
  return out;
}

bool valid_id(const std::string& id) {
  return id.size() == 8 && std::all_of(id.begin(), id.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

// Names become log files and command-line arguments.
bool valid_name(const std::string& name) {
  if (name.empty()) return true;
  if (name.front() == '-' || name == "." || name == ".." || name.size() > 200) return false;
  return std::none_of(name.begin(), name.end(), [](char c) {
    return c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
  });
}

QueuedExperiment from_text(const std::string& name, const std::string& text) {
  const Value v = parse_json(name, text);
  if (!v.is_map()) throw Error(Exit::kBadPipeline, name + ": not a queued experiment");
  QueuedExperiment q;
  q.id = string_field(v, "id");
  if (!valid_id(q.id)) throw Error(Exit::kBadPipeline, name + ": no valid id");
  q.experiment.name = string_field(v, "name");
  q.experiment.sets = list_of(v, "sets");
  q.experiment.run_args = list_of(v, "args");
  q.experiment.id = q.id;
  q.state = string_field(v, "state");
  q.queued_ns = int_field(v, "queued_ns");
  q.started_ns = int_field(v, "started_ns");
  q.ended_ns = int_field(v, "ended_ns");
  q.exit_code = static_cast<int>(int_field(v, "exit_code"));
  q.pid = static_cast<int>(int_field(v, "pid"));
  q.host = string_field(v, "host");
  q.log = experiment_log(q.experiment, 0);  // never the file's: it names what exp clean deletes
  q.error = string_field(v, "error");
  if (!valid_name(q.experiment.name)) throw Error(Exit::kBadPipeline, name + ": not a valid experiment name");
  return q;
}

void save(Project& project, const QueuedExperiment& q) {
  write_file_atomically(*project.files, entry_path(project, q.id), to_text(q), 0644);
}

std::string new_id(Project& project) {
  std::random_device rd;
  for (;;) {
    char id[9];
    std::snprintf(id, sizeof id, "%08x", static_cast<unsigned>(rd()));
    struct stat st;
    if (project.files->stat(entry_path(project, id), &st) != 0) return id;
  }
}

// The process an entry records, if it still runs here and is a pipe: a
// recycled pid must not be signalled.
bool still_ours(Project& project, const QueuedExperiment& q) {
  if (q.pid <= 0 || q.host != current_host()) return false;
  std::string cmdline;
  if (!read_file(real_file_system(), "/proc/" + std::to_string(q.pid) + "/cmdline", &cmdline)) return false;
  std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
  // `pipe -C PROJECT/.pipe/tmp/exps/COPY exp run ...` (exp_sweep.cpp)
  return cmdline.find(" " + project.state_path("tmp/exps/")) != std::string::npos &&
         cmdline.find(" exp run ") != std::string::npos;
}

// The worker lock (`how`: LOCK_EX to run the queue, LOCK_SH to look); -1
// when a worker holds it. A worker tries for a second: a look at the queue
// (exp queue, exp remove) holds it for a moment.
int lock_worker(Project& project, int how) {
  make_dirs(*project.files, project.state_path("exps"), false);
  const std::string path = project.state_path("exps/worker.lock");
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) fail_io("cannot open", path, errno);
  for (int tries = how == LOCK_EX ? 20 : 1; tries > 0; --tries) {
    if (::flock(fd, how | LOCK_NB) == 0) return fd;
    if (tries > 1) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::close(fd);
  return -1;
}

bool marked_killed(Project& project, const QueuedExperiment& q) {
  struct stat st;
  return project.files->stat(kill_mark(project, q.id), &st) == 0;
}

void record_killed(Project& project, QueuedExperiment& q) {
  q.state = "killed";
  q.pid = 0;
  if (!q.ended_ns) q.ended_ns = now_ns();
  save(project, q);
  project.files->unlink(kill_mark(project, q.id));
}

}  // namespace

QueuedExperiment enqueue(Project& project, const SweepExperiment& experiment) {
  if (!valid_name(experiment.name))
    throw Error(Exit::kUsage, "'" + experiment.name + "' cannot name an experiment: no '/', '\\', control characters "
                              "or leading '-'");
  make_dirs(*project.files, queue_dir(project), false);
  QueuedExperiment q;
  q.id = new_id(project);
  q.experiment = experiment;
  q.experiment.id = q.id;
  q.queued_ns = now_ns();
  q.log = experiment_log(q.experiment, 0);
  save(project, q);
  return q;
}

std::vector<QueuedExperiment> queued_experiments(Project& project, const std::function<void(const std::string&)>& warn) {
  std::vector<QueuedExperiment> out;
  FileSystem& fs = *project.files;
  const int dir = fs.open_dir(queue_dir(project));
  if (dir < 0) return out;
  std::vector<std::string> names;
  fs.list_dir(dir, [&](const char* name, unsigned char) {
    const std::string n = name;
    if (n.size() > 5 && n.compare(n.size() - 5, 5, ".json") == 0) names.push_back(n);
  });
  fs.close(dir);
  for (const std::string& n : names) {
    std::string text;
    const std::string shown = std::string(kStateDir) + "/exps/queue/" + n;
    try {
      if (!read_file(fs, queue_dir(project) + "/" + n, &text)) continue;  // removed meanwhile
      out.push_back(from_text(shown, text));
    } catch (const Error& e) {
      if (warn) warn(std::string(e.what()) + "; it is left out (remove the file to drop it)");
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.queued_ns != b.queued_ns ? a.queued_ns < b.queued_ns : a.id < b.id;
  });
  return out;
}

std::vector<QueuedExperiment> find_queued(Project& project, const std::vector<std::string>& names, bool all) {
  const std::vector<QueuedExperiment> queue = queued_experiments(project);
  if (all) return queue;
  std::vector<QueuedExperiment> out;
  for (const std::string& name : names) {
    size_t found = 0;
    for (const QueuedExperiment& q : queue)
      if (q.id == name || q.experiment.name == name) {
        out.push_back(q);
        ++found;
      }
    if (found) continue;
    std::string known;
    for (const QueuedExperiment& q : queue) known += (known.empty() ? "" : ", ") + q.label();
    throw Error(Exit::kUsage, "no queued experiment '" + name + "'" +
                                  (known.empty() ? "; the queue is empty" : "; the queue holds: " + known) +
                                  " ('pipe exp queue' lists them)");
  }
  return out;
}

void remove_queued(Project& project, const QueuedExperiment& q) {
  if (q.state == "running" && queue_worker_running(project))
    throw Error(Exit::kUsage, "experiment " + q.label() + " is running; stop it first with 'pipe exp kill " +
                                  q.label() + "'");
  FileSystem& fs = *project.files;
  if (fs.unlink(entry_path(project, q.id)) != 0 && errno != ENOENT) fail_io("cannot remove", entry_path(project, q.id), errno);
  fs.unlink(kill_mark(project, q.id));
  if (q.state != "queued" && !q.log.empty()) fs.unlink(project.root + "/" + q.log);
}

Removals find_removals(Project& project, LineageStore& store, const std::vector<std::string>& names, bool queued,
                       bool all) {
  Removals out;
  const std::vector<QueuedExperiment> queue = queued_experiments(project);
  ExperimentQuery query;
  query.removed = removed_experiments(project);
  const std::vector<ExperimentRow> rows = experiment_table(store, query).rows;
  for (const QueuedExperiment& q : queue)
    if (all || (queued && q.state == "queued")) out.queued.push_back(q);
  for (const ExperimentRow& r : rows)
    if (all && !r.baseline) out.runs.push_back(r);
  for (const std::string& name : names) {
    bool found = false;
    for (const QueuedExperiment& q : queue)
      if (q.id == name || q.experiment.name == name) out.queued.push_back(q), found = true;
    for (const ExperimentRow& r : rows)
      if (!r.baseline && (r.name == name || std::to_string(r.run_id) == name)) out.runs.push_back(r), found = true;
    if (!found) find_experiment(store, name, query.removed);  // throws, listing what there is
  }
  return out;
}

void add_queued_rows(Project& project, ExperimentTable* table, bool new_columns) {
  for (const QueuedExperiment& q : queued_experiments(project)) {
    if (q.finished()) continue;
    ExperimentRow row;
    row.name = q.label();
    row.state = q.state;
    row.ended_ns = q.queued_ns;
    row.overrides = q.experiment.sets;
    for (const std::string& set : q.experiment.sets) {
      // "file:key=value", as the queue keeps them (one value each).
      const size_t colon = set.find(':'), eq = set.find('=');
      if (colon == std::string::npos || eq == std::string::npos || colon > eq) continue;
      const std::string file = set.substr(0, colon), key = set.substr(colon + 1, eq - colon - 1);
      std::string value = set.substr(eq + 1);
      if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') value = value.substr(1, value.size() - 2);
      Value v;
      try {
        v = parse_yaml("-S", value);  // as the params file will read it
      } catch (const Error&) {
        v = Value::string(value);
      }
      const auto known = table->param_column_of.find(file + ":" + key);
      const std::string column = known != table->param_column_of.end() ? known->second : file + ":" + key;
      auto& cols = table->param_columns;
      if (std::find(cols.begin(), cols.end(), column) == cols.end()) {
        if (!new_columns) continue;
        cols.push_back(column);
      }
      row.params[column] = v.canonical();
    }
    table->rows.push_back(std::move(row));
  }
}

void apply_removals(Project& project, const Removals& removals) {
  const bool worker = queue_worker_running(project);
  for (const QueuedExperiment& q : removals.queued)
    if (q.state == "running" && worker)
      throw Error(Exit::kUsage, "experiment " + q.label() + " is running; stop it first with 'pipe exp kill " +
                                    q.label() + "' (nothing was removed)");
  for (const QueuedExperiment& q : removals.queued) remove_queued(project, q);
  std::vector<int64_t> ids;
  for (const ExperimentRow& r : removals.runs) ids.push_back(r.run_id);
  if (!ids.empty()) remove_experiments(project, ids);
}

void check_names_free(Project& project, LineageStore& store, const std::vector<std::string>& names) {
  std::set<std::string> taken;
  for (const QueuedExperiment& q : queued_experiments(project))
    if (!q.experiment.name.empty()) taken.insert(q.experiment.name);
  ExperimentQuery query;
  query.removed = removed_experiments(project);
  for (const ExperimentRow& r : experiment_table(store, query).rows)
    if (!r.baseline) taken.insert(r.name);
  for (const std::string& name : names) {
    if (!valid_name(name))
      throw Error(Exit::kUsage, "'" + name + "' cannot name an experiment: no '/', '\\', control characters or "
                                "leading '-'");
    if (taken.count(name))
      throw Error(Exit::kUsage, "an experiment named '" + name + "' exists already; give another --name, or remove "
                                "it first with 'pipe exp remove " + name + "'");
  }
}

std::vector<QueuedExperiment> kill_queued(Project& project, const std::vector<QueuedExperiment>& which) {
  std::vector<QueuedExperiment> signalled;
  const bool worker = queue_worker_running(project);
  for (QueuedExperiment q : which) {
    if (q.state != "running") continue;
    // The mark first: the worker reads it when the process ends. With no
    // worker left (killed outright), nobody would: it is recorded here.
    write_file_atomically(*project.files, kill_mark(project, q.id), "killed\n", 0644);
    const bool alive = still_ours(project, q);
    if (alive) ::kill(q.pid, SIGTERM);
    if (!worker) record_killed(project, q);
    if (alive || !worker) signalled.push_back(q);
  }
  return signalled;
}

bool queue_worker_running(Project& project) {
  const int fd = lock_worker(project, LOCK_SH);
  if (fd < 0) return true;
  ::close(fd);
  return false;
}

QueueRun run_queue(Project& project, SweepOptions options) {
  const int lock = lock_worker(project, LOCK_EX);
  if (lock < 0)
    throw Error(Exit::kLocked, "another 'pipe exp run --run-all' is running this queue; 'pipe exp queue' shows its "
                               "progress");
  QueueRun result;
  // The caller's own callbacks still hear each start and end.
  const auto started = options.started;
  const auto finished = options.finished;
  try {
    // Rounds: what was queued while a round ran is run by the next one.
    for (bool first = true;; first = false) {
      std::vector<QueuedExperiment> todo;
      for (QueuedExperiment& q : queued_experiments(project)) {
        if (q.state != "queued" && q.state != "running" && q.state != "interrupted") continue;
        // Later rounds take only what was queued meanwhile: one this worker
        // saw interrupted is not retried in a loop.
        if (!first && q.state != "queued") continue;
        if (marked_killed(project, q)) {  // exp kill reached it while no worker ran
          if (q.state == "running" && still_ours(project, q)) ::kill(q.pid, SIGTERM);
          record_killed(project, q);
          continue;
        }
        if (q.state != "queued") {
          // Its worker died, or was stopped: what it left still running is
          // stopped before the experiment runs again.
          if (q.state == "running" && still_ours(project, q)) ::kill(q.pid, SIGTERM);
          if (first) ++result.resumed;
        }
        todo.push_back(q);
      }
      if (todo.empty() || (options.stop && options.stop->load())) break;
      std::vector<SweepExperiment> experiments;
      for (const QueuedExperiment& q : todo) experiments.push_back(q.experiment);
      options.should_start = [&](size_t i) {
        // Removed or killed since the round began: not run.
        std::string text;
        if (!read_file(*project.files, entry_path(project, todo[i].id), &text)) return false;
        try {
          const QueuedExperiment now = from_text(todo[i].id, text);
          return now.state == todo[i].state && !marked_killed(project, now);
        } catch (const Error&) {
          return false;
        }
      };
      options.started = [&](size_t i, int pid) {
        QueuedExperiment& q = todo[i];
        q.state = "running";
        q.pid = pid;
        q.host = current_host();
        q.started_ns = now_ns();
        q.error.clear();
        save(project, q);
        if (started) started(i, pid);
      };
      options.finished = [&](size_t i, const SweepOutcome& outcome) {
        QueuedExperiment& q = todo[i];
        const bool killed = marked_killed(project, q);
        // 130: the experiment's pipe saw Ctrl-C, whether or not this
        // process's watcher has noticed it yet.
        const bool stopped = (options.stop && options.stop->load()) || outcome.exit_code == 130;
        q.state = outcome.ok ? "success" : killed ? "killed" : stopped ? "interrupted" : "failed";
        q.exit_code = outcome.exit_code;
        q.ended_ns = now_ns();
        q.pid = 0;
        q.error = outcome.ok ? "" : outcome.why;
        save(project, q);
        project.files->unlink(kill_mark(project, q.id));
        result.outcomes.push_back(outcome);
        result.ran.push_back(q);
        if (finished) finished(i, outcome);
      };
      run_sweep(project, experiments, options);
      if (options.stop && options.stop->load()) break;
    }
  } catch (...) {
    ::close(lock);
    throw;
  }
  ::close(lock);
  return result;
}

}  // namespace pipeline
