#include <doctest/doctest.h>

#include "fake_disk.h"
#include "models.h"
#include "pipeline.h"

using pipeline::Output;
using pipeline::Pipeline;
using pipeline::testing::FakeDisk;

namespace {

Pipeline parse(FakeDisk& disk, const std::string& yaml) { return pipeline::parse_pipeline(disk, "pipe.yaml", yaml); }

std::string error_of(FakeDisk& disk, const std::string& yaml) {
  try {
    parse(disk, yaml);
  } catch (const pipeline::Error& e) {
    CHECK(e.code() == pipeline::Exit::kBadPipeline);
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a plain stage keeps cmd, deps, outs and flags, with paths from the project root") {
  FakeDisk disk;
  const Pipeline p = parse(disk,
                           "stages:\n"
                           "  train:\n"
                           "    cmd: python train.py\n"
                           "    wdir: src\n"
                           "    deps: [train.py, ../data/x.csv]\n"
                           "    outs:\n"
                           "      - ../model.pkl\n"
                           "      - ../cache_off: {cache: false, persist: true, desc: d}\n"
                           "    metrics: [{../m.json: {cache: false}}]\n"
                           "    plots: [../p.csv]\n"
                           "    frozen: true\n"
                           "    always_changed: true\n"
                           "    desc: trains\n"
                           "    meta: {owner: me}\n");
  REQUIRE(p.stages.size() == 1);
  const auto& s = p.stages[0];
  CHECK(s.cmds == std::vector<std::string>{"python train.py"});
  CHECK(s.wdir == "src");
  CHECK(s.deps[0].path == "src/train.py");
  CHECK(s.deps[1].path == "data/x.csv");
  REQUIRE(s.outs.size() == 4);
  CHECK(s.outs[0].path == "model.pkl");
  CHECK_FALSE(s.outs[1].cache);
  CHECK(s.outs[1].persist);
  CHECK(s.outs[1].desc == "d");
  CHECK(s.outs[2].kind == Output::Kind::kMetric);
  CHECK(s.outs[3].kind == Output::Kind::kPlot);
  CHECK(s.frozen);
  CHECK(s.always_changed);
  CHECK(s.desc == "trains");
  CHECK(s.meta.find("owner")->as_string() == "me");
}

TEST_CASE("cmd may be a list run in order") {
  FakeDisk disk;
  const Pipeline p = parse(disk, "stages:\n  a:\n    cmd: [echo 1, echo 2]\n");
  CHECK(p.stages[0].cmds == std::vector<std::string>{"echo 1", "echo 2"});
}

TEST_CASE("params in every DVC form") {
  FakeDisk disk;
  const Pipeline p = parse(disk,
                           "stages:\n  a:\n    cmd: x\n    params:\n"
                           "      - train.lr\n"
                           "      - seed\n"
                           "      - other.yaml: [k1, k2]\n"
                           "      - config.json:\n"
                           "      - c.toml: []\n");
  const auto& params = p.stages[0].params;
  REQUIRE(params.size() == 4);
  CHECK(params[0].file == "params.yaml");
  CHECK(params[0].keys == std::vector<std::string>{"train.lr", "seed"});
  CHECK(params[1].file == "other.yaml");
  CHECK(params[1].keys == std::vector<std::string>{"k1", "k2"});
  CHECK(params[2].file == "config.json");
  CHECK(params[2].keys.empty());
  CHECK(params[3].keys.empty());
}

TEST_CASE("vars and params.yaml feed interpolation in cmd and paths") {
  FakeDisk disk;
  disk.write("params.yaml", "train:\n  lr: 0.1\n");
  disk.write("more.yaml", "size: 7\nunused: 1\n");
  const Pipeline p = parse(disk,
                           "vars:\n  - name: model\n  - more.yaml:size\n"
                           "stages:\n  t:\n    cmd: run --lr ${train.lr} --size ${size}\n"
                           "    outs: ['${name}.pkl']\n");
  CHECK(p.stages[0].cmds[0] == "run --lr 0.1 --size 7");
  CHECK(p.stages[0].outs[0].path == "model.pkl");
}

TEST_CASE("foreach names stages as DVC does") {
  FakeDisk disk;
  SUBCASE("a simple list is keyed by value") {
    const Pipeline p = parse(disk, "stages:\n  t:\n    foreach: [cnn, rnn]\n    do:\n      cmd: train ${item}\n");
    REQUIRE(p.stages.size() == 2);
    CHECK(p.stages[0].name == "t@cnn");
    CHECK(p.stages[1].cmds[0] == "train rnn");
  }
  SUBCASE("a list of maps is keyed by index") {
    const Pipeline p =
        parse(disk, "stages:\n  b:\n    foreach:\n      - {os: linux}\n      - {os: mac}\n    do:\n      cmd: build ${item.os}\n");
    CHECK(p.stages[0].name == "b@0");
    CHECK(p.stages[1].name == "b@1");
    CHECK(p.stages[1].cmds[0] == "build mac");
  }
  SUBCASE("a map gives key and item") {
    const Pipeline p =
        parse(disk, "stages:\n  t:\n    foreach:\n      us: {n: 1}\n      uk: {n: 2}\n    do:\n      cmd: run ${key} ${item.n}\n");
    CHECK(p.stages[0].name == "t@us");
    CHECK(p.stages[1].cmds[0] == "run uk 2");
  }
  SUBCASE("foreach over a params list") {
    disk.write("params.yaml", "models: [a, b, c]\n");
    const Pipeline p = parse(disk, "stages:\n  t:\n    foreach: ${models}\n    do:\n      cmd: run ${item}\n");
    CHECK(p.stages.size() == 3);
  }
}

TEST_CASE("matrix expands the product with DVC's names") {
  FakeDisk disk;
  const Pipeline p = parse(disk,
                           "stages:\n  t:\n    matrix:\n      model: [cnn, rnn]\n      lr: [0.1, 0.2]\n"
                           "    cmd: train ${item.model} ${item.lr}\n    outs: ['m-${item.model}-${item.lr}.pkl']\n");
  REQUIRE(p.stages.size() == 4);
  CHECK(p.stages[0].name == "t@cnn-0.1");
  CHECK(p.stages[1].name == "t@cnn-0.2");
  CHECK(p.stages[3].name == "t@rnn-0.2");
  CHECK(p.stages[3].cmds[0] == "train rnn 0.2");
}

TEST_CASE("unknown keys are errors that name the key and suggest the nearest") {
  FakeDisk disk;
  const std::string msg = error_of(disk, "stages:\n  a:\n    cmd: x\n    outz: [y]\n");
  CHECK(msg.find("pipe.yaml:4:5") == 0);  // at the key, not its value
  CHECK(msg.find("'outz'") != std::string::npos);
  CHECK(msg.find("did you mean 'outs'") != std::string::npos);
  CHECK(error_of(disk, "stagez:\n  a:\n    cmd: x\n").find("did you mean 'stages'") != std::string::npos);
  CHECK(error_of(disk, "stages:\n  a:\n    cmd: x\n    outs: [{y: {cahce: false}}]\n").find("did you mean 'cache'") !=
        std::string::npos);
}

TEST_CASE("a missing cmd is an error at the stage") {
  FakeDisk disk;
  const std::string msg = error_of(disk, "stages:\n  a:\n    deps: [x]\n");
  CHECK(msg.find("pipe.yaml:3:5") == 0);
  CHECK(msg.find("no 'cmd'") != std::string::npos);
}

TEST_CASE("paths that escape the project are refused") {
  FakeDisk disk;
  CHECK(error_of(disk, "stages:\n  a:\n    cmd: x\n    outs: [../x]\n").find("escapes the project") != std::string::npos);
  CHECK(error_of(disk, "stages:\n  a:\n    cmd: x\n    outs: [/tmp/x]\n").find("absolute") != std::string::npos);
  CHECK(error_of(disk, "stages:\n  a:\n    cmd: x\n    wdir: ..\n").find("escapes") != std::string::npos);
}

TEST_CASE("wrong types say what was expected") {
  FakeDisk disk;
  CHECK(error_of(disk, "stages:\n  a:\n    cmd: x\n    deps: x\n").find("must be a list") != std::string::npos);
  CHECK(error_of(disk, "stages:\n  a:\n    cmd: x\n    frozen: yes please\n").find("true or false") !=
        std::string::npos);
  CHECK(error_of(disk, "stages: [a]\n").find("mapping") != std::string::npos);
}

TEST_CASE("expansions that collide with a stage name are refused") {
  FakeDisk disk;
  CHECK(error_of(disk, "stages:\n  t:\n    foreach: [a, a]\n    do:\n      cmd: x\n").find("defined twice") !=
        std::string::npos);
}

TEST_CASE("stage names are what DVC loads: spaces and dots are fine, '@' and control characters are not") {
  FakeDisk disk;
  const Pipeline p = parse(disk, "stages:\n  train model v1.2:\n    cmd: x\n  '$odd':\n    cmd: y\n");
  CHECK(p.stages[0].name == "train model v1.2");
  CHECK(p.stages[1].name == "$odd");
  CHECK(error_of(disk, "stages:\n  a@b:\n    cmd: x\n").find("invalid stage name") != std::string::npos);
  CHECK(error_of(disk, "stages:\n  \"a\\tb\":\n    cmd: x\n").find("invalid stage name") != std::string::npos);
}

TEST_CASE("foreach over booleans names stages x@true and x@false, as DVC's to_str does") {
  FakeDisk disk;
  const Pipeline p = parse(disk, "stages:\n  x:\n    foreach: [true, false]\n    do:\n      cmd: run ${item}\n");
  CHECK(p.stages[0].name == "x@true");
  CHECK(p.stages[1].name == "x@false");
  CHECK(p.stages[1].cmds[0] == "run false");
}

TEST_CASE("checkpoint: true is DVC 2's persist, with one warning per file") {
  FakeDisk disk;
  std::vector<std::string> warnings;
  pipeline::set_warning_sink([&](const std::string& m) { warnings.push_back(m); });
  const std::string yaml = "stages:\n  t:\n    cmd: x\n    outs:\n      - a.pt: {checkpoint: true}\n      - b.pt: {checkpoint: true}\n      - c.pt\n";
  const Pipeline p = pipeline::parse_pipeline(disk, "ckpt/dvc.yaml", yaml);
  pipeline::parse_pipeline(disk, "ckpt/dvc.yaml", yaml);
  pipeline::set_warning_sink(nullptr);
  CHECK(p.stages[0].outs[0].persist);
  CHECK(p.stages[0].outs[1].persist);
  CHECK_FALSE(p.stages[0].outs[2].persist);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("ckpt/dvc.yaml: 'checkpoint: true'") == 0);
}

TEST_CASE("an empty params.yaml or vars file defines nothing, as in DVC") {
  FakeDisk disk;
  disk.write("params.yaml", "");
  disk.write("empty.yaml", "# nothing yet\n");
  const Pipeline p = parse(disk, "vars: [empty.yaml]\nstages:\n  a:\n    cmd: x\n");
  CHECK(p.stages[0].cmds[0] == "x");
}

TEST_CASE("the same path listed twice in one stage's outs is one output") {
  FakeDisk disk;
  const Pipeline p = parse(disk, "stages:\n  a:\n    cmd: x\n    outs: [m.pkl, ./m.pkl]\n");
  CHECK(p.stages[0].outs.size() == 1);
}

TEST_CASE("a file with only top-level metrics, plots, params or artifacts has no stages and is valid") {
  FakeDisk disk;
  CHECK(parse(disk, "metrics: [m.json]\n").stages.empty());
  CHECK(parse(disk, "plots:\n  - p.csv\n").stages.empty());
  CHECK(parse(disk, "artifacts:\n  clf:\n    path: m.pkl\n").stages.empty());
  CHECK(error_of(disk, "vars: [{a: 1}]\n").find("no 'stages:' section") != std::string::npos);
}

TEST_CASE("a stage's vars files are read from its wdir") {
  FakeDisk disk;
  disk.write("sub/conf.yaml", "lr: 0.3\n");
  const Pipeline p = parse(disk, "stages:\n  a:\n    wdir: sub\n    vars: [conf.yaml]\n    cmd: train ${lr}\n");
  CHECK(p.stages[0].cmds[0] == "train 0.3");
}

TEST_CASE("dvc.yaml is read when pipe.yaml is absent") {
  FakeDisk disk;
  CHECK(pipeline::find_pipeline_files(disk).empty());
  disk.write("dvc.yaml", "stages:\n  a:\n    cmd: x\n");
  CHECK(pipeline::find_pipeline_files(disk) == std::vector<std::string>{"dvc.yaml"});
  CHECK(pipeline::load_pipeline(disk).stages.size() == 1);
  disk.write("pipe.yaml", "stages:\n  b:\n    cmd: x\n");
  CHECK(pipeline::load_pipeline(disk).stages[0].name == "b");
}

TEST_CASE("top-level params, metrics and plots sections are kept") {
  FakeDisk disk;
  const Pipeline p = parse(disk,
                           "params: [extra.yaml]\nmetrics: [m.json]\nplots:\n  - p.csv\n  - acc: {x: step, y: {a.csv: acc}}\n"
                           "stages:\n  a:\n    cmd: x\n");
  CHECK(p.sections.at(0).params.items().size() == 1);
  CHECK(p.sections.at(0).metrics.items().size() == 1);
  CHECK(p.sections.at(0).plots.items().size() == 2);
}

TEST_CASE("an unknown key with an empty value is reported at the key") {
  FakeDisk disk;
  CHECK(error_of(disk, "stages:\n  a:\n    cmd: x\n    outz:\n  b:\n    cmd: y\n").find("pipe.yaml:4:5") == 0);
}

TEST_CASE("outputs that would clobber .git, .pipe or pipe's own files are refused") {
  FakeDisk disk;
  for (const std::string out : {".git", ".pipe", ".pipe/cache", "pipe.lock", "params.yaml", "."})
    CHECK_FALSE(error_of(disk, "stages:\n  a:\n    cmd: x\n    outs: ['" + out + "']\n").empty());
  CHECK(error_of(disk, "stages:\n  a:\n    cmd: x\n    outs: [.git]\n").find("the git repository") != std::string::npos);
  CHECK(error_of(disk, "stages:\n  a:\n    cmd: x\n    outs: [.github/x]\n").empty());
}

TEST_CASE("cmd unpacks a foreach item's mapping, with parsing options from .pipe/config") {
  FakeDisk disk;
  const std::string yaml =
      "stages:\n  t:\n    foreach:\n      small: {params: {lr: 0.1, fast: false}}\n    do:\n"
      "      cmd: python train.py ${item.params}\n      outs: [\"m_${key}.pkl\"]\n";
  CHECK(parse(disk, yaml).stages[0].cmds[0] == "python train.py --lr 0.1");
  disk.write(".pipe/config", "[parsing]\nbool = \"boolean_optional\"\n");
  CHECK(parse(disk, yaml).stages[0].cmds[0] == "python train.py --lr 0.1 --no-fast");
  CHECK(parse(disk, yaml).stages[0].outs[0].path == "m_small.pkl");
  disk.write(".pipe/config", "[parsing]\nlist = \"extend\"\n");
  CHECK(error_of(disk, yaml).find(".pipe/config:2:8: parsing.list must be 'nargs' or 'append'") == 0);
}

TEST_CASE("vars may not redefine a name, as DVC refuses it; mappings merge key by key") {
  FakeDisk disk;
  disk.write("params.yaml", "lr: 0.1\ntrain: {epochs: 3}\n");
  disk.write("more.yaml", "seed: 7\n");
  CHECK(error_of(disk, "vars:\n  - lr: 0.2\nstages:\n  a:\n    cmd: x\n")
            .find("cannot redefine 'lr' from 'vars[0]' as it already exists in 'params.yaml'") != std::string::npos);
  CHECK(error_of(disk, "vars:\n  - train: {epochs: 4}\nstages:\n  a:\n    cmd: x\n")
            .find("cannot redefine 'train.epochs'") != std::string::npos);
  // Different keys of one mapping merge; the same whole file twice loads once.
  const Pipeline p =
      parse(disk, "vars:\n  - train: {batch: 8}\n  - more.yaml\n  - more.yaml\nstages:\n  a:\n"
                  "    cmd: run ${train.epochs} ${train.batch} ${seed}\n");
  CHECK(p.stages[0].cmds[0] == "run 3 8 7");
  CHECK(error_of(disk, "stages:\n  a:\n    vars: [{seed: 1}, {seed: 2}]\n    cmd: x\n")
            .find("cannot redefine 'seed' from 'a.vars[1]' as it already exists in 'a.vars[0]'") != std::string::npos);
  CHECK(error_of(disk, "stages:\n  a:\n    foreach: [1]\n    do:\n      vars: [{item: 2}]\n      cmd: x\n")
            .find("reserved in foreach") != std::string::npos);
}

TEST_CASE("an absolute dep is DVC's external dep: kept, normalized; an absolute output is still refused") {
  FakeDisk disk;
  const Pipeline p = parse(disk, "stages:\n  a:\n    cmd: x\n    wdir: sub\n    deps: [/shared//data/./raw.csv]\n");
  CHECK(p.stages[0].deps[0].path == "/shared/data/raw.csv");
  CHECK(error_of(disk, "stages:\n  a:\n    cmd: x\n    outs: [/tmp/o]\n").find("absolute paths are not allowed") !=
        std::string::npos);
}

TEST_CASE("every folder's pipeline file is one pipeline, each with paths from its own folder") {
  FakeDisk disk;
  disk.write("pipe.yaml", "stages:\n  report:\n    cmd: r\n    deps: [train/model.bin]\n");
  disk.write("train/params.yaml", "lr: 0.5\n");
  disk.write("train/dvc.yaml",
             "stages:\n  fit:\n    cmd: fit ${lr}\n    deps: [../data/raw]\n    params: [lr]\n    outs: [model.bin]\n"
             "  nested:\n    wdir: ../data\n    cmd: n\n    outs: [n.txt]\n");
  const Pipeline p = pipeline::load_pipeline(disk);
  REQUIRE(p.files == std::vector<std::string>{"pipe.yaml", "train/dvc.yaml"});
  REQUIRE(p.stages.size() == 3);
  CHECK(p.stages[0].name == "report");
  const auto& fit = p.stages[1];
  CHECK(fit.name == "train/dvc.yaml:fit");
  CHECK(fit.local == "fit");
  CHECK(fit.file == "train/dvc.yaml");
  CHECK(fit.wdir == "train");
  CHECK(fit.cmds.at(0) == "fit 0.5");  // params.yaml beside the file
  CHECK(fit.deps.at(0).path == "data/raw");
  CHECK(fit.outs.at(0).path == "train/model.bin");
  CHECK(fit.params.at(0).file == "train/params.yaml");
  CHECK(p.stages[2].wdir == "data");
  CHECK(p.stages[2].outs.at(0).path == "data/n.txt");
}

TEST_CASE("a path that climbs out of the root from a subfolder is refused in that file") {
  FakeDisk disk;
  disk.write("sub/dvc.yaml", "stages:\n  a:\n    cmd: x\n    deps: [../../outside]\n");
  try {
    pipeline::load_pipeline(disk);
    FAIL("loaded");
  } catch (const pipeline::Error& e) {
    CHECK(std::string(e.what()).find("sub/dvc.yaml:4:") == 0);
    CHECK(std::string(e.what()).find("escapes the project") != std::string::npos);
  }
}

TEST_CASE("the search for pipeline files skips .git, state, ignored folders, tracked data and nested projects") {
  FakeDisk disk;
  disk.write("a/dvc.yaml", "");
  disk.write("b/pipe.yaml", "");
  disk.write("b/dvc.yaml", "");  // pipe.yaml wins in its folder
  disk.write(".git/dvc.yaml", "");
  disk.write(".pipe/x/pipe.yaml", "");
  disk.write("ignored/dvc.yaml", "");
  disk.write(".pipeignore", "ignored/\n");
  disk.write("data.pipe", "");
  disk.write("data/dvc.yaml", "");
  disk.write("raw.dvc", "");
  disk.write("raw/pipe.yaml", "");
  disk.write("other/.dvc/config", "");
  disk.write("other/dvc.yaml", "");
  disk.write("dvc.yaml", "");
  CHECK(pipeline::find_pipeline_files(disk) == std::vector<std::string>{"dvc.yaml", "a/dvc.yaml", "b/pipe.yaml"});
}

TEST_CASE("models declared in a subfolder's file are read with paths from that folder") {
  FakeDisk disk;
  disk.write("sub/pipe.yaml", "stages:\n  a:\n    cmd: x\n    outs: [m.bin]\nmodels:\n  m:\n    path: m.bin\n");
  const Pipeline p = pipeline::load_pipeline(disk);
  REQUIRE(p.sections.size() == 1);
  CHECK(p.sections[0].file == "sub/pipe.yaml");
  const auto models = pipeline::parse_models(p);
  REQUIRE(models.size() == 1);
  CHECK(models[0].path == "sub/m.bin");
}

TEST_CASE("a dep by URL is kept as written, in any folder's file") {
  FakeDisk disk;
  disk.write("sub/dvc.yaml", "stages:\n  a:\n    cmd: x\n    deps:\n      - s3://bucket/raw/data.csv\n      - https://h/x?v=1\n");
  const Pipeline p = pipeline::load_pipeline(disk);
  REQUIRE(p.stages.at(0).deps.size() == 2);
  CHECK(p.stages[0].deps[0].path == "s3://bucket/raw/data.csv");
  CHECK(p.stages[0].deps[1].path == "https://h/x?v=1");
}

TEST_CASE("the scan finds .pipe files outside outputs and does not walk into declared outputs") {
  FakeDisk disk;
  disk.write("pipe.yaml", "stages:\n  a:\n    cmd: x\n    outs: [out]\n");
  disk.write("raw.csv.pipe", "");
  disk.write("sub/more.pipe", "");
  disk.write("out/stray.pipe", "");
  disk.write("out/deep/dvc.yaml", "not: [valid");  // never read: inside an output
  disk.write("nested/.pipe/config", "");
  disk.write("nested/theirs.pipe", "");
  const Pipeline p = pipeline::load_pipeline(disk);
  CHECK(p.tracked == std::vector<std::string>{"raw.csv.pipe", "sub/more.pipe"});
  CHECK(p.files == std::vector<std::string>{"pipe.yaml"});
}

TEST_CASE("an empty pipeline file has no stages, as in DVC") {
  FakeDisk disk;
  CHECK(parse(disk, "# only a comment\n").stages.empty());
  CHECK(parse(disk, "").stages.empty());
}

TEST_CASE("an output with nothing after its colon is refused, as DVC's schema refuses it") {
  FakeDisk disk;
  CHECK(error_of(disk, "stages:\n  a:\n    cmd: x\n    metrics:\n      - m.json:\n").find("nothing after the colon") !=
        std::string::npos);
}

TEST_CASE("YAML merge keys apply, with the stage's own keys winning") {
  FakeDisk disk;
  const Pipeline p = parse(disk,
                           "stages:\n  base: &base\n    cmd: default\n    deps: [a.txt]\n"
                           "  one:\n    <<: *base\n    cmd: own\n  two:\n    <<: *base\n");
  REQUIRE(p.stages.size() == 3);
  CHECK(p.stages[1].cmds.at(0) == "own");
  CHECK(p.stages[1].deps.at(0).path == "a.txt");
  CHECK(p.stages[2].cmds.at(0) == "default");
}

TEST_CASE("foreach booleans read through a reference are named True/False, written inline true/false") {
  FakeDisk disk;
  disk.write("params.yaml", "flags: [true, false]\n");
  const Pipeline p = parse(disk,
                           "stages:\n  ref:\n    foreach: ${flags}\n    do:\n      cmd: r ${item}\n"
                           "  inline:\n    foreach: [true]\n    do:\n      cmd: i ${item}\n"
                           "  grid:\n    matrix:\n      on: ${flags}\n    cmd: g\n");
  CHECK(p.find("ref@True"));
  CHECK(p.find("ref@False"));
  CHECK(p.find("inline@true"));
  CHECK(p.find("grid@True"));
}

TEST_CASE("a matrix or foreach past the stage limit is refused at its key before anything is built") {
  FakeDisk disk;
  std::string yaml = "stages:\n  sweep:\n    matrix:\n";
  for (char axis = 'a'; axis <= 'i'; ++axis) yaml += std::string("      ") + axis + ": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n";
  yaml += "    cmd: x\n";
  const std::string msg = error_of(disk, yaml);
  CHECK(msg.find("pipe.yaml:4:") == 0);
  CHECK(msg.find("more than 10000 stages") != std::string::npos);
  // Two sweeps of 6,000 each are within the limit alone, not together.
  std::string list = "[";
  for (int i = 0; i < 6000; ++i) list += (i ? "," : "") + std::to_string(i);
  list += "]";
  const std::string two = error_of(disk, "stages:\n  a:\n    foreach: " + list + "\n    do:\n      cmd: x\n"
                                         "  b:\n    foreach: " + list + "\n    do:\n      cmd: y\n");
  CHECK(two.find("'foreach' in stage 'b' (6000 items) makes 6000 stages") != std::string::npos);
  CHECK(parse(disk, "stages:\n  a:\n    foreach: " + list + "\n    do:\n      cmd: x\n").stages.size() == 6000);
}
