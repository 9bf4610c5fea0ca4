#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>

#include "state_db.h"

using namespace pipeline;

namespace {

FileInfo file(uint64_t inode, uint64_t size, int64_t mtime) {
  FileInfo i;
  i.type = FileInfo::Type::kFile;
  i.inode = inode;
  i.size = size;
  i.mtime_ns = mtime;
  return i;
}

}  // namespace

TEST_CASE("a cached hash is served only while inode, size and mtime all match") {
  StateDb db(":memory:");
  const Digest d = Digest::of("x");
  db.record("a", file(1, 10, 100), d);
  Digest got;
  CHECK(db.lookup("a", file(1, 10, 100), &got));
  CHECK(got == d);
  CHECK_FALSE(db.lookup("a", file(2, 10, 100), &got));
  CHECK_FALSE(db.lookup("a", file(1, 11, 100), &got));
  CHECK_FALSE(db.lookup("a", file(1, 10, 101), &got));
  CHECK_FALSE(db.lookup("b", file(1, 10, 100), &got));
}

TEST_CASE("flushed entries survive reopening the database") {
  char dir[] = "/tmp/pipe-state-XXXXXX";
  REQUIRE(mkdtemp(dir));
  const std::string path = std::string(dir) + "/state.db";
  {
    StateDb db(path);
    db.record("a", file(1, 2, 3), Digest::of("a"));
    db.flush();
  }
  {
    StateDb db(path);
    Digest got;
    CHECK(db.lookup("a", file(1, 2, 3), &got));
    CHECK(got == Digest::of("a"));
  }
  std::system(("rm -rf " + std::string(dir)).c_str());
}

TEST_CASE("scan streams the flushed rows under a folder in path order, and none outside it") {
  StateDb db(":memory:");
  for (const char* p : {"data/b", "data/a", "data/sub/c", "data0/x", "dat/y", "other"})
    db.record(p, file(1, 1, 1), Digest::of(p));
  db.flush();
  std::vector<std::string> seen;
  db.scan("data", [&](std::string_view path, uint64_t, uint64_t, int64_t, const Digest& d) {
    seen.emplace_back(path);
    CHECK(d == Digest::of(path));
  });
  CHECK(seen == std::vector<std::string>{"data/a", "data/b", "data/sub/c"});
  seen.clear();
  db.scan("", [&](std::string_view path, uint64_t, uint64_t, int64_t, const Digest&) { seen.emplace_back(path); });
  CHECK(seen.size() == 6);
}

TEST_CASE("a point lookup finds flushed rows; lookup_recorded only this process's records") {
  const std::string path = "/tmp/pipe-state-point-" + std::to_string(::getpid()) + ".db";
  {
    StateDb db(path);
    db.record("f", file(7, 3, 9), Digest::of("f"));
  }
  StateDb again(path);
  Digest d;
  CHECK(again.lookup("f", file(7, 3, 9), &d));
  CHECK(d == Digest::of("f"));
  CHECK_FALSE(again.lookup_recorded("f", file(7, 3, 9), &d));
  CHECK_FALSE(again.lookup("f", file(8, 3, 9), &d));
  for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((path + suffix).c_str());
}

TEST_CASE("lookups in a batch read one snapshot, and a flush inside it still writes") {
  char dir[] = "/tmp/pipe-state-XXXXXX";
  REQUIRE(mkdtemp(dir));
  const std::string path = std::string(dir) + "/state.db";
  StateDb reader(path), writer(path);
  writer.record("a", file(1, 2, 3), Digest::of("a"));
  writer.flush();
  Digest got;
  {
    const StateDb::Batch batch(&reader);
    CHECK(reader.lookup("a", file(1, 2, 3), &got));  // takes the snapshot
    writer.record("b", file(4, 5, 6), Digest::of("b"));
    writer.flush();  // WAL: a writer is not blocked by the open read
    // One read transaction: the row written after it began is not seen (a
    // miss only costs a re-hash), where a lookup outside a batch sees it.
    CHECK_FALSE(reader.lookup("b", file(4, 5, 6), &got));
    // The reader's own flush ends the read, writes, and reads afresh.
    reader.record("c", file(7, 8, 9), Digest::of("c"));
    reader.flush();
    CHECK(reader.lookup("b", file(4, 5, 6), &got));
  }
  CHECK(writer.lookup("c", file(7, 8, 9), &got));
  CHECK(got == Digest::of("c"));
  // After the batch, every lookup sees the latest rows again.
  writer.record("d", file(1, 1, 1), Digest::of("d"));
  writer.flush();
  CHECK(reader.lookup("d", file(1, 1, 1), &got));
  std::filesystem::remove_all(dir);
}

TEST_CASE("DVC's md5 maps to pipe's digest both ways, per hash kind, and survives a reopen") {
  char dir[] = "/tmp/pipe-state-XXXXXX";
  REQUIRE(mkdtemp(dir));
  const std::string path = std::string(dir) + "/state.db";
  const std::string md5 = "acbd18db4cc2f85cedef654fccc4a4d8";
  {
    StateDb db(path);
    Digest got;
    CHECK_FALSE(db.lookup_md5(false, md5, &got));
    db.record_md5(false, md5, Digest::of("foo"));
    db.record_md5(true, md5 + ".dir", Digest::of("dir"));
    REQUIRE(db.lookup_md5(false, md5, &got));  // queued, before the flush
    CHECK(got == Digest::of("foo"));
    CHECK_FALSE(db.lookup_md5(true, md5, &got));  // md5-dos2unix is another name space
    std::string back;
    REQUIRE(db.md5_of(false, Digest::of("foo"), &back));
    CHECK(back == md5);
    CHECK_FALSE(db.md5_of(true, Digest::of("dir"), &back));  // directories are not asked for by digest
    db.flush();
  }
  StateDb again(path);
  Digest got;
  REQUIRE(again.lookup_md5(true, md5 + ".dir", &got));
  CHECK(got == Digest::of("dir"));
  std::string back;
  REQUIRE(again.md5_of(false, Digest::of("foo"), &back));
  CHECK(back == md5);
  std::filesystem::remove_all(dir);
}
