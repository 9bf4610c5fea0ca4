#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "error.h"
#include "project_lock.h"

using namespace pipeline;

namespace {

std::string temp_lock_path() {
  char dir[] = "/tmp/pipe-lock-XXXXXX";
  REQUIRE(mkdtemp(dir));
  return std::string(dir) + "/repro.lock";
}

}  // namespace

TEST_CASE("a second holder times out with the first holder named") {
  const std::string path = temp_lock_path();
  ProjectLock first(path, "pipe repro", 0, [](const std::string&) {});
  std::string heard;
  try {
    ProjectLock second(path, "pipe repro", 0.2, [&](const std::string& m) { heard = m; });
    FAIL("expected a timeout");
  } catch (const Error& e) {
    CHECK(e.code() == Exit::kLocked);
    CHECK(std::string(e.what()).find("pid " + std::to_string(getpid())) != std::string::npos);
  }
  CHECK(heard.find("waiting for the project lock held by pid") == 0);
}

TEST_CASE("waiting for the lock ends when cancelled") {
  const std::string path = temp_lock_path();
  ProjectLock first(path, "pipe repro", 0, [](const std::string&) {});
  std::atomic<bool> cancel{true};
  CHECK_THROWS_WITH_AS(ProjectLock(path, "pipe repro", -1, [](const std::string&) {}, &cancel),
                       doctest::Contains("interrupted"), Error);
}

TEST_CASE("the lock is free again once its holder is gone, and a dead holder is reported") {
  const std::string path = temp_lock_path();
  { ProjectLock first(path, "pipe repro", 0, [](const std::string&) {}); }
  std::string heard;
  { ProjectLock again(path, "pipe repro", 0, [&](const std::string& m) { heard = m; }); }
  CHECK(heard.empty());  // released cleanly: nothing to take over
  // A holder that died leaves its description behind in the file.
  REQUIRE(std::system(("echo 'pid 999999 on elsewhere (pipe repro)' > " + path).c_str()) == 0);
  ProjectLock taken(path, "pipe repro", 0, [&](const std::string& m) { heard = m; });
  CHECK(heard.find("took over the project lock left by pid 999999") == 0);
}

TEST_CASE("the lock file names the command that holds it, so a waiting one can say who") {
  const std::string path = temp_lock_path();
  ProjectLock held(path, "pipe add", 0, [](const std::string&) {});
  std::string heard;
  CHECK_THROWS_AS(ProjectLock(path, "pipe checkout", 0.1, [&](const std::string& m) { heard = m; }), Error);
  CHECK(heard.find("(pipe add)") != std::string::npos);
  CHECK(heard.find("pipe repro") == std::string::npos);
}
