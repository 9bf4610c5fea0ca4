// `pipe commit`: record outputs that were produced by hand, without running
// anything, as if their stage had just run; and re-record tracked data.
#pragma once

#include <string>
#include <vector>

namespace pipeline {

struct Workspace;
struct Target;

struct CommitReport {
  std::vector<std::string> committed;  // stage names and .pipe files
  std::vector<std::string> unchanged;
};

// Targets as for checkout; none means every stage and .pipe file. A stage
// whose cmd, deps or params changed since pipe.lock is refused unless
// `force`: committing claims its outputs came from those new inputs. Every
// output and dep must exist. Nothing is written unless every target passes.
CommitReport commit(Workspace& ws, const std::vector<Target>& targets, bool force);

}  // namespace pipeline
