#include "run_cache.h"

#include "disk.h"
#include "error.h"
#include "paths.h"
#include "pipeline.h"
#include "project.h"

namespace pipeline {

bool run_cache_eligible(const Stage& stage) {
  if (stage.always_changed || stage.outs.empty()) return false;
  for (const Output& o : stage.outs)
    if (o.persist || !o.cache) return false;
  return true;
}

Digest run_key(const Stage& stage, const LockedStage& inputs) {
  // Canonical text of everything that determines the run; its hash is the key.
  Value doc = Value::map();
  Value cmds = Value::list();
  for (const auto& c : inputs.cmds) cmds.push(Value::string(c));
  doc.set("cmd", cmds);
  Value deps = Value::list();
  for (const auto& d : inputs.deps) deps.push(Value::string(d.path + " " + d.digest.hex()));
  doc.set("deps", deps);
  Value params = Value::map();
  for (const auto& [file, values] : inputs.params) {
    Value v = Value::map();
    for (const auto& [key, value] : values) v.set(key, value);
    params.set(file, v);
  }
  doc.set("params", params);
  Value outs = Value::list();
  for (const auto& o : stage.outs) outs.push(Value::string(o.path));
  doc.set("outs", outs);
  doc.set("wdir", Value::string(stage.wdir));
  return Digest::of(doc.canonical());
}

std::string RunCache::path(const Digest& key) {
  const std::string hex = key.hex();
  return std::string(kStateDir) + "/runs/" + hex.substr(0, 2) + "/" + hex.substr(2);
}

bool RunCache::find(const Digest& key, LockedStage* entry) const {
  std::string text;
  if (!disk_.stat(path(key)).is_file() || !disk_.read(path(key), &text)) return false;
  try {
    LockFile lock = parse_lock(text);
    if (lock.stages.size() != 1) return false;
    *entry = lock.stages.begin()->second;
    return true;
  } catch (const Error&) {
    return false;  // a damaged entry is a miss, not a failure
  }
}

void RunCache::save(const Digest& key, const std::string& stage, const LockedStage& entry) {
  LockFile one;
  one.stages[stage] = entry;
  try {
    disk_.make_dirs(parent_path(path(key)));
    disk_.write_atomic(path(key), render_lock(one));
  } catch (const Error&) {
    // Only the shortcut is lost; the run itself is recorded in pipe.lock.
  }
}

}  // namespace pipeline
