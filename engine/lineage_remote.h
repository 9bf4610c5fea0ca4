// Lineage records on a remote, so that a model version can be audited on
// another machine: `pipe push` uploads every run of the store as
// `lineage/runs/UID` (see SharedRun) and, for each artifact it pushes, a
// pointer `lineage/outputs/DIGEST` to the run that produced it. `pipe
// fetch` follows the pointers of the artifacts it fetches and walks back
// along the chain, checking every record against its name.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "digest.h"
#include "remote.h"



namespace pipeline {

struct Project;
struct LockedArtifact;
struct TransferReport;

// (remote key, content) of the records for these artifacts; nothing when
// the project has no lineage store.
std::vector<std::pair<std::string, std::string>> shared_lineage(Project& project,
                                                                const std::vector<LockedArtifact>& artifacts);

// The cache objects that keep what dirty trees held when runs were made
// (CodeState::changed), for push to send with the runs.
std::vector<Digest> kept_file_digests(Project& project);

// Whether the project has a lineage store yet.
bool has_lineage_store(Project& project);

using ReadRemote = std::function<RemoteResult(const std::string& key, std::string* body)>;
// Which of these keys the remote has (one listing or batch, not a read each).
using RemoteHas = std::function<std::vector<bool>(const std::vector<std::string>& keys)>;

// Imports the runs behind these artifacts that the store lacks, oldest
// first. Counts them in report.runs_imported; a record that does not match
// its name is a failure, a model version that clashes with a local one a
// warning.
void import_lineage(Project& project, const std::vector<LockedArtifact>& artifacts, const RemoteHas& has,
                    const ReadRemote& read, TransferReport& report);

// The model registry on a remote: runs and model events travel in packs,
// `lineage/packs/NAME` (registry_pack.h), found by listing that folder.
// Uploads, as one pack, every run and event the remote is not known to
// hold. Needs a remote that can list; says in report.warnings when it
// cannot.
void push_registry(Project& project, Remote& remote, TransferReport& report);

// Reads the packs on `remote` this store has not read yet and imports what
// they hold: runs, then the events whose predecessors are all here. Events
// made concurrently elsewhere are merged in the registry's order (see
// LineageStore::events), and report.notes says which.
void fetch_registry(Project& project, Remote& remote, size_t jobs, TransferReport& report);

}  // namespace pipeline
