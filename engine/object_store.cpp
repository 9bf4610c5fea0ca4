#include "object_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>
#include <exception>
#include <mutex>
#include <set>
#include <thread>

#include "error.h"
#include "file_io.h"
#include "paths.h"
#include "temp_files.h"
#include "workers.h"

namespace pipeline {
namespace {

constexpr const char* kManifestHeader = "pipe-manifest 1\n";

bool safe_relative(const std::string& path) {
  std::string normalized, why;
  return !path.empty() && project_path("", path, &normalized, &why) && normalized == path;
}

}  // namespace

std::vector<PutItem> directory_files(const std::string& dir, const std::vector<ManifestEntry>& entries) {
  std::vector<PutItem> out;
  out.reserve(entries.size());
  for (const ManifestEntry& e : entries) out.push_back({dir + "/" + e.path, e.digest, e.size, e.mtime_ns, e.executable});
  return out;
}

Digest manifest_digest(std::vector<ManifestEntry> entries) {
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return sorted_manifest_digest(entries);
}

Digest sorted_manifest_digest(const std::vector<ManifestEntry>& entries) {
  Hasher h;
  for (const auto& e : entries) {
    h.update(e.digest.hex());
    h.update("  ");
    h.update(e.path);
    h.update("\n");
  }
  return h.finish();
}

ObjectStore::ObjectStore(std::string dir, FileSystem& fs)
    : dir_(std::move(dir)), fs_(fs), workspace_temp_(dir_ + "/tmp") {}

std::string ObjectStore::object_path(const Digest& d) const {
  const std::string hex = d.hex();
  return dir_ + "/" + kCacheLayout + "/" + hex.substr(0, 2) + "/" + hex.substr(2);
}

std::string ObjectStore::manifest_path(const Digest& d) const { return object_path(d) + ".dir"; }

bool ObjectStore::has(const Digest& d) const {
  struct stat st;
  return fs_.stat(object_path(d), &st) == 0;
}

bool ObjectStore::has_manifest(const Digest& d) const {
  struct stat st;
  return fs_.stat(manifest_path(d), &st) == 0;
}

std::string ObjectStore::tmp_path() const { return dir_ + "/tmp/" + temp_name(); }

SweepResult ObjectStore::sweep_temp() const { return sweep_temp_dir(fs_, dir_ + "/tmp", kStaleTempSeconds); }

void ObjectStore::put_file(const std::string& source, const Digest& expected) { put_files({{source, expected}}); }

template <typename P>
void ObjectStore::stage_all(const std::vector<PutItem>& files, const std::vector<P>& pending,
                            std::vector<bool>& linked) const {
  // Creating many small objects is syscall-bound, like hashing them: a
  // second core nearly doubles the rate. Each thread takes the next object.
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  std::vector<char> done(pending.size(), 0);  // not vector<bool>: written from several threads
  auto work = [&] {
    for (size_t i; (i = next++) < pending.size();) {
      try {
        done[i] = stage_object(files[pending[i].item], pending[i].tmp) ? 1 : 0;
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
        next = pending.size();
      }
    }
  };
  run_workers(worker_count(pending.size()), work);
  if (error) std::rethrow_exception(error);
  for (size_t i = 0; i < pending.size(); ++i) linked[pending[i].item] = done[i] != 0;
}

std::vector<bool> ObjectStore::put_files(const std::vector<PutItem>& files) {
  std::vector<bool> linked(files.size(), false);
  struct Pending {
    std::string tmp;
    std::string target;
    size_t item;
  };
  std::vector<Pending> pending;
  std::set<Digest> staged;
  auto discard = [&] {
    for (const Pending& p : pending) fs_.unlink(p.tmp);
  };
  try {
    for (size_t k = 0; k < files.size(); ++k) {
      const PutItem& item = files[k];
      struct stat obj, src;
      if (fs_.stat(object_path(item.digest), &obj) == 0) {
        // Young again: a concurrent gc must not take an object this run is
        // about to record (its grace period goes by mtime). Not when the
        // source is that very inode (hard-linked): its mtime is the
        // workspace file's, and the hash cache keys on it.
        if (fs_.stat(item.source, &src) != 0 || src.st_ino != obj.st_ino || src.st_dev != obj.st_dev)
          fs_.touch(object_path(item.digest));
        continue;
      }
      // The same content twice in one batch: the first one stores it.
      if (!staged.insert(item.digest).second) continue;
      if (pending.empty()) make_parent_dirs(fs_, tmp_path(), false);  // synced with the batch
      pending.push_back({tmp_path(), object_path(item.digest), k});
    }
    if (pending.empty()) return linked;
    BatchSync sync(fs_, dir_);
    stage_all(files, pending, linked);
    // Step 2 of the write order, for the whole batch: data durable before
    // any object gets its name.
    if (sync.sync() != 0) fail_io("cannot flush", dir_, errno);
    std::set<std::string> made;  // one mkdir per fan-out directory, not per object
    for (size_t i = 0; i < pending.size(); ++i) {
      if (made.insert(pending[i].target.substr(0, pending[i].target.rfind('/'))).second)
        make_parent_dirs(fs_, pending[i].target, false);
      if (fs_.rename(pending[i].tmp, pending[i].target) != 0) {
        const int err = errno;
        pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(i));
        fail_io("cannot move into place", pending.front().target, err);
      }
    }
    pending.clear();
    // The renames. Each object is whole already, so a failure only means
    // a crash now could lose some of them: the next run stores them again.
    sync.sync();
  } catch (...) {
    discard();
    throw;
  }
  return linked;
}

void ObjectStore::put_manifest(const Digest& digest, std::vector<ManifestEntry> entries) {
  if (manifest_digest(entries) != digest)
    throw Error(Exit::kInternal, "manifest does not match directory digest " + digest.hex());
  if (has_manifest(digest)) return;
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  std::string text = kManifestHeader;
  for (const auto& e : entries)
    text += e.digest.hex() + " " + std::to_string(e.size) + " " + (e.executable ? "x" : "-") + " " + e.path + "\n";
  const std::string tmp = tmp_path();
  make_parent_dirs(fs_, tmp);
  make_parent_dirs(fs_, manifest_path(digest));
  write_file_atomically(fs_, manifest_path(digest), text, 0444, tmp);
}

bool ObjectStore::read_manifest(const Digest& digest, std::vector<ManifestEntry>* entries) const {
  entries->clear();
  std::string text;
  return read_file(fs_, manifest_path(digest), &text) && parse_manifest(text, digest, entries);
}

bool parse_manifest(const std::string& text, const Digest& digest, std::vector<ManifestEntry>* entries) {
  entries->clear();
  if (text.compare(0, std::strlen(kManifestHeader), kManifestHeader) != 0) return false;
  size_t pos = std::strlen(kManifestHeader);
  while (pos < text.size()) {
    const size_t end = text.find('\n', pos);
    if (end == std::string::npos) return false;
    const std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    // "<32 hex> <size> <x|-> <path>"
    if (line.size() < 38 || line[32] != ' ') return false;
    ManifestEntry e;
    if (!Digest::parse(line.substr(0, 32), &e.digest)) return false;
    const size_t size_end = line.find(' ', 33);
    if (size_end == std::string::npos || size_end + 3 > line.size() || line[size_end + 2] != ' ') return false;
    try {
      e.size = std::stoull(line.substr(33, size_end - 33));
    } catch (const std::exception&) {
      return false;
    }
    e.executable = line[size_end + 1] == 'x';
    e.path = line.substr(size_end + 3);
    // A manifest is data from disk: it must not name paths outside its directory.
    if (!safe_relative(e.path)) return false;
    entries->push_back(std::move(e));
  }
  return manifest_digest(*entries) == digest;
}

bool ObjectStore::adopt(const std::string& tmp, const Digest& d, bool manifest, std::string* why,
                        const std::optional<Digest>& streamed) {
  bool good = false;
  if (manifest) {
    std::string text;
    std::vector<ManifestEntry> entries;
    good = read_file(fs_, tmp, &text) && parse_manifest(text, d, &entries);
  } else if (streamed) {
    good = *streamed == d;
  } else {
    Digest got;
    good = hash_path(fs_, tmp, &got) && got == d;
  }
  if (!good) {
    fs_.unlink(tmp);
    *why = "content does not match its name " + d.hex() + " (corrupt in transfer or on the remote); not cached";
    return false;
  }
  fs_.chmod(tmp, 0444);
  const int fd = fs_.open_read(tmp);
  if (fd < 0) {
    const int err = errno;
    fs_.unlink(tmp);
    fail_io("cannot read", tmp, err);
  }
  const std::string target = manifest ? manifest_path(d) : object_path(d);
  make_parent_dirs(fs_, target);
  commit_temp_file(fs_, fd, tmp, target);
  if (!manifest) {
    std::lock_guard lock(verified_mutex_);
    verified_.insert(d);
  }
  return true;
}

void ObjectStore::adopt_checked(const std::vector<Download>& objects) {
  Staging staging;
  {
    std::lock_guard lock(staging_mutex_);
    std::swap(staging, staging_);
  }
  std::vector<char> done(objects.size(), 0);
  try {
    if (!objects.empty()) {
      // Downloads are made read-only (DownloadFile): no chmod each here.
      // Data durable before any object gets its name, as for a batch put,
      // through the handle opened before the first download was written.
      if (download_sync().sync() != 0) fail_io("cannot flush", dir_, errno);
      if (!staging.dir.empty()) adopt_staged(staging, objects, done);
      std::set<std::string> made;
      for (size_t i = 0; i < objects.size(); ++i) {
        if (done[i]) continue;
        const std::string target = object_path(objects[i].digest);
        if (made.insert(parent_path(target)).second) make_parent_dirs(fs_, target, false);
        if (fs_.rename(objects[i].tmp, target) != 0) fail_io("cannot move into place", target, errno);
        done[i] = 1;
      }
    }
  } catch (...) {
    for (size_t i = 0; i < objects.size(); ++i)
      if (!done[i]) fs_.unlink(objects[i].tmp);
    if (!staging.dir.empty()) fs_.remove_all(staging.dir);
    throw;
  }
  // The renames. Each object is whole already: a crash before this sync
  // loses only names, and the next fetch downloads those again.
  if (!objects.empty()) download_sync().sync();
  // Left: the folders of prefixes whose downloads all failed.
  if (!staging.dir.empty()) fs_.remove_all(staging.dir);
  std::lock_guard lock(verified_mutex_);
  for (const Download& o : objects) verified_.insert(o.digest);
}

void ObjectStore::adopt_staged(const Staging& staging, const std::vector<Download>& objects,
                               std::vector<char>& done) {
  const std::string root = staging.dir + "/";
  std::map<std::string, std::vector<size_t>> members;  // prefix -> objects staged in its folder
  for (size_t i = 0; i < objects.size(); ++i)
    if (objects[i].tmp.compare(0, root.size(), root) == 0) members[objects[i].tmp.substr(root.size(), 2)].push_back(i);
  const std::string layout = dir_ + "/" + kCacheLayout;
  if (!members.empty()) make_dirs(fs_, layout, false);
  for (const auto& [prefix, indexes] : members) {
    const std::string folder = root + prefix;
    // Only checked downloads may become objects: a file a failed try left
    // (its caller removes it, but a folder is renamed blind) goes first.
    std::set<std::string> names;
    for (size_t i : indexes) names.insert(objects[i].tmp.substr(folder.size() + 1));
    std::vector<std::string> strays;
    const int fd = fs_.open_dir(folder);
    if (fd < 0) fail_io("cannot list", folder, errno);
    const int listed = fs_.list_dir(fd, [&](const char* name, unsigned char) {
      if (!names.count(name)) strays.push_back(folder + "/" + name);
    });
    const int err = errno;
    fs_.close(fd);
    if (listed != 0) fail_io("cannot list", folder, err);
    for (const std::string& s : strays)
      if (fs_.remove_all(s) != 0) fail_io("cannot remove", s, errno);
    if (fs_.rename(folder, layout + "/" + prefix) == 0) {
      for (size_t i : indexes) done[i] = 1;
      continue;
    }
    // Another process made the folder meanwhile: object by object, then.
    if (errno != EEXIST && errno != ENOTEMPTY) fail_io("cannot move into place", layout + "/" + prefix, errno);
  }
}

bool ObjectStore::verified(const Digest& d) const {
  std::lock_guard lock(verified_mutex_);
  return verified_.count(d) > 0;
}

std::string ObjectStore::download_path(const Digest& d) const {
  const std::string hex = d.hex();
  const std::string prefix = hex.substr(0, 2);
  std::lock_guard lock(staging_mutex_);
  auto [it, first] = staging_.staged.try_emplace(prefix, false);
  if (first) {
    struct stat st;
    if (fs_.stat(dir_ + "/" + kCacheLayout + "/" + prefix, &st) != 0 && errno == ENOENT) {
      if (staging_.dir.empty()) {
        const std::string dir = new_temp_path();  // a name the sweep knows, for a killed run's
        if (fs_.make_dir(dir, 0777) != 0) fail_io("cannot create directory", dir, errno);
        staging_.dir = dir;
      }
      const std::string folder = staging_.dir + "/" + prefix;
      if (fs_.make_dir(folder, 0777) != 0) fail_io("cannot create directory", folder, errno);
      it->second = true;
    }
  }
  if (!it->second || !staging_.named.insert(d).second) return new_temp_path();
  return staging_.dir + "/" + prefix + "/" + hex.substr(2);
}

std::string ObjectStore::new_temp_path() const {
  const std::string tmp = tmp_path();
  // Once per store: a fetch asks for one per object.
  if (!tmp_made_) {
    make_parent_dirs(fs_, tmp);
    download_sync();
    tmp_made_ = true;
  }
  return tmp;
}

BatchSync& ObjectStore::download_sync() const {
  std::lock_guard lock(sync_mutex_);
  if (!download_sync_) download_sync_ = std::make_unique<BatchSync>(fs_, dir_);
  return *download_sync_;
}

std::vector<ObjectStore::Damage> ObjectStore::verify(const std::vector<Digest>& only, bool repair,
                                                     size_t* checked) const {
  std::vector<std::string> objects;  // relative to dir_
  std::vector<Damage> damaged;
  if (only.empty()) {
    // A folder that cannot be listed hides its objects: that is damage too.
    std::string unlisted;
    if (!each_file_under(
            fs_, dir_ + "/" + kCacheLayout,
            [&](const std::string& rel, unsigned char type) {
              if (type == DT_REG) objects.push_back(std::string(kCacheLayout) + "/" + rel);
            },
            &unlisted))
      damaged.push_back({kCacheLayout, unlisted});
  } else {
    for (const Digest& d : only) {
      if (has(d)) objects.push_back(object_path(d).substr(dir_.size() + 1));
      if (has_manifest(d)) objects.push_back(manifest_path(d).substr(dir_.size() + 1));
    }
  }
  std::sort(objects.begin(), objects.end());
  for (const std::string& rel : objects) {
    // v1/ab/<30 hex>[.dir]
    std::string hex = rel.substr(std::strlen(kCacheLayout) + 1);
    const bool manifest = hex.size() > 4 && hex.compare(hex.size() - 4, 4, ".dir") == 0;
    if (manifest) hex.resize(hex.size() - 4);
    if (hex.size() == 33 && hex[2] == '/') hex.erase(2, 1);
    Digest name;
    std::string problem;
    if (!Digest::parse(hex, &name)) {
      problem = "not an object name";
    } else if (manifest) {
      std::vector<ManifestEntry> entries;
      if (!read_manifest(name, &entries)) problem = "manifest is damaged or does not match its name";
    } else {
      Digest got;
      if (!hash_path(fs_, dir_ + "/" + rel, &got)) problem = std::string("cannot be read: ") + std::strerror(errno);
      else if (got != name) problem = "content hashes to " + got.hex();
    }
    if (checked) ++*checked;
    if (problem.empty()) continue;
    damaged.push_back({rel, problem});
    if (repair) fs_.unlink(dir_ + "/" + rel);
  }
  return damaged;
}

}  // namespace pipeline
