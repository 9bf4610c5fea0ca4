#include "audit.h"

#include <map>
#include <set>

#include "artifact.h"
#include "object_store.h"
#include "paths.h"
#include "project.h"
#include "remote.h"
#include "subprocess.h"
#include "transfer.h"
#include "url_deps.h"

namespace pipeline {
namespace {

// The cache's copy: "" when absent, "ok", or what is wrong with it.
std::string in_cache(const ObjectStore& cache, const Digest& d, bool is_dir) {
  std::vector<Digest> objects;
  if (!is_dir) {
    if (!cache.has(d)) return "";
    objects.push_back(d);
  } else {
    std::vector<ManifestEntry> entries;
    if (!cache.has_manifest(d)) return "";
    if (!cache.read_manifest(d, &entries)) return "its manifest in the cache is damaged";
    for (const ManifestEntry& e : entries) {
      if (!cache.has(e.digest)) return "";  // incomplete: perhaps whole elsewhere
      objects.push_back(e.digest);
    }
  }
  size_t checked = 0;
  const auto damage = cache.verify(objects, /*repair=*/false, &checked);
  return damage.empty() ? "ok" : "altered in the cache: " + damage.front().object + ": " + damage.front().problem;
}

bool in_git(const std::string& root, const std::string& commit, const std::string& path, const Digest& d) {
  std::string blob;
  return !commit.empty() && run_capture({"git", "cat-file", "blob", commit + ":" + path}, root, &blob) &&
         Digest::of(blob) == d;
}

// A dep outside the project (an absolute path or a URL: DVC's external
// deps) is never cached, so the only check is whether it is still what the
// run read: the file's content, or the version the server reports.
ArtifactCheck check_external(ArtifactHasher& hasher, const LineageArtifact& a, const Digest& d) {
  ArtifactCheck c{a, "", ""};
  const bool url = is_url(a.path);
  const char* kind = url ? "external URL" : "external file";
  try {
    const ArtifactInfo& info = hasher.hash(a.path);
    if (info.exists && info.digest == d)
      c.where = url ? "external URL, the server reports the version the run read" : "external file";
    else if (!info.exists)
      c.problem = std::string("missing: ") + kind + " no longer there; pipe keeps no copy of external deps";
    else
      c.problem = std::string("altered: ") + kind + (url ? " now serves another version than the run read"
                                                         : " changed since the run") +
                  "; pipe keeps no copy of external deps";
  } catch (const Error& e) {
    c.problem = std::string("missing: ") + kind + " cannot be checked: " + e.what();
  }
  return c;
}

}  // namespace

std::vector<ArtifactCheck> verify_artifacts(Project& project, LineageStore& store, const ModelVersion& version,
                                            Remote* remote) {
  const RunRecord run = store.run(version.run_id);
  std::map<std::pair<std::string, std::string>, LineageArtifact> named;
  named[{version.path, version.digest}] = {version.path, version.digest, 0, version.is_dir, "output"};
  for (const ExecutionRecord& e : run.executions)
    for (const auto* list : {&e.inputs, &e.outputs})
      for (const LineageArtifact& a : *list) named[{a.path, a.digest}] = a;

  ArtifactHasher hasher(*project.disk, project.state.get(), project.urls.get());
  std::vector<ArtifactCheck> out;
  std::vector<size_t> elsewhere;
  for (const auto& [key, a] : named) {
    ArtifactCheck c{a, "", ""};
    Digest d;
    std::string safe, why;
    if (Digest::parse(a.digest, &d) && a.role != "output" && is_external_dep(a.path)) {
      out.push_back(check_external(hasher, a, d));
      continue;
    }
    if (!Digest::parse(a.digest, &d) || !project_path("", a.path, &safe, &why)) {
      c.problem = "the record names it oddly (digest '" + a.digest + "'); not checked";
      out.push_back(c);
      continue;
    }
    const std::string cached = project.cache ? in_cache(*project.cache, d, a.is_dir) : "";
    if (cached == "ok") {
      c.where = "cache";
    } else if (!cached.empty()) {
      c.problem = cached;
    } else if (const ArtifactInfo& info = hasher.hash(safe); info.exists && info.digest == d) {
      c.where = "workspace";
    } else if (!a.is_dir && in_git(project.root, run.code.git_commit, safe, d)) {
      c.where = "git " + run.code.git_commit.substr(0, 12);
    } else {
      c.problem = "missing";
      elsewhere.push_back(out.size());
    }
    out.push_back(c);
  }
  if (remote && !elsewhere.empty()) {
    std::vector<std::string> keys;
    for (size_t i : elsewhere) {
      Digest d;
      Digest::parse(out[i].artifact.digest, &d);
      keys.push_back(ObjectKey{d, out[i].artifact.is_dir}.key());
    }
    std::vector<bool> present;
    const RemoteResult r = remote->exists_many(keys, &present);
    for (size_t k = 0; k < elsewhere.size(); ++k) {
      ArtifactCheck& c = out[elsewhere[k]];
      if (!r.ok()) c.problem = "missing here, and " + remote->describe() + " cannot be asked: " + r.error;
      else if (present[k]) c.where = "remote " + remote->describe(), c.problem.clear();
      else c.problem = "missing: not in the cache, the workspace, git or " + remote->describe();
    }
  } else {
    for (size_t i : elsewhere) out[i].problem = "missing: not in the cache, the workspace or git (no remote asked)";
  }
  return out;
}

}  // namespace pipeline
