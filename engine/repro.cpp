#include "repro.h"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <set>
#include <thread>

#include "artifact.h"
#include "graph.h"
#include "lineage.h"
#include "lockfile.h"
#include "params.h"
#include "paths.h"
#include "pipeline.h"
#include "checkout.h"
#include "project.h"
#include "run_cache.h"
#include "suggest.h"
#include "targets.h"
#include "tracked.h"
#include "url_deps.h"
#include "workspace.h"

namespace pipeline {

namespace {

enum class State { kUnselected, kWaiting, kRunning, kDone, kFailed, kBlocked };

class Scheduler {
 public:
  Scheduler(Workspace& ws, const ReproOptions& options, Runner& runner, ReproReporter& reporter,
            const std::atomic<bool>& interrupted)
      : project_(ws.project),
        disk_(ws.disk),
        ws_(ws),
        pipeline_(ws.pipeline),
        graph_(ws.graph),
        options_(options),
        runner_(runner),
        reporter_(reporter),
        interrupted_(interrupted),
        hasher_(disk_, ws.project.state.get(), ws.project.urls.get()),
        params_(disk_) {
    // Outputs go to the cache before pipe.lock names them; a project
    // without one (open_project always makes it) cannot run stages.
    if (!project_.cache) throw Error(Exit::kInternal, "repro: the project has no cache");
  }

  ReproSummary run() {
    require_pipeline(ws_);
    select();
    if (!options_.dry) runner_.recover();
    const size_t n = pipeline_.stages.size();
    waiting_on_.assign(n, 0);
    for (size_t i = 0; i < n; ++i) {
      if (state_[i] == State::kUnselected) continue;
      for (size_t u : graph_.upstream(i))
        if (state_[u] != State::kUnselected) ++waiting_on_[i];
    }
    // Refuse before anything runs, not halfway through.
    for (size_t i = 0; i < n; ++i)
      if (state_[i] == State::kWaiting && !pipeline_.stages[i].frozen) check_params_present(pipeline_.stages[i]);
    dry_changed_.assign(n, false);
    rank_.assign(n, 0);
    for (size_t r = 0; r < n; ++r) rank_[graph_.order()[r]] = r;
    for (size_t i = 0; i < n; ++i)
      if (state_[i] == State::kWaiting && waiting_on_[i] == 0) ready_.insert(rank_[i]);

    size_t running = 0;
    try {
      for (;;) {
        while (!stop_ && !interrupted_ && !ready_.empty() && running < std::max<size_t>(1, options_.jobs)) {
          // Lowest rank first: with -j 1 stages run in the file's order.
          const size_t i = graph_.order()[*ready_.begin()];
          ready_.erase(ready_.begin());
          if (consider(i)) ++running;
        }
        // Written after the next stages started, so the fsync overlaps them.
        flush_lock();
        if (running == 0) break;
        const JobResult r = runner_.wait();
        --running;
        complete(r.id, r);
      }
    } catch (const std::exception& e) {
      // An error the run cannot go on from (a full disk while caching, an
      // unreadable output): stop the stages still running and wait for
      // them, so none is left writing outputs nobody records, and report
      // each one; then keep what finished.
      runner_.signal_all(SIGTERM);
      for (; running > 0; --running) {
        const JobResult r = runner_.wait();
        state_[r.id] = State::kFailed;
        ++summary_.failed;
        reporter_.failed(pipeline_.stages[r.id], r, std::string("stopped, because the run hit an error: ") + e.what());
      }
      flush_lock();
      throw;
    } catch (...) {
      flush_lock();  // anything else: keep what finished, as before
      throw;
    }
    if (interrupted_) summary_.interrupted = true;
    else if (stop_)
      for (size_t i : graph_.order())
        if (state_[i] == State::kWaiting) {
          ++summary_.blocked;
          reporter_.not_started(pipeline_.stages[i]);
        }
    if (project_.state) project_.state->flush();
    return summary_;
  }

 private:
  void select() {
    const size_t n = pipeline_.stages.size();
    std::vector<bool> chosen(n, true);
    std::vector<std::string> names = options_.targets;
    // As DVC: no targets is the pipeline file of the folder it runs in.
    if (names.empty() && !options_.all_pipelines) {
      const std::string file = ws_.cwd_file();
      if (file.empty())
        throw Error(Exit::kUsage, "no pipe.yaml or dvc.yaml in " +
                                      (ws_.cwd.empty() ? std::string("the project root") : "'" + ws_.cwd + "'") +
                                      "; name the stages to run, or run every pipeline with 'pipe repro -P'");
      names.push_back(relative_to(ws_.cwd, file));
    }
    if (!names.empty()) {
      const auto targets = resolve_targets(pipeline_, names, ws_.cwd, options_.selection);
      if (options_.single_item) {
        chosen.assign(n, false);
        for (size_t t : targets) chosen[t] = true;
      } else if (options_.downstream) {
        chosen = graph_.descendants(targets);
      } else {
        chosen = graph_.ancestors(targets);
      }
    }
    state_.assign(n, State::kUnselected);
    for (size_t i = 0; i < n; ++i)
      if (chosen[i]) state_[i] = State::kWaiting;
  }

  // Decides whether stage i runs; returns true when a job was started.
  bool consider(size_t i) {
    const Stage& s = pipeline_.stages[i];
    if (s.frozen) {
      reporter_.frozen(s);
      summary_.outcomes.push_back({i, "cached", {}});
      return settle(i, State::kDone), false;
    }
    std::vector<Reason> reasons = stage_changes(s, ws_.locks.find(s.name), hasher_, params_);
    if (options_.force && reasons.empty()) reasons.push_back({Reason::Kind::kForced, "", "", ""});
    if (options_.dry && reasons.empty()) {
      // Nothing ran, so a changed upstream has not changed our deps yet.
      for (size_t u : graph_.upstream(i))
        if (dry_changed_[u]) reasons.push_back({Reason::Kind::kUpstream, pipeline_.stages[u].name, "", ""});
    }
    if (reasons.empty()) {
      reporter_.up_to_date(s);
      if (!options_.dry) summary_.outcomes.push_back({i, "cached", {}});
      ++summary_.up_to_date;
      return settle(i, State::kDone), false;
    }
    // -f means run it: a restore would not be what the user asked for.
    if (!options_.dry && !options_.force && restore_from_run_cache(i)) return false;
    reporter_.will_run(s, reasons, options_.dry);
    if (options_.dry) {
      dry_changed_[i] = true;
      ++summary_.ran;
      return settle(i, State::kDone), false;
    }
    // Record deps as the command will read them, not as they are after it
    // ran (a never-run stage has not hashed them yet). A clone without its
    // data loads fine; only a stage that must run needs its deps.
    for (const Dep& d : s.deps)
      if (!hasher_.hash(d.path).exists) {
        const std::string why =
            is_url(d.path)
                ? located(s.file, d.mark, "dep '" + strip_credentials(d.path) + "' of stage '" + s.name +
                                              "' does not exist on its server; fix the URL, or wait for the object")
                : located(s.file, d.mark,
                          "dep '" + d.path + "' of stage '" + s.name +
                              "' does not exist and no stage produces it; create it (or pull it: "
                              "'pipe pull'), fix the path, or add the stage that writes it");
        fail(i, JobResult{}, why);
        return false;
      }
    // Start from a clean slate: stale outputs must not pass for new ones.
    for (const Output& o : s.outs) {
      if (!o.persist) disk_.remove_all(o.path);
      // A persisted output the stage will update in place must not be a
      // read-only link into the cache, which the update would corrupt.
      else unprotect(project_, o.path);
      hasher_.forget(o.path);
      const std::string parent = parent_path(o.path);
      if (!parent.empty()) disk_.make_dirs(parent);
    }
    // A wdir the checkout lacks (it holds only git-ignored data) is made, as
    // output folders are.
    if (!s.wdir.empty()) disk_.make_dirs(s.wdir);
    Job job;
    job.id = i;
    job.stage = s.name;
    job.cmds = s.cmds;
    job.dir = s.wdir.empty() ? project_.root : project_.root + "/" + s.wdir;
    job.resources = s.resources;
    if (disk_.stat(std::string(kStateDir) + "/logs").is_dir())
      job.log_path = project_.root + "/" + stage_log_path(s.name);
    state_[i] = State::kRunning;
    runner_.start(job);
    return true;
  }

  void check_params_present(const Stage& s) {
    const auto now = current_params(s, params_);
    for (const ParamRef& ref : s.params) {
      if (!params_.file(ref.file))
        fail_pipeline(s.file, ref.mark,
                      "stage '" + s.name + "' tracks params from '" + ref.file + "', which does not exist");
      auto f = now.find(ref.file);
      for (const std::string& key : ref.keys)
        if (f == now.end() || !f->second.count(key))
          fail_pipeline(s.file, ref.mark,
                        "stage '" + s.name + "' tracks param '" + key + "', which '" + ref.file +
                            "' does not define; add it there or remove it from the stage's params");
    }
  }

  // Outputs a job on another node wrote may show up here a moment after it
  // ended (NFS attribute and directory caches): give them that moment.
  void wait_for_outputs(const Stage& s) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(options_.output_wait_seconds);
    for (;;) {
      const bool all = std::all_of(s.outs.begin(), s.outs.end(), [&](const Output& o) { return disk_.stat(o.path).exists(); });
      if (all || std::chrono::steady_clock::now() >= deadline) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  void complete(size_t i, const JobResult& r) {
    const Stage& s = pipeline_.stages[i];
    for (const Output& o : s.outs) hasher_.forget(o.path);
    if (interrupted_) {
      // Whatever it left behind is not recorded: the next run redoes it.
      state_[i] = State::kFailed;
      return;
    }
    if (!r.ok()) {
      std::string why = !r.launched          ? r.error
                        : !r.failure.empty() ? r.failure
                        : r.signal           ? "killed by signal " + std::to_string(r.signal)
                                             : "exit code " + std::to_string(r.exit_code);
      return fail(i, r, why);
    }
    if (r.remote) wait_for_outputs(s);
    LockedStage entry = current_inputs(s);
    for (const Output& o : s.outs) {
      if (!hasher_.hash(o.path).exists)
        return fail(i, r,
                    r.remote ? "declared output '" + o.path + "' is not here: the job did not create it, or wrote it "
                               "where this host cannot see it (the nodes must share the project's filesystem, at the "
                               "same path); fix the command, the 'outs' entry or the mount"
                             : "declared output '" + o.path + "' was not created; fix the command or the 'outs' entry");
      entry.outs.push_back(locked(o.path));
    }
    // Into the cache before pipe.lock names them, so a recorded output can
    // always be restored.
    for (const Output& o : s.outs)
      if (o.cache) {
        commit_to_cache(o.path);
        ignore_in_git(disk_, o.path);
      }
    if (run_cache_eligible(s)) RunCache(disk_).save(run_key(s, entry), s.name, entry);
    ws_.locks.set(s, entry);
    ++summary_.ran;
    reporter_.finished(s, r);
    summary_.outcomes.push_back({i, "ran", r});
    settle(i, State::kDone);
  }

  // The stage's inputs as they are now: what pipe.lock and the run-cache key record.
  LockedStage current_inputs(const Stage& s) {
    LockedStage entry;
    entry.cmds = s.cmds;
    for (const Dep& d : s.deps) entry.deps.push_back(locked(d.path));
    entry.params = current_params(s, params_);
    return entry;
  }

  // Restores stage i's outputs when these exact inputs ran before and their
  // objects are all still in the cache; records it as if it had run.
  bool restore_from_run_cache(size_t i) {
    const Stage& s = pipeline_.stages[i];
    if (options_.no_run_cache || !run_cache_eligible(s)) return false;
    LockedStage entry = current_inputs(s);
    LockedStage seen;
    const Digest key = run_key(s, entry);
    auto usable = [&] {
      if (!RunCache(disk_).find(key, &seen) || seen.outs.size() != s.outs.size()) return false;
      for (size_t k = 0; k < s.outs.size(); ++k)
        if (seen.outs[k].path != s.outs[k].path || !restorable(project_, seen.outs[k])) return false;
      return true;
    };
    if (!usable()) {
      if (!options_.fetch_run) return false;
      options_.fetch_run(key);
      if (!usable()) return false;
    }
    for (const LockedArtifact& a : seen.outs) {
      restore_output(project_, a);
      hasher_.forget(a.path);
      ignore_in_git(disk_, a.path);
    }
    entry.outs = seen.outs;
    ws_.locks.set(s, entry);
    ++summary_.restored;
    reporter_.restored(s);
    summary_.outcomes.push_back({i, "restored", {}});
    settle(i, State::kDone);
    return true;
  }

  void commit_to_cache(const std::string& path) {
    commit_artifact(*project_.cache, project_.root + "/" + path, hasher_.hash(path));
  }

  void flush_lock() { ws_.locks.flush(disk_); }

  LockedArtifact locked(const std::string& path) {
    const ArtifactInfo& a = hasher_.hash(path);
    return {path, a.digest, a.size, a.is_dir, a.nfiles, a.executable};
  }

  void fail(size_t i, const JobResult& r, const std::string& why) {
    const Stage& s = pipeline_.stages[i];
    state_[i] = State::kFailed;
    ++summary_.failed;
    reporter_.failed(s, r, why);
    summary_.outcomes.push_back({i, "failed", r});
    if (!options_.keep_going) stop_ = true;
    // Everything downstream waits forever: report it as blocked.
    const std::vector<bool> below = graph_.descendants({i});
    for (size_t d : graph_.order()) {
      if (d == i || state_[d] != State::kWaiting || !below[d]) continue;
      state_[d] = State::kBlocked;
      ++summary_.blocked;
      reporter_.blocked(pipeline_.stages[d], s.name);
    }
  }

  void settle(size_t i, State st) {
    state_[i] = st;
    for (size_t d : graph_.downstream(i)) {
      if (state_[d] != State::kWaiting) continue;
      if (--waiting_on_[d] == 0) ready_.insert(rank_[d]);
    }
  }

  Project& project_;
  Disk& disk_;
  Workspace& ws_;
  const Pipeline& pipeline_;
  const Graph& graph_;
  const ReproOptions& options_;
  Runner& runner_;
  ReproReporter& reporter_;
  const std::atomic<bool>& interrupted_;
  ArtifactHasher hasher_;
  ParamsReader params_;
  std::vector<State> state_;
  std::vector<size_t> waiting_on_;
  std::vector<bool> dry_changed_;
  std::vector<size_t> rank_;  // position in graph_.order()
  std::set<size_t> ready_;    // ranks of stages whose upstream is settled
  bool stop_ = false;
  ReproSummary summary_;
};

}  // namespace

ReproSummary repro(Workspace& ws, const ReproOptions& options, Runner& runner, ReproReporter& reporter,
                   const std::atomic<bool>& interrupted) {
  return Scheduler(ws, options, runner, reporter, interrupted).run();
}

}  // namespace pipeline
