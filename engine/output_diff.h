// Where a re-executed output first differs from the recorded one, in words
// an auditor can act on: a bare "model.bin differs" says nothing about
// whether a timestamp moved or the weights did.
#pragma once

#include <string>

namespace pipeline {

// The first difference between two contents of the file `path`:
//  - a JSON, YAML or TOML file that parses both times: the first key whose
//    value differs, or that one side lacks ("key 'train.acc': recorded
//    0.91, got 0.89");
//  - other text: the first differing line ("line 12: recorded 'a', got 'b'");
//  - anything else (a NUL byte, invalid UTF-8): the first differing byte
//    offset and both sizes.
// "" when the two are equal.
std::string first_difference(const std::string& path, const std::string& recorded, const std::string& got);

// How a number moved, for metrics: "0.91 -> 0.89 (-0.02)"; a value that
// is not a number: "'a' -> 'b'".
std::string value_change(const std::string& recorded, const std::string& got);

}  // namespace pipeline
