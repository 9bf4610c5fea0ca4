#include "workspace.h"

#include <algorithm>

#include "dvc_lock.h"
#include "dvc_proof.h"
#include "paths.h"
#include "tracked.h"

namespace pipeline {

std::string Workspace::cwd_file() const {
  for (const std::string& f : pipeline.files)
    if (parent_path(f) == cwd) return f;
  return "";
}

namespace {

bool is_dvc_file(const std::string& f) { return f.size() > 4 && f.compare(f.size() - 4, 4, kDvcSuffix) == 0; }

// The entry of `paths` that is `path`, lies above it or inside it; end()
// when none. Sorted keys: what lies inside "a" sorts from "a/" on.
template <typename Map>
typename Map::const_iterator overlapping(const Map& paths, const std::string& path) {
  for (std::string up = path;; up = parent_path(up)) {
    auto it = paths.find(up);
    if (it != paths.end()) return it;
    if (up.empty()) break;
  }
  auto below = paths.lower_bound(path + "/");
  if (below != paths.end() && path_within(path, below->first)) return below;
  return paths.end();
}

// Tracked data is nobody's output, and each piece is tracked once: as DVC
// refuses an output in two places (OutputDuplicationError) or inside
// another (OverlappingOutputPathsError). A .pipe file and a .dvc file
// naming the same data are one record: pipe's wins (it was imported from
// the other, or added over it).
void read_tracked_data(Workspace& ws) {
  std::map<std::string, const Stage*> outputs;
  for (const Stage& s : ws.pipeline.stages)
    for (const Output& o : s.outs) outputs.emplace(o.path, &s);
  std::map<std::string, std::string> by_path;  // data path -> file
  for (const std::string& file : ws.pipeline.tracked) {
    LockedArtifact a;
    try {
      a = read_tracked(ws.disk, file);
    } catch (const Error& e) {
      // DVC's file, which pipe did not write: one it cannot take (DVC 1's
      // stage files, several outputs, a path where pipe never writes) is
      // left out, said once, not a reason to refuse the whole project.
      if (!is_dvc_file(file) || e.code() != Exit::kBadPipeline) throw;
      warn(std::string(e.what()) + "; pipe leaves this .dvc file out");
      continue;
    }
    resolve_pending(ws.project.state.get(), a);
    auto out = overlapping(outputs, a.path);
    if (out != outputs.end())
      fail_pipeline(file, Mark{1, 1},
                    "'" + a.path + "' is tracked by " + file + " and " + (out->first == a.path ? "is" : "overlaps") +
                        " output '" + out->first + "' of stage '" + out->second->name + "'; keep one: delete " +
                        file + ", or the output from the stage");
    auto other = overlapping(by_path, a.path);
    if (other != by_path.end() && other->first == a.path && is_dvc_file(file) != is_dvc_file(other->second)) {
      if (is_dvc_file(file)) continue;  // the .pipe file already read wins
      ws.tracked.erase(other->second);
      by_path.erase(other);
    } else if (other != by_path.end()) {
      fail_pipeline(file, Mark{1, 1},
                    "'" + a.path + "' is tracked by " + file + " and " +
                        (other->first == a.path ? "also" : "overlaps '" + other->first + "'") + " tracked by " +
                        other->second + "; keep one of the two files");
    }
    by_path.emplace(a.path, file);
    ws.tracked.emplace(file, std::move(a));
  }
  auto& files = ws.pipeline.tracked;
  files.erase(std::remove_if(files.begin(), files.end(), [&](const std::string& f) { return !ws.tracked.count(f); }),
              files.end());
}

}  // namespace

Workspace load_workspace(Project& project, const std::string& cwd) {
  Disk& disk = *project.disk;
  Workspace ws{project, disk, project.config, {}, {}, {}, cwd, {}, {}};
  ws.pipeline = load_pipeline(disk, ws.config, /*required=*/false);
  ws.models = parse_models(ws.pipeline);
  ws.graph = Graph::build(ws.pipeline, disk);
  ws.locks = LockSet(disk, ws.pipeline.files);
  read_dvc_locks(ws);
  ws.locks.resolve_pending(project.state.get());
  read_tracked_data(ws);
  return ws;
}

void resolve_pending(Workspace& ws) {
  ws.locks.resolve_pending(ws.project.state.get());
  for (auto& [file, a] : ws.tracked) pipeline::resolve_pending(ws.project.state.get(), a);
}

void require_pipeline(const Workspace& ws) {
  if (ws.pipeline.files.empty())
    throw Error(Exit::kBadPipeline, "no pipe.yaml or dvc.yaml in the project; create one with a 'stages:' section");
}

}  // namespace pipeline
