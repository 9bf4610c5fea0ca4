// A Project on a FakeDisk (no cache, no hash db) and a ReproReporter that
// records what it is told: the pieces engine tests of whole commands share.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fake_disk.h"
#include "project.h"
#include "repro.h"

namespace pipeline::testing {

// Sets `project` up on a new FakeDisk, which it owns; returns the disk.
inline FakeDisk* fake_project(Project& project) {
  auto d = std::make_unique<FakeDisk>();
  FakeDisk* disk = d.get();
  project.root = "/fake";
  project.disk = std::move(d);
  return disk;
}

class RecordingReporter : public ReproReporter {
 public:
  void up_to_date(const Stage&) override {}
  void frozen(const Stage&) override {}
  void will_run(const Stage& s, const std::vector<Reason>& r, bool) override { reasons[s.name] = r; }
  void finished(const Stage&, const JobResult&) override {}
  void restored(const Stage&) override {}
  void failed(const Stage& s, const JobResult&, const std::string& why) override { failures[s.name] = why; }
  void blocked(const Stage& s, const std::string&) override { blocked_stages.push_back(s.name); }
  void not_started(const Stage& s) override { not_started_stages.push_back(s.name); }
  std::vector<std::string> not_started_stages;
  std::map<std::string, std::vector<Reason>> reasons;
  std::map<std::string, std::string> failures;
  std::vector<std::string> blocked_stages;
};

}  // namespace pipeline::testing
