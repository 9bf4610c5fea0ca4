// A Runner that "runs" a stage by calling the test's action, which writes
// outputs into a FakeDisk. Records the order stages ran in, and how many
// were in flight at once.
#pragma once

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "runner.h"

namespace pipeline::testing {

class FakeRunner : public Runner {
 public:
  // Returns the exit code. Default: succeed without writing anything.
  std::function<int(const Job&)> action;
  std::vector<std::string> ran;
  size_t max_in_flight = 0;
  bool remote = false;  // results as from a cluster job: outputs on a shared filesystem

  void start(const Job& job) override {
    in_flight_.push_back(job);
    ran.push_back(job.stage);
    max_in_flight = std::max(max_in_flight, in_flight_.size());
  }

  JobResult wait() override {
    const Job job = in_flight_.front();
    in_flight_.pop_front();
    JobResult r;
    r.id = job.id;
    r.launched = true;
    r.exit_code = action ? action(job) : 0;
    r.remote = remote;
    return r;
  }

  void signal_all(int) override {}

 private:
  std::deque<Job> in_flight_;
};

}  // namespace pipeline::testing
