#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "object_store.h"
#include "project.h"
#include "project_lock.h"
#include "temp_files.h"
#include "temp_project.h"

using namespace pipeline;
using pipeline::testing::TempDir;
using pipeline::testing::TempProject;

namespace {

namespace fs = std::filesystem;

void touch(const std::string& path, const std::string& text = "x") { std::ofstream(path) << text; }

void age(const std::string& path, int seconds) {
  const auto when = fs::last_write_time(path) - std::chrono::seconds(seconds);
  fs::last_write_time(path, when);
}

// A temp name made by a process that has exited since: what a killed run
// leaves. The child prints its name; the parent waits for it to be gone.
std::string name_of_dead_process() {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    const std::string name = temp_name("out.bin");
    (void)!::write(fds[1], name.data(), name.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  char buf[256];
  const ssize_t n = ::read(fds[0], buf, sizeof buf);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(n > 0);
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace

TEST_CASE("temp names are unique, carry the hint, and start with our host and pid") {
  const std::string a = temp_name("pipe.lock"), b = temp_name("pipe.lock");
  CHECK(a != b);
  CHECK(a.substr(0, 3) == "pt-");
  CHECK(a.find("-" + std::to_string(::getpid()) + "-") != std::string::npos);
  CHECK(a.size() > 10);
  CHECK(a.substr(a.size() - 10) == ".pipe.lock");
  CHECK(temp_name(std::string(500, 'n')).size() < 120);
}

TEST_CASE("a sweep removes what dead processes left and keeps live writers' and strangers' fresh files") {
  TempDir dir;
  const std::string dead_file = dir.path + "/" + name_of_dead_process();
  const std::string dead_dir = dir.path + "/" + name_of_dead_process();
  touch(dead_file, "12345");
  fs::create_directories(dead_dir + "/sub");
  touch(dead_dir + "/sub/f", "abc");
  const std::string live = dir.path + "/" + temp_name("live");  // ours, and we made names
  touch(live);
  const std::string stranger = dir.path + "/pt-0badc0de-1-0-0";  // another host's
  touch(stranger);
  const std::string old_stranger = dir.path + "/someone-elses";
  touch(old_stranger);
  age(old_stranger, kStaleTempSeconds + 60);

  const SweepResult r = sweep_temp_dir(real_file_system(), dir.path, kStaleTempSeconds);
  CHECK(r.removed == 3);
  CHECK(r.bytes == 9);
  CHECK_FALSE(fs::exists(dead_file));
  CHECK_FALSE(fs::exists(dead_dir));
  CHECK_FALSE(fs::exists(old_stranger));
  CHECK(fs::exists(live));
  CHECK(fs::exists(stranger));
  CHECK(sweep_temp_dir(real_file_system(), dir.path + "/missing", 0).removed == 0);
}

TEST_CASE("a workspace temp path lies in the temp folder when it shares the target's filesystem") {
  TempDir dir;
  fs::create_directories(dir.path + "/.pipe");
  fs::create_directories(dir.path + "/data/raw");
  const std::string tmp = temp_path_for(real_file_system(), dir.path + "/.pipe/tmp", dir.path + "/data/raw/f1");
  CHECK(tmp.rfind(dir.path + "/.pipe/tmp/pt-", 0) == 0);
  CHECK(fs::is_directory(dir.path + "/.pipe/tmp"));
  // Never a .pipe/ where there is none: then the temp goes beside the
  // target, under a name hashing skips.
  const std::string beside = temp_path_for(real_file_system(), dir.path + "/nowhere/tmp", dir.path + "/data/raw/f1");
  CHECK(beside.rfind(dir.path + "/data/raw/f1.pipe-tmp.pt-", 0) == 0);
  CHECK(is_temp_beside_name(fs::path(beside).filename().string()));
  CHECK_FALSE(fs::exists(dir.path + "/nowhere"));
}

TEST_CASE("taking the project lock sweeps .pipe/tmp and the cache's tmp and says how much") {
  TempProject p;
  fs::create_directories(p.root + "/.pipe/tmp");
  fs::create_directories(p.project.cache->dir() + "/tmp");
  touch(p.root + "/.pipe/tmp/" + name_of_dead_process(), "1234");
  touch(p.project.cache->dir() + "/tmp/" + name_of_dead_process(), "123456");
  std::string heard;
  {
    const auto lock = lock_project(p.project, "pipe checkout", 0, [&](const std::string& m) { heard += m; });
    CHECK(fs::is_empty(p.root + "/.pipe/tmp"));
    CHECK(fs::is_empty(p.project.cache->dir() + "/tmp"));
  }
  CHECK(heard.find("removed 2 temp file(s), 10 bytes") != std::string::npos);
}

TEST_CASE("restoring a file from the cache writes its temp file in .pipe/tmp, not beside the target") {
  TempProject p;
  p.write("data/raw/a.txt", "hello");
  const std::string d = p.digest("data/raw/a.txt");
  Digest digest;
  REQUIRE(Digest::parse(d, &digest));
  p.project.cache->put_file(p.root + "/data/raw/a.txt", digest);
  fs::remove(p.root + "/data/raw/a.txt");
  p.project.cache->restore_file(digest, p.root + "/data/raw/a.txt", false);
  CHECK(TempProject::read_abs(p.root + "/data/raw/a.txt") == "hello");
  CHECK(fs::is_directory(p.root + "/.pipe/tmp"));  // the temp file was made there
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(p.root + "/data/raw")) entries += e.path().filename() == "a.txt" ? 0 : 1;
  CHECK(entries == 0);
}
