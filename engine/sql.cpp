#include "sql.h"

#include <sqlite3.h>

#include "error.h"

namespace pipeline {

SqlDb::SqlDb(const std::string& path, bool create) : path_(path) {
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error(Exit::kIo, "cannot open " + path + ": " + msg + " (check the directory's permissions and free space)");
  }
  sqlite3_busy_timeout(db_, 30000);
  try {
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=FULL");  // a record, not a cache: survive power loss
    exec("PRAGMA foreign_keys=ON");
  } catch (...) {
    // A damaged file: the destructor will not run for a half-made object.
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

SqlDb::~SqlDb() { sqlite3_close(db_); }

void SqlDb::fail(const std::string& what) const {
  const int code = sqlite3_errcode(db_) & 0xff;  // read before anything else touches db_
  std::string msg = path_ + ": " + what + ": " + sqlite3_errmsg(db_);
  if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
    msg += " (the file is damaged: restore it from a backup, or move it aside and pipe starts a new one; "
           "'pipe audit verify' checks a restored copy)";
  throw Error(Exit::kIo, msg);
}

void SqlDb::exec(const std::string& sql) {
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) fail("cannot run '" + sql.substr(0, 60) + "'");
}

SqlStatement SqlDb::prepare(const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) fail("cannot prepare '" + sql.substr(0, 60) + "'");
  return SqlStatement(*this, st);
}

int64_t SqlDb::last_insert_id() const { return sqlite3_last_insert_rowid(db_); }

int SqlDb::user_version() {
  SqlStatement st = prepare("PRAGMA user_version");
  return st.step() ? static_cast<int>(st.integer(0)) : 0;
}

SqlStatement::SqlStatement(SqlStatement&& other) noexcept : db_(other.db_), st_(other.st_) { other.st_ = nullptr; }

SqlStatement::~SqlStatement() { sqlite3_finalize(st_); }

SqlStatement& SqlStatement::bind(int index, int64_t v) {
  sqlite3_bind_int64(st_, index, v);
  return *this;
}

SqlStatement& SqlStatement::bind(int index, double v) {
  sqlite3_bind_double(st_, index, v);
  return *this;
}

SqlStatement& SqlStatement::bind(int index, const std::string& v) {
  sqlite3_bind_text(st_, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

SqlStatement& SqlStatement::bind_null(int index) {
  sqlite3_bind_null(st_, index);
  return *this;
}

bool SqlStatement::step() {
  const int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_->fail("statement failed");
}

void SqlStatement::reset() {
  sqlite3_reset(st_);
  sqlite3_clear_bindings(st_);
}

bool SqlStatement::is_null(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
int64_t SqlStatement::integer(int col) const { return sqlite3_column_int64(st_, col); }
double SqlStatement::real(int col) const { return sqlite3_column_double(st_, col); }
std::string SqlStatement::text(int col) const {
  const unsigned char* t = sqlite3_column_text(st_, col);
  return t ? std::string(reinterpret_cast<const char*>(t), static_cast<size_t>(sqlite3_column_bytes(st_, col))) : "";
}

SqlTransaction::SqlTransaction(SqlDb& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

SqlTransaction::~SqlTransaction() {
  if (!done_) {
    try {
      db_.exec("ROLLBACK");
    } catch (...) {
    }
  }
}

void SqlTransaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace pipeline
