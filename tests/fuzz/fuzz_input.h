// What every fuzz target shares: the input split into named parts, so one
// input can hold a pipeline file and the params file it reads, and the
// rule that pipe's own errors (Error, a clear message for bad input) are
// the expected outcome, while anything else (a crash, a sanitizer report,
// another exception) is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace pipeline::fuzz {

// Splits at each line "%%\n": part 0 before the first, and so on; missing
// parts are empty.
inline std::vector<std::string> parts(const uint8_t* data, size_t size, size_t n) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> out;
  size_t start = 0;
  while (out.size() + 1 < n) {
    const size_t at = text.find("\n%%\n", start);
    if (at == std::string::npos) break;
    out.push_back(text.substr(start, at + 1 - start));
    start = at + 4;
  }
  out.push_back(text.substr(start));
  out.resize(n);
  return out;
}

}  // namespace pipeline::fuzz
