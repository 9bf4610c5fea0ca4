// The HTTP and S3 backends live in a module of their own, pipe-net.so, so
// that only the commands that talk to a server load libcurl and the thirty
// libraries it pulls in (about 4 ms of start-up, a tenth of a no-op
// `pipe status`). This is the table the module hands over, and the one
// function the rest of pipe calls to get it.
#pragma once

#include <memory>

#include "remote.h"

namespace pipeline {

struct NetBackends {
  int version;  // kNetBackendsVersion of the module's build
  // PIPE_NET_ABI of the module's build: a digest of the headers whose types
  // cross between binary and module (remotes/CMakeLists.txt), so a module
  // from another build is refused even when nobody bumped the version.
  const char* abi;
  std::unique_ptr<Remote> (*make_http)(const RemoteSettings& settings);
  std::unique_ptr<Remote> (*make_s3)(const RemoteSettings& settings);
};

// Bumped with any change to NetBackends or to the types it passes, so a
// stale module from another build is refused instead of misread.
constexpr int kNetBackendsVersion = 1;

// The table. The pipe binary loads pipe-net.so on the first call
// (net_load_module.cpp) and throws Error(kInternal) naming where it looked
// when it cannot; tests and fuzz targets link the backends in directly
// (net_load_static.cpp).
const NetBackends& net_backends();

}  // namespace pipeline

// The module's one entry point, looked up by name.
extern "C" const pipeline::NetBackends* pipe_net_backends();
