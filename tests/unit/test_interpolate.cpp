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
