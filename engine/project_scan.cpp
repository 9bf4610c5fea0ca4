// Finding and loading every pipeline file, as DVC collects dvc.yaml files,
// in one walk of the project that also finds the .pipe files. A folder's
// own pipeline file is parsed before its subfolders are visited, so output
// directories already declared (a data tree of a million files, often) are
// not walked at all; the walk reads directory entries' types only, never
// stat'ing files.
#include <algorithm>
#include <set>

#include "config.h"
#include "disk.h"
#include "error.h"
#include "ignore.h"
#include "paths.h"
#include "pipeline.h"
#include "pipeline_cache.h"
#include "tracked.h"

namespace pipeline {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

class Scan {
 public:
  // `load`: parse each file as it is found (else only list them).
  Scan(Disk& disk, const Config* load, PipelineCache* cache = nullptr)
      : disk_(disk), ignore_(disk), config_(load), cache_(cache) {}
  // Lists .dvc files also where a .pipe file supersedes them.
  bool every_dvc_file = false;

  void walk(const std::string& dir) {
    std::vector<DirEntry> entries = disk_.list_types(dir);
    std::sort(entries.begin(), entries.end(), [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
    std::set<std::string> names;
    for (const DirEntry& e : entries) names.insert(e.name);
    if (!dir.empty() && (names.count(".pipe") || names.count(".dvc"))) return;  // a project of its own
    ignore_.listed(dir, names.count(".pipeignore") || names.count(".dvcignore"));
    const std::string prefix = dir.empty() ? "" : dir + "/";
    const bool check_ignores = ignore_.any_in_or_above(dir);
    auto ignored = [&](const std::string& path, bool is_dir) { return check_ignores && ignore_.ignored(path, is_dir); };
    // pipe.yaml wins over dvc.yaml in the same folder.
    std::string here;
    for (const char* name : {"dvc.yaml", "pipe.yaml"})
      for (const DirEntry& e : entries)
        if (e.name == name && e.info.is_file() && !ignored(prefix + name, false)) here = prefix + name;
    if (!here.empty()) add_file(here);
    for (const DirEntry& e : entries) {
      const std::string path = prefix + e.name;
      if (e.info.is_file() && !ignored(path, false)) {
        // X.pipe supersedes X.dvc: pipe's own record of the same data.
        const bool dvc = ends_with(e.name, kDvcSuffix) &&
                         (every_dvc_file || !names.count(e.name.substr(0, e.name.size() - 4) + kTrackedSuffix));
        if (dvc || ends_with(e.name, kTrackedSuffix)) tracked_.push_back(path);
      }
      if (!e.info.is_dir() || e.name == ".git" || e.name == ".pipe" || e.name == ".dvc") continue;
      if (names.count(e.name + kTrackedSuffix) || names.count(e.name + ".dvc")) continue;  // tracked data
      if (outputs_.count(path) || ignored(path, true)) continue;
      walk(path);
    }
  }

  Pipeline result() {
    // A .pipe file inside an output belongs to nobody (the walk may have
    // passed the output before the file declaring it).
    std::vector<std::string> kept;
    for (const std::string& t : tracked_) {
      bool inside = false;
      for (std::string up = parent_path(t); !up.empty() && !inside; up = parent_path(up)) inside = outputs_.count(up) > 0;
      if (!inside) kept.push_back(t);
    }
    std::sort(kept.begin(), kept.end());
    all_.tracked = std::move(kept);
    all_.file = all_.files.empty() ? "pipe.yaml" : all_.files.front();
    return std::move(all_);
  }

 private:
  void add_file(const std::string& file) {
    all_.files.push_back(file);
    if (!config_) return;
    std::string text;
    if (!disk_.read(file, &text)) throw Error(Exit::kIo, "cannot read " + file);
    Pipeline one = cache_ ? cache_->parse(file, text, *config_) : parse_pipeline(disk_, file, text, *config_);
    for (Stage& s : one.stages) {
      for (const Output& o : s.outs) outputs_.insert(o.path);
      all_.stages.push_back(std::move(s));
    }
    for (Pipeline::Sections& s : one.sections) all_.sections.push_back(std::move(s));
  }

  Disk& disk_;
  IgnoreRules ignore_;
  const Config* config_;
  PipelineCache* cache_;
  Pipeline all_;
  std::vector<std::string> tracked_;
  std::set<std::string> outputs_;
};

}  // namespace

std::vector<std::string> find_pipeline_files(Disk& disk) {
  Scan scan(disk, nullptr);
  scan.walk("");
  return scan.result().files;
}

std::vector<std::string> find_dvc_files(Disk& disk) {
  Scan scan(disk, nullptr);
  scan.every_dvc_file = true;
  scan.walk("");
  std::vector<std::string> out;
  for (const std::string& f : scan.result().tracked)
    if (ends_with(f, kDvcSuffix)) out.push_back(f);
  return out;
}

std::vector<std::string> find_tracked_files(Disk& disk) {
  Scan scan(disk, nullptr);
  scan.walk("");
  return scan.result().tracked;
}

Pipeline load_pipeline(Disk& disk, const Config& config, bool required) {
  PipelineCache cache(disk);
  Scan scan(disk, &config, &cache);
  scan.walk("");
  Pipeline all = scan.result();
  cache.save();
  if (all.files.empty() && required)
    throw Error(Exit::kBadPipeline, "no pipe.yaml or dvc.yaml in the project; create one with a 'stages:' section");
  return all;
}

Pipeline load_pipeline(Disk& disk, bool required) { return load_pipeline(disk, Config::load(disk), required); }

}  // namespace pipeline
