// Runs stage commands as local processes through Boost.Process. Each job
// gets a thread that streams its output and reaps it with wait4 (for rusage).
// <boost/process.hpp> is slow to compile, so it stays in this one file.
#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "runner.h"

namespace pipeline {
namespace {

namespace bp = boost::process;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double seconds(const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; }

class LocalRunner : public Runner {
 public:
  explicit LocalRunner(OutputSink sink) : sink_(std::move(sink)) {}

  ~LocalRunner() override {
    signal_all(SIGKILL);
    for (auto& [id, t] : threads_)
      if (t.joinable()) t.join();
  }

  void start(const Job& job) override {
    std::lock_guard lock(mutex_);
    ++running_;
    threads_.emplace(job.id, std::thread([this, job] { run(job); }));
  }

  JobResult wait() override {
    std::unique_lock lock(mutex_);
    done_cv_.wait(lock, [&] { return !done_.empty(); });
    JobResult r = std::move(done_.front());
    done_.pop_front();
    --running_;
    // The thread has handed over its result and is exiting; reclaim it.
    auto it = threads_.find(r.id);
    std::thread finished = std::move(it->second);
    threads_.erase(it);
    lock.unlock();
    finished.join();
    return r;
  }

  void signal_all(int sig) override {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (const auto& [id, pgid] : groups_) ::killpg(pgid, sig);
  }

 private:
  void run(const Job& job) {
    JobResult r;
    r.id = job.id;
    r.launched = true;
    r.start_ns = now_ns();
    // "e": close-on-exec, so other stages' processes never hold this log.
    FILE* log = job.log_path.empty() ? nullptr : std::fopen(job.log_path.c_str(), "we");
    struct rusage total {};
    for (const std::string& cmd : job.cmds) {
      {
        std::lock_guard lock(mutex_);
        if (stopping_) break;
      }
      if (!run_one(job, cmd, log, &r, &total)) break;
    }
    if (log) std::fclose(log);
    r.end_ns = now_ns();
    r.user_seconds = seconds(total.ru_utime);
    r.system_seconds = seconds(total.ru_stime);
    r.max_rss_kb = total.ru_maxrss;
    std::lock_guard lock(mutex_);
    done_.push_back(std::move(r));
    done_cv_.notify_one();
  }

  // Returns true when the command succeeded.
  bool run_one(const Job& job, const std::string& cmd, FILE* log, JobResult* r, struct rusage* total) {
    bp::pipe out;
    pid_t pid = -1;
    try {
      bp::child child(
          bp::exe = "/bin/sh", bp::args = {"-c", cmd}, bp::start_dir = job.dir,
          (bp::std_out & bp::std_err) > out, bp::std_in < bp::null,
          bp::extend::on_exec_setup = [parent = ::getpid()](auto&) {
            // Own process group, so Ctrl-C can stop the whole tree; and undo
            // the signal mask pipe's threads run with.
            ::setpgid(0, 0);
            // If pipe itself is killed (kill -9), take the stage down with
            // it rather than leave it writing outputs nobody records.
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) ::_exit(128 + SIGKILL);  // pipe died before the line above
            // Boost creates pipes without O_CLOEXEC, so a stage forked while
            // another runs would inherit that stage's pipe and keep it open
            // (its end would never be seen). Nothing beyond 0-2 is meant for
            // the child: mark it all close-on-exec.
            if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
              for (int fd = 3; fd < 1024; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
            sigset_t none;
            sigemptyset(&none);
            ::sigprocmask(SIG_SETMASK, &none, nullptr);
          });
      pid = child.id();
      child.detach();  // reaped below with wait4, which also yields rusage
    } catch (const std::exception& e) {
      r->launched = false;
      r->error = std::string("cannot start /bin/sh: ") + e.what();
      return false;
    }
    ::setpgid(pid, pid);  // also from the parent, to close the race with killpg
    {
      std::lock_guard lock(mutex_);
      groups_[job.id] = pid;
      if (stopping_) ::killpg(pid, SIGTERM);
    }
    // Only the child may hold the write end, or EOF never comes.
    ::close(out.native_sink());
    out.assign_sink(-1);
    stream(job, out.native_source(), pid, log);
    out.close();
    int status = 0;
    struct rusage ru {};
    while (::wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
    }
    {
      std::lock_guard lock(mutex_);
      groups_.erase(job.id);
    }
    total->ru_utime.tv_sec += ru.ru_utime.tv_sec;
    total->ru_utime.tv_usec += ru.ru_utime.tv_usec;
    total->ru_stime.tv_sec += ru.ru_stime.tv_sec;
    total->ru_stime.tv_usec += ru.ru_stime.tv_usec;
    total->ru_maxrss = std::max(total->ru_maxrss, ru.ru_maxrss);
    if (WIFSIGNALED(status)) {
      r->signal = WTERMSIG(status);
      return false;
    }
    r->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
    return r->exit_code == 0;
  }

  // Copies output to the log and hands complete lines to the sink until EOF,
  // or until the stage's shell has exited and what it wrote is drained: a
  // background process it left holding the pipe (`cmd: server & ...`) must
  // not keep the stage running.
  void stream(const Job& job, int fd, pid_t pid, FILE* log) {
    char buf[16384];
    std::string partial;
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));  // -1 on kernels before 5.3: read to EOF
    if (pidfd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    bool exited = false;
    for (;;) {
      if (pidfd >= 0 && !exited) {
        pollfd fds[2] = {{fd, POLLIN, 0}, {pidfd, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
          if (errno == EINTR) continue;
          break;
        }
        // Exited: read what is buffered, without waiting for more.
        if (fds[1].revents) exited = true;
      }
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) {
        if (exited) break;
        continue;
      }
      if (n <= 0) break;
      if (log) std::fwrite(buf, 1, static_cast<size_t>(n), log);
      partial.append(buf, static_cast<size_t>(n));
      size_t start = 0;
      for (size_t nl; (nl = partial.find('\n', start)) != std::string::npos; start = nl + 1)
        sink_(job.stage, std::string_view(partial).substr(start, nl - start));
      partial.erase(0, start);
    }
    if (pidfd >= 0) ::close(pidfd);
    if (!partial.empty()) sink_(job.stage, partial);
    if (log) std::fflush(log);
  }

  OutputSink sink_;
  std::mutex mutex_;
  std::condition_variable done_cv_;
  std::deque<JobResult> done_;
  std::map<size_t, pid_t> groups_;
  std::map<size_t, std::thread> threads_;
  size_t running_ = 0;
  bool stopping_ = false;
};

}  // namespace

std::unique_ptr<Runner> make_local_runner(OutputSink sink) {
  return std::make_unique<LocalRunner>(std::move(sink));
}

}  // namespace pipeline
