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

// Limits that keep hostile input (alias bombs, deep nesting, huge files)
// bounded in time and memory; far above anything a real pipeline needs.
inline constexpr size_t kMaxDocumentNodes = 1'000'000;
inline constexpr int kMaxDocumentDepth = 200;
inline constexpr size_t kMaxDocumentBytes = 16u << 20;

// What every parser checks before it parses: at most kMaxDocumentBytes,
// valid UTF-8, no NUL byte (a file the OS would read up to a NUL is not
// the file the user sees). Throws Error(kBadPipeline) at the first fault.
void check_document_text(const std::string& name, const std::string& text);
// And after: no string or key holds a NUL (from an escape such as "\0"),
// which a command line or a file name would silently cut short.
Value checked_strings(const std::string& name, Value value);
// Line and column (from 1) of byte offset `byte` in `text`.
Mark mark_at(const std::string& text, size_t byte);

}  // namespace pipeline
