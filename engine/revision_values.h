// Params and metrics from somewhere other than the workspace, for `pipe
// metrics diff` and `pipe params diff`: a git revision, an experiment, or a
// recorded run. DVC's diffs take git revisions; pipe's also take model
// versions and experiments, read from the lineage store (run_values).
#pragma once

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

// Whether `rev` names a commit of the project's git repository.
bool is_git_revision(Project& project, const std::string& rev);

}  // namespace pipeline
