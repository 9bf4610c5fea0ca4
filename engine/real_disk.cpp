#include <dirent.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <mutex>
#include <set>

#include "disk.h"
#include "error.h"
#include "file_io.h"
#include "paths.h"
#include "project.h"
#include "temp_files.h"

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

class RealDisk : public Disk {
 public:
  RealDisk(std::string root, FileSystem& fs) : root_(std::move(root)), fs_(fs) {
    if (fs_.real_path(root_, &real_root_) != 0) real_root_ = root_;
  }

  FileInfo stat(const std::string& path) override {
    struct stat st;
    if (fs_.stat(full(path), &st) != 0) return {};
    return info_of(st);
  }

  std::vector<DirEntry> list(const std::string& dir) override {
    std::vector<DirEntry> out;
    each_entry(dir, [&](int dfd, const char* name, unsigned char) {
      struct stat st;
      // Relative to the open directory: no re-resolving of the path.
      if (fs_.stat_at(dfd, name, &st) != 0) return;  // dangling symlink
      out.push_back({name, info_of(st)});
    });
    return out;
  }

  std::vector<DirEntry> list_types(const std::string& dir) override {
    std::vector<DirEntry> out;
    each_entry(dir, [&](int dfd, const char* name, unsigned char type) {
      DirEntry entry{name, {}};
      if (type == DT_REG) {
        entry.info.type = FileInfo::Type::kFile;
      } else if (type == DT_DIR) {
        entry.info.type = FileInfo::Type::kDir;
      } else if (type == DT_LNK || type == DT_UNKNOWN) {
        struct stat st;  // follow the link, as stat() does
        if (fs_.stat_at(dfd, name, &st) != 0) return;
        entry.info = info_of(st);
      } else {
        entry.info.type = FileInfo::Type::kOther;
      }
      out.push_back(std::move(entry));
    });
    return out;
  }

  bool hash_file(const std::string& path, Digest* digest, uint64_t* size) override {
    return hash_path(fs_, full(path), digest, size);
  }

  bool thread_safe_reads() const override { return true; }

  bool read(const std::string& path, std::string* out) override { return read_file(fs_, full(path), out); }

  bool read_chunks(const std::string& path, const ChunkFn& chunk) override {
    const int fd = fs_.open_read(full(path));
    if (fd < 0) return false;
    // 64 KiB: larger malloc'd buffers read slower on this kind of machine.
    static thread_local char buf[65536];
    for (;;) {
      const ssize_t n = fs_.read(fd, buf, sizeof buf);
      if (n == 0) break;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int err = errno;
        fs_.close(fd);
        errno = err;
        return false;
      }
      chunk(buf, static_cast<size_t>(n));
    }
    fs_.close(fd);
    return true;
  }

  void write_atomic(const std::string& path, const std::string& data) override {
    // The temp file goes to .pipe/tmp, where the next run sweeps it if
    // this one is killed; never beside pipe.lock or inside a dataset.
    const std::string target = full(path);
    write_file_atomically(fs_, target, data, 0644, temp_path_for(fs_, root_ + "/" + kStateDir + "/tmp", target));
  }

  void remove_all(const std::string& path) override {
    if (fs_.remove_all(full(path)) != 0) fail_io("cannot remove", path, errno);
  }

  void make_dirs(const std::string& path) override { pipeline::make_dirs(fs_, full(path)); }

  bool resolves_inside_root(const std::string& path) override {
    // Fast path: a relative path none of whose existing components is a
    // symlink stays inside (one lstat per component instead of realpath's
    // readlink of every component of the root too).
    if (!path.empty() && path[0] != '/' && no_links_below_root(path)) return true;
    std::string p = full(path);
    // A workspace file linked into the cache: what must stay inside the
    // project is the directory holding the link.
    struct stat st;
    if (!cache_.empty() && fs_.lstat(p, &st) == 0 && S_ISLNK(st.st_mode)) {
      std::string target;
      if (fs_.real_path(p, &target) == 0 && within(target, cache_) && fs_.stat(target, &st) == 0 && S_ISREG(st.st_mode))
        p = parent_path(p);
    }
    // Resolve the longest existing prefix; what does not exist yet cannot be a link.
    while (!p.empty() && p != "/" && fs_.lstat(p, &st) != 0) p = parent_path(p);
    std::string resolved;
    if (fs_.real_path(p.empty() ? "/" : p, &resolved) != 0) return false;
    return within(resolved, real_root_);
  }

  void allow_links_into(const std::string& dir) override {
    if (fs_.real_path(dir, &cache_) != 0) cache_ = dir;
  }

  int64_t now_ns() override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

 private:
  std::string full(const std::string& path) const {
    if (path.empty() || path == ".") return root_;
    if (path[0] == '/') return path;  // an external dep, read only
    return root_ + "/" + path;
  }

  // Calls fn(directory fd, name, d_type) for each entry of `dir` but . and
  // ..; nothing when it cannot be opened.
  template <typename Fn>
  void each_entry(const std::string& dir, Fn&& fn) {
    const int dfd = fs_.open_dir(full(dir));
    if (dfd < 0) return;
    // An error partway: what was listed stands.
    fs_.list_dir(dfd, [&](const char* name, unsigned char type) { fn(dfd, name, type); });
    fs_.close(dfd);
  }

  bool no_links_below_root(const std::string& path) {
    std::string prefix = root_;
    size_t start = 0;
    while (start < path.size()) {
      size_t end = path.find('/', start);
      if (end == std::string::npos) end = path.size();
      const std::string part = path.substr(start, end - start);
      start = end + 1;
      if (part.empty() || part == ".") continue;
      if (part == "..") return false;  // leave it to realpath
      prefix += "/" + part;
      const bool last = start >= path.size();
      if (!last) {
        std::lock_guard<std::mutex> hold(plain_mutex_);
        if (plain_dirs_.count(prefix)) continue;
      }
      struct stat st;
      if (fs_.lstat(prefix, &st) != 0) return errno == ENOENT;  // the rest does not exist yet
      if (S_ISLNK(st.st_mode)) return false;
      if (!last && S_ISDIR(st.st_mode)) {
        std::lock_guard<std::mutex> hold(plain_mutex_);
        plain_dirs_.insert(prefix);
      }
    }
    return true;
  }

  // Folders seen to be real directories, not links, by no_links_below_root:
  // outputs share folders. (A folder replaced by a link during one command
  // is the user racing the command; the final component is always checked.)
  std::mutex plain_mutex_;
  std::set<std::string> plain_dirs_;

  static bool within(const std::string& resolved, const std::string& dir) {
    return resolved == dir ||
           (resolved.size() > dir.size() && resolved.compare(0, dir.size(), dir) == 0 && resolved[dir.size()] == '/');
  }

  std::string root_;
  FileSystem& fs_;
  std::string real_root_;
  std::string cache_;  // real path; empty: no links allowed out
};

}  // namespace

std::unique_ptr<Disk> make_real_disk(const std::string& root, FileSystem& fs) {
  return std::make_unique<RealDisk>(root, fs);
}

}  // namespace pipeline
