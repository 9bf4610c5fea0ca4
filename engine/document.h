// Parsing YAML, JSON and TOML text into Value. The only files that see
// yaml-cpp, nlohmann::json and toml++ types are the three that implement these.
#pragma once

#include <string>

#include "value.h"

namespace pipeline {

// `name` is used in error messages ("params.yaml:3:7: ...").
// Errors throw Error(kBadPipeline) with the location of the fault.
Value parse_yaml(const std::string& name, const std::string& text);
Value parse_json(const std::string& name, const std::string& text);
Value parse_toml(const std::string& name, const std::string& text);

// A map as TOML text (nested maps become tables). Comments and layout of
// a file read earlier are not kept.
std::string render_toml(const Value& map);

// Chooses the parser by extension: .json, .toml, anything else YAML.
Value parse_document(const std::string& name, const std::string& text);

// Limits that keep hostile input (alias bombs, deep nesting) bounded in
// time and memory; far above anything a real pipeline needs.
inline constexpr size_t kMaxDocumentNodes = 1'000'000;
inline constexpr int kMaxDocumentDepth = 200;

}  // namespace pipeline
