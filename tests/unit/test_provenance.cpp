#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "document.h"
#include "error.h"
#include "lineage.h"
#include "provenance.h"
#include "ssl_digests.h"
#include "temp_project.h"

using namespace pipeline;
using pipeline::testing::TempProject;

namespace {

// A model version whose file is cached, made by a run that read data.csv.
struct Made {
  TempProject t;
  ModelVersion version;
  std::string data_digest;
  Made(bool cache_model = true) {
    t.write("model.bin", "weights");
    t.write("data.csv", "a,b\n");
    data_digest = t.digest("data.csv");
    if (cache_model) t.cache("model.bin");
    RunRecord run;
    run.command = "[]";
    run.environment = "{\"os\":\"linux\"}";
    run.started_ns = 1'700'000'000'000'000'000;
    run.ended_ns = run.started_ns + 1'000'000'000;
    run.code.git_commit = "0123456789abcdef0123456789abcdef01234567";
    ExecutionRecord e;
    e.stage = "train";
    e.cmd = "[\"python train.py\"]";
    e.status = "ran";
    e.inputs = {{"data.csv", data_digest, 4, false, "data"}};
    e.outputs = {{"model.bin", t.digest("model.bin"), 7, false, "output"}};
    e.params = {{"params.yaml", "lr", "0.1"}};
    e.metrics = {{"m.json", "acc", "0.9"}};
    run.executions = {e};
    version = t.record_version(run, "model.bin");
  }
  std::string statement() {
    LineageStore store(t.lineage_path());
    return provenance_statement(t.project, store, version);
  }
  // An Ed25519 key pair made with the openssl tool: private, public.
  std::pair<std::string, std::string> keys(const std::string& name) const {
    const std::string priv = t.root + "/" + name + ".pem", pub = t.root + "/" + name + "-pub.pem";
    REQUIRE(std::system(("openssl genpkey -algorithm ed25519 -out " + priv + " 2>/dev/null && openssl pkey -in " +
                         priv + " -pubout -out " + pub)
                            .c_str()) == 0);
    return {priv, pub};
  }
};

const Value& at(const Value& v, const std::string& key) {
  const Value* found = v.find(key);
  REQUIRE_MESSAGE(found, "no key " << key);
  return *found;
}

}  // namespace

TEST_CASE("the statement names the model by SHA-256 and its inputs, params and commit as resolved dependencies") {
  Made m;
  const Value doc = parse_json("statement", m.statement());
  CHECK(at(doc, "_type").as_string() == "https://in-toto.io/Statement/v1");
  CHECK(at(doc, "predicateType").as_string() == "https://slsa.dev/provenance/v1");
  const Value& subject = at(doc, "subject").items().at(0);
  CHECK(at(subject, "name").as_string() == "model.bin");
  CHECK(at(at(subject, "digest"), "sha256").as_string() == sha256_hex("weights"));
  const Value& build = at(at(doc, "predicate"), "buildDefinition");
  const auto& deps = at(build, "resolvedDependencies").items();
  REQUIRE(deps.size() == 2);
  CHECK(at(deps[0], "name").as_string() == "data.csv");
  CHECK(at(at(deps[0], "digest"), "xxh3_128").as_string() == m.data_digest);
  CHECK(at(deps[0], "digest").find("sha256") == nullptr);  // data.csv is not cached
  CHECK(at(at(deps[1], "digest"), "gitCommit").as_string() == "0123456789abcdef0123456789abcdef01234567");
  CHECK(at(at(at(build, "externalParameters"), "params"), "params.yaml").find("lr")->as_float() == 0.1);
  const Value& metadata = at(at(at(doc, "predicate"), "runDetails"), "metadata");
  CHECK(at(metadata, "startedOn").as_string() == "2023-11-14T22:13:20Z");
}

TEST_CASE("a model not in the local cache cannot be attested, and the error says to pull it") {
  Made m(false);
  try {
    m.statement();
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == Exit::kFailed);
    CHECK(std::string(e.what()).find("pipe pull") != std::string::npos);
  }
}

TEST_CASE("a signed statement verifies with its key, not with another, and not once altered") {
  Made m;
  const auto [priv, pub] = m.keys("k");
  const auto [other_priv, other_pub] = m.keys("other");
  const std::string envelope = sign_statement(m.statement(), priv);
  std::string what;
  CHECK(verify_envelope(envelope, pub, &what));
  CHECK(what.find("model.bin sha256:" + sha256_hex("weights").substr(0, 16)) == 0);
  CHECK_FALSE(verify_envelope(envelope, other_pub, &what));
  CHECK(what.find("no signature in it verifies") != std::string::npos);
  // One character of the payload changed under the same signature.
  std::string tampered = envelope;
  const size_t p = tampered.find("\"payload\": \"") + 12;
  tampered[p + 20] = tampered[p + 20] == 'A' ? 'B' : 'A';
  CHECK_FALSE(verify_envelope(tampered, pub, &what));
  CHECK(what.find("no signature in it verifies") != std::string::npos);
}

TEST_CASE("text that is no DSSE envelope is a usage error, not a failed check") {
  Made m;
  const auto [priv, pub] = m.keys("k");
  std::string what;
  CHECK_THROWS_AS(verify_envelope("not json", pub, &what), Error);
  CHECK_THROWS_AS(verify_envelope("{\"payload\": 3}", pub, &what), Error);
}
