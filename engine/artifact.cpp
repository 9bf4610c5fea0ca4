#include "artifact.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

#include "disk.h"
#include "dvc_proof.h"
#include "error.h"
#include "ignore.h"
#include "lineage.h"
#include "paths.h"
#include "state_db.h"
#include "temp_files.h"
#include "url_deps.h"
#include "workers.h"

namespace pipeline {

namespace {

std::string under(const std::string& base, const std::string& rel) {
  return rel.empty() ? base : base.empty() ? rel : base + "/" + rel;
}

FileInfo cached_info(const ManifestEntry& e) {
  FileInfo info;
  info.type = FileInfo::Type::kFile;
  info.inode = e.inode;
  info.size = e.size;
  info.mtime_ns = e.mtime_ns;
  info.executable = e.executable;
  return info;
}

}  // namespace

void ArtifactHasher::walk(const std::string& dir, const std::string& rel, std::vector<ManifestEntry>& found,
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
      // Left by a pipe killed while writing here (see temp_files.h): never
      // part of the data.
      if (is_temp_beside_name(e.name)) continue;
      found.push_back({std::move(child_rel), {}, e.info.size, e.info.executable, e.info.mtime_ns, e.info.inode});
    }
  }
}

void ArtifactHasher::digest_all(const std::string& base, std::vector<ManifestEntry>& entries) {
  std::vector<bool> hit(entries.size(), false);
  if (state_ && entries.size() == 1 && entries.front().path.empty()) {
    hit[0] = state_->lookup(base, cached_info(entries[0]), &entries[0].digest);
  } else if (state_) {
    // A merge of the sorted entries with the cache's rows for this
    // directory, streamed in the same order.
    const size_t skip = base.empty() ? 0 : base.size() + 1;
    size_t j = 0;
    state_->scan(base, [&](std::string_view path, uint64_t inode, uint64_t size, int64_t mtime_ns, const Digest& d) {
      const std::string_view rel = path.substr(skip);
      while (j < entries.size() && std::string_view(entries[j].path) < rel) ++j;
      if (j == entries.size() || entries[j].path != rel) return;
      const ManifestEntry& e = entries[j];
      if (e.inode == inode && e.size == size && e.mtime_ns == mtime_ns) {
        entries[j].digest = d;
        hit[j] = true;
      }
    });
    for (size_t i = 0; i < entries.size(); ++i)
      if (!hit[i]) hit[i] = state_->lookup_recorded(under(base, entries[i].path), cached_info(entries[i]), &entries[i].digest);
  }
  std::vector<size_t> misses;
  for (size_t i = 0; i < entries.size(); ++i)
    if (!hit[i]) misses.push_back(i);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::string failed_path;
  int failed_errno = 0;
  std::mutex failed_mutex;
  std::vector<char> vanished(entries.size(), 0);
  auto work = [&] {
    for (size_t k; !failed && (k = next++) < misses.size();) {
      ManifestEntry& e = entries[misses[k]];
      const std::string path = under(base, e.path);
      uint64_t size = 0;
      if (disk_.hash_file(path, &e.digest, &size)) continue;
      const int err = errno;
      // Removed since it was listed: something (a running stage) is
      // rewriting this directory. The file is simply not there any more,
      // so the digest differs and the artifact shows as changed.
      if (!disk_.stat(path).exists()) {
        vanished[misses[k]] = 1;
        continue;
      }
      std::lock_guard lock(failed_mutex);
      failed = true;
      failed_path = path;
      failed_errno = err;
    }
  };
  // Reading many small files is syscall-bound: a second core nearly doubles
  // the rate. Small batches are not worth a thread.
  run_workers(disk_.thread_safe_reads() ? worker_count(misses.size()) : 1, work);
  if (failed)
    throw Error(Exit::kIo, "cannot read '" + failed_path + "': " + std::strerror(failed_errno) +
                               (failed_errno == EACCES ? " (give pipe read access to it)" : ""));
  files_read_ += misses.size();
  const int64_t settled_before = disk_.now_ns() - disk_.mtime_granularity_ns();
  for (size_t i : misses) {
    const ManifestEntry& e = entries[i];
    // A file modified within the timestamp granularity could change again
    // without its mtime moving; caching it would hide that change.
    if (state_ && !vanished[i] && e.mtime_ns < settled_before)
      state_->record(under(base, e.path), cached_info(e), e.digest);
  }
  size_t kept = 0;
  for (size_t i = 0; i < entries.size(); ++i)
    if (!vanished[i] && kept++ != i) entries[kept - 1] = std::move(entries[i]);
  entries.resize(kept);
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
    std::vector<ManifestEntry> one{{"", {}, info.size, info.executable, info.mtime_ns, info.inode}};
    digest_all(path, one);
    if (one.empty()) return memo_.emplace(path, ArtifactInfo{}).first->second;  // removed while being hashed
    a.digest = one.front().digest;
    a.size = info.size;
    a.mtime_ns = info.mtime_ns;
    a.executable = info.executable;
  } else if (info.is_dir()) {
    a.exists = true;
    a.is_dir = true;
    auto entries = std::make_shared<std::vector<ManifestEntry>>();
    std::vector<std::pair<uint64_t, uint64_t>> open_dirs{{info.device, info.inode}};
    walk(path, "", *entries, open_dirs);
    std::sort(entries->begin(), entries->end(),
              [](const ManifestEntry& x, const ManifestEntry& y) { return x.path < y.path; });
    digest_all(path, *entries);
    for (const ManifestEntry& e : *entries) a.size += e.size;
    a.digest = sorted_manifest_digest(*entries);
    a.nfiles = entries->size();
    a.files = std::move(entries);
  }
  return memo_.emplace(path, a).first->second;
}

bool copy_into_cache(const ObjectStore& store, const std::string& abs, const ArtifactInfo& info) {
  ObjectStore copier(store.dir(), store.file_system());
  copier.set_link_types({LinkType::kReflink, LinkType::kCopy});
  try {
    if (!info.is_dir) {
      copier.put_file(abs, info.digest);
      return true;
    }
    if (!info.files) return false;
    for (const auto& f : *info.files) copier.put_file(abs + "/" + f.path, f.digest);
    copier.put_manifest(info.digest, *info.files);
    return true;
  } catch (const Error&) {
    return false;
  }
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

bool ArtifactHasher::same(const LockedArtifact& recorded, const ArtifactInfo& now) {
  return same_content(disk_, state_, recorded, now);
}

void ArtifactHasher::forget(const std::string& path) {
  for (auto it = memo_.begin(); it != memo_.end();) {
    if (path_within(path, it->first) || path_within(it->first, path)) it = memo_.erase(it);
    else ++it;
  }
}

}  // namespace pipeline
