#include "project.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "error.h"

namespace pipeline {
namespace fs = std::filesystem;

namespace {

// Only transient state is ignored; anything added to .pipe/ later that
// belongs in git (config) stays visible.
constexpr const char* kStateIgnore =
    "# Written by pipe init: local state that does not belong in git.\n"
    "/state.db*\n/logs/\n/tmp/\n/repro.lock\n/cache/\n/runs/\n/config.local\n";

}  // namespace

std::string find_project_root(const std::string& start) {
  std::error_code ec;
  fs::path dir = fs::absolute(start, ec).lexically_normal();
  if (!dir.has_filename() && dir.has_parent_path()) dir = dir.parent_path();  // "a/" -> "a"
  for (fs::path p = dir;; p = p.parent_path()) {
    if (fs::is_directory(p / kStateDir, ec) || fs::is_regular_file(p / "pipe.yaml", ec) ||
        fs::is_regular_file(p / "dvc.yaml", ec))
      return p.string();
    if (p == p.parent_path()) break;
  }
  throw Error(Exit::kBadPipeline, "not a pipe project (no .pipe/, pipe.yaml or dvc.yaml in " + dir.string() +
                                      " or above); run 'pipe init' or create pipe.yaml");
}

std::string stage_log_path(const std::string& stage) {
  std::string name = stage;
  for (char& c : name)
    if (c == '/' || c == '\\') c = '_';
  return std::string(kStateDir) + "/logs/" + name + ".log";
}

bool init_project(const std::string& root) {
  const fs::path dir = fs::path(root) / kStateDir;
  std::error_code ec;
  const bool created = fs::create_directories(dir / "logs", ec);
  if (ec) throw Error(Exit::kIo, "cannot create " + dir.string() + ": " + ec.message());
  if (!fs::exists(dir / ".gitignore")) {
    std::ofstream(dir / ".gitignore") << kStateIgnore;
  }
  return created;
}

Project open_project(const std::string& root) {
  init_project(root);
  Project p;
  p.root = root;
  p.disk = make_real_disk(root);
  p.state = std::make_unique<StateDb>(p.state_path("state.db"));
  p.cache = std::make_unique<ObjectStore>(p.state_path("cache"));
  return p;
}

}  // namespace pipeline
