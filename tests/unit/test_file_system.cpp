// The fault-injecting filesystem's model (what a power cut keeps), and the
// atomic writes that pipe.lock, .pipe files and the config rely on.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "error.h"
#include "faulty_file_system.h"
#include "file_io.h"
#include "temp_project.h"

using namespace pipeline;
using pipeline::testing::FaultyFileSystem;
using pipeline::testing::TempDir;

namespace {

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool exists(const std::string& p) { return std::filesystem::exists(p); }

void spit(const std::string& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

}  // namespace

TEST_CASE("a power cut drops data written after the last fsync, and entries whose directory was not synced") {
  TempDir t;
  FaultyFileSystem fs(t.path, t.path + "/.backup");
  const std::string synced = t.path + "/synced", loose = t.path + "/loose";
  int fd = fs.create(synced, 0644);
  REQUIRE(fd >= 0);
  write_fully(fs, fd, "durable", 7, synced);
  REQUIRE(fs.fsync(fd) == 0);
  write_fully(fs, fd, " and lost", 9, synced);
  fs.close(fd);
  REQUIRE(fs.sync_dir(t.path) == 0);
  fd = fs.create(loose, 0644);
  write_fully(fs, fd, "x", 1, loose);
  REQUIRE(fs.fsync(fd) == 0);  // data synced, but not its name
  fs.close(fd);
  fs.cut_power();
  CHECK(fs.unlink(synced) == -1);  // nothing happens once the power is off
  fs.power_restored();
  CHECK(slurp(synced) == "durable");
  CHECK_FALSE(exists(loose));
}

TEST_CASE("a power cut undoes an unsynced rename and brings back the file it replaced") {
  TempDir t;
  FaultyFileSystem fs(t.path, t.path + "/.backup");
  const std::string target = t.path + "/target", tmp = t.path + "/tmp";
  spit(target, "old");
  spit(tmp, "new");
  REQUIRE(fs.rename(tmp, target) == 0);
  REQUIRE(fs.unlink(target) == 0);
  fs.cut_power();
  fs.power_restored();
  CHECK(slurp(target) == "old");
  CHECK(slurp(tmp) == "new");
}

TEST_CASE("fail_nth fails exactly the chosen call with the chosen error") {
  TempDir t;
  FaultyFileSystem fs(t.path, t.path + "/.backup");
  fs.fail_nth(FaultyFileSystem::Op::kCreate, 2, ENOSPC);
  const int fd = fs.create(t.path + "/a", 0644);
  CHECK(fd >= 0);
  fs.close(fd);
  errno = 0;
  CHECK(fs.create(t.path + "/b", 0644) == -1);
  CHECK(errno == ENOSPC);
  const int fd3 = fs.create(t.path + "/c", 0644);
  CHECK(fd3 >= 0);
  fs.close(fd3);
}

TEST_CASE("write_file_atomically leaves the old file or the whole new one at every power cut") {
  int cut = 1;
  for (;; ++cut) {
    CAPTURE(cut);
    TempDir t;
    const std::string target = t.path + "/pipe.lock";
    spit(target, "old lock\n");
    FaultyFileSystem fs(t.path, t.path + "/.backup");
    fs.cut_power_at_sync(cut);
    try {
      write_file_atomically(fs, target, "new lock, longer than the old one\n", 0644);
    } catch (const Error&) {
      CHECK(fs.dead());  // no failure but the power cut
    }
    // The power went at sync point `cut`, or the write got past them all.
    const bool finished = !fs.dead();
    fs.power_restored();
    const std::string now = slurp(target);
    CHECK((now == "old lock\n" || now == "new lock, longer than the old one\n"));
    if (finished) {
      // Even with the power cut after the last sync, the new file stays.
      CHECK(now == "new lock, longer than the old one\n");
      break;
    }
  }
  CHECK(cut == 3);  // fsync of the file, of its directory, then past the end
}

TEST_CASE("write_file_atomically on a full disk keeps the old file and leaves no temp file") {
  TempDir t;
  const std::string target = t.path + "/pipe.lock";
  spit(target, "old\n");
  FaultyFileSystem fs(t.path, t.path + "/.backup");
  fs.fail_nth(FaultyFileSystem::Op::kWrite, 1, ENOSPC);
  CHECK_THROWS_WITH_AS(write_file_atomically(fs, target, "new\n", 0644), doctest::Contains("disk is full"), Error);
  CHECK(slurp(target) == "old\n");
  CHECK_FALSE(exists(target + ".tmp." + std::to_string(::getpid())));
  fs.fail_nth(FaultyFileSystem::Op::kFsync, 1, EIO);
  CHECK_THROWS_AS(write_file_atomically(fs, target, "new\n", 0644), Error);
  CHECK(slurp(target) == "old\n");
  CHECK_FALSE(exists(target + ".tmp." + std::to_string(::getpid())));
}
