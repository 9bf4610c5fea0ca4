#include <doctest/doctest.h>

#include "value.h"

using pipeline::Value;

TEST_CASE("canonical form sorts map keys so layout does not matter") {
  Value a = Value::map();
  a.set("b", Value::integer(1));
  a.set("a", Value::string("x"));
  Value b = Value::map();
  b.set("a", Value::string("x"));
  b.set("b", Value::integer(1));
  CHECK(a.canonical() == R"({"a":"x","b":1})");
  CHECK(a.canonical() == b.canonical());
}

TEST_CASE("canonical form keeps integers and floats apart") {
  CHECK(Value::integer(1).canonical() == "1");
  CHECK(Value::number(1.0).canonical() == "1.0");
  CHECK(Value::number(0.1).canonical() == "0.1");
  CHECK(Value::number(1e-5).canonical() == "1e-05");
}

TEST_CASE("canonical form escapes strings as JSON") {
  CHECK(Value::string("a\"b\\c\n").canonical() == R"("a\"b\\c\n")");
}

TEST_CASE("scalar_text renders values as DVC puts them into commands") {
  CHECK(Value::boolean(true).scalar_text() == "true");
  CHECK(Value::integer(42).scalar_text() == "42");
  CHECK(Value::number(0.5).scalar_text() == "0.5");
  CHECK(Value::string("a b").scalar_text() == "a b");
}

TEST_CASE("set replaces an existing key instead of duplicating it") {
  Value m = Value::map();
  m.set("k", Value::integer(1));
  m.set("k", Value::integer(2));
  CHECK(m.size() == 1);
  CHECK(m.find("k")->as_int() == 2);
}
