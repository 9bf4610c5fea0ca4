#include "file_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "error.h"

namespace pipeline {

void fail_io(const std::string& what, const std::string& path, int err) {
  std::string msg = what + " '" + path + "': " + std::strerror(err);
  if (err == ENOSPC) msg += " (the disk is full; free space and run again)";
  throw Error(Exit::kIo, msg);
}

bool read_file(const std::string& path, std::string* out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  out->clear();
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return false;
    }
    out->append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return true;
}

void make_parent_dirs(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  if (ec) fail_io("cannot create directory for", path, ec.value());
}

void write_fully(int fd, const char* data, size_t size, const std::string& path) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_io("cannot write", path, errno);
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
}

void commit_temp_file(int fd, const std::string& tmp, const std::string& target) {
  const bool synced = ::fsync(fd) == 0;
  const int sync_err = errno;
  if (::close(fd) != 0 || !synced) {
    const int err = synced ? errno : sync_err;
    ::unlink(tmp.c_str());
    fail_io("cannot flush", tmp, err);
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail_io("cannot move into place", target, err);
  }
  // The rename is durable only once the directory entry is.
  const std::string parent = std::filesystem::path(target).parent_path().string();
  const int dfd = ::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void write_file_atomically(const std::string& target, const std::string& data, mode_t mode, const std::string& tmp_in) {
  const std::string tmp = tmp_in.empty() ? target + ".tmp." + std::to_string(::getpid()) : tmp_in;
  ::unlink(tmp.c_str());  // a leftover from a killed run with the same pid
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) fail_io("cannot create", tmp, errno);
  try {
    write_fully(fd, data.data(), data.size(), tmp);
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  commit_temp_file(fd, tmp, target);
}

}  // namespace pipeline
