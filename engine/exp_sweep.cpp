#include "exp_sweep.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

#include "error.h"
#include "file_io.h"
#include "lineage.h"
#include "object_store.h"
#include "project.h"
#include "subprocess.h"
#include "temp_files.h"

namespace pipeline {
namespace {

// The files that make the workspace: what git tracks, and what it does not
// ignore; outputs and `pipe add`ed data come from the cache in the copy.
std::vector<std::string> workspace_files(Project& project) {
  std::string out, err;
  const int rc = run_program({"git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"}, project.root,
                             &out, &err);
  if (rc != 0)
    throw Error(Exit::kUsage, "a sweep runs each experiment in a copy of the files git tracks, and this is not a git "
                              "repository (" + (rc < 0 ? std::string("git not found") : err.substr(0, 200)) +
                              "); run 'git init' and commit, or give each -S one value");
  std::vector<std::string> files;
  for (size_t start = 0; start < out.size();) {
    const size_t end = out.find('\0', start);
    const std::string f = out.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!f.empty()) files.push_back(f);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return files;
}

// Logs are for people: outside the FileSystem seam, as stage logs are.
void append_line(const std::string& path, const std::string& line) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;
  const std::string text = line + "\n";
  if (::write(fd, text.data(), text.size()) < 0) {
  }  // a log line lost is not worth failing the experiment for
  ::close(fd);
}

void copy_file(FileSystem& fs, const std::string& from, const std::string& to) {
  struct stat st;
  if (fs.lstat(from, &st) != 0) return;  // deleted since git listed it
  make_parent_dirs(fs, to, false);
  if (S_ISLNK(st.st_mode)) {
    std::string target;
    if (fs.read_link(from, &target) == 0 && fs.symlink(target, to) == 0) return;
    fail_io("cannot copy the link", from, errno);
  }
  if (!S_ISREG(st.st_mode)) return;
  const int in = fs.open_read(from);
  if (in < 0) fail_io("cannot read", from, errno);
  int out = -1;
  try {
    out = copy_into_new_file(fs, in, to, st.st_mode & 0777);
  } catch (...) {
    fs.close(in);
    throw;
  }
  fs.close(in);
  if (fs.close(out) != 0) fail_io("cannot write", to, errno);
}

}  // namespace

std::string experiment_log(const SweepExperiment& e, size_t index) {
  std::string name = !e.id.empty() ? e.id : !e.name.empty() ? e.name : "sweep-" + std::to_string(index + 1);
  for (char& c : name)
    if (c == '/' || c == '\\' || c == ' ') c = '_';
  return std::string(kStateDir) + "/logs/exp-" + name + ".log";
}

namespace {

// One experiment, start to end: the copy, the run, the import, the cleanup.
SweepOutcome run_one(Project& project, const std::vector<std::string>& files, const SweepExperiment& e, size_t index,
                     const SweepOptions& o, std::mutex& calls) {
  SweepOutcome outcome;
  outcome.name = !e.name.empty() ? e.name : !e.id.empty() ? e.id : "#" + std::to_string(index + 1);
  outcome.log = experiment_log(e, index);
  FileSystem& fs = *project.files;
  const std::string copy = project.state_path("tmp/exps/" + temp_name("exp"));
  try {
    make_dirs(fs, copy, false);
    for (const std::string& f : files) copy_file(fs, project.root + "/" + f, copy + "/" + f);
    // The copy shares the project's cache (cache.dir, below) and run-cache.
    share_run_cache(project, copy);
    // The log is written as the experiment runs (`pipe exp logs`): each
    // command line, then what the command printed.
    const std::string log = project.root + "/" + outcome.log;
    write_file_atomically(fs, log, "", 0644);
    auto pipe = [&](std::vector<std::string> args, bool report) {
      args.insert(args.begin(), {o.self, "-C", copy});
      std::string line = "$ pipe";
      for (size_t i = 3; i < args.size(); ++i) line += " " + args[i];
      append_line(log, line);
      return run_logged(args, copy, log, [&](int pid) {
        std::lock_guard lock(calls);
        if (report && o.started) o.started(index, pid);
      });
    };
    if (pipe({"config", "--local", "cache.dir", project.cache->dir()}, false) != 0)
      throw Error(Exit::kFailed, "cannot point the copy at the project's cache; see " + outcome.log);
    pipe({"checkout"}, false);  // what the cache holds; the run makes the rest
    std::vector<std::string> run = {"exp", "run", "-j", "1"};
    for (const std::string& s : e.sets) run.insert(run.end(), {"-S", s});
    if (!e.name.empty()) run.insert(run.end(), {"--name", e.name});
    run.insert(run.end(), e.run_args.begin(), e.run_args.end());
    outcome.exit_code = pipe(run, true);
    // Its run joins the project's lineage, as fetched runs do; a model
    // version it made does not: experiments count in model versioning when
    // applied or committed (docs/experiments.md).
    const std::string store_path = copy + "/" + kStateDir + "/" + kLineageFile;
    struct stat st;
    if (fs.stat(store_path, &st) == 0) {
      LineageStore from(store_path);
      LineageStore into(project.state_path(kLineageFile));
      std::vector<std::string> clashes;
      into.import_runs(from.shared_runs(), &clashes, /*with_models=*/false);
    }
    outcome.ok = outcome.exit_code == 0;
    if (!outcome.ok) outcome.why = "exit code " + std::to_string(outcome.exit_code) + "; see " + outcome.log;
  } catch (const Error& err) {
    outcome.ok = false;
    outcome.why = err.what();
  }
  fs.remove_all(copy);
  return outcome;
}

}  // namespace

void share_run_cache(Project& project, const std::string& dir) {
  FileSystem& fs = *project.files;
  make_dirs(fs, dir + "/" + kStateDir, false);
  make_dirs(fs, project.state_path("runs"), false);
  if (fs.symlink(project.state_path("runs"), dir + "/" + kStateDir + "/runs") != 0)
    fail_io("cannot link the run-cache into", dir, errno);
}

size_t sweep_experiment_copies(Project& project) {
  return sweep_temp_dir(*project.files, project.state_path("tmp/exps"), kStaleTempSeconds).removed;
}

std::vector<SweepOutcome> run_sweep(Project& project, const std::vector<SweepExperiment>& experiments,
                                    const SweepOptions& options) {
  const std::vector<std::string> files = workspace_files(project);
  sweep_experiment_copies(project);
  make_dirs(*project.files, project.state_path("logs"), false);
  std::vector<SweepOutcome> outcomes(experiments.size());
  std::vector<char> started(experiments.size(), 0);  // one writer per element
  std::atomic<size_t> next{0};
  std::mutex say, calls;
  auto work = [&] {
    for (;;) {
      if (options.stop && options.stop->load()) return;
      const size_t i = next++;
      if (i >= experiments.size()) return;
      if (options.should_start) {
        std::lock_guard lock(calls);
        if (!options.should_start(i)) continue;
      }
      started[i] = 1;
      if (options.message) {
        std::lock_guard lock(say);
        std::string sets;
        for (const auto& s : experiments[i].sets) sets += (sets.empty() ? "" : " ") + s;
        options.message("Experiment " + std::to_string(i + 1) + "/" + std::to_string(experiments.size()) + " started: " + sets);
      }
      outcomes[i] = run_one(project, files, experiments[i], i, options, calls);
      if (options.finished) {
        std::lock_guard lock(calls);
        options.finished(i, outcomes[i]);
      }
      if (options.message) {
        std::lock_guard lock(say);
        options.message("Experiment " + std::to_string(i + 1) + "/" + std::to_string(experiments.size()) +
                        (outcomes[i].ok ? " finished" : " failed: " + outcomes[i].why));
      }
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 0; t < std::max<size_t>(1, std::min(options.jobs, experiments.size())); ++t) threads.emplace_back(work);
  for (std::thread& t : threads) t.join();
  std::vector<SweepOutcome> out;
  for (size_t i = 0; i < experiments.size(); ++i)
    if (started[i]) out.push_back(outcomes[i]);
  return out;
}

}  // namespace pipeline
