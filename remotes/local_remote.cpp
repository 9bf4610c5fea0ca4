// A remote that is a directory: a network share, a mounted bucket, or a
// second disk. Objects are written crash-safely (temp file, fsync, rename),
// as in the cache itself. Temp files go to <dir>/tmp/, never beside an
// object; the first upload of each process sweeps what killed pushes left
// there (see temp_files.h: only dead makers' files on this host, or any
// older than a day, since other machines may be pushing too).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

// Copies an open file to a new one; false with errno on failure.
bool copy_fd(int in, int out) {
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(in, buf, sizeof buf);
    if (n == 0) return true;
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = ::write(out, buf + done, static_cast<size_t>(n - done));
      if (w < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      done += w;
    }
  }
}

class LocalRemote : public Remote {
 public:
  explicit LocalRemote(std::string dir) : dir_(std::move(dir)) {}

  std::string describe() const override { return dir_; }

  RemoteResult exists_many(const std::vector<std::string>& keys, std::vector<bool>* present) override {
    present->assign(keys.size(), false);
    for (size_t i = 0; i < keys.size(); ++i) (*present)[i] = ::access((dir_ + "/" + keys[i]).c_str(), F_OK) == 0;
    return {};
  }

  RemoteResult get(const std::string& key, const std::string& dest) override {
    const std::string path = dir_ + "/" + key;
    const int in = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) return errno == ENOENT ? RemoteResult{RemoteResult::Status::kMissing, key + " is not on the remote"}
                                       : failed("cannot read", path, errno);
    DownloadFile out(dest);
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(in, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int err = errno;
        ::close(in);
        out.finish();
        return failed("cannot read", path, err);
      }
      if (n == 0 || !out.write(buf, static_cast<size_t>(n))) break;
    }
    ::close(in);
    return out.finish();
  }

  RemoteResult put(const std::string& key, const std::string& source) override {
    const std::string target = dir_ + "/" + key;
    if (::access(target.c_str(), F_OK) == 0) return {};  // same name, same content
    try {
      make_parent_dirs(target);
    } catch (const Error& e) {
      return {RemoteResult::Status::kFailed, e.what()};
    }
    std::call_once(swept_, [&] { sweep_temp_dir(dir_ + "/tmp", kStaleTempSeconds); });
    const std::string tmp = temp_path_for(dir_ + "/tmp", target);
    const int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) return failed("cannot read", source, errno);
    const int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
    if (out < 0) {
      const int err = errno;
      ::close(in);
      return failed("cannot create", tmp, err);
    }
    const bool ok = copy_fd(in, out);
    const int err = errno;
    ::close(in);
    if (!ok) {
      ::close(out);
      ::unlink(tmp.c_str());
      return failed("cannot write", tmp, err);
    }
    try {
      commit_temp_file(out, tmp, target);
    } catch (const Error& e) {
      return {RemoteResult::Status::kFailed, e.what()};
    }
    return {};
  }

  RemoteResult remove(const std::string& key) override {
    const std::string path = dir_ + "/" + key;
    if (::unlink(path.c_str()) == 0 || errno == ENOENT) return {};
    return failed("cannot remove", path, errno);
  }

 private:
  std::string dir_;
  std::once_flag swept_;
};

}  // namespace

std::unique_ptr<Remote> make_local_remote(const std::string& dir) { return std::make_unique<LocalRemote>(dir); }

}  // namespace pipeline
