#include <doctest/doctest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "audit.h"
#include "fake_urls.h"
#include "lineage.h"
#include "temp_project.h"
#include "url_deps.h"

using namespace pipeline;
using pipeline::testing::FakeUrls;
using pipeline::testing::TempProject;

namespace {

const char* const kUrl = "https://data.example.com/raw.csv";

// A version made by a stage that read an absolute path outside the project
// and a URL, and wrote model.bin (cached).
struct External {
  TempProject t;
  TempProject outside;  // a folder elsewhere, for the absolute dep
  FakeUrls* urls = nullptr;
  ModelVersion version;
  std::string abs;

  External() {
    abs = outside.root + "/ref.txt";
    TempProject::write_abs(abs, "reference\n");
    t.write("model.bin", "m");
    t.cache("model.bin");
    auto fake = std::make_unique<FakeUrls>();
    urls = fake.get();
    ObjectInfo info;
    info.etag = "\"v1\"";
    urls->objects[kUrl] = info;
    t.project.urls = std::move(fake);

    ArtifactHasher hasher(*t.project.disk, nullptr, t.project.urls.get());
    RunRecord run;
    ExecutionRecord e;
    e.stage = "train";
    e.status = "ran";
    e.inputs = {{abs, hasher.hash(abs).digest.hex(), 10, false, "data"},
                {kUrl, hasher.hash(kUrl).digest.hex(), 0, false, "data"}};
    e.outputs = {{"model.bin", t.digest("model.bin"), 1, false, "output"}};
    run.executions = {e};
    version = t.record_version(run, "model.bin");
  }

  std::map<std::string, ArtifactCheck> verify() {
    LineageStore store(t.lineage_path());
    std::map<std::string, ArtifactCheck> out;
    for (const auto& c : verify_artifacts(t.project, store, version, nullptr)) out.emplace(c.artifact.path, c);
    return out;
  }
};

}  // namespace

TEST_CASE("audit verify checks external deps where they are: the file's content, the server's version") {
  External x;
  auto checks = x.verify();
  REQUIRE(checks.size() == 3);
  CHECK(checks.at(x.abs).ok());
  CHECK(checks.at(x.abs).where == "external file");
  CHECK(checks.at(kUrl).ok());
  CHECK(checks.at(kUrl).where.find("external URL") == 0);
  CHECK(checks.at("model.bin").where == "cache");
}

TEST_CASE("an external file changed or removed since the run is reported altered or missing, with why") {
  External x;
  TempProject::write_abs(x.abs, "edited\n");
  auto checks = x.verify();
  CHECK(checks.at(x.abs).problem.find("altered: external file changed since the run") == 0);
  std::filesystem::remove(x.abs);
  checks = x.verify();
  CHECK(checks.at(x.abs).problem.find("missing: external file no longer there") == 0);
}

TEST_CASE("a URL whose server now reports another version is altered; an unreachable server is said so") {
  External x;
  x.urls->objects[kUrl].etag = "\"v2\"";
  CHECK(x.verify().at(kUrl).problem.find("altered: external URL now serves another version") == 0);
  x.urls->down = true;
  const auto c = x.verify().at(kUrl);
  CHECK(c.problem.find("missing: external URL cannot be checked") == 0);
  CHECK(c.problem.find("connection refused") != std::string::npos);
}
