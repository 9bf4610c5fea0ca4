// Reading params files (YAML, JSON, TOML) and the values stages track.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "value.h"

namespace pipeline {

class Disk;

inline constexpr const char* kDefaultParamsFile = "params.yaml";

class ParamsReader {
 public:
  explicit ParamsReader(Disk& disk) : disk_(disk) {}
  // The parsed file, or nullptr when it does not exist. Parse errors throw.
  const Value* file(const std::string& path);

 private:
  Disk& disk_;
  std::map<std::string, std::optional<Value>> files_;
};

}  // namespace pipeline
