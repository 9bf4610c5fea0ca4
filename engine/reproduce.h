// `pipe audit reproduce NAME@VERSION`: re-executes the run that made a model
// version in a scratch workspace and compares every output with the record.
//
// The scratch workspace gets the project's files from git at the run's
// commit (or, without git, the pipeline and params files from the
// workspace), every recorded input by its digest (from the cache, or the
// workspace when it still holds that content), and shares the project's
// cache. `pipe repro --force` then runs there, through the Runner seam.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "lineage.h"

namespace pipeline {

struct Project;
class Remote;
class Runner;
class Disk;
class ObjectStore;

struct ReproduceOptions {
  double tolerance = 1e-6;     // relative, for metrics that differ in their last digits
  // The remote that fetches inputs the cache lacks, asked for only when
  // one is needed; it may return null (none configured).
  std::function<Remote*()> remote;
  size_t jobs = 16;            // parallel transfers from it
  std::string pipe_binary;     // the pipe that re-executes (absolute)
  bool keep = false;           // keep the scratch workspace even when this fails
  // Where the re-executed stages run: "local", "slurm", or "" for where
  // the version's run ran them (the executor its executions recorded).
  std::string executor;
};

struct StageVerdict {
  std::string stage;
  std::string result;            // exact, within tolerance, not reproduced, not run
  std::string first_difference;  // "" when exact
  bool ok() const { return result == "exact" || result == "within tolerance"; }
};

struct Reproduction {
  std::string scratch;  // absolute; left in place, the caller removes it
  std::string source;   // where the project's files came from, in words
  size_t fetched = 0;   // objects fetched from the remote
  std::string fetched_from;
  std::vector<std::string> missing;  // inputs that could not be put in place
  // Deps outside the project (absolute paths, URLs): pipe keeps no copy,
  // so the re-execution reads them as they are now.
  std::vector<std::string> external;
  // The files the run's work tree changed from its commit, put back from
  // the cache over git's ("path", or "path (deleted)"), and those that could
  // not be, with why.
  std::vector<std::string> rebuilt;
  std::vector<std::string> not_rebuilt;
  bool ran = false;                  // the re-execution ran and succeeded
  std::string log;                   // its output
  std::vector<StageVerdict> stages;
  bool reproduced = false;
};

// The whole use case; appends a "reproduce" event for `v` to `store`.
Reproduction reproduce_version(Project& project, LineageStore& store, const ModelVersion& v,
                               const ReproduceOptions& options, Runner& runner);

// Puts every recorded input of `run` into `scratch` by digest: from the
// shared cache, else from `project`'s workspace when it still holds that
// content (committing it to the cache on the way). Returns what could not
// be, as "path (digest)".
std::vector<std::string> materialise_inputs(Project& project, Project& scratch, const RunRecord& run);

// Compares each execution's recorded outputs with what `scratch` holds
// now. Metrics files may differ within `tolerance`. `ran`: the
// re-execution succeeded; `inputs_missing`: it was not attempted. A
// difference is described from the recorded content in `cache` (may be
// null): how each metric moved, else the first differing key, line, byte
// or file of a directory.
std::vector<StageVerdict> compare_outputs(Disk& scratch, const ObjectStore* cache, const RunRecord& run,
                                          double tolerance, bool ran, bool inputs_missing);

// Whether two recorded values agree: numbers within a relative tolerance,
// anything else exactly.
bool values_close(const std::string& a, const std::string& b, double tolerance);

}  // namespace pipeline
