// The file-hash cache (.pipe/state.db): path -> (inode, size, mtime_ns, hash),
// so an unchanged file is stat'ed, never re-read. SQLite stays in state_db.cpp.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "digest.h"
#include "disk.h"

struct sqlite3;

namespace pipeline {

class StateDb {
 public:
  // Opens or creates the database at `path` (":memory:" for tests). A
  // database that cannot be opened only costs speed: lookups then miss.
  explicit StateDb(const std::string& path);
  ~StateDb();
  StateDb(const StateDb&) = delete;
  StateDb& operator=(const StateDb&) = delete;

  // The cached digest when path, inode, size and mtime all still match.
  bool lookup(const std::string& path, const FileInfo& info, Digest* digest);
  // Queued in memory; written by flush() in one transaction.
  void record(const std::string& path, const FileInfo& info, const Digest& digest);
  void flush();

 private:
  struct Entry {
    uint64_t inode;
    uint64_t size;
    int64_t mtime_ns;
    Digest digest;
  };
  void load();
  const Entry* find(uint64_t key) const;

  sqlite3* db_ = nullptr;
  bool loaded_ = false;
  std::mutex mutex_;
  // Every row, keyed by 64 bits of the path's XXH3 and sorted: 48 bytes a
  // file, where a map of path strings took about three times that (a
  // million files). Two paths sharing a key would also have to agree on
  // inode, size and mtime for a wrong digest to come back.
  std::vector<std::pair<uint64_t, Entry>> loaded_rows_;
  std::unordered_map<uint64_t, Entry> recorded_;  // since the load
  std::vector<std::pair<std::string, Entry>> dirty_;
};

}  // namespace pipeline
