// A remote that is a directory: a network share, a mounted bucket, or a
// second disk. Objects are written crash-safely (temp file, fsync, rename),
// as in the cache itself. Temp files go to <dir>/tmp/, never beside an
// object; the first upload of each process sweeps what killed pushes left
// there (see temp_files.h: only dead makers' files on this host, or any
// older than a day, since other machines may be pushing too).
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "error.h"
#include "file_io.h"
#include "backends.h"
#include "temp_files.h"

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

  RemoteResult remove(const std::string& key) override {
    const std::string path = dir_ + "/" + key;
    if (fs_.unlink(path) == 0 || errno == ENOENT) return {};
    return failed("cannot remove", path, errno);
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
