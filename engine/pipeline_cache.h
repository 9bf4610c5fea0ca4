// Expanded pipeline files, kept between commands in .pipe/pipelines.cache.
// A no-op status in a repository of 30 pipeline files and 660 stages spent a
// quarter of its time in yaml-cpp and in foreach/matrix expansion, redoing
// the same work every time. Each file's expansion is stored with what it
// was made from: a digest of the file's text, the parsing.* config and this
// pipe binary, and the digest (or absence) of every params and vars file the
// expansion read. It is used only while all of those still hold, so a stale
// entry costs a parse, never a wrong graph.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "digest.h"
#include "params.h"
#include "pipeline.h"

namespace pipeline {

class Config;

inline constexpr const char* kPipelineCacheFile = ".pipe/pipelines.cache";

class PipelineCache {
 public:
  // Reads the cache at `path` (project-relative). A missing, damaged or
  // foreign file is an empty cache. `build` names the pipe that makes the
  // entries (tests give one); by default this binary, identified by its
  // version and its file's size, mtime and inode. Where that cannot be
  // read, the cache is off: parse() always parses, save() writes nothing.
  explicit PipelineCache(Disk& disk, std::string path = kPipelineCacheFile, std::string build = "");

  // parse_pipeline(disk, file, text, config), from the cache when it can.
  // Warnings the parse gave are given again on a hit.
  Pipeline parse(const std::string& file, const std::string& text, const Config& config);

  // Writes the cache, atomically, when parse() changed it and the project
  // has its .pipe/ folder. Keeps only the files parse() saw in this command
  // (a deleted pipeline file's entry goes). A failure to write only costs the
  // next command its parse.
  void save();

  size_t hits() const { return hits_; }

 private:
  struct Entry {
    Digest key;
    std::vector<ParamsInput> inputs;
    std::string blob;  // the serialized Pipeline
  };
  Digest key_of(const std::string& file, const std::string& text, const Config& config);

  Disk& disk_;
  std::string path_;
  std::string binary_;  // this build's identity, part of every key
  std::map<std::string, Entry> entries_;
  std::set<std::string> seen_;  // files parse() was asked for
  bool enabled_ = false;
  bool dirty_ = false;
  size_t hits_ = 0;
};

}  // namespace pipeline
