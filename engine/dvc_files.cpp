#include "dvc_files.h"

#include <algorithm>
#include <cctype>

#include "document.h"
#include "error.h"

namespace pipeline {
namespace {

struct Reader {
  const std::string& file;
  [[noreturn]] void bad(const Value& at, const std::string& what) const {
    fail_pipeline(file, at.mark(),
                  what + "; " + file + " is written by DVC: restore it from git, or fix it as DVC would write it");
  }
  std::string text(const Value& v, const char* what) const {
    if (!v.is_scalar() || v.is_null()) bad(v, std::string("'") + what + "' must be a string");
    return v.scalar_text();
  }
  uint64_t count(const Value& v, const char* what) const {
    if (v.kind() != Value::Kind::kInt || v.as_int() < 0) bad(v, std::string("'") + what + "' must be a count");
    return static_cast<uint64_t>(v.as_int());
  }
  bool flag(const Value& v, const char* what) const {
    if (v.kind() != Value::Kind::kBool) bad(v, std::string("'") + what + "' must be true or false");
    return v.as_bool();
  }

  DvcArtifact artifact(const Value& item) const {
    if (!item.is_map()) bad(item, "expected a mapping with 'path'");
    DvcArtifact a;
    a.mark = item.mark();
    const Value* path = item.find("path");
    if (!path) bad(item, "missing 'path'");
    a.path = text(*path, "path");
    if (a.path.empty()) bad(*path, "'path' is empty");
    // The hash's name says which field holds its value: DVC 3 writes
    // `hash: md5`; without it an in-repo entry is DVC 2's md5-dos2unix.
    std::string field = "md5";
    if (const Value* hash = item.find("hash")) {
      const std::string name = text(*hash, "hash");
      if (name == "md5") a.hash = DvcHashKind::kMd5;
      else if (name == "md5-dos2unix") a.hash = DvcHashKind::kMd5Dos2Unix;
      else a.known_hash = false;
      field = name;
    }
    if (const Value* md5 = item.find(field)) {
      std::string value = text(*md5, field.c_str());
      std::transform(value.begin(), value.end(), value.begin(), [](unsigned char c) { return std::tolower(c); });
      if (value.size() > 4 && value.compare(value.size() - 4, 4, ".dir") == 0) {
        a.is_dir = true;
        value.resize(value.size() - 4);
      }
      const bool hex = value.size() == 32 && std::all_of(value.begin(), value.end(), [](char c) {
                         return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                       });
      if (a.known_hash && !hex) bad(*md5, "'" + field + "' must be 32 hex digits, with '.dir' for a directory");
      if (a.known_hash) a.md5 = value;
    }
    for (const char* key : {"etag", "checksum"})
      if (const Value* v = item.find(key)) a.etag = text(*v, key);
    if (const Value* v = item.find("size")) {
      a.size = count(*v, "size");
      a.has_size = true;
    }
    if (const Value* v = item.find("nfiles")) {
      a.nfiles = count(*v, "nfiles");
      a.is_dir = true;
    }
    if (const Value* v = item.find("isexec")) a.executable = flag(*v, "isexec");
    if (const Value* v = item.find("cache")) a.cache = flag(*v, "cache");
    if (const Value* files = item.find("files")) {
      if (!files->is_list()) bad(*files, "'files' must be a list");
      a.is_dir = true;
      for (const Value& f : files->items()) {
        const Value* rel = f.is_map() ? f.find("relpath") : nullptr;
        const Value* md5 = f.is_map() ? f.find("md5") : nullptr;
        if (!rel || !md5) bad(f, "a 'files' entry needs 'relpath' and 'md5'");
        a.files.push_back({text(*rel, "relpath"), text(*md5, "md5")});
      }
    }
    return a;
  }

  std::vector<DvcArtifact> artifacts(const Value* list) const {
    std::vector<DvcArtifact> out;
    if (!list || list->is_null()) return out;
    if (!list->is_list()) bad(*list, "expected a list");
    for (const Value& item : list->items()) out.push_back(artifact(item));
    return out;
  }

  DvcLockStage stage(const std::string& name, const Value& def) const {
    if (!def.is_map()) bad(def, "stage '" + name + "' must be a mapping");
    DvcLockStage s;
    s.mark = def.mark();
    const Value* cmd = def.find("cmd");
    if (!cmd) bad(def, "stage '" + name + "' has no 'cmd'");
    if (cmd->is_list()) {
      for (const Value& c : cmd->items()) s.cmds.push_back(text(c, "cmd"));
    } else {
      s.cmds.push_back(text(*cmd, "cmd"));
    }
    s.deps = artifacts(def.find("deps"));
    s.outs = artifacts(def.find("outs"));
    if (const Value* params = def.find("params")) {
      if (!params->is_map()) bad(*params, "'params' must map params files to their values");
      for (const auto& [params_file, values] : params->entries()) {
        if (!values.is_map()) bad(values, "params of '" + params_file + "' must be a mapping");
        auto& dest = s.params[params_file];
        for (const auto& [key, v] : values.entries()) dest[key] = v;
      }
    }
    return s;
  }
};

}  // namespace

DvcLock parse_dvc_lock(const std::string& file, const std::string& text) {
  const Reader r{file};
  const Value root = parse_yaml(file, text);
  DvcLock lock;
  if (root.is_null()) return lock;
  if (!root.is_map()) r.bad(root, "expected a mapping");
  const Value* stages = &root;
  if (const Value* schema = root.find("schema")) {
    if (r.text(*schema, "schema") != "2.0")
      r.bad(*schema, "schema '" + schema->scalar_text() + "' is not one pipe reads (it reads '2.0' and DVC 1's)");
    stages = root.find("stages");
    if (!stages || stages->is_null()) return lock;
    if (!stages->is_map()) r.bad(*stages, "'stages' must be a mapping");
  }
  // DVC 1's lock has no schema: the stages are the top level.
  for (const auto& [name, def] : stages->entries()) lock.stages.emplace(name, r.stage(name, def));
  return lock;
}

DvcFile parse_dvc_file(const std::string& file, const std::string& text) {
  const Reader r{file};
  const Value root = parse_yaml(file, text);
  DvcFile f;
  if (root.is_null()) return f;
  if (!root.is_map()) r.bad(root, "expected a mapping with 'outs'");
  if (const Value* wdir = root.find("wdir")) {
    f.wdir = r.text(*wdir, "wdir");
    if (f.wdir == ".") f.wdir.clear();
  }
  for (const char* key : {"frozen", "locked"})
    if (const Value* v = root.find(key)) f.frozen = f.frozen || r.flag(*v, key);
  f.outs = r.artifacts(root.find("outs"));
  if (const Value* deps = root.find("deps")) {
    if (!deps->is_list()) r.bad(*deps, "'deps' must be a list");
    for (const Value& d : deps->items()) {
      if (!d.is_map() || !d.find("path")) r.bad(d, "a dep needs a 'path'");
      std::string source = r.text(*d.find("path"), "path");
      if (const Value* repo = d.find("repo"); repo && repo->is_map()) {
        if (const Value* url = repo->find("url")) source += " from " + r.text(*url, "url");
        if (const Value* rev = repo->find("rev_lock")) source += " at " + r.text(*rev, "rev_lock");
      }
      f.sources.push_back(source);
    }
  }
  return f;
}

}  // namespace pipeline
