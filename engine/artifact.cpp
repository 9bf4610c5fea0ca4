#include "artifact.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "disk.h"
#include "error.h"
#include "ignore.h"
#include "lineage.h"
#include "paths.h"
#include "state_db.h"
#include "url_deps.h"

namespace pipeline {

namespace {

std::string under(const std::string& base, const std::string& rel) {
  return rel.empty() ? base : base.empty() ? rel : base + "/" + rel;
}

FileInfo cached_info(const ManifestEntry& e, uint64_t inode) {
  FileInfo info;
  info.type = FileInfo::Type::kFile;
  info.inode = inode;
  info.size = e.size;
  info.mtime_ns = e.mtime_ns;
  info.executable = e.executable;
  return info;
}

}  // namespace

void ArtifactHasher::walk(const std::string& dir, const std::string& rel, Found& found,
                          std::vector<std::pair<uint64_t, uint64_t>>& open_dirs) {
  const std::vector<DirEntry> entries = disk_.list(dir);
  bool has_ignore_file = false;
  for (const DirEntry& e : entries) has_ignore_file = has_ignore_file || e.name == ".pipeignore" || e.name == ".dvcignore";
  ignore_.listed(dir, has_ignore_file);
  const bool check_ignores = ignore_.any_in_or_above(dir);
  for (const DirEntry& e : entries) {
    std::string child = dir.empty() ? e.name : dir + "/" + e.name;
    if (check_ignores && ignore_.ignored(child, e.info.is_dir())) continue;
    std::string child_rel = rel.empty() ? e.name : rel + "/" + e.name;
    if (e.info.is_dir()) {
      // Symlinks are followed, so a link to an enclosing directory would
      // recurse until the path is too long.
      const std::pair<uint64_t, uint64_t> id{e.info.device, e.info.inode};
      if (e.info.inode != 0 && std::find(open_dirs.begin(), open_dirs.end(), id) != open_dirs.end())
        throw Error(Exit::kIo, "'" + child + "' is a symlink loop (it leads back to a directory that contains it); "
                               "remove the link or point it elsewhere");
      open_dirs.push_back(id);
      walk(child, child_rel, found, open_dirs);
      open_dirs.pop_back();
    } else if (e.info.is_file()) {
      found.entries.push_back({std::move(child_rel), {}, e.info.size, e.info.executable, e.info.mtime_ns});
      found.inodes.push_back(e.info.inode);
    }
  }
}

void ArtifactHasher::digest_all(const std::string& base, Found& found) {
  std::vector<size_t> misses;
  for (size_t i = 0; i < found.entries.size(); ++i) {
    ManifestEntry& e = found.entries[i];
    if (!state_ || !state_->lookup(under(base, e.path), cached_info(e, found.inodes[i]), &e.digest)) misses.push_back(i);
  }
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::string failed_path;
  std::mutex failed_mutex;
  auto work = [&] {
    for (size_t k; !failed && (k = next++) < misses.size();) {
      ManifestEntry& e = found.entries[misses[k]];
      const std::string path = under(base, e.path);
      uint64_t size = 0;
      if (disk_.hash_file(path, &e.digest, &size)) continue;
      std::lock_guard lock(failed_mutex);
      failed = true;
      failed_path = path;
    }
  };
  // Reading many small files is syscall-bound: a second core nearly doubles
  // the rate. Small batches are not worth a thread.
  const size_t threads = disk_.thread_safe_reads() && misses.size() >= 64
                             ? std::min<size_t>(4, std::max(1u, std::thread::hardware_concurrency()))
                             : 1;
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (failed) throw Error(Exit::kIo, "cannot read '" + failed_path + "'");
  files_read_ += misses.size();
  const int64_t settled_before = disk_.now_ns() - disk_.mtime_granularity_ns();
  for (size_t i : misses) {
    const ManifestEntry& e = found.entries[i];
    // A file modified within the timestamp granularity could change again
    // without its mtime moving; caching it would hide that change.
    if (state_ && e.mtime_ns < settled_before) state_->record(under(base, e.path), cached_info(e, found.inodes[i]), e.digest);
  }
}

ArtifactInfo ArtifactHasher::hash_url(const std::string& url) {
  if (!urls_) throw Error(Exit::kFailed, "cannot check dep '" + strip_credentials(url) + "': this command does not reach servers");
  ObjectInfo object;
  const RemoteResult r = urls_->stat(url, &object);
  ArtifactInfo a;
  if (r.status == RemoteResult::Status::kMissing) return a;
  if (!r.ok())
    throw Error(Exit::kFailed, "cannot check dep '" + strip_credentials(url) + "': " + r.error +
                                   "; check the URL and the credentials of the remote it belongs to");
  a.exists = true;
  a.digest = url_digest(object);
  a.size = object.size;
  return a;
}

const ArtifactInfo& ArtifactHasher::hash(const std::string& path) {
  auto it = memo_.find(path);
  if (it != memo_.end()) return it->second;
  if (is_url(path)) return memo_.emplace(path, hash_url(path)).first->second;
  ArtifactInfo a;
  const FileInfo info = disk_.stat(path);
  if (info.is_file()) {
    a.exists = true;
    Found one;
    one.entries.push_back({"", {}, info.size, info.executable, info.mtime_ns});
    one.inodes.push_back(info.inode);
    digest_all(path, one);
    a.digest = one.entries.front().digest;
    a.size = info.size;
    a.mtime_ns = info.mtime_ns;
    a.executable = info.executable;
  } else if (info.is_dir()) {
    a.exists = true;
    a.is_dir = true;
    Found found;
    std::vector<std::pair<uint64_t, uint64_t>> open_dirs{{info.device, info.inode}};
    walk(path, "", found, open_dirs);
    digest_all(path, found);
    std::vector<uint64_t>().swap(found.inodes);  // not needed past the hash cache
    auto entries = std::make_shared<std::vector<ManifestEntry>>(std::move(found.entries));
    std::sort(entries->begin(), entries->end(),
              [](const ManifestEntry& x, const ManifestEntry& y) { return x.path < y.path; });
    for (const ManifestEntry& e : *entries) a.size += e.size;
    a.digest = sorted_manifest_digest(*entries);
    a.nfiles = entries->size();
    a.files = std::move(entries);
  }
  return memo_.emplace(path, a).first->second;
}

void commit_artifact(ObjectStore& store, const std::string& abs, const ArtifactInfo& info) {
  if (!info.is_dir) {
    if (!store.put_files({{abs, info.digest, info.size, info.mtime_ns, info.executable}}).front())
      store.relink_file(info.digest, abs, info.executable);
    return;
  }
  const std::vector<bool> linked = store.put_files(directory_files(abs, *info.files));
  store.put_manifest(info.digest, *info.files);
  for (size_t i = 0; i < info.files->size(); ++i) {
    const ManifestEntry& e = (*info.files)[i];
    if (!linked[i]) store.relink_file(e.digest, abs + "/" + e.path, e.executable);
  }
}

void ArtifactHasher::forget(const std::string& path) {
  for (auto it = memo_.begin(); it != memo_.end();) {
    if (path_within(path, it->first) || path_within(it->first, path)) it = memo_.erase(it);
    else ++it;
  }
}

}  // namespace pipeline
