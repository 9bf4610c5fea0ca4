// Params files in YAML, JSON and TOML: the first byte picks the format.
#include "document.h"
#include "error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char* const names[] = {"params.yaml", "params.json", "params.toml"};
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    const pipeline::Value v = pipeline::parse_document(names[data[0] % 3], text);
    (void)v.kind_name();
  } catch (const pipeline::Error&) {
  }
  return 0;
}
