#include "project.h"

#include <sys/stat.h>

#include <filesystem>

#include "config.h"
#include "error.h"
#include "file_io.h"
#include "temp_files.h"

namespace pipeline {
namespace fs = std::filesystem;

namespace {

// Only transient state is ignored; anything added to .pipe/ later that
// belongs in git (config) stays visible.
constexpr const char* kStateIgnore =
    "# Written by pipe init: local state that does not belong in git.\n"
    "/state.db*\n/logs/\n/tmp/\n/repro.lock\n/cache/\n/runs/\n/config.local\n/lineage.db*\n/reproduce/\n/pipelines.cache\n/slurm/\n/exps/\n";

// `cache.dir`, relative to .pipe/ as DVC's is to its config file; several
// projects may share one.
std::string cache_dir(const Project& p, const Config& config) {
  const ConfigValue* dir = config.find("cache.dir");
  if (!dir) return p.state_path("cache");
  if (dir->value.empty()) config.fail("cache.dir", "cache.dir is empty; give a directory, or unset it");
  fs::path path(dir->value);
  if (path.is_relative()) path = fs::path(p.root) / kStateDir / path;
  try {
    make_dirs(*p.files, path.lexically_normal().string());
  } catch (const Error& e) {
    config.fail("cache.dir", std::string(e.what()) + "; check cache.dir");
  }
  std::string resolved;
  return p.files->real_path(path.string(), &resolved) == 0 ? resolved : path.lexically_normal().string();
}

}  // namespace

std::string find_project_root(const std::string& start) {
  std::error_code ec;
  fs::path dir = fs::absolute(start, ec).lexically_normal();
  if (!dir.has_filename() && dir.has_parent_path()) dir = dir.parent_path();  // "a/" -> "a"
  // DVC's rule: the nearest folder holding the state directory, so that the
  // pipeline files in its subfolders are one project. A folder that only
  // has a pipeline file (no `pipe init` yet) is a project by itself.
  auto nearest = [&](auto&& marks) -> std::string {
    for (fs::path p = dir;; p = p.parent_path()) {
      if (marks(p)) return p.string();
      if (p == p.parent_path()) return "";
    }
  };
  for (const char* state : {kStateDir, ".dvc"}) {
    const std::string found = nearest([&](const fs::path& p) { return fs::is_directory(p / state, ec); });
    if (!found.empty()) return found;
  }
  const std::string found = nearest([&](const fs::path& p) {
    return fs::is_regular_file(p / "pipe.yaml", ec) || fs::is_regular_file(p / "dvc.yaml", ec);
  });
  if (!found.empty()) return found;
  throw Error(Exit::kBadPipeline, "not a pipe project (no .pipe/, .dvc/, pipe.yaml or dvc.yaml in " + dir.string() +
                                      " or above); run 'pipe init' or create pipe.yaml");
}

std::string stage_log_path(const std::string& stage) {
  std::string name = stage;
  for (char& c : name)
    if (c == '/' || c == '\\') c = '_';
  return std::string(kStateDir) + "/logs/" + name + ".log";
}

bool init_project(const std::string& root, FileSystem& files) {
  const std::string dir = root + "/" + kStateDir;
  struct stat st;
  const bool created = files.stat(dir, &st) != 0;
  make_dirs(files, dir + "/logs");
  const std::string ignore = dir + "/.gitignore";
  std::string text;
  if (!read_file(files, ignore, &text)) {
    write_file_atomically(files, ignore, kStateIgnore, 0644, temp_path_for(files, dir + "/tmp", ignore));
    return created;
  }
  // Written by an older pipe: add what it did not know to ignore yet.
  std::string added;
  for (const char* line : {"/lineage.db*", "/reproduce/", "/pipelines.cache", "/slurm/", "/exps/"})
    if (text.find(line) == std::string::npos) added += std::string(line) + "\n";
  if (!added.empty()) {
    if (!text.empty() && text.back() != '\n') text += "\n";
    write_file_atomically(files, ignore, text + added, 0644, temp_path_for(files, dir + "/tmp", ignore));
  }
  return created;
}

Project open_project(const std::string& root, FileSystem& fs) {
  init_project(root, fs);
  Project p;
  p.root = root;
  p.files = &fs;
  p.disk = make_real_disk(root, fs);
  p.state = std::make_unique<StateDb>(p.state_path("state.db"));
  p.config = Config::load(p.root + "/" + kStateDir);
  const Config& config = p.config;
  p.cache = std::make_unique<ObjectStore>(cache_dir(p, config), fs);
  p.cache->set_workspace_temp(p.state_path("tmp"));
  std::vector<LinkType> order;
  std::string why;
  if (const ConfigValue* type = config.find("cache.type")) {
    if (!parse_link_types(type->value, &order, &why)) config.fail("cache.type", why);
    p.cache->set_link_types(order);
  }
  p.disk->allow_links_into(p.cache->dir());
  return p;
}

}  // namespace pipeline
