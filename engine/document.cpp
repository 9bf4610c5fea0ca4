#include "document.h"

namespace pipeline {

Value parse_document(const std::string& name, const std::string& text) {
  auto ends_with = [&](const char* ext) {
    const std::string e(ext);
    return name.size() >= e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0;
  };
  if (ends_with(".json")) return parse_json(name, text);
  if (ends_with(".toml")) return parse_toml(name, text);
  return parse_yaml(name, text);
}

}  // namespace pipeline
