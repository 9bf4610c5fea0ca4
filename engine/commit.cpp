#include "commit.h"

#include "artifact.h"
#include "changes.h"
#include "error.h"
#include "graph.h"
#include "lockfile.h"
#include "params.h"
#include "pipeline.h"
#include "project.h"
#include "run_cache.h"
#include "targets.h"
#include "tracked.h"
#include "workspace.h"

namespace pipeline {
namespace {

bool input_change(const Reason& r) {
  return r.category() != "out" && r.kind != Reason::Kind::kNeverRun && r.kind != Reason::Kind::kAlwaysChanged;
}

}  // namespace

CommitReport commit(Workspace& ws, const std::vector<Target>& targets, bool force) {
  Project& project = ws.project;
  Disk& disk = ws.disk;
  const Pipeline& p = ws.pipeline;
  const LockFile& lock = ws.lock();
  const Selection sel = select_targets(p, targets, ws.cwd);
  ArtifactHasher hasher(disk, project.state.get(), project.urls.get());
  ParamsReader params(disk);
  CommitReport report;

  // Check every chosen stage before anything is written.
  std::vector<size_t> todo;
  for (size_t i = 0; i < p.stages.size(); ++i) {
    if (!sel.stages[i]) continue;
    const Stage& s = p.stages[i];
    auto it = lock.stages.find(s.name);
    const std::vector<Reason> reasons = stage_changes(s, it == lock.stages.end() ? nullptr : &it->second, hasher, params);
    if (reasons.empty()) {
      report.unchanged.push_back(s.name);
      continue;
    }
    for (const Output& o : s.outs)
      if (!hasher.hash(o.path).exists)
        throw Error(Exit::kFailed, "cannot commit stage '" + s.name + "': its output '" + o.path +
                                       "' does not exist; produce it first, or run 'pipe repro " + s.name + "'");
    for (const Dep& d : s.deps)
      if (!hasher.hash(d.path).exists)
        throw Error(Exit::kFailed, "cannot commit stage '" + s.name + "': its dep '" + d.path + "' does not exist");
    const auto now = current_params(s, params);
    for (const ParamRef& ref : s.params)
      for (const std::string& key : ref.keys) {
        auto f = now.find(ref.file);
        if (f == now.end() || !f->second.count(key))
          throw Error(Exit::kFailed, "cannot commit stage '" + s.name + "': param '" + key + "' is not defined in '" +
                                         ref.file + "'");
      }
    std::string inputs;
    for (const Reason& r : reasons)
      if (input_change(r)) inputs += (inputs.empty() ? "" : "; ") + r.describe();
    if (!force && it != lock.stages.end() && !inputs.empty())
      throw Error(Exit::kFailed, "stage '" + s.name + "' has changed inputs (" + inputs +
                                     "); committing would record its outputs as made from them. If they were, "
                                     "run 'pipe commit --force'; otherwise run 'pipe repro " + s.name + "'");
    todo.push_back(i);
  }

  for (size_t i : todo) {
    const Stage& s = p.stages[i];
    LockedStage entry;
    entry.cmds = s.cmds;
    for (const Dep& d : s.deps) {
      const ArtifactInfo& a = hasher.hash(d.path);
      entry.deps.push_back({d.path, a.digest, a.size, a.is_dir, a.nfiles, a.executable});
    }
    entry.params = current_params(s, params);
    for (const Output& o : s.outs) {
      const ArtifactInfo& a = hasher.hash(o.path);
      // Data first, then the record that names it.
      if (o.cache) {
        commit_artifact(*project.cache, project.root + "/" + o.path, a);
        ignore_in_git(disk, o.path);
      }
      entry.outs.push_back({o.path, a.digest, a.size, a.is_dir, a.nfiles, a.executable});
    }
    if (run_cache_eligible(s)) RunCache(disk).save(run_key(s, entry), s.name, entry);
    ws.locks.set(s, entry);
    report.committed.push_back(s.name);
  }
  ws.locks.flush(disk);

  for (const std::string& file : sel.tracked) {
    const std::vector<AddResult> r = add_data(ws, {ws.tracked.at(file).path});
    (r.front().changed ? report.committed : report.unchanged).push_back(file);
  }
  if (project.state) project.state->flush();
  return report;
}

}  // namespace pipeline
