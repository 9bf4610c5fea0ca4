#include "dvc_lock.h"

#include "disk.h"
#include "error.h"
#include "lock_set.h"
#include "paths.h"
#include "pipeline.h"
#include "url_deps.h"
#include "workspace.h"

namespace pipeline {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A lock path (relative to the stage's wdir) as the project sees it.
std::string project_path_of(const std::string& lock_file, const Stage& s, const std::string& path, Mark mark) {
  if (is_external_dep(path)) return path;
  std::string out, why;
  if (!project_path(s.wdir, path, &out, &why) || out.empty())
    fail_pipeline(lock_file, mark, "'" + path + "' " + (why.empty() ? "is the project root" : why) +
                                       "; restore " + lock_file + " from git");
  return out;
}

}  // namespace

std::string dvc_lock_path(const std::string& pipeline_file) {
  if (!ends_with(pipeline_file, "dvc.yaml")) return "";
  const std::string dir = parent_path(pipeline_file);
  return dir.empty() ? "dvc.lock" : dir + "/dvc.lock";
}

LockedArtifact dvc_pending(const std::string& path, const DvcArtifact& dvc) {
  LockedArtifact a(path, {}, dvc.size, dvc.is_dir, dvc.nfiles, dvc.executable);
  a.pending = true;
  a.md5_dos2unix = dvc.hash == DvcHashKind::kMd5Dos2Unix;
  if (!dvc.md5.empty()) a.md5 = dvc.md5 + (dvc.is_dir ? ".dir" : "");
  return a;
}

LockedStage dvc_lock_entry(const std::string& lock_file, const Stage& s, const DvcLockStage& recorded,
                           const AdoptFn& adopt, std::vector<std::string>* left_out) {
  const auto checkable = [&](const std::string& path, const DvcArtifact& a) {
    if (!a.md5.empty()) return true;
    if (left_out)
      left_out->push_back(path + ": DVC recorded " +
                          (is_url(path) ? "its server's etag, not an md5; pipe asks the server when it runs the stage"
                                        : "no md5 pipe can check for it") +
                          ", so stage '" + s.name + "' shows as changed until pipe runs it");
    return false;
  };
  LockedStage entry;
  entry.cmds = recorded.cmds;
  for (const DvcArtifact& d : recorded.deps) {
    const std::string path = project_path_of(lock_file, s, d.path, d.mark);
    if (checkable(path, d)) entry.deps.push_back(adopt(path, d, false));
  }
  for (const auto& [params_file, values] : recorded.params)
    entry.params[project_path_of(lock_file, s, params_file, recorded.mark)] = values;
  for (const DvcArtifact& o : recorded.outs) {
    const std::string path = project_path_of(lock_file, s, o.path, o.mark);
    if (const char* reserved = is_external_dep(path) ? nullptr : reserved_path(path))
      fail_pipeline(lock_file, o.mark, "output '" + path + "' is (or holds) " + reserved +
                                           ", which pipe never writes; restore " + lock_file + " from git");
    bool cached = true;
    for (const Output& out : s.outs)
      if (out.path == path) cached = out.cache;
    if (checkable(path, o)) entry.outs.push_back(adopt(path, o, cached));
  }
  return entry;
}

void read_dvc_locks(Workspace& ws) {
  Disk& disk = ws.disk;
  for (const std::string& file : ws.pipeline.files) {
    const std::string lock_file = dvc_lock_path(file);
    if (lock_file.empty() || disk.stat(lock_path_for(file)).exists() || !disk.stat(lock_file).is_file()) continue;
    std::string text;
    if (!disk.read(lock_file, &text)) throw Error(Exit::kIo, "cannot read '" + lock_file + "'");
    for (const auto& [name, recorded] : parse_dvc_lock(lock_file, text).stages) {
      const Stage* s = ws.pipeline.find(stage_address(file, name));
      if (!s) continue;  // a stage dvc.yaml no longer has
      ws.locks.set_recorded(*s, dvc_lock_entry(lock_file, *s, recorded, [](const std::string& path,
                                                                              const DvcArtifact& dvc, bool) {
        return dvc_pending(path, dvc);
      }));
    }
  }
}

}  // namespace pipeline
