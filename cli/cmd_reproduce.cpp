// `pipe audit reproduce NAME@VERSION`: parses flags and renders what
// engine/reproduce.cpp finds.
#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <memory>

#include "app.h"
#include "lineage_json.h"
#include "lineage_query.h"
#include "project.h"
#include "remote.h"
#include "reproduce.h"
#include "runner.h"
#include "signals.h"

namespace pipe_cli {
namespace {

struct ReproduceFlags {
  std::string ref;
  std::string remote;
  bool keep = false;
  double tolerance = 1e-6;
  bool json_out = false;
  std::string executor;
};

}  // namespace

void add_reproduce(CLI::App* audit, Context& ctx) {
  auto opt = std::make_shared<ReproduceFlags>();
  auto* cmd = audit->add_subcommand("reproduce", "Re-execute the run that made a version and compare its outputs");
  cmd->add_option("model", opt->ref, "NAME@VERSION (or NAME: the latest)")->required();
  cmd->add_flag("--keep", opt->keep, "Keep the scratch workspace");
  cmd->add_option("-r,--remote", opt->remote, "Fetch inputs the cache lacks from this remote (default: core.remote)");
  cmd->add_option("--tolerance", opt->tolerance, "Relative tolerance for metrics (default 1e-6)");
  cmd->add_flag("--json", opt->json_out, "Machine-readable output");
  cmd->add_option("--executor", opt->executor,
                  "Where the stages run again: local or slurm (default: where the version's run ran them)")
      ->check(CLI::IsMember({"local", "slurm"}));
  cmd->callback([&ctx, opt] {
    // Before any other thread: Ctrl-C stops the re-execution (its own
    // process group), and the scratch workspace is removed as on any end.
    std::atomic<pipeline::Runner*> runner_ptr{nullptr};
    pipeline::SignalWatcher watcher([&](int, int count) {
      if (pipeline::Runner* runner = runner_ptr.load()) runner->signal_all(count == 1 ? SIGTERM : SIGKILL);
    });
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    pipeline::LineageStore store(project.state_path(pipeline::kLineageFile));
    const pipeline::ModelVersion v = pipeline::find_version(store, opt->ref);
    std::unique_ptr<pipeline::Remote> remote;
    pipeline::ReproduceOptions options;
    options.tolerance = opt->tolerance;
    options.remote = [&]() {
      remote = optional_remote(project, opt->remote);
      return remote.get();
    };
    options.pipe_binary = self_path();
    options.keep = opt->keep;
    options.executor = opt->executor;
    auto runner = pipeline::make_local_runner([](const std::string&, std::string_view) {});
    runner_ptr = runner.get();
    const auto r = pipeline::reproduce_version(project, store, v, options, *runner);
    runner_ptr = nullptr;

    if (opt->json_out) {
      nlohmann::json stages = nlohmann::json::array();
      for (const auto& s : r.stages) {
        nlohmann::json one = {{"stage", s.stage}, {"result", s.result}};
        if (!s.first_difference.empty()) one["first_difference"] = s.first_difference;
        stages.push_back(one);
      }
      nlohmann::json out = {{"model", v.model}, {"version", v.version()}, {"reproduced", r.reproduced}, {"stages", stages}};
      if (!r.missing.empty()) out["missing_inputs"] = r.missing;
      if (!r.external.empty()) out["external_inputs"] = r.external;
      if (!r.rebuilt.empty()) out["rebuilt_uncommitted"] = r.rebuilt;
      if (!r.not_rebuilt.empty()) out["not_rebuilt"] = r.not_rebuilt;
      fmt::print("{}\n", out.dump(2));
    } else {
      fmt::print("Reproducing {} {} (run {}) in {}\n", v.model, v.version(), v.run_id, r.scratch);
      fmt::print("  files from {}\n", r.source);
      if (r.fetched) fmt::print("  fetched {} objects from {}\n", r.fetched, r.fetched_from);
      for (const auto& x : r.rebuilt) fmt::print("  uncommitted change rebuilt from the record: {}\n", x);
      for (const auto& x : r.not_rebuilt) fmt::print("  cannot rebuild: {}\n", x);
      for (const auto& x : r.external) fmt::print("  external input {}: read as it is now (pipe keeps no copy)\n", x);
      for (const auto& m : r.missing)
        fmt::print("  cannot materialise input {}: not in the cache, the workspace or a remote\n", m);
      for (const auto& s : r.stages)
        fmt::print("  {:<20} {}{}\n", s.stage, s.result, s.first_difference.empty() ? "" : ": " + s.first_difference);
      fmt::print("{} {}: {}\n", v.model, v.version(), r.reproduced ? "reproduced" : "NOT reproduced");
      if (!r.ran && r.missing.empty()) fmt::print(stderr, "pipe: the re-execution failed:\n{}", r.log);
    }
    std::error_code ec;
    if (opt->keep) fmt::print(stderr, "pipe: kept the scratch workspace {}\n", r.scratch);
    else std::filesystem::remove_all(r.scratch, ec);
    if (watcher.received()) throw pipeline::Error(pipeline::Exit::kInterrupted, "interrupted");
    if (!r.reproduced) ctx.exit_code = 1;
  });
}

}  // namespace pipe_cli
