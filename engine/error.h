// Errors a user can cause, and the exit codes the CLI maps them to.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>

namespace pipeline {

// Documented in docs/commands.md; stable, because cron and CI scripts test them.
enum class Exit : int {
  kOk = 0,
  kFailed = 1,        // a stage failed, or `status` found something out of date
  kUsage = 2,         // bad command line
  kBadPipeline = 3,   // pipe.yaml, params or pipe.lock is invalid
  kLocked = 4,        // another run holds the project lock past --wait-for-lock
  kIo = 5,            // the filesystem refused (permissions, disk full)
  kInternal = 70,     // a bug in pipe
  kInterrupted = 130, // SIGINT or SIGTERM
};

// Thrown to stop the current command; `main` prints what() and exits with code.
class Error : public std::runtime_error {
 public:
  Error(Exit code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  Exit code() const { return code_; }

 private:
  Exit code_;
};

// A position in a text file, 1-based; line 0 means "unknown".
struct Mark {
  int line = 0;
  int col = 0;
};

// "file:line:col: message", the form editors and CI logs link to.
std::string located(const std::string& file, Mark mark, const std::string& message);

[[noreturn]] void fail_pipeline(const std::string& file, Mark mark, const std::string& message);

// Something the user should know that does not stop the command. The engine
// never prints: the CLI installs the sink. Each distinct message goes out
// once per process, however often the file that causes it is read.
void warn(const std::string& message);
void set_warning_sink(std::function<void(const std::string&)> sink);

}  // namespace pipeline
