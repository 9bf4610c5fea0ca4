#include "lineage_query.h"

#include <set>

#include "changes.h"
#include "error.h"
#include "models.h"
#include "params.h"
#include "pipeline.h"
#include "record.h"
#include "workspace.h"

namespace pipeline {
namespace {

class Walker {
 public:
  Walker(LineageStore& store, bool downstream) : store_(store), downstream_(downstream) {}

  LineageNode walk(const std::string& path, const std::string& digest) {
    LineageNode node{path, digest, "", false, {}};
    if (!seen_.insert(path + "\n" + digest).second) {
      node.repeated = true;
      return node;
    }
    std::vector<ExecutionRecord> next;
    if (downstream_) {
      next = store_.consumers(path, digest);
    } else {
      ExecutionRecord e;
      int64_t run = 0;
      if (store_.producer(path, digest, &e, &run)) next.push_back(e);
    }
    for (const auto& e : next) {
      LineageStep step{e.stage, e.status, e.run_id, {}};
      for (const auto& a : downstream_ ? e.outputs : e.inputs) {
        LineageNode child = walk(a.path, a.digest);
        if (a.role != "output") child.role = a.role;
        step.artifacts.push_back(std::move(child));
      }
      node.steps.push_back(std::move(step));
    }
    return node;
  }

 private:
  LineageStore& store_;
  bool downstream_;
  std::set<std::string> seen_;
};

}  // namespace

ModelVersion find_version(LineageStore& store, const std::string& ref) {
  std::string name, version;
  split_model_ref(ref, &name, &version);
  const auto versions = store.model_versions(name);
  if (versions.empty())
    throw Error(Exit::kUsage, "no versions of model '" + name + "' are recorded; 'pipe model list' shows the models");
  if (version.empty()) return versions.back();
  std::string known;
  for (const auto& v : versions) {
    if (v.version() == version) return v;
    known += (known.empty() ? "" : ", ") + v.version();
  }
  throw Error(Exit::kUsage, "model '" + name + "' has no version " + version + "; it has " + known);
}

LineageNode trace_lineage(LineageStore& store, const std::string& path, const std::string& digest, bool downstream) {
  return Walker(store, downstream).walk(path, digest);
}

NamedValues run_values(LineageStore& store, int64_t run, bool metrics) {
  NamedValues out;
  for (const auto& e : store.run(run).executions)
    for (const auto& m : metrics ? e.metrics : e.params) out[m.file + ":" + m.key] = m.value;
  return out;
}

NamedValues recorded_values(LineageStore& store, const ModelVersion& v, bool metrics) {
  return run_values(store, v.run_id, metrics);
}

NamedValues workspace_metrics(Workspace& ws) {
  NamedValues out;
  for (const auto& s : ws.pipeline.stages)
    for (const auto& o : s.outs) {
      std::string text;
      if (o.kind != Output::Kind::kMetric || !ws.disk.read(o.path, &text)) continue;
      for (const auto& m : read_metrics(o.path, text)) out[m.file + ":" + m.key] = m.value;
    }
  return out;
}

NamedValues workspace_params(Workspace& ws) {
  NamedValues out;
  ParamsReader reader(ws.disk);
  for (const auto& s : ws.pipeline.stages)
    for (const auto& [file, values] : current_params(s, reader))
      for (const auto& [key, v] : values) out[file + ":" + key] = v.canonical();
  return out;
}

NamedValues locked_params(const Workspace& ws) {
  NamedValues out;
  const LockFile& lock = ws.lock();
  for (const auto& s : ws.pipeline.stages) {
    auto it = lock.stages.find(s.name);
    if (it == lock.stages.end()) continue;  // never ran
    for (const auto& [file, values] : it->second.params)
      for (const auto& [key, v] : values) out[file + ":" + key] = v.canonical();
  }
  return out;
}

std::vector<ValueChange> diff_values(const NamedValues& a, const NamedValues& b) {
  std::set<std::string> keys;
  for (const auto& [k, v] : a) keys.insert(k);
  for (const auto& [k, v] : b) keys.insert(k);
  std::vector<ValueChange> out;
  for (const std::string& k : keys) {
    auto ia = a.find(k), ib = b.find(k);
    if (ia != a.end() && ib != b.end() && ia->second == ib->second) continue;
    ValueChange c{k, std::nullopt, std::nullopt};
    if (ia != a.end()) c.old_value = ia->second;
    if (ib != b.end()) c.new_value = ib->second;
    out.push_back(c);
  }
  return out;
}

}  // namespace pipeline
