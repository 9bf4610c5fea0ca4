#include "checkout.h"

#include <sys/stat.h>

#include <cerrno>
#include <map>

#include "artifact.h"
#include "dvc_proof.h"
#include "error.h"
#include "file_io.h"
#include "graph.h"
#include "lockfile.h"
#include "paths.h"
#include "pipeline.h"
#include "project.h"
#include "repro.h"
#include "targets.h"
#include "temp_files.h"
#include "tracked.h"
#include "workspace.h"

namespace pipeline {
namespace {

const LockedArtifact* recorded(const LockedStage& s, const std::string& path) {
  for (const LockedArtifact& a : s.outs)
    if (a.path == path) return &a;
  return nullptr;
}

// Rebuilds a directory out of sight (in .pipe/tmp, where the next run
// sweeps it if this one is killed), then swaps it in, so an interrupted
// checkout leaves the old directory or the new one.
void restore_directory(Project& project, const LockedArtifact& a) {
  std::vector<ManifestEntry> entries;
  if (!project.cache->read_manifest(a.digest, &entries))
    throw Error(Exit::kFailed, "its directory manifest " + a.digest.hex() + " is missing or damaged");
  const std::string target = project.root + "/" + a.path;
  FileSystem& fs = *project.files;
  make_parent_dirs(fs, target);
  const std::string staging = temp_path_for(fs, project.state_path("tmp"), target);
  try {
    make_dirs(fs, staging, false);  // the sync below covers the whole tree
    BatchSync sync(fs, staging);
    std::string made;  // entries are sorted, so one check per directory
    for (const ManifestEntry& e : entries) {
      const std::string dir = parent_path(e.path);
      if (!dir.empty() && dir != made) {
        make_dirs(fs, staging + "/" + dir, false);
        made = dir;
      }
      project.cache->restore_staged(e.digest, staging + "/" + e.path, e.executable);
    }
    // One sync for the whole directory before it becomes visible.
    if (sync.sync() != 0) fail_io("cannot flush", staging, errno);
  } catch (...) {
    fs.remove_all(staging);
    throw;
  }
  // Exchange, then delete the old one: at every moment the target path holds
  // a whole directory (or, for a brand-new output, nothing).
  if (fs.exchange(staging, target) == 0) {
    fs.sync_dir(parent_path(target));
    fs.remove_all(staging);
    return;
  }
  fs.remove_all(target);
  if (fs.rename(staging, target) != 0) fail_io("cannot move restored directory into place", a.path, errno);
  fs.sync_dir(parent_path(target));
}

// Whether restoring `a` over what is there now would lose something that is
// in no cache. Content the cache holds (an older or newer recorded
// version, as after a `git checkout` of pipe.lock) is safe to replace; so
// is a directory that only lost files.
bool would_lose_changes(Project& project, const ArtifactInfo& now, const LockedArtifact& a) {
  if (!now.is_dir) return !project.cache->has(now.digest);
  std::map<std::string, Digest> want;
  std::vector<ManifestEntry> recorded;
  if (a.is_dir && project.cache->read_manifest(a.digest, &recorded))
    for (const ManifestEntry& e : recorded) want.emplace(e.path, e.digest);
  for (const ManifestEntry& e : *now.files) {
    auto it = want.find(e.path);
    if ((it == want.end() || it->second != e.digest) && !project.cache->has(e.digest)) return true;
  }
  return false;
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
  project.cache->restore_file(a.digest, project.root + "/" + a.path, a.executable);
}

void relink_output(Project& project, const LockedArtifact& a) {
  if (!project.disk->resolves_inside_root(a.path)) return;
  const std::string abs = project.root + "/" + a.path;
  if (!a.is_dir) {
    project.cache->relink_file(a.digest, abs, a.executable);
    return;
  }
  std::vector<ManifestEntry> entries;
  if (!project.cache->read_manifest(a.digest, &entries)) return;
  for (const ManifestEntry& e : entries) project.cache->relink_file(e.digest, abs + "/" + e.path, e.executable);
}

size_t unprotect(Project& project, const std::string& path) {
  if (!project.disk->resolves_inside_root(path))
    throw Error(Exit::kUsage, "'" + path + "' resolves outside the project through a symlink");
  FileSystem& fs = *project.files;
  const std::string top = project.root + "/" + path;
  std::vector<std::string> files;
  struct stat st;
  if (fs.lstat(top, &st) == 0 && S_ISDIR(st.st_mode))
    each_file_under(fs, top, [&](const std::string& rel, unsigned char) { files.push_back(top + "/" + rel); });
  else if (fs.lstat(top, &st) == 0)
    files.push_back(top);
  size_t copied = 0;
  for (const std::string& f : files) {
    if (fs.lstat(f, &st) != 0) continue;
    const bool link = S_ISLNK(st.st_mode) || (S_ISREG(st.st_mode) && st.st_nlink > 1);
    if (!link) continue;
    struct stat target;
    // Only links into the cache: a user's own symlink elsewhere stays.
    if (S_ISLNK(st.st_mode)) {
      std::string resolved;
      if (fs.real_path(f, &resolved) != 0 || !path_within(project.cache->dir(), resolved) || fs.stat(f, &target) != 0)
        continue;
    } else {
      target = st;
    }
    const std::string tmp = temp_path_for(fs, project.state_path("tmp"), f);
    // Follows the link: a file of its own. Not synced: until the stage
    // rewrites it, the cache holds the same content.
    const int in = fs.open_read(f);
    if (in < 0) fail_io("cannot read", f, errno);
    int out;
    try {
      out = copy_into_new_file(fs, in, tmp, (target.st_mode & 0111) ? 0755 : 0644);
    } catch (...) {
      fs.close(in);
      throw;
    }
    fs.close(in);
    if (fs.close(out) != 0 || fs.rename(tmp, f) != 0) {
      const int err = errno;
      fs.unlink(tmp);
      fail_io("cannot replace", f, err);
    }
    ++copied;
  }
  return copied;
}

bool restorable(Project& project, const LockedArtifact& a) {
  if (!a.is_dir) return project.cache->has(a.digest);
  std::vector<ManifestEntry> entries;
  if (!project.cache->read_manifest(a.digest, &entries)) return false;
  for (const ManifestEntry& e : entries)
    if (!project.cache->has(e.digest)) return false;
  return true;
}

CheckoutReport checkout(Workspace& ws, const std::vector<Target>& targets, bool force) {
  Project& project = ws.project;
  Disk& disk = ws.disk;
  const Pipeline& p = ws.pipeline;
  const LockFile& lock = ws.lock();
  const Selection sel = select_targets(p, targets, ws.cwd);
  ArtifactHasher hasher(disk, project.state.get());
  CheckoutReport report;
  auto bring_back = [&](const LockedArtifact& recorded) {
    const ArtifactInfo& now = hasher.hash(recorded.path);
    LockedArtifact a = recorded;
    if (hasher.same(a, now)) {
      // Right content; make the links match cache.type again (a checkout
      // after changing it, or a link broken by an editor's rename). Known
      // by DVC's md5 only, it was just proven, so its digest is known now.
      if (!a.pending || resolve_pending(project.state.get(), a)) relink_output(project, a);
      report.unchanged.push_back(a.path);
      return;
    }
    if (a.pending && !resolve_pending(project.state.get(), a)) {
      report.missing.push_back(a.path + ": known only by DVC's md5 " + (a.md5.empty() ? "(none recorded)" : a.md5) +
                               "; 'pipe pull' fetches it from a DVC remote, or run 'pipe import-dvc' where DVC's "
                               "cache holds it");
      return;
    }
    if (now.exists && !force && would_lose_changes(project, now, a)) {
      report.refused.push_back(a.path);
      return;
    }
    try {
      restore_output(project, a);
      hasher.forget(a.path);
      report.restored.push_back(a.path);
    } catch (const Error& e) {
      if (e.code() != Exit::kFailed) throw;
      report.missing.push_back(a.path + ": " + e.what());
    }
  };
  for (size_t i = 0; i < p.stages.size(); ++i) {
    if (!sel.stages[i]) continue;
    const Stage& s = p.stages[i];
    auto entry = lock.stages.find(s.name);
    if (entry == lock.stages.end()) continue;
    for (const Output& o : s.outs) {
      const LockedArtifact* a = recorded(entry->second, o.path);
      if (o.cache && a && sel.wants(i, o.path)) bring_back(*a);
    }
  }
  for (const std::string& file : sel.tracked) bring_back(ws.tracked.at(file));
  if (project.state) project.state->flush();
  return report;
}

}  // namespace pipeline
