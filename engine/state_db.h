// The file-hash cache (.pipe/state.db): path -> (inode, size, mtime_ns, hash),
// so an unchanged file is stat'ed, never re-read. SQLite stays in state_db.cpp.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "digest.h"
#include "disk.h"

struct sqlite3;
struct sqlite3_stmt;

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
  // What was recorded in this process only (not yet flushed), for callers
  // that read the database themselves with scan().
  bool lookup_recorded(const std::string& path, const FileInfo& info, Digest* digest);
  // Every cached row for a path under `dir` ("" for all), in path order
  // (bytewise), streamed from the database: a directory of a million files
  // is checked without holding a million rows.
  using RowFn = std::function<void(std::string_view path, uint64_t inode, uint64_t size, int64_t mtime_ns,
                                   const Digest& digest)>;
  void scan(const std::string& dir, const RowFn& row);
  // Queued in memory; written by flush() in one transaction.
  void record(const std::string& path, const FileInfo& info, const Digest& digest);
  void flush();

  // DVC's name for some content (its md5 as DVC writes it, ".dir" for a
  // directory; `dos2unix` for DVC 2's text-normalized md5) -> pipe's digest
  // of the same content. Learnt only where pipe hashed the content both
  // ways (import-dvc, a pull from a DVC remote), so a pending lock entry
  // can be resolved and a second pull asks for nothing it has. Recorded
  // entries are queued and written by flush(), as hashes are.
  bool lookup_md5(bool dos2unix, const std::string& md5, Digest* digest);
  void record_md5(bool dos2unix, const std::string& md5, const Digest& digest);
  // The other way: DVC's md5 of a file pipe knows by `digest`.
  bool md5_of(bool dos2unix, const Digest& digest, std::string* md5);

  // Lookups and scans while one is alive share one read transaction. In
  // WAL mode a statement outside a transaction takes and drops SQLite's
  // shared-memory read lock and snapshot each time: two fcntl calls per
  // lookup, 1,700 of them in a no-op status of 660 stages. Nests; flush()
  // inside one ends the read and the next lookup starts a fresh one.
  class Batch {
   public:
    explicit Batch(StateDb* db);
    ~Batch();
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;

   private:
    StateDb* db_;
  };

 private:
  void begin_read();  // with mutex_ held
  void end_read();    // with mutex_ held

  struct Entry {
    uint64_t inode;
    uint64_t size;
    int64_t mtime_ns;
    Digest digest;
  };
  static bool matches(const Entry& e, const FileInfo& info) {
    return e.inode == info.inode && e.size == info.size && e.mtime_ns == info.mtime_ns;
  }

  sqlite3* db_ = nullptr;
  sqlite3_stmt* point_ = nullptr;  // SELECT by path, prepared once
  sqlite3_stmt* scan_all_ = nullptr;
  sqlite3_stmt* scan_range_ = nullptr;
  std::mutex mutex_;
  int batches_ = 0;       // live Batch objects
  bool reading_ = false;  // a read transaction is open
  bool wal_ = false;      // the database is in WAL mode
  // Recorded in this process, keyed by 64 bits of the path's XXH3: two
  // paths sharing a key would also have to agree on inode, size and mtime
  // for a wrong digest to come back.
  std::unordered_map<uint64_t, Entry> recorded_;
  std::vector<std::pair<std::string, Entry>> dirty_;
  sqlite3_stmt* md5_point_ = nullptr;
  sqlite3_stmt* md5_reverse_ = nullptr;
  std::map<std::pair<bool, std::string>, Digest> md5_dirty_;
  std::map<std::pair<bool, Digest>, std::string> md5_dirty_files_;  // the same for files, by digest
};

}  // namespace pipeline
