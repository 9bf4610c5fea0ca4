#include "params.h"

#include "disk.h"
#include "document.h"

namespace pipeline {

ParamsInput read_params_input(Disk& disk, const std::string& path) {
  ParamsInput input;
  input.path = path;
  std::string text;
  // As ParamsReader::file decides what exists.
  if (disk.stat(path).is_file() && disk.read(path, &text)) {
    input.exists = true;
    input.digest = Digest::of(text);
  }
  return input;
}

const Value* ParamsReader::file(const std::string& path) {
  auto it = files_.find(path);
  if (it == files_.end()) {
    std::optional<Value> parsed;
    std::string text;
    ParamsInput& input = inputs_.emplace_back();
    input.path = path;
    if (disk_.stat(path).is_file() && disk_.read(path, &text)) {
      input.exists = true;
      input.digest = Digest::of(text);
      parsed = parse_document(path, text);
      // An empty params file defines nothing; DVC reads it as {}.
      if (parsed->is_null()) parsed = Value::map();
    }
    it = files_.emplace(path, std::move(parsed)).first;
  }
  return it->second ? &*it->second : nullptr;
}

}  // namespace pipeline
