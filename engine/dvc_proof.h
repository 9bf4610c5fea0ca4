// Whether content pipe has hashed its own way (XXH3) is what a DVC hash
// names: the proof that lets pipe adopt a DVC repository's data, and judge
// data a .dvc file or an imported lock records by md5 only.
//
// What is proven is remembered in the state db (md5 -> digest), so the
// next command compares pipe's cached digest and reads nothing; only the
// first check of some content costs an MD5 of its bytes.
#pragma once

#include <string>

#include "artifact.h"
#include "lockfile.h"

namespace pipeline {

class Disk;
class StateDb;

// `md5` as DVC writes it ("....dir" for a directory). `now` is pipe's
// hash of `path`; for a directory its files are hashed DVC's way and the
// ".dir" manifest they make is compared. Records in `state` (may be null)
// every md5 it computed, matching or not: each names the bytes it was
// computed from.
bool dvc_proves(Disk& disk, StateDb* state, const std::string& path, const ArtifactInfo& now, const std::string& md5,
                bool dos2unix);

// Whether the workspace content `now` is what `recorded` records: by
// digest, or for an entry known only by DVC's hash, by dvc_proves.
bool same_content(Disk& disk, StateDb* state, const LockedArtifact& recorded, const ArtifactInfo& now);

// Fills in the digest of an entry known only by DVC's hash when the state
// db has learnt it (an import or a pull proved it). True when it did.
bool resolve_pending(StateDb* state, LockedArtifact& a);

}  // namespace pipeline
