#include "plots.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "document.h"
#include "error.h"
#include "file_io.h"
#include "lineage.h"
#include "lock_set.h"
#include "lockfile.h"
#include "object_store.h"
#include "paths.h"
#include "pipeline.h"
#include "project.h"
#include "revision_values.h"
#include "workspace.h"

namespace pipeline {
namespace {

const std::vector<std::string> kPlotKeys = {"x", "y", "template", "title", "x_label", "y_label", "header", "cache",
                                            "persist", "desc", "remote", "push", "type", "labels", "meta", "checkpoint"};

std::string lower_extension(const std::string& file) {
  const size_t dot = file.rfind('.');
  if (dot == std::string::npos || file.find('/', dot) != std::string::npos) return "";
  std::string ext = file.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

// A definition's reader: checks and resolves what one `plots:` entry says.
class DefReader {
 public:
  DefReader(std::string file, std::string dir) : file_(std::move(file)), dir_(std::move(dir)) {}

  [[noreturn]] void fail(const Value& at, const std::string& what) const {
    throw Error(Exit::kBadPipeline, located(file_, at.mark(), what));
  }

  std::string path(const Value& at, const std::string& written) const {
    std::string out, why;
    if (!project_path(dir_, written, &out, &why)) fail(at, "plot file '" + written + "': " + why);
    return out;
  }

  std::string text(const Value& props, const char* key) const {
    const Value* v = props.find(key);
    if (!v || v->is_null()) return "";
    if (!v->is_scalar()) fail(*v, std::string("'") + key + "' must be a single value");
    return v->scalar_text();
  }

  // The options common to both kinds of definition.
  void options(const Value& props, PlotDef* def) const {
    if (props.is_null()) return;
    if (!props.is_map()) fail(props, "the options of plot '" + def->id + "' must be a mapping");
    for (const auto& [key, value] : props.entries())
      if (std::find(kPlotKeys.begin(), kPlotKeys.end(), key) == kPlotKeys.end())
        fail(value, "unknown plot option '" + key + "'; plots take x, y, template, title, x_label, y_label, header");
    if (const std::string t = text(props, "template"); !t.empty()) {
      const auto& kinds = chart_kinds();
      // DVC's own templates only: a custom template is a Vega file pipe
      // cannot draw.
      if (std::find(kinds.begin(), kinds.end(), t) == kinds.end())
        fail(*props.find("template"), "unknown template '" + t + "'; pipe draws linear, simple, scatter, smooth, "
                                      "confusion, confusion_normalized, bar_horizontal, bar_horizontal_sorted");
      def->kind = t;
    }
    def->title = text(props, "title");
    def->x_label = text(props, "x_label");
    def->y_label = text(props, "y_label");
    if (const Value* h = props.find("header"); h && h->kind() == Value::Kind::kBool) def->header = h->as_bool();
  }

  // x or y: a field, a list of fields, or a mapping of file to field(s).
  // Fills `by_file` (file -> fields); "" as the file means "every file".
  void fields(const Value& v, std::vector<std::pair<std::string, std::string>>* by_file) const {
    auto add = [&](const std::string& file, const Value& f) {
      if (f.is_list()) {
        for (const Value& item : f.items()) {
          if (!item.is_scalar() || item.is_null()) fail(item, "a field name must be a single value");
          by_file->emplace_back(file, item.scalar_text());
        }
      } else if (f.is_scalar() && !f.is_null()) {
        by_file->emplace_back(file, f.scalar_text());
      } else {
        fail(f, "a field is a name or a list of names");
      }
    };
    if (v.is_map()) {
      for (const auto& [file, f] : v.entries()) add(path(f, file), f);
    } else {
      add("", v);
    }
  }

  // A top-level entry: `file`, `file: {options}`, or `name: {y: {file: field}}`.
  PlotDef top_level(const std::string& id, const Value& props, const Value& at) const {
    PlotDef def;
    def.id = id;
    options(props, &def);
    std::vector<std::pair<std::string, std::string>> xs, ys;
    if (props.is_map()) {
      if (const Value* x = props.find("x"); x && !x->is_null()) fields(*x, &xs);
      if (const Value* y = props.find("y"); y && !y->is_null()) fields(*y, &ys);
    }
    // Without a mapping of files, the id is the file.
    if (ys.empty()) ys.emplace_back("", "");
    for (const auto& [file, y] : ys) {
      PlotSource s;
      s.file = file.empty() ? path(at, id) : file;
      s.y = y;
      for (const auto& [xf, x] : xs)
        if (xf.empty() || xf == s.file) s.x = x;
      def.sources.push_back(s);
    }
    def.image = def.sources.size() == 1 && is_image_file(def.sources[0].file);
    return def;
  }

 private:
  std::string file_, dir_;
};

std::string where_of(const std::string& file, Mark m) {
  std::string s = file;
  if (m.line > 0) s += ":" + std::to_string(m.line) + ":" + std::to_string(m.col);
  return s;
}

}  // namespace

std::string image_type(const std::string& file) {
  const std::string ext = lower_extension(file);
  if (ext == "png") return "image/png";
  if (ext == "gif") return "image/gif";
  if (ext == "svg") return "image/svg+xml";
  return "image/jpeg";
}

bool is_image_file(const std::string& file) {
  const std::string ext = lower_extension(file);
  return ext == "png" || ext == "jpg" || ext == "jpeg" || ext == "gif" || ext == "svg";
}

std::vector<PlotDef> plot_definitions(const Workspace& ws) {
  std::vector<PlotDef> out;
  for (const Pipeline::Sections& sec : ws.pipeline.sections) {
    const Value& plots = sec.plots;
    if (plots.is_null()) continue;
    const DefReader reader(sec.file, parent_path(sec.file));
    auto entry = [&](const std::string& id, const Value& props, const Value& at) {
      PlotDef def = reader.top_level(id, props, at);
      def.where = where_of(sec.file, at.mark());
      out.push_back(std::move(def));
    };
    if (plots.is_map()) {  // DVC 2: file: {options}
      for (const auto& [id, props] : plots.entries()) entry(id, props, props);
    } else if (plots.is_list()) {
      for (const Value& item : plots.items()) {
        if (item.is_string()) entry(item.as_string(), Value(), item);
        else if (item.is_map() && item.size() == 1) entry(item.entries().front().first, item.entries().front().second, item);
        else reader.fail(item, "each entry of 'plots' is a file, or 'name: {options}'");
      }
    } else {
      reader.fail(plots, "'plots' is a list of files or named plots");
    }
  }
  for (const Stage& s : ws.pipeline.stages)
    for (const Output& o : s.outs) {
      if (o.kind != Output::Kind::kPlot) continue;
      PlotDef def;
      def.id = o.path;
      def.where = where_of(s.file, o.mark);
      const DefReader reader(s.file, s.wdir);
      reader.options(o.plot, &def);
      PlotSource src{o.path, "", ""};
      std::vector<std::pair<std::string, std::string>> xs, ys;
      if (o.plot.is_map()) {
        if (const Value* x = o.plot.find("x"); x && !x->is_null()) reader.fields(*x, &xs);
        if (const Value* y = o.plot.find("y"); y && !y->is_null()) reader.fields(*y, &ys);
      }
      if (!xs.empty()) src.x = xs.front().second;
      if (ys.empty()) ys.emplace_back("", "");
      for (const auto& [file, y] : ys) {
        src.y = y;
        def.sources.push_back(src);
      }
      def.image = is_image_file(o.path);
      out.push_back(std::move(def));
    }
  return out;
}

namespace {

std::vector<PlotRow> delimited_rows(const std::string& text, char sep, bool header) {
  std::vector<std::vector<std::string>> lines;
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') fields.back() += '"', ++i;
      else if (c == '"') quoted = false;
      else fields.back() += c;
    } else if (c == '"' && fields.back().empty()) {
      quoted = true;
    } else if (c == sep) {
      fields.emplace_back();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (!(fields.size() == 1 && fields[0].empty())) lines.push_back(fields);
      fields.assign(1, "");
    } else {
      fields.back() += c;
    }
  }
  if (!(fields.size() == 1 && fields[0].empty())) lines.push_back(fields);
  std::vector<std::string> names;
  size_t first = 0;
  if (header && !lines.empty()) names = lines[first++];
  std::vector<PlotRow> rows;
  for (size_t l = first; l < lines.size(); ++l) {
    PlotRow row;
    for (size_t k = 0; k < lines[l].size(); ++k)
      row.emplace_back(k < names.size() ? names[k] : std::to_string(k), lines[l][k]);
    rows.push_back(std::move(row));
  }
  return rows;
}

// The first list of mappings: the value itself, or inside a mapping (DVC
// reads {"train": [...]} and the like).
const Value* first_list(const Value& v) {
  if (v.is_list()) return &v;
  if (v.is_map())
    for (const auto& [k, child] : v.entries())
      if (const Value* found = first_list(child)) return found;
  return nullptr;
}

}  // namespace

std::vector<PlotRow> plot_rows(const std::string& file, const std::string& text, bool header) {
  const std::string ext = lower_extension(file);
  if (ext == "csv") return delimited_rows(text, ',', header);
  if (ext == "tsv") return delimited_rows(text, '\t', header);
  const Value doc = ext == "json" ? parse_json(file, text) : parse_yaml(file, text);
  const Value* list = first_list(doc);
  if (!list)
    throw Error(Exit::kBadPipeline, file + ": plot data must be a list of records (or hold one), as "
                                           "[{\"step\": 1, \"loss\": 0.5}, ...]");
  std::vector<PlotRow> rows;
  for (const Value& item : list->items()) {
    if (!item.is_map()) continue;
    PlotRow row;
    for (const auto& [k, v] : item.entries())
      if (v.is_scalar() && !v.is_null()) row.emplace_back(k, v.scalar_text());
    rows.push_back(std::move(row));
  }
  return rows;
}

Chart build_chart(const PlotDef& def, const std::vector<PlotSide>& sides, std::vector<std::string>* warnings) {
  Chart chart;
  chart.kind = def.kind;
  chart.title = def.title;
  const bool confusion = def.kind.rfind("confusion", 0) == 0;
  std::set<std::string> xs, ys;
  for (const PlotSide& side : sides)
    for (const PlotSource& src : def.sources) {
      std::string text;
      if (!side.read(src.file, &text)) {
        warnings->push_back(def.id + ": " + src.file + " is not there" + (side.label.empty() ? "" : " in " + side.label));
        continue;
      }
      const std::vector<PlotRow> rows = plot_rows(src.file, text, def.header);
      std::string y = src.y;
      if (y.empty() && !rows.empty() && !rows.front().empty()) y = rows.front().back().first;  // DVC: the last field
      ChartSeries series;
      for (const PlotRow& row : rows) {
        auto field = [&](const std::string& name) -> const std::string* {
          for (const auto& [k, v] : row)
            if (k == name) return &v;
          return nullptr;
        };
        const std::string* yv = field(y);
        const std::string* xv = src.x.empty() ? nullptr : field(src.x);
        if (!yv || (!src.x.empty() && !xv)) continue;
        series.y.push_back(*yv);
        if (xv) series.x.push_back(*xv);
      }
      if (series.y.empty()) {
        warnings->push_back(def.id + ": " + src.file + " has no field '" + y + "'" +
                            (src.x.empty() ? "" : " with '" + src.x + "'") +
                            (side.label.empty() ? "" : " in " + side.label));
        continue;
      }
      const bool many = def.sources.size() > 1;
      series.label = side.label;
      // What the series shows: a bar chart's values are x, a matrix is its file.
      const std::string shown = def.kind.rfind("bar_horizontal", 0) == 0 && !src.x.empty() ? src.x : y;
      const std::string what = confusion ? src.file : many ? src.file + ": " + shown : shown;
      series.label += (series.label.empty() ? "" : " ") + what;
      xs.insert(src.x.empty() ? "step" : src.x);
      ys.insert(y);
      chart.series.push_back(std::move(series));
    }
  // Axis labels: as given, else the fields when all series share them.
  chart.x_label = !def.x_label.empty() ? def.x_label : xs.size() == 1 ? *xs.begin() : "";
  chart.y_label = !def.y_label.empty() ? def.y_label : ys.size() == 1 ? *ys.begin() : "";
  if (chart.title.empty()) chart.title = def.id;
  return chart;
}

}  // namespace pipeline

namespace pipeline {
namespace {

bool read_object(Project& project, const Digest& d, std::string* text) {
  return project.cache->has(d) && read_file(*project.files, project.cache->object_path(d), text);
}

}  // namespace

PlotSide workspace_side(Project& project) {
  return {"workspace", [&project](const std::string& file, std::string* text) {
            return read_file(*project.files, project.root + "/" + file, text);
          }};
}

PlotSide revision_side(Project& project, const Workspace& ws, const std::string& rev) {
  std::vector<std::string> locks;
  for (const std::string& f : ws.pipeline.files) locks.push_back(lock_path_for(f));
  // The outputs that revision's locks name (path -> digest), read from git
  // once, at the first file git does not hold.
  auto outputs = std::make_shared<std::optional<std::map<std::string, Digest>>>();
  return {rev, [&project, rev, locks, outputs](const std::string& file, std::string* text) {
            if (file_at_revision(project, rev, file, text)) return true;
            if (!*outputs) {
              outputs->emplace();
              for (const std::string& lock_file : locks) {
                std::string lock_text;
                if (!file_at_revision(project, rev, lock_file, &lock_text)) continue;
                for (const auto& [name, stage] : parse_lock(lock_text, rev + ":" + lock_file).stages)
                  for (const LockedArtifact& a : stage.outs) {
                    std::string path, why;
                    if (!a.is_dir && !a.pending && project_path(parent_path(lock_file), a.path, &path, &why))
                      (**outputs)[path] = a.digest;
                  }
              }
            }
            // Not in git: an output pipe caches, named by that revision's lock.
            auto it = (*outputs)->find(file);
            return it != (*outputs)->end() && read_object(project, it->second, text);
          }};
}

PlotSide run_side(Project& project, LineageStore& store, int64_t run, const std::string& label) {
  std::map<std::string, Digest> outputs;
  for (const ExecutionRecord& e : store.run(run).executions)
    for (const LineageArtifact& a : e.outputs) {
      Digest d;
      if (Digest::parse(a.digest, &d)) outputs[a.path] = d;
    }
  return {label, [&project, outputs](const std::string& file, std::string* text) {
            auto it = outputs.find(file);
            return it != outputs.end() && read_object(project, it->second, text);
          }};
}

}  // namespace pipeline
