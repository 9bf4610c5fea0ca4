// Running a helper program (git) with an argument vector, never through a
// shell: arguments may come from records pipe did not write.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace pipeline {

// Runs argv[0] (looked up on PATH) in `dir` ("" : here), stdin empty;
// fills `out` with its stdout, followed by its stderr with `with_stderr`
// (`java --version` writes there). True when it ran and exited 0.
bool run_capture(const std::vector<std::string>& argv, const std::string& dir, std::string* out,
                 bool with_stderr = false);

// The same, keeping stdout and stderr apart (a scheduler's answer, and its
// complaint), both read at once so that neither pipe fills up. Returns the exit code; -1 when it could not be started, -2
// when a signal ended it.
int run_program(const std::vector<std::string>& argv, const std::string& dir, std::string* out, std::string* err);

// Runs argv[0] in `dir` with stdout and stderr appended to the file at
// `log` (made if missing), stdin empty, so the log can be read while it
// runs; `started` hears the child's pid once it runs. Returns the exit
// code, 128 + N when signal N ended it, -1 when it could not be started.
int run_logged(const std::vector<std::string>& argv, const std::string& dir, const std::string& log,
               const std::function<void(int pid)>& started);

// `s` as one word for /bin/sh: single-quoted, with embedded quotes escaped.
std::string shell_quote(const std::string& s);

}  // namespace pipeline
