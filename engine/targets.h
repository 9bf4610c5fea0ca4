// What the targets of `checkout` and `commit` name, the way DVC reads
// them: a stage (by name, or by one of its outputs' paths), or data tracked
// by a .pipe file (by the .pipe file or by the data's path).
#pragma once

#include <string>
#include <vector>

namespace pipeline {

class Disk;
struct Pipeline;

// How stage targets read, as in DVC's `repro`, `status` and `dag`.
struct TargetOptions {
  bool recursive = false;  // -R: a folder names every stage of the pipeline files under it
  bool glob = false;       // --glob: stage names are wildcard patterns ("train*")
};

// Stages named by `targets`, typed in folder `cwd` (project-relative):
//  - "train": the stage of that name in cwd's pipeline file, or every
//    stage of its foreach group "train@*";
//  - "sub/dvc.yaml:train" (or "../dvc.yaml:train"): one in another file;
//  - "sub/dvc.yaml": every stage of that file;
//  - with `recursive`, a folder: every stage of the files under it.
// Throws Error(kUsage) for a target that names nothing, with a suggestion.
std::vector<size_t> resolve_targets(const Pipeline& p, const std::vector<std::string>& targets,
                                    const std::string& cwd = "", const TargetOptions& options = {});

struct Stage;

// A stage's address as typed from folder `cwd`, as DVC prints it: the bare
// name for a stage of cwd's own pipeline file, else the file's path from
// cwd and the name ("../dvc.yaml:report"). From the root, the address.
std::string display_name(const Stage& stage, const std::string& cwd);

struct Target {
  std::string text;  // as typed: a stage name is taken as is
  std::string path;  // project-relative form of it as a path; "" if none
};

struct Selection {
  std::vector<bool> stages;          // by index into the pipeline's stages
  std::vector<std::string> tracked;  // .pipe files, project-relative
  // Per stage: the outputs named by path. Empty: the stage was named (or
  // nothing was), so all of its outputs.
  std::vector<std::vector<std::string>> outputs;
  bool wants(size_t stage, const std::string& output) const;
  std::vector<size_t> chosen() const;  // indexes of the selected stages
};

// No targets selects every stage and every .pipe file. Throws Error(kUsage)
// for a target that names nothing, with the nearest stage name.
Selection select_targets(const Pipeline& p, const std::vector<Target>& targets,
                         const std::string& cwd = "", const TargetOptions& options = {});

}  // namespace pipeline
