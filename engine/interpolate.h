// DVC-style ${...} templating: `${train.lr}`, `${models[0].name}`, `\${literal}`.
#pragma once

#include <string>

#include "value.h"

namespace pipeline {

// Looks up a dotted/indexed path ("a.b[2].c") in `context`. Returns nullptr
// and explains why (with the nearest valid key) when it does not resolve.
const Value* lookup_path(const Value& context, const std::string& path, std::string* why);

// How a mapping referenced inside `cmd` becomes command-line flags, as
// DVC's [parsing] config says: `bool` store_true (`--flag` for true,
// nothing for false) or boolean_optional (also `--no-flag`); `list` nargs
// (`--k a b`) or append (`--k a --k b`).
struct UnpackOptions {
  bool boolean_optional = false;
  bool list_append = false;
};

// Renders every string in `v`, map keys included. A string that is exactly
// one `${expr}` takes the referenced value whole (so `foreach: ${models}` gets
// the list); embedded references must be scalars. Errors name `file` and the
// mark of the string that failed.
// With `unpack` (for `cmd`), a mapping inside a longer string, or written
// `${**name}`, is unpacked into flags the way DVC writes it:
// `--lr 0.1 --layers 64 32 --name 'a b' --nested.key 1`.
Value interpolate(const Value& v, const Value& context, const std::string& file,
                  const UnpackOptions* unpack = nullptr);

// A mapping as the flags DVC's to_str(dict) writes.
std::string unpack_flags(const Value& map, const UnpackOptions& options, std::string* error);

// True when `s` contains an unescaped "${".
bool has_template(const std::string& s);

}  // namespace pipeline
