// `pipe push`, `pull`, `fetch` and `status -c`: moving cache objects between
// the cache and a remote, for the outputs and tracked data the targets name.
// Downloads are verified before they are cached; uploads are streamed from
// the cache; what the remote already has is skipped.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "digest.h"

namespace pipeline {

struct Project;
struct Workspace;
struct Target;
struct LockedArtifact;
class Remote;

struct ObjectKey {
  Digest digest;
  bool manifest = false;
  std::string key() const;  // "v1/ab/cdef...[.dir]"
};

struct TransferReport {
  size_t transferred = 0;
  size_t skipped = 0;  // already where they were going
  size_t failed = 0;
  uint64_t bytes = 0;
  size_t runs_imported = 0;           // lineage records fetched into the store
  size_t events_imported = 0;         // model registry events fetched into it
  size_t records_shared = 0;          // runs and events pushed in a registry pack
  std::vector<std::string> errors;    // one line per failure
  std::vector<std::string> warnings;  // what did not fail but needs saying
  std::vector<std::string> notes;     // what went as it should but is worth knowing (merged events)
};

// Which outputs go to which remote: those naming `name` in their `remote:`
// option, and, for the default remote, those naming none and all tracked
// data (and, for push, the run-cache).
struct RemoteScope {
  std::string name;
  bool is_default = true;
};

// The remotes the targets' outputs name in `remote:` (other than the default).
std::vector<std::string> output_remotes(Workspace& ws, const std::vector<Target>& targets);

// Adds `from`'s counts and lines to `into`.
void merge_report(TransferReport& into, const TransferReport& from);

// Called after each object, for progress output.
using TransferProgress = std::function<void(const TransferReport&, size_t total)>;

// Uploads every cached object of the targets' outputs and tracked data, and
// the run-cache entries, that the remote lacks.
TransferReport push(Workspace& ws, Remote& remote, const RemoteScope& scope, const std::vector<Target>& targets,
                    size_t jobs, const TransferProgress& progress);

// Downloads what the local cache lacks (directory manifests first, then
// their files); every object is checked against its name before it is cached.
TransferReport fetch(Workspace& ws, Remote& remote, const RemoteScope& scope, const std::vector<Target>& targets,
                     size_t jobs, const TransferProgress& progress);

// Downloads what the cache lacks of these recorded artifacts, verified as
// fetch does (for `audit reproduce`, and fetch itself).
TransferReport fetch_artifacts(Project& project, Remote& remote, const std::vector<LockedArtifact>& artifacts,
                               size_t jobs, const TransferProgress& progress);

// `repro --pull`: downloads the run-cache entry `run_key` from the remote
// (if it has one) and the objects of the outputs it records. Returns false
// when the remote has no such entry or something failed (the stage then runs).
bool fetch_run(Project& project, Remote& remote, const Digest& run_key, size_t jobs);

struct RemoteStatus {
  std::string path;  // an output or tracked path
  size_t local_missing = 0;
  size_t remote_missing = 0;
  size_t objects = 0;
};

// For `pipe status -c`: per artifact, how many of its objects each side lacks.
std::vector<RemoteStatus> remote_status(Workspace& ws, Remote& remote, const RemoteScope& scope,
                                        const std::vector<Target>& targets);

}  // namespace pipeline
