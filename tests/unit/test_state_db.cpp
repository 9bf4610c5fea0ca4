#include <doctest/doctest.h>
#include <unistd.h>

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
