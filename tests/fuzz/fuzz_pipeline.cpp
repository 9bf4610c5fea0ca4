// pipe.yaml / dvc.yaml with interpolation: the pipeline file, then its
// params.yaml, then a vars file (parts split by "%%" lines).
#include "error.h"
#include "fake_disk.h"
#include "fuzz_input.h"
#include "pipeline.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto p = pipeline::fuzz::parts(data, size, 3);
  pipeline::testing::FakeDisk disk;
  disk.write("params.yaml", p[1]);
  disk.write("vars.yaml", p[2]);
  try {
    const pipeline::Pipeline pipe = pipeline::parse_pipeline(disk, "dvc.yaml", p[0]);
    for (const auto& s : pipe.stages)
      for (const auto& cmd : s.cmds)
        if (cmd.find('\0') != std::string::npos) __builtin_trap();  // must have been refused
  } catch (const pipeline::Error&) {
  }
  return 0;
}
