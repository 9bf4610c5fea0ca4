#include "gc.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "disk.h"
#include "dvc_lock.h"
#include "dvc_proof.h"
#include "error.h"
#include "file_io.h"
#include "paths.h"
#include "lineage.h"
#include "lock_set.h"
#include "lockfile.h"
#include "pipeline.h"
#include "object_store.h"
#include "project.h"
#include "state_db.h"
#include "temp_files.h"
#include "tracked.h"

namespace pipeline {
namespace {

void reference(const ObjectStore& store, const LockedArtifact& a, std::set<std::string>& keep) {
  if (!a.is_dir) {
    keep.insert(store.object_path(a.digest));
    return;
  }
  keep.insert(store.manifest_path(a.digest));
  std::vector<ManifestEntry> entries;
  if (store.read_manifest(a.digest, &entries))
    for (const ManifestEntry& e : entries) keep.insert(store.object_path(e.digest));
}

void each_output(const LockFile& lock, const std::function<void(const LockedArtifact&)>& each) {
  for (const auto& [name, s] : lock.stages)
    for (const LockedArtifact& a : s.outs) each(a);
}

void reference_project(const ObjectStore& store, const std::string& root_dir, std::set<std::string>& keep) {
  each_referenced_artifact(store.file_system(), root_dir, true,
                           [&](const LockedArtifact& a) { reference(store, a, keep); });
}

}  // namespace

void each_referenced_artifact(FileSystem& files, const std::string& root_dir, bool run_cache,
                              const std::function<void(const LockedArtifact&)>& each) {
  auto disk = make_real_disk(root_dir, files);
  const std::vector<std::string> pipeline_files = find_pipeline_files(*disk);
  // Data known by DVC's md5 (imported, or a dvc.lock read in pipe.lock's
  // place) references the objects pulled for it: through the state db's map.
  StateDb state(root_dir + "/" + kStateDir + "/state.db");
  const auto resolved = [&](LockedArtifact a) {
    resolve_pending(&state, a);
    each(a);
  };
  each_output(LockSet(*disk, pipeline_files).merged(), resolved);
  for (const std::string& file : pipeline_files) {
    const std::string dvc_lock = dvc_lock_path(file);
    std::string text;
    if (dvc_lock.empty() || disk->stat(lock_path_for(file)).exists() || !disk->read(dvc_lock, &text)) continue;
    for (const auto& [name, stage] : parse_dvc_lock(dvc_lock, text).stages)
      for (const DvcArtifact& o : stage.outs) resolved(dvc_pending(o.path, o));
  }
  const std::string runs = root_dir + "/" + kStateDir + "/runs";
  std::string unlisted;
  // Unlisted run-cache entries would leave their objects unreferenced.
  if (run_cache && !each_file_under(files, runs, [&](const std::string& rel, unsigned char type) {
      if (type != DT_REG) return;
      const std::string entry = runs + "/" + rel;
      std::string text;
      if (!read_file(files, entry, &text)) fail_io("cannot read run-cache entry", entry, errno);
      try {
        each_output(parse_lock(text), each);
      } catch (const Error& e) {
        throw Error(Exit::kBadPipeline, "run-cache entry " + entry + " is damaged (" + e.what() +
                                            "); delete it and run gc again");
      }
    }, &unlisted))
    throw Error(Exit::kIo, unlisted + "; its run-cache entries may reference objects, so nothing is collected");
  for (const std::string& file : find_tracked_files(*disk)) {
    try {
      resolved(read_tracked(*disk, file));
    } catch (const Error& e) {
      // A .dvc file pipe cannot take references nothing pipe stored.
      if (file.size() < 4 || file.compare(file.size() - 4, 4, kDvcSuffix) != 0) throw;
    }
  }
  // Model versions are audit data: their objects, and everything their runs
  // read and wrote, are kept for good.
  const std::string lineage = root_dir + "/" + kStateDir + "/" + kLineageFile;
  struct stat st;
  if (files.stat(lineage, &st) == 0) {
    LineageStore records(lineage);
    for (const LineageArtifact& a : records.model_artifacts()) {
      LockedArtifact locked;
      if (!Digest::parse(a.digest, &locked.digest)) continue;
      locked.path = a.path;
      locked.is_dir = a.is_dir;
      each(locked);
    }
  }
}

std::vector<Digest> referenced_objects(const Project& project) {
  std::vector<Digest> out;
  each_referenced_artifact(*project.files, project.root, false, [&](const LockedArtifact& a) {
    out.push_back(a.digest);
    std::vector<ManifestEntry> entries;
    if (a.is_dir && project.cache->read_manifest(a.digest, &entries))
      for (const ManifestEntry& e : entries) out.push_back(e.digest);
  });
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

GcReport collect_garbage(Project& project, const std::vector<std::string>& other_projects, int64_t grace_seconds,
                         bool force) {
  const ObjectStore& store = *project.cache;
  const std::string cache = store.dir();
  if (force && other_projects.empty() && !path_within(project.root + "/" + kStateDir, cache))
    throw Error(Exit::kUsage, "the cache '" + cache +
                                  "' is outside this project, so other projects may use it too; name every "
                                  "project that uses it with -p DIR (their references are kept), or give "
                                  "-p . to collect for this project alone");
  std::set<std::string> keep;
  reference_project(store, project.root, keep);
  for (const std::string& other : other_projects) {
    struct stat st;
    std::string root;
    if (project.files->stat(other + "/" + kStateDir, &st) != 0 || !S_ISDIR(st.st_mode) ||
        project.files->real_path(other, &root) != 0)
      throw Error(Exit::kUsage, "'" + other + "' is not a pipe project (no .pipe/ in it)");
    reference_project(store, root, keep);
  }

  GcReport report;
  const auto now = std::chrono::system_clock::now();
  // Objects, and the temp files killed runs left in tmp/: nothing refers
  // to those, and past the grace period no live run is writing them.
  FileSystem& files = *project.files;
  std::vector<std::string> found;  // relative to the cache
  for (const std::string sub : {kCacheLayout, "tmp"})
    each_file_under(files, cache + "/" + sub, [&](const std::string& rel, unsigned char type) {
      if (type == DT_REG) found.push_back(sub + "/" + rel);
    });
  for (const std::string& rel : found) {
    const std::string path = cache + "/" + rel;
    if (keep.count(path)) {
      ++report.kept;
      continue;
    }
    struct stat st;
    if (files.stat(path, &st) != 0) continue;
    const auto mtime = std::chrono::system_clock::time_point(std::chrono::seconds(st.st_mtim.tv_sec));
    // A temp file a live run is still writing (a long pull's downloads wait
    // there until the batch is adopted) is never taken, however old.
    const bool live_temp = rel.compare(0, 4, "tmp/") == 0 && !temp_is_stale(rel.substr(rel.rfind('/') + 1), st.st_mtim.tv_sec);
    if (live_temp || now - mtime < std::chrono::seconds(grace_seconds)) {
      ++report.too_young;
      continue;
    }
    report.removable.push_back(rel);
    report.bytes += static_cast<uint64_t>(st.st_size);
  }
  if (force)
    for (const std::string& rel : report.removable) files.unlink(cache + "/" + rel);
  return report;
}

}  // namespace pipeline
