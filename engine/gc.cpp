#include "gc.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>

#include "disk.h"
#include "error.h"
#include "file_io.h"
#include "paths.h"
#include "lineage.h"
#include "lock_set.h"
#include "lockfile.h"
#include "pipeline.h"
#include "object_store.h"
#include "project.h"
#include "tracked.h"

namespace pipeline {
namespace fs = std::filesystem;

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

std::string read_text(const fs::path& p) {
  std::string text;
  read_file(p.string(), &text);
  return text;
}

void reference_project(const ObjectStore& store, const std::string& root_dir, std::set<std::string>& keep) {
  each_referenced_artifact(root_dir, true, [&](const LockedArtifact& a) { reference(store, a, keep); });
}

}  // namespace

void each_referenced_artifact(const std::string& root_dir, bool run_cache,
                              const std::function<void(const LockedArtifact&)>& each) {
  const fs::path root(root_dir);
  auto disk = make_real_disk(root_dir);
  each_output(LockSet(*disk, find_pipeline_files(*disk)).merged(), each);
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root / kStateDir / "runs", ec);
       run_cache && !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    try {
      each_output(parse_lock(read_text(it->path())), each);
    } catch (const Error& e) {
      throw Error(Exit::kBadPipeline, "run-cache entry " + it->path().string() + " is damaged (" + e.what() +
                                          "); delete it and run gc again");
    }
  }
  for (const std::string& file : find_tracked_files(*disk)) each(read_tracked(*disk, file));
  // Model versions are audit data: their objects, and everything their runs
  // read and wrote, are kept for good.
  const fs::path lineage = root / kStateDir / kLineageFile;
  if (fs::exists(lineage, ec)) {
    LineageStore records(lineage.string());
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
  each_referenced_artifact(project.root, false, [&](const LockedArtifact& a) {
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
    std::error_code ec;
    if (!fs::is_directory(fs::path(other) / kStateDir, ec))
      throw Error(Exit::kUsage, "'" + other + "' is not a pipe project (no .pipe/ in it)");
    reference_project(store, fs::canonical(other, ec).string(), keep);
  }

  GcReport report;
  const auto now = std::chrono::system_clock::now();
  // Objects, and the temp files killed runs left in tmp/: nothing refers
  // to those, and past the grace period no live run is writing them.
  std::vector<fs::path> files;
  std::error_code ec;
  for (const char* sub : {kCacheLayout, "tmp"})
    for (auto it = fs::recursive_directory_iterator(fs::path(cache) / sub, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
      if (it->is_regular_file(ec)) files.push_back(it->path());
  for (const fs::path& file : files) {
    const std::string path = file.string();
    if (keep.count(path)) {
      ++report.kept;
      continue;
    }
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) continue;
    const auto mtime = std::chrono::system_clock::time_point(std::chrono::seconds(st.st_mtim.tv_sec));
    if (now - mtime < std::chrono::seconds(grace_seconds)) {
      ++report.too_young;
      continue;
    }
    report.removable.push_back(fs::relative(file, cache).string());
    report.bytes += static_cast<uint64_t>(st.st_size);
  }
  if (force)
    for (const std::string& rel : report.removable) project.files->unlink(cache + "/" + rel);
  return report;
}

}  // namespace pipeline
