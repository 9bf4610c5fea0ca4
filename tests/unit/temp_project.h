// A real project in a fresh temporary directory, with its cache and
// lineage store: for use cases that need the object store and SQLite
// (reproduce, provenance), which have no fake.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "artifact.h"
#include "lineage.h"
#include "project.h"

namespace pipeline::testing {

// A fresh directory, removed with everything in it at the end.
struct TempDir {
  std::string path;
  TempDir() {
    char d[] = "/tmp/pipe-test-XXXXXX";
    REQUIRE(mkdtemp(d));
    path = d;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

struct TempProject {
  TempDir dir;
  std::string root = dir.path;
  Project project = open_project(root);

  void write(const std::string& path, const std::string& text) const { write_abs(root + "/" + path, text); }
  static void write_abs(const std::string& abs, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(abs).parent_path());
    std::ofstream(abs, std::ios::binary) << text;
  }
  static std::string read_abs(const std::string& abs) {
    std::ifstream in(abs, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  // The digest of a workspace file or directory, as pipe.lock records it.
  std::string digest(const std::string& path) {
    ArtifactHasher hasher(*project.disk, nullptr);
    const auto& info = hasher.hash(path);
    REQUIRE(info.exists);
    return info.digest.hex();
  }
  // Puts a workspace file into the cache.
  void cache(const std::string& path) {
    Digest d;
    REQUIRE(Digest::parse(digest(path), &d));
    project.cache->put_file(root + "/" + path, d);
  }
  std::string lineage_path() const { return project.state_path(kLineageFile); }

  // Records `run` (its executions filled in) as the run that made model
  // clf 1.0.0 from the output at `model_path`; returns that version.
  ModelVersion record_version(RunRecord run, const std::string& model_path) {
    if (run.command.empty()) run.command = "[]";
    if (run.environment.empty()) run.environment = "{}";
    ModelVersion v;
    v.model = "clf";
    v.major = 1;
    v.path = model_path;
    for (const auto& e : run.executions)
      for (const auto& o : e.outputs)
        if (o.path == model_path) v.digest = o.digest, v.stage = e.stage;
    v.bump = "first";
    v.basis = "{}";
    run.models = {v};
    LineageStore store(lineage_path());
    store.record(run);
    return store.model_versions("clf").at(0);
  }
};

}  // namespace pipeline::testing
