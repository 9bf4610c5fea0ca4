// `pipe push`, `pipe fetch` and `pipe pull`: objects to and from a remote.
#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <thread>

#include "app.h"
#include "checkout.h"
#include "config.h"
#include "project.h"
#include "backends.h"
#include "transfer.h"

namespace pipe_cli {
namespace {

struct TransferOptions {
  std::vector<std::string> targets;
  std::string remote;
  size_t jobs = 4 * std::max(1u, std::thread::hardware_concurrency());
  bool force = false;
};


// A progress line on a terminal, rewritten in place; nothing otherwise
// (logs get the summary line only).
pipeline::TransferProgress progress_line(const char* verb) {
  if (!::isatty(STDERR_FILENO)) return {};
  auto start = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  return [verb, start](const pipeline::TransferReport& r, size_t total) {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - *start).count();
    fmt::print(stderr, "\r{} {}/{} objects, {:.1f} MB, {:.1f} MB/s   ", verb, r.transferred + r.failed, total,
               static_cast<double>(r.bytes) / 1e6, s > 0 ? static_cast<double>(r.bytes) / 1e6 / s : 0.0);
  };
}

// The summary line, the errors, and the exit code.
void finish(Context& ctx, const char* done, const pipeline::TransferReport& r) {
  if (::isatty(STDERR_FILENO)) fmt::print(stderr, "\n");
  for (const auto& e : r.errors) fmt::print(stderr, "pipe: {}\n", e);
  for (const auto& w : r.warnings) fmt::print(stderr, "pipe: warning: {}\n", w);
  fmt::print("{} {} objects ({} bytes), {} already there, {} failed\n", done, r.transferred, r.bytes, r.skipped,
             r.failed);
  if (r.runs_imported) fmt::print("Imported {} runs into the lineage store\n", r.runs_imported);
  if (r.events_imported) fmt::print("Imported {} model registry events\n", r.events_imported);
  if (r.records_shared) fmt::print("Shared {} lineage records (runs and model events) in one registry pack\n", r.records_shared);
  for (const auto& n : r.notes) fmt::print("{}\n", n);
  if (r.failed) ctx.exit_code = 1;
}

void common(CLI::App* cmd, const std::shared_ptr<TransferOptions>& opt) {
  cmd->add_option("targets", opt->targets, "Stages, outputs or .pipe-tracked data; default all");
  cmd->add_option("-r,--remote", opt->remote, "Remote name (default: core.remote)");
  cmd->add_option("-j,--jobs", opt->jobs, "Transfers at once")->check(CLI::Range(1, 256));
}

}  // namespace

void for_each_remote(pipeline::Workspace& ws, const std::string& chosen, const std::vector<pipeline::Target>& targets,
                     const std::function<void(pipeline::Remote&, const pipeline::RemoteScope&)>& work) {
  const std::string dir = ws.project.root + "/" + pipeline::kStateDir;
  const pipeline::Config& config = ws.config;
  const pipeline::RemoteSettings def = pipeline::remote_settings(config, chosen, dir);
  work(*pipeline::open_remote(def), {def.name, true});
  // Outputs that name their own remote (`remote:` in pipe.yaml).
  for (const std::string& name : pipeline::output_remotes(ws, targets)) {
    if (name == def.name) continue;
    work(*pipeline::open_remote(pipeline::remote_settings(config, name, dir)), {name, false});
  }
}

void add_push(CLI::App& app, Context& ctx) {
  auto opt = std::make_shared<TransferOptions>();
  auto* push = app.add_subcommand("push", "Upload cached outputs, tracked data and run-cache entries to a remote");
  common(push, opt);
  push->callback([&ctx, opt] {
    const std::string root = pipeline::find_project_root(ctx.directory);
    auto project = pipeline::open_project(root);
    const auto targets = to_targets(ctx, root, opt->targets);
    auto ws = open_workspace(ctx, project);
    for_each_remote(ws, opt->remote, targets, [&](pipeline::Remote& remote, const pipeline::RemoteScope& scope) {
      finish(ctx, "Pushed", pipeline::push(ws, remote, scope, targets, opt->jobs, progress_line("pushing")));
    });
  });

  auto* fetch = app.add_subcommand("fetch", "Download what pipe.lock and the .pipe files record into the cache");
  common(fetch, opt);
  fetch->callback([&ctx, opt] {
    const std::string root = pipeline::find_project_root(ctx.directory);
    auto project = pipeline::open_project(root);
    const auto targets = to_targets(ctx, root, opt->targets);
    auto ws = open_workspace(ctx, project);
    for_each_remote(ws, opt->remote, targets, [&](pipeline::Remote& remote, const pipeline::RemoteScope& scope) {
      finish(ctx, "Fetched", pipeline::fetch(ws, remote, scope, targets, opt->jobs, progress_line("fetching")));
    });
  });

  auto* pull = app.add_subcommand("pull", "fetch, then checkout");
  common(pull, opt);
  pull->add_flag("-f,--force", opt->force, "Overwrite workspace changes, as checkout --force");
  pull->callback([&ctx, opt] {
    const std::string root = pipeline::find_project_root(ctx.directory);
    auto project = pipeline::open_project(root);
    const auto targets = to_targets(ctx, root, opt->targets);
    const auto lock = lock_project(project, "pipe pull");
    auto ws = open_workspace(ctx, project);
    for_each_remote(ws, opt->remote, targets, [&](pipeline::Remote& remote, const pipeline::RemoteScope& scope) {
      finish(ctx, "Fetched", pipeline::fetch(ws, remote, scope, targets, opt->jobs, progress_line("fetching")));
    });
    const auto report = pipeline::checkout(ws, targets, opt->force);
    for (const auto& p : report.restored) fmt::print("restored {}\n", p);
    for (const auto& p : report.refused)
      fmt::print(stderr, "pipe: {} differs from what is recorded; not overwritten (use --force)\n", p);
    for (const auto& p : report.missing) fmt::print(stderr, "pipe: cannot restore {}\n", p);
    if (!report.refused.empty() || !report.missing.empty()) ctx.exit_code = 1;
  });
}

}  // namespace pipe_cli
