// Params overrides for experiments: DVC's `-S` forms (and Hydra's sweep
// syntax that `dvc exp run` accepts), expanded into one set of overrides
// per experiment, and applied to a params file's text in place, so that
// its comments and layout survive.
//
//   -S lr=0.2                      params.yaml's `lr`
//   -S train.lr=0.2                a nested key
//   -S params.json:train.lr=0.2    another params file
//   -S lr=0.1,0.2,0.3              a sweep: one experiment per value
//   -S 'epochs=range(1,4)'         1, 2, 3 (the stop is left out, as in Hydra)
//   -S 'epochs=range(0,1,0.25)'    0, 0.25, 0.5, 0.75
//   -S 'opt=choice(adam,sgd)'      adam, sgd
#pragma once

#include <string>
#include <vector>

namespace pipeline {

struct Override {
  std::string spec;  // as given, for messages and the record
  std::string file;  // project-relative params file
  std::string key;   // dotted path
  std::vector<std::string> values;  // the value texts (YAML scalars); more than one: a sweep
};

// Parses one -S. Throws Error(kUsage) saying what is wrong and what the
// forms are.
Override parse_override(const std::string& spec, const std::string& default_file = "params.yaml");

// One experiment's overrides: (override, the value it takes).
using OverrideSet = std::vector<std::pair<const Override*, std::string>>;

// Every combination of the sweeps (the first override varies slowest), in
// order. Throws Error(kUsage) past `limit` experiments.
std::vector<OverrideSet> expand_overrides(const std::vector<Override>& overrides, size_t limit = 10000);

// `text` (params file `file`: YAML, JSON or TOML by its extension) with the
// scalar at `key` replaced by `value`, everything else left byte for byte.
// Throws Error(kBadPipeline) for a key the file lacks or a value that is
// not a scalar, saying where.
std::string apply_override(const std::string& file, const std::string& text, const std::string& key,
                           const std::string& value);

}  // namespace pipeline
