#include <doctest/doctest.h>

#include "config.h"
#include "fake_disk.h"
#include "pipeline.h"
#include "pipeline_cache.h"

using namespace pipeline;
using pipeline::testing::FakeDisk;

namespace {

// FakeDisk has no /proc/self/exe to tell builds apart.
const char* const kBuild = "test build";

// A sweep over params, with vars from a file and a checkpoint warning: every
// input the cache must notice.
const char* kPipeline =
    "vars: [extra.yaml]\n"
    "stages:\n"
    "  train:\n"
    "    foreach: ${models}\n"
    "    do:\n"
    "      cmd: python train.py --lr ${lr} --seed ${seed} ${item}\n"
    "      deps: [\"data/${item}.csv\"]\n"
    "      params: [lr]\n"
    "      outs:\n"
    "        - \"m_${item}.pkl\": {checkpoint: true}\n"
    "      meta: {owner: me, tags: [a, 1, 2.5, true, null]}\n";

struct Project {
  FakeDisk disk;
  Project() {
    disk.make_dirs(".pipe");
    disk.write("pipe.yaml", kPipeline);
    disk.write("params.yaml", "lr: 0.1\nmodels: [a, b]\n");
    disk.write("extra.yaml", "seed: 7\n");
  }
  // One command's load: a fresh cache read from disk, saved after.
  Pipeline load(size_t* hits = nullptr) {
    PipelineCache cache(disk, kPipelineCacheFile, kBuild);
    std::string text;
    disk.read("pipe.yaml", &text);
    Pipeline p = cache.parse("pipe.yaml", text, Config::load(disk));
    cache.save();
    if (hits) *hits = cache.hits();
    return p;
  }
};

std::string describe(const Pipeline& p) {
  std::string out;
  for (const Stage& s : p.stages) {
    out += s.name + "@" + std::to_string(s.mark.line) + ":" + std::to_string(s.mark.col) + " " + s.cmds.at(0) + " |";
    for (const Dep& d : s.deps) out += " dep " + d.path + "@" + std::to_string(d.mark.line);
    for (const ParamRef& r : s.params) out += " param " + r.file + ":" + r.keys.at(0);
    for (const Output& o : s.outs) out += " out " + o.path + (o.persist ? " persist" : "") + (o.cache ? " cache" : "");
    out += " meta " + s.meta.canonical() + "\n";
  }
  for (const std::string& w : p.warnings) out += "warning " + w + "\n";
  return out;
}

}  // namespace

TEST_CASE("an unchanged pipeline file is served from the cache, equal to a fresh parse") {
  Project project;
  size_t hits = 9;
  const Pipeline first = project.load(&hits);
  CHECK(hits == 0);
  CHECK(project.disk.stat(kPipelineCacheFile).is_file());
  const Pipeline second = project.load(&hits);
  CHECK(hits == 1);
  CHECK(describe(second) == describe(first));
  CHECK(second.stages.size() == 2);
  CHECK(second.stages[1].cmds[0] == "python train.py --lr 0.1 --seed 7 b");
  // The warning the parse gave comes back with the cached stages.
  REQUIRE(second.warnings.size() == 1);
  CHECK(second.warnings[0].find("checkpoint: true") != std::string::npos);
}

TEST_CASE("an edit to the pipeline file, a params file or a vars file is parsed again") {
  Project project;
  size_t hits = 0;
  project.load();
  project.disk.write("params.yaml", "lr: 0.2\nmodels: [a, b, c]\n");
  Pipeline p = project.load(&hits);
  CHECK(hits == 0);
  REQUIRE(p.stages.size() == 3);
  CHECK(p.stages[2].cmds[0] == "python train.py --lr 0.2 --seed 7 c");

  project.disk.write("extra.yaml", "seed: 8\n");
  p = project.load(&hits);
  CHECK(hits == 0);
  CHECK(p.stages[0].cmds[0] == "python train.py --lr 0.2 --seed 8 a");

  project.disk.write("pipe.yaml", std::string(kPipeline) + "  other: {cmd: y}\n");
  p = project.load(&hits);
  CHECK(hits == 0);
  CHECK(p.stages.size() == 4);
  project.load(&hits);
  CHECK(hits == 1);
}

TEST_CASE("a params file that appears beside the pipeline file is noticed") {
  FakeDisk disk;
  disk.make_dirs(".pipe");
  disk.write("sub/dvc.yaml", "vars: [{lr: 1}]\nstages:\n  a: {cmd: 'echo ${lr}'}\n");
  auto load = [&](size_t* hits) {
    PipelineCache cache(disk, kPipelineCacheFile, kBuild);
    std::string text;
    disk.read("sub/dvc.yaml", &text);
    Pipeline p = cache.parse("sub/dvc.yaml", text, Config::load(disk));
    cache.save();
    *hits = cache.hits();
    return p;
  };
  size_t hits = 0;
  CHECK(load(&hits).stages[0].cmds[0] == "echo 1");
  CHECK(load(&hits).stages[0].cmds[0] == "echo 1");
  CHECK(hits == 1);
  // Its params.yaml did not exist; now it does and defines lr first, which
  // the inline vars may not redefine: the fresh parse says so.
  disk.write("sub/params.yaml", "lr: 2\n");
  CHECK_THROWS_AS(load(&hits), Error);
}

TEST_CASE("a change to the parsing config is parsed again") {
  Project project;
  project.disk.write("pipe.yaml", "stages:\n  t:\n    foreach:\n      s: {params: {fast: false}}\n    do:\n"
                                  "      cmd: run ${item.params}\n");
  size_t hits = 0;
  CHECK(project.load().stages[0].cmds[0] == "run ");
  project.disk.write(".pipe/config", "[parsing]\nbool = \"boolean_optional\"\n");
  CHECK(project.load(&hits).stages[0].cmds[0] == "run --no-fast");
  CHECK(hits == 0);
}

TEST_CASE("a damaged or foreign cache file is a miss, never an error, and is rewritten") {
  Project project;
  const std::string good_description = describe(project.load());
  std::string good;
  REQUIRE(project.disk.read(kPipelineCacheFile, &good));
  for (size_t cut : {size_t{0}, size_t{5}, size_t{8}, size_t{13}, good.size() / 2, good.size() - 1}) {
    project.disk.write(kPipelineCacheFile, good.substr(0, cut));
    size_t hits = 9;
    CHECK(describe(project.load(&hits)) == good_description);
    CHECK(hits == 0);
  }
  // Every byte flipped in turn: each load still equals a fresh parse.
  for (size_t i = 8; i < good.size(); i += 7) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    project.disk.write(kPipelineCacheFile, bad);
    CHECK(describe(project.load()) == good_description);
  }
  std::string rewritten;
  project.disk.read(kPipelineCacheFile, &rewritten);
  CHECK(rewritten == good);
}

TEST_CASE("the cache forgets pipeline files that are gone, and is not written outside a project") {
  FakeDisk disk;
  disk.write("pipe.yaml", "stages:\n  a: {cmd: x}\n");
  {
    PipelineCache cache(disk, kPipelineCacheFile, kBuild);
    cache.parse("pipe.yaml", "stages:\n  a: {cmd: x}\n", Config::load(disk));
    cache.save();
  }
  CHECK_FALSE(disk.stat(kPipelineCacheFile).is_file());  // no .pipe/: a DVC repository as it is
  disk.make_dirs(".pipe");
  {
    PipelineCache cache(disk, kPipelineCacheFile, kBuild);
    cache.parse("pipe.yaml", "stages:\n  a: {cmd: x}\n", Config::load(disk));
    cache.parse("sub/dvc.yaml", "stages:\n  b: {cmd: y}\n", Config::load(disk));
    cache.save();
  }
  {
    PipelineCache cache(disk, kPipelineCacheFile, kBuild);
    cache.parse("pipe.yaml", "stages:\n  a: {cmd: x}\n", Config::load(disk));
    CHECK(cache.hits() == 1);
    cache.save();  // sub/dvc.yaml was not seen: dropped
  }
  PipelineCache cache(disk, kPipelineCacheFile, kBuild);
  const Pipeline p = cache.parse("sub/dvc.yaml", "stages:\n  b: {cmd: y}\n", Config::load(disk));
  CHECK(cache.hits() == 0);
  CHECK(p.stages.at(0).name == "sub/dvc.yaml:b");
}

TEST_CASE("a cache written by hand cannot smuggle in a path the loader would refuse") {
  Project project;
  const std::string fresh = describe(project.load());
  std::string text;
  REQUIRE(project.disk.read(kPipelineCacheFile, &text));
  for (const char* evil : {"../x.pk", "/etc/pw", ".git/ab"}) {
    std::string bad = text;
    const size_t at = bad.find("m_a.pkl");
    REQUIRE(at != std::string::npos);
    bad.replace(at, 7, evil);
    // A valid checksum over the doctored body.
    unsigned char sum[16];
    Digest::of(std::string_view(bad).substr(8, bad.size() - 8 - 16)).to_bytes(sum);
    bad.replace(bad.size() - 16, 16, reinterpret_cast<const char*>(sum), 16);
    project.disk.write(kPipelineCacheFile, bad);
    size_t hits = 9;
    CHECK(describe(project.load(&hits)) == fresh);
    CHECK(hits == 0);
  }
}

TEST_CASE("when this build cannot be told apart from others, the cache is off") {
  FakeDisk disk;  // it has no /proc/self/exe
  disk.make_dirs(".pipe");
  for (int i = 0; i < 2; ++i) {
    PipelineCache cache(disk);
    CHECK(cache.parse("pipe.yaml", "stages:\n  a: {cmd: x}\n", Config::load(disk)).stages.size() == 1);
    cache.save();
    CHECK(cache.hits() == 0);
  }
  CHECK_FALSE(disk.stat(kPipelineCacheFile).is_file());
}
