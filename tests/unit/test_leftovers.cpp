#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "leftovers.h"

namespace {

pid_t spawn_sleeper(const char* run_id) {
  const pid_t pid = fork();
  if (pid == 0) {
    setenv(pipeline::kRunIdVariable, run_id, 1);
    execlp("sleep", "sleep", "30", static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

}  // namespace

TEST_CASE("kill_run_leftovers stops exactly the processes of the given run") {
  const pid_t mine = spawn_sleeper("leftover-test-a");
  const pid_t other = spawn_sleeper("leftover-test-ab");  // a prefix match must not count
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let them exec
  CHECK(pipeline::kill_run_leftovers("leftover-test-a") == 1);
  int status = 0;
  REQUIRE(waitpid(mine, &status, 0) == mine);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  CHECK(waitpid(other, &status, WNOHANG) == 0);  // still running
  kill(other, SIGKILL);
  waitpid(other, &status, 0);
  CHECK(pipeline::kill_run_leftovers("") == 0);
}

TEST_CASE("start_run_id exports a fresh id for stages to inherit") {
  const std::string a = pipeline::start_run_id();
  CHECK(std::getenv(pipeline::kRunIdVariable) == a);
  CHECK(pipeline::start_run_id() != a);
}
