#include "dvc_proof.h"

#include <atomic>

#include "disk.h"
#include "dvc_hash.h"
#include "state_db.h"
#include "workers.h"

namespace pipeline {
namespace {

std::string under(const std::string& dir, const std::string& rel) { return rel.empty() ? dir : dir + "/" + rel; }

}  // namespace

bool dvc_proves(Disk& disk, StateDb* state, const std::string& path, const ArtifactInfo& now, const std::string& md5,
                bool dos2unix) {
  if (!now.exists || md5.empty()) return false;
  const bool dir = md5.size() > 4 && md5.compare(md5.size() - 4, 4, ".dir") == 0;
  if (dir != now.is_dir) return false;
  Digest known;
  // DVC 2's md5-dos2unix names a CRLF file and its LF twin alike, so a
  // different digest proves nothing there: hash again.
  if (state && state->lookup_md5(dos2unix, md5, &known) && (known == now.digest || !dos2unix))
    return known == now.digest;
  const DvcHashKind kind = dos2unix ? DvcHashKind::kMd5Dos2Unix : DvcHashKind::kMd5;
  if (!dir) {
    DvcHashed h;
    // Changed since pipe hashed it: then nothing is proven either way.
    if (!dvc_hash_file(disk, path, kind, &h) || h.digest != now.digest) return false;
    if (state) state->record_md5(dos2unix, h.md5, h.digest);
    return h.md5 == md5;
  }
  const std::vector<ManifestEntry>& files = *now.files;
  std::vector<DvcDirEntry> entries(files.size());
  std::vector<size_t> unknown;  // files whose md5 must be computed
  for (size_t i = 0; i < files.size(); ++i) {
    entries[i].relpath = files[i].path;
    // A file seen before (by digest) is not read again.
    if (!state || !state->md5_of(dos2unix, files[i].digest, &entries[i].md5)) unknown.push_back(i);
  }
  // MD5 runs at a third of a core's read speed: spread it over the cores,
  // as hashing is (a lone md5sum is the floor this has to meet).
  std::atomic<size_t> next{0};
  std::atomic<bool> changed{false};
  auto work = [&] {
    for (size_t k; !changed && (k = next++) < unknown.size();) {
      const size_t i = unknown[k];
      DvcHashed h;
      // Changed since pipe hashed it: then nothing is proven either way.
      if (!dvc_hash_file(disk, under(path, files[i].path), kind, &h) || h.digest != files[i].digest) changed = true;
      else entries[i].md5 = h.md5;
    }
  };
  run_workers(disk.thread_safe_reads() ? worker_count(unknown.size(), 16) : 1, work);
  if (changed) return false;
  if (state)
    for (size_t i : unknown) state->record_md5(dos2unix, entries[i].md5, files[i].digest);
  const std::string name = md5_hex(dvc_dir_json(std::move(entries))) + ".dir";
  if (state) state->record_md5(dos2unix, name, now.digest);
  return name == md5;
}

bool same_content(Disk& disk, StateDb* state, const LockedArtifact& recorded, const ArtifactInfo& now) {
  if (!now.exists) return false;
  if (!recorded.pending) return recorded.digest == now.digest;
  return dvc_proves(disk, state, recorded.path, now, recorded.md5, recorded.md5_dos2unix);
}

bool resolve_pending(StateDb* state, LockedArtifact& a) {
  if (!a.pending || a.md5.empty() || !state || !state->lookup_md5(a.md5_dos2unix, a.md5, &a.digest)) return false;
  a.pending = false;
  return true;
}

}  // namespace pipeline
