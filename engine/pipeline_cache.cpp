#include "pipeline_cache.h"

#include <cstring>
#include <stdexcept>

#include "config.h"
#include "disk.h"
#include "error.h"
#include "paths.h"
#include "url_deps.h"

namespace pipeline {
namespace {

// Bumped with any change to what is serialized below. The binary's identity
// is in every key too, so a rebuilt pipe never reads an older build's
// expansions; this number guards the layout of the file itself.
constexpr uint32_t kFormat = 3;
constexpr char kMagic[8] = {'P', 'I', 'P', 'E', 'P', 'L', 'C', '\n'};

// Fields added to these types must be serialized below; the sizes say when
// (measured with 64-bit libstdc++, whose sizes CI builds with).
#if defined(__GLIBCXX__) && !defined(_GLIBCXX_DEBUG) && _GLIBCXX_USE_CXX11_ABI && __SIZEOF_POINTER__ == 8
static_assert(sizeof(Stage) == 640, "serialize the new Stage field in pipeline_cache.cpp and bump kFormat");
static_assert(sizeof(Output) == 248, "serialize the new Output field in pipeline_cache.cpp and bump kFormat");
static_assert(sizeof(Dep) == 40 && sizeof(ParamRef) == 64, "serialize the new field and bump kFormat");
#endif

class Writer {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) { raw(&v, sizeof v); }
  void i64(int64_t v) { raw(&v, sizeof v); }
  void f64(double v) { raw(&v, sizeof v); }
  void str(const std::string& s) {
    u32(static_cast<uint32_t>(s.size()));
    out_ += s;
  }
  void mark(Mark m) {
    u32(static_cast<uint32_t>(m.line));
    u32(static_cast<uint32_t>(m.col));
  }
  void digest(const Digest& d) {
    unsigned char b[16];
    d.to_bytes(b);
    raw(b, sizeof b);
  }
  void strings(const std::vector<std::string>& v) {
    u32(static_cast<uint32_t>(v.size()));
    for (const std::string& s : v) str(s);
  }
  void value(const Value& v) {
    u8(static_cast<uint8_t>(v.kind()));
    mark(v.mark());
    switch (v.kind()) {
      case Value::Kind::kNull: break;
      case Value::Kind::kBool: u8(v.as_bool()); break;
      case Value::Kind::kInt: i64(v.as_int()); break;
      case Value::Kind::kFloat: f64(v.as_float()); break;
      case Value::Kind::kString: str(v.as_string()); break;
      case Value::Kind::kList:
        u32(static_cast<uint32_t>(v.items().size()));
        for (const Value& item : v.items()) value(item);
        break;
      case Value::Kind::kMap:
        u32(static_cast<uint32_t>(v.entries().size()));
        for (size_t i = 0; i < v.entries().size(); ++i) {
          str(v.entries()[i].first);
          mark(v.key_mark(i));
          value(v.entries()[i].second);
        }
        break;
    }
  }
  void field(const std::string& v) { str(v); }
  void field(Mark v) { mark(v); }
  void field(bool v) { u8(v); }
  void field(int64_t v) { i64(v); }
  void field(Output::Kind v) { u8(static_cast<uint8_t>(v)); }
  void field(const std::vector<std::string>& v) { strings(v); }
  void field(const Value& v) { value(v); }
  template <typename T, typename Fn>
  void list(const std::vector<T>& items, size_t /*min_size*/, Fn&& each) {
    u32(static_cast<uint32_t>(items.size()));
    for (const T& item : items) each(item);
  }
  std::string take() { return std::move(out_); }

 private:
  void raw(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }
  std::string out_;
};

// Reads what Writer wrote; anything short or out of range throws Damaged,
// which makes the whole cache (or the entry) a miss.
struct Damaged : std::runtime_error {
  Damaged() : std::runtime_error("damaged pipeline cache") {}
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool done() const { return at_ == in_.size(); }
  uint8_t u8() {
    need(1);
    return static_cast<uint8_t>(in_[at_++]);
  }
  uint32_t u32() { return raw<uint32_t>(); }
  int64_t i64() { return raw<int64_t>(); }
  double f64() { return raw<double>(); }
  // A count of things each at least `unit` bytes long, checked against what
  // is left, so a damaged count cannot ask for gigabytes.
  size_t count(size_t unit) {
    const uint32_t n = u32();
    if (unit && n > (in_.size() - at_) / unit) throw Damaged();
    return n;
  }
  std::string str() {
    const size_t n = count(1);
    std::string s(in_.substr(at_, n));
    at_ += n;
    return s;
  }
  Mark mark() {
    Mark m;
    m.line = static_cast<int>(u32());
    m.col = static_cast<int>(u32());
    return m;
  }
  Digest digest() {
    need(16);
    unsigned char b[16];
    std::memcpy(b, in_.data() + at_, 16);
    at_ += 16;
    return Digest::from_bytes(b);
  }
  std::vector<std::string> strings() {
    std::vector<std::string> v(count(4));
    for (std::string& s : v) s = str();
    return v;
  }
  Value value(int depth = 0) {
    if (depth > 1000) throw Damaged();
    const uint8_t kind = u8();
    const Mark m = mark();
    switch (static_cast<Value::Kind>(kind)) {
      case Value::Kind::kNull: {
        Value v;
        v.set_mark(m);
        return v;
      }
      case Value::Kind::kBool: return Value::boolean(u8() != 0, m);
      case Value::Kind::kInt: return Value::integer(i64(), m);
      case Value::Kind::kFloat: return Value::number(f64(), m);
      case Value::Kind::kString: return Value::string(str(), m);
      case Value::Kind::kList: {
        Value v = Value::list(m);
        for (size_t n = count(9); n > 0; --n) v.push(value(depth + 1));
        return v;
      }
      case Value::Kind::kMap: {
        Value v = Value::map(m);
        for (size_t n = count(21); n > 0; --n) {
          std::string key = str();
          const Mark key_mark = mark();
          v.add_entry(std::move(key), value(depth + 1), key_mark);
        }
        return v;
      }
    }
    throw Damaged();
  }
  void field(std::string& v) { v = str(); }
  void field(Mark& v) { v = mark(); }
  void field(bool& v) { v = u8() != 0; }
  void field(int64_t& v) { v = i64(); }
  void field(Output::Kind& v) {
    const uint8_t kind = u8();
    if (kind > static_cast<uint8_t>(Output::Kind::kPlot)) throw Damaged();
    v = static_cast<Output::Kind>(kind);
  }
  void field(std::vector<std::string>& v) { v = strings(); }
  void field(Value& v) { v = value(); }
  template <typename T, typename Fn>
  void list(std::vector<T>& items, size_t min_size, Fn&& each) {
    items.resize(count(min_size));
    for (T& item : items) each(item);
  }

 private:
  void need(size_t n) const {
    if (in_.size() - at_ < n) throw Damaged();
  }
  template <typename T>
  T raw() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, in_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return v;
  }
  std::string_view in_;
  size_t at_ = 0;
};

// The checksum finds damage, not intent: a cache written by hand could name
// any path. What the loader would have refused is refused here too, so the
// file is parsed instead.
bool inside(const std::string& path, bool may_be_root = false) {
  if (path.empty()) return may_be_root;
  std::string normal, why;
  return project_path("", path, &normal, &why) && normal == path;
}
bool acceptable_dep(const std::string& path) {
  if (is_url(path)) return true;
  std::string normal;
  if (!path.empty() && path[0] == '/') return external_path(path, &normal) && normal == path;
  return inside(path);
}
void check_paths(const Stage& s) {
  bool ok = inside(s.file) && inside(s.wdir, true);
  for (const Dep& d : s.deps) ok = ok && acceptable_dep(d.path);
  for (const ParamRef& r : s.params) ok = ok && inside(r.file);
  for (const Output& o : s.outs) ok = ok && inside(o.path) && !reserved_path(o.path);
  if (!ok) throw Damaged();
}

// One list of fields for both directions: Writer's field() reads each
// member, Reader's assigns it, so the two can never disagree on the order.
// `P` is `const Pipeline` when writing. The minimum sizes bound the counts
// a damaged file may claim.
template <typename IO, typename P>
void pipeline_fields(IO& io, P& p) {
  io.list(p.stages, 8, [&](auto& s) {
    io.field(s.name);
    io.field(s.file);
    io.field(s.local);
    io.field(s.mark);
    io.field(s.cmds);
    io.field(s.wdir);
    io.list(s.deps, 12, [&](auto& d) {
      io.field(d.path);
      io.field(d.mark);
    });
    io.list(s.params, 16, [&](auto& r) {
      io.field(r.file);
      io.field(r.keys);
      io.field(r.mark);
    });
    io.list(s.outs, 24, [&](auto& o) {
      io.field(o.path);
      io.field(o.kind);
      io.field(o.cache);
      io.field(o.persist);
      io.field(o.push);
      io.field(o.remote);
      io.field(o.desc);
      io.field(o.mark);
      io.field(o.plot);
    });
    io.field(s.frozen);
    io.field(s.always_changed);
    io.field(s.desc);
    io.field(s.meta);
    io.field(s.resources.cpus);
    io.field(s.resources.gpus);
    io.field(s.resources.mem);
    io.field(s.resources.time);
    io.field(s.resources.partition);
    io.field(s.resources.account);
    io.field(s.resources.qos);
    io.field(s.resources.constraint);
    io.field(s.resources.sbatch_args);
  });
  io.list(p.sections, 4, [&](auto& s) {
    io.field(s.file);
    io.field(s.params);
    io.field(s.metrics);
    io.field(s.plots);
    io.field(s.artifacts);
    io.field(s.models);
  });
  io.field(p.warnings);
}

std::string serialize(const Pipeline& p) {
  Writer w;
  pipeline_fields(w, p);
  return w.take();
}

Pipeline deserialize(std::string_view blob, const std::string& file) {
  Reader r(blob);
  Pipeline p;
  pipeline_fields(r, p);
  if (!r.done()) throw Damaged();
  for (const Stage& s : p.stages) {
    if (s.file != file || s.name != stage_address(file, s.local)) throw Damaged();
    check_paths(s);
    // As with paths: nothing the loader would refuse (an sbatch flag pipe
    // sets itself, say) comes in through a hand-made cache.
    if (!resources_valid(s.resources)) throw Damaged();
  }
  for (const Pipeline::Sections& s : p.sections)
    if (s.file != file) throw Damaged();
  return p;
}

}  // namespace

PipelineCache::PipelineCache(Disk& disk, std::string path, std::string build)
    : disk_(disk), path_(std::move(path)), binary_(std::move(build)) {
  if (binary_.empty()) {
    // Which pipe made an entry: its version and this very build (a rebuilt
    // binary may expand differently with the same version number). When
    // that cannot be known, no entry can be trusted: the cache is off.
    const FileInfo self = disk_.stat("/proc/self/exe");
    if (!self.is_file()) return;
    binary_ = std::string(PIPE_VERSION) + " " + std::to_string(self.size) + " " + std::to_string(self.mtime_ns) +
              " " + std::to_string(self.inode);
  }
  enabled_ = true;
  std::string text;
  if (!disk_.stat(path_).is_file() || !disk_.read(path_, &text)) return;
  try {
    // Magic, body, and the body's digest: a damaged byte anywhere is a miss,
    // not a different graph.
    if (text.size() < sizeof kMagic + 16 || std::memcmp(text.data(), kMagic, sizeof kMagic) != 0) return;
    const std::string_view body = std::string_view(text).substr(sizeof kMagic, text.size() - sizeof kMagic - 16);
    if (!(Reader(std::string_view(text).substr(text.size() - 16)).digest() == Digest::of(body))) return;
    Reader r(body);
    if (r.u32() != kFormat) return;
    std::map<std::string, Entry> entries;
    for (size_t n = r.count(4); n > 0; --n) {
      std::string file = r.str();
      Entry e;
      e.key = r.digest();
      e.inputs.resize(r.count(21));
      for (ParamsInput& in : e.inputs) {
        in.path = r.str();
        in.exists = r.u8() != 0;
        in.digest = r.digest();
        if (!inside(in.path)) throw Damaged();  // never read what the loader would not
      }
      e.blob = r.str();
      entries[std::move(file)] = std::move(e);
    }
    if (r.done()) entries_ = std::move(entries);
  } catch (const Damaged&) {
    // Rebuilt by the next save.
  }
}

Digest PipelineCache::key_of(const std::string& file, const std::string& text, const Config& config) {
  Hasher h;
  auto field = [&h](const std::string& s) {
    const uint64_t n = s.size();
    h.update(&n, sizeof n);  // lengths first: fields cannot run into each other
    h.update(s);
  };
  field(binary_);
  field(file);
  field(text);
  // What Loader reads from the config.
  field(config.get("parsing.bool", ""));
  field(config.get("parsing.list", ""));
  return h.finish();
}

Pipeline PipelineCache::parse(const std::string& file, const std::string& text, const Config& config) {
  if (!enabled_) return parse_pipeline(disk_, file, text, config);
  seen_.insert(file);
  const Digest key = key_of(file, text, config);
  auto it = entries_.find(file);
  if (it != entries_.end() && it->second.key == key) {
    bool valid = true;
    for (const ParamsInput& in : it->second.inputs) {
      const ParamsInput now = read_params_input(disk_, in.path);
      if (now.exists != in.exists || now.digest != in.digest) {
        valid = false;
        break;
      }
    }
    if (valid) {
      try {
        Pipeline p = deserialize(it->second.blob, file);
        for (const std::string& w : p.warnings) warn(w);
        ++hits_;
        return p;
      } catch (const Damaged&) {
        // Parsed again below.
      }
    }
  }
  std::vector<ParamsInput> inputs;
  Pipeline p = parse_pipeline(disk_, file, text, config, &inputs);
  entries_[file] = Entry{key, std::move(inputs), serialize(p)};
  dirty_ = true;
  return p;
}

void PipelineCache::save() {
  if (!enabled_) return;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (seen_.count(it->first)) {
      ++it;
    } else {
      it = entries_.erase(it);
      dirty_ = true;
    }
  }
  if (!dirty_) return;
  const std::string dir = parent_path(path_);
  if (!dir.empty() && !disk_.stat(dir).is_dir()) return;
  Writer w;
  w.u32(kFormat);
  w.u32(static_cast<uint32_t>(entries_.size()));
  for (const auto& [file, e] : entries_) {
    w.str(file);
    w.digest(e.key);
    w.u32(static_cast<uint32_t>(e.inputs.size()));
    for (const ParamsInput& in : e.inputs) {
      w.str(in.path);
      w.u8(in.exists);
      w.digest(in.digest);
    }
    w.str(e.blob);
  }
  try {
    std::string body = w.take();
    Writer sum;
    sum.digest(Digest::of(body));
    disk_.write_atomic(path_, std::string(kMagic, sizeof kMagic) + body + sum.take());
    dirty_ = false;
  } catch (const std::exception&) {
    // A read-only checkout, a full disk: the next command parses again. The
    // cache is never worth failing a command for.
  }
}

}  // namespace pipeline
