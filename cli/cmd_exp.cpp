// `pipe exp run`: a repro with params overridden (-S, as DVC's), in the
// workspace. The overrides are written into the params files in place
// (comments and layout kept) under the project lock, then the run is an
// ordinary run: cached, recorded in the lineage store with its command
// line, overrides included.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "app.h"
#include "cmd_repro.h"
#include "error.h"
#include "exp_branch.h"
#include "exp_queue.h"
#include "exp_sweep.h"
#include "experiments.h"
#include "file_io.h"
#include "lineage_json.h"
#include "lineage_query.h"
#include "overrides.h"
#include "project.h"
#include "signals.h"

namespace pipe_cli {
namespace {

struct ExpFlags {
  std::vector<std::string> set;
  std::string name;
  bool queue = false, run_all = false;
};

struct ShowFlags {
  pipeline::ExperimentQuery query;
  std::string order = "asc";
  bool json = false, csv = false, md = false;
  bool queued = true;
};

// A value as a table shows it: strings bare, the rest as JSON; "-" for none.
std::string cell_text(const std::map<std::string, std::string>& values, const std::string& column) {
  auto it = values.find(column);
  return it == values.end() ? "-" : json_text(value_json(it->second));
}

std::vector<std::vector<std::string>> table_rows(const pipeline::ExperimentTable& t) {
  std::vector<std::vector<std::string>> out;
  std::vector<std::string> head = {"Experiment", "Run", "Created"};
  head.insert(head.end(), t.param_columns.begin(), t.param_columns.end());
  head.insert(head.end(), t.metric_columns.begin(), t.metric_columns.end());
  out.push_back(head);
  for (const auto& r : t.rows) {
    const std::string note = !r.state.empty() ? " (" + r.state + ")" : r.ok ? "" : " (failed)";
    std::vector<std::string> row = {r.name + note, r.run_id ? std::to_string(r.run_id) : "-", format_time(r.ended_ns)};
    for (const auto& c : t.param_columns) row.push_back(cell_text(r.params, c));
    for (const auto& c : t.metric_columns) row.push_back(cell_text(r.metrics, c));
    out.push_back(row);
  }
  return out;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

void print_table(const pipeline::ExperimentTable& t, const ShowFlags& f) {
  if (f.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : t.rows) {
      nlohmann::json params = nlohmann::json::object(), metrics = nlohmann::json::object();
      for (const auto& [k, v] : r.params) params[k] = value_json(v);
      for (const auto& [k, v] : r.metrics) metrics[k] = value_json(v);
      nlohmann::json row = {{"name", r.name}, {"run", r.run_id}, {"created", format_time(r.ended_ns)},
                            {"baseline", r.baseline}, {"ok", r.ok}, {"overrides", r.overrides},
                            {"params", params}, {"metrics", metrics}};
      if (!r.state.empty()) row["state"] = r.state, row["run"] = nullptr;
      out.push_back(row);
    }
    fmt::print("{}\n", out.dump(2));
    return;
  }
  const auto rows = table_rows(t);
  if (f.csv) {
    for (const auto& row : rows) {
      std::string line;
      for (const auto& c : row) line += (line.empty() ? "" : ",") + csv_field(c);
      fmt::print("{}\n", line);
    }
    return;
  }
  if (f.md) {
    for (size_t i = 0; i < rows.size(); ++i) {
      std::string line = "|";
      for (const auto& c : rows[i]) line += " " + markdown_cell(c) + " |";
      fmt::print("{}\n", line);
      if (i == 0) {
        std::string rule = "|";
        for (size_t k = 0; k < rows[0].size(); ++k) rule += "---|";
        fmt::print("{}\n", rule);
      }
    }
    return;
  }
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& row : rows)
    for (size_t k = 0; k < row.size(); ++k) width[k] = std::max(width[k], row[k].size());
  for (const auto& row : rows) {
    std::string line;
    for (size_t k = 0; k < row.size(); ++k) line += fmt::format("{:<{}}", row[k], width[k] + 2);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    fmt::print("{}\n", line);
  }
  if (t.rows.empty()) fmt::print("No runs recorded yet; 'pipe exp run -S KEY=VALUE' runs an experiment.\n");
}

// One experiment's overrides as params edits.
std::vector<pipeline::ParamEdit> edits_of(const pipeline::OverrideSet& overrides) {
  std::vector<pipeline::ParamEdit> out;
  for (const auto& [o, value] : overrides) out.push_back({o->file, o->key, value, "-S " + o->spec});
  return out;
}

// "file:key=value", quoted where the value has a comma, so the experiment's
// own `exp run` reads one value.
std::string one_value(const pipeline::Override& o, const std::string& value) {
  const std::string v = value.find(',') == std::string::npos ? value : "'" + value + "'";
  return o.file + ":" + o.key + "=" + v;
}

// The `exp run` arguments that repro flags give each experiment of a sweep
// or the queue. What a copy of the workspace cannot do is refused: it has
// no remote credentials (config.local is not copied), and --dry would
// record experiments that never ran.
std::vector<std::string> run_args(const ReproFlags& flags) {
  const pipeline::ReproOptions& r = flags.repro;
  for (const auto& [set, name] : {std::pair{r.dry, "--dry"}, {flags.pull, "--pull"}, {flags.push, "--push"},
                                  {!flags.remote.empty(), "--remote"}})
    if (set)
      throw pipeline::Error(pipeline::Exit::kUsage,
                            std::string(name) + " cannot be used with a sweep or the queue: each experiment runs in a "
                                                "copy of the workspace; run 'pipe exp run' with one value per -S instead");
  std::vector<std::string> out;
  if (r.selection.recursive) out.push_back("--recursive");
  if (r.selection.glob) out.push_back("--glob");
  if (r.all_pipelines) out.push_back("--all-pipelines");
  if (flags.explain) out.push_back("--explain");
  if (!flags.executor.empty()) out.insert(out.end(), {"--executor", flags.executor});
  if (r.force) out.push_back("--force");
  if (r.single_item) out.push_back("--single-item");
  if (r.downstream) out.push_back("--downstream");
  if (r.keep_going) out.push_back("--keep-going");
  if (r.no_run_cache) out.push_back("--no-run-cache");
  out.insert(out.end(), r.targets.begin(), r.targets.end());
  return out;
}

std::vector<pipeline::SweepExperiment> sweep_experiments(Context& ctx, pipeline::Project& project,
                                                         const ReproFlags& flags, const ExpFlags& opt,
                                                         const std::vector<pipeline::OverrideSet>& sets) {
  std::vector<pipeline::SweepExperiment> experiments;
  std::vector<std::string> names;
  for (size_t i = 0; i < sets.size(); ++i) {
    pipeline::SweepExperiment e;
    for (const auto& [o, value] : sets[i]) e.sets.push_back(one_value(*o, value));
    if (!opt.name.empty()) e.name = sets.size() == 1 ? opt.name : opt.name + "-" + std::to_string(i + 1);
    e.run_args = run_args(flags);
    if (!e.name.empty()) names.push_back(e.name);
    experiments.push_back(std::move(e));
  }
  pipeline::check_names_free(project, *open_lineage(ctx), names);
  return experiments;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : " ") + s;
  return out;
}

// What a sweep or a queue run prints, and its exit code: 1 when one
// failed, 130 when Ctrl-C stopped it.
void report_sweep(Context& ctx, bool json, bool interrupted, const std::vector<pipeline::SweepExperiment>& planned,
                  const std::vector<pipeline::SweepOutcome>& outcomes, nlohmann::json extra = nlohmann::json::object()) {
  size_t failed = 0;
  nlohmann::json list = nlohmann::json::array();
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const auto& out = outcomes[i];
    if (!out.ok) ++failed;
    if (json) {
      nlohmann::json j = {{"name", out.name}, {"overrides", planned[i].sets}, {"ok", out.ok},
                          {"exit_code", out.exit_code}, {"log", out.log}};
      if (!planned[i].id.empty()) j["id"] = planned[i].id;
      if (!out.ok) j["error"] = out.why;
      list.push_back(j);
      continue;
    }
    fmt::print("{} {}: {}{}\n", out.ok ? "ok    " : "FAILED", out.name, joined(planned[i].sets),
               out.ok ? "" : " (" + out.why + ")");
  }
  if (interrupted) ctx.exit_code = static_cast<int>(pipeline::Exit::kInterrupted);
  else if (failed) ctx.exit_code = 1;
  if (json) {
    extra["exit_code"] = ctx.exit_code;
    extra["planned"] = planned.size();
    extra["experiments"] = list;
    fmt::print("{}\n", extra.dump(2));
  } else if (interrupted) {
    fmt::print(stderr, "Interrupted: {} of {} experiments ran\n", outcomes.size(), planned.size());
  } else {
    fmt::print("{} of {} experiments succeeded; 'pipe exp show' compares them\n", outcomes.size() - failed,
               outcomes.size());
  }
}

pipeline::SweepOptions sweep_options(const ReproFlags& flags, const pipeline::SignalWatcher& watcher) {
  pipeline::SweepOptions o;
  o.self = self_path();
  o.jobs = flags.repro.jobs;
  o.stop = &watcher.received();
  o.message = [](const std::string& line) { fmt::print(stderr, "{}\n", line); };
  return o;
}

// A sweep: every experiment in a copy of the workspace, -j at once.
void sweep(Context& ctx, const ReproFlags& flags, const ExpFlags& opt, const std::vector<pipeline::OverrideSet>& sets) {
  pipeline::SignalWatcher watcher([](int, int) {});  // the experiments get Ctrl-C themselves; start no more
  auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
  const auto experiments = sweep_experiments(ctx, project, flags, opt, sets);
  const pipeline::SweepOptions o = sweep_options(flags, watcher);
  fmt::print(stderr, "Sweep of {} experiments, {} at once, each in a copy of the workspace\n", experiments.size(),
             std::min(o.jobs, experiments.size()));
  const auto outcomes = pipeline::run_sweep(project, experiments, o);
  report_sweep(ctx, flags.json, watcher.received(), experiments, outcomes);
}

// --queue: the experiments wait in .pipe/exps/queue/ for --run-all.
void queue(Context& ctx, const ReproFlags& flags, const ExpFlags& opt, const std::vector<pipeline::OverrideSet>& sets) {
  auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
  nlohmann::json list = nlohmann::json::array();
  for (const auto& e : sweep_experiments(ctx, project, flags, opt, sets)) {
    const pipeline::QueuedExperiment q = pipeline::enqueue(project, e);
    if (flags.json) list.push_back({{"id", q.id}, {"name", e.name}, {"overrides", e.sets}, {"log", q.log}});
    else fmt::print("Queued experiment {}: {}\n", q.label(), joined(e.sets));
  }
  if (flags.json) fmt::print("{}\n", nlohmann::json({{"queued", list}}).dump(2));
  else fmt::print("'pipe exp run --run-all -j N' runs the queue; 'pipe exp queue' shows it\n");
}

// --run-all: what is queued, and what a killed queue left unfinished.
void run_all(Context& ctx, const ReproFlags& flags) {
  pipeline::SignalWatcher watcher([](int, int) {});
  auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
  pipeline::SweepOptions o = sweep_options(flags, watcher);
  const auto waiting = pipeline::queued_experiments(project, [](const std::string& w) {
    fmt::print(stderr, "pipe: warning: {}\n", w);
  });
  size_t todo = 0;
  for (const auto& q : waiting) todo += !q.finished();
  if (todo == 0) {
    if (flags.json) fmt::print("{}\n", nlohmann::json({{"exit_code", 0}, {"planned", 0}, {"resumed", 0},
                                                       {"experiments", nlohmann::json::array()}}).dump(2));
    else fmt::print("The queue is empty; 'pipe exp run --queue -S KEY=VALUE' adds to it\n");
    return;
  }
  fmt::print(stderr, "Running {} queued experiments, {} at once, each in a copy of the workspace\n", todo,
             std::min(o.jobs, todo));
  const pipeline::QueueRun run = pipeline::run_queue(project, o);
  if (run.resumed) fmt::print(stderr, "Resumed {} experiment(s) that a stopped or killed queue left unfinished\n", run.resumed);
  std::vector<pipeline::SweepExperiment> planned;
  for (const auto& q : run.ran) planned.push_back(q.experiment);
  report_sweep(ctx, flags.json, watcher.received(), planned, run.outcomes, {{"resumed", run.resumed}});
}

std::string state_line(const pipeline::QueuedExperiment& q) {
  std::string when = q.state == "queued" ? "queued " + format_time(q.queued_ns)
                     : q.state == "running" ? "since " + format_time(q.started_ns)
                                            : format_time(q.ended_ns);
  if (q.state == "running" && !q.host.empty()) when += " on " + q.host + ", pid " + std::to_string(q.pid);
  return when;
}

// The queue's commands: exp queue, kill, logs, remove, clean.
void add_exp_queue(CLI::App* exp, Context& ctx) {
  auto* status = exp->add_subcommand("queue", "The experiment queue: what waits, runs, and how each ended");
  auto json = std::make_shared<bool>(false);
  status->add_flag("--json", *json, "Machine-readable output");
  status->callback([&ctx, json] {
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    const auto queue = pipeline::queued_experiments(project, [](const std::string& w) {
      fmt::print(stderr, "pipe: warning: {}\n", w);
    });
    const bool worker = pipeline::queue_worker_running(project);
    if (*json) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& q : queue) {
        nlohmann::json j = {{"id", q.id}, {"name", q.experiment.name}, {"state", q.state},
                            {"overrides", q.experiment.sets}, {"log", q.log}, {"queued", format_time(q.queued_ns)}};
        if (q.started_ns) j["started"] = format_time(q.started_ns);
        if (q.ended_ns) j["ended"] = format_time(q.ended_ns);
        if (q.finished()) j["exit_code"] = q.exit_code;
        if (q.state == "running") j["pid"] = q.pid, j["host"] = q.host;
        if (!q.error.empty()) j["error"] = q.error;
        list.push_back(j);
      }
      fmt::print("{}\n", nlohmann::json({{"worker_running", worker}, {"experiments", list}}).dump(2));
      return;
    }
    if (queue.empty()) {
      fmt::print("The queue is empty; 'pipe exp run --queue -S KEY=VALUE' adds to it\n");
      return;
    }
    size_t width = 10;
    for (const auto& q : queue) width = std::max(width, q.label().size());
    fmt::print("{:<{}}  {:<11}  {:<32}  {}\n", "Experiment", width, "State", "When", "Overrides");
    for (const auto& q : queue)
      fmt::print("{:<{}}  {:<11}  {:<32}  {}\n", q.label(), width, q.state, state_line(q), joined(q.experiment.sets));
    size_t waiting = 0;
    for (const auto& q : queue) waiting += !q.finished() && q.state != "running";
    if (!worker && waiting) fmt::print("No queue is running; 'pipe exp run --run-all' runs the {} waiting\n", waiting);
  });

  auto* kill = exp->add_subcommand("kill", "Stop queued experiments that are running (they are recorded as killed)");
  auto names = std::make_shared<std::vector<std::string>>();
  auto all = std::make_shared<bool>(false);
  kill->add_option("names", *names, "Experiments, by name or id");
  kill->add_flag("-a,--all", *all, "Every running experiment");
  kill->callback([&ctx, names, all] {
    if (names->empty() && !*all) throw pipeline::Error(pipeline::Exit::kUsage, "name the experiments to stop, or pass --all");
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    const auto which = pipeline::find_queued(project, *names, *all);
    const auto stopped = pipeline::kill_queued(project, which);
    for (const auto& q : stopped) fmt::print("Stopping experiment {} (pid {})\n", q.label(), q.pid);
    for (const auto& q : which)
      if (std::none_of(stopped.begin(), stopped.end(), [&](const auto& s) { return s.id == q.id; }) && !*all)
        fmt::print(stderr, "pipe: experiment {} is not running ({}); nothing to stop\n", q.label(), q.state);
    if (stopped.empty() && *all) fmt::print("No queued experiment is running\n");
  });

  auto* logs = exp->add_subcommand("logs", "Print a queued or swept experiment's log (what its commands printed)");
  auto which = std::make_shared<std::string>();
  logs->add_option("name", *which, "The experiment, by name or id")->required();
  logs->callback([&ctx, which] {
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    std::string log, state = "finished";
    try {
      const auto q = pipeline::find_queued(project, {*which}, false).front();
      log = q.log;
      state = q.state;
    } catch (const pipeline::Error&) {
      // A swept experiment: its log is named by its name (checked by
      // find_experiment, and free of '/').
      auto store = open_lineage(ctx);
      pipeline::SweepExperiment e;
      e.name = pipeline::find_experiment(*store, *which, pipeline::removed_experiments(project)).name;
      log = pipeline::experiment_log(e, 0);
    }
    std::string text;
    if (!pipeline::read_file(*project.files, project.root + "/" + log, &text)) {
      fmt::print(stderr, "pipe: experiment {} has no log ({}; {} is not there)\n", *which, state, log);
      return;
    }
    fmt::print("{}", text);
  });

  auto* remove = exp->add_subcommand(
      "remove", "Remove experiments: from the queue, and from 'exp show' (the lineage store keeps their runs)");
  auto rm_names = std::make_shared<std::vector<std::string>>();
  auto rm_queued = std::make_shared<bool>(false);
  auto rm_all = std::make_shared<bool>(false);
  remove->add_option("names", *rm_names, "Experiments: a name, exp-RUN, a run's number, or a queued id");
  remove->add_flag("--queued", *rm_queued, "Every experiment still waiting in the queue");
  remove->add_flag("-A,--all", *rm_all, "Every experiment, queued or run");
  remove->callback([&ctx, rm_names, rm_queued, rm_all] {
    if (rm_names->empty() && !*rm_queued && !*rm_all)
      throw pipeline::Error(pipeline::Exit::kUsage, "name the experiments to remove, or pass --queued or --all");
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    auto store = open_lineage(ctx);
    const auto removals = pipeline::find_removals(project, *store, *rm_names, *rm_queued, *rm_all);
    pipeline::apply_removals(project, removals);
    for (const auto& q : removals.queued) fmt::print("Removed {} from the queue\n", q.label());
    for (const auto& r : removals.runs)
      fmt::print("Removed experiment {} (run {}; the lineage store keeps the run)\n", r.name, r.run_id);
    if (removals.queued.empty() && removals.runs.empty()) fmt::print("Nothing to remove\n");
  });

  auto* clean = exp->add_subcommand(
      "clean", "Remove what finished queued experiments and killed sweeps left: queue entries, logs, copies");
  clean->callback([&ctx] {
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    size_t entries = 0;
    for (const auto& q : pipeline::queued_experiments(project))
      if (q.finished()) pipeline::remove_queued(project, q), ++entries;
    const auto swept = pipeline::sweep_experiment_copies(project);
    fmt::print("Removed {} finished queue entr{} and {} copies of the workspace that stopped experiments left\n", entries,
               entries == 1 ? "y" : "ies", swept);
  });
}

}  // namespace

void add_exp(CLI::App& app, Context& ctx) {
  auto* exp = app.add_subcommand("exp", "Experiments: runs with params overridden");
  exp->require_subcommand(1);
  auto* run = exp->add_subcommand("run", "Run the pipeline with params set by -S, in the workspace, and record it");
  auto flags = std::make_shared<ReproFlags>();
  auto opt = std::make_shared<ExpFlags>();
  add_repro_flags(run, flags);
  run->add_option("-S,--set-param", opt->set,
                  "[FILE:]KEY=VALUE (FILE defaults to params.yaml); the value is written into the params file")
      ->allow_extra_args(false);
  run->add_option("-n,--name", opt->name, "A name for the experiment (recorded with the run's command line)");
  run->add_flag("--queue", opt->queue, "Add the experiment(s) to the queue instead of running them");
  run->add_flag("--run-all", opt->run_all,
                "Run every queued experiment, -j at once, each in a copy of the workspace; resumes what a killed "
                "queue left");
  run->callback([&ctx, flags, opt] {
    if (opt->run_all) {
      if (!opt->set.empty() || opt->queue)
        throw pipeline::Error(pipeline::Exit::kUsage, "--run-all runs what is queued: queue with 'pipe exp run --queue "
                                                      "-S ...' first, then run --run-all alone");
      return run_all(ctx, *flags);
    }
    std::vector<pipeline::Override> overrides;
    for (const std::string& s : opt->set) overrides.push_back(pipeline::parse_override(s));
    const std::vector<pipeline::OverrideSet> sets = pipeline::expand_overrides(overrides);
    if (opt->queue) return queue(ctx, *flags, *opt, sets);
    if (sets.size() > 1) return sweep(ctx, *flags, *opt, sets);
    if (!opt->name.empty()) {
      auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
      pipeline::check_names_free(project, *open_lineage(ctx), {opt->name});
    }
    run_repro(ctx, *flags, "pipe exp run",
              [&](pipeline::Project& project) { pipeline::write_params(project, edits_of(sets.front())); });
    if (!flags->json && !opt->set.empty()) {
      std::string list;
      for (const auto& s : opt->set) list += (list.empty() ? "" : ", ") + s;
      fmt::print("Experiment{}{}: {}\n", opt->name.empty() ? "" : " ", opt->name, list);
    }
  });

  auto* apply = exp->add_subcommand(
      "apply", "Bring an experiment into the workspace: its params written, its outputs restored (run-cache)");
  auto apply_flags = std::make_shared<ReproFlags>();
  auto target = std::make_shared<std::string>();
  apply->add_option("name", *target, "The experiment: its name, exp-RUN, or its run's number")->required();
  apply_flags->repro.jobs = 1;
  apply->add_flag("--json", apply_flags->json, "Print the run's JSON summary, as repro --json");
  apply->callback([&ctx, apply_flags, target] {
    pipeline::ExperimentRow row;
    {
      auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
      auto store = open_lineage(ctx);
      row = pipeline::find_experiment(*store, *target, pipeline::removed_experiments(project));
    }
    std::vector<std::string> skipped;
    const auto edits = pipeline::experiment_params(row, &skipped);
    for (const auto& s : skipped) fmt::print(stderr, "pipe: warning: {} is not written back (only single values are)\n", s);
    // The model versions this run makes say which experiment they came from.
    apply_flags->experiment =
        nlohmann::json({{"name", row.name}, {"run", row.run_id}, {"overrides", row.overrides}}).dump();
    // A repro after the params are written: the run-cache holds the
    // experiment's stage runs, so its outputs come back without running.
    run_repro(ctx, *apply_flags, "pipe exp apply", [&](pipeline::Project& project) { pipeline::write_params(project, edits); });
    if (!apply_flags->json) fmt::print("Applied experiment {} (run {})\n", row.name, row.run_id);
  });

  auto* branch = exp->add_subcommand(
      "branch", "Make a git branch off HEAD whose commit holds an experiment's params and pipe.lock");
  auto names = std::make_shared<std::pair<std::string, std::string>>();
  branch->add_option("name", names->first, "The experiment: its name, exp-RUN, or its run's number")->required();
  branch->add_option("branch", names->second, "The new branch (default: the experiment's name)");
  branch->callback([&ctx, names] {
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    pipeline::ExperimentRow row;
    {
      auto store = open_lineage(ctx);
      row = pipeline::find_experiment(*store, names->first, pipeline::removed_experiments(project));
    }
    const std::string name = names->second.empty() ? row.name : names->second;
    fmt::print(stderr, "Making branch {} from experiment {} in a git worktree...\n", name, row.name);
    const auto made = pipeline::branch_experiment(project, row, name, self_path());
    for (const auto& s : made.skipped)
      fmt::print(stderr, "pipe: warning: {} is not written into the branch (only single values are)\n", s);
    fmt::print("Branch {} holds experiment {} (commit {}): 'git checkout {}' then 'pipe checkout'\n", name, row.name,
               made.commit.substr(0, 12), name);
  });

  auto* diff = exp->add_subcommand("diff", "The params and metrics two experiments differ in");
  auto pair = std::make_shared<std::pair<std::string, std::string>>();
  auto diff_json = std::make_shared<bool>(false);
  diff->add_option("a", pair->first, "An experiment, or 'baseline'")->required();
  diff->add_option("b", pair->second, "Another (default: the baseline)");
  diff->add_flag("--json", *diff_json, "Machine-readable output");
  diff->callback([&ctx, pair, diff_json] {
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    auto store = open_lineage(ctx);
    const auto removed = pipeline::removed_experiments(project);
    pipeline::ExperimentQuery query;
    query.removed = removed;
    const auto table = pipeline::experiment_table(*store, query);
    auto pick = [&](const std::string& name) {
      if (name.empty() || name == "baseline") {
        for (const auto& r : table.rows)
          if (r.baseline) return r;
        throw pipeline::Error(pipeline::Exit::kUsage, "no baseline: no run other than experiments is recorded");
      }
      return pipeline::find_experiment(*store, name, removed);
    };
    const auto a = pick(pair->first);
    const auto b = pick(pair->second);
    nlohmann::json out = {{"a", a.name}, {"b", b.name}, {"params", nlohmann::json::object()},
                          {"metrics", nlohmann::json::object()}};
    for (const char* kind : {"params", "metrics"}) {
      const bool params = std::string(kind) == "params";
      for (const auto& c : pipeline::diff_values(params ? a.params : a.metrics, params ? b.params : b.metrics)) {
        const nlohmann::json old_v = c.old_value ? value_json(*c.old_value) : nlohmann::json(nullptr);
        const nlohmann::json new_v = c.new_value ? value_json(*c.new_value) : nlohmann::json(nullptr);
        nlohmann::json change = {{"a", old_v}, {"b", new_v}};
        if (old_v.is_number() && new_v.is_number()) change["delta"] = new_v.get<double>() - old_v.get<double>();
        out[kind][c.name] = change;
      }
    }
    if (*diff_json) {
      fmt::print("{}\n", out.dump(2));
      return;
    }
    fmt::print("{} -> {}\n", a.name, b.name);
    for (const char* kind : {"params", "metrics"}) {
      if (out[kind].empty()) continue;
      fmt::print("  {}:\n", kind);
      for (const auto& [k, c] : out[kind].items())
        fmt::print("    {}: {} -> {}{}\n", k, c["a"].dump(), c["b"].dump(),
                   c.contains("delta") ? fmt::format(" ({:+g})", c["delta"].get<double>()) : "");
    }
    if (out["params"].empty() && out["metrics"].empty()) fmt::print("  (the same params and metrics)\n");
  });

  auto* show = exp->add_subcommand("show", "A table of the experiments run: their params and metrics, and a baseline row");
  auto sf = std::make_shared<ShowFlags>();
  auto* format = show->add_option_group("format");
  format->add_flag("--json", sf->json, "JSON: one object per row");
  format->add_flag("--csv", sf->csv, "CSV, with a header row");
  format->add_flag("--md", sf->md, "A Markdown table");
  format->require_option(0, 1);
  show->add_option("--param", sf->query.params, "Only this param column (KEY, FILE:KEY, or a prefix ending in '.'); repeatable");
  show->add_option("--metric", sf->query.metrics, "Only this metric column; repeatable");
  show->add_flag("--only-changed", sf->query.only_changed, "Leave out columns that are the same in every row");
  show->add_flag("!--no-queued", sf->queued, "Leave out the experiments that wait in the queue");
  show->add_option("--sort-by", sf->query.sort_by, "Sort the experiments by this param or metric column");
  show->add_option("--sort-order", sf->order, "asc or desc (default asc)")->check(CLI::IsMember({"asc", "desc"}));
  show->callback([&ctx, sf] {
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    auto store = open_lineage(ctx);
    sf->query.descending = sf->order == "desc";
    sf->query.removed = pipeline::removed_experiments(project);
    auto table = pipeline::experiment_table(*store, sf->query);
    // What waits in the queue, after what ran, as DVC's table shows it.
    if (sf->queued)
      pipeline::add_queued_rows(project, &table, sf->query.params.empty() && !sf->query.only_changed);
    print_table(table, *sf);
  });
  add_exp_queue(exp, ctx);
}

}  // namespace pipe_cli
