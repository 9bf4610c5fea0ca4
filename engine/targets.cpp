#include "targets.h"

#include <fnmatch.h>

#include <algorithm>

#include "disk.h"
#include "error.h"
#include "paths.h"
#include "pipeline.h"
#include "suggest.h"
#include "tracked.h"

namespace pipeline {
namespace {

// "train" matches "train", and "train@a" of its foreach group.
bool name_matches(const std::string& local, const std::string& name, bool glob) {
  if (glob) return fnmatch(name.c_str(), local.c_str(), 0) == 0;
  return local == name || (local.size() > name.size() && local.compare(0, name.size(), name) == 0 &&
                           local[name.size()] == '@');
}

// `typed` relative to `cwd`, as a project-relative path ("" the root).
bool cwd_path(const std::string& cwd, const std::string& typed, std::string* out) {
  std::string why;
  return !typed.empty() && project_path(cwd, typed, out, &why);
}

std::string file_list(const Pipeline& p) {
  std::string all;
  for (const auto& f : p.files) all += (all.empty() ? "" : ", ") + f;
  return all.empty() ? "none" : all;
}

bool has_file(const Pipeline& p, const std::string& file) {
  return std::find(p.files.begin(), p.files.end(), file) != p.files.end();
}

// Stages of `file` named `name`; throws when there is none.
void add_named(const Pipeline& p, const std::string& file, const std::string& name, const std::string& typed,
               bool glob, std::vector<size_t>& out) {
  bool found = false;
  std::vector<std::string> names;
  for (size_t i = 0; i < p.stages.size(); ++i) {
    const Stage& s = p.stages[i];
    if (s.file != file) continue;
    names.push_back(s.local);
    if (s.local.find('@') != std::string::npos) names.push_back(s.local.substr(0, s.local.find('@')));
    if (name_matches(s.local, name, glob)) {
      out.push_back(i);
      found = true;
    }
  }
  if (found) return;
  std::string hint = did_you_mean(name, names);
  if (hint.empty()) hint = did_you_mean(typed, p.stage_names());
  throw Error(Exit::kUsage, "no stage named '" + name + "' in " + file + hint);
}

std::vector<size_t> resolve_one(const Pipeline& p, const std::string& t, const std::string& cwd,
                                const TargetOptions& options) {
  std::vector<size_t> out;
  // DVC's "dir/dvc.yaml:train" form names the file too.
  const auto colon = t.rfind(':');
  if (colon != std::string::npos) {
    std::string file;
    if (!cwd_path(cwd, t.substr(0, colon), &file) || !has_file(p, file))
      throw Error(Exit::kUsage, "target '" + t + "' names the pipeline file '" + t.substr(0, colon) +
                                    "', which does not exist; the pipeline files are: " + file_list(p));
    add_named(p, file, t.substr(colon + 1), t, options.glob, out);
    return out;
  }
  std::string path;
  const bool is_path = cwd_path(cwd, t, &path);
  if (is_path && has_file(p, path)) {
    for (size_t i = 0; i < p.stages.size(); ++i)
      if (p.stages[i].file == path) out.push_back(i);
    return out;
  }
  if (options.recursive && is_path) {
    for (size_t i = 0; i < p.stages.size(); ++i)
      if (path_within(path, parent_path(p.stages[i].file))) out.push_back(i);
    if (!out.empty()) return out;
  }
  std::string file;
  for (const std::string& f : p.files)
    if (parent_path(f) == cwd) file = f;
  if (file.empty())
    throw Error(Exit::kUsage, "no stage named '" + t + "': there is no pipeline file in " +
                                  (cwd.empty() ? std::string("the project root") : "'" + cwd + "'") +
                                  "; name it with its file, as 'sub/dvc.yaml:" + t + "'" +
                                  did_you_mean(t, p.stage_names()));
  add_named(p, file, t, t, options.glob, out);
  return out;
}

bool is_stage_name(const Pipeline& p, const std::string& text, const std::string& cwd, const TargetOptions& options) {
  try {
    resolve_one(p, text, cwd, options);
    return true;
  } catch (const Error&) {
    return false;
  }
}


}  // namespace

std::vector<size_t> resolve_targets(const Pipeline& p, const std::vector<std::string>& targets, const std::string& cwd,
                                    const TargetOptions& options) {
  std::vector<size_t> out;
  for (const std::string& t : targets)
    for (size_t i : resolve_one(p, t, cwd, options)) out.push_back(i);
  return out;
}

Selection select_targets(const Pipeline& p, const std::vector<Target>& targets, const std::string& cwd,
                         const TargetOptions& options) {
  Selection sel;
  sel.stages.assign(p.stages.size(), targets.empty());
  sel.outputs.resize(p.stages.size());
  std::vector<bool> whole(p.stages.size(), false);
  if (targets.empty()) {
    sel.tracked = p.tracked;
    return sel;
  }
  const std::string suffix = kTrackedSuffix;
  auto is_tracked = [&](const std::string& file) {
    return std::binary_search(p.tracked.begin(), p.tracked.end(), file);
  };
  for (const Target& t : targets) {
    if (is_stage_name(p, t.text, cwd, options)) {
      for (size_t i : resolve_one(p, t.text, cwd, options)) sel.stages[i] = whole[i] = true;
      continue;
    }
    const std::string& path = t.path;
    if (!path.empty()) {
      // A .pipe or .dvc file, or the data one of them tracks.
      bool named = false;
      for (const std::string& file : {path, path + suffix, path + kDvcSuffix})
        if (!named && is_tracked(file)) {
          sel.tracked.push_back(file);
          named = true;
        }
      if (named) continue;
      bool found = false;
      for (size_t i = 0; i < p.stages.size(); ++i)
        for (const Output& o : p.stages[i].outs)
          if (path_within(o.path, path)) {
            found = sel.stages[i] = true;
            sel.outputs[i].push_back(o.path);
          }
      if (found) continue;
    }
    // The stage-name error carries the suggestion; add the other readings.
    try {
      resolve_one(p, t.text, cwd, options);
    } catch (const Error& e) {
      throw Error(Exit::kUsage, std::string(e.what()) + ", and no output or .pipe file by that path");
    }
  }
  for (size_t i = 0; i < whole.size(); ++i)
    if (whole[i]) sel.outputs[i].clear();
  std::sort(sel.tracked.begin(), sel.tracked.end());
  sel.tracked.erase(std::unique(sel.tracked.begin(), sel.tracked.end()), sel.tracked.end());
  return sel;
}

std::vector<size_t> Selection::chosen() const {
  std::vector<size_t> out;
  for (size_t i = 0; i < stages.size(); ++i)
    if (stages[i]) out.push_back(i);
  return out;
}

bool Selection::wants(size_t stage, const std::string& output) const {
  if (!stages[stage]) return false;
  const auto& only = outputs[stage];
  return only.empty() || std::find(only.begin(), only.end(), output) != only.end();
}

std::string display_name(const Stage& stage, const std::string& cwd) {
  if (cwd.empty()) return stage.name;
  const std::string file = stage.file.empty() ? "pipe.yaml" : stage.file;  // engine tests leave it empty
  const std::string& local = stage.local.empty() ? stage.name : stage.local;
  if (parent_path(file) == cwd) return local;
  return relative_to(cwd, file) + ":" + local;
}

}  // namespace pipeline
