#include "checkout.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <filesystem>

#include "artifact.h"
#include "error.h"
#include "graph.h"
#include "lockfile.h"
#include "paths.h"
#include "pipeline.h"
#include "project.h"
#include "repro.h"

namespace pipeline {
namespace {

const LockedArtifact* recorded(const LockedStage& s, const std::string& path) {
  for (const LockedArtifact& a : s.outs)
    if (a.path == path) return &a;
  return nullptr;
}

// Rebuilds a directory beside the old one, then swaps it in, so an
// interrupted checkout leaves the old directory or the new one.
void restore_directory(Project& project, const LockedArtifact& a) {
  std::vector<ManifestEntry> entries;
  if (!project.cache->read_manifest(a.digest, &entries))
    throw Error(Exit::kFailed, "its directory manifest " + a.digest.hex() + " is missing or damaged");
  const std::string target = project.root + "/" + a.path;
  const std::string staging = target + ".pipe-tmp." + std::to_string(::getpid());
  std::error_code ec;
  std::filesystem::remove_all(staging, ec);
  try {
    for (const ManifestEntry& e : entries) {
      std::filesystem::create_directories(std::filesystem::path(staging + "/" + e.path).parent_path(), ec);
      if (ec) throw Error(Exit::kIo, "cannot create directories in '" + staging + "': " + ec.message());
      project.cache->restore_file(e.digest, staging + "/" + e.path, e.executable);
    }
    std::filesystem::create_directories(staging, ec);
  } catch (...) {
    std::filesystem::remove_all(staging, ec);
    throw;
  }
  // Exchange, then delete the old one: at every moment the target path holds
  // a whole directory (or, for a brand-new output, nothing).
  if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) == 0) {
    std::filesystem::remove_all(staging, ec);
    return;
  }
  if (std::filesystem::exists(std::filesystem::symlink_status(target, ec))) std::filesystem::remove_all(target, ec);
  std::filesystem::rename(staging, target, ec);
  if (ec) throw Error(Exit::kIo, "cannot move restored '" + a.path + "' into place: " + ec.message());
}

}  // namespace

void restore_output(Project& project, const LockedArtifact& a) {
  // The workspace may have changed since the pipeline was checked: a path
  // that now leads out of the project through a symlink must not be written.
  if (!project.disk->resolves_inside_root(a.path))
    throw Error(Exit::kBadPipeline, "'" + a.path + "' resolves outside the project through a symlink; "
                                    "remove the link, then restore");
  const std::string parent = parent_path(a.path);
  if (!parent.empty()) project.disk->make_dirs(parent);
  if (a.is_dir) return restore_directory(project, a);
  if (project.disk->stat(a.path).is_dir()) project.disk->remove_all(a.path);
  project.cache->restore_file(a.digest, project.root + "/" + a.path, false);
}

bool restorable(Project& project, const LockedArtifact& a) {
  if (!a.is_dir) return project.cache->has(a.digest);
  std::vector<ManifestEntry> entries;
  if (!project.cache->read_manifest(a.digest, &entries)) return false;
  for (const ManifestEntry& e : entries)
    if (!project.cache->has(e.digest)) return false;
  return true;
}

CheckoutReport checkout(Project& project, const std::vector<std::string>& targets, bool force) {
  Disk& disk = *project.disk;
  const Pipeline p = load_pipeline(disk);
  const LockFile lock = read_lock(disk);
  std::vector<bool> chosen(p.stages.size(), targets.empty());
  for (size_t i : resolve_targets(p, targets)) chosen[i] = true;
  ArtifactHasher hasher(disk, project.state.get());
  CheckoutReport report;
  for (size_t i = 0; i < p.stages.size(); ++i) {
    if (!chosen[i]) continue;
    const Stage& s = p.stages[i];
    auto entry = lock.stages.find(s.name);
    if (entry == lock.stages.end()) continue;
    for (const Output& o : s.outs) {
      const LockedArtifact* a = recorded(entry->second, o.path);
      if (!o.cache || !a) continue;
      const ArtifactInfo& now = hasher.hash(o.path);
      if (now.exists && now.digest == a->digest) {
        report.unchanged.push_back(o.path);
        continue;
      }
      if (now.exists && !force) {
        report.refused.push_back(o.path);
        continue;
      }
      try {
        restore_output(project, *a);
        hasher.forget(o.path);
        report.restored.push_back(o.path);
      } catch (const Error& e) {
        if (e.code() != Exit::kFailed) throw;
        report.missing.push_back(o.path + ": " + e.what());
      }
    }
  }
  if (project.state) project.state->flush();
  return report;
}

std::vector<Digest> referenced_objects(Project& project) {
  const LockFile lock = read_lock(*project.disk);
  std::vector<Digest> out;
  for (const auto& [name, s] : lock.stages) {
    for (const LockedArtifact& a : s.outs) {
      out.push_back(a.digest);
      std::vector<ManifestEntry> entries;
      if (a.is_dir && project.cache->read_manifest(a.digest, &entries))
        for (const ManifestEntry& e : entries) out.push_back(e.digest);
    }
  }
  return out;
}

}  // namespace pipeline
