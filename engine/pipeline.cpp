// Parsing pipe.yaml/dvc.yaml into Stages: key validation, vars, foreach and
// matrix expansion, interpolation, and path normalization.
#include "pipeline.h"

#include <algorithm>
#include <map>
#include <set>

#include "config.h"
#include "disk.h"
#include "document.h"
#include "interpolate.h"
#include "params.h"
#include "paths.h"
#include "suggest.h"
#include "url_deps.h"

namespace pipeline {
namespace {

const std::vector<std::string> kTopKeys = {"stages", "vars",      "params",   "metrics",
                                           "plots",  "artifacts", "datasets", "models"};
const std::vector<std::string> kStageKeys = {"cmd",     "wdir",  "deps",   "params",
                                             "outs",    "metrics", "plots", "frozen",
                                             "always_changed", "desc", "meta", "vars", "resources"};
// "checkpoint" is DVC 2's key; DVC 3 still accepts it, and so does pipe (as persist).
const std::vector<std::string> kOutOptions = {"cache", "persist", "checkpoint", "desc", "remote",
                                              "push",  "type",    "labels",     "meta"};
const std::vector<std::string> kPlotOptions = {
    "cache", "persist", "checkpoint", "desc",  "remote",  "push",    "type",   "labels", "meta",
    "x",     "y",       "template",   "title", "x_label", "y_label", "header"};

class Loader {
 public:
  Loader(Disk& disk, std::string file, const Config& config)
      : params_(disk), file_(std::move(file)), dir_(parent_path(file_)) {
    auto choice = [&](const char* key, const char* plain, const char* other) {
      const std::string v = config.get(key, plain);
      if (v != plain && v != other)
        config.fail(key, std::string(key) + " must be '" + plain + "' or '" + other + "', not '" + v + "'");
      return v == other;
    };
    unpack_.boolean_optional = choice("parsing.bool", "store_true", "boolean_optional");
    unpack_.list_append = choice("parsing.list", "nargs", "append");
  }

  const std::vector<ParamsInput>& inputs() const { return params_.inputs(); }
  const std::vector<std::string>& warnings() const { return warnings_; }

  Pipeline load(const Value& root) {
    Pipeline p;
    p.file = file_;
    p.files = {file_};
    // An empty file (or one of comments only) has no stages, as in DVC.
    if (root.is_null()) {
      p.sections.emplace_back().file = file_;
      return p;
    }
    if (!root.is_map()) fail(root.mark(), "expected a mapping with a 'stages:' section");
    check_keys(root, kTopKeys, "top-level key");
    Value context = Value::map();
    // params.yaml beside the pipeline file, as DVC looks it up.
    const std::string defaults_file = dir_.empty() ? kDefaultParamsFile : dir_ + "/" + kDefaultParamsFile;
    if (const Value* defaults = params_.file(defaults_file)) {
      origins_.whole_files.insert(defaults_file);
      merge_vars(context, *defaults, {}, kDefaultParamsFile, origins_, root.mark());
    }
    if (const Value* vars = root.find("vars")) add_vars(context, *vars, origins_, dir_);
    const Value* stages = root.find("stages");
    // A DVC file may hold only top-level metrics, plots, params or artifacts.
    bool other_sections = false;
    for (const char* key : {"params", "metrics", "plots", "artifacts", "datasets", "models"})
      other_sections = other_sections || root.find(key);
    if ((!stages || stages->is_null()) && !other_sections)
      fail(root.mark(), "no 'stages:' section; declare at least one stage");
    if (stages && !stages->is_null() && !stages->is_map())
      fail(stages->mark(), "'stages' must be a mapping of stage name to definition");
    if (stages && stages->is_map())
      for (const auto& [name, def] : stages->entries()) expand(name, def, context, p.stages);
    std::set<std::string> names;
    for (Stage& s : p.stages) {
      if (!names.insert(s.name).second) fail(s.mark, "stage '" + s.name + "' is defined twice");
      s.file = file_;
      s.local = s.name;
      s.name = stage_address(file_, s.local);
    }
    Pipeline::Sections& sections = p.sections.emplace_back();
    sections.file = file_;
    if (const Value* v = root.find("params")) sections.params = *v;
    if (const Value* v = root.find("metrics")) sections.metrics = *v;
    if (const Value* v = root.find("plots")) sections.plots = *v;
    if (const Value* v = root.find("artifacts")) sections.artifacts = *v;
    if (const Value* v = root.find("models")) sections.models = *v;
    return p;
  }

 private:
  [[noreturn]] void fail(Mark m, const std::string& msg) const { fail_pipeline(file_, m, msg); }

  void check_keys(const Value& map, const std::vector<std::string>& allowed, const std::string& what) const {
    for (size_t i = 0; i < map.entries().size(); ++i) {
      const std::string& key = map.entries()[i].first;
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      fail(map.key_mark(i), "unknown " + what + " '" + key + "'" + did_you_mean(key, allowed) +
                         "; valid keys: " + join(allowed));
    }
  }

  static std::string join(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
    return out;
  }

  // Where each name in the context came from, so that a redefinition can
  // be refused as DVC refuses it, naming both sources.
  struct Origins {
    std::map<std::string, std::string> source;  // dotted key -> "params.yaml", "vars[1]"
    std::set<std::string> whole_files;          // files loaded with all their keys
  };

  static std::string source_of(const Origins& o, std::string key) {
    for (;;) {
      auto it = o.source.find(key);
      if (it != o.source.end()) return it->second;
      const auto dot = key.rfind('.');
      if (dot == std::string::npos) return "";
      key.resize(dot);
    }
  }

  // DVC's merge: mappings merge key by key; any other name defined twice is
  // an error, and so is a stage's vars setting foreach's `item` or `key`.
  void merge_into(Value& into, const Value& from, const std::string& prefix, const std::string& from_name,
                  Origins& o, Mark mark) const {
    for (const auto& [k, v] : from.entries()) {
      const std::string key = prefix.empty() ? k : prefix + "." + k;
      Value* existing = into.find(k);
      if (existing && existing->is_map() && v.is_map()) {
        merge_into(*existing, v, key, from_name, o, mark);
        continue;
      }
      if (existing) {
        const std::string before = source_of(o, key);
        if (before.empty())
          fail(mark, "cannot redefine '" + key + "' from '" + from_name + "': it is reserved in foreach and matrix stages");
        fail(mark, "cannot redefine '" + key + "' from '" + from_name + "' as it already exists in '" + before +
                       "'; rename one of them");
      }
      into.set(k, v);
      o.source[key] = from_name;
    }
  }

  // Merges `source` (a mapping) into the context, all keys or only `keys`.
  void merge_vars(Value& context, const Value& source, const std::vector<std::string>& keys,
                  const std::string& from_name, Origins& o, Mark mark) const {
    if (source.is_null()) return;  // an empty file: nothing to add, as in DVC
    if (!source.is_map()) fail(source.mark(), "vars must be mappings");
    Value selected = Value::map();
    for (const auto& [k, v] : source.entries())
      if (keys.empty() || std::find(keys.begin(), keys.end(), k) != keys.end()) selected.set(k, v);
    merge_into(context, selected, "", from_name, o, mark);
  }

  // `vars:` items are mappings, or "file.yaml" / "file.yaml:key1,key2".
  // Files named in top-level vars are relative to the pipeline file's
  // folder; in a stage's vars, to its wdir (`base`), as DVC reads them.
  void add_vars(Value& context, const Value& vars, Origins& o, const std::string& base,
                const std::string& stage = "") {
    if (!vars.is_list()) fail(vars.mark(), "'vars' must be a list of mappings or params file names");
    for (size_t index = 0; index < vars.items().size(); ++index) {
      const Value& item = vars.items()[index];
      if (item.is_map()) {
        merge_vars(context, item, {}, (stage.empty() ? "" : stage + ".") + "vars[" + std::to_string(index) + "]", o,
                   item.mark());
        continue;
      }
      if (!item.is_string()) fail(item.mark(), "a 'vars' entry must be a mapping or a file name");
      std::string name = item.as_string();
      std::vector<std::string> keys;
      const auto colon = name.find(':');
      if (colon != std::string::npos) {
        std::string rest = name.substr(colon + 1);
        name = name.substr(0, colon);
        size_t start = 0;
        while (start <= rest.size()) {
          size_t comma = rest.find(',', start);
          if (comma == std::string::npos) comma = rest.size();
          if (comma > start) keys.push_back(rest.substr(start, comma - start));
          start = comma + 1;
        }
      }
      std::string path, why;
      if (!project_path(base, name, &path, &why)) fail(item.mark(), "vars file '" + name + "': " + why);
      const Value* loaded = params_.file(path);
      if (!loaded) fail(item.mark(), "vars file '" + name + "' does not exist");
      for (const auto& k : keys)
        if (!loaded->find(k)) fail(item.mark(), "vars file '" + name + "' has no key '" + k + "'");
      // DVC allows the same whole file twice; it is loaded once.
      if (keys.empty() && !o.whole_files.insert(path).second) continue;
      merge_vars(context, *loaded, keys, path, o, item.mark());
    }
  }

  // DVC loads any name from the file; only '@' cannot work there, since it
  // joins a foreach group to its key. Control characters would garble logs
  // and the lock file.
  static void check_name(const Loader& self, const std::string& name, Mark m) {
    bool control = false;
    for (unsigned char c : name) control = control || c < 0x20 || c == 0x7f;
    if (name.empty() || name.find('@') != std::string::npos || control)
      self.fail(m, "invalid stage name '" + name + "': a name may not be empty or hold '@' or control characters");
  }

  void expand(const std::string& name, const Value& def, const Value& context, std::vector<Stage>& out) {
    check_name(*this, name, def.mark());
    if (!def.is_map()) fail(def.mark(), "stage '" + name + "' must be a mapping with at least 'cmd'");
    if (const Value* each = def.find("foreach")) {
      std::vector<std::string> allowed = {"foreach", "do"};
      check_keys(def, allowed, "key in foreach stage '" + name + "'");
      const Value* body = def.find("do");
      if (!body || !body->is_map()) fail(def.mark(), "foreach stage '" + name + "' needs a 'do:' mapping");
      const Value items = interpolate(*each, context, file_);
      const size_t n = items.is_list() ? items.items().size() : items.is_map() ? items.entries().size() : 0;
      check_expansion(name, "foreach", std::to_string(n) + " items", n, out.size(), each->mark());
      expand_foreach(name, items, *body, context, out, is_reference(*each));
      return;
    }
    if (const Value* matrix = def.find("matrix")) {
      std::vector<std::string> allowed = kStageKeys;
      allowed.push_back("matrix");
      check_keys(def, allowed, "key in stage '" + name + "'");
      expand_matrix(name, *matrix, def, context, out);
      return;
    }
    if (def.find("do")) fail(def.find("do")->mark(), "'do' needs a 'foreach' in stage '" + name + "'");
    out.push_back(make_stage(name, def, context));
  }

  // Expansion is bounded, as aliases are (document.h): past the limit a
  // file is a mistake or an attack, and would exhaust memory first.
  void check_expansion(const std::string& name, const char* what, const std::string& sizes, size_t n,
                       size_t already, Mark m) const {
    if (n <= kMaxExpandedStages && already + n <= kMaxExpandedStages) return;
    fail(m, std::string("'") + what + "' in stage '" + name + "' (" + sizes + ") makes " +
                (n > kMaxExpandedStages ? "more than " + std::to_string(kMaxExpandedStages) : std::to_string(n)) +
                " stages, and a pipeline file may define at most " + std::to_string(kMaxExpandedStages) +
                "; split the sweep over several files or shrink it");
  }

  // "${params.list}": a value read through a reference. DVC names the
  // stages of such a list with Python's str() of each value (True, False),
  // and those of a list written inline with its to_str() (true, false).
  static bool is_reference(const Value& v) {
    if (!v.is_string()) return false;
    const std::string& t = v.as_string();
    return t.size() > 3 && t.compare(0, 2, "${") == 0 && t.back() == '}' && t.find("${", 2) == std::string::npos;
  }

  static std::string key_text(const Value& v, bool via_reference) {
    if (via_reference && v.kind() == Value::Kind::kBool) return v.as_bool() ? "True" : "False";
    return v.scalar_text();
  }

  void expand_foreach(const std::string& name, const Value& items, const Value& body,
                      const Value& context, std::vector<Stage>& out, bool via_reference) {
    if (items.is_list()) {
      // DVC's naming: simple lists are keyed by value, lists of lists or maps by index.
      bool composite = false;
      for (const Value& v : items.items()) composite = composite || !v.is_scalar();
      for (size_t i = 0; i < items.items().size(); ++i) {
        const Value& item = items.items()[i];
        Value ctx = context;
        ctx.set("item", item);
        const std::string key = composite ? std::to_string(i) : key_text(item, via_reference);
        out.push_back(make_stage(name + "@" + key, body, ctx));
      }
    } else if (items.is_map()) {
      for (const auto& [key, item] : items.entries()) {
        Value ctx = context;
        ctx.set("key", Value::string(key));
        ctx.set("item", item);
        out.push_back(make_stage(name + "@" + key, body, ctx));
      }
    } else {
      fail(items.mark(), "'foreach' in stage '" + name + "' must be a list or a mapping, got " +
                             items.kind_name());
    }
  }

  void expand_matrix(const std::string& name, const Value& matrix_def, const Value& def,
                     const Value& context, std::vector<Stage>& out) {
    if (!matrix_def.is_map() || matrix_def.entries().empty())
      fail(matrix_def.mark(), "'matrix' in stage '" + name + "' must map names to lists");
    std::vector<std::pair<std::string, Value>> axes;
    std::vector<bool> referenced;
    for (const auto& [axis, values] : matrix_def.entries()) {
      Value list = interpolate(values, context, file_);
      if (!list.is_list() || list.items().empty())
        fail(values.mark(), "matrix axis '" + axis + "' must be a non-empty list");
      axes.emplace_back(axis, std::move(list));
      referenced.push_back(is_reference(values));
    }
    // The product is checked before anything is made: 9 axes of 10 values
    // would otherwise build a billion stages.
    size_t total = 1;
    std::string sizes;
    for (const auto& [axis, list] : axes) {
      total = list.items().size() > kMaxExpandedStages ? kMaxExpandedStages + 1
                                                        : std::min(total * list.items().size(), kMaxExpandedStages + 1);
      sizes += (sizes.empty() ? "" : " x ") + std::to_string(list.items().size());
    }
    check_expansion(name, "matrix", sizes, total, out.size(), matrix_def.mark());
    Value body = Value::map(def.mark());
    for (size_t i = 0; i < def.entries().size(); ++i)
      if (def.entries()[i].first != "matrix") body.add_entry(def.entries()[i].first, def.entries()[i].second, def.key_mark(i));
    std::vector<size_t> index(axes.size(), 0);
    for (;;) {
      Value item = Value::map();
      std::string suffix;
      for (size_t a = 0; a < axes.size(); ++a) {
        const Value& v = axes[a].second.items()[index[a]];
        item.set(axes[a].first, v);
        suffix += (a ? "-" : "") +
                  (v.is_scalar() ? key_text(v, referenced[a]) : axes[a].first + std::to_string(index[a]));
      }
      Value ctx = context;
      ctx.set("item", item);
      out.push_back(make_stage(name + "@" + suffix, body, ctx));
      // Odometer order: the last axis varies fastest, like itertools.product.
      size_t a = axes.size();
      while (a > 0) {
        --a;
        if (++index[a] < axes[a].second.items().size()) break;
        index[a] = 0;
        if (a == 0) return;
      }
    }
  }

  Stage make_stage(const std::string& name, const Value& raw, const Value& outer_context) {
    if (!raw.is_map()) fail(raw.mark(), "stage '" + name + "' must be a mapping with at least 'cmd'");
    check_keys(raw, kStageKeys, "key in stage '" + name + "'");
    Value context = outer_context;
    Value body = Value::map(raw.mark());
    // DVC reads a stage's vars files from its wdir, which the outer context resolves.
    std::string vars_base = dir_;
    if (const Value* w = raw.find("wdir"); w && raw.find("vars")) {
      const Value wdir = interpolate(*w, outer_context, file_);
      if (wdir.is_string()) vars_base = normalize(dir_, wdir.as_string(), w->mark(), "stage '" + name + "' wdir");
    }
    const Value* raw_cmd = nullptr;
    for (size_t i = 0; i < raw.entries().size(); ++i) {
      const auto& [k, v] = raw.entries()[i];
      if (k == "vars") {
        Origins own = origins_;  // a stage's vars stay its own
        add_vars(context, v, own, vars_base, name);
      }
      else if (k == "cmd") raw_cmd = &v;
      else body.add_entry(k, v, raw.key_mark(i));
    }
    const Value def = interpolate(body, context, file_);
    // Only in cmd may a mapping be unpacked into flags, as in DVC.
    const Value cmd_value = raw_cmd ? interpolate(*raw_cmd, context, file_, &unpack_) : Value();
    Stage s;
    s.name = name;
    s.mark = raw.mark();
    const std::string where = "stage '" + name + "'";

    const Value* cmd = raw_cmd ? &cmd_value : nullptr;
    if (!cmd || cmd->is_null()) fail(raw.mark(), where + " has no 'cmd'; add the command that produces its outputs");
    if (cmd->is_list()) {
      for (const Value& c : cmd->items()) {
        if (!c.is_scalar() || c.is_null()) fail(c.mark(), where + ": each 'cmd' entry must be a string");
        s.cmds.push_back(c.scalar_text());
      }
    } else if (cmd->is_scalar()) {
      s.cmds.push_back(cmd->scalar_text());
    } else {
      fail(cmd->mark(), where + ": 'cmd' must be a string or a list of strings");
    }
    if (s.cmds.empty()) fail(cmd->mark(), where + ": 'cmd' is empty");

    // Paths are relative to the pipeline file's folder, or to wdir there.
    s.wdir = dir_;
    if (const Value* wdir = def.find("wdir")) {
      if (!wdir->is_string()) fail(wdir->mark(), where + ": 'wdir' must be a path");
      s.wdir = normalize(dir_, wdir->as_string(), wdir->mark(), where + " wdir");
    }
    if (const Value* deps = def.find("deps")) {
      for (const Value& d : list_of(*deps, where, "deps")) {
        if (!d.is_string()) fail(d.mark(), where + ": each dep must be a path string");
        // An absolute dep is DVC's external dep: read, never written. A
        // URL is one on remote storage, checked by HEAD (url_deps.h).
        std::string external;
        if (is_url(d.as_string())) s.deps.push_back({d.as_string(), d.mark()});
        else if (external_path(d.as_string(), &external)) s.deps.push_back({external, d.mark()});
        else s.deps.push_back({normalize(s.wdir, d.as_string(), d.mark(), where + " dep"), d.mark()});
      }
    }
    if (const Value* params = def.find("params")) add_params(s, *params, where);
    add_outputs(s, def, "outs", Output::Kind::kOut, kOutOptions, where);
    add_outputs(s, def, "metrics", Output::Kind::kMetric, kOutOptions, where);
    add_outputs(s, def, "plots", Output::Kind::kPlot, kPlotOptions, where);
    s.frozen = flag(def, "frozen", where);
    s.always_changed = flag(def, "always_changed", where);
    if (const Value* desc = def.find("desc")) s.desc = desc->scalar_text();
    if (const Value* meta = def.find("meta")) s.meta = *meta;
    if (const Value* r = def.find("resources")) s.resources = parse_resources(*r, file_, where);
    return s;
  }

  const std::vector<Value>& list_of(const Value& v, const std::string& where, const char* key) const {
    static const std::vector<Value> empty;
    if (v.is_null()) return empty;
    if (!v.is_list()) fail(v.mark(), where + ": '" + key + "' must be a list, got " + v.kind_name());
    return v.items();
  }

  bool flag(const Value& def, const char* key, const std::string& where) const {
    const Value* v = def.find(key);
    if (!v) return false;
    if (v->kind() != Value::Kind::kBool) fail(v->mark(), where + ": '" + key + "' must be true or false");
    return v->as_bool();
  }

  std::string normalize(const std::string& base, const std::string& path, Mark m, const std::string& what) const {
    std::string out, why;
    if (!project_path(base, path, &out, &why)) fail(m, what + " '" + path + "': " + why);
    return out;
  }

  void add_params(Stage& s, const Value& params, const std::string& where) {
    const std::string default_file = normalize(s.wdir, kDefaultParamsFile, params.mark(), where);
    auto add = [&](const std::string& file, const std::string& key, Mark m) {
      for (ParamRef& ref : s.params) {
        if (ref.file != file) continue;
        if (key.empty()) ref.keys.clear();
        else if (!ref.keys.empty() && std::find(ref.keys.begin(), ref.keys.end(), key) == ref.keys.end())
          ref.keys.push_back(key);
        return;
      }
      ParamRef ref{file, {}, m};
      if (!key.empty()) ref.keys.push_back(key);
      s.params.push_back(std::move(ref));
    };
    for (const Value& p : list_of(params, where, "params")) {
      if (p.is_string()) {
        add(default_file, p.as_string(), p.mark());
      } else if (p.is_map()) {
        for (const auto& [file, keys] : p.entries()) {
          const std::string path = normalize(s.wdir, file, keys.mark(), where + " params file");
          if (keys.is_null() || (keys.is_list() && keys.items().empty())) {
            add(path, "", keys.mark());
            continue;
          }
          for (const Value& k : list_of(keys, where, "params")) {
            if (!k.is_string()) fail(k.mark(), where + ": param keys must be strings");
            add(path, k.as_string(), k.mark());
          }
        }
      } else {
        fail(p.mark(), where + ": a param is a key ('train.lr') or a file mapping ('other.yaml: [key]')");
      }
    }
  }

  void add_outputs(Stage& s, const Value& def, const char* key, Output::Kind kind,
                   const std::vector<std::string>& options, const std::string& where) {
    const Value* list = def.find(key);
    if (!list) return;
    for (const Value& item : list_of(*list, where, key)) {
      Output o;
      o.kind = kind;
      o.mark = item.mark();
      std::string path;
      if (item.is_string()) {
        path = item.as_string();
      } else if (item.is_map() && item.entries().size() == 1) {
        const auto& [p, opts] = item.entries().front();
        path = p;
        // DVC's schema refuses "- path:" with nothing after the colon.
        if (opts.is_null())
          fail(item.mark(), where + ": '" + p + ":' has nothing after the colon; remove the ':', or give options "
                            "such as '{cache: false}'");
        {
          if (!opts.is_map()) fail(opts.mark(), where + ": options of '" + p + "' must be a mapping");
          check_keys(opts, options, std::string("option of ") + key + " '" + p + "'");
          if (const Value* c = opts.find("cache")) o.cache = option_flag(*c, "cache", where);
          if (const Value* c = opts.find("persist")) o.persist = option_flag(*c, "persist", where);
          if (const Value* c = opts.find("checkpoint"); c && option_flag(*c, "checkpoint", where)) {
            o.persist = true;
            say(located(file_, Mark{}, "'checkpoint: true' is DVC 2's option; pipe treats such outputs as 'persist: true'"));
          }
          if (const Value* c = opts.find("desc")) o.desc = c->scalar_text();
          if (kind == Output::Kind::kPlot) o.plot = opts;
          if (const Value* c = opts.find("push")) o.push = option_flag(*c, "push", where);
          if (const Value* c = opts.find("remote")) {
            if (!c->is_string() || c->as_string().empty())
              fail(c->mark(), where + ": 'remote' of '" + p + "' must be a remote's name");
            o.remote = c->as_string();
          }
        }
      } else {
        fail(item.mark(), where + ": each entry of '" + key + "' is a path or 'path: {options}'");
      }
      o.path = normalize(s.wdir, path, item.mark(), where + " output");
      if (o.path.empty()) fail(item.mark(), where + ": the project root itself cannot be an output");
      if (const char* reserved = reserved_path(o.path))
        fail(item.mark(), where + ": output '" + o.path + "' would overwrite " + reserved +
                              "; pipe deletes outputs before a stage runs, so choose another path");
      // DVC accepts a path listed twice in one stage: it is one output.
      bool listed = false;
      for (const Output& before : s.outs) listed = listed || before.path == o.path;
      if (!listed) s.outs.push_back(std::move(o));
    }
  }

  bool option_flag(const Value& v, const char* name, const std::string& where) const {
    if (v.kind() != Value::Kind::kBool) fail(v.mark(), where + ": '" + name + "' must be true or false");
    return v.as_bool();
  }

  void say(const std::string& warning) {
    warn(warning);
    for (const std::string& w : warnings_)
      if (w == warning) return;
    warnings_.push_back(warning);
  }

  std::vector<std::string> warnings_;
  ParamsReader params_;
  std::string file_;
  std::string dir_;  // the file's folder: "" for the root
  UnpackOptions unpack_;
  Origins origins_;  // of the top-level context
};

}  // namespace

const Stage* Pipeline::find(const std::string& name) const {
  for (const Stage& s : stages)
    if (s.name == name) return &s;
  return nullptr;
}

std::vector<std::string> Pipeline::stage_names() const {
  std::vector<std::string> names;
  for (const Stage& s : stages) names.push_back(s.name);
  return names;
}

std::string stage_address(const std::string& file, const std::string& local) {
  return parent_path(file).empty() ? local : file + ":" + local;
}

Pipeline parse_pipeline(Disk& disk, const std::string& file, const std::string& text, const Config& config,
                        std::vector<ParamsInput>* inputs) {
  Loader loader(disk, file, config);
  Pipeline p = loader.load(parse_yaml(file, text));
  p.warnings = loader.warnings();
  if (inputs) *inputs = loader.inputs();
  return p;
}

Pipeline parse_pipeline(Disk& disk, const std::string& file, const std::string& text) {
  return parse_pipeline(disk, file, text, Config::load(disk));
}

}  // namespace pipeline
