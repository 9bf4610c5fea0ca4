#include "artifact.h"

#include <algorithm>

#include "disk.h"
#include "error.h"
#include "paths.h"
#include "state_db.h"

namespace pipeline {

bool ArtifactHasher::file_digest(const std::string& path, const FileInfo& info, Digest* digest) {
  if (state_ && state_->lookup(path, info, digest)) return true;
  uint64_t size = 0;
  if (!disk_.hash_file(path, digest, &size)) return false;
  ++files_read_;
  // A file modified within the timestamp granularity could change again
  // without its mtime moving; caching it would hide that change.
  if (state_ && info.mtime_ns < disk_.now_ns() - disk_.mtime_granularity_ns())
    state_->record(path, info, *digest);
  return true;
}

void ArtifactHasher::walk(const std::string& dir, const std::string& rel, std::map<std::string, Digest>& files,
                          uint64_t& size, std::vector<std::pair<uint64_t, uint64_t>>& open_dirs) {
  for (const DirEntry& e : disk_.list(dir)) {
    const std::string child = dir.empty() ? e.name : dir + "/" + e.name;
    const std::string child_rel = rel.empty() ? e.name : rel + "/" + e.name;
    if (e.info.is_dir()) {
      // Symlinks are followed, so a link to an enclosing directory would
      // recurse until the path is too long.
      const std::pair<uint64_t, uint64_t> id{e.info.device, e.info.inode};
      if (e.info.inode != 0 && std::find(open_dirs.begin(), open_dirs.end(), id) != open_dirs.end())
        throw Error(Exit::kIo, "'" + child + "' is a symlink loop (it leads back to a directory that contains it); "
                               "remove the link or point it elsewhere");
      open_dirs.push_back(id);
      walk(child, child_rel, files, size, open_dirs);
      open_dirs.pop_back();
    } else if (e.info.is_file()) {
      Digest d;
      if (!file_digest(child, e.info, &d)) throw Error(Exit::kIo, "cannot read '" + child + "'");
      files.emplace(child_rel, d);
      size += e.info.size;
    }
  }
}

const ArtifactInfo& ArtifactHasher::hash(const std::string& path) {
  auto it = memo_.find(path);
  if (it != memo_.end()) return it->second;
  ArtifactInfo a;
  const FileInfo info = disk_.stat(path);
  if (info.is_file()) {
    a.exists = true;
    if (!file_digest(path, info, &a.digest)) throw Error(Exit::kIo, "cannot read '" + path + "'");
    a.size = info.size;
  } else if (info.is_dir()) {
    a.exists = true;
    a.is_dir = true;
    std::map<std::string, Digest> files;  // sorted by relative path
    std::vector<std::pair<uint64_t, uint64_t>> open_dirs{{info.device, info.inode}};
    walk(path, "", files, a.size, open_dirs);
    Hasher h;
    for (const auto& [rel, d] : files) {
      h.update(d.hex());
      h.update("  ");
      h.update(rel);
      h.update("\n");
    }
    a.digest = h.finish();
    a.nfiles = files.size();
  }
  return memo_.emplace(path, a).first->second;
}

void ArtifactHasher::forget(const std::string& path) {
  for (auto it = memo_.begin(); it != memo_.end();) {
    if (path_within(path, it->first) || path_within(it->first, path)) it = memo_.erase(it);
    else ++it;
  }
}

}  // namespace pipeline
