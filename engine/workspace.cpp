#include "workspace.h"

#include "paths.h"

namespace pipeline {

std::string Workspace::cwd_file() const {
  for (const std::string& f : pipeline.files)
    if (parent_path(f) == cwd) return f;
  return "";
}

Workspace load_workspace(Project& project, const std::string& cwd) {
  Disk& disk = *project.disk;
  Workspace ws{project, disk, project.config, {}, {}, {}, cwd};
  ws.pipeline = load_pipeline(disk, ws.config, /*required=*/false);
  ws.graph = Graph::build(ws.pipeline, disk);
  ws.locks = LockSet(disk, ws.pipeline.files);
  return ws;
}

void require_pipeline(const Workspace& ws) {
  if (ws.pipeline.files.empty())
    throw Error(Exit::kBadPipeline, "no pipe.yaml or dvc.yaml in the project; create one with a 'stages:' section");
}

}  // namespace pipeline
