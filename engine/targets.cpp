#include "targets.h"

#include <algorithm>

#include "disk.h"
#include "error.h"
#include "paths.h"
#include "pipeline.h"
#include "repro.h"
#include "tracked.h"

namespace pipeline {
namespace {

bool is_stage_name(const Pipeline& p, const std::string& text) {
  try {
    resolve_targets(p, {text});
    return true;
  } catch (const Error&) {
    return false;
  }
}

std::vector<std::string> output_dirs(const Pipeline& p) {
  std::vector<std::string> out;
  for (const Stage& s : p.stages)
    for (const Output& o : s.outs) out.push_back(o.path);
  return out;
}

}  // namespace

Selection select_targets(const Pipeline& p, Disk& disk, const std::vector<Target>& targets) {
  Selection sel;
  sel.stages.assign(p.stages.size(), targets.empty());
  sel.outputs.resize(p.stages.size());
  std::vector<bool> whole(p.stages.size(), false);
  if (targets.empty()) {
    sel.tracked = find_tracked_files(disk, output_dirs(p));
    return sel;
  }
  const std::string suffix = kTrackedSuffix;
  for (const Target& t : targets) {
    if (is_stage_name(p, t.text)) {
      for (size_t i : resolve_targets(p, {t.text})) sel.stages[i] = whole[i] = true;
      continue;
    }
    const std::string& path = t.path;
    if (!path.empty()) {
      if (path.size() > suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0 &&
          disk.stat(path).is_file()) {
        sel.tracked.push_back(path);
        continue;
      }
      if (disk.stat(path + suffix).is_file()) {
        sel.tracked.push_back(path + suffix);
        continue;
      }
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
      resolve_targets(p, {t.text});
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

bool Selection::wants(size_t stage, const std::string& output) const {
  if (!stages[stage]) return false;
  const auto& only = outputs[stage];
  return only.empty() || std::find(only.begin(), only.end(), output) != only.end();
}

}  // namespace pipeline
