#include <doctest/doctest.h>

#include "document.h"
#include "interpolate.h"

using pipeline::Value;

namespace {

Value ctx() {
  return pipeline::parse_yaml("params.yaml",
                              "train:\n  lr: 0.1\n  epochs: 3\n  layers: [16, 32]\n"
                              "models:\n  - name: cnn\n  - name: rnn\nflag: true\n");
}

std::string render(const std::string& s) {
  return pipeline::interpolate(Value::string(s), ctx(), "pipe.yaml").as_string();
}

}  // namespace

TEST_CASE("interpolation resolves dotted and indexed paths") {
  CHECK(render("python train.py --lr ${train.lr}") == "python train.py --lr 0.1");
  CHECK(render("${train.layers[1]}x") == "32x");
  CHECK(render("m-${models[1].name}") == "m-rnn");
  CHECK(render("--flag ${flag}") == "--flag true");
}

TEST_CASE("a dotted number indexes a list, as in DVC") {
  CHECK(render("${train.layers.1}x") == "32x");
  CHECK(render("m-${models.0.name}") == "m-cnn");
  CHECK_THROWS_WITH_AS(render("${train.layers.5}"), doctest::Contains("out of range"), pipeline::Error);
}

TEST_CASE("a string that is exactly one reference keeps the value's type") {
  const Value v = pipeline::interpolate(Value::string("${train.layers}"), ctx(), "pipe.yaml");
  REQUIRE(v.is_list());
  CHECK(v.items().size() == 2);
  CHECK(pipeline::interpolate(Value::string("${train.epochs}"), ctx(), "f").kind() == Value::Kind::kInt);
}

TEST_CASE("escaped \\${ stays literal") {
  CHECK(render("echo \\${HOME} ${train.epochs}") == "echo ${HOME} 3");
}

TEST_CASE("a missing key is an error naming it and suggesting the nearest key") {
  try {
    pipeline::interpolate(Value::string("${train.lrr}", {4, 10}), ctx(), "pipe.yaml");
    FAIL("expected an error");
  } catch (const pipeline::Error& e) {
    const std::string msg = e.what();
    CHECK(msg.find("pipe.yaml:4:10") == 0);
    CHECK(msg.find("'lrr'") != std::string::npos);
    CHECK(msg.find("did you mean 'lr'") != std::string::npos);
  }
}

TEST_CASE("a list cannot be embedded into text") {
  CHECK_THROWS_AS(render("x ${train.layers}"), pipeline::Error);
}

TEST_CASE("out-of-range index is an error") { CHECK_THROWS_AS(render("${train.layers[5]}"), pipeline::Error); }

TEST_CASE("map keys are interpolated too") {
  Value m = Value::map();
  m.set("out_${train.epochs}.csv", Value());
  const Value r = pipeline::interpolate(m, ctx(), "f");
  CHECK(r.find("out_3.csv") != nullptr);
}

namespace {

Value dict_ctx() {
  return pipeline::parse_yaml("params.yaml",
                              "train:\n  lr: 0.1\n  epochs: 3\n  name: my model\n  shuffle: true\n  dropout: false\n"
                              "  layers: [16, 32]\n  tags: [a b, c]\n  opt:\n    beta: 0.9\n  none: null\n"
                              "bad:\n  nested: [[1, 2]]\n");
}

std::string render_cmd(const std::string& s, pipeline::UnpackOptions o = {}) {
  return pipeline::interpolate(Value::string(s), dict_ctx(), "dvc.yaml", &o).as_string();
}

}  // namespace

TEST_CASE("a mapping in cmd unpacks into flags as DVC's to_str(dict) writes them") {
  CHECK(render_cmd("python train.py ${train}") ==
        "python train.py --lr 0.1 --epochs 3 --name 'my model' --shuffle --layers 16 32 --tags 'a b' c "
        "--opt.beta 0.9 --none None");
  CHECK(render_cmd("python train.py ${**train}") == render_cmd("python train.py ${train}"));
  CHECK(render_cmd("${**train}") == render_cmd("python train.py ${train}").substr(16));
}

TEST_CASE("parsing.bool and parsing.list change how booleans and lists unpack") {
  pipeline::UnpackOptions o;
  o.boolean_optional = true;
  o.list_append = true;
  const std::string out = render_cmd("run ${train}", o);
  CHECK(out.find("--shuffle --no-dropout") != std::string::npos);
  CHECK(out.find("--layers 16 --layers 32") != std::string::npos);
  CHECK(out.find("--tags 'a b' --tags c") != std::string::npos);
}

TEST_CASE("unpacking refuses nested lists, non-mappings, and places other than cmd") {
  CHECK_THROWS_WITH_AS(render_cmd("run ${bad}"), doctest::Contains("nested iterable in 'nested'"), pipeline::Error);
  CHECK_THROWS_WITH_AS(render_cmd("run ${**train.lr}"), doctest::Contains("not a mapping"), pipeline::Error);
  CHECK_THROWS_WITH_AS(pipeline::interpolate(Value::string("x ${**train}"), dict_ctx(), "dvc.yaml"),
                       doctest::Contains("only in 'cmd'"), pipeline::Error);
  // Outside cmd a mapping inside text is still an error, as in DVC.
  CHECK_THROWS_WITH_AS(pipeline::interpolate(Value::string("x ${train}"), dict_ctx(), "dvc.yaml"),
                       doctest::Contains("into text"), pipeline::Error);
}
