// Ctrl-C handling without async-signal-safety traps: SIGINT and SIGTERM are
// blocked in every thread and received by one watcher thread with sigwait.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

namespace pipeline {

class SignalWatcher {
 public:
  // Must be constructed before any other thread starts, so they inherit the
  // mask. `on_signal` runs on the watcher thread, once per signal.
  explicit SignalWatcher(std::function<void(int sig, int count)> on_signal);
  ~SignalWatcher();
  const std::atomic<bool>& received() const { return received_; }

 private:
  std::function<void(int, int)> on_signal_;
  std::atomic<bool> received_{false};
  std::thread thread_;
};

}  // namespace pipeline
