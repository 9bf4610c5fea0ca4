// `pipe audit reproduce NAME@VERSION`: re-executes the run that made a model
// version in a scratch workspace and compares every output with the record.
//
// The scratch workspace gets the project's files from git at the run's
// commit (or, without git, the pipeline and params files from the
// workspace), every recorded input by its digest (from the cache, or the
// workspace when it still holds that content), and shares the project's
// cache. pipe itself then runs `repro --force` there.
#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <random>

#include "app.h"
#include "artifact.h"
#include "checkout.h"
#include "error.h"
#include "file_io.h"
#include "lineage_json.h"
#include "lockfile.h"
#include "object_store.h"
#include "pipeline.h"
#include "project.h"
#include "record.h"
#include "subprocess.h"
#include "transfer.h"
#include "value.h"

namespace pipe_cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct ReproduceOptions {
  std::string ref;
  std::string remote;
  bool keep = false;
  double tolerance = 1e-6;
  bool json_out = false;
};

// The project's files as the run saw them: from git when the run recorded
// a commit this repository has, else the pipeline and params files here.
std::string populate(pipeline::Project& project, const pipeline::RunRecord& run, const std::string& scratch) {
  std::string ignored, prefix, top;
  const std::string commit = run.code.git_commit;
  // The project may be a folder of the repository: archive that folder's
  // tree, from the top (git archive limits itself to the current folder).
  if (!commit.empty() && pipeline::run_capture({"git", "rev-parse", "--show-prefix"}, project.root, &prefix) &&
      pipeline::run_capture({"git", "rev-parse", "--show-toplevel"}, project.root, &top)) {
    while (!prefix.empty() && (prefix.back() == '\n' || prefix.back() == '/')) prefix.pop_back();
    while (!top.empty() && top.back() == '\n') top.pop_back();
    const std::string tree = prefix.empty() ? commit : commit + ":" + prefix;
    if (pipeline::run_capture({"git", "archive", "--format=tar", "-o", scratch + "/.source.tar", tree}, top,
                              &ignored) &&
        pipeline::run_capture({"tar", "-xf", ".source.tar"}, scratch, &ignored)) {
      fs::remove(scratch + "/.source.tar");
      return "git " + commit.substr(0, 12) + (prefix.empty() ? "" : ":" + prefix) +
             (run.code.dirty ? " (the run had uncommitted changes)" : "");
    }
    fs::remove(scratch + "/.source.tar");
  }
  const auto pipeline_files = pipeline::find_pipeline_files(*project.disk);
  std::set<std::string> files(pipeline_files.begin(), pipeline_files.end());
  for (const auto& e : run.executions)
    for (const auto& p : e.params) files.insert(p.file);
  for (const std::string& f : files) {
    std::error_code ec;
    if (f.empty() || !fs::exists(project.root + "/" + f)) continue;
    fs::create_directories(fs::path(scratch + "/" + f).parent_path(), ec);
    fs::copy_file(project.root + "/" + f, scratch + "/" + f, fs::copy_options::overwrite_existing, ec);
  }
  return commit.empty() ? "the workspace (no git commit recorded)"
                        : "the workspace (git commit " + commit.substr(0, 12) + " does not hold the project)";
}

// Puts every recorded input in place by digest. Returns what could not be.
std::vector<std::string> materialise(pipeline::Project& project, pipeline::Project& scratch,
                                     const pipeline::RunRecord& run) {
  std::vector<std::string> missing;
  pipeline::ArtifactHasher here(*project.disk, project.state.get());
  pipeline::ArtifactHasher there(*scratch.disk, nullptr);
  std::set<std::string> done;
  for (const auto& e : run.executions)
    for (const auto& a : e.inputs) {
      pipeline::LockedArtifact want;
      want.path = a.path;
      want.is_dir = a.is_dir;
      if (!done.insert(a.path).second || !pipeline::Digest::parse(a.digest, &want.digest)) continue;
      if (const auto& got = there.hash(a.path); got.exists && got.digest == want.digest) continue;
      try {
        pipeline::restore_output(scratch, want);  // from the shared cache
        continue;
      } catch (const pipeline::Error&) {
      }
      if (const auto& info = here.hash(a.path); info.exists && info.digest == want.digest && !a.is_dir) {
        std::error_code ec;
        fs::create_directories(fs::path(scratch.root + "/" + a.path).parent_path(), ec);
        fs::copy_file(project.root + "/" + a.path, scratch.root + "/" + a.path, fs::copy_options::overwrite_existing, ec);
        if (!ec) continue;
      }
      missing.push_back(a.path + " (" + a.digest.substr(0, 12) + ")");
    }
  return missing;
}

bool numbers_close(const std::string& a, const std::string& b, double tolerance) {
  char* end_a = nullptr;
  char* end_b = nullptr;
  const double x = std::strtod(a.c_str(), &end_a), y = std::strtod(b.c_str(), &end_b);
  if (*end_a || *end_b || a.empty() || b.empty()) return a == b;
  return std::fabs(x - y) <= tolerance * std::max(1.0, std::max(std::fabs(x), std::fabs(y)));
}

}  // namespace

void add_reproduce(CLI::App* audit, Context& ctx) {
  auto opt = std::make_shared<ReproduceOptions>();
  auto* cmd = audit->add_subcommand("reproduce", "Re-execute the run that made a version and compare its outputs");
  cmd->add_option("model", opt->ref, "NAME@VERSION (or NAME: the latest)")->required();
  cmd->add_flag("--keep", opt->keep, "Keep the scratch workspace");
  cmd->add_option("-r,--remote", opt->remote, "Fetch inputs the cache lacks from this remote (default: core.remote)");
  cmd->add_option("--tolerance", opt->tolerance, "Relative tolerance for metrics (default 1e-6)");
  cmd->add_flag("--json", opt->json_out, "Machine-readable output");
  cmd->callback([&ctx, opt] {
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    pipeline::LineageStore store(project.state_path(pipeline::kLineageFile));
    const pipeline::ModelVersion v = find_version(store, opt->ref);
    const pipeline::RunRecord run = store.run(v.run_id);

    const std::string scratch = project.state_path("reproduce/" + v.model + "-" + v.version() + "-" +
                                                   std::to_string(::getpid()));
    fs::remove_all(scratch);
    fs::create_directories(scratch + "/.pipe");
    pipeline::write_file_atomically(scratch + "/.pipe/config",
                                    "[cache]\ndir = " + json(project.cache->dir()).dump() + "\n", 0644);
    const std::string source = populate(project, run, scratch);
    // Inputs the cache lacks come from the remote, when there is one.
    std::vector<pipeline::LockedArtifact> absent;
    for (const auto& e : run.executions)
      for (const auto& a : e.inputs) {
        pipeline::LockedArtifact want;
        want.path = a.path;
        want.is_dir = a.is_dir;
        if (pipeline::Digest::parse(a.digest, &want.digest) &&
            !(a.is_dir ? project.cache->has_manifest(want.digest) : project.cache->has(want.digest)))
          absent.push_back(want);
      }
    std::string fetched;
    if (!absent.empty())
      if (auto remote = optional_remote(project, opt->remote)) {
        const auto r = pipeline::fetch_artifacts(project, *remote, absent, 16, {});
        if (r.transferred) fetched = std::to_string(r.transferred) + " objects from " + remote->describe();
      }
    auto sandbox = pipeline::open_project(scratch);
    const auto missing = materialise(project, sandbox, run);
    if (!opt->json_out) {
      fmt::print("Reproducing {} {} (run {}) in {}\n", v.model, v.version(), run.id, scratch);
      fmt::print("  files from {}\n", source);
      if (!fetched.empty()) fmt::print("  fetched {}\n", fetched);
    }
    std::string log;
    bool ran = false;
    if (missing.empty()) {
      char self[4096] = {};
      const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
      ran = n > 0 && pipeline::run_capture({self, "repro", "--force"}, scratch, &log);
    }

    // Compare, stage by stage.
    pipeline::ArtifactHasher there(*sandbox.disk, nullptr);
    json stages = json::array();
    bool all_ok = missing.empty();
    for (const auto& e : run.executions) {
      std::set<std::string> metrics_files;
      for (const auto& m : e.metrics) metrics_files.insert(m.file);
      std::string verdict = "exact", first;
      for (const auto& a : e.outputs) {
        pipeline::Digest want;
        pipeline::Digest::parse(a.digest, &want);
        const auto& got = there.hash(a.path);
        if (got.exists && got.digest == want) continue;
        bool close = false;
        std::string text;
        if (got.exists && metrics_files.count(a.path) && pipeline::read_file(scratch + "/" + a.path, &text)) {
          close = true;
          const auto values = pipeline::read_metrics(a.path, text);
          for (const auto& m : e.metrics) {
            if (m.file != a.path) continue;
            bool found = false;
            for (const auto& g : values)
              if (g.key == m.key) found = true, close = close && numbers_close(m.value, g.value, opt->tolerance);
            close = close && found;
          }
        }
        if (close) {
          if (verdict == "exact") verdict = "within tolerance";
          continue;
        }
        verdict = "not reproduced";
        first = a.path + (got.exists ? " differs (recorded " + a.digest.substr(0, 12) + ", got " + got.digest.hex().substr(0, 12) + ")"
                                     : " was not produced");
        break;
      }
      if (!missing.empty()) verdict = "not run", first = "inputs missing";
      else if (!ran && verdict == "exact" && !e.outputs.empty()) verdict = "not reproduced", first = first.empty() ? "the re-execution failed" : first;
      all_ok = all_ok && (verdict == "exact" || verdict == "within tolerance");
      json s = {{"stage", e.stage}, {"result", verdict}};
      if (!first.empty()) s["first_difference"] = first;
      stages.push_back(s);
    }

    pipeline::ModelEvent event;
    event.model = v.model;
    event.version = v.version();
    event.action = "reproduce";
    event.user = pipeline::current_user();
    event.host = pipeline::current_host();
    event.at_ns = pipeline::now_ns();
    event.reason = all_ok ? "reproduced" : "not reproduced";
    event.details = json({{"stages", stages}, {"source", source}, {"tolerance", opt->tolerance}}).dump();
    store.add_event(event);

    if (opt->json_out) {
      json out = {{"model", v.model}, {"version", v.version()}, {"reproduced", all_ok}, {"stages", stages}};
      if (!missing.empty()) out["missing_inputs"] = missing;
      fmt::print("{}\n", out.dump(2));
    } else {
      for (const auto& m : missing)
        fmt::print("  cannot materialise input {}: not in the cache, the workspace or a remote\n", m);
      for (const auto& s : stages)
        fmt::print("  {:<20} {}{}\n", s["stage"].get<std::string>(), s["result"].get<std::string>(),
                   s.contains("first_difference") ? ": " + s["first_difference"].get<std::string>() : "");
      fmt::print("{} {}: {}\n", v.model, v.version(), all_ok ? "reproduced" : "NOT reproduced");
      if (!ran && missing.empty()) fmt::print(stderr, "pipe: the re-execution failed:\n{}", log);
    }
    if (opt->keep) fmt::print(stderr, "pipe: kept the scratch workspace {}\n", scratch);
    else fs::remove_all(scratch);
    if (!all_ok) ctx.exit_code = 1;
  });
}

}  // namespace pipe_cli
