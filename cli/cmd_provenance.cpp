// `pipe export provenance NAME@VERSION`: an in-toto Statement v1 with a SLSA
// Provenance v1 predicate for a model version, optionally signed into a DSSE
// envelope; and checking such an envelope (`pipe audit verify --signature`).
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>
#include <set>

#include "app.h"
#include "digest.h"
#include "error.h"
#include "file_io.h"
#include "lineage_json.h"
#include "object_store.h"
#include "project.h"
#include "sha256.h"
#include "signing.h"

namespace pipe_cli {
namespace {

using nlohmann::json;

const char* const kPayloadType = "application/vnd.in-toto+json";

struct ProvenanceOptions {
  std::string ref;
  std::string key;
  std::string output;
};

// The SHA-256 of cached content with this XXH3 digest, if the cache has it.
std::string cached_sha256(pipeline::Project& project, const std::string& hex) {
  pipeline::Digest d;
  std::string sha;
  if (!project.cache || !pipeline::Digest::parse(hex, &d) || !project.cache->has(d)) return "";
  return pipeline::sha256_file_hex(project.cache->object_path(d), &sha) ? sha : "";
}

json digest_set(pipeline::Project& project, const std::string& hex) {
  json set = {{"xxh3_128", hex}};
  const std::string sha = cached_sha256(project, hex);
  if (!sha.empty()) set["sha256"] = sha;
  return set;
}

// Subjects: the model file, or each file of a model directory, by SHA-256.
json subjects(pipeline::Project& project, const pipeline::ModelVersion& v) {
  json out = json::array();
  pipeline::Digest d;
  if (!pipeline::Digest::parse(v.digest, &d)) return out;
  std::vector<std::pair<std::string, pipeline::Digest>> files;
  if (!v.is_dir) files.emplace_back(v.path, d);
  std::vector<pipeline::ManifestEntry> entries;
  if (v.is_dir && project.cache && project.cache->read_manifest(d, &entries))
    for (const auto& e : entries) files.emplace_back(v.path + "/" + e.path, e.digest);
  for (const auto& [path, digest] : files) {
    const std::string sha = cached_sha256(project, digest.hex());
    if (sha.empty())
      throw pipeline::Error(pipeline::Exit::kFailed, "'" + path + "' of " + v.model + " " + v.version() +
                                                         " is not in the local cache; 'pipe pull' it first");
    out.push_back({{"name", path}, {"digest", {{"sha256", sha}}}});
  }
  return out;
}

// SLSA wants a byproduct's content (or digest); the annotations repeat it
// readably.
json byproduct(const std::string& name, const json& value) {
  const std::string text = value.dump();
  return {{"name", name},
          {"mediaType", "application/json"},
          {"content", pipeline::base64_encode(text)},
          {"digest", {{"sha256", pipeline::sha256_hex(text)}}},
          {"annotations", value}};
}

json statement(pipeline::Project& project, pipeline::LineageStore& store, const pipeline::ModelVersion& v) {
  const pipeline::RunRecord run = store.run(v.run_id);
  json stages = json::array(), params = json::object(), deps = json::array(), metrics = json::object();
  std::set<std::string> seen;
  for (const auto& e : run.executions) {
    stages.push_back({{"name", e.stage}, {"cmd", value_json(e.cmd)}});
    for (const auto& p : e.params) params[p.file][p.key] = value_json(p.value);
    for (const auto& m : e.metrics) metrics[m.file][m.key] = value_json(m.value);
    for (const auto& a : e.inputs)
      if (seen.insert(a.path + "\n" + a.digest).second)
        deps.push_back({{"name", a.path}, {"digest", digest_set(project, a.digest)},
                        {"annotations", {{"role", a.role}, {"size", a.size}}}});
  }
  if (!run.code.git_commit.empty()) {
    json git = {{"name", "git"}, {"digest", {{"gitCommit", run.code.git_commit}}},
                {"annotations", {{"branch", run.code.branch}, {"dirty", run.code.dirty}}}};
    if (!run.code.remote_url.empty()) git["uri"] = "git+" + run.code.remote_url;
    deps.push_back(git);
  }
  json predicate = {
      {"buildDefinition",
       {{"buildType", "https://pipe.dev/provenance/repro/v1"},
        {"externalParameters", {{"stages", stages}, {"params", params}}},
        {"resolvedDependencies", deps}}},
      {"runDetails",
       {{"builder", {{"id", std::string("https://pipe.dev/pipe/") + PIPE_VERSION}}},
        {"metadata",
         {{"invocationId", store.shared_run(run.id).uid},
          {"startedOn", format_time(run.started_ns)},
          {"finishedOn", format_time(run.ended_ns)}}},
        {"byproducts", {byproduct("metrics", metrics), byproduct("environment", value_json(run.environment))}}}}};
  return {{"_type", "https://in-toto.io/Statement/v1"},
          {"subject", subjects(project, v)},
          {"predicateType", "https://slsa.dev/provenance/v1"},
          {"predicate", predicate}};
}

}  // namespace

void add_provenance(CLI::App* exp, Context& ctx) {
  auto opt = std::make_shared<ProvenanceOptions>();
  auto* prov = exp->add_subcommand("provenance", "An in-toto/SLSA provenance statement for a model version");
  prov->add_option("model", opt->ref, "NAME@VERSION (or NAME: the latest)")->required();
  prov->add_option("--sign", opt->key, "Sign with this private key (PEM) into a DSSE envelope");
  prov->add_option("-o,--output", opt->output, "Write to this file (atomically) instead of stdout");
  prov->callback([&ctx, opt] {
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    auto store = open_lineage(ctx);
    const json st = statement(project, *store, find_version(*store, opt->ref));
    std::string text = st.dump(2) + "\n";
    if (!opt->key.empty()) {
      const std::string payload = st.dump();
      std::string keyid;
      const std::string sig = pipeline::sign_with_key(opt->key, pipeline::dsse_pae(kPayloadType, payload), &keyid);
      text = json({{"payloadType", kPayloadType},
                   {"payload", pipeline::base64_encode(payload)},
                   {"signatures", {{{"keyid", keyid}, {"sig", pipeline::base64_encode(sig)}}}}})
                 .dump(2) +
             "\n";
    }
    write_output(text, opt->output);
  });
}

bool verify_envelope(const std::string& path, const std::string& key, std::string* what) {
  std::string text, payload, sig;
  if (!pipeline::read_file(path, &text)) throw pipeline::Error(pipeline::Exit::kUsage, "cannot read '" + path + "'");
  json env;
  try {
    env = json::parse(text);
  } catch (const json::exception&) {
    throw pipeline::Error(pipeline::Exit::kUsage, "'" + path + "' is not a DSSE envelope (not JSON)");
  }
  if (!env.is_object() || !env.contains("payload") || !env["payload"].is_string() || !env.contains("signatures") ||
      !env["signatures"].is_array() || env.value("payloadType", "") != kPayloadType)
    throw pipeline::Error(pipeline::Exit::kUsage, "'" + path + "' is not a DSSE envelope of an in-toto statement");
  if (!pipeline::base64_decode(env["payload"].get<std::string>(), &payload)) {
    *what = "its payload is not base64";
    return false;
  }
  for (const auto& s : env["signatures"]) {
    if (!s.contains("sig") || !s["sig"].is_string() || !pipeline::base64_decode(s["sig"].get<std::string>(), &sig))
      continue;
    if (pipeline::verify_with_key(key, pipeline::dsse_pae(kPayloadType, payload), sig)) {
      *what = "";
      try {
        const json doc = json::parse(payload);  // kept alive for the loop
        for (const auto& subject : doc.at("subject"))
          *what += (what->empty() ? "" : ", ") + subject.at("name").get<std::string>() + " sha256:" +
                   subject.at("digest").at("sha256").get<std::string>().substr(0, 16);
      } catch (const json::exception&) {
        *what = "a payload that is not an in-toto statement";
        return false;
      }
      return true;
    }
  }
  *what = "no signature in it verifies with '" + key + "' (altered, or signed with another key)";
  return false;
}

}  // namespace pipe_cli
