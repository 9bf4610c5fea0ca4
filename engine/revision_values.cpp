#include "revision_values.h"

#include <sys/stat.h>

#include "error.h"
#include "experiments.h"
#include "file_io.h"
#include "lineage.h"
#include "object_store.h"
#include "pipeline.h"
#include "project.h"
#include "subprocess.h"
#include "temp_files.h"
#include "workspace.h"

namespace pipeline {
namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

std::string git_prefix(Project& project) {
  std::string out, err;
  if (run_program({"git", "rev-parse", "--show-prefix"}, project.root, &out, &err) != 0)
    throw Error(Exit::kUsage, "a git revision can only be read in a git repository (" + trimmed(err) + ")");
  return trimmed(out);
}

bool is_git_revision(Project& project, const std::string& rev) {
  if (rev.empty() || rev.front() == '-') return false;  // never an option to git
  std::string out, err;
  return run_program({"git", "rev-parse", "--verify", "--quiet", rev + "^{commit}"}, project.root, &out, &err) == 0;
}

DiffSide resolve_side(Project& project, const std::string& operand) {
  DiffSide side;
  side.label = operand;
  if (operand == "workspace") return side;
  LineageStore store(project.state_path(kLineageFile));
  const size_t at = operand.find('@');
  if (at != std::string::npos && at > 0 && !store.model_versions(operand.substr(0, at)).empty()) {
    const ModelVersion v = find_version(store, operand);
    side.kind = DiffSide::Kind::kRun;
    side.run = v.run_id;
    side.label = v.model + "@" + v.version();
    return side;
  }
  ExperimentQuery query;
  query.removed = removed_experiments(project);
  for (const ExperimentRow& row : experiment_table(store, query).rows)
    if (row.name == operand || (!row.baseline && std::to_string(row.run_id) == operand)) {
      side.kind = DiffSide::Kind::kRun;
      side.run = row.run_id;
      side.label = row.baseline ? "baseline" : "experiment " + row.name;
      return side;
    }
  if (!is_git_revision(project, operand))
    throw Error(Exit::kUsage, "'" + operand + "' is neither a git revision here nor a model version (NAME@VERSION) "
                              "or an experiment ('pipe exp show' lists them)");
  side.kind = DiffSide::Kind::kRevision;
  side.rev = operand;
  return side;
}

bool file_at_revision(Project& project, const std::string& rev, const std::string& file, std::string* text) {
  std::string err;
  return run_program({"git", "show", rev + ":" + git_prefix(project) + file}, project.root, text, &err) == 0;
}

NamedValues revision_values(Project& project, const std::string& rev, bool metrics) {
  if (!is_git_revision(project, rev)) throw Error(Exit::kUsage, "'" + rev + "' is not a git revision here");
  FileSystem& fs = *project.files;
  const std::string dir = project.state_path("tmp/" + temp_name("rev"));
  const std::string tar = dir + ".tar";
  std::string out, err;
  NamedValues values;
  try {
    make_dirs(fs, dir, false);
    // `git archive REV:PREFIX` gives the project's folder as it was, with
    // only what git holds: no data, no outputs, no .pipe state.
    if (run_program({"git", "archive", "--format=tar", "-o", tar, rev + ":" + git_prefix(project)}, project.root, &out,
                    &err) != 0)
      throw Error(Exit::kUsage, "cannot read revision '" + rev + "' from git: " + trimmed(err));
    if (run_program({"tar", "-xf", tar, "-C", dir}, project.root, &out, &err) != 0)
      throw Error(Exit::kFailed, "cannot unpack revision '" + rev + "': " + trimmed(err));
    Project there = open_project(dir, fs);
    Workspace ws = [&] {
      try {
        return load_workspace(there);
      } catch (const Error& e) {
        throw Error(e.code(), "at revision " + rev + ": " + e.what());
      }
    }();
    if (metrics) {
      // Metrics pipe caches are not in git: that revision's lock names them.
      const LockFile& lock = ws.lock();
      for (const Stage& s : ws.pipeline.stages) {
        auto locked = lock.stages.find(s.name);
        if (locked == lock.stages.end()) continue;
        for (const Output& o : s.outs) {
          struct stat st;
          if (o.kind != Output::Kind::kMetric || fs.stat(dir + "/" + o.path, &st) == 0) continue;
          for (const LockedArtifact& a : locked->second.outs)
            if (a.path == o.path && !a.is_dir && !a.pending && project.cache->has(a.digest))
              project.cache->restore_file(a.digest, dir + "/" + o.path, false);
        }
      }
      values = workspace_metrics(ws);
    } else {
      values = workspace_params(ws);
    }
  } catch (...) {
    fs.remove_all(dir);
    fs.unlink(tar);
    throw;
  }
  fs.remove_all(dir);
  fs.unlink(tar);
  return values;
}

}  // namespace pipeline
