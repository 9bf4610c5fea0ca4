// DVC's plots, read as DVC users write them: the top-level `plots:` of
// each pipeline file (a list of file names or named definitions whose `y`
// maps files to fields, or DVC 2's mapping of file to options) and stages'
// `plots:` outputs with their options (x, y, template, title, x_label,
// y_label, header). Data files are JSON, YAML, CSV or TSV; images (PNG,
// JPEG, GIF, SVG) are shown as they are. The charts themselves are drawn by
// svg_chart.h.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "svg_chart.h"

namespace pipeline {

struct Workspace;

struct PlotSource {
  std::string file;  // project-relative
  std::string x;     // a field, or "" for the row's position
  std::string y;     // a field, or "" for the last field of the rows
};

struct PlotDef {
  std::string id;  // the file, or the top-level plot's name
  std::string kind = "linear";
  std::string title, x_label, y_label;
  std::vector<PlotSource> sources;
  bool image = false;   // sources[0].file is an image
  bool header = true;   // CSV/TSV: false when the first line is data (fields are then 0, 1, ...)
  std::string where;    // "pipe.yaml:12:5", for messages
};

// Every plot the project's pipeline files define, in file order (top-level
// plots, then stages' plots outputs). Throws Error(kBadPipeline) at a
// malformed definition, saying where.
std::vector<PlotDef> plot_definitions(const Workspace& ws);

// Whether `file` is an image shown as it is, and its MIME type.
bool is_image_file(const std::string& file);
std::string image_type(const std::string& file);

// A data file's rows, each field name and value in order: a JSON or YAML
// list of objects (or the first such list inside an object), or CSV/TSV
// (by extension) with a header line, or without one as fields 0, 1, ...
// Throws Error(kBadPipeline) naming the file when it is none of these.
using PlotRow = std::vector<std::pair<std::string, std::string>>;
std::vector<PlotRow> plot_rows(const std::string& file, const std::string& text, bool header);

// Where one side of a chart reads files: the workspace, a git revision, a
// recorded run's outputs. `read` returns false when the file is not there.
struct PlotSide {
  std::string label;  // "" when there is only one side
  std::function<bool(const std::string& file, std::string* text)> read;
};

class LineageStore;
struct Project;

// The sides `pipe plots` reads: the workspace's files; a git revision's
// (a file git holds, else the object that revision's pipe.lock names, from
// the cache); a recorded run's outputs, from the cache by the digests the
// run recorded (a model version's or an experiment's, even after the
// workspace moved on).
PlotSide workspace_side(Project& project);
PlotSide revision_side(Project& project, const Workspace& ws, const std::string& rev);
PlotSide run_side(Project& project, LineageStore& store, int64_t run, const std::string& label);

// The chart of `def`: one series per source and side. What a side lacks, or
// a field a file lacks, is left out and said in `warnings`.
Chart build_chart(const PlotDef& def, const std::vector<PlotSide>& sides, std::vector<std::string>* warnings);

}  // namespace pipeline
