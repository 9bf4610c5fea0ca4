#include "gc.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <set>

#include "error.h"
#include "lockfile.h"
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

void reference_lock(const ObjectStore& store, const LockFile& lock, std::set<std::string>& keep) {
  for (const auto& [name, s] : lock.stages)
    for (const LockedArtifact& a : s.outs) reference(store, a, keep);
}

std::string read_text(const fs::path& p) {
  std::string text;
  FILE* f = std::fopen(p.c_str(), "re");
  if (!f) return text;
  char buf[65536];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
  std::fclose(f);
  return text;
}

}  // namespace

GcReport collect_garbage(Project& project, int64_t grace_seconds, bool force) {
  const ObjectStore& store = *project.cache;
  std::set<std::string> keep;
  reference_lock(store, read_lock(*project.disk), keep);

  // Run-cache entries and .pipe files. A damaged one cannot say what it
  // references, so gc refuses rather than guess.
  const fs::path root(project.root);
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root / kStateDir / "runs", ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    try {
      reference_lock(store, parse_lock(read_text(it->path())), keep);
    } catch (const Error& e) {
      throw Error(Exit::kBadPipeline, "run-cache entry " + it->path().string() + " is damaged (" + e.what() +
                                          "); delete it and run gc again");
    }
  }
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (it->is_directory(ec) && (name == kStateDir || name == ".git")) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec) || it->path().extension() != ".pipe") continue;
    const std::string rel = fs::relative(it->path(), root).string();
    reference(store, parse_tracked(rel, read_text(it->path())), keep);
  }

  GcReport report;
  const auto now = std::chrono::system_clock::now();
  for (auto it = fs::recursive_directory_iterator(fs::path(project.state_path("cache")) / kCacheLayout, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string path = it->path().string();
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
    report.removable.push_back(fs::relative(it->path(), project.state_path("cache")).string());
    report.bytes += static_cast<uint64_t>(st.st_size);
  }
  if (force)
    for (const std::string& rel : report.removable) ::unlink((project.state_path("cache") + "/" + rel).c_str());
  return report;
}

}  // namespace pipeline
