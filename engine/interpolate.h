// DVC-style ${...} templating: `${train.lr}`, `${models[0].name}`, `\${literal}`.
#pragma once

#include <string>

#include "value.h"

namespace pipeline {

// Looks up a dotted/indexed path ("a.b[2].c") in `context`. Returns nullptr
// and explains why (with the nearest valid key) when it does not resolve.
const Value* lookup_path(const Value& context, const std::string& path, std::string* why);

// Renders every string in `v`, map keys included. A string that is exactly
// one `${expr}` takes the referenced value whole (so `foreach: ${models}` gets
// the list); embedded references must be scalars. Errors name `file` and the
// mark of the string that failed.
Value interpolate(const Value& v, const Value& context, const std::string& file);

// True when `s` contains an unescaped "${".
bool has_template(const std::string& s);

}  // namespace pipeline
