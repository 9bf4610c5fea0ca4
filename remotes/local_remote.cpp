// A remote that is a directory: a network share, a mounted bucket, or a
// second disk. Objects are written crash-safely (temp file, fsync, rename),
// as in the cache itself. Temp files go to <dir>/tmp/, never beside an
// object; the first upload of each process sweeps what killed pushes left
// there (see temp_files.h: only dead makers' files on this host, or any
// older than a day, since other machines may be pushing too).
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

#include "error.h"
#include "file_io.h"
#include "backends.h"
#include "paths.h"
#include "temp_files.h"
#include "workers.h"

namespace pipeline {
namespace {

RemoteResult failed(const std::string& what, const std::string& path, int err) {
  return {RemoteResult::Status::kFailed, what + " '" + path + "': " + std::strerror(err)};
}

class LocalRemote : public Remote {
 public:
  LocalRemote(std::string dir, FileSystem& fs) : dir_(std::move(dir)), fs_(fs) {}

  std::string describe() const override { return dir_; }

  RemoteResult exists_many(const std::vector<std::string>& keys, std::vector<bool>* present) override {
    present->assign(keys.size(), false);
    struct stat st;
    for (size_t i = 0; i < keys.size(); ++i) (*present)[i] = fs_.stat(dir_ + "/" + keys[i], &st) == 0;
    return {};
  }

  RemoteResult get(const std::string& key, const std::string& dest, DownloadCheck check) override {
    const std::string path = dir_ + "/" + key;
    const int in = fs_.open_read(path);
    if (in < 0) return errno == ENOENT ? RemoteResult{RemoteResult::Status::kMissing, key + " is not on the remote"}
                                       : failed("cannot read", path, errno);
    DownloadFile out(dest, fs_, check);
    char buf[65536];
    for (;;) {
      const ssize_t n = fs_.read(in, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int err = errno;
        fs_.close(in);
        out.finish();
        return failed("cannot read", path, err);
      }
      if (n == 0 || !out.write(buf, static_cast<size_t>(n))) break;
      // A short read of a regular file is its end: no read for the EOF
      // (a tenth of a small object's syscalls). Were it cut short
      // otherwise, the digest check would catch it and the fetch retry.
      if (static_cast<size_t>(n) < sizeof buf) break;
    }
    fs_.close(in);
    return out.finish();
  }

  RemoteResult put(const std::string& key, const std::string& source) override {
    const std::string target = dir_ + "/" + key;
    struct stat st;
    if (fs_.stat(target, &st) == 0) return {};  // same name, same content
    try {
      // First: temp_path_for puts the temp file in tmp/ only when it can
      // see that the target's folder is on the same filesystem.
      make_parent_dirs(fs_, target);
    } catch (const Error& e) {
      return {RemoteResult::Status::kFailed, e.what()};
    }
    std::call_once(swept_, [&] { sweep_temp_dir(fs_, dir_ + "/tmp", kStaleTempSeconds); });
    const std::string tmp = temp_path_for(fs_, dir_ + "/tmp", target);
    const int in = fs_.open_read(source);
    if (in < 0) return failed("cannot read", source, errno);
    int out = -1;
    try {
      out = copy_into_new_file(fs_, in, tmp, 0444);
    } catch (const Error& e) {
      fs_.close(in);
      return {RemoteResult::Status::kFailed, e.what()};
    }
    fs_.close(in);
    try {
      commit_temp_file(fs_, out, tmp, target);
    } catch (const Error& e) {
      return {RemoteResult::Status::kFailed, e.what()};
    }
    return {};
  }

  // Uploads as a batch, written as the cache writes one: every new object
  // into a temp file in tmp/ (on several threads), one sync of the
  // filesystem, every rename, one more sync. An fsync per object and per
  // folder made a push of 10,000 small files five times slower than cp -r.
  void transfer_many(const std::vector<TransferItem>& items, size_t jobs, const ItemDone& done) override {
    for (const TransferItem& item : items)
      if (!item.upload) return Remote::transfer_many(items, jobs, done);
    std::vector<RemoteResult> results(items.size());
    std::vector<std::string> temps(items.size());
    std::call_once(swept_, [&] { sweep_temp_dir(fs_, dir_ + "/tmp", kStaleTempSeconds); });
    try {
      make_dirs(fs_, dir_ + "/tmp", false);
    } catch (const Error& e) {
      for (size_t i = 0; i < items.size(); ++i) done(i, {RemoteResult::Status::kFailed, e.what()});
      return;
    }
    BatchSync sync(fs_, dir_);
    std::atomic<size_t> next{0};
    auto stage = [&] {
      for (size_t i; (i = next++) < items.size();) results[i] = write_temp(items[i], &temps[i]);
    };
    run_workers(std::min(worker_count(items.size(), 2), std::max<size_t>(1, jobs)), stage);
    // Data durable before any object gets its name.
    const bool synced = sync.sync() == 0;
    const int sync_err = errno;
    std::set<std::string> made;
    for (size_t i = 0; i < items.size(); ++i) {
      if (temps[i].empty()) continue;
      const std::string target = dir_ + "/" + items[i].key;
      if (!synced) {
        results[i] = failed("cannot flush", dir_, sync_err);
      } else {
        try {
          if (made.insert(parent_path(target)).second) make_parent_dirs(fs_, target, false);
          if (fs_.rename(temps[i], target) != 0) results[i] = failed("cannot move into place", target, errno);
        } catch (const Error& e) {
          results[i] = {RemoteResult::Status::kFailed, e.what()};
        }
      }
      if (!results[i].ok()) fs_.unlink(temps[i]);
    }
    // The renames: each object is whole already, so a crash before this
    // loses only names, and the next push sends those again.
    sync.sync();
    for (size_t i = 0; i < items.size(); ++i) done(i, results[i]);
  }

  RemoteResult list(const std::string& prefix, std::vector<std::string>* keys) override {
    keys->clear();
    const std::string path = dir_ + "/" + prefix;
    const int dir = fs_.open_dir(path);
    if (dir < 0) return errno == ENOENT ? RemoteResult{} : failed("cannot list", path, errno);
    const int listed = fs_.list_dir(dir, [&](const char* name, unsigned char type) {
      if (type == DT_REG || type == DT_UNKNOWN) keys->push_back(prefix + name);
    });
    const int err = errno;
    fs_.close(dir);
    return listed == 0 ? RemoteResult{} : failed("cannot list", path, err);
  }

  RemoteResult remove(const std::string& key) override {
    const std::string path = dir_ + "/" + key;
    if (fs_.unlink(path) == 0 || errno == ENOENT) return {};
    return failed("cannot remove", path, errno);
  }

  // Copies `item`'s file into a new temp file in tmp/, not synced; `tmp`
  // stays empty when the remote has the object already or it failed.
  RemoteResult write_temp(const TransferItem& item, std::string* tmp) {
    struct stat st;
    if (fs_.stat(dir_ + "/" + item.key, &st) == 0) return {};  // same name, same content
    const int in = fs_.open_read(item.file);
    if (in < 0) return failed("cannot read", item.file, errno);
    const std::string path = dir_ + "/tmp/" + temp_name(item.key.substr(item.key.rfind('/') + 1));
    int out = -1;
    try {
      out = copy_into_new_file(fs_, in, path, 0444);
    } catch (const Error& e) {
      fs_.close(in);
      return {RemoteResult::Status::kFailed, e.what()};
    }
    fs_.close(in);
    if (fs_.close(out) != 0) {
      const int err = errno;
      fs_.unlink(path);
      return failed("cannot write", path, err);
    }
    *tmp = path;
    return {};
  }

 private:
  std::string dir_;
  FileSystem& fs_;
  std::once_flag swept_;
};

}  // namespace

std::unique_ptr<Remote> make_local_remote(const std::string& dir, FileSystem& fs) {
  return std::make_unique<LocalRemote>(dir, fs);
}

}  // namespace pipeline
