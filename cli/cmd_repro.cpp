#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <mutex>

#include "app.h"
#include "cmd_repro.h"
#include "leftovers.h"
#include "pipeline.h"
#include "project.h"
#include "project_lock.h"
#include "config.h"
#include "environment.h"
#include "record.h"
#include "backends.h"
#include "transfer.h"
#include "repro.h"
#include "executor.h"
#include "signals.h"
#include "targets.h"

namespace pipe_cli {
namespace {

// Prints progress. Stage output arrives from runner threads, so every write
// takes the mutex; lines get a "[stage] " prefix while several stages run.
class TerminalReporter : public pipeline::ReproReporter {
 public:
  // With --json, progress goes to stderr and stdout carries only the summary.
  TerminalReporter(bool explain, bool json) : explain_(explain), out_(json ? stderr : stdout) {}

  // Stage names are shown as typed from this folder (project-relative).
  void set_cwd(const std::string& cwd) { cwd_ = cwd; }

  // One entry per stage the run decided about, for --json.
  nlohmann::json summary() const {
    std::lock_guard lock(mutex_);
    return stages_;
  }

  void output(const std::string& stage, std::string_view line) {
    std::lock_guard lock(mutex_);
    if (running_ > 1) fmt::print(out_, "[{}] {}\n", stage, line);
    else fmt::print(out_, "{}\n", line);
    std::fflush(out_);
  }

  void message(const std::string& text) {
    std::lock_guard lock(mutex_);
    fmt::print(stderr, "{}\n", text);
  }

  void up_to_date(const pipeline::Stage& s) override {
    std::lock_guard lock(mutex_);
    fmt::print(out_, "Stage '{}' didn't change, skipping\n", name(s));
    record(s, "up_to_date");
  }
  void frozen(const pipeline::Stage& s) override {
    std::lock_guard lock(mutex_);
    fmt::print(out_, "Stage '{}' is frozen, skipping\n", name(s));
    record(s, "frozen");
  }
  void will_run(const pipeline::Stage& s, const std::vector<pipeline::Reason>& reasons, bool dry) override {
    std::lock_guard lock(mutex_);
    fmt::print(out_, "{} stage '{}':\n", dry ? "Would run" : "Running", name(s));
    if (explain_ || dry)
      for (const auto& r : reasons) fmt::print(out_, "  because {}\n", r.describe());
    for (const auto& c : s.cmds) fmt::print(out_, "> {}\n", c);
    std::fflush(out_);
    nlohmann::json& entry = record(s, dry ? "would_run" : "running");
    for (const auto& r : reasons) entry["reasons"].push_back(r.describe());
    if (!dry) ++running_;
  }
  void finished(const pipeline::Stage& s, const pipeline::JobResult& r) override {
    std::lock_guard lock(mutex_);
    --running_;
    const double seconds = static_cast<double>(r.end_ns - r.start_ns) / 1e9;
    fmt::print(out_, "Stage '{}' finished in {:.2f} s\n", name(s), seconds);
    std::fflush(out_);
    nlohmann::json& entry = record(s, "ran");
    entry["seconds"] = seconds;
  }
  void failed(const pipeline::Stage& s, const pipeline::JobResult&, const std::string& why) override {
    std::lock_guard lock(mutex_);
    --running_;  // every failed stage was announced by will_run
    fmt::print(stderr, "pipe: error: stage '{}' failed: {} (log: {})\n", name(s), why, pipeline::stage_log_path(s.name));
    nlohmann::json& entry = record(s, "failed");
    entry["error"] = why;
    entry["log"] = pipeline::stage_log_path(s.name);
  }
  void restored(const pipeline::Stage& s) override {
    std::lock_guard lock(mutex_);
    fmt::print(out_, "Stage '{}' restored from run-cache\n", name(s));
    record(s, "restored");
  }
  void blocked(const pipeline::Stage& s, const std::string& upstream) override {
    std::lock_guard lock(mutex_);
    fmt::print(stderr, "Stage '{}' not run: upstream stage '{}' failed\n", name(s), upstream);
    record(s, "blocked")["failed_upstream"] = upstream;
  }
  void not_started(const pipeline::Stage& s) override {
    std::lock_guard lock(mutex_);
    fmt::print(stderr, "Stage '{}' not run: stopped after a failure (-k keeps independent stages going)\n", name(s));
    record(s, "not_started");
  }

 private:
  std::string name(const pipeline::Stage& s) const { return pipeline::display_name(s, cwd_); }
  // Callers hold mutex_.
  nlohmann::json& record(const pipeline::Stage& s, const char* state) {
    nlohmann::json& entry = stages_[s.name];
    entry["state"] = state;
    if (!entry.contains("reasons")) entry["reasons"] = nlohmann::json::array();
    return entry;
  }

  mutable std::mutex mutex_;
  bool explain_;
  std::FILE* out_;
  nlohmann::json stages_ = nlohmann::json::object();
  int running_ = 0;
  std::string cwd_;
};

}  // namespace

void add_repro(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("repro", "Run the stages whose inputs changed");
  auto opt = std::make_shared<ReproFlags>();
  add_repro_flags(cmd, opt);
  cmd->callback([&ctx, opt] { run_repro(ctx, *opt, "pipe repro", {}); });
}

void add_repro_flags(CLI::App* cmd, const std::shared_ptr<ReproFlags>& opt) {
  opt->repro.jobs = static_cast<size_t>(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)));
  cmd->add_option("targets", opt->repro.targets,
                  "Stages ('train', 'sub/dvc.yaml:train') or pipeline files to reproduce, with their upstream; "
                  "default: the pipeline file of this folder");
  cmd->add_flag("-R,--recursive", opt->repro.selection.recursive, "A folder target names every pipeline file under it");
  cmd->add_flag("--glob", opt->repro.selection.glob, "Stage names in targets are wildcard patterns ('train*')");
  cmd->add_flag("-P,--all-pipelines", opt->repro.all_pipelines, "Every stage of every pipeline file in the project");
  cmd->add_flag("-f,--force", opt->repro.force, "Run the selected stages even if nothing changed");
  cmd->add_flag("-s,--single-item", opt->repro.single_item, "Only the targets, not their upstream stages");
  cmd->add_flag("--downstream", opt->repro.downstream, "The targets and every stage that depends on them");
  cmd->add_flag("--dry", opt->repro.dry, "Show what would run, run nothing");
  cmd->add_flag("-k,--keep-going", opt->repro.keep_going, "After a failure, keep running independent stages");
  cmd->add_option("-j,--jobs", opt->repro.jobs,
                  "Stages to run at once; with --executor slurm, jobs in flight (default: number of cores)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--executor", opt->executor, "Where stages run: local or slurm (default: run.executor, else local)")
      ->check(CLI::IsMember({"local", "slurm"}));
  cmd->add_flag("--explain", opt->explain, "Say why each stage runs");
  cmd->add_flag("--no-run-cache", opt->repro.no_run_cache,
                "Run changed stages even when their exact inputs ran before");
  cmd->add_flag("--pull", opt->pull, "Fetch run-cache hits (entries and outputs) from the remote instead of running");
  cmd->add_flag("--push", opt->push, "Push outputs and run-cache entries to the remote when the run is done");
  cmd->add_option("-r,--remote", opt->remote, "Remote for --pull and --push (default: core.remote)");
  cmd->add_flag("--json", opt->json, "Print a JSON summary of the run on stdout (progress goes to stderr)");
  cmd->add_option("--wait-for-lock", opt->wait_for_lock,
                  "Seconds to wait for another run's project lock (default: forever; 0: fail at once)");
}

void run_repro(Context& ctx, ReproFlags& flags, const std::string& what,
               const std::function<void(pipeline::Project&)>& prepare) {
  ReproFlags* opt = &flags;
  auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
  TerminalReporter reporter(opt->explain, opt->json);
  const std::string run_id = pipeline::start_run_id();
  // The watcher must exist before any other thread starts (they inherit its
  // signal mask) and before the lock wait, which Ctrl-C must also end.
  std::atomic<pipeline::Runner*> runner_ptr{nullptr};
  pipeline::SignalWatcher watcher([&](int, int count) {
    pipeline::Runner* runner = runner_ptr.load();
    if (!runner) return;
    reporter.message(count == 1 ? "Interrupted: stopping running stages (Ctrl-C again to kill them)"
                                : "Killing running stages");
    runner->signal_all(count == 1 ? SIGTERM : SIGKILL);
  });
  std::unique_ptr<pipeline::ProjectLock> lock;
  if (!opt->repro.dry)
    lock = pipeline::lock_project(project, what, opt->wait_for_lock,
                                  [&](const std::string& m) { reporter.message(m); }, &watcher.received(), run_id);
  auto runner = pipeline::make_runner(
      project, opt->executor, [&](const std::string& stage, std::string_view line) { reporter.output(stage, line); },
      [&](const std::string& m) { reporter.message(m); });
  runner_ptr = runner.get();
  // Cleared however this scope ends (also by an exception), before the
  // runner is destroyed, so the watcher never signals a dead runner.
  struct Clear {
    std::atomic<pipeline::Runner*>& ptr;
    ~Clear() { ptr = nullptr; }
  } clear{runner_ptr};
  std::unique_ptr<pipeline::Remote> remote;
  if (opt->pull || opt->push) {
    const std::string dir = project.root + "/" + pipeline::kStateDir;
    remote = pipeline::open_remote(pipeline::remote_settings(pipeline::Config::load(dir), opt->remote, dir));
  }
  if (opt->pull)
    opt->repro.fetch_run = [&](const pipeline::Digest& key) {
      pipeline::fetch_run(project, *remote, key, 4 * std::max<size_t>(1, opt->repro.jobs));
    };
  // What the caller changes under the lock before the run (an
  // experiment's params), so the run and its record see it.
  if (prepare) prepare(project);
  const int64_t started = pipeline::now_ns();
  const pipeline::CodeState code = pipeline::capture_code_state(project.root);
  // Loaded once the lock is held, so it sees what an earlier run wrote;
  // the lineage record and --push use this same state.
  pipeline::Workspace ws = open_workspace(ctx, project);
  reporter.set_cwd(ws.cwd);
  pipeline::ReproSummary summary;
  try {
    summary = pipeline::repro(ws, opt->repro, *runner, reporter, watcher.received());
  } catch (const pipeline::Error& e) {
    // Scripts reading --json still get a document: what happened to each
    // stage, and the error that stopped the run.
    if (opt->json)
      fmt::print("{}\n", nlohmann::json{{"exit_code", static_cast<int>(e.code())},
                                        {"error", e.what()},
                                        {"stages", reporter.summary()}}
                             .dump(2));
    throw;
  }
  if (summary.interrupted) reporter.message("Interrupted; finished stages are recorded, run 'pipe repro' to continue");
  else if (summary.ran == 0 && summary.restored == 0 && summary.failed == 0 && !opt->json) fmt::print("Data and pipelines are up to date.\n");
  ctx.exit_code = static_cast<int>(summary.exit());
  // The lineage record: after the run, while the project lock is held, so
  // runs append in the order they happened.
  int64_t lineage_run = 0;
  double lineage_seconds = 0;
  std::vector<std::string> versions;
  if (!opt->repro.dry) {
    try {
      const int64_t t0 = pipeline::now_ns();
      const auto run = pipeline::record_lineage(ws, {ctx.argv, started, ctx.exit_code, code, opt->experiment}, summary);
      lineage_seconds = static_cast<double>(pipeline::now_ns() - t0) / 1e9;
      lineage_run = run.id;
      for (const auto& v : run.models) {
        versions.push_back(v.model + "@" + v.version());
        reporter.message("Model " + v.model + " " + v.version() + " (" + v.bump + ": " + v.reason + ")");
      }
    } catch (const pipeline::Error& e) {
      reporter.message(std::string("pipe: error: the lineage record was not written: ") + e.what());
      if (ctx.exit_code == 0) ctx.exit_code = static_cast<int>(e.code());
    }
  }
  if (opt->push && !summary.interrupted) {
    for_each_remote(ws, opt->remote, {}, [&](pipeline::Remote& to, const pipeline::RemoteScope& scope) {
      const auto pushed = pipeline::push(ws, to, scope, {}, 4 * std::max<size_t>(1, opt->repro.jobs), {});
      for (const auto& e : pushed.errors) reporter.message("pipe: " + e);
      reporter.message("Pushed " + std::to_string(pushed.transferred) + " objects to " + to.describe() + ", " +
                       std::to_string(pushed.skipped) + " already there, " + std::to_string(pushed.failed) + " failed");
      if (pushed.failed && ctx.exit_code == 0) ctx.exit_code = 1;
    });
  }
  if (opt->json) {
    const nlohmann::json out = {{"exit_code", ctx.exit_code},
                                {"ran", summary.ran},
                                {"restored", summary.restored},
                                {"up_to_date", summary.up_to_date},
                                {"failed", summary.failed},
                                {"not_run", summary.blocked},
                                {"interrupted", summary.interrupted},
                                {"stages", reporter.summary()},
                                {"run_id", lineage_run},
                                {"lineage_seconds", lineage_seconds},
                                {"model_versions", versions}};
    fmt::print("{}\n", out.dump(2));
  }
}

}  // namespace pipe_cli
