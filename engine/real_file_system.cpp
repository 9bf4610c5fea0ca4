#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "file_system.h"

namespace pipeline {
namespace {

int sync_path(const std::string& path, bool whole_filesystem) {
  const int fd = ::open(path.empty() ? "." : path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  const int rc = whole_filesystem ? ::syncfs(fd) : ::fsync(fd);
  const int err = errno;
  ::close(fd);
  errno = err;
  return rc;
}

class RealFileSystem : public FileSystem {
 public:
  int create(const std::string& path, mode_t mode) override {
    return ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  }
  ssize_t write(int fd, const void* data, size_t size) override { return ::write(fd, data, size); }
  ssize_t copy_range(int in, int out, size_t size) override {
    return ::copy_file_range(in, nullptr, out, nullptr, size, 0);
  }
  int clone(int out, int in) override { return ::ioctl(out, FICLONE, in); }
  int fsync(int fd) override { return ::fsync(fd); }
  int close(int fd) override { return ::close(fd); }
  int rename(const std::string& from, const std::string& to) override { return ::rename(from.c_str(), to.c_str()); }
  int link(const std::string& from, const std::string& to) override { return ::link(from.c_str(), to.c_str()); }
  int symlink(const std::string& target, const std::string& path) override {
    return ::symlink(target.c_str(), path.c_str());
  }
  int unlink(const std::string& path) override { return ::unlink(path.c_str()); }
  int remove_all(const std::string& path) override {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
    if (ec) errno = ec.value();
    return ec ? -1 : 0;
  }
  int exchange(const std::string& a, const std::string& b) override {
    return ::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE);
  }
  int make_dir(const std::string& path, mode_t mode) override { return ::mkdir(path.c_str(), mode); }
  int sync_dir(const std::string& dir) override { return sync_path(dir, false); }
  int sync_all(const std::string& path) override { return sync_path(path, true); }
};

}  // namespace

FileSystem& real_file_system() {
  static RealFileSystem fs;
  return fs;
}

}  // namespace pipeline
