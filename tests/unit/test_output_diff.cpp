// first_difference: what an auditor reads when a re-executed output is not
// the recorded one.
#include <doctest/doctest.h>

#include <string>

#include "output_diff.h"

using namespace pipeline;

TEST_CASE("equal contents have no difference") {
  CHECK(first_difference("a.txt", "same\n", "same\n") == "");
}

TEST_CASE("a text file differs at its first differing line") {
  CHECK(first_difference("report.txt", "a\nb\nc\n", "a\nb\nd\n") == "line 3: recorded 'c', got 'd'");
  CHECK(first_difference("report.txt", "a\nb\n", "a\n") == "line 2: recorded 'b', got the end of the file");
  CHECK(first_difference("report.txt", "a\n", "a\nextra\n") == "line 2: recorded the end of the file, got 'extra'");
}

TEST_CASE("a long line is cut short in the message") {
  const std::string why = first_difference("log.txt", std::string(500, 'x') + "\n", std::string(500, 'y') + "\n");
  CHECK(why.size() < 160);
  CHECK(why.find("...") != std::string::npos);
}

TEST_CASE("JSON, YAML and TOML differ at their first differing key, whatever the layout") {
  CHECK(first_difference("m.json", R"({"train": {"acc": 0.91, "loss": 0.2}})",
                         "{\n  \"train\": {\"acc\": 0.89, \"loss\": 0.2}\n}\n") ==
        "key 'train.acc': recorded 0.91, got 0.89");
  // Layout alone is no difference a key can name: the lines are compared then.
  CHECK(first_difference("m.json", R"({"a": 1})", "{\"a\":1}").find("line 1") == 0);
  CHECK(first_difference("p.yaml", "model:\n  layers: [1, 2]\n", "model:\n  layers: [1, 3]\n") ==
        "key 'model.layers[1]': recorded 2, got 3");
  CHECK(first_difference("p.yaml", "a: 1\nb: x\n", "a: 1\n") == "key 'b': recorded 'x', missing now");
  CHECK(first_difference("p.yaml", "a: 1\n", "a: 1\nc: [1]\n") == "key 'c': not recorded, now a list");
  CHECK(first_difference("p.toml", "[t]\nn = 1\n", "[t]\nn = 2\n") == "key 't.n': recorded 1, got 2");
  CHECK(first_difference("l.json", "[1, 2]", "[1, 2, 3]") == "the top level: recorded 2 items, got 3");
}

TEST_CASE("a file that no longer parses is compared by lines") {
  CHECK(first_difference("m.json", "{\"a\": 1}\n", "{\"a\": \n") == "line 1: recorded '{\"a\": 1}', got '{\"a\": '");
}

TEST_CASE("a binary file differs at its first differing byte, with both sizes") {
  std::string a("\x00\x01\x02\x03", 4), b("\x00\x01\x09\x03\x04", 5);
  CHECK(first_difference("model.bin", a, b) == "first differing byte at offset 2; recorded 4 bytes, got 5");
  CHECK(first_difference("model.bin", a, a + "x") == "first differing byte at offset 4; recorded 4 bytes, got 5");
  // Invalid UTF-8 is not text either.
  CHECK(first_difference("w.txt", "ok\xff", "ok\xfe") == "first differing byte at offset 2; recorded 3 bytes, got 3");
}

TEST_CASE("a metric's change is shown with its delta") {
  CHECK(value_change("0.91", "0.89") == "0.91 -> 0.89 (-0.02)");
  CHECK(value_change("10", "12") == "10 -> 12 (+2)");
  CHECK(value_change("\"cnn\"", "\"rnn\"") == "'\"cnn\"' -> '\"rnn\"'");
}
