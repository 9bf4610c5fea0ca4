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
  // Batch reads share one transaction only in WAL mode, where readers and
  // the writer do not block each other; elsewhere (some network or FUSE
  // filesystems refuse WAL) a long read would hold off every flush.
  sqlite3_stmt* mode = nullptr;
  if (sqlite3_prepare_v2(db_, "PRAGMA journal_mode=WAL", -1, &mode, nullptr) == SQLITE_OK &&
      sqlite3_step(mode) == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(mode, 0));
    wal_ = text && std::string(text) == "wal";
  }
  sqlite3_finalize(mode);
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
  exec(db_,
       "CREATE TABLE IF NOT EXISTS dvc_md5 (dos2unix INTEGER NOT NULL, md5 TEXT NOT NULL, digest BLOB NOT NULL,"
       " PRIMARY KEY (dos2unix, md5)) WITHOUT ROWID");
  exec(db_, "CREATE INDEX IF NOT EXISTS dvc_md5_by_digest ON dvc_md5 (dos2unix, digest)");
}

StateDb::~StateDb() {
  flush();
  end_read();
  sqlite3_finalize(point_);
  sqlite3_finalize(md5_point_);
  sqlite3_finalize(md5_reverse_);
  sqlite3_finalize(scan_all_);
  sqlite3_finalize(scan_range_);
  sqlite3_close(db_);
}

bool StateDb::lookup_recorded(const std::string& path, const FileInfo& info, Digest* digest) {
  std::lock_guard lock(mutex_);
  auto it = recorded_.find(key_of(path));
  if (it == recorded_.end() || !matches(it->second, info)) return false;
  *digest = it->second.digest;
  return true;
}

StateDb::Batch::Batch(StateDb* db) : db_(db) {
  if (!db_) return;
  std::lock_guard lock(db_->mutex_);
  ++db_->batches_;
}

StateDb::Batch::~Batch() {
  if (!db_) return;
  std::lock_guard lock(db_->mutex_);
  if (--db_->batches_ == 0) db_->end_read();
}

void StateDb::begin_read() {
  // Deferred: the snapshot is taken by the first SELECT.
  if (batches_ > 0 && !reading_ && db_ && wal_) reading_ = exec(db_, "BEGIN");
}

void StateDb::end_read() {
  if (!reading_) return;
  reading_ = false;
  if (!exec(db_, "COMMIT")) exec(db_, "ROLLBACK");
}

bool StateDb::lookup(const std::string& path, const FileInfo& info, Digest* digest) {
  if (lookup_recorded(path, info, digest)) return true;
  std::lock_guard lock(mutex_);
  if (!db_) return false;
  begin_read();
  if (!point_ &&
      sqlite3_prepare_v2(db_, "SELECT inode, size, mtime_ns, digest FROM file_hash WHERE path = ?", -1, &point_,
                         nullptr) != SQLITE_OK)
    return false;
  sqlite3_reset(point_);
  sqlite3_bind_text(point_, 1, path.c_str(), static_cast<int>(path.size()), SQLITE_STATIC);
  bool hit = false;
  if (sqlite3_step(point_) == SQLITE_ROW && sqlite3_column_bytes(point_, 3) == 16) {
    const Entry e{static_cast<uint64_t>(sqlite3_column_int64(point_, 0)),
                  static_cast<uint64_t>(sqlite3_column_int64(point_, 1)), sqlite3_column_int64(point_, 2),
                  Digest::from_bytes(static_cast<const unsigned char*>(sqlite3_column_blob(point_, 3)))};
    if ((hit = matches(e, info))) *digest = e.digest;
  }
  sqlite3_reset(point_);
  return hit;
}

void StateDb::scan(const std::string& dir, const RowFn& row) {
  std::lock_guard lock(mutex_);
  if (!db_) return;
  begin_read();
  // Paths under "d" sort between "d/" and "d0" ('0' follows '/').
  const char* sql = dir.empty() ? "SELECT path, inode, size, mtime_ns, digest FROM file_hash ORDER BY path"
                                : "SELECT path, inode, size, mtime_ns, digest FROM file_hash "
                                  "WHERE path > ?1 AND path < ?2 ORDER BY path";
  // Prepared once per command: a status checks hundreds of directories.
  sqlite3_stmt*& st = dir.empty() ? scan_all_ : scan_range_;
  if (!st && sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK) return;
  sqlite3_reset(st);
  const std::string low = dir + "/", high = dir + "0";
  if (!dir.empty()) {
    sqlite3_bind_text(st, 1, low.c_str(), static_cast<int>(low.size()), SQLITE_STATIC);
    sqlite3_bind_text(st, 2, high.c_str(), static_cast<int>(high.size()), SQLITE_STATIC);
  }
  while (sqlite3_step(st) == SQLITE_ROW) {
    if (sqlite3_column_bytes(st, 4) != 16) continue;
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    row({text, static_cast<size_t>(sqlite3_column_bytes(st, 0))}, static_cast<uint64_t>(sqlite3_column_int64(st, 1)),
        static_cast<uint64_t>(sqlite3_column_int64(st, 2)), sqlite3_column_int64(st, 3),
        Digest::from_bytes(static_cast<const unsigned char*>(sqlite3_column_blob(st, 4))));
  }
  sqlite3_reset(st);
}

void StateDb::record(const std::string& path, const FileInfo& info, const Digest& digest) {
  std::lock_guard lock(mutex_);
  const Entry e{info.inode, info.size, info.mtime_ns, digest};
  recorded_[key_of(path)] = e;
  dirty_.emplace_back(path, e);
}

bool StateDb::lookup_md5(bool dos2unix, const std::string& md5, Digest* digest) {
  std::lock_guard lock(mutex_);
  auto queued = md5_dirty_.find({dos2unix, md5});
  if (queued != md5_dirty_.end()) return *digest = queued->second, true;
  if (!db_) return false;
  begin_read();
  if (!md5_point_ && sqlite3_prepare_v2(db_, "SELECT digest FROM dvc_md5 WHERE dos2unix = ? AND md5 = ?", -1,
                                        &md5_point_, nullptr) != SQLITE_OK)
    return false;
  sqlite3_reset(md5_point_);
  sqlite3_bind_int(md5_point_, 1, dos2unix ? 1 : 0);
  sqlite3_bind_text(md5_point_, 2, md5.c_str(), static_cast<int>(md5.size()), SQLITE_STATIC);
  bool hit = false;
  if (sqlite3_step(md5_point_) == SQLITE_ROW && sqlite3_column_bytes(md5_point_, 0) == 16) {
    *digest = Digest::from_bytes(static_cast<const unsigned char*>(sqlite3_column_blob(md5_point_, 0)));
    hit = true;
  }
  sqlite3_reset(md5_point_);
  return hit;
}

bool StateDb::md5_of(bool dos2unix, const Digest& digest, std::string* md5) {
  std::lock_guard lock(mutex_);
  // Directory names end in ".dir": only a file's md5 is asked for here.
  auto queued = md5_dirty_files_.find({dos2unix, digest});
  if (queued != md5_dirty_files_.end()) return *md5 = queued->second, true;
  if (!db_) return false;
  begin_read();
  if (!md5_reverse_ &&
      sqlite3_prepare_v2(db_, "SELECT md5 FROM dvc_md5 WHERE dos2unix = ? AND digest = ? AND length(md5) = 32", -1,
                         &md5_reverse_, nullptr) != SQLITE_OK)
    return false;
  unsigned char bytes[16];
  digest.to_bytes(bytes);
  sqlite3_reset(md5_reverse_);
  sqlite3_bind_int(md5_reverse_, 1, dos2unix ? 1 : 0);
  sqlite3_bind_blob(md5_reverse_, 2, bytes, 16, SQLITE_STATIC);
  bool hit = false;
  if (sqlite3_step(md5_reverse_) == SQLITE_ROW) {
    *md5 = reinterpret_cast<const char*>(sqlite3_column_text(md5_reverse_, 0));
    hit = true;
  }
  sqlite3_reset(md5_reverse_);
  return hit;
}

void StateDb::record_md5(bool dos2unix, const std::string& md5, const Digest& digest) {
  std::lock_guard lock(mutex_);
  md5_dirty_[{dos2unix, md5}] = digest;
  if (md5.size() == 32) md5_dirty_files_[{dos2unix, digest}] = md5;
}

void StateDb::flush() {
  std::lock_guard lock(mutex_);
  if (!db_ || (dirty_.empty() && md5_dirty_.empty())) return;
  end_read();  // a read transaction cannot become a write one without a busy wait
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
  st = nullptr;
  sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO dvc_md5 VALUES (?, ?, ?)", -1, &st, nullptr);
  for (const auto& [key, digest] : md5_dirty_) {
    unsigned char bytes[16];
    digest.to_bytes(bytes);
    sqlite3_bind_int(st, 1, key.first ? 1 : 0);
    sqlite3_bind_text(st, 2, key.second.c_str(), static_cast<int>(key.second.size()), SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, bytes, 16, SQLITE_STATIC);
    sqlite3_step(st);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  if (exec(db_, "COMMIT")) {
    dirty_.clear();
    md5_dirty_.clear();
    md5_dirty_files_.clear();
  } else {
    exec(db_, "ROLLBACK");
  }
}

}  // namespace pipeline
