// DVC's .dvc/config and .dvc/config.local, read as DVC reads them (the
// configobj INI dialect): [core], [cache], ['remote "name"'] sections of
// `key = value` lines, # comments (inline ones too, unless the value is
// quoted), quoted values, and section and key names case-insensitive.
#pragma once

#include <map>
#include <string>

#include "error.h"

namespace pipeline {

struct DvcSetting {
  std::string value;
  Mark mark;
  bool local = false;  // from config.local: the machine's own, kept out of git
};

struct DvcConfig {
  // Sections by their lower-cased name: "core", "cache", "remote \"s3store\"".
  std::map<std::string, std::map<std::string, DvcSetting>> sections;
  // A later file's keys win, section by section, key by key.
  void merge(const DvcConfig& later);
  const DvcSetting* find(const std::string& section, const std::string& key) const;
};

// Throws Error(kBadPipeline) located at a line that is neither a section,
// a setting, a comment nor blank. Settings of a file named config.local
// are marked `local`.
DvcConfig parse_dvc_config(const std::string& file, const std::string& text);

// The remote's name from a section name like `remote "storage"`, or "".
std::string dvc_remote_name(const std::string& section);

}  // namespace pipeline
