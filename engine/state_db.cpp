#include "state_db.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <string_view>

namespace pipeline {
namespace {

constexpr int kSchemaVersion = 2;

bool exec(sqlite3* db, const char* sql) {
  return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
}

uint64_t key_of(std::string_view path) { return Digest::of(path).low(); }

}  // namespace

StateDb::StateDb(const std::string& path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    sqlite3_close(db_);
    db_ = nullptr;
    return;
  }
  sqlite3_busy_timeout(db_, 10000);
  exec(db_, "PRAGMA journal_mode=WAL");
  exec(db_, "PRAGMA synchronous=NORMAL");
  sqlite3_stmt* st = nullptr;
  int version = 0;
  if (sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    version = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  if (version != kSchemaVersion) {
    // A cache, not a record: an unknown version is simply rebuilt.
    exec(db_, "DROP TABLE IF EXISTS file_hash");
    // Digests as 16-byte blobs and no rowid: loading 100k rows is on the
    // path of every no-op status (docs/benchmarks.md).
    exec(db_,
         "CREATE TABLE file_hash (path TEXT PRIMARY KEY, inode INTEGER NOT NULL,"
         " size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, digest BLOB NOT NULL) WITHOUT ROWID");
    exec(db_, ("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
  }
}

StateDb::~StateDb() {
  flush();
  sqlite3_close(db_);
}

void StateDb::load() {
  loaded_ = true;
  if (!db_) return;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT path, inode, size, mtime_ns, digest FROM file_hash", -1, &st, nullptr) !=
      SQLITE_OK)
    return;
  while (sqlite3_step(st) == SQLITE_ROW) {
    Entry e;
    if (sqlite3_column_bytes(st, 4) != 16) continue;
    e.digest = Digest::from_bytes(static_cast<const unsigned char*>(sqlite3_column_blob(st, 4)));
    e.inode = static_cast<uint64_t>(sqlite3_column_int64(st, 1));
    e.size = static_cast<uint64_t>(sqlite3_column_int64(st, 2));
    e.mtime_ns = sqlite3_column_int64(st, 3);
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    loaded_rows_.emplace_back(key_of({text, static_cast<size_t>(sqlite3_column_bytes(st, 0))}), e);
  }
  sqlite3_finalize(st);
  std::sort(loaded_rows_.begin(), loaded_rows_.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  loaded_rows_.shrink_to_fit();
}

const StateDb::Entry* StateDb::find(uint64_t key) const {
  if (auto it = recorded_.find(key); it != recorded_.end()) return &it->second;
  auto it = std::lower_bound(loaded_rows_.begin(), loaded_rows_.end(), key,
                             [](const auto& row, uint64_t k) { return row.first < k; });
  return it != loaded_rows_.end() && it->first == key ? &it->second : nullptr;
}

bool StateDb::lookup(const std::string& path, const FileInfo& info, Digest* digest) {
  std::lock_guard lock(mutex_);
  if (!loaded_) load();
  const Entry* found = find(key_of(path));
  if (!found) return false;
  const Entry& e = *found;
  if (e.inode != info.inode || e.size != info.size || e.mtime_ns != info.mtime_ns) return false;
  *digest = e.digest;
  return true;
}

void StateDb::record(const std::string& path, const FileInfo& info, const Digest& digest) {
  std::lock_guard lock(mutex_);
  if (!loaded_) load();
  const Entry e{info.inode, info.size, info.mtime_ns, digest};
  recorded_[key_of(path)] = e;
  dirty_.emplace_back(path, e);
}

void StateDb::flush() {
  std::lock_guard lock(mutex_);
  if (!db_ || dirty_.empty()) return;
  if (!exec(db_, "BEGIN IMMEDIATE")) return;  // busy past the timeout: keep for next flush
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO file_hash VALUES (?, ?, ?, ?, ?)", -1, &st, nullptr);
  for (const auto& [path, e] : dirty_) {
    unsigned char bytes[16];
    e.digest.to_bytes(bytes);
    sqlite3_bind_text(st, 1, path.c_str(), static_cast<int>(path.size()), SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, static_cast<sqlite3_int64>(e.inode));
    sqlite3_bind_int64(st, 3, static_cast<sqlite3_int64>(e.size));
    sqlite3_bind_int64(st, 4, e.mtime_ns);
    sqlite3_bind_blob(st, 5, bytes, 16, SQLITE_STATIC);
    sqlite3_step(st);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  if (exec(db_, "COMMIT")) dirty_.clear();
  else exec(db_, "ROLLBACK");
}

}  // namespace pipeline
