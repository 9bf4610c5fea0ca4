// Running a helper program (git) with an argument vector, never through a
// shell: arguments may come from records pipe did not write.
#pragma once

#include <string>
#include <vector>

namespace pipeline {

// Runs argv[0] (looked up on PATH) in `dir`, stderr discarded; fills `out`
// with its stdout. True when it ran and exited 0.
bool run_capture(const std::vector<std::string>& argv, const std::string& dir, std::string* out);

// `s` as one word for /bin/sh: single-quoted, with embedded quotes escaped.
std::string shell_quote(const std::string& s);

}  // namespace pipeline
