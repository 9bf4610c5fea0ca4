#include "tracked.h"

#include <algorithm>

#include "artifact.h"
#include "document.h"
#include "dvc_files.h"
#include "error.h"
#include "graph.h"
#include "ignore.h"
#include "paths.h"
#include "pipeline.h"
#include "workspace.h"
#include "project.h"

namespace pipeline {
namespace {

std::string base_name(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

void ignore_in_git(Disk& disk, const std::string& path) {
  const std::string dir = parent_path(path);
  const std::string file = dir.empty() ? ".gitignore" : dir + "/.gitignore";
  const std::string line = "/" + base_name(path);
  std::string text;
  if (disk.stat(file).is_file()) disk.read(file, &text);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (text.compare(start, end - start, line) == 0) return;
    start = end + 1;
  }
  if (!text.empty() && text.back() != '\n') text += '\n';
  disk.write_atomic(file, text + line + "\n");
}


std::string render_tracked(const LockedArtifact& a) {
  std::string out = "# Written by pipe add; commit this file, not the data. Format: docs/file-formats.md\n";
  out += "schema: " + std::to_string(artifacts_schema({a})) + "\nouts:\n";
  return out + render_artifact(a, base_name(a.path), "");
}

LockedArtifact parse_tracked(const std::string& file, const std::string& text) {
  const Value root = parse_yaml(file, text);
  auto bad = [&](const Value& v, const std::string& what) {
    fail_pipeline(file, v.mark(), what + "; restore the file from git, or run 'pipe add' on the data again");
  };
  if (!root.is_map()) bad(root, "expected a mapping with 'outs'");
  const Value* schema = root.find("schema");
  if (!schema || schema->kind() != Value::Kind::kInt || schema->as_int() < 1) bad(root, "'schema' must be a positive integer");
  if (schema->as_int() > kTrackedSchema) bad(*schema, "written by a newer pipe (schema " + std::to_string(schema->as_int()) + ")");
  const Value* outs = root.find("outs");
  if (!outs || !outs->is_list() || outs->items().size() != 1) bad(root, "'outs' must list exactly one artifact");
  const Value& o = outs->items()[0];
  const Value* path = o.find("path");
  LockedArtifact a;
  if (!path || !path->is_string()) bad(o, "'path' must be a string");
  const std::string& name = path->as_string();
  // Only the data beside the .pipe file: a path elsewhere could make pipe
  // read or write outside the project.
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
    bad(*path, "'path' must be the name of a file or directory beside the .pipe file, not '" + name + "'");
  parse_artifact_fields(o, &a, bad);
  const std::string dir = parent_path(file);
  a.path = dir.empty() ? name : dir + "/" + name;
  if (const char* reserved = reserved_path(a.path))
    bad(*path, "'" + a.path + "' is (or holds) " + reserved + ", which pipe never writes");
  return a;
}

LockedArtifact parse_dvc_tracked(const std::string& file, const std::string& text) {
  const DvcFile f = parse_dvc_file(file, text);
  if (f.outs.size() != 1)
    fail_pipeline(file, Mark{1, 1},
                  "pipe reads .dvc files with one output, as 'dvc add' and 'dvc import' write them; this one has " +
                      std::to_string(f.outs.size()));
  const DvcArtifact& o = f.outs.front();
  std::string base = parent_path(file), path, why;
  if ((!f.wdir.empty() && !project_path(parent_path(file), f.wdir, &base, &why)) ||
      !project_path(base, o.path, &path, &why))
    fail_pipeline(file, o.mark, "'" + o.path + "': " + why);
  if (path.empty()) fail_pipeline(file, o.mark, "a .dvc file cannot track the whole project");
  // Tracked data is written by checkout and pull: never over git's hooks,
  // pipe's state or DVC's.
  if (const char* reserved = reserved_path(path))
    fail_pipeline(file, o.mark, "'" + path + "' is (or holds) " + reserved + "; pipe never writes there: delete " + file);
  LockedArtifact a(path, {}, o.size, o.is_dir, o.nfiles, o.executable);
  // Known only by DVC's hash until it is proven (dvc_proof.h).
  a.pending = true;
  if (!o.md5.empty()) a.md5 = o.md5 + (o.is_dir ? ".dir" : "");
  a.md5_dos2unix = o.hash == DvcHashKind::kMd5Dos2Unix;
  return a;
}

LockedArtifact read_tracked(Disk& disk, const std::string& file) {
  std::string text;
  if (!disk.read(file, &text)) throw Error(Exit::kIo, "cannot read '" + file + "'");
  const bool dvc = file.size() > 4 && file.compare(file.size() - 4, 4, kDvcSuffix) == 0;
  return dvc ? parse_dvc_tracked(file, text) : parse_tracked(file, text);
}

std::vector<AddResult> add_data(Workspace& ws, const std::vector<std::string>& paths) {
  Project& project = ws.project;
  Disk& disk = ws.disk;
  // Outputs of stages belong to their stage, not to `pipe add`.
  {
    const Pipeline& p = ws.pipeline;
    for (const std::string& path : paths)
      for (const Stage& s : p.stages)
        for (const Output& o : s.outs)
          if (path_within(o.path, path) || path_within(path, o.path))
            throw Error(Exit::kUsage, "'" + path + "' is (or holds) output '" + o.path + "' of stage '" + s.name +
                                          "'; pipe repro tracks it already");
  }
  std::vector<AddResult> results;
  ArtifactHasher hasher(disk, project.state.get());
  IgnoreRules ignore(disk);
  for (const std::string& path : paths) {
    if (path.empty()) throw Error(Exit::kUsage, "cannot add the project root: name a file or directory inside it");
    if (const char* reserved = reserved_path(path))
      throw Error(Exit::kUsage, "cannot add '" + path + "': it is (or holds) " + reserved);
    if (!disk.resolves_inside_root(path))
      throw Error(Exit::kUsage, "cannot add '" + path + "': it resolves outside the project through a symlink");
    const ArtifactInfo& info = hasher.hash(path);
    if (!info.exists) throw Error(Exit::kUsage, "cannot add '" + path + "': no such file or directory");
    if (ignore.ignored(path, info.is_dir))
      throw Error(Exit::kUsage, "cannot add '" + path + "': it is ignored by a .pipeignore or .dvcignore file; "
                                "remove the pattern that matches it, or add another path");
    const LockedArtifact recorded{path, info.digest, info.size, info.is_dir, info.nfiles, info.executable};
    const std::string pipe_file = path + ".pipe";
    bool changed = true;
    std::string old;
    if (disk.stat(pipe_file).is_file() && disk.read(pipe_file, &old)) {
      try {
        changed = parse_tracked(pipe_file, old).digest != info.digest;
      } catch (const Error&) {
        // A damaged .pipe file is simply rewritten.
      }
    }
    // Data first, then the record that names it (as for stage outputs).
    commit_artifact(*project.cache, project.root + "/" + path, info);
    if (changed) disk.write_atomic(pipe_file, render_tracked(recorded));
    ignore_in_git(disk, path);
    results.push_back({path, changed, recorded});
  }
  if (project.state) project.state->flush();
  return results;
}

}  // namespace pipeline
