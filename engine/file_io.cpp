#include "file_io.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "digest.h"
#include "error.h"

namespace pipeline {

void fail_io(const std::string& what, const std::string& path, int err) {
  std::string msg = what + " '" + path + "': " + std::strerror(err);
  if (err == ENOSPC) msg += " (the disk is full; free space and run again)";
  throw Error(Exit::kIo, msg);
}

bool read_file(FileSystem& fs, const std::string& path, std::string* out) {
  const int fd = fs.open_read(path);
  if (fd < 0) return false;
  out->clear();
  char buf[65536];
  for (;;) {
    const ssize_t n = fs.read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      fs.close(fd);
      errno = err;
      return false;
    }
    out->append(buf, static_cast<size_t>(n));
  }
  fs.close(fd);
  return true;
}

bool hash_path(FileSystem& fs, const std::string& path, Digest* digest, uint64_t* size) {
  const int fd = fs.open_read(path);
  if (fd < 0) return false;
  const bool ok = fs.hash(fd, digest, size);
  const int err = errno;
  fs.close(fd);
  errno = err;
  return ok;
}

namespace {

void each_file_below(FileSystem& fs, const std::string& dir, const std::string& rel, const FileFn& fn,
                     std::string* error) {
  const int dfd = fs.open_dir(dir);
  if (dfd < 0 && rel.empty() && errno == ENOENT) return;
  std::vector<std::pair<std::string, unsigned char>> entries;
  if (dfd < 0 || fs.list_dir(dfd, [&](const char* name, unsigned char type) { entries.emplace_back(name, type); }) != 0) {
    if (error->empty()) *error = "cannot list '" + dir + "': " + std::strerror(errno);
    if (dfd < 0) return;
  }
  fs.close(dfd);
  for (auto& [name, type] : entries) {
    const std::string path = dir + "/" + name;
    if (type == DT_UNKNOWN) {
      struct stat st;
      if (fs.lstat(path, &st) != 0) continue;
      type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
    }
    const std::string child = rel.empty() ? name : rel + "/" + name;
    if (type == DT_DIR) each_file_below(fs, path, child, fn, error);
    else fn(child, type);
  }
}

}  // namespace

bool each_file_under(FileSystem& fs, const std::string& dir, const FileFn& fn, std::string* error) {
  std::string why;
  each_file_below(fs, dir, "", fn, &why);
  if (error) *error = why;
  return why.empty();
}

void make_dirs(FileSystem& fs, const std::string& dir, bool durable) {
  // Top down from the deepest folder that exists, each one through `fs`
  // so a test sees (and can lose) every new directory entry.
  std::vector<std::string> missing;
  struct stat st;
  for (std::string d = dir; !d.empty() && d != "/" && fs.stat(d, &st) != 0;
       d = std::filesystem::path(d).parent_path().string())
    missing.push_back(d);
  for (auto it = missing.rbegin(); it != missing.rend(); ++it)
    if (fs.make_dir(*it, 0777) != 0 && errno != EEXIST) fail_io("cannot create directory", *it, errno);
  if (durable)
    for (auto it = missing.rbegin(); it != missing.rend(); ++it)
      if (fs.sync_dir(std::filesystem::path(*it).parent_path().string()) != 0)
        fail_io("cannot flush directory for", *it, errno);
}

void make_parent_dirs(FileSystem& fs, const std::string& path, bool durable) {
  make_dirs(fs, std::filesystem::path(path).parent_path().string(), durable);
}

void write_fully(FileSystem& fs, int fd, const char* data, size_t size, const std::string& path) {
  while (size > 0) {
    const ssize_t n = fs.write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_io("cannot write", path, errno);
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
}

int copy_into_new_file(FileSystem& fs, int in, const std::string& tmp, mode_t mode, Digest* digest) {
  const int out = fs.create(tmp, mode);
  if (out < 0) fail_io("cannot create", tmp, errno);
  auto fail = [&](int err) {
    fs.close(out);
    fs.unlink(tmp);
    fail_io("cannot copy into", tmp, err);
  };
  bool by_hand = digest != nullptr;
  Hasher h;
  char buf[65536];
  for (;;) {
    if (!by_hand) {
      const ssize_t n = fs.copy_range(in, out, 1 << 30);
      if (n > 0 || (n < 0 && errno == EINTR)) continue;
      if (n == 0) return out;
      // This filesystem (pair) cannot: go on by hand from where it stopped.
      if (errno != EXDEV && errno != ENOSYS && errno != EOPNOTSUPP && errno != EINVAL) fail(errno);
      by_hand = true;
      continue;
    }
    const ssize_t n = fs.read(in, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno != EINTR) fail(errno);
      continue;
    }
    if (digest) h.update(buf, static_cast<size_t>(n));
    try {
      write_fully(fs, out, buf, static_cast<size_t>(n), tmp);
    } catch (...) {
      fs.close(out);
      fs.unlink(tmp);
      throw;
    }
  }
  if (digest) *digest = h.finish();
  return out;
}

void commit_temp_file(FileSystem& fs, int fd, const std::string& tmp, const std::string& target) {
  const bool synced = fs.fsync(fd) == 0;
  const int sync_err = errno;
  if (fs.close(fd) != 0 || !synced) {
    const int err = synced ? errno : sync_err;
    fs.unlink(tmp);
    fail_io("cannot flush", tmp, err);
  }
  if (fs.rename(tmp, target) != 0) {
    const int err = errno;
    fs.unlink(tmp);
    fail_io("cannot move into place", target, err);
  }
  // The rename is durable only once the directory entry is. The new file
  // is in place already, so a failure here is not reported: the old
  // content could come back after a crash, which is what a failed write
  // promises anyway.
  fs.sync_dir(std::filesystem::path(target).parent_path().string());
}

void write_file_atomically(FileSystem& fs, const std::string& target, const std::string& data, mode_t mode,
                           const std::string& tmp_in) {
  const std::string tmp = tmp_in.empty() ? target + ".tmp." + std::to_string(::getpid()) : tmp_in;
  fs.unlink(tmp);  // a leftover from a killed run with the same pid
  const int fd = fs.create(tmp, mode);
  if (fd < 0) fail_io("cannot create", tmp, errno);
  try {
    write_fully(fs, fd, data.data(), data.size(), tmp);
  } catch (...) {
    fs.close(fd);
    fs.unlink(tmp);
    throw;
  }
  commit_temp_file(fs, fd, tmp, target);
}

}  // namespace pipeline
