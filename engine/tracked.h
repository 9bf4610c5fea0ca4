// Data that no stage produces, tracked with `pipe add`: the data goes into
// the cache and a small "<path>.pipe" file beside it records what it was.
// Commit the .pipe file to git; the data itself is git-ignored.
#pragma once

#include <string>
#include <vector>

#include "lockfile.h"

namespace pipeline {

class Disk;
struct Project;
struct Workspace;

// As pipe.lock's: 2 adds DVC's hash of adopted data; a .pipe file without
// it is written as schema 1.
inline constexpr int kTrackedSchema = 2;

// The .pipe file's content for one artifact. Its path is stored relative
// to the .pipe file's directory (just the name).
std::string render_tracked(const LockedArtifact& a);
// Parses a .pipe file at `file` (project-relative). Throws Error(kBadPipeline)
// with file:line:col for damage, and for a path that is not a plain name in
// the file's own directory (no '/', '..', absolute paths).
LockedArtifact parse_tracked(const std::string& file, const std::string& text);

inline constexpr const char* kTrackedSuffix = ".pipe";
// DVC's record of data added with `dvc add` or `dvc import`: read as
// tracked data too, known by DVC's hash only (LockedArtifact::pending)
// until proven. A .pipe file beside it for the same data wins.
inline constexpr const char* kDvcSuffix = ".dvc";

// A .dvc file with one output, as tracked data; throws as parse_tracked does.
LockedArtifact parse_dvc_tracked(const std::string& file, const std::string& text);

// Every .pipe and .dvc file in the project, sorted, found by the same walk
// that finds the pipeline files (project_scan.cpp), without parsing them:
// for gc, which keeps what any of them names.
std::vector<std::string> find_tracked_files(Disk& disk);

// Every .dvc file, those a .pipe file supersedes too: for import-dvc.
std::vector<std::string> find_dvc_files(Disk& disk);

// Reads and parses one .pipe or .dvc file; throws as parse_tracked does.
LockedArtifact read_tracked(Disk& disk, const std::string& file);

// Adds "/<name>" to the .gitignore beside `path` unless it is there: the
// data stays out of git, the record of it goes in (as DVC does).
void ignore_in_git(Disk& disk, const std::string& path);

struct AddResult {
  std::string path;   // project-relative
  bool changed;       // false: the .pipe file already recorded this content
  LockedArtifact recorded;
};

// `pipe add`: hashes, caches and records each path (project-relative,
// already normalized). Refuses paths that are stage outputs. Adds the data
// to the .gitignore in its directory.
std::vector<AddResult> add_data(Workspace& ws, const std::vector<std::string>& paths);

}  // namespace pipeline
