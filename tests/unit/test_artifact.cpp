#include <doctest/doctest.h>

#include <cstdlib>
#include <map>

#include "artifact.h"
#include "error.h"
#include "fake_disk.h"
#include "faulty_file_system.h"
#include "state_db.h"
#include "temp_project.h"

using namespace pipeline;
using pipeline::testing::FakeDisk;

TEST_CASE("a file's digest is XXH3-128 of its bytes") {
  FakeDisk disk;
  disk.write("f", "hello");
  ArtifactHasher h(disk, nullptr);
  CHECK(h.hash("f").digest == Digest::of("hello"));
  CHECK(h.hash("f").size == 5);
  CHECK_FALSE(h.hash("missing").exists);
}

TEST_CASE("a directory's digest is the hash of its sorted xxhsum-style manifest") {
  FakeDisk disk;
  disk.write("d/b.txt", "B");
  disk.write("d/a/z.txt", "Z");
  ArtifactHasher h(disk, nullptr);
  const ArtifactInfo& a = h.hash("d");
  CHECK(a.is_dir);
  CHECK(a.nfiles == 2);
  CHECK(a.size == 2);
  const std::string manifest = Digest::of("Z").hex() + "  a/z.txt\n" + Digest::of("B").hex() + "  b.txt\n";
  CHECK(a.digest == Digest::of(manifest));
}

TEST_CASE("a directory's digest changes with a file's content or name") {
  FakeDisk disk;
  disk.write("d/x", "1");
  const Digest before = ArtifactHasher(disk, nullptr).hash("d").digest;
  disk.write("d/x", "2");
  const Digest modified = ArtifactHasher(disk, nullptr).hash("d").digest;
  CHECK(before != modified);
  disk.remove_all("d/x");
  disk.write("d/y", "2");
  CHECK(ArtifactHasher(disk, nullptr).hash("d").digest != modified);
}

TEST_CASE("with the state cache an unchanged file is stat'ed, not read") {
  FakeDisk disk;
  disk.write("big", "data");
  disk.tick(10);  // older than the timestamp granularity
  StateDb db(":memory:");
  ArtifactHasher(disk, &db).hash("big");
  CHECK(disk.reads == 1);
  ArtifactHasher(disk, &db).hash("big");
  CHECK(disk.reads == 1);
  disk.write("big", "DATA");  // new inode and mtime
  disk.tick(10);
  CHECK(ArtifactHasher(disk, &db).hash("big").digest == Digest::of("DATA"));
  CHECK(disk.reads == 2);
}

TEST_CASE("a file modified within the timestamp granularity is not cached") {
  FakeDisk disk;
  disk.write("fresh", "v1");
  StateDb db(":memory:");
  ArtifactHasher(disk, &db).hash("fresh");
  ArtifactHasher(disk, &db).hash("fresh");
  CHECK(disk.reads == 2);
}

TEST_CASE("forget drops memoized results for a path, its contents and its parents") {
  FakeDisk disk;
  disk.write("d/x", "1");
  ArtifactHasher h(disk, nullptr);
  const Digest before = h.hash("d").digest;
  disk.write("d/x", "2");
  CHECK(h.hash("d").digest == before);  // memoized
  h.forget("d/x");
  CHECK(h.hash("d").digest != before);
}

TEST_CASE("a symlink loop inside a directory is an error, not an endless walk") {
  char dir[] = "/tmp/pipe-loop-XXXXXX";
  REQUIRE(mkdtemp(dir));
  const std::string root = dir;
  REQUIRE(std::system(("mkdir -p " + root + "/d && echo x > " + root + "/d/f && ln -s .. " + root + "/d/loop").c_str()) == 0);
  auto disk = make_real_disk(root);
  ArtifactHasher h(*disk, nullptr);
  CHECK_THROWS_WITH_AS(h.hash("d"), doctest::Contains("symlink loop"), Error);
  std::system(("rm -rf " + root).c_str());
}

TEST_CASE("a symlink to a directory elsewhere in the project is followed") {
  char dir[] = "/tmp/pipe-link-XXXXXX";
  REQUIRE(mkdtemp(dir));
  const std::string root = dir;
  REQUIRE(std::system(("mkdir -p " + root + "/d " + root + "/other && echo x > " + root + "/other/f && ln -s ../other " +
                       root + "/d/l").c_str()) == 0);
  auto disk = make_real_disk(root);
  ArtifactHasher h(*disk, nullptr);
  CHECK(h.hash("d").nfiles == 1);
  std::system(("rm -rf " + root).c_str());
}

TEST_CASE("a large directory hashed on several threads gives the sequential manifest digest") {
  char dir[] = "/tmp/pipe-many-XXXXXX";
  REQUIRE(mkdtemp(dir));
  const std::string root = dir;
  auto disk = make_real_disk(root);
  disk->make_dirs("d/sub");
  std::map<std::string, std::string> contents;  // sorted like the manifest
  for (int i = 0; i < 300; ++i) {
    const std::string rel = (i % 3 ? "" : "sub/") + std::string("f") + std::to_string(i);
    contents[rel] = "content " + std::to_string(i * 7919);
    disk->write_atomic("d/" + rel, contents[rel]);
  }
  std::string manifest;
  for (const auto& [rel, data] : contents) manifest += Digest::of(data).hex() + "  " + rel + "\n";
  ArtifactHasher h(*disk, nullptr);
  const ArtifactInfo& a = h.hash("d");
  CHECK(a.nfiles == 300);
  CHECK(a.digest == Digest::of(manifest));
  CHECK(h.files_read() == 300);
  std::system(("rm -rf " + root).c_str());
}

TEST_CASE("a directory hashed again in a new command reads nothing: the cache rows are merged in path order") {
  pipeline::testing::FakeDisk disk;
  for (const char* p : {"d/b.txt", "d/a.txt", "d/sub/c.txt", "d/sub/a b.txt", "e.txt"}) disk.write(p, p);
  disk.tick(10);
  pipeline::StateDb state(":memory:");
  Digest first;
  {
    pipeline::ArtifactHasher h(disk, &state);
    first = h.hash("d").digest;
    CHECK(h.files_read() == 4);
  }
  state.flush();
  pipeline::ArtifactHasher again(disk, &state);
  CHECK(again.hash("d").digest == first);
  CHECK(again.files_read() == 0);
}

namespace {

// A directory being rewritten while it is hashed: `doomed` is listed, then
// removed before it can be read, as a running stage does to its output.
struct RewrittenDisk : FakeDisk {
  std::string doomed;
  bool hash_file(const std::string& path, Digest* digest, uint64_t* size) override {
    if (path == doomed) {
      remove_all(path);
      return false;
    }
    return FakeDisk::hash_file(path, digest, size);
  }
};

}  // namespace

TEST_CASE("a file removed while its directory is hashed makes the directory differ, not an I/O error") {
  RewrittenDisk disk;
  disk.write("d/a.txt", "A");
  disk.write("d/b.txt", "B");
  const Digest before = ArtifactHasher(disk, nullptr).hash("d").digest;
  disk.doomed = "d/b.txt";
  ArtifactHasher h(disk, nullptr);
  const ArtifactInfo& a = h.hash("d");
  CHECK(a.exists);
  CHECK(a.digest != before);
  CHECK(a.nfiles == 1);
  CHECK(a.digest == Digest::of(Digest::of("A").hex() + "  a.txt\n"));
  disk.doomed = "f";
  disk.write("f", "F");
  CHECK_FALSE(ArtifactHasher(disk, nullptr).hash("f").exists);
}

TEST_CASE("a file that cannot be read but is still there is an I/O error") {
  struct Unreadable : FakeDisk {
    bool hash_file(const std::string&, Digest*, uint64_t*) override { return false; }
  } unreadable;
  unreadable.write("d/a.txt", "A");
  CHECK_THROWS_WITH_AS(ArtifactHasher(unreadable, nullptr).hash("d"), doctest::Contains("cannot read 'd/a.txt'"), Error);
}

TEST_CASE("a read that fails halfway through a file on the real disk is an I/O error naming the file and why") {
  pipeline::testing::TempDir t;
  const std::string root = t.path + "/project";
  // 200 KB: the hash reads it in several chunks, and the second one fails.
  pipeline::testing::TempProject::write_abs(root + "/data/big.bin", std::string(200'000, 'x'));
  pipeline::testing::TempProject::write_abs(root + "/data/small.txt", "fine");
  pipeline::testing::FaultyFileSystem fs(t.path, t.path + "/backup");
  auto disk = make_real_disk(root, fs);
  fs.fail_nth(pipeline::testing::FaultyFileSystem::Op::kRead, 2, EIO);
  try {
    ArtifactHasher(*disk, nullptr).hash("data");
    FAIL("a failed read went unnoticed");
  } catch (const Error& e) {
    CHECK(e.code() == Exit::kIo);
    CHECK(std::string(e.what()) == "cannot read 'data/big.bin': Input/output error");
  }
  // Unfaulted, the same file hashes as its bytes say.
  CHECK(ArtifactHasher(*disk, nullptr).hash("data/big.bin").digest == Digest::of(std::string(200'000, 'x')));
}

TEST_CASE("a temp file a killed pipe left beside a target is not part of the directory") {
  FakeDisk disk;
  disk.write("d/a.txt", "A");
  const Digest clean = ArtifactHasher(disk, nullptr).hash("d").digest;
  disk.write("d/a.txt.pipe-tmp.pt-0a0b0c0d-42-1-0", "");
  CHECK(ArtifactHasher(disk, nullptr).hash("d").digest == clean);
}
