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

// The binary's folder; "" when /proc cannot say (never the working
// directory: a repository could hold a pipe-net.so of its own).
std::string binary_dir() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  std::string path(buf, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/'));
}

const NetBackends* load() {
  const std::string dir = binary_dir();
  // PIPE_NET_MODULE names the module outright, for packagers who put it
  // elsewhere. Absolute only: dlopen would search the library path for a
  // bare name, and a relative one depends on where pipe runs.
  std::vector<std::string> candidates;
  std::string tried;
  if (const char* forced = getenv("PIPE_NET_MODULE"); forced && *forced) {
    if (forced[0] == '/') candidates.push_back(forced);
    else tried += std::string("\n  ") + forced + ": PIPE_NET_MODULE must be an absolute path";
  } else if (!dir.empty()) {
    candidates = {dir + "/pipe-net.so", dir + "/../lib/pipe/pipe-net.so"};
  } else {
    tried += "\n  (the binary's folder: /proc/self/exe cannot be read)";
  }
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
    // The same headers made both: the types they pass have one layout.
    if (table && table->version == kNetBackendsVersion && std::string(table->abi) == PIPE_NET_ABI)
      return table;  // the handle stays open for the process
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
