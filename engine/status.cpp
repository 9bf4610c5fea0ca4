#include "status.h"

#include "artifact.h"
#include "params.h"
#include "tracked.h"
#include "workspace.h"

namespace pipeline {

bool StatusReport::changed() const {
  for (const StageStatus& s : stages)
    if (!s.reasons.empty()) return true;
  for (const TrackedStatus& t : tracked)
    if (!t.change.empty()) return true;
  return false;
}

StatusReport status(Workspace& ws, const std::vector<Target>& targets, const TargetOptions& options) {
  Disk& disk = ws.disk;
  const Pipeline& p = ws.pipeline;
  const Selection sel = select_targets(p, targets, ws.cwd, options);
  std::vector<bool> keep(p.stages.size(), true);
  if (!targets.empty()) keep = ws.graph.ancestors(sel.chosen());
  ArtifactHasher hasher(disk, ws.project.state.get(), ws.project.urls.get());
  ParamsReader params(disk);
  StatusReport report;
  const StateDb::Batch batch(ws.project.state.get());
  for (size_t i : ws.graph.order()) {
    if (!keep[i]) continue;
    const Stage& s = p.stages[i];
    StageStatus st{i, s.frozen, {}};
    if (!s.frozen) st.reasons = stage_changes(s, ws.locks.find(s.name), hasher, params);
    report.stages.push_back(std::move(st));
  }
  // Data tracked with `pipe add` or DVC's .dvc files.
  for (const std::string& file : sel.tracked) {
    const LockedArtifact& recorded = ws.tracked.at(file);
    const ArtifactInfo& now = hasher.hash(recorded.path);
    std::string change;
    if (!now.exists) change = "deleted";
    else if (!hasher.same(recorded, now)) change = "modified";
    report.tracked.push_back({file, recorded.path, change});
  }
  if (ws.project.state) ws.project.state->flush();
  return report;
}

}  // namespace pipeline
