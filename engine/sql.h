// A thin layer over SQLite for the lineage store: open with WAL and a busy
// timeout, prepared statements, transactions. sqlite3 types stay in sql.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

struct sqlite3;
struct sqlite3_stmt;

namespace pipeline {

class SqlDb;

class SqlStatement {
 public:
  SqlStatement(SqlStatement&& other) noexcept;
  ~SqlStatement();
  SqlStatement& bind(int index, int64_t v);
  SqlStatement& bind(int index, double v);
  SqlStatement& bind(int index, const std::string& v);
  SqlStatement& bind_null(int index);
  // Steps once: true with a row to read, false when done. Throws on error.
  bool step();
  void reset();
  bool is_null(int col) const;
  int64_t integer(int col) const;
  double real(int col) const;
  std::string text(int col) const;

 private:
  friend class SqlDb;
  SqlStatement(SqlDb& db, sqlite3_stmt* st) : db_(&db), st_(st) {}
  SqlDb* db_;
  sqlite3_stmt* st_;
};

class SqlDb {
 public:
  // Opens (creating it when `create`) with WAL and a busy timeout, so
  // concurrent writers wait instead of failing with SQLITE_BUSY. Throws
  // Error(kIo) naming `path`.
  SqlDb(const std::string& path, bool create);
  ~SqlDb();
  SqlDb(const SqlDb&) = delete;
  SqlDb& operator=(const SqlDb&) = delete;

  void exec(const std::string& sql);
  SqlStatement prepare(const std::string& sql);
  int64_t last_insert_id() const;
  int user_version();
  [[noreturn]] void fail(const std::string& what) const;

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back unless commit() is called: a
// writer takes the write lock up front, so it never deadlocks on upgrade,
// and readers never see half a run.
class SqlTransaction {
 public:
  explicit SqlTransaction(SqlDb& db);
  ~SqlTransaction();
  void commit();

 private:
  SqlDb& db_;
  bool done_ = false;
};

}  // namespace pipeline
