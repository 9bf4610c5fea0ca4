// Everything a command reads about a project, loaded once and passed down,
// as ninja passes its State: the config, every pipeline file, the graph and
// the locks. Commands that change the project (repro, commit) update it in
// place, so a later step (the lineage recorder) sees what ran, not what
// the files say after a user edited them during a long run.
#pragma once

#include <map>
#include <string>

#include "config.h"
#include "graph.h"
#include "lock_set.h"
#include "models.h"
#include "pipeline.h"
#include "project.h"

namespace pipeline {

struct Workspace {
  Project& project;
  Disk& disk;
  Config config;
  Pipeline pipeline;
  Graph graph;
  LockSet locks;
  std::string cwd;  // the folder the command runs from, project-relative ("" the root)
  // Data tracked by .pipe and .dvc files, by file (pipeline.tracked lists
  // them), read once; entries known only by DVC's hash are resolved where
  // the state db has learnt them.
  std::map<std::string, LockedArtifact> tracked;
  // The `models:` sections, read with the pipeline so that a mistake there
  // stops a command before it runs anything, not after.
  std::vector<ModelDef> models;

  const LockFile& lock() const { return locks.merged(); }
  // The pipeline file of `cwd`, "" when it has none: bare stage names
  // on the command line name its stages, as in DVC.
  std::string cwd_file() const;
};

// Reads and validates every pipeline file, builds the graph and reads the
// locks. Throws Error(kBadPipeline) located at the fault. A project with no
// pipeline file (only data tracked with `pipe add`) has no stages.
Workspace load_workspace(Project& project, const std::string& cwd = "");

// Fills in the digests of lock and tracked entries known only by DVC's
// hash that the state db has learnt since the load (a pull from a DVC remote).
void resolve_pending(Workspace& ws);

// Throws Error(kBadPipeline) when the project has no pipeline file.
void require_pipeline(const Workspace& ws);

}  // namespace pipeline
