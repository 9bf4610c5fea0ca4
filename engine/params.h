// Reading params files (YAML, JSON, TOML) and the values stages track.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "digest.h"
#include "value.h"

namespace pipeline {

class Disk;

inline constexpr const char* kDefaultParamsFile = "params.yaml";

// What a params file held when it was read: its digest, or that there was
// none. The pipeline cache (pipeline_cache.h) keeps these for the files an
// expansion read and trusts the expansion while they all still hold.
struct ParamsInput {
  std::string path;
  bool exists = false;
  Digest digest;
};
// The same, read now.
ParamsInput read_params_input(Disk& disk, const std::string& path);

class ParamsReader {
 public:
  explicit ParamsReader(Disk& disk) : disk_(disk) {}
  // The parsed file, or nullptr when it does not exist. Parse errors throw.
  const Value* file(const std::string& path);
  // Every file file() read (or found missing), in order, once each.
  const std::vector<ParamsInput>& inputs() const { return inputs_; }

 private:
  Disk& disk_;
  std::vector<ParamsInput> inputs_;
  std::map<std::string, std::optional<Value>> files_;
};

}  // namespace pipeline
