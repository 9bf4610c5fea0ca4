#include "error.h"

#include <mutex>
#include <set>

namespace pipeline {
namespace {

std::mutex warn_mutex;
std::function<void(const std::string&)> warning_sink;
std::set<std::string> warned;

}  // namespace

void warn(const std::string& message) {
  std::lock_guard lock(warn_mutex);
  if (!warned.insert(message).second || !warning_sink) return;
  warning_sink(message);
}

void set_warning_sink(std::function<void(const std::string&)> sink) {
  std::lock_guard lock(warn_mutex);
  warning_sink = std::move(sink);
}

std::string located(const std::string& file, Mark mark, const std::string& message) {
  if (mark.line <= 0) return file + ": " + message;
  return file + ":" + std::to_string(mark.line) + ":" + std::to_string(mark.col) + ": " + message;
}

void fail_pipeline(const std::string& file, Mark mark, const std::string& message) {
  throw Error(Exit::kBadPipeline, located(file, mark, message));
}

}  // namespace pipeline
