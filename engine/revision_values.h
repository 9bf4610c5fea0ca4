// Params and metrics from somewhere other than the workspace, for `pipe
// metrics diff` and `pipe params diff`: a git revision, an experiment, or a
// recorded run. DVC's diffs take git revisions; pipe's also take model
// versions and experiments, read from the lineage store (run_values).
#pragma once

#include <cstdint>
#include <string>

#include "lineage_query.h"

namespace pipeline {

struct Project;

// The params (every stage's, as its params files hold them) or metrics
// (every metrics output) of git revision `rev` ("HEAD~1", a branch, a
// tag, a commit). Its files are read from git into a temporary folder under
// .pipe/tmp/ and its pipeline loaded there; a metrics file pipe caches
// (not in git) comes from the cache by the digest that revision's pipe.lock
// records. Throws Error(kUsage) when `rev` is not a commit here, and
// Error(kBadPipeline) when that revision's pipeline does not load.
NamedValues revision_values(Project& project, const std::string& rev, bool metrics);

// One side of a diff (`metrics diff`, `params diff`, `plots diff`), as the
// user named it: "workspace"; a model version, NAME@VERSION; an
// experiment (its name, exp-RUN or run number) or "baseline"; or a git
// revision. An experiment's name wins over a branch of the same name
// (`exp branch` names branches so, and both hold the same values).
struct DiffSide {
  enum class Kind { kWorkspace, kRun, kRevision };
  Kind kind = Kind::kWorkspace;
  std::string label;  // "workspace", "clf@1.2.0", "experiment lrs-3", "baseline", "HEAD~1"
  int64_t run = 0;    // kRun: the run that made the version or the experiment
  std::string rev;    // kRevision
};
// Throws Error(kUsage) when `operand` is none of these.
DiffSide resolve_side(Project& project, const std::string& operand);

// The project's folder within its git repository ("" at the top, else
// "sub/dir/"): a revision, or a worktree, holds the whole repository.
// Throws Error(kUsage) outside git.
std::string git_prefix(Project& project);

// Whether `rev` names a commit of the project's git repository.
bool is_git_revision(Project& project, const std::string& rev);

// The text of project file `file` (project-relative) at git revision
// `rev`; false when that revision has no such file.
bool file_at_revision(Project& project, const std::string& rev, const std::string& file, std::string* text);

}  // namespace pipeline
