#include "exp_branch.h"

#include <cerrno>

#include "error.h"
#include "experiments.h"
#include "file_io.h"
#include "object_store.h"
#include "project.h"
#include "subprocess.h"
#include "temp_files.h"

namespace pipeline {
namespace {

bool is_lock_file(const std::string& path) {
  const std::string name = path.substr(path.rfind('/') + 1);
  return name == "pipe.lock" || name == "dvc.lock";
}

// Each step's command line and output go to the log; a step that fails
// stops the branch with the log named.
class Steps {
 public:
  Steps(std::string dir, std::string shown) : dir_(std::move(dir)), shown_(std::move(shown)) {}
  std::string run(const std::vector<std::string>& argv, const std::string& what) {
    std::string out, err;
    const int rc = run_program(argv, dir_, &out, &err);
    text_ += "$";
    for (const std::string& a : argv) text_ += " " + a;
    text_ += "\n" + out + err;
    if (rc != 0)
      throw Error(Exit::kFailed, "cannot " + what + " (" + first_line(err.empty() ? out : err) + "); see " + shown_);
    return out;
  }
  const std::string& text() const { return text_; }

 private:
  static std::string first_line(const std::string& s) {
    const std::string line = s.substr(0, s.find('\n'));
    return line.empty() ? "no message" : line.substr(0, 300);
  }
  std::string dir_, shown_, text_;
};

}  // namespace

BranchResult branch_experiment(Project& project, const ExperimentRow& row, const std::string& branch,
                               const std::string& self) {
  std::string out, err;
  if (run_program({"git", "check-ref-format", "--branch", branch}, project.root, &out, &err) != 0)
    throw Error(Exit::kUsage, "'" + branch + "' is not a valid branch name");
  if (run_program({"git", "rev-parse", "--verify", "--quiet", "HEAD"}, project.root, &out, &err) != 0)
    throw Error(Exit::kUsage, "exp branch makes a git branch off HEAD, and there is no commit here (or no git "
                              "repository); commit the project first");
  if (run_program({"git", "rev-parse", "--verify", "--quiet", "refs/heads/" + branch}, project.root, &out, &err) == 0)
    throw Error(Exit::kUsage, "branch '" + branch + "' exists already; name another, or delete it with 'git branch -D " +
                                  branch + "'");
  FileSystem& fs = *project.files;
  make_dirs(fs, project.state_path("tmp/exps"), false);
  make_dirs(fs, project.state_path("logs"), false);
  const std::string tree = project.state_path("tmp/exps/" + temp_name("branch"));
  BranchResult result;
  std::string safe = row.name;
  for (char& c : safe)
    if (c == '/' || c == '\\' || c == ' ') c = '_';
  result.log = std::string(kStateDir) + "/logs/exp-branch-" + safe + ".log";
  Steps main_steps(project.root, result.log);
  Steps steps(tree, result.log);
  bool added = false;
  try {
    main_steps.run({"git", "worktree", "add", "--detach", tree, "HEAD"}, "make a git worktree of HEAD");
    added = true;
    // The worktree shares the project's cache and run-cache, as a sweep's copy does.
    steps.run({self, "-C", tree, "config", "--local", "cache.dir", project.cache->dir()}, "point the worktree at the cache");
    make_dirs(fs, project.state_path("runs"), false);
    make_dirs(fs, tree + "/" + kStateDir, false);
    if (fs.symlink(project.state_path("runs"), tree + "/" + kStateDir + "/runs") != 0)
      fail_io("cannot link the run-cache into", tree, errno);
    steps.run({self, "-C", tree, "checkout"}, "restore HEAD's outputs in the worktree");
    std::vector<std::string> skipped;
    Project there = open_project(tree, fs);
    write_params(there, experiment_params(row, &skipped));
    steps.run({self, "-C", tree, "repro"}, "bring back the experiment's outputs");
    // The changed params files and locks, and a lock HEAD did not have yet.
    steps.run({"git", "add", "--update", "--", "."}, "stage the changed files");
    const std::string untracked = steps.run({"git", "ls-files", "-z", "--others", "--exclude-standard"}, "list new files");
    for (size_t start = 0; start < untracked.size();) {
      const size_t end = std::min(untracked.find('\0', start), untracked.size());
      const std::string file = untracked.substr(start, end - start);
      if (is_lock_file(file)) steps.run({"git", "add", "--", file}, "stage " + file);
      start = end + 1;
    }
    std::string message = "Experiment " + row.name + " (run " + std::to_string(row.run_id) + ")";
    if (!row.overrides.empty()) {
      message += "\n\n";
      for (const std::string& o : row.overrides) message += "-S " + o + "\n";
    }
    message += "\nMade by 'pipe exp branch " + row.name + " " + branch + "'.\n";
    steps.run({"git", "commit", "--allow-empty", "-q", "-m", message}, "commit the experiment");
    result.commit = steps.run({"git", "rev-parse", "HEAD"}, "read the commit");
    if (!result.commit.empty() && result.commit.back() == '\n') result.commit.pop_back();
    main_steps.run({"git", "branch", branch, result.commit}, "make branch '" + branch + "'");
  } catch (...) {
    write_file_atomically(fs, project.root + "/" + result.log, main_steps.text() + steps.text(), 0644);
    if (added) run_program({"git", "worktree", "remove", "--force", tree}, project.root, &out, &err);
    fs.remove_all(tree);
    throw;
  }
  write_file_atomically(fs, project.root + "/" + result.log, main_steps.text() + steps.text(), 0644);
  run_program({"git", "worktree", "remove", "--force", tree}, project.root, &out, &err);
  fs.remove_all(tree);
  return result;
}

}  // namespace pipeline
