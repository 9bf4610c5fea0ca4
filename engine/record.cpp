#include "record.h"

#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <cstdlib>
#include <set>

#include "artifact.h"
#include "changes.h"
#include "config.h"
#include "document.h"
#include "environment.h"
#include "graph.h"
#include "lockfile.h"
#include "object_store.h"
#include "workspace.h"
#include "models.h"
#include "params.h"
#include "paths.h"
#include "pipeline.h"
#include "project.h"
#include "url_deps.h"

namespace pipeline {
namespace {

void flatten(const std::string& prefix, const Value& v, const std::string& file, std::vector<LineageValue>& out) {
  if (v.is_map()) {
    for (const auto& [k, child] : v.entries()) flatten(prefix.empty() ? k : prefix + "." + k, child, file, out);
    return;
  }
  if (v.is_list()) {
    for (size_t i = 0; i < v.items().size(); ++i) flatten(prefix + "." + std::to_string(i), v.items()[i], file, out);
    return;
  }
  out.push_back({file, prefix, v.canonical()});
}

std::string json_list(const std::vector<std::string>& items) {
  Value list = Value::list();
  for (const std::string& i : items) list.push(Value::string(i));
  return list.canonical();
}

}  // namespace

std::vector<LineageValue> read_metrics(const std::string& file, const std::string& text) {
  std::vector<LineageValue> out;
  flatten("", parse_document(file, text), file, out);
  return out;
}

std::string current_user() {
  // A name for shared accounts (CI's service user, a container's root):
  // what records and unsigned approvals say. Signed approvals prove more.
  if (const char* named = std::getenv("PIPE_USER"); named && *named) return named;
  if (const passwd* pw = ::getpwuid(::getuid())) return pw->pw_name;
  const char* user = std::getenv("USER");
  return user ? user : std::to_string(::getuid());
}

std::string current_host() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return host;
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string format_time(int64_t ns) {
  const std::time_t t = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

// Kept in the cache up to this size: code and params files are small; a
// bigger changed file is named, with why it was not kept.
constexpr uint64_t kKeepLimit = 16u << 20;

// What the run had that git does not hold as committed (the tracked files
// it changed; the untracked files its stages read as deps or params),
// copied into the cache so that `audit reproduce` can rebuild the exact
// inputs whatever git holds later.
void keep_changed_files(Project& project, ArtifactHasher& hasher, RunRecord& run) {
  CodeState& code = run.code;
  if (code.git_commit.empty()) return;  // outside git, nothing is committed
  std::set<std::string> read;
  for (const ExecutionRecord& e : run.executions) {
    for (const LineageArtifact& a : e.inputs)
      if (!a.is_dir && !is_external_dep(a.path)) read.insert(a.path);
    for (const LineageValue& p : e.params) read.insert(p.file);
  }
  for (std::string& path : untracked_files(project.root, {read.begin(), read.end()}))
    code.changed.push_back({std::move(path), "", ""});
  for (ChangedFile& f : code.changed) {
    const ArtifactInfo& info = hasher.hash(f.path);
    if (!info.exists) f.why = "deleted";
    else if (info.is_dir) f.why = "a directory";
    else if (info.size > kKeepLimit) f.why = "over 16 MiB";
    else if (!project.cache || !copy_into_cache(*project.cache, project.root + "/" + f.path, info))
      f.why = "could not be copied into the cache";
    else f.digest = info.digest.hex();
  }
}

}  // namespace

RunRecord record_lineage(Workspace& ws, const Invocation& invocation, const ReproSummary& summary) {
  Project& project = ws.project;
  Disk& disk = ws.disk;
  // What ran, as loaded before the run: the files may have been edited since.
  const Pipeline& p = ws.pipeline;
  const Graph& g = ws.graph;
  const LockFile& lock = ws.lock();
  const Config& config = ws.config;
  const std::string code_ext = config.get("lineage.code_extensions", kDefaultCodeExtensions);
  ArtifactHasher hasher(disk, project.state.get(), project.urls.get());
  ParamsReader params(disk);

  RunRecord run;
  std::vector<std::string> argv;
  for (const std::string& a : invocation.argv) argv.push_back(strip_credentials(a));
  // "pipe", not the build directory it happened to be run from.
  if (!argv.empty() && argv[0].find('/') != std::string::npos) argv[0] = argv[0].substr(argv[0].rfind('/') + 1);
  run.command = json_list(argv);
  run.user = current_user();
  run.host = current_host();
  run.pipe_version = PIPE_VERSION;
  run.started_ns = invocation.started_ns;
  run.ended_ns = now_ns();
  run.exit_code = invocation.exit_code;

  std::vector<std::string> ran_cmds;
  std::vector<bool> usable(p.stages.size(), false);  // outputs recorded by this run
  for (const StageOutcome& o : summary.outcomes) {
    const Stage& s = p.stages[o.stage];
    ExecutionRecord e;
    e.stage = s.name;
    e.cmd = json_list(s.cmds);
    e.status = o.status;
    if ((o.status == "ran" || o.status == "failed") && o.result.launched) {
      e.timed = true;
      e.started_ns = o.result.start_ns;
      e.ended_ns = o.result.end_ns;
      e.user_seconds = o.result.user_seconds;
      e.system_seconds = o.result.system_seconds;
      e.max_rss_kb = o.result.max_rss_kb;
      e.exit_code = o.result.signal ? 128 + o.result.signal : o.result.exit_code;
      e.executor = o.result.executor;
      for (const std::string& c : s.cmds) ran_cmds.push_back(c);
    }
    auto entry = lock.stages.find(s.name);
    if (o.status != "failed" && entry != lock.stages.end()) {
      usable[o.stage] = true;
      for (const LockedArtifact& d : entry->second.deps)
        e.inputs.push_back({d.path, d.digest.hex(), d.size, d.is_dir, is_code_path(d.path, code_ext) ? "code" : "data"});
      for (const LockedArtifact& a : entry->second.outs) e.outputs.push_back({a.path, a.digest.hex(), a.size, a.is_dir, "output"});
      for (const auto& [file, values] : entry->second.params)
        for (const auto& [key, v] : values) e.params.push_back({file, key, v.canonical()});
    } else {
      // A failure: what it ran on, as the workspace has it now.
      for (const Dep& d : s.deps) {
        const ArtifactInfo& a = hasher.hash(d.path);
        if (a.exists)
          e.inputs.push_back({d.path, a.digest.hex(), a.size, a.is_dir, is_code_path(d.path, code_ext) ? "code" : "data"});
      }
      for (const auto& [file, values] : current_params(s, params))
        for (const auto& [key, v] : values) e.params.push_back({file, key, v.canonical()});
    }
    for (const Output& out : s.outs) {
      std::string text;
      if (out.kind != Output::Kind::kMetric || o.status == "failed" || !disk.read(out.path, &text)) continue;
      try {
        for (LineageValue& m : read_metrics(out.path, text)) e.metrics.push_back(std::move(m));
      } catch (const Error&) {
        // A metrics file pipe cannot parse is still an output; it just has no values.
      }
    }
    Digest log;
    uint64_t size = 0;
    if (disk.stat(stage_log_path(s.name)).is_file() && disk.hash_file(stage_log_path(s.name), &log, &size))
      e.log_digest = log.hex();
    run.executions.push_back(std::move(e));
  }
  run.environment = capture_environment(ran_cmds, config.get("lineage.env", kDefaultEnvAllowList));
  run.code = invocation.code;
  keep_changed_files(project, hasher, run);

  LineageStore store(project.state_path(kLineageFile));
  const std::string env_digest = Digest::of(run.environment).hex();
  for (const ModelDef& m : parse_models(p)) {
    size_t producer = p.stages.size();
    for (size_t i = 0; i < p.stages.size(); ++i)
      for (const Output& o : p.stages[i].outs)
        if (path_within(o.path, m.path)) producer = i;
    if (producer == p.stages.size() || !usable[producer]) continue;
    const ArtifactInfo& now = hasher.hash(m.path);
    if (!now.exists) continue;
    const std::vector<ModelVersion> versions = store.model_versions(m.name);
    const ModelVersion* latest = versions.empty() ? nullptr : &versions.back();
    if (latest && latest->digest == now.digest.hex()) continue;
    ModelVersion v;
    std::string basis = model_basis(m, p, g, lock, env_digest, code_ext);
    if (!invocation.experiment.empty()) {
      // Beside the kinds a bump compares, so it changes no version number.
      Value b = parse_json("basis", basis);
      b.set("experiment", parse_json("experiment", invocation.experiment));
      basis = b.canonical();
    }
    next_version(m, latest, basis, &v);
    v.path = m.path;
    v.digest = now.digest.hex();
    v.is_dir = now.is_dir;
    v.stage = p.stages[producer].name;
    run.models.push_back(std::move(v));
  }
  if (project.state) project.state->flush();
  run.id = store.record(run);
  return run;
}

}  // namespace pipeline
