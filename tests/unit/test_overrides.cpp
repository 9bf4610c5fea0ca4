// -S overrides for experiments (overrides.cpp): DVC's and Hydra's forms,
// sweeps, and edits that keep a params file's comments and layout.
#include <doctest/doctest.h>

#include "document.h"
#include "error.h"
#include "overrides.h"

using namespace pipeline;

TEST_CASE("-S reads a key, a nested key and a params file prefix") {
  Override o = parse_override("lr=0.2");
  CHECK(o.file == "params.yaml");
  CHECK(o.key == "lr");
  CHECK(o.values == std::vector<std::string>{"0.2"});
  o = parse_override("train.opt.lr = 0.3");
  CHECK(o.key == "train.opt.lr");
  o = parse_override("conf/params.json:train.lr=0.4");
  CHECK(o.file == "conf/params.json");
  CHECK(o.key == "train.lr");
}

TEST_CASE("-S sweeps: a comma list, range() without its stop, choice(), quoted commas kept") {
  CHECK(parse_override("lr=0.1,0.2,0.3").values == std::vector<std::string>{"0.1", "0.2", "0.3"});
  CHECK(parse_override("epochs=range(1,4)").values == std::vector<std::string>{"1", "2", "3"});
  CHECK(parse_override("x=range(0, 1, 0.25)").values == std::vector<std::string>{"0", "0.25", "0.5", "0.75"});
  CHECK(parse_override("x=range(0.1,0.4,0.1)").values == std::vector<std::string>{"0.1", "0.2", "0.3"});
  CHECK(parse_override("opt=choice(adam, sgd)").values == std::vector<std::string>{"adam", "sgd"});
  CHECK(parse_override("name='a,b',c").values == std::vector<std::string>{"a,b", "c"});
}

TEST_CASE("a bad -S says what is wrong and what the forms are") {
  CHECK_THROWS_WITH_AS(parse_override("lr"), doctest::Contains("no '='"), Error);
  CHECK_THROWS_WITH_AS(parse_override("=3"), doctest::Contains("KEY=VALUE"), Error);
  CHECK_THROWS_WITH_AS(parse_override("a..b=3"), doctest::Contains("not a params key"), Error);
  CHECK_THROWS_WITH_AS(parse_override("x=range(1)"), doctest::Contains("START, STOP"), Error);
  CHECK_THROWS_WITH_AS(parse_override("x=range(1,5,0)"), doctest::Contains("STEP not 0"), Error);
  CHECK_THROWS_WITH_AS(parse_override("x=range(5,1)"), doctest::Contains("empty"), Error);
  CHECK_THROWS_WITH_AS(parse_override("+new=1"), doctest::Contains("not supported"), Error);
  CHECK_THROWS_WITH_AS(parse_override("x=1,,2"), doctest::Contains("empty value"), Error);
}

TEST_CASE("sweeps expand to every combination, the first override varying slowest") {
  const std::vector<Override> o = {parse_override("lr=0.1,0.2"), parse_override("opt=choice(adam,sgd,rms)")};
  const auto sets = expand_overrides(o);
  REQUIRE(sets.size() == 6);
  CHECK(sets[0][0].second == "0.1");
  CHECK(sets[0][1].second == "adam");
  CHECK(sets[1][1].second == "sgd");
  CHECK(sets[3][0].second == "0.2");
  CHECK(sets[5][1].second == "rms");
  CHECK_THROWS_WITH_AS(expand_overrides({parse_override("a=range(0,200)"), parse_override("b=range(0,200)")}, 10000),
                       doctest::Contains("more than 10000"), Error);
}

TEST_CASE("an override changes only the value's text: comments, order and layout stay") {
  const std::string yaml =
      "# training params\ntrain:\n  lr: 0.1   # learning rate\n  epochs: 10\n  name: \"base\"\n"
      "  layers: [64, 32]\nseed: 1\n";
  CHECK(apply_override("params.yaml", yaml, "train.lr", "0.2") ==
        "# training params\ntrain:\n  lr: 0.2   # learning rate\n  epochs: 10\n  name: \"base\"\n"
        "  layers: [64, 32]\nseed: 1\n");
  CHECK(apply_override("params.yaml", yaml, "train.name", "wide net") ==
        "# training params\ntrain:\n  lr: 0.1   # learning rate\n  epochs: 10\n  name: \"wide net\"\n"
        "  layers: [64, 32]\nseed: 1\n");
  CHECK(apply_override("params.yaml", yaml, "train.layers.1", "16") ==
        "# training params\ntrain:\n  lr: 0.1   # learning rate\n  epochs: 10\n  name: \"base\"\n"
        "  layers: [64, 16]\nseed: 1\n");
  // A string that YAML would read as something else is quoted.
  const std::string edited = apply_override("params.yaml", yaml, "seed", "yes: no");
  CHECK(parse_yaml("p", edited).find("seed")->as_string() == "yes: no");
  const std::string json = "{\n  \"train\": {\"lr\": 0.1, \"epochs\": 10},\n  \"tag\": \"a\"\n}\n";
  CHECK(apply_override("params.json", json, "train.lr", "0.5") ==
        "{\n  \"train\": {\"lr\": 0.5, \"epochs\": 10},\n  \"tag\": \"a\"\n}\n");
  CHECK(apply_override("params.json", json, "tag", "b") == "{\n  \"train\": {\"lr\": 0.1, \"epochs\": 10},\n  \"tag\": \"b\"\n}\n");
  const std::string toml = "# model\n[train]\nlr = 0.1 # rate\nopt = \"adam\"\n";
  CHECK(apply_override("params.toml", toml, "train.lr", "0.3") == "# model\n[train]\nlr = 0.3 # rate\nopt = \"adam\"\n");
  CHECK(apply_override("params.toml", toml, "train.opt", "sgd") == "# model\n[train]\nlr = 0.1 # rate\nopt = \"sgd\"\n");
}

TEST_CASE("an override to the value a file already has leaves the file byte for byte") {
  const std::string yaml = "lr: 0.10   # spelled so\n";
  CHECK(apply_override("params.yaml", yaml, "lr", "0.1") == yaml);
}

TEST_CASE("an override of a key the file lacks, or of a mapping, is refused, saying where") {
  const std::string yaml = "train:\n  lr: 0.1\n";
  CHECK_THROWS_WITH_AS(apply_override("params.yaml", yaml, "train.momentum", "0.9"), doctest::Contains("has no 'train.momentum'"), Error);
  CHECK_THROWS_WITH_AS(apply_override("params.yaml", yaml, "train", "1"), doctest::Contains("params.yaml:2:3"), Error);
}
