#include "params.h"

#include "disk.h"
#include "document.h"

namespace pipeline {

const Value* ParamsReader::file(const std::string& path) {
  auto it = files_.find(path);
  if (it == files_.end()) {
    std::optional<Value> parsed;
    std::string text;
    if (disk_.stat(path).is_file() && disk_.read(path, &text)) {
      parsed = parse_document(path, text);
      // An empty params file defines nothing; DVC reads it as {}.
      if (parsed->is_null()) parsed = Value::map();
    }
    it = files_.emplace(path, std::move(parsed)).first;
  }
  return it->second ? &*it->second : nullptr;
}

}  // namespace pipeline
