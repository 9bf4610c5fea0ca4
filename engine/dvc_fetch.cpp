#include "dvc_fetch.h"

#include <map>
#include <optional>
#include <set>

#include "dvc_hash.h"
#include "file_io.h"
#include "object_store.h"
#include "project.h"
#include "remote.h"
#include "state_db.h"
#include "transfer_rounds.h"

namespace pipeline {
namespace {

// One object to have: DVC's name for it and pipe's digest when known.
struct Wanted {
  std::string md5;
  bool dos2unix = false;
  std::optional<Digest> expect;
  std::string shown;  // the path it is for, in messages
};

DownloadCheck check_of(bool dos2unix) { return dos2unix ? DownloadCheck::kMd5Dos2Unix : DownloadCheck::kMd5; }

class DvcFetch {
 public:
  DvcFetch(Project& project, Remote& remote, size_t jobs, const TransferProgress& progress)
      : cache_(*project.cache), state_(project.state.get()), remote_(remote), jobs_(jobs),
        progress_(progress) {}

  TransferReport run(const std::vector<LockedArtifact>& artifacts) {
    std::vector<const LockedArtifact*> dirs;
    std::vector<Wanted> files;
    for (const LockedArtifact& a : artifacts) {
      if (a.md5.empty()) continue;
      if (a.is_dvc_dir()) dirs.push_back(&a);
      else files.push_back({a.md5, a.md5_dos2unix, a.pending ? std::nullopt : std::optional(a.digest), a.path});
    }
    // Manifests first: they name the files a directory needs.
    std::map<std::string, std::vector<DvcDirEntry>> listed;  // by the directory's md5
    fetch_manifests(dirs, listed);
    for (const LockedArtifact* d : dirs) {
      auto it = listed.find(d->md5);
      if (it == listed.end()) continue;
      for (const DvcDirEntry& e : it->second) files.push_back({e.md5, d->md5_dos2unix, std::nullopt, d->path + "/" + e.relpath});
    }
    fetch_files(files);
    for (const LockedArtifact* d : dirs) {
      auto it = listed.find(d->md5);
      if (it != listed.end()) rebuild_manifest(*d, it->second);
    }
    if (state_) state_->flush();
    return report_;
  }

 private:
  // What the cache already holds under a digest the state db learnt.
  bool cached(const std::string& md5, bool dos2unix, bool manifest) {
    Digest d;
    return state_ && state_->lookup_md5(dos2unix, md5, &d) && (manifest ? cache_.has_manifest(d) : cache_.has(d));
  }

  void fetch_manifests(const std::vector<const LockedArtifact*>& dirs,
                       std::map<std::string, std::vector<DvcDirEntry>>& listed) {
    std::vector<const LockedArtifact*> todo;
    std::set<std::string> seen;
    for (const LockedArtifact* d : dirs) {
      if (!seen.insert(d->md5).second) continue;
      if (cached(d->md5, d->md5_dos2unix, true) && complete(*d)) {
        ++report_.skipped;
        continue;
      }
      todo.push_back(d);
    }
    Tally tally(report_, todo.size(), progress_);
    transfer_with_retries(
        remote_, todo.size(), jobs_,
        [&](size_t i) {
          // A manifest is JSON, never CRLF: its md5 is the plain one.
          return TransferItem{false, dvc_object_key(todo[i]->md5, todo[i]->md5_dos2unix), cache_.new_temp_path(),
                              DownloadCheck::kMd5};
        },
        [&](const TransferItem& item, const RemoteResult& r) -> RemoteResult {
          const LockedArtifact& d = *todo[index_of(todo, item.key)];
          std::string text;
          const bool read = r.ok() && read_file(cache_.file_system(), item.file, &text);
          cache_.file_system().unlink(item.file);
          if (!r.ok()) return r;
          if (!read || r.received_md5 + ".dir" != d.md5)
            return {RemoteResult::Status::kTransient,
                    "content does not match its md5 " + d.md5 + " (corrupt in transfer or on the remote); not cached"};
          std::vector<DvcDirEntry> entries;
          if (!parse_dvc_dir(text, &entries))
            return {RemoteResult::Status::kFailed, "not a DVC .dir manifest, or it names paths outside its directory"};
          listed[d.md5] = std::move(entries);
          return r;
        },
        [&](size_t i, const RemoteResult& r) { tally.done(r, todo[i]->path + " (" + todo[i]->md5 + ")", 0); });
  }

  static size_t index_of(const std::vector<const LockedArtifact*>& todo, const std::string& key) {
    for (size_t i = 0; i < todo.size(); ++i)
      if (dvc_object_key(todo[i]->md5, todo[i]->md5_dos2unix) == key) return i;
    return 0;
  }

  // Every file of a directory already cached under pipe's manifest.
  bool complete(const LockedArtifact& d) {
    Digest digest;
    std::vector<ManifestEntry> entries;
    if (!state_ || !state_->lookup_md5(d.md5_dos2unix, d.md5, &digest) || !cache_.read_manifest(digest, &entries))
      return false;
    for (const ManifestEntry& e : entries)
      if (!cache_.has(e.digest)) return false;
    return true;
  }

  void fetch_files(const std::vector<Wanted>& wanted) {
    std::vector<Wanted> todo;
    std::set<std::pair<bool, std::string>> seen;
    for (const Wanted& w : wanted) {
      if (!seen.insert({w.dos2unix, w.md5}).second) continue;
      if (cached(w.md5, w.dos2unix, false)) ++report_.skipped;
      else todo.push_back(w);
    }
    std::map<std::string, size_t> by_key;
    for (size_t i = 0; i < todo.size(); ++i) by_key[dvc_object_key(todo[i].md5, todo[i].dos2unix)] = i;
    Tally tally(report_, todo.size(), progress_);
    std::vector<ObjectStore::Download> checked;
    std::map<std::string, uint64_t> bytes;
    std::vector<std::pair<Wanted, Digest>> learnt;
    transfer_with_retries(
        remote_, todo.size(), jobs_,
        [&](size_t i) {
          // Named in advance only when pipe.lock says what it will hash to.
          const std::string file = todo[i].expect ? cache_.download_path(*todo[i].expect) : cache_.new_temp_path();
          return TransferItem{false, dvc_object_key(todo[i].md5, todo[i].dos2unix), file, check_of(todo[i].dos2unix)};
        },
        [&](const TransferItem& item, const RemoteResult& r) -> RemoteResult {
          const Wanted& w = todo[by_key.at(item.key)];
          if (r.ok() && r.received_md5 != w.md5) {
            cache_.file_system().unlink(item.file);
            return {RemoteResult::Status::kTransient,
                    "content does not match its md5 " + w.md5 + " (corrupt in transfer or on the remote); not cached"};
          }
          if (!r.ok() || !r.received) {
            cache_.file_system().unlink(item.file);
            return r.ok() ? RemoteResult{RemoteResult::Status::kFailed, "the download was not hashed"} : r;
          }
          const Digest digest = *r.received;
          if (w.expect && digest != *w.expect) {
            cache_.file_system().unlink(item.file);
            return {RemoteResult::Status::kFailed, "its md5 matches, but its content is not what pipe.lock records "
                                                   "(pipe digest " + w.expect->hex() + "); restore the record from git"};
          }
          // Checked as it streamed in: it becomes the cache's with the
          // rest of the batch, two syncs for all (adopt_checked).
          checked.push_back({item.file, digest});
          bytes[item.key] = r.received_size;
          learnt.emplace_back(w, digest);
          return r;
        },
        [&](size_t i, const RemoteResult& r) {
          tally.done(r, todo[i].shown + " (" + todo[i].md5 + ")",
                     r.ok() ? bytes[dvc_object_key(todo[i].md5, todo[i].dos2unix)] : 0);
        });
    // Learnt before the objects are the cache's: should adopting fail
    // halfway, what was renamed is still found by md5 next time (a name
    // whose object is missing is simply fetched again).
    if (state_)
      for (const auto& [w, digest] : learnt) state_->record_md5(w.dos2unix, w.md5, digest);
    cache_.adopt_checked(checked);
  }

  // pipe's manifest of a directory whose files are all cached now.
  void rebuild_manifest(const LockedArtifact& d, const std::vector<DvcDirEntry>& listed) {
    std::vector<ManifestEntry> entries;
    for (const DvcDirEntry& e : listed) {
      Digest digest;
      // A file that failed is reported already; the directory waits for it.
      if (!state_ || !state_->lookup_md5(d.md5_dos2unix, e.md5, &digest) || !cache_.has(digest)) return;
      entries.push_back({e.relpath, digest, file_size(cache_.file_system(), cache_.object_path(digest)), false, 0, 0});
    }
    const Digest digest = manifest_digest(entries);
    if (!d.pending && digest != d.digest) {
      ++report_.failed;
      report_.errors.push_back(d.path + ": the files DVC's manifest " + d.md5 + " names are not what pipe.lock records "
                               "(pipe digest " + d.digest.hex() + "); restore the record from git");
      return;
    }
    cache_.put_manifest(digest, entries);
    state_->record_md5(d.md5_dos2unix, d.md5, digest);
  }

  ObjectStore& cache_;
  StateDb* state_;
  Remote& remote_;
  size_t jobs_;
  const TransferProgress& progress_;
  TransferReport report_;
};

}  // namespace

std::string dvc_object_key(const std::string& md5, bool dos2unix) {
  // DVC 3 keeps its md5 objects under files/md5/; DVC 2's md5-dos2unix
  // ones (and DVC 3's, for entries it has not rehashed) at the top.
  return std::string(dos2unix ? "" : "files/md5/") + md5.substr(0, 2) + "/" + md5.substr(2);
}

TransferReport fetch_from_dvc(Project& project, Remote& remote, const std::vector<LockedArtifact>& artifacts,
                              size_t jobs, const TransferProgress& progress) {
  return DvcFetch(project, remote, jobs, progress).run(artifacts);
}

}  // namespace pipeline
