#include "reproduce.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cerrno>
#include <map>
#include <set>

#include "artifact.h"
#include "checkout.h"
#include "config.h"
#include "disk.h"
#include "error.h"
#include "file_io.h"
#include "lockfile.h"
#include "object_store.h"
#include "output_diff.h"
#include "pipeline.h"
#include "project.h"
#include "record.h"
#include "remote.h"
#include "runner.h"
#include "subprocess.h"
#include "transfer.h"
#include "url_deps.h"
#include "value.h"

namespace pipeline {
namespace {

std::string trim_newlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '/')) s.pop_back();
  return s;
}

// The project's files from git at `commit`. The project may be a folder of
// the repository: archive that folder's tree, from the top (git archive
// limits itself to the current folder).
bool files_from_git(const Project& project, const std::string& commit, const std::string& scratch,
                    std::string* prefix) {
  std::string top, ignored;
  if (commit.empty() || !run_capture({"git", "rev-parse", "--show-prefix"}, project.root, prefix) ||
      !run_capture({"git", "rev-parse", "--show-toplevel"}, project.root, &top))
    return false;
  *prefix = trim_newlines(*prefix);
  top = trim_newlines(top);
  const std::string tree = prefix->empty() ? commit : commit + ":" + *prefix;
  const bool ok = run_capture({"git", "archive", "--format=tar", "-o", scratch + "/.source.tar", tree}, top, &ignored) &&
                  run_capture({"tar", "-xf", ".source.tar"}, scratch, &ignored);
  project.files->unlink(scratch + "/.source.tar");
  return ok;
}

// The project's files as the run saw them: from git when the run recorded
// a commit this repository has, else the pipeline and params files here.
std::string populate(Project& project, Disk& scratch_disk, const RunRecord& run, const std::string& scratch) {
  const std::string& commit = run.code.git_commit;
  std::string prefix;
  if (files_from_git(project, commit, scratch, &prefix))
    return "git " + commit.substr(0, 12) + (prefix.empty() ? "" : ":" + prefix) +
           (run.code.dirty ? " (the run had uncommitted changes)" : "");
  const auto pipeline_files = find_pipeline_files(*project.disk);
  std::set<std::string> files(pipeline_files.begin(), pipeline_files.end());
  for (const auto& e : run.executions)
    for (const auto& p : e.params) files.insert(p.file);
  for (const std::string& f : files) {
    std::string text;
    if (f.empty() || !project.disk->read(f, &text)) continue;
    scratch_disk.write_atomic(f, text);
  }
  return commit.empty() ? "the workspace (no git commit recorded)"
                        : "the workspace (git commit " + commit.substr(0, 12) + " does not hold the project)";
}

// Each recorded input inside the project once, as pipe.lock would name it.
// External deps (absolute paths, URLs) are read where they are.
std::vector<LockedArtifact> recorded_inputs(const RunRecord& run) {
  std::vector<LockedArtifact> out;
  std::set<std::string> done;
  for (const auto& e : run.executions)
    for (const auto& a : e.inputs) {
      if (is_external_dep(a.path)) continue;
      LockedArtifact want;
      want.path = a.path;
      want.is_dir = a.is_dir;
      if (done.insert(a.path).second && Digest::parse(a.digest, &want.digest)) out.push_back(want);
    }
  return out;
}

bool cache_from_workspace(Project& project, const std::string& path, const ArtifactInfo& info) {
  return project.cache && copy_into_cache(*project.cache, project.root + "/" + path, info);
}

std::string short_digest(const std::string& hex) { return hex.substr(0, 12); }

}  // namespace

bool values_close(const std::string& a, const std::string& b, double tolerance) {
  char* end_a = nullptr;
  char* end_b = nullptr;
  const double x = std::strtod(a.c_str(), &end_a), y = std::strtod(b.c_str(), &end_b);
  if (*end_a || *end_b || a.empty() || b.empty()) return a == b;
  return std::fabs(x - y) <= tolerance * std::max(1.0, std::max(std::fabs(x), std::fabs(y)));
}

std::vector<std::string> materialise_inputs(Project& project, Project& scratch, const RunRecord& run) {
  std::vector<std::string> missing;
  ArtifactHasher here(*project.disk, project.state.get());
  ArtifactHasher there(*scratch.disk, nullptr);
  for (const LockedArtifact& want : recorded_inputs(run)) {
    if (const auto& got = there.hash(want.path); got.exists && got.digest == want.digest) continue;
    bool cached = scratch.cache && restorable(scratch, want);
    if (!cached)
      if (const auto& info = here.hash(want.path); info.exists && info.digest == want.digest)
        cached = cache_from_workspace(project, want.path, info);
    if (cached) {
      try {
        restore_output(scratch, want);
        continue;
      } catch (const Error&) {
      }
    }
    missing.push_back(want.path + " (" + short_digest(want.digest.hex()) + ")");
  }
  return missing;
}

namespace {

// Contents compared in memory up to this size; a bigger file is described
// by its sizes alone.
constexpr uint64_t kDiffLimit = 64u << 20;

// What differs in the output file `path` (`rel` inside a directory output),
// against its recorded content in the cache.
std::string file_difference(Disk& scratch, const ObjectStore* cache, const std::string& path, const Digest& want,
                            uint64_t want_size, uint64_t got_size) {
  std::string recorded, got;
  if (want_size > kDiffLimit || got_size > kDiffLimit)
    return "recorded " + std::to_string(want_size) + " bytes, got " + std::to_string(got_size) +
           " (too large to compare here)";
  if (!cache || !cache->has(want) || !read_file(cache->file_system(), cache->object_path(want), &recorded))
    return "the recorded content is not in the cache to compare with (pipe fetch gets it)";
  if (!scratch.read(path, &got)) return "cannot read what the re-execution wrote";
  return first_difference(path, recorded, got);
}

// The first file of a directory output that differs, and how.
std::string dir_difference(Disk& scratch, const ObjectStore* cache, const std::string& path, const Digest& want,
                           const ArtifactInfo& got) {
  std::vector<ManifestEntry> recorded;
  if (!cache || !cache->read_manifest(want, &recorded))
    return "the recorded listing is not in the cache to compare with (pipe fetch gets it)";
  std::map<std::string, const ManifestEntry*> now;
  if (got.files)
    for (const ManifestEntry& e : *got.files) now[e.path] = &e;
  for (const ManifestEntry& e : recorded) {
    auto it = now.find(e.path);
    if (it == now.end()) return "file '" + e.path + "' was recorded and is missing now";
    if (it->second->digest != e.digest)
      return "file '" + e.path + "': " +
             file_difference(scratch, cache, path + "/" + e.path, e.digest, e.size, it->second->size);
    if (it->second->executable != e.executable) return "file '" + e.path + "': its executable bit changed";
    now.erase(it);
  }
  if (!now.empty()) return "file '" + now.begin()->first + "' is new";
  return "";
}

}  // namespace

std::vector<StageVerdict> compare_outputs(Disk& scratch, const ObjectStore* cache, const RunRecord& run,
                                          double tolerance, bool ran, bool inputs_missing) {
  std::vector<StageVerdict> out;
  ArtifactHasher there(scratch, nullptr);
  for (const auto& e : run.executions) {
    StageVerdict v{e.stage, "exact", ""};
    std::set<std::string> metrics_files;
    for (const auto& m : e.metrics) metrics_files.insert(m.file);
    for (const auto& a : e.outputs) {
      Digest want;
      Digest::parse(a.digest, &want);
      const auto& got = there.hash(a.path);
      if (got.exists && got.digest == want) continue;
      // A metrics file: how each recorded metric moved. One that differs
      // only in the last digits of its numbers reproduces within tolerance.
      std::string text, moved;
      const bool metrics = got.exists && metrics_files.count(a.path) && scratch.read(a.path, &text);
      if (metrics) {
        const auto values = read_metrics(a.path, text);
        for (const auto& m : e.metrics) {
          if (m.file != a.path) continue;
          auto g = std::find_if(values.begin(), values.end(), [&](const auto& x) { return x.key == m.key; });
          if (g == values.end()) moved += (moved.empty() ? "" : ", ") + m.key + " missing now";
          else if (!values_close(m.value, g->value, tolerance))
            moved += (moved.empty() ? "" : ", ") + m.key + " " + value_change(m.value, g->value);
        }
        if (moved.empty()) {
          v.result = "within tolerance";
          continue;
        }
      }
      v.result = "not reproduced";
      if (!got.exists) {
        v.first_difference = a.path + " was not produced";
        break;
      }
      v.first_difference = a.path + " differs (recorded " + short_digest(a.digest) + ", got " +
                           short_digest(got.digest.hex()) + ")";
      // Metrics: how each one moved. Else where the content first differs.
      std::string why = moved;
      if (why.empty())
        why = got.is_dir ? dir_difference(scratch, cache, a.path, want, got)
                         : file_difference(scratch, cache, a.path, want, a.size, got.size);
      if (!why.empty()) v.first_difference += ": " + why;
      break;
    }
    if (inputs_missing) {
      v.result = "not run";
      v.first_difference = "inputs missing";
    } else if (!ran && v.result == "exact" && !e.outputs.empty()) {
      v.result = "not reproduced";
      v.first_difference = "the re-execution failed";
    }
    out.push_back(v);
  }
  return out;
}

namespace {

// The executor the re-execution uses: the one asked for, else the one the
// run's stages ran on (a Slurm run is re-executed on Slurm).
std::string executor_of(const RunRecord& run, const std::string& asked) {
  if (!asked.empty()) return asked;
  for (const auto& e : run.executions)
    if (e.executor.find("\"kind\":\"slurm\"") != std::string::npos) return "slurm";
  return "local";
}

// The project's files, then its settings: the remotes' ones let a stage's
// URL deps be asked about, and cache.dir goes in config.local, which wins
// over the config file and is never in git, so the scratch shares the
// project's cache whatever the archive held.
Project prepare_scratch(Project& project, const RunRecord& run, Reproduction& r) {
  FileSystem& fs = *project.files;
  auto files = make_real_disk(r.scratch, fs);
  r.source = populate(project, *files, run, r.scratch);
  for (const char* name : {kConfigFile, kLocalConfigFile}) {
    std::string text;
    if (!read_file(fs, project.state_path(name), &text)) {
      if (errno == ENOENT) continue;
      fail_io("cannot read", project.state_path(name), errno);
    }
    // config.local may hold secrets: owner-only, as in the project.
    const std::string copy = r.scratch + "/.pipe/" + name;
    write_file_atomically(fs, copy, text, name == std::string(kLocalConfigFile) ? 0600 : 0644);
  }
  const std::string cache_dir = project.cache->dir();
  edit_config(r.scratch + "/.pipe/" + kLocalConfigFile, "cache.dir", &cache_dir);
  return open_project(r.scratch, fs);
}

// The files of a dirty tree that pipe kept for the run, by digest.
std::vector<LockedArtifact> kept_files(const RunRecord& run) {
  std::vector<LockedArtifact> out;
  for (const ChangedFile& f : run.code.changed) {
    LockedArtifact a;
    a.path = f.path;
    if (!f.digest.empty() && Digest::parse(f.digest, &a.digest)) out.push_back(a);
  }
  return out;
}

// What the run's work tree held that the commit does not, put back over
// what git gave: the inputs become the run's, whatever git holds now.
void rebuild_changed(Project& scratch, const RunRecord& run, Reproduction& r) {
  if (run.code.dirty && !run.code.changes_recorded) {
    r.not_rebuilt.push_back("the run's uncommitted changes (it was recorded by a pipe that did not keep them)");
    return;
  }
  for (const ChangedFile& f : run.code.changed) {
    if (f.why == "deleted") {
      scratch.disk->remove_all(f.path);
      r.rebuilt.push_back(f.path + " (deleted)");
      continue;
    }
    LockedArtifact a;
    a.path = f.path;
    if (f.digest.empty() || !Digest::parse(f.digest, &a.digest)) {
      r.not_rebuilt.push_back(f.path + " was modified and not kept (" + f.why + ")");
      continue;
    }
    try {
      restore_output(scratch, a);
      r.rebuilt.push_back(f.path);
    } catch (const Error&) {
      r.not_rebuilt.push_back(f.path + " was modified, and its kept copy is not in the cache (pipe fetch gets it)");
    }
  }
}

void run_in_scratch(Project& project, LineageStore& store, const ModelVersion& v, const RunRecord& run,
                    const ReproduceOptions& options, Runner& runner, Reproduction& r) {
  auto sandbox = prepare_scratch(project, run, r);
  // Inputs the cache lacks come from the remote, when there is one.
  std::vector<LockedArtifact> absent;
  for (const LockedArtifact& a : recorded_inputs(run))
    if (!restorable(project, a)) absent.push_back(a);
  for (const LockedArtifact& a : kept_files(run))
    if (!restorable(project, a)) absent.push_back(a);
  if (!absent.empty() && options.remote)
    if (Remote* remote = options.remote()) {
      r.fetched = fetch_artifacts(project, *remote, absent, options.jobs, {}).transferred;
      r.fetched_from = remote->describe();
    }

  rebuild_changed(sandbox, run, r);
  r.missing = materialise_inputs(project, sandbox, run);
  std::set<std::string> external;
  for (const auto& e : run.executions)
    for (const auto& a : e.inputs)
      if (is_external_dep(a.path) && external.insert(a.path).second) r.external.push_back(a.path);
  if (r.missing.empty()) {
    Job job;
    job.stage = "reproduce";
    job.cmds = {shell_quote(options.pipe_binary) + " repro --force --executor " + executor_of(run, options.executor)};
    job.dir = r.scratch;
    job.log_path = r.scratch + "/.pipe/reproduce.log";
    runner.start(job);
    r.ran = runner.wait().ok();
    read_file(job.log_path, &r.log);
  }
  r.stages = compare_outputs(*sandbox.disk, sandbox.cache.get(), run, options.tolerance, r.ran, !r.missing.empty());
  r.reproduced = r.missing.empty();
  for (auto& s : r.stages) {
    r.reproduced = r.reproduced && s.ok();
    // A difference may come from an input that could not be rebuilt.
    if (!s.ok() && !r.not_rebuilt.empty()) {
      std::string list;
      for (const auto& n : r.not_rebuilt) list += (list.empty() ? "" : "; ") + n;
      s.first_difference += (s.first_difference.empty() ? "" : "; ") + std::string("not rebuilt: ") + list;
    }
  }

  ModelEvent event;
  event.model = v.model;
  event.version = v.version();
  event.action = "reproduce";
  event.user = current_user();
  event.host = current_host();
  event.at_ns = now_ns();
  event.reason = r.reproduced ? "reproduced" : "not reproduced";
  Value stages = Value::list();
  for (const auto& s : r.stages) {
    Value one = Value::map();
    one.set("stage", Value::string(s.stage));
    one.set("result", Value::string(s.result));
    if (!s.first_difference.empty()) one.set("first_difference", Value::string(s.first_difference));
    stages.push(one);
  }
  Value details = Value::map();
  details.set("stages", stages);
  details.set("source", Value::string(r.source));
  details.set("tolerance", Value::number(options.tolerance));
  event.details = details.canonical();
  store.add_event(event);
}

}  // namespace

Reproduction reproduce_version(Project& project, LineageStore& store, const ModelVersion& v,
                               const ReproduceOptions& options, Runner& runner) {
  if (!project.cache) throw Error(Exit::kFailed, "reproducing a version needs the project's cache");
  Reproduction r;
  const RunRecord run = store.run(v.run_id);
  r.scratch = project.state_path("reproduce/" + v.model + "-" + v.version() + "-" + std::to_string(::getpid()));
  FileSystem& files = *project.files;
  if (files.remove_all(r.scratch) != 0) fail_io("cannot remove", r.scratch, errno);
  make_dirs(files, r.scratch + "/.pipe", false);  // scratch: nothing in it must survive a crash
  try {
    run_in_scratch(project, store, v, run, options, runner, r);
  } catch (...) {
    // Nothing is left behind on failure: the scratch holds config.local.
    if (!options.keep) files.remove_all(r.scratch);
    throw;
  }
  return r;
}

}  // namespace pipeline
