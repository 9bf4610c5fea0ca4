// pipe.lock, through its fast reader and the full YAML one. When the fast
// reader accepts a file, the full reader must read the same stages from it.
#include "error.h"
#include "lockfile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  pipeline::LockFile fast;
  const bool fast_ok = pipeline::parse_lock_fast(text, &fast);
  try {
    const pipeline::LockFile full = pipeline::parse_lock(text);
    if (fast_ok && full.stages.size() != fast.stages.size()) __builtin_trap();
  } catch (const pipeline::Error&) {
  }
  return 0;
}
