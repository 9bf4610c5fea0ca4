#include "import_dvc.h"

#include <sys/stat.h>

#include <set>

#include "artifact.h"
#include "disk.h"
#include "dvc_config.h"
#include "dvc_files.h"
#include "dvc_lock.h"
#include "dvc_proof.h"
#include "error.h"
#include "lock_set.h"
#include "object_store.h"
#include "paths.h"
#include "pipeline.h"
#include "project.h"
#include "state_db.h"
#include "tracked.h"
#include "url_deps.h"
#include "workspace.h"

namespace pipeline {
namespace {

// DVC's cache: .dvc/cache, or cache.dir (relative to .dvc/, as DVC
// resolves it); project-relative, or absolute outside the project.
std::string dvc_cache_dir(Disk& disk) {
  DvcConfig config;
  for (const char* file : {".dvc/config", ".dvc/config.local"}) {
    std::string text;
    if (disk.stat(file).is_file() && disk.read(file, &text)) config.merge(parse_dvc_config(file, text));
  }
  const DvcSetting* dir = config.find("cache", "dir");
  if (!dir || dir->value.empty()) return ".dvc/cache";
  if (dir->value[0] == '/') return dir->value;
  std::string inside, why;
  if (project_path(".dvc", dir->value, &inside, &why)) return inside;
  return "";  // outside the project by '..': not read
}

class Adopter {
 public:
  Adopter(Workspace& ws, ImportReport& report)
      : ws_(ws),
        report_(report),
        hasher_(ws.disk, ws.project.state.get()),
        // Copies only from the workspace: a file DVC may have linked to its
        // own cache is never relinked to pipe's, nor made read-only.
        copy_store_(ws.project.cache->dir(), *ws.project.files),
        // DVC's cache objects are read-only and never change, as pipe's:
        // linked, not copied, where the filesystem allows (no second GiB
        // written; only their link count changes).
        link_store_(ws.project.cache->dir(), *ws.project.files),
        dvc_cache_(dvc_cache_dir(ws.disk)) {
    copy_store_.set_link_types({LinkType::kReflink, LinkType::kCopy});
    link_store_.set_link_types({LinkType::kHardlink, LinkType::kReflink, LinkType::kCopy});
  }

  // DVC's record of `path` (project-relative, or an external dep) as pipe's:
  // proven from the workspace or DVC's cache, else pending.
  LockedArtifact adopt(const std::string& path, const DvcArtifact& dvc, bool keep_content) {
    LockedArtifact a = dvc_pending(path, dvc);
    // Nothing is read or cached through a symlink out of the project.
    if (path[0] != '/' && !ws_.disk.resolves_inside_root(path))
      return unproven(a, "it leads out of the project through a symlink");
    const ArtifactInfo& now = hasher_.hash(path);
    if (now.exists && dvc_proves(ws_.disk, ws_.project.state.get(), path, now, a.md5, a.md5_dos2unix)) {
      a = LockedArtifact(path, now.digest, now.size, now.is_dir, now.nfiles, now.executable);
      a.md5 = dvc.md5 + (dvc.is_dir ? ".dir" : "");
      a.md5_dos2unix = dvc.hash == DvcHashKind::kMd5Dos2Unix;
      if (keep_content && path[0] != '/') keep(path, now, a.md5_dos2unix);
      ++report_.proven;
      return a;
    }
    if (from_dvc_cache(a, keep_content)) {
      if (now.exists && said_.insert(path).second)
        report_.notes.push_back(path + ": the workspace copy differs from what DVC recorded (md5); DVC's version, "
                                       "from its cache, is recorded, so status shows it as modified");
      ++report_.proven;
      ++report_.from_dvc_cache;
      return a;
    }
    return unproven(a, now.exists ? "the workspace copy differs from what DVC recorded (md5 mismatch), and DVC's "
                                    "cache lacks the recorded version"
                                  : "not in the workspace or DVC's cache; 'pipe pull' fetches it from the DVC remote");
  }

 private:
  LockedArtifact unproven(LockedArtifact a, const std::string& why) {
    // A path several stages name is said once.
    if (said_.insert(a.path).second) report_.pending.push_back(a.path + ": " + why);
    return a;
  }

  // Proven workspace content into pipe's cache: from DVC's cache where it
  // holds the same bytes (linked), else copied from the workspace.
  void keep(const std::string& path, const ArtifactInfo& now, bool dos2unix) {
    const std::string abs = ws_.project.root + "/" + path;
    std::vector<PutItem> files = now.is_dir ? directory_files(abs, *now.files)
                                            : std::vector<PutItem>{{abs, now.digest, now.size, now.mtime_ns, now.executable}};
    std::vector<PutItem> linked, copied;
    StateDb* state = ws_.project.state.get();
    for (PutItem& item : files) {
      std::string md5, object;
      // Not for DVC 2's md5-dos2unix: a CRLF file and its LF twin share
      // that name, so DVC's object may be the other one.
      if (!dos2unix && !item.executable && state && state->md5_of(false, item.digest, &md5) &&
          !(object = dvc_object(md5)).empty() && linkable(object)) {
        PutItem from_dvc = item;
        from_dvc.source = absolute(object);
        from_dvc.mtime_ns = 0;  // a linked object is hashed again: it must be these bytes
        linked.push_back(from_dvc);
      }
      copied.push_back(item);
    }
    try {
      link_store_.put_files(linked);
      // What is linked now exists: put_files skips it.
    } catch (const Error& e) {
      // DVC's object is not these bytes after all (damaged): the
      // workspace's copy does.
      if (e.code() != Exit::kIo) throw;
    }
    copy_store_.put_files(copied);
    if (now.is_dir) copy_store_.put_manifest(now.digest, *now.files);
  }

  // DVC's object, unless it shares its inode with more names (DVC's
  // cache.type hardlink links it to the workspace file, which must never
  // become pipe's object).
  bool linkable(const std::string& object) {
    struct stat st;
    return ws_.project.files->stat(absolute(object), &st) == 0 && st.st_nlink == 1;
  }

  ObjectStore& store_for(const std::vector<std::string>& objects) {
    for (const std::string& o : objects)
      if (!linkable(o)) return copy_store_;
    return link_store_;
  }

  // Where DVC keeps an object: DVC 3's files/md5/ first, then the top
  // level, where DVC 2 (and DVC 3, for md5-dos2unix) put them.
  std::string dvc_object(const std::string& name) {
    if (dvc_cache_.empty()) return "";
    for (const std::string& prefix : {dvc_cache_ + "/files/md5/", dvc_cache_ + "/"}) {
      const std::string p = prefix + name.substr(0, 2) + "/" + name.substr(2);
      if (ws_.disk.stat(p).is_file()) return p;
    }
    return "";
  }

  // An object of DVC's cache, proven to hash to `md5` DVC's way.
  bool cached_file(const std::string& md5, DvcHashKind kind, DvcHashed* h) {
    const std::string object = dvc_object(md5);
    if (object.empty() || !dvc_hash_file(ws_.disk, object, kind, h) || h->md5 != md5) return false;
    if (StateDb* state = ws_.project.state.get()) state->record_md5(kind == DvcHashKind::kMd5Dos2Unix, md5, h->digest);
    sources_.push_back(object);
    return true;
  }

  std::string absolute(const std::string& path) const { return path[0] == '/' ? path : ws_.project.root + "/" + path; }

  bool from_dvc_cache(LockedArtifact& a, bool keep_content) {
    const DvcHashKind kind = a.md5_dos2unix ? DvcHashKind::kMd5Dos2Unix : DvcHashKind::kMd5;
    sources_.clear();
    if (!a.is_dir) {
      DvcHashed h;
      if (!cached_file(a.md5, kind, &h)) return false;
      if (keep_content) store_for(sources_).put_files({{absolute(sources_.front()), h.digest, h.size}});
      a.digest = h.digest;
      a.size = h.size;
      a.pending = false;
      return true;
    }
    // The .dir manifest, then each file it names.
    const std::string manifest = dvc_object(a.md5);
    std::string text;
    std::vector<DvcDirEntry> listed;
    if (manifest.empty() || !ws_.disk.read(manifest, &text) || md5_hex(text) + ".dir" != a.md5 ||
        !parse_dvc_dir(text, &listed))
      return false;
    std::vector<ManifestEntry> entries;
    std::vector<PutItem> items;
    for (const DvcDirEntry& e : listed) {
      DvcHashed h;
      if (!cached_file(e.md5, kind, &h)) return false;
      entries.push_back({e.relpath, h.digest, h.size, false, 0, 0});
      items.push_back({absolute(sources_.back()), h.digest, h.size});
    }
    const Digest digest = manifest_digest(entries);
    if (keep_content) {
      ObjectStore& store = store_for(sources_);
      store.put_files(items);
      store.put_manifest(digest, entries);
    }
    if (StateDb* state = ws_.project.state.get()) state->record_md5(kind == DvcHashKind::kMd5Dos2Unix, a.md5, digest);
    a.digest = digest;
    a.size = 0;
    for (const ManifestEntry& e : entries) a.size += e.size;
    a.nfiles = entries.size();
    a.pending = false;
    return true;
  }

  Workspace& ws_;
  ImportReport& report_;
  ArtifactHasher hasher_;
  ObjectStore copy_store_, link_store_;
  std::string dvc_cache_;
  std::vector<std::string> sources_;  // the DVC cache objects the last proof read
  std::set<std::string> said_;        // paths reported already
};

// Whether pipe wrote this entry itself, from a run: then no path in it
// carries DVC's md5. (An entry with no paths cannot tell, and is taken again.)
bool run_by_pipe(const LockedStage& s) {
  if (s.deps.empty() && s.outs.empty()) return false;
  for (const auto* list : {&s.deps, &s.outs})
    for (const LockedArtifact& a : *list)
      if (!a.md5.empty()) return false;
  return true;
}

void import_locks(Workspace& ws, Adopter& adopter, ImportReport& report) {
  Disk& disk = ws.disk;
  for (const std::string& file : ws.pipeline.files) {
    const std::string lock_file = dvc_lock_path(file);
    std::string text;
    if (lock_file.empty() || !disk.stat(lock_file).is_file()) continue;
    if (!disk.read(lock_file, &text)) throw Error(Exit::kIo, "cannot read '" + lock_file + "'");
    for (const auto& [name, recorded] : parse_dvc_lock(lock_file, text).stages) {
      const Stage* s = ws.pipeline.find(stage_address(file, name));
      if (!s) {
        report.notes.push_back(lock_file + ": stage '" + name + "' is no longer in " + file + ": left out");
        continue;
      }
      // An entry pipe wrote itself (it ran the stage since an import) is
      // newer than DVC's.
      if (const LockedStage* mine = ws.locks.find(s->name); mine && run_by_pipe(*mine)) {
        ++report.stages_kept;
        continue;
      }
      ws.locks.set(*s, dvc_lock_entry(
                           lock_file, *s, recorded,
                           [&](const std::string& path, const DvcArtifact& dvc, bool cached) {
                             return adopter.adopt(path, dvc, cached);
                           },
                           &report.pending));
      ++report.stages;
    }
  }
  ws.locks.flush(disk);
}

void import_tracked(Workspace& ws, Adopter& adopter, ImportReport& report) {
  Disk& disk = ws.disk;
  for (const std::string& file : find_dvc_files(disk)) {
    std::string text;
    if (!disk.read(file, &text)) throw Error(Exit::kIo, "cannot read '" + file + "'");
    LockedArtifact recorded;
    DvcArtifact dvc;
    try {
      recorded = parse_dvc_tracked(file, text);
      dvc = parse_dvc_file(file, text).outs.front();
    } catch (const Error& e) {
      if (e.code() != Exit::kBadPipeline) throw;
      report.notes.push_back(std::string(e.what()) + ": left out");
      continue;
    }
    if (dvc.md5.empty()) {
      report.pending.push_back(recorded.path + ": " + file + " records no md5 pipe can check (another hash, or a " +
                               "version-aware listing); left out");
      continue;
    }
    const std::string pipe_file = recorded.path + kTrackedSuffix;
    if (!disk.resolves_inside_root(pipe_file)) {
      report.notes.push_back(file + ": '" + recorded.path + "' leads out of the project through a symlink: left out");
      continue;
    }
    std::string old;
    if (disk.stat(pipe_file).is_file() && disk.read(pipe_file, &old)) {
      try {
        if (parse_tracked(pipe_file, old).md5.empty()) {
          report.notes.push_back(pipe_file + " was written by 'pipe add' since: kept, and " + file + " left out");
          continue;
        }
      } catch (const Error&) {
        // A damaged .pipe file is simply rewritten.
      }
    }
    const std::string text_out = render_tracked(adopter.adopt(recorded.path, dvc, true));
    if (text_out != old) disk.write_atomic(pipe_file, text_out);
    ++report.tracked;
  }
}

}  // namespace

ImportReport import_dvc(Workspace& ws) {
  if (!ws.disk.stat(".dvc").is_dir())
    throw Error(Exit::kUsage, "not a DVC repository: there is no .dvc/ folder at the project root (" + ws.project.root +
                                  "); run pipe import-dvc where 'dvc init' was run");
  ImportReport report;
  import_dvc_config(ws, report);
  Adopter adopter(ws, report);
  import_locks(ws, adopter, report);
  import_tracked(ws, adopter, report);
  if (ws.project.state) ws.project.state->flush();
  return report;
}

}  // namespace pipeline
