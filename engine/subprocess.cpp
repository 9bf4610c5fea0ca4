#include "subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

extern char** environ;

namespace pipeline {

namespace {

// posix_spawnp of argv in `dir` with stdin empty; `outputs` adds where
// stdout and stderr go. Returns posix_spawnp's result.
int spawn(const std::vector<std::string>& argv, const std::string& dir, pid_t* pid,
          const std::function<void(posix_spawn_file_actions_t*)>& outputs) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  outputs(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (!dir.empty()) posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int rc = ::posix_spawnp(pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc;
}

}  // namespace

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

int run_program(const std::vector<std::string>& argv, const std::string& dir, std::string* out, std::string* err) {
  out->clear();
  err->clear();
  if (argv.empty()) return -1;
  int o[2], e[2];
  if (::pipe2(o, O_CLOEXEC) != 0) return -1;
  if (::pipe2(e, O_CLOEXEC) != 0) {
    ::close(o[0]);
    ::close(o[1]);
    return -1;
  }
  pid_t pid = 0;
  const int rc = spawn(argv, dir, &pid, [&](posix_spawn_file_actions_t* actions) {
    posix_spawn_file_actions_adddup2(actions, o[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(actions, e[1], STDERR_FILENO);
  });
  ::close(o[1]);
  ::close(e[1]);
  if (rc != 0) {
    ::close(o[0]);
    ::close(e[0]);
    return -1;
  }
  // Both at once: a child filling one pipe while we block on the other
  // would never finish.
  pollfd fds[2] = {{o[0], POLLIN, 0}, {e[0], POLLIN, 0}};
  std::string* into[2] = {out, err};
  int open = 2;
  char buf[65536];
  while (open > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int k = 0; k < 2; ++k) {
      if (fds[k].fd < 0 || !(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = ::read(fds[k].fd, buf, sizeof buf);
      if (n > 0) {
        into[k]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[k].fd);
        fds[k].fd = -1;
        --open;
      }
    }
  }
  for (const pollfd& f : fds)
    if (f.fd >= 0) ::close(f.fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
}

int run_logged(const std::vector<std::string>& argv, const std::string& dir, const std::string& log,
               const std::function<void(int pid)>& started) {
  if (argv.empty()) return -1;
  pid_t pid = 0;
  const int rc = spawn(argv, dir, &pid, [&](posix_spawn_file_actions_t* actions) {
    posix_spawn_file_actions_addopen(actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(actions, STDOUT_FILENO, STDERR_FILENO);
  });
  if (rc != 0) return -1;
  if (started) started(pid);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool run_capture(const std::vector<std::string>& argv, const std::string& dir, std::string* out, bool with_stderr) {
  std::string err;
  const int rc = run_program(argv, dir, out, &err);
  if (with_stderr) *out += err;
  return rc == 0;
}

}  // namespace pipeline
