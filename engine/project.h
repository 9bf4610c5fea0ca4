// A project on disk: its root, its .pipe/ state directory and the pieces
// commands share (filesystem, hash cache).
#pragma once

#include <memory>
#include <string>

#include "config.h"
#include "disk.h"
#include "object_store.h"
#include "state_db.h"
#include "url_deps.h"

namespace pipeline {

inline constexpr const char* kStateDir = ".pipe";

struct Project {
  std::string root;  // absolute
  FileSystem* files = &real_file_system();  // every write: the disk's, the cache's, checkout's and gc's
  std::unique_ptr<Disk> disk;
  std::unique_ptr<StateDb> state;
  std::unique_ptr<ObjectStore> cache;  // null: outputs are not cached (engine tests)
  Config config;                       // .pipe/config and config.local, read once
  std::unique_ptr<UrlStat> urls;       // asks servers about deps by URL; null: not wired (tests)

  std::string state_path(const std::string& name) const { return root + "/" + kStateDir + "/" + name; }
};

// Where a stage's output is logged, relative to the project root. Stage
// names may hold '/' (from foreach values); the file name must not.
std::string stage_log_path(const std::string& stage);

// Finds the project containing `start`: the nearest directory upwards with
// .pipe/; else with .dvc/; else with pipe.yaml or dvc.yaml. Throws
// Error(kBadPipeline) when none.
std::string find_project_root(const std::string& start);

// Opens the project; creates .pipe/ (with its .gitignore) when missing.
// Writes go through `fs` (tests pass a faulty one).
Project open_project(const std::string& root, FileSystem& fs = real_file_system());

// `pipe init`: creates .pipe/ and its ignore file. Returns false if it existed.
bool init_project(const std::string& root, FileSystem& fs = real_file_system());

}  // namespace pipeline
