// .pipeignore and .dvcignore: gitignore patterns for files pipe must not
// see. They leave files out of directory digests (so `pipe add` and stage
// outputs skip them) and out of the search for .pipe files. As in DVC, an
// ignore file applies to its own folder and everything below it.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace pipeline {

class Disk;

inline constexpr const char* kIgnoreFiles[] = {".pipeignore", ".dvcignore"};

// The patterns of one ignore file, in gitignore syntax: `#` comments, `!`
// negation, a trailing `/` for folders only, a `/` elsewhere anchoring the
// pattern to the file's folder, and `*`, `?`, `[...]` and `**` wildcards.
class IgnoreFile {
 public:
  IgnoreFile(std::string dir, const std::string& text);
  // 1: ignored, -1: re-included by a `!` pattern, 0: no pattern says.
  // `path` is project-relative and lies below this file's folder.
  int verdict(const std::string& path, bool is_dir) const;

 private:
  struct Pattern {
    std::vector<std::string> segments;  // split at '/'
    bool negated = false;
    bool dir_only = false;
    bool anchored = false;  // matched from the folder, not at any depth
  };
  std::string dir_;
  std::vector<Pattern> patterns_;
};

// The ignore files of a project, read through the disk seam the first time
// a folder is asked about, and kept for the life of the object.
class IgnoreRules {
 public:
  explicit IgnoreRules(Disk& disk) : disk_(disk) {}
  // Whether `path` (project-relative) is ignored by the ignore files of
  // the folders above it. The nearest file's verdict wins, as in git.
  bool ignored(const std::string& path, bool is_dir);
  // Whether `dir` or a folder above it has an ignore file: when not, a walk
  // of `dir` need not ask about each entry.
  bool any_in_or_above(const std::string& dir);
  // A walk that listed `dir` says whether it holds an ignore file, which
  // saves the stat of each name (a folder without one is the common case).
  void listed(const std::string& dir, bool has_ignore_file);

 private:
  int verdict(const std::string& path, bool is_dir);
  const std::vector<IgnoreFile>& files_in(const std::string& dir);
  Disk& disk_;
  std::map<std::string, std::vector<IgnoreFile>> loaded_;
  std::map<std::string, bool> any_;
};

}  // namespace pipeline
