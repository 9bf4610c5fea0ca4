// Project settings: .pipe/config (committed to git) and .pipe/config.local
// (git-ignored, mode 0600, for secrets and machine-specific paths), both
// TOML. Keys are dotted the way DVC names them: "cache.type", "core.remote",
// "remote.<name>.url". A key in config.local wins over the same key in config.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "error.h"

namespace pipeline {

class Disk;

inline constexpr const char* kConfigFile = "config";
inline constexpr const char* kLocalConfigFile = "config.local";

struct ConfigValue {
  std::string value;  // scalars as text: strings bare, numbers and booleans as written
  std::string file;   // project-relative, for error messages
  Mark mark;
};

class Config {
 public:
  // Reads both files from `state_dir` (absolute path of .pipe/). Missing
  // files are empty. Unknown keys and malformed files throw
  // Error(kBadPipeline) located at the fault, with the nearest valid key.
  static Config load(const std::string& state_dir);
  // The same files read through the disk seam (.pipe/config, .pipe/config.local).
  static Config load(Disk& disk);

  const ConfigValue* find(const std::string& key) const;
  std::string get(const std::string& key, const std::string& fallback) const;
  // Every key, in order, with where it came from.
  const std::map<std::string, ConfigValue>& values() const { return values_; }
  // "file:line:col: message" for a bad value of `key`.
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;

 private:
  std::map<std::string, ConfigValue> values_;
};

// Whether `key` is one pipe knows; `why` gets the reason and a suggestion.
bool valid_config_key(const std::string& key, std::string* why);

// Sets (or, when `value` is null, removes) `key` in one config file and
// writes it atomically; config.local is created with mode 0600. Returns
// false when unsetting a key that was not set.
bool edit_config(const std::string& path, const std::string& key, const std::string* value);

// "a, b,c" -> {"a", "b", "c"}: the comma-separated lists settings hold
// (cache.type, lineage.env, lineage.code_extensions). Empty items are dropped.
std::vector<std::string> split_list(const std::string& text);

// Secret-looking keys ("password", "secret_access_key", ...) show as "***".
bool is_secret_config_key(const std::string& key);

}  // namespace pipeline
