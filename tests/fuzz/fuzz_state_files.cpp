// The files pipe keeps beside data and in .pipe/: a .pipe file, the config
// (TOML, with its settings checked) and a directory manifest.
#include "config.h"
#include "error.h"
#include "fake_disk.h"
#include "fuzz_input.h"
#include "object_store.h"
#include "tracked.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto p = pipeline::fuzz::parts(data, size, 3);
  try {
    (void)pipeline::parse_tracked("data.pipe", p[0]);
  } catch (const pipeline::Error&) {
  }
  try {
    pipeline::testing::FakeDisk disk;
    disk.write(".pipe/config", p[1]);
    (void)pipeline::Config::load(disk);
  } catch (const pipeline::Error&) {
  }
  // Parsing runs in full before the digest is compared, so any digest will
  // do to reach every check.
  std::vector<pipeline::ManifestEntry> entries;
  (void)pipeline::parse_manifest(p[2], pipeline::Digest::of(p[2]), &entries);
  return 0;
}
