#include "lineage_remote.h"

#include <sys/stat.h>

#include <filesystem>
#include <set>

#include "lineage.h"
#include "lockfile.h"
#include "project.h"
#include "ssl_digests.h"
#include "transfer.h"

namespace pipeline {
namespace {

const std::string kRuns = "lineage/runs/";
const std::string kOutputs = "lineage/outputs/";


}  // namespace

bool has_lineage_store(Project& project) {
  struct stat st;
  return project.files->stat(project.state_path(kLineageFile), &st) == 0;
}

std::vector<std::pair<std::string, std::string>> shared_lineage(Project& project,
                                                                const std::vector<LockedArtifact>& artifacts) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!has_lineage_store(project)) return out;
  LineageStore store(project.state_path(kLineageFile));
  for (const SharedRun& run : store.shared_runs()) out.emplace_back(kRuns + run.uid, run.bytes());
  for (const LockedArtifact& a : artifacts) {
    ExecutionRecord producer;
    int64_t run_id = 0;
    if (store.producer(a.path, a.digest.hex(), &producer, &run_id))
      out.emplace_back(kOutputs + a.digest.hex(), store.shared_run(run_id).uid);
  }
  return out;
}

std::vector<Digest> kept_file_digests(Project& project) {
  std::vector<Digest> out;
  if (!has_lineage_store(project)) return out;
  LineageStore store(project.state_path(kLineageFile));
  for (const ChangedFile& f : store.kept_files())
    if (Digest d; Digest::parse(f.digest, &d)) out.push_back(d);
  return out;
}

void import_lineage(Project& project, const std::vector<LockedArtifact>& artifacts, const RemoteHas& has,
                    const ReadRemote& read, TransferReport& report) {
  std::vector<std::string> pointers;
  for (const LockedArtifact& a : artifacts) pointers.push_back(kOutputs + a.digest.hex());
  const std::vector<bool> present = pointers.empty() ? std::vector<bool>{} : has(pointers);
  std::vector<std::string> walk;
  for (size_t i = 0; i < pointers.size() && i < present.size(); ++i) {
    std::string uid;
    if (present[i] && read(pointers[i], &uid).ok()) walk.push_back(uid.substr(0, uid.find_last_not_of(" \n") + 1));
  }
  if (walk.empty()) return;
  LineageStore store(project.state_path(kLineageFile));
  std::vector<SharedRun> found;  // newest first along each chain
  std::set<std::string> seen;
  while (!walk.empty()) {
    const std::string uid = walk.back();
    walk.pop_back();
    // The genesis link (64 zeros) ends a chain; anything else that is not
    // a SHA-256 is never used as a key.
    if (!is_sha256_hex(uid) || uid == std::string(64, '0') || !seen.insert(uid).second || store.has_run(uid)) continue;
    std::string bytes;
    const RemoteResult r = read(kRuns + uid, &bytes);
    SharedRun run;
    if (!r.ok()) {
      ++report.failed;
      report.errors.push_back(kRuns + uid + ": " + r.error);
    } else if (!SharedRun::parse(uid, bytes, &run)) {
      ++report.failed;
      report.errors.push_back(kRuns + uid + ": content does not match its name (altered on the remote); not imported");
    } else {
      found.push_back(std::move(run));
      walk.push_back(found.back().prev);
    }
  }
  for (auto it = found.rbegin(); it != found.rend(); ++it) {
    std::vector<std::string> clashes;
    store.import(*it, &clashes);
    ++report.runs_imported;
    for (const std::string& c : clashes) report.warnings.push_back(c);
  }
}

}  // namespace pipeline
