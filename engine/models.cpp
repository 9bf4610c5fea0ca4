#include "models.h"

#include <algorithm>

#include "config.h"
#include "document.h"
#include "graph.h"
#include "lockfile.h"
#include "paths.h"
#include "pipeline.h"
#include "suggest.h"
#include "value.h"

namespace pipeline {
namespace {

const std::vector<std::string> kModelKeys = {"path", "desc", "type", "labels", "meta", "architecture", "signature",
                                             "bump", "gates", "approvals"};
const std::vector<std::string> kKinds = {"architecture", "data", "params", "code", "environment"};
const std::vector<std::string> kBumps = {"major", "minor", "patch"};

std::vector<std::string> string_list(const std::string& file, const Value& v, const std::string& what) {
  std::vector<std::string> out;
  if (v.is_string()) return {v.as_string()};
  if (!v.is_list()) fail_pipeline(file, v.mark(), "'" + what + "' must be a path or a list of paths");
  for (const Value& item : v.items()) {
    if (!item.is_string()) fail_pipeline(file, item.mark(), "'" + what + "' entries must be paths");
    out.push_back(item.as_string());
  }
  return out;
}

std::string normalized(const std::string& file, const Value& at, const std::string& path) {
  std::string out, why;
  // Relative to the pipeline file's folder, as its other paths are.
  if (!project_path(parent_path(file), path, &out, &why)) fail_pipeline(file, at.mark(), "'" + path + "': " + why);
  return out;
}

void parse_section(const Pipeline& p, const std::string& file, const Value& section, std::vector<ModelDef>& out) {
  if (section.is_null()) return;
  if (!section.is_map()) fail_pipeline(file, section.mark(), "'models' must map model names to definitions");
  for (size_t i = 0; i < section.entries().size(); ++i) {
    const auto& [name, def] = section.entries()[i];
    ModelDef m;
    m.name = name;
    m.mark = section.key_mark(i);
    if (name.empty() || name.find_first_of("@/ ") != std::string::npos)
      fail_pipeline(file, m.mark, "model name '" + name + "' may not contain '@', '/' or spaces");
    if (!def.is_map()) fail_pipeline(file, def.mark(), "model '" + name + "' must be a mapping with a 'path'");
    for (size_t k = 0; k < def.entries().size(); ++k) {
      const std::string& key = def.entries()[k].first;
      if (std::find(kModelKeys.begin(), kModelKeys.end(), key) == kModelKeys.end())
        fail_pipeline(file, def.key_mark(k), "unknown key '" + key + "' in model '" + name + "'" +
                                                   did_you_mean(key, kModelKeys));
    }
    const Value* path = def.find("path");
    if (!path || !path->is_string()) fail_pipeline(file, def.mark(), "model '" + name + "' needs a 'path'");
    m.path = normalized(file, *path, path->as_string());
    bool produced = false;
    for (const Stage& s : p.stages)
      for (const Output& o : s.outs) produced = produced || path_within(o.path, m.path);
    if (!produced)
      fail_pipeline(file, path->mark(), "model '" + name + "' path '" + m.path +
                                              "' is not an output of any stage; name a stage output");
    if (const Value* d = def.find("desc")) m.desc = d->scalar_text();
    if (const Value* a = def.find("architecture"))
      for (const std::string& s : string_list(file, *a, "architecture")) m.architecture.push_back(normalized(file, *a, s));
    if (const Value* a = def.find("signature"))
      for (const std::string& s : string_list(file, *a, "signature")) m.signature.push_back(normalized(file, *a, s));
    m.rules = {{"architecture", "major"}, {"data", "minor"}, {"params", "minor"}, {"code", "patch"},
               {"environment", "patch"}};
    if (const Value* b = def.find("bump")) {
      if (!b->is_map()) fail_pipeline(file, b->mark(), "'bump' maps a kind of change to major, minor or patch");
      for (size_t k = 0; k < b->entries().size(); ++k) {
        const auto& [kind, level] = b->entries()[k];
        if (std::find(kKinds.begin(), kKinds.end(), kind) == kKinds.end())
          fail_pipeline(file, b->key_mark(k), "unknown kind of change '" + kind + "'" + did_you_mean(kind, kKinds) +
                                                    "; kinds: architecture, data, params, code, environment");
        if (!level.is_string() || std::find(kBumps.begin(), kBumps.end(), level.as_string()) == kBumps.end())
          fail_pipeline(file, level.mark(), "'" + kind + "' must bump major, minor or patch");
        m.rules[kind] = level.as_string();
      }
    }
    if (const Value* g = def.find("gates")) m.gates = parse_gates(file, *g);
    if (const Value* a = def.find("approvals")) m.approvals = parse_approvals(file, *a);
    for (const ModelDef& other : out)
      if (other.name == name) fail_pipeline(file, m.mark, "model '" + name + "' is declared twice");
    out.push_back(std::move(m));
  }
}

// What changed between two bases, per kind: "data/train.csv", "lr (params.yaml)".
std::map<std::string, std::vector<std::string>> changes(const Value& old_basis, const Value& new_basis) {
  std::map<std::string, std::vector<std::string>> out;
  for (const char* kind : {"architecture", "code", "data", "params"}) {
    const Value* a = old_basis.find(kind);
    const Value* b = new_basis.find(kind);
    std::map<std::string, std::string> before, after;
    if (a && a->is_map())
      for (const auto& [k, v] : a->entries()) before[k] = v.canonical();
    if (b && b->is_map())
      for (const auto& [k, v] : b->entries()) after[k] = v.canonical();
    for (const auto& [k, v] : after) {
      auto it = before.find(k);
      if (it == before.end()) out[kind].push_back(k + " (new)");
      else if (it->second != v) out[kind].push_back(kind == std::string("params") ? k + " " + it->second + " -> " + v : k);
    }
    for (const auto& [k, v] : before)
      if (!after.count(k)) out[kind].push_back(k + " (removed)");
  }
  const Value* ea = old_basis.find("environment");
  const Value* eb = new_basis.find("environment");
  if (!ea || !eb || ea->canonical() != eb->canonical()) out["environment"].push_back("environment");
  return out;
}

}  // namespace

std::vector<ModelDef> parse_models(const Pipeline& p) {
  std::vector<ModelDef> out;
  for (const Pipeline::Sections& file : p.sections) {
    parse_section(p, file.file, file.models, out);
    parse_section(p, file.file, file.artifacts, out);
  }
  return out;
}

bool is_code_path(const std::string& path, const std::string& extensions) {
  for (std::string e : split_list(extensions)) {
    if (e.front() != '.') e = "." + e;
    if (path.size() > e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0) return true;
  }
  return false;
}

std::string model_basis(const ModelDef& m, const Pipeline& p, const Graph& g, const LockFile& lock,
                        const std::string& environment_digest, const std::string& code_extensions) {
  std::vector<size_t> producers;
  for (size_t i = 0; i < p.stages.size(); ++i)
    for (const Output& o : p.stages[i].outs)
      if (path_within(o.path, m.path)) producers.push_back(i);
  const std::vector<bool> upstream = g.ancestors(producers);
  Value arch = Value::map(), code = Value::map(), data = Value::map(), params = Value::map();
  for (size_t i = 0; i < p.stages.size(); ++i) {
    if (!upstream[i]) continue;
    auto entry = lock.stages.find(p.stages[i].name);
    if (entry == lock.stages.end()) continue;
    for (const LockedArtifact& d : entry->second.deps) {
      const bool architecture = std::find(m.architecture.begin(), m.architecture.end(), d.path) != m.architecture.end() ||
                                std::find(m.signature.begin(), m.signature.end(), d.path) != m.signature.end();
      Value& kind = architecture ? arch : is_code_path(d.path, code_extensions) ? code : data;
      kind.set(d.path, Value::string(d.digest.hex()));
    }
    for (const auto& [file, values] : entry->second.params)
      for (const auto& [key, v] : values) params.set(key + " (" + file + ")", v);
    // A signature file may be an output (a schema the stage writes).
    for (const LockedArtifact& o : entry->second.outs)
      if (std::find(m.signature.begin(), m.signature.end(), o.path) != m.signature.end())
        arch.set(o.path, Value::string(o.digest.hex()));
  }
  Value basis = Value::map();
  basis.set("architecture", arch);
  basis.set("code", code);
  basis.set("data", data);
  basis.set("params", params);
  basis.set("environment", Value::string(environment_digest));
  return basis.canonical();
}

void next_version(const ModelDef& m, const ModelVersion* previous, const std::string& basis, ModelVersion* out) {
  out->model = m.name;
  out->basis = basis;
  if (!previous) {
    out->major = 1;
    out->minor = out->patch = 0;
    out->bump = "first";
    out->reason = "first version";
    return;
  }
  const auto changed = changes(parse_json("basis", previous->basis), parse_json("basis", basis));
  // The highest bump any change calls for; its reasons first.
  int level = 3;  // 1 major, 2 minor, 3 patch
  std::string reason;
  for (const char* want : {"major", "minor", "patch"}) {
    for (const auto& [kind, items] : changed) {
      if (m.rules.at(kind) != want) continue;
      std::string list;
      for (const std::string& i : items) list += (list.empty() ? "" : ", ") + i;
      reason += (reason.empty() ? "" : "; ") + kind + (kind == "environment" ? " changed" : " changed: " + list);
      level = std::min(level, want == std::string("major") ? 1 : want == std::string("minor") ? 2 : 3);
    }
  }
  if (reason.empty()) reason = "rebuilt from the same inputs (the output differs)";
  out->major = previous->major;
  out->minor = previous->minor;
  out->patch = previous->patch;
  if (level == 1) {
    ++out->major;
    out->minor = out->patch = 0;
    out->bump = "major";
  } else if (level == 2) {
    ++out->minor;
    out->patch = 0;
    out->bump = "minor";
  } else {
    ++out->patch;
    out->bump = "patch";
  }
  out->reason = reason;
}

void split_model_ref(const std::string& ref, std::string* name, std::string* version) {
  const size_t at = ref.find('@');
  *name = ref.substr(0, at);
  *version = at == std::string::npos ? "" : ref.substr(at + 1);
  if (!version->empty() && version->front() == 'v') version->erase(0, 1);
}

}  // namespace pipeline
