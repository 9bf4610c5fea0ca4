// Experiments as the lineage store holds them: every run made by
// `pipe exp run`, with the params and metrics it recorded, in a table that
// `pipe exp show` renders (text, JSON, CSV, Markdown).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "lineage.h"

namespace pipeline {

struct Project;

struct ExperimentRow {
  std::string name;  // --name, else "exp-RUN"; the baseline: "baseline"
  int64_t run_id = 0;
  int64_t ended_ns = 0;
  bool baseline = false;
  bool ok = true;  // the run exited 0
  // "" for a recorded run; queued, running or interrupted for one that
  // waits in the queue (no run yet: run_id 0, its params from its -S values).
  std::string state;
  std::vector<std::string> overrides;  // its -S values
  std::map<std::string, std::string> params;   // column -> canonical JSON value
  std::map<std::string, std::string> metrics;  // column -> canonical JSON value
  std::vector<LineageValue> recorded_params;   // every param the run recorded, by file and key
};

struct ExperimentTable {
  std::vector<std::string> param_columns;  // sorted
  std::map<std::string, std::string> param_column_of;  // "file:key" -> its column
  std::vector<std::string> metric_columns;
  std::vector<ExperimentRow> rows;  // the baseline first, then experiments oldest first
};

struct ExperimentQuery {
  std::vector<std::string> params;   // only these columns (exact, or a prefix ending in '.'); none: all
  std::vector<std::string> metrics;
  bool only_changed = false;         // leave out columns equal in every row
  std::string sort_by;               // a column; "" keeps run order
  bool descending = false;
  std::set<int64_t> removed;         // runs `exp remove` took off the table (removed_experiments)
};

// Columns are keys ("train.lr", "acc"), or FILE:KEY where two files hold the
// same key. The baseline is the newest run that is not an experiment.
// Throws Error(kUsage) for a sort column the table lacks.
ExperimentTable experiment_table(LineageStore& store, const ExperimentQuery& query);

// The experiment named `name` (its --name, exp-RUN, or the run's number),
// unless removed. Throws Error(kUsage) naming the experiments there are.
ExperimentRow find_experiment(LineageStore& store, const std::string& name, const std::set<int64_t>& removed = {});

// `pipe exp remove` takes experiments off the table, not out of the
// lineage store: that is append-only, and an audit may need the run. The
// run ids removed are kept in .pipe/exps/removed, one per line.
std::set<int64_t> removed_experiments(Project& project);
void remove_experiments(Project& project, const std::vector<int64_t>& runs);

// A value to write into a params file, and what asked for it (for messages).
struct ParamEdit {
  std::string file;   // project-relative
  std::string key;
  std::string value;  // scalar text, as -S takes it
  std::string origin;
};

// Writes the values into their params files in place (apply_override),
// each file once and atomically, after checking every edit. Throws
// Error(kUsage) for a file outside the project, Error(kBadPipeline) for a
// file or key that is not there.
void write_params(Project& project, const std::vector<ParamEdit>& edits);

// The edits that bring the workspace's params files to what `row`'s run
// recorded; `skipped` names the values that cannot be written in place
// (lists, mappings).
std::vector<ParamEdit> experiment_params(const ExperimentRow& row, std::vector<std::string>* skipped);

}  // namespace pipeline
