// DVC's files, which pipe reads from repositories it did not write:
// dvc.lock, a .dvc file (as DVC's record and as tracked data),
// .dvc/config and a .dir manifest (from DVC's cache or a DVC remote).
#include "dvc_config.h"
#include "dvc_files.h"
#include "dvc_hash.h"
#include "error.h"
#include "fuzz_input.h"
#include "tracked.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto p = pipeline::fuzz::parts(data, size, 4);
  try {
    (void)pipeline::parse_dvc_lock("dvc.lock", p[0]);
  } catch (const pipeline::Error&) {
  }
  try {
    (void)pipeline::parse_dvc_file("data.dvc", p[1]);
    (void)pipeline::parse_dvc_tracked("sub/data.dvc", p[1]);
  } catch (const pipeline::Error&) {
  }
  try {
    const pipeline::DvcConfig c = pipeline::parse_dvc_config(".dvc/config", p[2]);
    for (const auto& [section, keys] : c.sections) (void)pipeline::dvc_remote_name(section);
  } catch (const pipeline::Error&) {
  }
  std::vector<pipeline::DvcDirEntry> entries;
  if (pipeline::parse_dvc_dir(p[3], &entries)) (void)pipeline::dvc_dir_json(entries);
  // The text test and the md5-dos2unix stream on arbitrary bytes.
  pipeline::DvcFileHash h(pipeline::DvcHashKind::kMd5Dos2Unix);
  h.update(p[3].data(), p[3].size());
  (void)h.finish_hex();
  return 0;
}
