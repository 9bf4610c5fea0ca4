#include "error.h"

namespace pipeline {

std::string located(const std::string& file, Mark mark, const std::string& message) {
  if (mark.line <= 0) return file + ": " + message;
  return file + ":" + std::to_string(mark.line) + ":" + std::to_string(mark.col) + ": " + message;
}

void fail_pipeline(const std::string& file, Mark mark, const std::string& message) {
  throw Error(Exit::kBadPipeline, located(file, mark, message));
}

}  // namespace pipeline
