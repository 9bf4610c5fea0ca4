#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "disk.h"
#include "error.h"

namespace pipeline {
namespace {

FileInfo info_of(const struct stat& st) {
  FileInfo info;
  if (S_ISREG(st.st_mode)) info.type = FileInfo::Type::kFile;
  else if (S_ISDIR(st.st_mode)) info.type = FileInfo::Type::kDir;
  else info.type = FileInfo::Type::kOther;
  info.device = st.st_dev;
  info.inode = st.st_ino;
  info.size = static_cast<uint64_t>(st.st_size);
  info.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  info.executable = (st.st_mode & S_IXUSR) != 0;
  return info;
}

std::string io_message(const std::string& what, const std::string& path) {
  return what + " '" + path + "': " + std::strerror(errno);
}

class RealDisk : public Disk {
 public:
  explicit RealDisk(std::string root) : root_(std::move(root)) {
    char buf[PATH_MAX];
    real_root_ = ::realpath(root_.c_str(), buf) ? buf : root_;
  }

  FileInfo stat(const std::string& path) override {
    struct stat st;
    if (::stat(full(path).c_str(), &st) != 0) return {};
    return info_of(st);
  }

  std::vector<DirEntry> list(const std::string& dir) override {
    std::vector<DirEntry> out;
    const int dfd = ::open(full(dir).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return out;
    DIR* d = ::fdopendir(dfd);
    if (!d) {
      ::close(dfd);
      return out;
    }
    while (struct dirent* e = ::readdir(d)) {
      if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
      struct stat st;
      // fstatat relative to the open directory skips re-resolving the path.
      if (::fstatat(dfd, e->d_name, &st, 0) != 0) continue;  // dangling symlink
      out.push_back({e->d_name, info_of(st)});
    }
    ::closedir(d);
    return out;
  }

  bool hash_file(const std::string& path, Digest* digest, uint64_t* size) override {
    const int fd = ::open(full(path).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = hash_fd(fd, digest, size);
    ::close(fd);
    return ok;
  }

  bool thread_safe_reads() const override { return true; }

  bool read(const std::string& path, std::string* out) override {
    const int fd = ::open(full(path).c_str(), O_RDONLY | O_CLOEXEC);
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

  void write_atomic(const std::string& path, const std::string& data) override {
    const std::string target = full(path);
    const std::string tmp = target + ".tmp." + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw Error(Exit::kIo, io_message("cannot create", tmp));
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        const std::string msg = io_message("cannot write", tmp);
        ::close(fd);
        ::unlink(tmp.c_str());
        throw Error(Exit::kIo, msg);
      }
      done += static_cast<size_t>(n);
    }
    const bool synced = ::fsync(fd) == 0;
    if (::close(fd) != 0 || !synced) {
      const std::string msg = io_message("cannot flush", tmp);
      ::unlink(tmp.c_str());
      throw Error(Exit::kIo, msg);
    }
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
      const std::string msg = io_message("cannot replace", target);
      ::unlink(tmp.c_str());
      throw Error(Exit::kIo, msg);
    }
    // The rename is durable only once the directory entry is.
    const std::string parent = std::filesystem::path(target).parent_path().string();
    const int dfd = ::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
  }

  void remove_all(const std::string& path) override {
    std::error_code ec;
    std::filesystem::remove_all(full(path), ec);
    if (ec) throw Error(Exit::kIo, "cannot remove '" + path + "': " + ec.message());
  }

  void make_dirs(const std::string& path) override {
    std::error_code ec;
    std::filesystem::create_directories(full(path), ec);
    if (ec) throw Error(Exit::kIo, "cannot create directory '" + path + "': " + ec.message());
  }

  bool resolves_inside_root(const std::string& path) override {
    // Resolve the longest existing prefix; what does not exist yet cannot be a link.
    std::filesystem::path p = full(path);
    std::error_code ec;
    while (!p.empty() && !std::filesystem::exists(std::filesystem::symlink_status(p, ec))) {
      if (p == p.parent_path()) break;
      p = p.parent_path();
    }
    char buf[PATH_MAX];
    if (!::realpath(p.c_str(), buf)) return false;
    const std::string resolved = buf;
    return resolved == real_root_ ||
           (resolved.size() > real_root_.size() &&
            resolved.compare(0, real_root_.size(), real_root_) == 0 &&
            resolved[real_root_.size()] == '/');
  }

  int64_t now_ns() override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

 private:
  std::string full(const std::string& path) const {
    if (path.empty() || path == ".") return root_;
    return root_ + "/" + path;
  }

  std::string root_;
  std::string real_root_;
};

}  // namespace

std::unique_ptr<Disk> make_real_disk(const std::string& root) {
  return std::make_unique<RealDisk>(root);
}

}  // namespace pipeline
