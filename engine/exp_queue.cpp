#include "exp_queue.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <random>

#include "document.h"
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
  v.set("log", Value::string(q.log));
  v.set("error", Value::string(q.error));
  return v.canonical() + "\n";
}

std::string text_of(const Value& v, const char* key) {
  const Value* f = v.find(key);
  return f && f->is_string() ? f->as_string() : "";
}

int64_t int_of(const Value& v, const char* key) {
  const Value* f = v.find(key);
  return f && f->kind() == Value::Kind::kInt ? f->as_int() : 0;
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

QueuedExperiment from_text(const std::string& name, const std::string& text) {
  const Value v = parse_json(name, text);
  if (!v.is_map()) throw Error(Exit::kBadPipeline, name + ": not a queued experiment");
  QueuedExperiment q;
  q.id = text_of(v, "id");
  if (!valid_id(q.id)) throw Error(Exit::kBadPipeline, name + ": no valid id");
  q.experiment.name = text_of(v, "name");
  q.experiment.sets = list_of(v, "sets");
  q.experiment.run_args = list_of(v, "args");
  q.experiment.id = q.id;
  q.state = text_of(v, "state");
  q.queued_ns = int_of(v, "queued_ns");
  q.started_ns = int_of(v, "started_ns");
  q.ended_ns = int_of(v, "ended_ns");
  q.exit_code = static_cast<int>(int_of(v, "exit_code"));
  q.pid = static_cast<int>(int_of(v, "pid"));
  q.host = text_of(v, "host");
  q.log = text_of(v, "log");
  q.error = text_of(v, "error");
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
bool still_ours(const QueuedExperiment& q) {
  if (q.pid <= 0 || q.host != current_host()) return false;
  std::string cmdline;
  if (!read_file(real_file_system(), "/proc/" + std::to_string(q.pid) + "/cmdline", &cmdline)) return false;
  std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
  // `pipe -C .../.pipe/tmp/exps/COPY exp run ...` (exp_sweep.cpp)
  return cmdline.find("/exps/") != std::string::npos && cmdline.find(" exp run ") != std::string::npos;
}

// The worker lock; -1 when another worker holds it.
int lock_worker(Project& project) {
  make_dirs(*project.files, project.state_path("exps"), false);
  const std::string path = project.state_path("exps/worker.lock");
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) fail_io("cannot open", path, errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

QueuedExperiment enqueue(Project& project, const SweepExperiment& experiment) {
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

std::vector<QueuedExperiment> kill_queued(Project& project, const std::vector<QueuedExperiment>& which) {
  std::vector<QueuedExperiment> signalled;
  for (const QueuedExperiment& q : which) {
    if (q.state != "running" || !still_ours(q)) continue;
    write_file_atomically(*project.files, kill_mark(project, q.id), "killed\n", 0644);
    if (::kill(q.pid, SIGTERM) == 0) signalled.push_back(q);
  }
  return signalled;
}

bool queue_worker_running(Project& project) {
  const int fd = lock_worker(project);
  if (fd < 0) return true;
  ::close(fd);
  return false;
}

QueueRun run_queue(Project& project, SweepOptions options) {
  const int lock = lock_worker(project);
  if (lock < 0)
    throw Error(Exit::kLocked, "another 'pipe exp run --run-all' is running this queue; 'pipe exp queue' shows its "
                               "progress");
  QueueRun result;
  try {
    std::vector<QueuedExperiment> todo;
    for (QueuedExperiment& q : queued_experiments(project)) {
      if (q.state == "running" || q.state == "interrupted") {
        // Its worker died, or was stopped: what it left still running is
        // stopped before the experiment runs again.
        if (q.state == "running" && still_ours(q)) ::kill(q.pid, SIGTERM);
        ++result.resumed;
      } else if (q.state != "queued") {
        continue;
      }
      todo.push_back(q);
    }
    std::vector<SweepExperiment> experiments;
    for (const QueuedExperiment& q : todo) experiments.push_back(q.experiment);
    // The caller's own callbacks still hear each start and end.
    const auto started = options.started;
    const auto finished = options.finished;
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
      struct stat st;
      const bool killed = project.files->stat(kill_mark(project, q.id), &st) == 0;
      const bool stopped = options.stop && options.stop->load();
      q.state = outcome.ok ? "success" : killed ? "killed" : stopped ? "interrupted" : "failed";
      q.exit_code = outcome.exit_code;
      q.ended_ns = now_ns();
      q.pid = 0;
      q.log = outcome.log;
      q.error = outcome.ok ? "" : outcome.why;
      save(project, q);
      project.files->unlink(kill_mark(project, q.id));
      if (finished) finished(i, outcome);
    };
    result.outcomes = run_sweep(project, experiments, options);
    for (size_t i = 0; i < result.outcomes.size(); ++i) result.ran.push_back(todo[i]);
  } catch (...) {
    ::close(lock);
    throw;
  }
  ::close(lock);
  return result;
}

}  // namespace pipeline
