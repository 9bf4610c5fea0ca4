// Pulling from a remote DVC filled (remote.NAME.layout = dvc): data that
// carries DVC's md5 is downloaded by that name, DVC 3's files/md5/ab/cdef...
// or DVC 2's ab/cdef... (".dir" manifests as JSON), through the same
// transfer engine as pipe's own layout (parallel, retried). Each object's
// md5 is checked as it streams in, along with pipe's XXH3, and it is cached
// under its XXH3 name; a directory's manifest is rebuilt in pipe's form.
// The md5 -> digest map in the state db keeps what was learnt, so a second
// pull asks for nothing it has, and pending lock entries resolve.
#pragma once

#include <string>
#include <vector>

#include "lockfile.h"
#include "transfer.h"

namespace pipeline {

struct Project;
class Remote;

// `artifacts` must carry md5. Nothing that fails its md5 is cached.
TransferReport fetch_from_dvc(Project& project, Remote& remote, const std::vector<LockedArtifact>& artifacts,
                              size_t jobs, const TransferProgress& progress);

// Where DVC keeps the object `md5` ("....dir" for a manifest) on a remote or
// in its cache, relative to its root.
std::string dvc_object_key(const std::string& md5, bool dos2unix);

}  // namespace pipeline
