// Stage processes that outlive a pipe killed with SIGKILL. Every run marks
// its stages' environment with PIPE_RUN_ID; the next run, on taking over the
// dead run's lock, finds processes still carrying that id and stops them, so
// nothing keeps writing outputs that no one will record.
#pragma once

#include <string>

namespace pipeline {

inline constexpr const char* kRunIdVariable = "PIPE_RUN_ID";

// A fresh random id for this run, also exported into this process's
// environment so every stage inherits it. Call before starting threads.
std::string start_run_id();

// Sends SIGKILL to every process whose environment holds PIPE_RUN_ID=run_id.
// Returns how many were signalled.
int kill_run_leftovers(const std::string& run_id);

}  // namespace pipeline
