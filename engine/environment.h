// What a run's lineage records about where it ran: the machine, the OS, the
// interpreters the stages used, an allow-list of environment variables, and
// the git state of the project. Secrets never get in: credential-looking
// variables are dropped whatever the allow-list says, and URLs lose their
// user:password@.
#pragma once

#include <string>
#include <vector>

#include "lineage.h"

namespace pipeline {

// Variables recorded when no `lineage.env` setting names others.
inline constexpr const char* kDefaultEnvAllowList =
    "PYTHONHASHSEED,CUDA_VISIBLE_DEVICES,OMP_NUM_THREADS,MKL_NUM_THREADS,OPENBLAS_NUM_THREADS,LANG,LC_ALL,TZ";

// True for names like AWS_SECRET_ACCESS_KEY, GITHUB_TOKEN, DB_PASSWORD.
bool credential_like(const std::string& name);

// Canonical JSON of the environment. `cmds` are the commands the run's
// stages executed: interpreters named in them (python, Rscript, ...) get
// their versions recorded, and Python its installed packages.
std::string capture_environment(const std::vector<std::string>& cmds, const std::string& allow_list);

// The git state of the project at `root` (empty fields outside git).
CodeState capture_code_state(const std::string& root);

// Which of `paths` (files, relative to `root`) git neither tracks nor
// ignores.
std::vector<std::string> untracked_files(const std::string& root, const std::vector<std::string>& paths);

}  // namespace pipeline
