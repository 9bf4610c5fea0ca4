// The pipeline as declared in pipe.yaml (or dvc.yaml): stages after foreach/
// matrix expansion and ${...} interpolation, with every path made relative to
// the project root.
#pragma once

#include <string>
#include <vector>

#include "error.h"
#include "resources.h"
#include "value.h"

namespace pipeline {

class Disk;
struct ParamsInput;  // params.h

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
  // A plot's options as written (x, y, template, title, x_label, y_label,
  // header), for `pipe plots`; null for other outputs or none.
  Value plot;
};

// The most stages one pipeline file may define, after foreach and matrix
// expansion (docs/pipelines.md).
inline constexpr size_t kMaxExpandedStages = 10'000;

struct Stage {
  // The address: the name in the file ("train", "train@cnn"), prefixed
  // with the file as DVC writes it ("sub/dvc.yaml:train") for a file not
  // at the root.
  std::string name;
  std::string file;   // project-relative pipeline file
  std::string local;  // the name within `file`
  Mark mark;
  std::vector<std::string> cmds;  // run in order, each with /bin/sh -c
  std::string wdir;               // project-relative; "" is the root; default the file's folder
  std::vector<Dep> deps;
  std::vector<ParamRef> params;
  std::vector<Output> outs;  // outs, metrics and plots
  bool frozen = false;
  bool always_changed = false;
  std::string desc;
  Value meta;
  Resources resources;  // what it asks of a cluster scheduler (resources.h)
};

// Every pipeline file of the project as one: the stages of all of them.
struct Pipeline {
  std::string file;                // the first file (the root's, if any): "pipe.yaml"
  std::vector<std::string> files;  // all of them, project-relative, the root's first
  std::vector<Stage> stages;
  // The .pipe files found with them (load_pipeline only), outside outputs.
  std::vector<std::string> tracked;
  // Each file's top-level sections, kept as written; paths in them are
  // relative to the file's folder.
  struct Sections {
    std::string file;
    Value params;
    Value metrics;
    Value plots;
    Value artifacts;  // DVC's name for models
    Value models;
  };
  std::vector<Sections> sections;
  // What loading said through warn(), so a cached load can say it again.
  std::vector<std::string> warnings;

  const Stage* find(const std::string& name) const;
  std::vector<std::string> stage_names() const;
};

class Config;

// Every folder's pipeline file under the root: a folder's before those of
// its subfolders, folders by name. Skips .git, .pipe, .dvc, ignored paths,
// tracked data and nested projects (project_scan.cpp).
std::vector<std::string> find_pipeline_files(Disk& disk);
// "train" for the root's file, "sub/dvc.yaml:train" for another.
std::string stage_address(const std::string& file, const std::string& local);

// Parses, expands and validates every pipeline file, and finds the .pipe
// files, in one walk that skips declared output directories. Throws
// Error(kBadPipeline) naming file:line:col and the fix. Does not look at the
// DAG (see graph.h). Without `required`, a project with no pipeline file
// (only data tracked with `pipe add`) reads as one with no stages.
Pipeline load_pipeline(Disk& disk, const Config& config, bool required = true);
Pipeline load_pipeline(Disk& disk, bool required = true);
// One file; its paths are relative to its folder.
// `inputs`, when given, receives the params and vars files the expansion
// read (pipeline_cache.h).
Pipeline parse_pipeline(Disk& disk, const std::string& file, const std::string& text, const Config& config,
                        std::vector<ParamsInput>* inputs = nullptr);
Pipeline parse_pipeline(Disk& disk, const std::string& file, const std::string& text);

}  // namespace pipeline
