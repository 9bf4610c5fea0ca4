#include "transfer.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "dvc_fetch.h"
#include "error.h"
#include "file_io.h"
#include "paths.h"
#include "run_cache.h"
#include "lineage_remote.h"
#include "lockfile.h"
#include "object_store.h"
#include "pipeline.h"
#include "project.h"
#include "remote.h"
#include "targets.h"
#include "transfer_rounds.h"
#include "tracked.h"
#include "workspace.h"

namespace pipeline {
namespace {

// The cached outputs and tracked data the targets name, as recorded.
std::vector<LockedArtifact> recorded_artifacts(Workspace& ws, const std::vector<Target>& targets,
                                               const RemoteScope& scope, bool pushing) {
  const Pipeline& p = ws.pipeline;
  const LockFile& lock = ws.lock();
  const Selection sel = select_targets(p, targets, ws.cwd);
  std::vector<LockedArtifact> out;
  for (size_t i = 0; i < p.stages.size(); ++i) {
    auto entry = lock.stages.find(p.stages[i].name);
    if (!sel.stages[i] || entry == lock.stages.end()) continue;
    for (const Output& o : p.stages[i].outs) {
      if (!o.cache || !sel.wants(i, o.path) || (pushing && !o.push)) continue;
      if (o.remote.empty() ? !scope.is_default : o.remote != scope.name) continue;
      for (const LockedArtifact& a : entry->second.outs)
        if (a.path == o.path) out.push_back(a);
    }
  }
  if (scope.is_default)
    for (const std::string& file : sel.tracked) out.push_back(ws.tracked.at(file));
  return out;
}

}  // namespace

void merge_report(TransferReport& into, const TransferReport& from) {
  into.transferred += from.transferred;
  into.skipped += from.skipped;
  into.failed += from.failed;
  into.bytes += from.bytes;
  into.runs_imported += from.runs_imported;
  into.events_imported += from.events_imported;
  into.records_shared += from.records_shared;
  into.notes.insert(into.notes.end(), from.notes.begin(), from.notes.end());
  into.errors.insert(into.errors.end(), from.errors.begin(), from.errors.end());
  into.warnings.insert(into.warnings.end(), from.warnings.begin(), from.warnings.end());
}

std::string ObjectKey::key() const {
  const std::string hex = digest.hex();
  return std::string(kCacheLayout) + "/" + hex.substr(0, 2) + "/" + hex.substr(2) + (manifest ? ".dir" : "");
}

std::vector<std::string> output_remotes(Workspace& ws, const std::vector<Target>& targets) {
  const Pipeline& p = ws.pipeline;
  const Selection sel = select_targets(p, targets, ws.cwd);
  std::set<std::string> names;
  for (size_t i = 0; i < p.stages.size(); ++i)
    for (const Output& o : p.stages[i].outs)
      if (sel.wants(i, o.path) && !o.remote.empty()) names.insert(o.remote);
  return {names.begin(), names.end()};
}

TransferReport push(Workspace& ws, Remote& remote, const RemoteScope& scope, const std::vector<Target>& targets,
                    size_t jobs, const TransferProgress& progress) {
  Project& project = ws.project;
  ObjectStore& cache = *project.cache;
  cache.sweep_temp();  // push and fetch take no project lock, yet write tmp/
  TransferReport report;
  // Every object, run-cache entry and lineage record to upload. Those that
  // name others (manifests, run-cache entries, lineage) go after the data
  // objects, so a remote that has one has what it names.
  struct Item {
    std::string key;
    std::string path;  // the local file; for lineage, written from `body` when needed
    std::string body;
    bool late = false;
  };
  std::vector<Item> items;
  std::set<std::string> seen;
  auto add = [&](const std::string& key, const std::string& path, bool late = false, std::string body = {}) {
    if (seen.insert(key).second) items.push_back({key, path, std::move(body), late});
  };
  const std::vector<LockedArtifact> artifacts = recorded_artifacts(ws, targets, scope, true);
  for (const LockedArtifact& a : artifacts) {
    if (!a.is_dir) {
      if (!cache.has(a.digest)) {
        ++report.failed;
        report.errors.push_back(a.path + ": not in the local cache; run 'pipe repro' or 'pipe fetch' first");
        continue;
      }
      add(ObjectKey{a.digest, false}.key(), cache.object_path(a.digest));
      continue;
    }
    std::vector<ManifestEntry> entries;
    if (!cache.read_manifest(a.digest, &entries)) {
      ++report.failed;
      report.errors.push_back(a.path + ": its manifest is not in the local cache; run 'pipe repro' or 'pipe fetch' first");
      continue;
    }
    for (const ManifestEntry& e : entries) add(ObjectKey{e.digest, false}.key(), cache.object_path(e.digest));
    add(ObjectKey{a.digest, true}.key(), cache.manifest_path(a.digest), true);
  }
  const std::string runs = project.root + "/" + kStateDir + "/runs";
  std::string unlisted;
  if (scope.is_default && !each_file_under(
                              *project.files, runs,
                              [&](const std::string& rel, unsigned char type) {
                                if (type == DT_REG) add("runs/" + rel, runs + "/" + rel, true);
                              },
                              &unlisted))
    throw Error(Exit::kIo, unlisted);
  if (scope.is_default) {
    for (auto& [key, body] : shared_lineage(project, artifacts)) add(key, "", true, std::move(body));
    // What dirty trees held, kept for audit reproduce: small, and useless
    // to a clone that fetches the runs without them.
    for (const Digest& d : kept_file_digests(project))
      if (cache.has(d)) add(ObjectKey{d, false}.key(), cache.object_path(d));
  }

  std::vector<std::string> keys;
  for (const Item& item : items) keys.push_back(item.key);
  std::vector<bool> present;
  const RemoteResult listed = with_retries([&] { return remote.exists_many(keys, &present); });
  if (!listed.ok()) throw Error(Exit::kFailed, "cannot list " + remote.describe() + ": " + listed.error);
  std::vector<size_t> early, late;
  for (size_t i = 0; i < items.size(); ++i) {
    if (present[i]) ++report.skipped;
    else (items[i].late ? late : early).push_back(i);
  }
  Tally tally(report, early.size() + late.size(), progress);
  std::vector<std::string> temps;
  for (size_t i : late) {
    if (items[i].body.empty()) continue;
    items[i].path = cache.new_temp_path();
    temps.push_back(items[i].path);
    // A scratch copy for the upload: no fsync needed.
    FileSystem& fs = cache.file_system();
    const int fd = fs.create(items[i].path, 0644);
    if (fd < 0) fail_io("cannot create", items[i].path, errno);
    try {
      write_fully(fs, fd, items[i].body.data(), items[i].body.size(), items[i].path);
    } catch (...) {
      fs.close(fd);
      throw;
    }
    if (fs.close(fd) != 0) fail_io("cannot write", items[i].path, errno);
  }
  const size_t failed_before = report.failed;
  for (const std::vector<size_t>* todo : {&early, &late}) {
    // A late item goes only when everything it may name has arrived.
    if (todo == &late && report.failed > failed_before) break;
    transfer_with_retries(
        remote, todo->size(), jobs, [&](size_t k) { return TransferItem{true, items[(*todo)[k]].key, items[(*todo)[k]].path}; },
        {}, [&](size_t k, const RemoteResult& r) { tally.done(r, items[(*todo)[k]].key, file_size(*project.files, items[(*todo)[k]].path)); });
  }
  for (const std::string& t : temps) cache.file_system().unlink(t);
  // The registry last: its runs and events may name what went above.
  if (scope.is_default && report.failed == failed_before) push_registry(project, remote, report);
  return report;
}

TransferReport fetch(Workspace& ws, Remote& remote, const RemoteScope& scope, const std::vector<Target>& targets,
                     size_t jobs, const TransferProgress& progress) {
  Project& project = ws.project;
  project.cache->sweep_temp();
  const std::vector<LockedArtifact> artifacts = recorded_artifacts(ws, targets, scope, false);
  TransferReport report;
  std::vector<LockedArtifact> by_digest;
  if (remote.dvc_layout()) {
    // A DVC remote holds what carries DVC's md5 under that name; what pipe
    // made since, it pushed there in its own layout.
    std::vector<LockedArtifact> by_md5;
    for (const LockedArtifact& a : artifacts) (a.md5.empty() ? by_digest : by_md5).push_back(a);
    report = fetch_from_dvc(project, remote, by_md5, jobs, progress);
    resolve_pending(ws);
  } else {
    by_digest = artifacts;
  }
  merge_report(report, fetch_artifacts(project, remote, by_digest, jobs, progress));
  if (scope.is_default)
    import_lineage(
        project, artifacts,
        [&](const std::vector<std::string>& keys) {
          std::vector<bool> present;
          const RemoteResult r = with_retries([&] { return remote.exists_many(keys, &present); });
          if (!r.ok()) {
            report.warnings.push_back("cannot look for lineage records on " + remote.describe() + ": " + r.error);
            present.assign(keys.size(), false);
          }
          return present;
        },
        [&](const std::string& key, std::string* body) {
          const std::string tmp = project.cache->new_temp_path();
          RemoteResult r = with_retries([&] { return remote.get(key, tmp); });
          if (r.ok() && !read_file(*project.files, tmp, body))
            r = {RemoteResult::Status::kFailed, "cannot read '" + tmp + "': " + std::strerror(errno)};
          project.files->unlink(tmp);
          return r;
        },
        report);
  if (scope.is_default) fetch_registry(project, remote, jobs, report);
  return report;
}

TransferReport fetch_artifacts(Project& project, Remote& remote, const std::vector<LockedArtifact>& artifacts,
                               size_t jobs, const TransferProgress& progress) {
  ObjectStore& cache = *project.cache;
  TransferReport report;
  // Each attempt downloads into a new temp file, which becomes the object
  // only if its content matches the name; a mismatch may be a cut-off
  // transfer, so it is retried.
  auto download = [&](const std::vector<ObjectKey>& objects, Tally& tally) {
    std::map<std::string, const ObjectKey*> by_key;
    for (const ObjectKey& o : objects) by_key[o.key()] = &o;
    // Objects checked as they streamed in become the cache's together, with
    // two syncs for the lot (ObjectStore::adopt_checked); the rest one by one.
    std::vector<ObjectStore::Download> checked;
    std::map<std::string, uint64_t> bytes;
    transfer_with_retries(
        remote, objects.size(), jobs,
        [&](size_t i) {
          const ObjectKey& o = objects[i];
          return TransferItem{false, o.key(), o.manifest ? cache.new_temp_path() : cache.download_path(o.digest)};
        },
        [&](const TransferItem& item, const RemoteResult& r) -> RemoteResult {
          if (!r.ok()) {
            cache.file_system().unlink(item.file);
            return r;
          }
          const ObjectKey& object = *by_key.at(item.key);
          bytes[item.key] = r.received_size;
          if (!object.manifest && r.received) {
            if (*r.received == object.digest) {
              checked.push_back({item.file, object.digest});
              return r;
            }
            cache.file_system().unlink(item.file);
            return {RemoteResult::Status::kTransient, "content does not match its name " + object.digest.hex() +
                                                          " (corrupt in transfer or on the remote); not cached"};
          }
          std::string why;
          if (!cache.adopt(item.file, object.digest, object.manifest, &why, r.received))
            return {RemoteResult::Status::kTransient, why};
          return r;
        },
        [&](size_t i, const RemoteResult& r) {
          const ObjectKey& o = objects[i];
          tally.done(r, o.key(), r.ok() && !o.manifest ? bytes[o.key()] : 0);
        });
    cache.adopt_checked(checked);
  };
  // Manifests first: they say which files a directory needs.
  std::vector<ObjectKey> manifests;
  for (const LockedArtifact& a : artifacts)
    if (a.is_dir && !cache.has_manifest(a.digest)) manifests.push_back({a.digest, true});
  std::vector<ObjectKey> files;
  std::set<std::string> seen;
  {
    TransferReport phase;
    Tally tally(phase, manifests.size(), progress);
    download(manifests, tally);
    report = phase;
  }
  for (const LockedArtifact& a : artifacts) {
    if (!a.is_dir) {
      if (cache.has(a.digest)) ++report.skipped;
      else if (seen.insert(a.digest.hex()).second) files.push_back({a.digest, false});
      continue;
    }
    std::vector<ManifestEntry> entries;
    if (!cache.read_manifest(a.digest, &entries)) continue;  // its download failed, reported above
    for (const ManifestEntry& e : entries) {
      if (cache.has(e.digest)) ++report.skipped;
      else if (seen.insert(e.digest.hex()).second) files.push_back({e.digest, false});
    }
  }
  Tally tally(report, files.size() + manifests.size(), progress);
  download(files, tally);
  return report;
}

bool fetch_run(Project& project, Remote& remote, const Digest& run_key, size_t jobs) {
  const std::string local = RunCache::path(run_key);  // .pipe/runs/xx/yyy
  const std::string remote_key = local.substr(std::string(kStateDir).size() + 1);
  const std::string tmp = project.cache->new_temp_path();
  if (!with_retries([&] { return remote.get(remote_key, tmp); }).ok()) {
    project.files->unlink(tmp);
    return false;
  }
  std::string text;
  const bool read = read_file(*project.files, tmp, &text);
  project.files->unlink(tmp);
  LockFile entry;
  try {
    if (!read) return false;
    entry = parse_lock(text);  // data from a remote: it must parse as pipe wrote it
  } catch (const Error&) {
    return false;
  }
  if (entry.stages.size() != 1) return false;
  Disk& disk = *project.disk;
  disk.make_dirs(parent_path(local));
  disk.write_atomic(local, text);
  const TransferReport r = fetch_artifacts(project, remote, entry.stages.begin()->second.outs, jobs, {});
  return r.failed == 0;
}

std::vector<RemoteStatus> remote_status(Workspace& ws, Remote& remote, const RemoteScope& scope,
                                        const std::vector<Target>& targets) {
  ObjectStore& cache = *ws.project.cache;
  std::vector<RemoteStatus> out;
  for (const LockedArtifact& a : recorded_artifacts(ws, targets, scope, false)) {
    if (remote.dvc_layout() && !a.md5.empty()) {
      // By DVC's name; a directory's files are counted once fetched.
      std::vector<bool> present;
      const RemoteResult r =
          with_retries([&] { return remote.exists_many({dvc_object_key(a.md5, a.md5_dos2unix)}, &present); });
      if (!r.ok()) throw Error(Exit::kFailed, "cannot list " + remote.describe() + ": " + r.error);
      const bool local = !a.pending && (a.is_dir ? cache.has_manifest(a.digest) : cache.has(a.digest));
      out.push_back({a.path, local ? 0u : 1u, present[0] ? 0u : 1u, 1});
      continue;
    }
    std::vector<ObjectKey> objects{{a.digest, a.is_dir}};
    std::vector<ManifestEntry> entries;
    if (a.is_dir && cache.read_manifest(a.digest, &entries))
      for (const ManifestEntry& e : entries) objects.push_back({e.digest, false});
    std::vector<std::string> keys;
    for (const ObjectKey& o : objects) keys.push_back(o.key());
    std::vector<bool> present;
    const RemoteResult r = with_retries([&] { return remote.exists_many(keys, &present); });
    if (!r.ok()) throw Error(Exit::kFailed, "cannot list " + remote.describe() + ": " + r.error);
    RemoteStatus s{a.path, 0, 0, objects.size()};
    for (size_t i = 0; i < objects.size(); ++i) {
      const bool local = objects[i].manifest ? cache.has_manifest(objects[i].digest) : cache.has(objects[i].digest);
      if (!local) ++s.local_missing;
      if (!present[i]) ++s.remote_missing;
    }
    out.push_back(s);
  }
  return out;
}

}  // namespace pipeline
