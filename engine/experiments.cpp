#include "experiments.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include <cerrno>
#include <cstring>

#include "document.h"
#include "error.h"
#include "file_io.h"
#include "lineage.h"
#include "overrides.h"
#include "paths.h"
#include "project.h"
#include "value.h"

namespace pipeline {
namespace {

// Whether the run's command line is `pipe [...] exp run ...`; fills the
// name and -S values from it.
bool experiment_command(const std::string& command_json, std::string* name, std::vector<std::string>* sets) {
  Value argv;
  try {
    argv = parse_json("command", command_json);
  } catch (const Error&) {
    return false;
  }
  if (!argv.is_list()) return false;
  std::vector<std::string> args;
  for (const Value& a : argv.items()) args.push_back(a.is_string() ? a.as_string() : "");
  size_t i = 1;
  while (i + 1 < args.size() && !(args[i] == "exp" && args[i + 1] == "run")) ++i;
  if (i + 1 >= args.size()) return false;
  for (i += 2; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const std::string& flag, std::string* out) {
      if (a == flag && i + 1 < args.size()) return *out = args[++i], true;
      if (a.rfind(flag + "=", 0) == 0) return *out = a.substr(flag.size() + 1), true;
      return false;
    };
    std::string v;
    if (value("-S", &v) || value("--set-param", &v)) sets->push_back(v);
    else if (value("-n", &v) || value("--name", &v)) *name = v;
  }
  return true;
}

// Column names: the key, or FILE:KEY where two files share the key.
std::map<std::string, std::string> column_names(const std::set<std::pair<std::string, std::string>>& seen) {
  std::map<std::string, int> files_per_key;
  for (const auto& [file, key] : seen) ++files_per_key[key];
  std::map<std::string, std::string> out;
  for (const auto& [file, key] : seen) out[file + ":" + key] = files_per_key[key] > 1 ? file + ":" + key : key;
  return out;
}

bool selected(const std::string& column, const std::vector<std::string>& wanted) {
  if (wanted.empty()) return true;
  for (const std::string& w : wanted)
    if (column == w || (!w.empty() && w.back() == '.' && column.rfind(w, 0) == 0)) return true;
  return false;
}

void keep_columns(ExperimentTable& t, std::vector<std::string>& columns,
                  std::map<std::string, std::string> ExperimentRow::*values, const std::vector<std::string>& wanted,
                  bool only_changed) {
  std::vector<std::string> kept;
  for (const std::string& c : columns) {
    if (!selected(c, wanted)) continue;
    if (only_changed) {
      std::set<std::string> distinct;
      for (const ExperimentRow& r : t.rows) {
        auto it = (r.*values).find(c);
        distinct.insert(it == (r.*values).end() ? "" : it->second);
      }
      if (distinct.size() < 2) continue;
    }
    kept.push_back(c);
  }
  for (ExperimentRow& r : t.rows)
    for (auto it = (r.*values).begin(); it != (r.*values).end();)
      it = std::find(kept.begin(), kept.end(), it->first) == kept.end() ? (r.*values).erase(it) : std::next(it);
  columns = std::move(kept);
}

// Numbers sort as numbers, the rest as text.
bool before(const std::string* a, const std::string* b) {
  char* ea = nullptr;
  char* eb = nullptr;
  const double x = std::strtod(a->c_str(), &ea);
  const double y = std::strtod(b->c_str(), &eb);
  if (*ea == '\0' && *eb == '\0' && !a->empty() && !b->empty()) return x < y;
  return *a < *b;
}

}  // namespace

ExperimentTable experiment_table(LineageStore& store, const ExperimentQuery& query) {
  ExperimentTable t;
  std::set<std::pair<std::string, std::string>> param_seen, metric_seen;
  std::vector<RunRecord> runs = store.runs(0, true);  // newest first
  std::vector<ExperimentRow> rows;
  bool have_baseline = false;
  for (const RunRecord& run : runs) {
    ExperimentRow row;
    const bool experiment = experiment_command(run.command, &row.name, &row.overrides);
    if (!experiment && (have_baseline || run.executions.empty())) continue;
    if (experiment && query.removed.count(run.id)) continue;
    row.baseline = !experiment;
    have_baseline = have_baseline || row.baseline;
    row.run_id = run.id;
    row.ended_ns = run.ended_ns;
    row.ok = run.exit_code == 0;
    if (row.baseline) row.name = "baseline";
    else if (row.name.empty()) row.name = "exp-" + std::to_string(run.id);
    for (const ExecutionRecord& e : run.executions) {
      row.recorded_params.insert(row.recorded_params.end(), e.params.begin(), e.params.end());
      for (const LineageValue& p : e.params) {
        row.params[p.file + ":" + p.key] = p.value;
        param_seen.insert({p.file, p.key});
      }
      for (const LineageValue& m : e.metrics) {
        row.metrics[m.file + ":" + m.key] = m.value;
        metric_seen.insert({m.file, m.key});
      }
    }
    rows.push_back(std::move(row));
  }
  // Oldest first, the baseline on top.
  std::reverse(rows.begin(), rows.end());
  std::stable_partition(rows.begin(), rows.end(), [](const ExperimentRow& r) { return r.baseline; });
  const auto param_names = column_names(param_seen);
  const auto metric_names = column_names(metric_seen);
  for (ExperimentRow& r : rows) {
    std::map<std::string, std::string> p, m;
    for (auto& [k, v] : r.params) p[param_names.at(k)] = v;
    for (auto& [k, v] : r.metrics) m[metric_names.at(k)] = v;
    r.params = std::move(p);
    r.metrics = std::move(m);
  }
  t.rows = std::move(rows);
  for (const auto& [k, name] : param_names) {
    t.param_columns.push_back(name);
    t.param_column_of[k] = name;
  }
  for (const auto& [k, name] : metric_names) t.metric_columns.push_back(name);
  std::sort(t.param_columns.begin(), t.param_columns.end());
  std::sort(t.metric_columns.begin(), t.metric_columns.end());
  keep_columns(t, t.param_columns, &ExperimentRow::params, query.params, query.only_changed);
  keep_columns(t, t.metric_columns, &ExperimentRow::metrics, query.metrics, query.only_changed);
  if (!query.sort_by.empty()) {
    const bool is_param = std::count(t.param_columns.begin(), t.param_columns.end(), query.sort_by) > 0;
    const bool is_metric = std::count(t.metric_columns.begin(), t.metric_columns.end(), query.sort_by) > 0;
    if (!is_param && !is_metric) {
      std::string known;
      for (const auto* cols : {&t.param_columns, &t.metric_columns})
        for (const std::string& c : *cols) known += (known.empty() ? "" : ", ") + c;
      throw Error(Exit::kUsage, "--sort-by " + query.sort_by + ": no such column" +
                                    (known.empty() ? "" : "; the columns are: " + known));
    }
    auto field = is_param ? &ExperimentRow::params : &ExperimentRow::metrics;
    auto value = [&](const ExperimentRow& r) -> const std::string* {
      auto it = (r.*field).find(query.sort_by);
      return it == (r.*field).end() ? nullptr : &it->second;
    };
    std::stable_sort(t.rows.begin(), t.rows.end(), [&](const ExperimentRow& a, const ExperimentRow& b) {
      if (a.baseline != b.baseline) return a.baseline;  // the baseline stays on top
      const std::string* x = value(a);
      const std::string* y = value(b);
      if (!x || !y) return x && !y;  // rows without the column last, either way
      return query.descending ? before(y, x) : before(x, y);
    });
  }
  return t;
}

ExperimentRow find_experiment(LineageStore& store, const std::string& name, const std::set<int64_t>& removed) {
  ExperimentQuery query;
  query.removed = removed;
  const ExperimentTable t = experiment_table(store, query);
  std::string known;
  for (const ExperimentRow& r : t.rows) {
    if (r.baseline) continue;
    if (r.name == name || std::to_string(r.run_id) == name) return r;
    known += (known.empty() ? "" : ", ") + r.name;
  }
  throw Error(Exit::kUsage, "no experiment '" + name + "'" +
                                (known.empty() ? "; 'pipe exp run -S KEY=VALUE' runs one" : "; there are: " + known));
}

void write_params(Project& project, const std::vector<ParamEdit>& edits) {
  std::map<std::string, std::string> texts;  // project-relative file -> new text
  for (const ParamEdit& e : edits) {
    std::string file, why;
    if (!project_path("", e.file, &file, &why)) throw Error(Exit::kUsage, e.origin + ": '" + e.file + "': " + why);
    auto it = texts.find(file);
    if (it == texts.end()) {
      std::string text;
      if (!read_file(*project.files, project.root + "/" + file, &text))
        throw Error(Exit::kBadPipeline, e.origin + ": cannot read the params file '" + file + "' (" +
                                            std::strerror(errno) + "); name another with FILE:KEY=VALUE");
      it = texts.emplace(file, text).first;
    }
    it->second = apply_override(file, it->second, e.key, e.value);
  }
  for (const auto& [file, text] : texts) write_file_atomically(*project.files, project.root + "/" + file, text, 0644);
}

std::vector<ParamEdit> experiment_params(const ExperimentRow& row, std::vector<std::string>* skipped) {
  std::vector<ParamEdit> out;
  std::set<std::string> seen;
  for (const LineageValue& p : row.recorded_params) {
    if (!seen.insert(p.file + ":" + p.key).second) continue;
    Value v;
    try {
      v = parse_json("recorded param", p.value);
    } catch (const Error&) {
      continue;
    }
    if (!v.is_scalar()) {
      skipped->push_back(p.file + ":" + p.key + " (a " + v.kind_name() + ")");
      continue;
    }
    // A string as its text; numbers and booleans as JSON writes them.
    out.push_back({p.file, p.key, v.is_string() ? v.as_string() : p.value, "experiment " + row.name});
  }
  return out;
}

}  // namespace pipeline

namespace pipeline {

std::set<int64_t> removed_experiments(Project& project) {
  std::set<int64_t> out;
  std::string text;
  if (!read_file(*project.files, project.state_path("exps/removed"), &text)) return out;
  for (size_t start = 0; start < text.size();) {
    const size_t end = std::min(text.find('\n', start), text.size());
    const std::string line = text.substr(start, end - start);
    if (!line.empty() && line.find_first_not_of("0123456789") == std::string::npos && line.size() < 19)
      out.insert(std::stoll(line));
    start = end + 1;
  }
  return out;
}

void remove_experiments(Project& project, const std::vector<int64_t>& runs) {
  std::set<int64_t> all = removed_experiments(project);
  all.insert(runs.begin(), runs.end());
  std::string text;
  for (int64_t id : all) text += std::to_string(id) + "\n";
  make_dirs(*project.files, project.state_path("exps"), false);
  write_file_atomically(*project.files, project.state_path("exps/removed"), text, 0644);
}

}  // namespace pipeline
