#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <string>

#include "document.h"

using pipeline::Error;
using pipeline::Value;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("YAML plain scalars get YAML 1.2 core types, quoted ones stay strings") {
  const Value v = pipeline::parse_yaml("p.yaml", "a: 1\nb: 0.5\nc: true\nd: '1'\ne: ~\nf: 1e-3\ng: hello\nh: \"true\"\n");
  CHECK(v.find("a")->kind() == Value::Kind::kInt);
  CHECK(v.find("b")->kind() == Value::Kind::kFloat);
  CHECK(v.find("c")->kind() == Value::Kind::kBool);
  CHECK(v.find("d")->kind() == Value::Kind::kString);
  CHECK(v.find("e")->is_null());
  CHECK(v.find("f")->as_float() == doctest::Approx(0.001));
  CHECK(v.find("g")->as_string() == "hello");
  CHECK(v.find("h")->kind() == Value::Kind::kString);
}

TEST_CASE("YAML values remember their line and column") {
  const Value v = pipeline::parse_yaml("p.yaml", "top:\n  key: value\n");
  CHECK(v.find("top")->find("key")->mark().line == 2);
  CHECK(v.find("top")->find("key")->mark().col == 8);
}

TEST_CASE("malformed YAML reports file:line:col") {
  const std::string msg = error_of([] { pipeline::parse_yaml("pipe.yaml", "stages:\n  a: [1, 2\n  b: 3\n"); });
  CHECK(msg.find("pipe.yaml:") == 0);
  CHECK(msg.find("invalid YAML") != std::string::npos);
}

TEST_CASE("duplicate YAML keys are an error naming the key") {
  const std::string msg = error_of([] { pipeline::parse_yaml("p.yaml", "a: 1\na: 2\n"); });
  CHECK(msg.find("p.yaml:2:1") != std::string::npos);
  CHECK(msg.find("duplicate key 'a'") != std::string::npos);
}

TEST_CASE("an alias bomb is refused in bounded time") {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    const char prev = static_cast<char>(c - 1);
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", " : "") + "*" + prev;
    bomb += "]\n";
  }
  const auto start = std::chrono::steady_clock::now();
  const std::string msg = error_of([&] { pipeline::parse_yaml("bomb.yaml", bomb); });
  CHECK(msg.find("alias bomb") != std::string::npos);
  // Unbounded, it would take hours; the bound leaves room for a loaded
  // machine and a sanitizer build.
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(90));
}

TEST_CASE("deeply nested YAML is refused, not a stack overflow") {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  CHECK_FALSE(error_of([&] { pipeline::parse_yaml("deep.yaml", deep); }).empty());
}

TEST_CASE("JSON and TOML params parse to the same canonical values as YAML") {
  const Value y = pipeline::parse_yaml("p.yaml", "train:\n  lr: 0.1\n  epochs: 3\n  name: a\n");
  const Value j = pipeline::parse_json("p.json", R"({"train": {"name": "a", "epochs": 3, "lr": 0.1}})");
  const Value t = pipeline::parse_toml("p.toml", "[train]\nlr = 0.1\nepochs = 3\nname = \"a\"\n");
  CHECK(y.canonical() == j.canonical());
  CHECK(y.canonical() == t.canonical());
}

TEST_CASE("parse_document picks the parser by extension") {
  CHECK(pipeline::parse_document("x.json", "{\"a\": 1}").find("a")->as_int() == 1);
  CHECK(pipeline::parse_document("x.toml", "a = 1").find("a")->as_int() == 1);
  CHECK(pipeline::parse_document("x.yaml", "a: 1").find("a")->as_int() == 1);
}

TEST_CASE("JSON and TOML syntax errors name the file and line") {
  CHECK(error_of([] { pipeline::parse_json("c.json", "{\n \"a\": ,\n}"); }).find("c.json:2:") == 0);
  CHECK(error_of([] { pipeline::parse_toml("c.toml", "a = 1\nb = = 2\n"); }).find("c.toml:2:") == 0);
}

TEST_CASE("deeply nested JSON is refused") {
  const std::string deep = std::string(10000, '[') + std::string(10000, ']');
  CHECK(error_of([&] { pipeline::parse_json("d.json", deep); }).find("nested") != std::string::npos);
}

TEST_CASE("YAML number edge cases follow the 1.2 core schema") {
  const Value v = pipeline::parse_yaml(
      "p.yaml", "a: 1e5\nb: 1.2.3\nc: 0x1F\nd: -.inf\ne: 12e\nf: +1\ng: .5\nh: 1.\ni: 0o17\nj: 1_000\nk: 99999999999999999999\n");
  CHECK(v.find("a")->kind() == Value::Kind::kFloat);
  CHECK(v.find("b")->kind() == Value::Kind::kString);
  CHECK(v.find("c")->as_int() == 31);
  CHECK(v.find("d")->as_float() < 0);
  CHECK(v.find("e")->kind() == Value::Kind::kString);
  CHECK(v.find("f")->as_int() == 1);
  CHECK(v.find("g")->as_float() == doctest::Approx(0.5));
  CHECK(v.find("h")->kind() == Value::Kind::kFloat);
  CHECK(v.find("i")->as_int() == 15);
  CHECK(v.find("j")->kind() == Value::Kind::kString);
  CHECK(v.find("k")->kind() == Value::Kind::kFloat);
}

TEST_CASE("an unterminated quoted string is an error, not a string up to end of file") {
  const std::string msg = error_of([] { pipeline::parse_yaml("pipe.yaml", "a:\n  cmd: \"echo hi\n  outs: [x]\n"); });
  CHECK(msg.find("pipe.yaml:2:8") == 0);
  CHECK(msg.find("unterminated quoted string") != std::string::npos);
  CHECK(error_of([] { pipeline::parse_yaml("p.yaml", "a: 'it''s'\nb: \"x\\\"y\"\n"); }).empty());
}

TEST_CASE("deep flow nesting says it is nested too deeply") {
  const std::string deep = std::string(10000, '[');
  CHECK(error_of([&] { pipeline::parse_yaml("deep.yaml", deep); }).find("nested too deeply") != std::string::npos);
}

TEST_CASE("NUL bytes, invalid UTF-8 and oversized files are refused with their location") {
  using pipeline::parse_document;
  CHECK(error_of([] { parse_document("p.yaml", std::string("a: b\nc: d\0e\n", 12)); }).find("p.yaml:2:5: a NUL byte") == 0);
  CHECK(error_of([] { parse_document("p.yaml", "a: \"x\\0y\"\n"); }).find("p.yaml:1:4: a string holds a NUL") == 0);
  CHECK(error_of([] { parse_document("p.yaml", "\"k\\0\": 1\n"); }).find("a key holds a NUL") != std::string::npos);
  CHECK(error_of([] { parse_document("p.json", "{\"a\": \"x\\u0000\"}"); }).find("holds a NUL") != std::string::npos);
  CHECK(error_of([] { parse_document("p.toml", "a = \"x\\u0000\"\n"); }).find("holds a NUL") != std::string::npos);
  CHECK(error_of([] { parse_document("p.yaml", "caf\xe9: 1\n"); }).find("p.yaml:1:4: invalid UTF-8 (byte 0xe9)") == 0);
  // Overlong forms, UTF-16 surrogates and truncated sequences are invalid too.
  for (const char* bad : {"a: \xc0\xaf\n", "a: \xed\xa0\x80\n", "a: \xf4\x90\x80\x80\n", "a: \xe2\x82"})
    CHECK(error_of([&] { parse_document("p.yaml", bad); }).find("invalid UTF-8") != std::string::npos);
  CHECK(parse_document("p.yaml", "name: \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"\n").find("name")->as_string() ==
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  const auto start = std::chrono::steady_clock::now();
  const std::string big = "a: \"" + std::string(pipeline::kMaxDocumentBytes, 'x') + "\"\n";
  CHECK(error_of([&] { parse_document("p.yaml", big); }).find("may be at most 16 MiB") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("a JSON number too large for a double is a located error, not a crash (found by fuzzing)") {
  CHECK(error_of([] { pipeline::parse_document("p.json", "{\"a\": 1e999}"); }).find("p.json: invalid JSON: number overflow") == 0);
}
