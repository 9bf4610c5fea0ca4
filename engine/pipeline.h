// The pipeline as declared in pipe.yaml (or dvc.yaml): stages after foreach/
// matrix expansion and ${...} interpolation, with every path made relative to
// the project root.
#pragma once

#include <string>
#include <vector>

#include "error.h"
#include "value.h"

namespace pipeline {

class Disk;

struct Dep {
  std::string path;  // project-relative, normalized
  Mark mark;
};

struct ParamRef {
  std::string file;               // project-relative params file
  std::vector<std::string> keys;  // dotted keys; empty means the whole file
  Mark mark;
};

struct Output {
  enum class Kind { kOut, kMetric, kPlot };
  std::string path;  // project-relative, normalized
  Kind kind = Kind::kOut;
  bool cache = true;
  bool persist = false;
  bool push = true;    // false: `pipe push` leaves it out
  std::string remote;  // the remote it goes to and comes from; "" the default
  std::string desc;
  Mark mark;
};

struct Stage {
  std::string name;  // "train", "train@cnn", "build@0"
  Mark mark;
  std::vector<std::string> cmds;  // run in order, each with /bin/sh -c
  std::string wdir;               // project-relative; "" is the root
  std::vector<Dep> deps;
  std::vector<ParamRef> params;
  std::vector<Output> outs;  // outs, metrics and plots
  bool frozen = false;
  bool always_changed = false;
  std::string desc;
  Value meta;
};

struct Pipeline {
  std::string file;  // "pipe.yaml" or "dvc.yaml"
  std::vector<Stage> stages;
  // Top-level sections kept as written (for `metrics`/`plots` commands).
  Value params;
  Value metrics;
  Value plots;
  Value artifacts;  // DVC's name for models
  Value models;

  const Stage* find(const std::string& name) const;
  std::vector<std::string> stage_names() const;
};

// The file pipe reads: pipe.yaml, else dvc.yaml. "" when neither exists.
std::string pipeline_file(Disk& disk);

// Parses, expands and validates the pipeline file. Throws Error(kBadPipeline)
// naming file:line:col and the fix. Does not look at the DAG (see graph.h).
// Without `required`, a project with no pipeline file (only data tracked
// with `pipe add`) reads as one with no stages.
Pipeline load_pipeline(Disk& disk, bool required = true);
Pipeline parse_pipeline(Disk& disk, const std::string& file, const std::string& text);

}  // namespace pipeline
