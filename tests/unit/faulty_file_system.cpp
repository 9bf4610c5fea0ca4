#include "faulty_file_system.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "digest.h"

namespace pipeline::testing {
namespace {

std::string parent_of(const std::string& path) { return std::filesystem::path(path).parent_path().string(); }

bool stat_fd(int fd, struct stat* st) { return ::fstat(fd, st) == 0; }

}  // namespace

FaultyFileSystem::FaultyFileSystem(std::string root, std::string backup_dir)
    : real_(real_file_system()), root_(std::move(root)), backup_dir_(std::move(backup_dir)) {
  std::filesystem::create_directories(backup_dir_);
}

void FaultyFileSystem::fail_nth(Op op, int n, int err) {
  std::lock_guard lock(mutex_);
  failures_[op] = {n, err};
}

bool FaultyFileSystem::fails(Op op) {
  if (dead_) {
    errno = EIO;
    return true;
  }
  auto it = failures_.find(op);
  if (it == failures_.end() || --it->second.first > 0) return false;
  errno = it->second.second;
  if (errno == kCrash) {
    dead_ = true;
    errno = EIO;
  }
  failures_.erase(it);
  return true;
}

bool FaultyFileSystem::sync_point() {
  ++syncs_;
  if (syncs_ == cut_at_sync_) dead_ = true;
  return dead_;
}

void FaultyFileSystem::written(int fd) {
  struct stat st;
  if (!stat_fd(fd, &st)) return;
  const Inode key{st.st_dev, st.st_ino};
  // A file this seam did not create counts as durable up to here.
  durable_size_.emplace(key, static_cast<uint64_t>(st.st_size));
  written_size_[key] = static_cast<uint64_t>(st.st_size);
}

std::string FaultyFileSystem::keep(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) return "";
  const std::string backup = backup_dir_ + "/" + std::to_string(++backups_);
  return ::link(path.c_str(), backup.c_str()) == 0 ? backup : "";
}

void FaultyFileSystem::made_durable(const std::string& dir) {
  std::vector<Entry> still;
  for (Entry& e : entries_) {
    if (dir.empty() || parent_of(e.path) == dir) {
      std::error_code ec;
      if (!e.backup.empty()) std::filesystem::remove_all(e.backup, ec);
    } else {
      still.push_back(std::move(e));
    }
  }
  entries_ = std::move(still);
}

// Reads fail when told to, and once the power is off; they change nothing,
// so nothing is recorded for a rollback.
bool FaultyFileSystem::open_fails(const std::string& path) {
  auto bad = bad_opens_.find(path);
  if (bad != bad_opens_.end()) return errno = bad->second, true;
  return fails(Op::kOpen);
}

int FaultyFileSystem::open_read(const std::string& path) {
  std::lock_guard lock(mutex_);
  if (open_fails(path)) return -1;
  const int fd = real_.open_read(path);
  auto bad = bad_reads_.find(path);
  if (fd >= 0 && bad != bad_reads_.end()) bad_fds_[fd] = bad->second;
  return fd;
}

bool FaultyFileSystem::read_fails(int fd) {
  std::lock_guard lock(mutex_);
  auto bad = bad_fds_.find(fd);
  if (bad != bad_fds_.end()) return errno = bad->second, true;
  return fails(Op::kRead);
}

int FaultyFileSystem::open_dir(const std::string& path) {
  std::lock_guard lock(mutex_);
  return open_fails(path) ? -1 : real_.open_dir(path);
}

ssize_t FaultyFileSystem::read(int fd, void* data, size_t size) {
  if (read_fails(fd)) return -1;
  return real_.read(fd, data, size);  // unlocked: reads on several threads overlap
}

ssize_t FaultyFileSystem::pread(int fd, void* data, size_t size, off_t offset) {
  if (read_fails(fd)) return -1;
  return real_.pread(fd, data, size, offset);
}

bool FaultyFileSystem::hash(int fd, Digest* digest, uint64_t* size) {
  // Through read(), so a failure can come halfway through a file.
  Hasher h;
  uint64_t total = 0;
  char buf[65536];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) break;
    h.update(buf, static_cast<size_t>(n));
    total += static_cast<uint64_t>(n);
  }
  *digest = h.finish();
  if (size) *size = total;
  return true;
}

int FaultyFileSystem::stat(const std::string& path, struct stat* st) {
  std::lock_guard lock(mutex_);
  return dead_ ? (errno = EIO, -1) : real_.stat(path, st);
}

int FaultyFileSystem::lstat(const std::string& path, struct stat* st) {
  std::lock_guard lock(mutex_);
  return dead_ ? (errno = EIO, -1) : real_.lstat(path, st);
}

int FaultyFileSystem::fstat(int fd, struct stat* st) {
  std::lock_guard lock(mutex_);
  return dead_ ? (errno = EIO, -1) : real_.fstat(fd, st);
}

int FaultyFileSystem::stat_at(int dir, const char* name, struct stat* st) {
  std::lock_guard lock(mutex_);
  return dead_ ? (errno = EIO, -1) : real_.stat_at(dir, name, st);
}

int FaultyFileSystem::list_dir(int dir, const EntryFn& fn) {
  {
    std::lock_guard lock(mutex_);
    if (dead_) return errno = EIO, -1;
  }
  return real_.list_dir(dir, fn);
}

int FaultyFileSystem::read_link(const std::string& path, std::string* target) {
  std::lock_guard lock(mutex_);
  return dead_ ? (errno = EIO, -1) : real_.read_link(path, target);
}

int FaultyFileSystem::real_path(const std::string& path, std::string* resolved) {
  std::lock_guard lock(mutex_);
  return dead_ ? (errno = EIO, -1) : real_.real_path(path, resolved);
}

int FaultyFileSystem::create(const std::string& path, mode_t mode) {
  std::lock_guard lock(mutex_);
  if (fails(Op::kCreate)) return -1;
  const int fd = real_.create(path, mode);
  if (fd < 0) return fd;
  struct stat st;
  if (stat_fd(fd, &st)) durable_size_[{st.st_dev, st.st_ino}] = 0;
  entries_.push_back({Entry::Kind::kAdded, path, "", ""});
  return fd;
}

ssize_t FaultyFileSystem::write(int fd, const void* data, size_t size) {
  std::lock_guard lock(mutex_);
  if (fails(Op::kWrite)) return -1;
  written(fd);  // the size before this write, for a file not created here
  const ssize_t n = real_.write(fd, data, size);
  if (n > 0) written(fd);
  return n;
}

ssize_t FaultyFileSystem::copy_range(int in, int out, size_t size) {
  std::lock_guard lock(mutex_);
  if (fails(Op::kWrite)) return -1;
  written(out);
  const ssize_t n = real_.copy_range(in, out, size);
  if (n > 0) written(out);
  return n;
}

int FaultyFileSystem::clone(int out, int in) {
  std::lock_guard lock(mutex_);
  if (fails(Op::kWrite)) return -1;
  written(out);
  const int rc = real_.clone(out, in);
  if (rc == 0) written(out);
  return rc;
}

int FaultyFileSystem::fsync(int fd) {
  std::lock_guard lock(mutex_);
  if (fails(Op::kFsync) || sync_point()) return errno = EIO, -1;
  struct stat st;
  if (stat_fd(fd, &st)) {
    const Inode key{st.st_dev, st.st_ino};
    durable_size_[key] = written_size_[key] = static_cast<uint64_t>(st.st_size);
  }
  return 0;  // the real fsync is not needed: nothing really loses power
}

int FaultyFileSystem::close(int fd) {
  std::lock_guard lock(mutex_);
  bad_fds_.erase(fd);
  // Even with the power off: a test must not leak descriptors.
  return dead_ ? (::close(fd), 0) : real_.close(fd);
}

int FaultyFileSystem::rename(const std::string& from, const std::string& to) {
  std::lock_guard lock(mutex_);
  if (fails(Op::kRename)) return -1;
  const std::string backup = keep(to);
  if (real_.rename(from, to) != 0) {
    const int err = errno;
    if (!backup.empty()) ::unlink(backup.c_str());
    errno = err;
    return -1;
  }
  entries_.push_back({Entry::Kind::kRenamed, to, from, backup});
  return 0;
}

int FaultyFileSystem::link(const std::string& from, const std::string& to) {
  std::lock_guard lock(mutex_);
  if (fails(Op::kLink)) return -1;
  if (real_.link(from, to) != 0) return -1;
  entries_.push_back({Entry::Kind::kAdded, to, "", ""});
  return 0;
}

int FaultyFileSystem::symlink(const std::string& target, const std::string& path) {
  std::lock_guard lock(mutex_);
  if (fails(Op::kLink)) return -1;
  if (real_.symlink(target, path) != 0) return -1;
  entries_.push_back({Entry::Kind::kAdded, path, "", ""});
  return 0;
}

int FaultyFileSystem::unlink(const std::string& path) {
  std::lock_guard lock(mutex_);
  if (fails(Op::kUnlink)) return -1;
  const std::string backup = keep(path);
  if (real_.unlink(path) != 0) {
    const int err = errno;
    if (!backup.empty()) ::unlink(backup.c_str());
    errno = err;
    return -1;
  }
  entries_.push_back({Entry::Kind::kRemoved, path, "", backup});
  return 0;
}

int FaultyFileSystem::remove_all(const std::string& path) {
  std::lock_guard lock(mutex_);
  if (fails(Op::kUnlink)) return -1;
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return 0;
  // Out of sight in one step, so a power cut can bring all of it back.
  const std::string backup = backup_dir_ + "/" + std::to_string(++backups_);
  if (::rename(path.c_str(), backup.c_str()) != 0) return -1;
  entries_.push_back({Entry::Kind::kRemoved, path, "", backup});
  return 0;
}

int FaultyFileSystem::exchange(const std::string& a, const std::string& b) {
  std::lock_guard lock(mutex_);
  if (fails(Op::kRename)) return -1;
  if (real_.exchange(a, b) != 0) return -1;
  entries_.push_back({Entry::Kind::kExchanged, b, a, ""});
  return 0;
}

int FaultyFileSystem::make_dir(const std::string& path, mode_t mode) {
  std::lock_guard lock(mutex_);
  if (fails(Op::kCreate)) return -1;
  if (real_.make_dir(path, mode) != 0) return -1;
  entries_.push_back({Entry::Kind::kAdded, path, "", ""});
  return 0;
}

// Modes and times are metadata no crash-safety check looks at: passed
// through while the power is on.
int FaultyFileSystem::chmod(const std::string& path, mode_t mode) {
  std::lock_guard lock(mutex_);
  return dead_ ? (errno = EIO, -1) : real_.chmod(path, mode);
}

int FaultyFileSystem::fchmod(int fd, mode_t mode) {
  std::lock_guard lock(mutex_);
  return dead_ ? (errno = EIO, -1) : real_.fchmod(fd, mode);
}

int FaultyFileSystem::touch(const std::string& path) {
  std::lock_guard lock(mutex_);
  return dead_ ? (errno = EIO, -1) : real_.touch(path);
}

int FaultyFileSystem::sync_dir(const std::string& dir) {
  std::lock_guard lock(mutex_);
  if (fails(Op::kSync) || sync_point()) return errno = EIO, -1;
  made_durable(dir);
  return 0;
}

int FaultyFileSystem::sync_all(const std::string& path) {
  std::lock_guard lock(mutex_);
  (void)path;
  if (fails(Op::kSync) || sync_point()) return errno = EIO, -1;
  made_durable("");
  durable_size_ = written_size_;
  return 0;
}

int FaultyFileSystem::sync_all_at(int dir) {
  (void)dir;
  return sync_all("");
}

void FaultyFileSystem::restarted() {
  std::lock_guard lock(mutex_);
  made_durable("");  // nothing is lost: only the bookkeeping goes
  durable_size_.clear();
  written_size_.clear();
  failures_.clear();
  dead_ = false;
  cut_at_sync_ = 0;
}

void FaultyFileSystem::power_restored() {
  std::lock_guard lock(mutex_);
  // Data first, while every file is still where the test left it: cut off
  // what was written after its last sync, under every name it has.
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root_, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st;
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    auto d = durable_size_.find({st.st_dev, st.st_ino});
    if (d != durable_size_.end() && static_cast<uint64_t>(st.st_size) > d->second) {
      ::chmod(it->path().c_str(), st.st_mode | S_IWUSR);
      ::truncate(it->path().c_str(), static_cast<off_t>(d->second));
      ::chmod(it->path().c_str(), st.st_mode);
    }
  }
  // Then the directory changes that never became durable, newest first.
  for (auto e = entries_.rbegin(); e != entries_.rend(); ++e) {
    switch (e->kind) {
      case Entry::Kind::kAdded:
        std::filesystem::remove_all(e->path, ec);
        break;
      case Entry::Kind::kRenamed:
        ::rename(e->path.c_str(), e->from.c_str());
        if (!e->backup.empty()) ::rename(e->backup.c_str(), e->path.c_str());
        break;
      case Entry::Kind::kExchanged:
        real_.exchange(e->path, e->from);
        break;
      case Entry::Kind::kRemoved:
        if (!e->backup.empty()) ::rename(e->backup.c_str(), e->path.c_str());
        break;
    }
  }
  entries_.clear();
  durable_size_.clear();
  written_size_.clear();
  failures_.clear();
  dead_ = false;
  cut_at_sync_ = 0;
}

}  // namespace pipeline::testing
