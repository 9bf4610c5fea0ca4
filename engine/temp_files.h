// Temp files whose maker can be told from their name, so that the next run
// removes what a killed one left and never mistakes a live writer's file for
// a leftover.
//
// A name is "pt-<host>-<pid>-<random>-<n>[.<hint>]": <host> is a short hash
// of the host name, so that a cache or remote shared by several machines
// is swept only of files made on this one, by a process that is gone.
#pragma once

#include <cstdint>
#include <string>

#include "file_system.h"

namespace pipeline {

// A fresh name (no directory). `hint` (a file name, say) only helps a
// person reading a listing; it is cut to a safe length.
std::string temp_name(const std::string& hint = "");

// Past this age a temp file is no one's, whoever made it.
inline constexpr int64_t kStaleTempSeconds = 24 * 3600;

struct SweepResult {
  uint64_t removed = 0;  // entries: files, or directories with what they hold
  uint64_t bytes = 0;
};

// Removes the entries of `dir` (a folder only pipe writes temp files into)
// that a dead process left: made on this host by a pid that no longer runs,
// or by this process's pid before it made any temp name (in a container
// every run may get the same pid), or whatever is older than
// `max_age_seconds`, whoever made it (a name that is not ours, or one from
// another host). A missing `dir` is no error.
SweepResult sweep_temp_dir(FileSystem& fs, const std::string& dir, int64_t max_age_seconds);

// The same rule for one temp file named `name`, last modified at
// `mtime_seconds`: whether a sweep would take it (its maker is gone, or it
// is older than a day).
bool temp_is_stale(const std::string& name, int64_t mtime_seconds);

// The temp path for writing `target` (absolute) atomically: a name in
// `temp_dir` when that is on the same filesystem as target's folder, so
// that no temp file lands inside a tracked or output directory; else one
// beside the target (a rename cannot cross filesystems), named with
// ".pipe-tmp." so that hashing skips it. Creates `temp_dir` (not its
// parents) when missing.
std::string temp_path_for(FileSystem& fs, const std::string& temp_dir, const std::string& target);

// True for a name temp_path_for puts beside a target: hashing a directory
// skips such files, since a killed run may have left one there.
bool is_temp_beside_name(const std::string& name);

}  // namespace pipeline
