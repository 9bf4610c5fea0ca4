// What a stage asks of a cluster scheduler: `resources:` in the pipeline
// file (a pipe extension to DVC's syntax), with project-wide defaults in
// .pipe/config (`slurm.*`). Checked where written, in Slurm's own forms, so
// a bad value is a located error before anything is submitted.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "error.h"

namespace pipeline {

class Config;
class Value;

struct Resources {
  int64_t cpus = 0;  // 0: not asked for
  int64_t gpus = 0;
  std::string mem;   // Slurm's form: a whole number and K, M, G or T ("4G"); bare is MB
  std::string time;  // Slurm's form: "30", "1:30:00", "2-00:00:00", "UNLIMITED"
  std::string partition, account, qos, constraint;
  std::vector<std::string> sbatch_args;  // extra flags, each "--name" or "--name=value"
  bool empty() const;
};

// A stage's `resources:` mapping. `where` names the stage in messages; a
// bad value throws Error(kBadPipeline) at file:line:col.
Resources parse_resources(const Value& v, const std::string& file, const std::string& where);

// The defaults in .pipe/config: slurm.cpus, slurm.mem, slurm.gpus,
// slurm.time, slurm.partition, slurm.account, slurm.qos, slurm.constraint
// and slurm.sbatch_args (space-separated). Bad values are located there.
Resources resources_from_config(const Config& config);

// Whether every value is one parse_resources would take: for what comes
// back from a cache file.
bool resources_valid(const Resources& r);

// `stage` over `defaults`, key by key; extra flags from both, defaults first.
Resources merge_resources(const Resources& stage, const Resources& defaults);

// The sbatch flags that ask for `r`.
std::vector<std::string> sbatch_flags(const Resources& r);

// "cpus=2 mem=4G time=1:00:00 partition=gpu", for records and messages.
std::string describe_resources(const Resources& r);

}  // namespace pipeline
