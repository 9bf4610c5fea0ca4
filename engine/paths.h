// Lexical path handling for paths written in pipeline files.
#pragma once

#include <string>

namespace pipeline {

// Joins `path` to `base` (both relative to the project root) and normalizes
// it ("a/./b/../c" -> "a/c", no trailing '/'). Returns false with a reason when
// the path is absolute or climbs out of the project root.
bool project_path(const std::string& base, const std::string& path, std::string* out,
                  std::string* why);

// An absolute path, normalized lexically ("/a/./b//c/../d" -> "/a/b/d"), for
// deps outside the project (DVC's external deps). False when `path` is not
// absolute.
bool external_path(const std::string& path, std::string* out);

// `path` as seen from folder `dir` (both project-relative): ("a", "b/c")
// -> "../b/c"; ("a", "a/x") -> "x"; ("a", "a") -> ".".
std::string relative_to(const std::string& dir, const std::string& path);

// True when `inner` is `outer` or lies inside it ("data/x" is within "data").
bool path_within(const std::string& outer, const std::string& inner);

// Paths pipe owns or must never delete or write: .pipe/, .git/ and .dvc/
// (in any folder), params.yaml and the pipeline and lock files of any
// folder. Returns what `path` would clobber, or nullptr.
const char* reserved_path(const std::string& path);

// "a/b/c" -> "a/b"; "c" -> "".
std::string parent_path(const std::string& path);

}  // namespace pipeline
