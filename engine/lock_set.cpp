#include "lock_set.h"

#include "disk.h"
#include "document.h"
#include "dvc_proof.h"
#include "error.h"
#include "paths.h"
#include "pipeline.h"
#include "url_deps.h"

namespace pipeline {
namespace {

// Where `path` first appears in the lock file, for the error: the fast
// reader keeps no marks, and this runs only when something is wrong.
Mark locate(Disk& disk, const std::string& lock_file, const std::string& path) {
  std::string text;
  if (!disk.read(lock_file, &text)) return {};
  for (const std::string& form : {"path: " + path, "\"" + path + "\"", path}) {
    const size_t at = text.find(form);
    if (at != std::string::npos) return mark_at(text, at + (form[0] == 'p' ? 6 : 0));
  }
  return {};
}

// Paths between the lock's folder and the project root. Every path is
// checked as those of a pipeline file are: inside the project (a lock
// edited by hand or by an attacker must not make checkout write, or audit
// read, outside it); only deps may be external (absolute or a URL).
std::string to_project(Disk& disk, const std::string& folder, const std::string& lock_file, const std::string& stage,
                       const std::string& path, bool may_be_external) {
  if (may_be_external && is_external_dep(path)) return path;
  std::string out, why;
  if (path.empty()) why = "it is empty";
  else if (!project_path(folder, path, &out, &why)) {
  } else if (out.empty() && !may_be_external) {
    why = "it is the project root itself";  // a dep may be the whole project; an output may not
  }
  if (!why.empty())
    fail_pipeline(lock_file, locate(disk, lock_file, path),
                  "stage '" + stage + "': path '" + path + "': " + why +
                      "; restore " + lock_file + " from version control, or delete it to rerun its stages");
  return out;
}

std::string to_folder(const std::string& folder, const std::string& path) {
  if (folder.empty() || path.empty() || is_external_dep(path)) return path;
  return relative_to(folder, path);
}

// `map(path, may_be_external)` gives each path its new form.
template <typename Map>
LockedStage translate(const LockedStage& in, Map&& map) {
  LockedStage out = in;
  for (auto& a : out.deps) a.path = map(a.path, true);
  for (auto& a : out.outs) a.path = map(a.path, false);
  out.params.clear();
  for (const auto& [file, values] : in.params) out.params[map(file, false)] = values;
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
    for (const auto& [name, entry] : p.on_disk.stages) {
      const std::string& local = name;  // a structured binding cannot be captured before C++20 in clang 14
      merged_.stages[stage_address(file, local)] = translate(entry, [&](const std::string& path, bool external) {
        return to_project(disk, folder, lock_path, local, path, external);
      });
    }
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
                translate(entry, [&](const std::string& path, bool) { return to_folder(folder, path); }));
  p.dirty = true;
  merged_.stages[stage.name] = entry;
}

void LockSet::set_recorded(const Stage& stage, const LockedStage& entry) {
  const std::string file = stage.file.empty() ? "pipe.yaml" : stage.file;
  const std::string folder = parent_path(file);
  Part& p = parts_[lock_path_for(file)];
  p.folder = folder;
  const LockedStage shown = translate(entry, [&](const std::string& path, bool) { return to_folder(folder, path); });
  const std::string local = stage.local.empty() ? stage.name : stage.local;
  if (p.writer) p.writer->set(local, shown);
  else p.on_disk.stages[local] = shown;
  merged_.stages[stage.name] = entry;
}

void LockSet::flush(Disk& disk) {
  for (auto& [path, p] : parts_) {
    if (!p.dirty) continue;
    disk.write_atomic(path, p.writer->render());
    p.dirty = false;
  }
}

void LockSet::resolve_pending(StateDb* state) {
  for (auto& [name, stage] : merged_.stages)
    for (auto* list : {&stage.deps, &stage.outs})
      for (LockedArtifact& a : *list) pipeline::resolve_pending(state, a);
}

}  // namespace pipeline
