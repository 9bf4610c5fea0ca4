#include "lockfile.h"

#include <algorithm>

#include "disk.h"
#include "document.h"

namespace pipeline {
namespace {

std::string quote(const std::string& s) { return Value::string(s).canonical(); }

void render_artifacts(std::string& out, const char* key, const std::vector<LockedArtifact>& list) {
  if (list.empty()) return;
  out += "    ";
  out += key;
  out += ":\n";
  for (const LockedArtifact& a : list) out += render_artifact(a, a.path, "    ");
}

// The lock file being read, for messages.
struct Source {
  const std::string& file;
  [[noreturn]] void corrupt(Mark m, const std::string& what) const {
    fail_pipeline(file, m,
                  what + "; " + file + " is written by pipe, so it was edited or damaged: restore it from "
                         "version control, or delete it to rerun every stage");
  }
  const Value& need(const Value& map, const char* key) const {
    const Value* v = map.find(key);
    if (!v) corrupt(map.mark(), std::string("missing '") + key + "'");
    return *v;
  }
};

std::vector<LockedArtifact> parse_artifacts(const Source& src, const Value* list) {
  std::vector<LockedArtifact> out;
  if (!list) return out;
  if (!list->is_list()) src.corrupt(list->mark(), "expected a list of artifacts");
  for (const Value& item : list->items()) {
    if (!item.is_map()) src.corrupt(item.mark(), "expected an artifact mapping");
    LockedArtifact a;
    const Value& path = src.need(item, "path");
    if (!path.is_string()) src.corrupt(path.mark(), "'path' must be a string");
    a.path = path.as_string();
    parse_artifact_fields(item, &a, [&src](const Value& at, const std::string& what) { src.corrupt(at.mark(), what); });
    out.push_back(std::move(a));
  }
  return out;
}

std::string render_stage(const std::string& name, const LockedStage& s) {
  std::string out = "  " + quote(name) + ":\n";
    if (s.cmds.size() == 1) {
      out += "    cmd: " + quote(s.cmds.front()) + "\n";
    } else {
      out += "    cmd:\n";
      for (const auto& c : s.cmds) out += "    - " + quote(c) + "\n";
    }
    render_artifacts(out, "deps", s.deps);
    if (!s.params.empty()) {
      out += "    params:\n";
      for (const auto& [file, values] : s.params) {
        out += "      " + quote(file) + ":";
        out += values.empty() ? " {}\n" : "\n";
        for (const auto& [key, v] : values) out += "        " + quote(key) + ": " + v.canonical() + "\n";
      }
    }
    render_artifacts(out, "outs", s.outs);
  return out;
}

std::string render_header(bool empty, int schema) {
  return std::string("# Written by pipe after each stage; do not edit. Format: docs/file-formats.md\n") +
         "schema: " + std::to_string(schema) + "\nstages:" + (empty ? " {}\n" : "\n");
}

bool carries_md5(const LockedStage& s) {
  for (const auto* list : {&s.deps, &s.outs})
    for (const LockedArtifact& a : *list)
      if (!a.md5.empty()) return true;
  return false;
}



}  // namespace

bool valid_dvc_md5(const std::string& text) {
  const bool dir = text.size() == 36 && text.compare(32, 4, ".dir") == 0;
  return (text.size() == 32 || dir) && std::all_of(text.begin(), text.begin() + 32, [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

int artifacts_schema(const std::vector<LockedArtifact>& artifacts) {
  for (const LockedArtifact& a : artifacts)
    if (!a.md5.empty()) return 2;
  return 1;
}

std::string render_artifact(const LockedArtifact& a, const std::string& shown_path, const std::string& indent) {
  // An entry with neither hash could not be read back.
  if (a.pending && a.md5.empty()) throw Error(Exit::kInternal, "'" + shown_path + "' has neither pipe's digest nor DVC's md5");
  std::string out = indent + "- path: " + quote(shown_path) + "\n";
  // Quoted: an all-digit digest would otherwise read back as a number.
  if (!a.pending) out += indent + "  hash: \"" + a.digest.hex() + "\"\n";
  if (!a.md5.empty()) out += indent + (a.md5_dos2unix ? "  md5-dos2unix: \"" : "  md5: \"") + a.md5 + "\"\n";
  out += indent + "  size: " + std::to_string(a.size) + "\n";
  if (a.executable && !a.is_dir) out += indent + "  isexec: true\n";
  if (a.is_dir) out += indent + "  nfiles: " + std::to_string(a.nfiles) + "\n";
  return out;
}

void parse_artifact_fields(const Value& item, LockedArtifact* a, const ArtifactFault& bad) {
  const Value* hash = item.find("hash");
  const Value* size = item.find("size");
  const Value* md5 = item.find("md5");
  if (const Value* legacy = item.find("md5-dos2unix")) {
    if (md5) return bad(*legacy, "'md5' and 'md5-dos2unix' cannot both be given");
    md5 = legacy;
    a->md5_dos2unix = true;
  }
  if (md5) {
    const std::string text = md5->is_string() ? md5->as_string() : "";
    if (!valid_dvc_md5(text)) return bad(*md5, "DVC's md5 must be 32 hex digits, with '.dir' for a directory");
    a->md5 = text;
    if (a->is_dvc_dir()) a->is_dir = true;
  }
  a->pending = !hash && md5;
  if (!a->pending && (!hash || !hash->is_string() || !Digest::parse(hash->as_string(), &a->digest)))
    return bad(hash ? *hash : item, "'hash' must be 32 hex digits");
  if (!size || size->kind() != Value::Kind::kInt || size->as_int() < 0)
    return bad(size ? *size : item, "'size' must be a count");
  a->size = static_cast<uint64_t>(size->as_int());
  if (const Value* x = item.find("isexec")) {
    if (x->kind() != Value::Kind::kBool) bad(*x, "'isexec' must be true or false");
    a->executable = x->as_bool();
  }
  if (const Value* n = item.find("nfiles")) {
    if (n->kind() != Value::Kind::kInt || n->as_int() < 0) bad(*n, "'nfiles' must be a count");
    a->is_dir = true;
    a->nfiles = static_cast<uint64_t>(n->as_int());
  }
}

std::string render_lock(const LockFile& lock) { return LockWriter(lock).render(); }

LockWriter::LockWriter(const LockFile& lock) {
  for (const auto& [name, s] : lock.stages) set(name, s);
}

void LockWriter::set(const std::string& stage, const LockedStage& entry) {
  rendered_[stage] = render_stage(stage, entry);
  if (carries_md5(entry)) with_md5_.insert(stage);
  else with_md5_.erase(stage);
}

std::string LockWriter::render() const {
  size_t total = 128;
  for (const auto& [name, text] : rendered_) total += text.size();
  std::string out;
  out.reserve(total);
  out += render_header(rendered_.empty(), with_md5_.empty() ? 1 : 2);
  for (const auto& [name, text] : rendered_) out += text;
  return out;
}

LockFile read_lock(Disk& disk, const std::string& file) {
  std::string text;
  if (!disk.stat(file).is_file()) return {};
  if (!disk.read(file, &text)) throw Error(Exit::kIo, "cannot read " + file);
  return parse_lock(text, file);
}

LockFile parse_lock(const std::string& text, const std::string& file) {
  const Source src{file};
  LockFile lock;
  if (parse_lock_fast(text, &lock)) return lock;
  lock = LockFile();
  Value root;
  try {
    root = parse_yaml(file, text);
  } catch (const Error& e) {
    throw Error(e.code(), std::string(e.what()) + "; restore " + file +
                              " from version control, or delete it to rerun every stage");
  }
  if (root.is_null()) return lock;
  if (!root.is_map()) src.corrupt(root.mark(), "expected a mapping");
  const Value& schema = src.need(root, "schema");
  if (schema.kind() != Value::Kind::kInt || schema.as_int() < 1)
    src.corrupt(schema.mark(), "'schema' must be a positive integer");
  if (schema.as_int() > kLockSchema)
    throw Error(Exit::kBadPipeline, file + " has schema " + std::to_string(schema.as_int()) +
                                        ", newer than this pipe understands (" + std::to_string(kLockSchema) +
                                        "); upgrade pipe");
  const Value* stages = root.find("stages");
  if (!stages || stages->is_null()) return lock;
  if (!stages->is_map()) src.corrupt(stages->mark(), "'stages' must be a mapping");
  for (const auto& [name, def] : stages->entries()) {
    if (!def.is_map()) src.corrupt(def.mark(), "stage '" + name + "' must be a mapping");
    LockedStage s;
    const Value& cmd = src.need(def, "cmd");
    if (cmd.is_string()) s.cmds.push_back(cmd.as_string());
    else if (cmd.is_list())
      for (const Value& c : cmd.items()) s.cmds.push_back(c.scalar_text());
    else src.corrupt(cmd.mark(), "'cmd' must be a string or list");
    s.deps = parse_artifacts(src, def.find("deps"));
    s.outs = parse_artifacts(src, def.find("outs"));
    if (const Value* params = def.find("params")) {
      if (!params->is_map()) src.corrupt(params->mark(), "'params' must be a mapping");
      for (const auto& [params_file, values] : params->entries()) {
        if (!values.is_map()) src.corrupt(values.mark(), "params of '" + params_file + "' must be a mapping");
        auto& dest = s.params[params_file];
        for (const auto& [key, v] : values.entries()) dest[key] = v;
      }
    }
    lock.stages.emplace(name, std::move(s));
  }
  return lock;
}

void write_lock(Disk& disk, const LockFile& lock) { disk.write_atomic(kLockFile, render_lock(lock)); }

}  // namespace pipeline
