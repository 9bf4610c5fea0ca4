#include "provenance.h"

#include <nlohmann/json.hpp>

#include <set>

#include "digest.h"
#include "error.h"
#include "object_store.h"
#include "project.h"
#include "record.h"
#include "ssl_digests.h"
#include "signing.h"

namespace pipeline {
namespace {

using nlohmann::json;

// A canonical JSON value from the store as JSON (NaN and infinities stay text).
json value_json(const std::string& canonical) {
  try {
    return json::parse(canonical);
  } catch (const json::exception&) {
    return canonical;
  }
}

// The SHA-256 of cached content with this XXH3 digest, if the cache has it.
std::string cached_sha256(Project& project, const std::string& hex) {
  Digest d;
  std::string sha;
  if (!project.cache || !Digest::parse(hex, &d) || !project.cache->has(d)) return "";
  return sha256_file_hex(*project.files, project.cache->object_path(d), &sha) ? sha : "";
}

json digest_set(Project& project, const std::string& hex) {
  json set = {{"xxh3_128", hex}};
  const std::string sha = cached_sha256(project, hex);
  if (!sha.empty()) set["sha256"] = sha;
  return set;
}

// Subjects: the model file, or each file of a model directory, by SHA-256.
json subjects(Project& project, const ModelVersion& v) {
  json out = json::array();
  Digest d;
  if (!Digest::parse(v.digest, &d)) return out;
  std::vector<std::pair<std::string, Digest>> files;
  if (!v.is_dir) files.emplace_back(v.path, d);
  std::vector<ManifestEntry> entries;
  if (v.is_dir && project.cache && project.cache->read_manifest(d, &entries))
    for (const auto& e : entries) files.emplace_back(v.path + "/" + e.path, e.digest);
  for (const auto& [path, digest] : files) {
    const std::string sha = cached_sha256(project, digest.hex());
    if (sha.empty())
      throw Error(Exit::kFailed, "'" + path + "' of " + v.model + " " + v.version() +
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
          {"content", base64_encode(text)},
          {"digest", {{"sha256", sha256_hex(text)}}},
          {"annotations", value}};
}

json build_statement(Project& project, LineageStore& store, const ModelVersion& v) {
  const RunRecord run = store.run(v.run_id);
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

std::string provenance_statement(Project& project, LineageStore& store, const ModelVersion& v) {
  return build_statement(project, store, v).dump();
}

std::string sign_statement(const std::string& statement, const std::string& key_path) {
  std::string keyid;
  const std::string sig = sign_with_key(key_path, dsse_pae(kInTotoPayloadType, statement), &keyid);
  return json({{"payloadType", kInTotoPayloadType},
               {"payload", base64_encode(statement)},
               {"signatures", {{{"keyid", keyid}, {"sig", base64_encode(sig)}}}}})
             .dump(2) +
         "\n";
}

bool verify_envelope(const std::string& text, const std::string& key, std::string* what) {
  std::string payload, sig;
  json env;
  try {
    env = json::parse(text);
  } catch (const json::exception&) {
    throw Error(Exit::kUsage, "not a DSSE envelope (not JSON)");
  }
  if (!env.is_object() || !env.contains("payload") || !env["payload"].is_string() || !env.contains("signatures") ||
      !env["signatures"].is_array() || env.value("payloadType", "") != kInTotoPayloadType)
    throw Error(Exit::kUsage, "not a DSSE envelope of an in-toto statement");
  if (!base64_decode(env["payload"].get<std::string>(), &payload)) {
    *what = "its payload is not base64";
    return false;
  }
  for (const auto& s : env["signatures"]) {
    if (!s.contains("sig") || !s["sig"].is_string() || !base64_decode(s["sig"].get<std::string>(), &sig))
      continue;
    if (verify_with_key(key, dsse_pae(kInTotoPayloadType, payload), sig)) {
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

}  // namespace pipeline
