#include "exp_branch.h"

#include <cerrno>
#include <map>

#include "error.h"
#include "exp_sweep.h"
#include "experiments.h"
#include "file_io.h"
#include "lineage.h"
#include "lockfile.h"
#include "workspace.h"
#include "object_store.h"
#include "project.h"
#include "revision_values.h"
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

// The branch must hold what the experiment made. It ran on a copy of the
// workspace, which may have held changes HEAD does not: then HEAD's code
// and the experiment's params make other outputs, and the branch would lie.
void check_outputs(Project& project, Project& there, const ExperimentRow& row) {
  std::map<std::string, std::string> made;  // path -> digest, as the experiment's run recorded
  {
    LineageStore store(project.state_path(kLineageFile));
    for (const ExecutionRecord& e : store.run(row.run_id).executions)
      for (const LineageArtifact& a : e.outputs) made[a.path] = a.digest;
  }
  Workspace ws = load_workspace(there);
  for (const auto& [stage, locked] : ws.lock().stages)
    for (const LockedArtifact& a : locked.outs) {
      auto it = made.find(a.path);
      if (it == made.end() || it->second == a.digest.hex()) continue;
      throw Error(Exit::kFailed, "HEAD with experiment " + row.name + "'s params makes another " + a.path + " (" +
                                     a.digest.hex().substr(0, 12) + ") than the experiment did (" +
                                     it->second.substr(0, 12) + "): it ran on files HEAD does not have (changes "
                                     "not committed, or another commit). Commit them, or check out the commit it ran "
                                     "on, and run exp branch again; no branch was made");
    }
}

}  // namespace

BranchResult branch_experiment(Project& project, const ExperimentRow& row, const std::string& branch,
                               const std::string& self) {
  std::string out, err;
  // refs/heads/NAME, not --branch: that one expands @{-1} and the like.
  if (branch.empty() || branch.front() == '-' ||
      run_program({"git", "check-ref-format", "refs/heads/" + branch}, project.root, &out, &err) != 0)
    throw Error(Exit::kUsage, "'" + branch + "' is not a valid branch name");
  if (!is_git_revision(project, "HEAD"))
    throw Error(Exit::kUsage, "exp branch makes a git branch off HEAD, and there is no commit here (or no git "
                              "repository); commit the project first");
  if (run_program({"git", "rev-parse", "--verify", "--quiet", "refs/heads/" + branch}, project.root, &out, &err) == 0)
    throw Error(Exit::kUsage, "branch '" + branch + "' exists already; name another, or delete it with 'git branch -D " +
                                  branch + "'");
  std::string prefix = git_prefix(project);
  if (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  // Worktrees a killed exp branch left registered.
  run_program({"git", "worktree", "prune"}, project.root, &out, &err);
  FileSystem& fs = *project.files;
  make_dirs(fs, project.state_path("tmp/exps"), false);
  make_dirs(fs, project.state_path("logs"), false);
  const std::string tree = project.state_path("tmp/exps/" + temp_name("branch"));
  BranchResult result;
  SweepExperiment named;
  named.name = "branch-" + row.name;
  result.log = experiment_log(named, 0);  // .pipe/logs/exp-branch-NAME.log
  const std::string here = prefix.empty() ? tree : tree + "/" + prefix;  // the project in the worktree
  Steps main_steps(project.root, result.log);
  Steps steps(here, result.log);
  bool added = false;
  try {
    main_steps.run({"git", "worktree", "add", "--detach", tree, "HEAD"}, "make a git worktree of HEAD");
    added = true;
    // The worktree shares the project's cache and run-cache, as a sweep's
    // copy does; its .pipe/ first, so `pipe -C` finds it, not the project above.
    share_run_cache(project, here);
    steps.run({self, "-C", here, "config", "--local", "cache.dir", project.cache->dir()}, "point the worktree at the cache");
    steps.run({self, "-C", here, "checkout"}, "restore HEAD's outputs in the worktree");
    Project there = open_project(here, fs);
    write_params(there, experiment_params(row, &result.skipped));
    steps.run({self, "-C", here, "repro"}, "bring back the experiment's outputs");
    check_outputs(project, there, row);
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
