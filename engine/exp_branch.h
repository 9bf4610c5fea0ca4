// `pipe exp branch NAME BRANCH`: a git branch, off HEAD, whose one commit
// holds an experiment's params and the pipe.lock its run made, so it can be
// reviewed, merged or checked out like any other change (`pipe checkout`
// there brings its outputs from the cache). Made in a git worktree under
// .pipe/tmp/exps/, never in the workspace: the params are written, a repro
// restores the experiment's outputs from the shared run-cache (or runs a
// stage whose entry is gone), and the changed files are committed.
#pragma once

#include <string>
#include <vector>

namespace pipeline {

struct Project;
struct ExperimentRow;

struct BranchResult {
  std::string commit;  // the new commit's hash
  std::string log;     // project-relative: what the commands in the worktree printed
  std::vector<std::string> skipped;  // params not written back (lists, mappings), as exp apply warns
};

// `self` is the pipe binary. Throws Error(kUsage) when the branch exists
// or this is not a git repository with a commit, Error(kFailed) when a
// step fails (naming the log), or when HEAD with the experiment's params
// makes other outputs than the experiment recorded (it ran on changes HEAD
// lacks): then no branch is made.
BranchResult branch_experiment(Project& project, const ExperimentRow& row, const std::string& branch,
                               const std::string& self);

}  // namespace pipeline
