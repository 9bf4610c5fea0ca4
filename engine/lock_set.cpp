#include "lock_set.h"

#include "disk.h"
#include "error.h"
#include "paths.h"
#include "pipeline.h"
#include "url_deps.h"

namespace pipeline {
namespace {

// Paths between the lock's folder and the project root. Absolute paths
// and URLs (external deps) are the same in both.
std::string to_project(const std::string& folder, const std::string& lock_file, const std::string& path) {
  if (folder.empty() || path.empty() || is_external_dep(path)) return path;
  std::string out, why;
  if (!project_path(folder, path, &out, &why))
    throw Error(Exit::kBadPipeline, lock_file + ": path '" + path + "': " + why +
                                        "; restore it from version control, or delete it to rerun its stages");
  return out;
}

std::string to_folder(const std::string& folder, const std::string& path) {
  if (folder.empty() || path.empty() || is_external_dep(path)) return path;
  return relative_to(folder, path);
}

template <typename Map>
LockedStage translate(const LockedStage& in, Map&& map) {
  LockedStage out = in;
  for (auto& a : out.deps) a.path = map(a.path);
  for (auto& a : out.outs) a.path = map(a.path);
  out.params.clear();
  for (const auto& [file, values] : in.params) out.params[map(file)] = values;
  return out;
}

}  // namespace

std::string lock_path_for(const std::string& pipeline_file) {
  const std::string dir = parent_path(pipeline_file);
  return dir.empty() ? kLockFile : dir + "/" + kLockFile;
}

LockSet::Part& LockSet::part(const std::string& lock_path, const std::string& folder) {
  auto [it, added] = parts_.try_emplace(lock_path);
  Part& p = it->second;
  if (added) p.folder = folder;
  if (!p.writer) {
    p.writer = std::make_unique<LockWriter>(p.on_disk);
    p.on_disk = LockFile{};
  }
  return p;
}

LockSet::LockSet(Disk& disk, const std::vector<std::string>& pipeline_files) {
  std::vector<std::string> files = pipeline_files;
  if (files.empty() || !parent_path(files.front()).empty()) files.insert(files.begin(), "pipe.yaml");
  for (const std::string& file : files) {
    const std::string lock_path = lock_path_for(file);
    if (parts_.count(lock_path)) continue;
    const std::string folder = parent_path(file);
    Part& p = parts_[lock_path];
    p.folder = folder;
    p.on_disk = read_lock(disk, lock_path);
    for (const auto& [local, entry] : p.on_disk.stages)
      merged_.stages[stage_address(file, local)] =
          translate(entry, [&](const std::string& path) { return to_project(folder, lock_path, path); });
  }
}

const LockedStage* LockSet::find(const std::string& address) const {
  auto it = merged_.stages.find(address);
  return it == merged_.stages.end() ? nullptr : &it->second;
}

void LockSet::set(const Stage& stage, const LockedStage& entry) {
  const std::string file = stage.file.empty() ? "pipe.yaml" : stage.file;
  const std::string folder = parent_path(file);
  Part& p = part(lock_path_for(file), folder);
  p.writer->set(stage.local.empty() ? stage.name : stage.local,
                translate(entry, [&](const std::string& path) { return to_folder(folder, path); }));
  p.dirty = true;
  merged_.stages[stage.name] = entry;
}

void LockSet::flush(Disk& disk) {
  for (auto& [path, p] : parts_) {
    if (!p.dirty) continue;
    disk.write_atomic(path, p.writer->render());
    p.dirty = false;
  }
}

}  // namespace pipeline
