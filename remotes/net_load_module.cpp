// The pipe binary: loads pipe-net.so from beside the binary (a build tree)
// or from ../lib/pipe/ (an installed pipe), once, on first use.
#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <mutex>
#include <string>
#include <vector>

#include "error.h"
#include "net_backends.h"

namespace pipeline {
namespace {

std::string binary_dir() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string path(buf, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/'));
}

const NetBackends* load() {
  const std::string dir = binary_dir();
  // PIPE_NET_MODULE names the module outright, for packagers who put it
  // elsewhere.
  std::vector<std::string> candidates;
  if (const char* forced = getenv("PIPE_NET_MODULE"); forced && *forced) candidates.push_back(forced);
  else candidates = {dir + "/pipe-net.so", dir + "/../lib/pipe/pipe-net.so"};
  std::string tried;
  for (const std::string& path : candidates) {
    if (access(path.c_str(), F_OK) != 0) {
      tried += "\n  " + path + ": not there";
      continue;
    }
    // RTLD_NOW: a module that does not fit this binary fails here, whole,
    // not at the first call of a missing function.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      tried += "\n  " + path + ": " + dlerror();
      continue;
    }
    auto entry = reinterpret_cast<const NetBackends* (*)()>(dlsym(handle, "pipe_net_backends"));
    const NetBackends* table = entry ? entry() : nullptr;
    if (table && table->version == kNetBackendsVersion) return table;  // the handle stays open for the process
    tried += "\n  " + path + ": from another build of pipe";
    dlclose(handle);
  }
  throw Error(Exit::kInternal, "cannot load pipe-net.so, which holds the HTTP and S3 remotes; looked at:" + tried +
                                   "\nreinstall pipe (the module goes beside the binary or in ../lib/pipe/), "
                                   "or set PIPE_NET_MODULE to its path");
}

}  // namespace

const NetBackends& net_backends() {
  // Not std::call_once: a failed load is tried again on the next call, so
  // the error repeats instead of turning into a null table.
  static std::mutex mutex;
  static const NetBackends* table = nullptr;
  std::lock_guard lock(mutex);
  if (!table) table = load();
  return *table;
}

}  // namespace pipeline
