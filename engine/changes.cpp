#include "changes.h"

#include "artifact.h"
#include "interpolate.h"
#include "params.h"

namespace pipeline {

std::string Reason::category() const {
  switch (kind) {
    case Kind::kNeverRun:
    case Kind::kAlwaysChanged:
    case Kind::kForced:
    case Kind::kUpstream: return "stage";
    case Kind::kCmd: return "cmd";
    case Kind::kDepNew:
    case Kind::kDepDeleted:
    case Kind::kDepModified:
    case Kind::kDepRemoved: return "dep";
    case Kind::kParamNew:
    case Kind::kParamDeleted:
    case Kind::kParamModified:
    case Kind::kParamMissing: return "param";
    case Kind::kOutNew:
    case Kind::kOutDeleted:
    case Kind::kOutModified: return "out";
  }
  return "?";
}

std::string Reason::change() const {
  switch (kind) {
    case Kind::kNeverRun: return "never run";
    case Kind::kAlwaysChanged: return "always changed";
    case Kind::kForced: return "forced";
    case Kind::kCmd:
    case Kind::kDepModified:
    case Kind::kParamModified:
    case Kind::kOutModified: return "modified";
    case Kind::kDepNew:
    case Kind::kParamNew:
    case Kind::kOutNew: return "new";
    case Kind::kDepDeleted:
    case Kind::kParamDeleted:
    case Kind::kOutDeleted: return "deleted";
    case Kind::kDepRemoved: return "removed";
    case Kind::kParamMissing: return "missing";
    case Kind::kUpstream: return "upstream";
  }
  return "?";
}

std::string Reason::describe() const {
  switch (kind) {
    case Kind::kNeverRun: return "never run";
    case Kind::kAlwaysChanged: return "always_changed is set";
    case Kind::kForced: return "forced";
    case Kind::kCmd: return "cmd changed";
    case Kind::kDepRemoved: return "dep no longer declared: " + subject;
    case Kind::kUpstream: return "upstream stage '" + subject + "' would run first";
    default: break;
  }
  std::string text = category() + " " + change() + ": " + subject;
  if (kind == Kind::kParamModified) text += " " + old_value + " -> " + new_value;
  else if (kind == Kind::kParamNew) text += " = " + new_value;
  else if (kind == Kind::kParamDeleted) text += " (was " + old_value + ")";
  return text;
}

std::map<std::string, std::map<std::string, Value>> current_params(const Stage& stage, ParamsReader& params) {
  std::map<std::string, std::map<std::string, Value>> out;
  for (const ParamRef& ref : stage.params) {
    auto& dest = out[ref.file];
    const Value* doc = params.file(ref.file);
    if (!doc || !doc->is_map()) continue;
    if (ref.keys.empty()) {
      for (const auto& [k, v] : doc->entries()) dest[k] = v;
      continue;
    }
    for (const std::string& key : ref.keys) {
      std::string why;
      if (const Value* v = lookup_path(*doc, key, &why)) dest[key] = *v;
    }
  }
  return out;
}

namespace {

void compare_artifact(const std::string& path, const LockedArtifact* locked, ArtifactHasher& hasher,
                      Reason::Kind new_kind, Reason::Kind deleted_kind, Reason::Kind modified_kind,
                      std::vector<Reason>& out) {
  const ArtifactInfo& now = hasher.hash(path);
  if (!now.exists) {
    out.push_back({deleted_kind, path, "", ""});
    return;
  }
  if (!locked) out.push_back({new_kind, path, "", ""});
  else if (!hasher.same(*locked, now)) out.push_back({modified_kind, path, "", ""});
}

}  // namespace

std::vector<Reason> stage_changes(const Stage& stage, const LockedStage* locked, ArtifactHasher& hasher,
                                  ParamsReader& params) {
  std::vector<Reason> out;
  if (stage.always_changed) out.push_back({Reason::Kind::kAlwaysChanged, "", "", ""});
  if (!locked) {
    out.push_back({Reason::Kind::kNeverRun, "", "", ""});
    return out;
  }
  if (locked->cmds != stage.cmds) out.push_back({Reason::Kind::kCmd, "", "", ""});

  auto find = [](const std::vector<LockedArtifact>& list, const std::string& path) -> const LockedArtifact* {
    for (const auto& a : list)
      if (a.path == path) return &a;
    return nullptr;
  };
  for (const Dep& d : stage.deps)
    compare_artifact(d.path, find(locked->deps, d.path), hasher, Reason::Kind::kDepNew,
                     Reason::Kind::kDepDeleted, Reason::Kind::kDepModified, out);
  for (const LockedArtifact& a : locked->deps) {
    bool declared = false;
    for (const Dep& d : stage.deps) declared = declared || d.path == a.path;
    if (!declared) out.push_back({Reason::Kind::kDepRemoved, a.path, "", ""});
  }

  const auto now = current_params(stage, params);
  for (const auto& [file, values] : now) {
    auto lf = locked->params.find(file);
    for (const auto& [key, v] : values) {
      const std::string subject = key + " (" + file + ")";
      const Value* old = nullptr;
      if (lf != locked->params.end()) {
        auto lk = lf->second.find(key);
        if (lk != lf->second.end()) old = &lk->second;
      }
      if (!old) out.push_back({Reason::Kind::kParamNew, subject, "", v.canonical()});
      else if (old->canonical() != v.canonical())
        out.push_back({Reason::Kind::kParamModified, subject, old->canonical(), v.canonical()});
    }
  }
  for (const ParamRef& ref : stage.params) {
    auto nf = now.find(ref.file);
    auto lf = locked->params.find(ref.file);
    for (const std::string& key : ref.keys) {
      const bool present = nf != now.end() && nf->second.count(key);
      const bool was = lf != locked->params.end() && lf->second.count(key);
      if (!present && !was) out.push_back({Reason::Kind::kParamMissing, key + " (" + ref.file + ")", "", ""});
    }
  }
  for (const auto& [file, values] : locked->params) {
    auto nf = now.find(file);
    for (const auto& [key, v] : values) {
      if (nf != now.end() && nf->second.count(key)) continue;
      out.push_back({Reason::Kind::kParamDeleted, key + " (" + file + ")", v.canonical(), ""});
    }
  }

  for (const Output& o : stage.outs)
    compare_artifact(o.path, find(locked->outs, o.path), hasher, Reason::Kind::kOutNew,
                     Reason::Kind::kOutDeleted, Reason::Kind::kOutModified, out);
  return out;
}

}  // namespace pipeline
