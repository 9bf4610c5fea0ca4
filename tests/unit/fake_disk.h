// An in-memory Disk with a clock the test controls, counting the reads the
// engine makes, so tests can assert "this was stat'ed, not read".
#pragma once

#include <cerrno>

#include <map>
#include <set>
#include <string>

#include "digest.h"
#include "disk.h"
#include "error.h"
#include "paths.h"

namespace pipeline::testing {

class FakeDisk : public Disk {
 public:
  struct File {
    std::string data;
    int64_t mtime_ns;
    uint64_t inode;
  };

  void write(const std::string& path, const std::string& data) {
    files_[path] = File{data, clock_ns, next_inode_++};
    for (std::string p = parent_path(path); !p.empty(); p = parent_path(p)) dirs_.insert(p);
  }
  // Same bytes, new mtime: what `touch` does.
  void touch(const std::string& path) { files_.at(path).mtime_ns = clock_ns; }
  void tick(int64_t seconds) { clock_ns += seconds * 1'000'000'000; }
  bool has(const std::string& path) const { return files_.count(path) > 0; }
  const std::string& content(const std::string& path) const { return files_.at(path).data; }
  void add_escaping_link(const std::string& path) { escaping_.insert(path); }

  FileInfo stat(const std::string& path) override {
    ++stats;
    FileInfo info;
    if (auto it = files_.find(path); it != files_.end()) {
      info.type = FileInfo::Type::kFile;
      info.size = it->second.data.size();
      info.mtime_ns = it->second.mtime_ns;
      info.inode = it->second.inode;
    } else if (path.empty() || dirs_.count(path)) {
      info.type = FileInfo::Type::kDir;
    }
    return info;
  }

  std::vector<DirEntry> list(const std::string& dir) override {
    std::vector<DirEntry> out;
    std::set<std::string> seen;
    const std::string prefix = dir.empty() ? "" : dir + "/";
    auto consider = [&](const std::string& path) {
      if (path.compare(0, prefix.size(), prefix) != 0 || path.size() == prefix.size()) return;
      const std::string rest = path.substr(prefix.size());
      const std::string name = rest.substr(0, rest.find('/'));
      if (seen.insert(name).second) out.push_back({name, stat(prefix + name)});
    };
    for (const auto& [path, f] : files_) consider(path);
    for (const auto& d : dirs_) consider(d);
    return out;
  }

  bool hash_file(const std::string& path, Digest* digest, uint64_t* size) override {
    auto it = files_.find(path);
    if (it == files_.end()) return false;
    ++reads;
    *digest = Digest::of(it->second.data);
    *size = it->second.data.size();
    return true;
  }

  bool read_chunks(const std::string& path, const ChunkFn& chunk) override {
    auto it = files_.find(path);
    if (it == files_.end()) return errno = ENOENT, false;
    ++reads;
    // Small pieces, so a reader that assumes one piece is caught.
    const std::string& data = it->second.data;
    for (size_t i = 0; i < data.size(); i += 5) chunk(data.data() + i, std::min<size_t>(5, data.size() - i));
    return true;
  }

  bool read(const std::string& path, std::string* out) override {
    auto it = files_.find(path);
    if (it == files_.end()) return false;
    *out = it->second.data;
    return true;
  }

  void write_atomic(const std::string& path, const std::string& data) override {
    ++atomic_writes;
    write(path, data);
  }

  void remove_all(const std::string& path) override {
    for (auto it = files_.begin(); it != files_.end();)
      it = path_within(path, it->first) ? files_.erase(it) : std::next(it);
    for (auto it = dirs_.begin(); it != dirs_.end();)
      it = path_within(path, *it) ? dirs_.erase(it) : std::next(it);
  }

  void make_dirs(const std::string& path) override {
    for (std::string p = path; !p.empty(); p = parent_path(p)) dirs_.insert(p);
  }

  bool resolves_inside_root(const std::string& path) override {
    for (const auto& link : escaping_)
      if (path_within(link, path)) return false;
    return true;
  }

  int64_t now_ns() override { return clock_ns; }

  int64_t clock_ns = 1'700'000'000'000'000'000;
  int stats = 0;
  int reads = 0;
  int atomic_writes = 0;

 private:
  std::map<std::string, File> files_;
  std::set<std::string> dirs_;
  std::set<std::string> escaping_;
  uint64_t next_inode_ = 1;
};

}  // namespace pipeline::testing
