// Registry packs: how runs and model events travel to a remote together.
// One push uploads one pack, `lineage/packs/NAME`, NAME being the SHA-256
// of its bytes. Inside, each record keeps its own content address (a run's
// chain hash, an event's uid), so a pack is only a bundle for transport,
// as git's packs are: a reader checks the pack against its name and every
// record against its uid. Format (docs/formats.md):
//
//   pipe-registry-pack 1\n
//   run UID SIZE\n BYTES \n        (SharedRun::bytes)
//   event UID SIZE\n BYTES \n      (ModelEvent::shared_bytes)
#pragma once

#include <string>
#include <vector>

#include "lineage.h"

namespace pipeline {

struct RegistryPack {
  std::vector<SharedRun> runs;
  std::vector<ModelEvent> events;
};

std::string write_pack(const RegistryPack& pack);

// Reads the pack fetched as `name`. False, with `why`, when the bytes do
// not match the name, are not a pack, or hold a record that does not match
// its uid: a pack is one pusher's, so nothing of an altered one is used.
bool read_pack(const std::string& name, const std::string& bytes, RegistryPack* out, std::string* why);

}  // namespace pipeline
