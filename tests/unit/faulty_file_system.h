// A FileSystem over the real one that fails chosen calls and can cut the
// power, as leveldb's fault-injection Env does. Crash safety depends on
// what reaches the disk before a sync; SIGKILL cannot test that (the page
// cache survives it), a power cut here can.
//
// The model, per POSIX and ext4 with default options:
// - a file's data is durable up to the size it had at its last fsync, or
//   at a sync_all of its filesystem;
// - a new directory entry (create, link, symlink, mkdir, rename target,
//   removal) is durable once its directory is synced, or at sync_all.
// After cut_power(), every call fails with EIO and does nothing, as if the
// machine were off; power_restored() then rolls the files back to what was
// durable: data past the durable size is cut off, undurable entries are
// undone, newest first (an overwritten or removed file comes back from a
// hard link kept in `backup_dir`).
#pragma once

#include <sys/types.h>

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "file_system.h"

namespace pipeline::testing {

class FaultyFileSystem : public FileSystem {
 public:
  // `root`: the directory tree the test writes in; `backup_dir` (made
  // here) must be on the same filesystem.
  FaultyFileSystem(std::string root, std::string backup_dir);

  // kOpen: open_read and open_dir; kRead: read, pread and each 64 KiB a
  // hash reads (listing a directory is not counted: fail its open_dir);
  // the others are writes.
  enum class Op { kCreate, kWrite, kFsync, kRename, kLink, kUnlink, kSync, kOpen, kRead };
  // The `n`th call (from 1) of `op` from now fails with `err` and does nothing.
  void fail_nth(Op op, int n, int err);
  // The process dies at the `n`th call of `op`: it and every later call
  // fail and do nothing. restarted() then keeps what was written (the page
  // cache survives a crash); power_restored() rolls back as for a power cut.
  void crash_at(Op op, int n) { fail_nth(op, n, kCrash); }
  // Every read of the file at `path` fails with `err` from now, though it
  // opens: a bad sector, say.
  void fail_reads_of(const std::string& path, int err) {
    std::lock_guard lock(mutex_);
    bad_reads_[path] = err;
  }
  // Opening the file or directory at `path` fails with `err` from now.
  void fail_opens_of(const std::string& path, int err) {
    std::lock_guard lock(mutex_);
    bad_opens_[path] = err;
  }
  void restarted();
  // The `n`th sync point from now (fsync, sync_dir or sync_all) never
  // happens: the power goes instead.
  void cut_power_at_sync(int n) {
    std::lock_guard lock(mutex_);
    cut_at_sync_ = syncs_ + n;
  }
  void cut_power() {
    std::lock_guard lock(mutex_);
    dead_ = true;
  }
  bool dead() {
    std::lock_guard lock(mutex_);
    return dead_;
  }
  // Rolls back what was not durable, and turns the power back on.
  void power_restored();

  int open_read(const std::string& path) override;
  int open_dir(const std::string& path) override;
  ssize_t read(int fd, void* data, size_t size) override;
  ssize_t pread(int fd, void* data, size_t size, off_t offset) override;
  bool hash(int fd, Digest* digest, uint64_t* size) override;
  int stat(const std::string& path, struct stat* st) override;
  int lstat(const std::string& path, struct stat* st) override;
  int fstat(int fd, struct stat* st) override;
  int stat_at(int dir, const char* name, struct stat* st) override;
  int list_dir(int dir, const EntryFn& fn) override;
  int read_link(const std::string& path, std::string* target) override;
  int real_path(const std::string& path, std::string* resolved) override;
  int create(const std::string& path, mode_t mode) override;
  ssize_t write(int fd, const void* data, size_t size) override;
  ssize_t copy_range(int in, int out, size_t size) override;
  int clone(int out, int in) override;
  int fsync(int fd) override;
  int close(int fd) override;
  int rename(const std::string& from, const std::string& to) override;
  int link(const std::string& from, const std::string& to) override;
  int symlink(const std::string& target, const std::string& path) override;
  int unlink(const std::string& path) override;
  int remove_all(const std::string& path) override;
  int exchange(const std::string& a, const std::string& b) override;
  int make_dir(const std::string& path, mode_t mode) override;
  int chmod(const std::string& path, mode_t mode) override;
  int fchmod(int fd, mode_t mode) override;
  int touch(const std::string& path) override;
  int sync_dir(const std::string& dir) override;
  int sync_all(const std::string& path) override;
  int sync_all_at(int dir) override;

 private:
  static constexpr int kCrash = -1;
  using Inode = std::pair<dev_t, ino_t>;
  struct Entry {  // a directory change not yet durable
    enum class Kind { kAdded, kRenamed, kRemoved, kExchanged } kind;
    std::string path;    // the name it made or removed (rename: the new name)
    std::string from;    // rename: the old name; exchange: the other name
    std::string backup;  // what was at `path` before, kept as a hard link
  };
  // True when this call must fail (errno set), counting it.
  bool fails(Op op);
  bool sync_point();  // true when the power goes at this one
  void written(int fd);
  std::string keep(const std::string& path);  // hard link for a rollback; "" if none
  void made_durable(const std::string& dir);  // "" means everything

  // The transfer engine writes from several threads.
  std::recursive_mutex mutex_;
  FileSystem& real_;
  std::string root_, backup_dir_;
  std::map<Op, std::pair<int, int>> failures_;  // op -> (calls left until it fails, errno)
  int syncs_ = 0, cut_at_sync_ = 0, backups_ = 0;
  bool dead_ = false;
  std::map<Inode, uint64_t> durable_size_, written_size_;
  std::map<std::string, int> bad_reads_, bad_opens_;  // path -> errno
  bool open_fails(const std::string& path);  // a failure from fail_nth or fail_opens_of
  std::map<int, int> bad_fds_;            // open fd of such a path -> errno
  bool read_fails(int fd);                // a failure from fail_nth or fail_reads_of
  std::vector<Entry> entries_;
};

}  // namespace pipeline::testing
