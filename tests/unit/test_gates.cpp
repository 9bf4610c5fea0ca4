// Quality gates (gates.cpp) and stage assignment by events (promotion.cpp).
#include <doctest/doctest.h>

#include "document.h"
#include "error.h"
#include "gates.h"
#include "promotion.h"
#include "value.h"

using namespace pipeline;

namespace {

std::vector<StageGates> gates_of(const std::string& yaml) { return parse_gates("pipe.yaml", parse_yaml("pipe.yaml", yaml)); }

const std::vector<LineageValue> kMetrics = {
    {"metrics.json", "accuracy", "0.9"}, {"metrics.json", "f1", "0.8"}, {"eval.json", "f1", "0.7"},
    {"metrics.json", "loss.train", "0.25"}, {"metrics.json", "name", "\"x\""}};

ModelEvent event(const std::string& action, const std::string& version, int64_t at) {
  ModelEvent e;
  e.model = "clf";
  e.stage = "production";
  e.action = action;
  e.version = version;
  e.at_ns = at;
  return e;
}

}  // namespace

TEST_CASE("gates parse: comparisons, references to a stage's holder, and clean_tree") {
  const auto g = gates_of("staging: [accuracy >= 0.8]\nproduction:\n  - loss.train < 1e-1\n"
                          "  - f1 >= production.f1 - 0.01\n  - clean_tree\n");
  REQUIRE(g.size() == 2);
  CHECK(g[0].stage == "staging");
  REQUIRE(g[1].gates.size() == 3);
  CHECK(g[1].gates[0].metric == "loss.train");
  CHECK(g[1].gates[0].op == "<");
  CHECK(g[1].gates[0].number == doctest::Approx(0.1));
  CHECK(g[1].gates[1].ref_stage == "production");
  CHECK(g[1].gates[1].ref_metric == "f1");
  CHECK(g[1].gates[1].offset == doctest::Approx(-0.01));
  CHECK(g[1].gates[2].clean_tree);
}

TEST_CASE("a malformed gate is refused where it is written, saying what a gate looks like") {
  CHECK_THROWS_WITH_AS(gates_of("staging:\n  - accuracy >== 0.8\n"), doctest::Contains("pipe.yaml:2:5"), Error);
  CHECK_THROWS_WITH_AS(gates_of("staging:\n  - accuracy about 0.8\n"), doctest::Contains("a gate is METRIC OP VALUE"),
                       Error);
  CHECK_THROWS_WITH_AS(gates_of("staging:\n  - f1 >= prod.f1\n"), doctest::Contains("'prod' is not a stage"), Error);
  CHECK_THROWS_WITH_AS(gates_of("staging:\n  - 3\n"), doctest::Contains("a gate must be a string"), Error);
  CHECK_THROWS_WITH_AS(gates_of("[a]"), doctest::Contains("'gates' maps a stage"), Error);
}

TEST_CASE("metrics are found by key, by FILE:KEY when ambiguous, and must be numbers") {
  double v = 0;
  std::string why;
  CHECK(find_metric(kMetrics, "accuracy", &v, &why));
  CHECK(v == doctest::Approx(0.9));
  CHECK(find_metric(kMetrics, "loss.train", &v, &why));
  CHECK_FALSE(find_metric(kMetrics, "f1", &v, &why));
  CHECK(why.find("several files") != std::string::npos);
  CHECK(find_metric(kMetrics, "eval.json:f1", &v, &why));
  CHECK(v == doctest::Approx(0.7));
  CHECK_FALSE(find_metric(kMetrics, "recall", &v, &why));
  CHECK(why.find("no metric 'recall'") != std::string::npos);
  CHECK_FALSE(find_metric(kMetrics, "name", &v, &why));
  CHECK(why.find("not a number") != std::string::npos);
}

TEST_CASE("gates evaluate against the version and the stage's holder") {
  const auto g = gates_of("production:\n  - accuracy >= 0.85\n  - eval.json:f1 >= production.eval.json:f1 - 0.05\n"
                          "  - clean_tree\n");
  GateSubject s;
  s.metrics = kMetrics;
  s.clean_tree = true;
  auto r = evaluate_gates(g[0].gates, s);
  CHECK(r[0].passed);
  CHECK(r[1].passed);  // no holder yet
  CHECK(r[1].detail.find("nothing to compare") != std::string::npos);
  const std::vector<LineageValue> holder = {{"eval.json", "f1", "0.8"}};
  s.holder_metrics = [&](const std::string&) { return &holder; };
  s.clean_tree = false;
  r = evaluate_gates(g[0].gates, s);
  CHECK_FALSE(r[1].passed);  // 0.7 < 0.75
  CHECK(r[1].detail == "eval.json:f1 0.7 >= 0.75 (production 0.8)");
  CHECK_FALSE(r[2].passed);
}

TEST_CASE("the policy digest changes with the gates") {
  CHECK(policy_digest(gates_of("staging: [a >= 1]")) != policy_digest(gates_of("staging: [a >= 2]")));
  CHECK(policy_digest(gates_of("staging: [a >= 1]")) == policy_digest(gates_of("staging: ['a >= 1']")));
  CHECK(policy_digest({}).empty());
}

TEST_CASE("stage holders replay promotions and rollbacks, up to a point in time") {
  const std::vector<ModelEvent> events = {event("promote", "1.0.0", 10), event("promote", "1.1.0", 20),
                                          event("promote", "1.2.0", 30), event("rollback", "1.1.0", 40)};
  auto now = stage_holders(events, 0);
  REQUIRE(now["production"].size() == 2);
  CHECK(now["production"].back().version == "1.1.0");
  CHECK(now["production"].back().event.action == "rollback");
  CHECK(stage_holders(events, 35)["production"].back().version == "1.2.0");
  CHECK(stage_holders(events, 15)["production"].back().version == "1.0.0");
  CHECK(stage_holders(events, 5)["production"].empty());
}

TEST_CASE("a rollback merged after a concurrent promotion removes the version it names, not the newest") {
  // Production held 1.0.0 then 1.1.0. Alice promotes 1.2.0 while Bob, who
  // has not seen it, rolls 1.1.0 back; the merge puts Bob's rollback last.
  ModelEvent rollback = event("rollback", "1.0.0", 40);
  rollback.details = "{\"from\":\"1.1.0\"}";
  const std::vector<ModelEvent> events = {event("promote", "1.0.0", 10), event("promote", "1.1.0", 20),
                                          event("promote", "1.2.0", 30), rollback};
  const auto now = stage_holders(events, 0);
  REQUIRE(now.at("production").size() == 2);
  CHECK(now.at("production").back().version == "1.2.0");  // Alice's promotion stands
  CHECK(now.at("production").front().version == "1.0.0");  // 1.1.0 is gone
  // Rolled back twice (two clones): the second has nothing left to undo.
  const std::vector<ModelEvent> twice = {event("promote", "1.0.0", 10), event("promote", "1.1.0", 20), rollback,
                                         rollback};
  CHECK(stage_holders(twice, 0).at("production").back().version == "1.0.0");
}

TEST_CASE("at a point in time, an event that follows a later one is not replayed, whatever its clock says") {
  ModelEvent first = event("promote", "1.0.0", 10);
  first.uid = std::string(64, 'a');
  ModelEvent ahead = event("promote", "1.1.0", 1000);  // a clock running ahead
  ahead.uid = std::string(64, 'b');
  ahead.parents = {first.uid};
  ModelEvent behind = event("rollback", "1.0.0", 5);  // a clock running behind, after `ahead`
  behind.uid = std::string(64, 'c');
  behind.parents = {ahead.uid};
  behind.details = "{\"from\":\"1.1.0\"}";
  const std::vector<ModelEvent> events = {first, ahead, behind};
  const auto at500 = stage_holders(events, 500);
  REQUIRE(at500.at("production").size() == 1);
  CHECK(at500.at("production").back().version == "1.0.0");
  CHECK(stage_holders(events, 0).at("production").back().version == "1.0.0");
  CHECK(stage_holders(events, 0).at("production").size() == 1);
}

TEST_CASE("times parse as UTC, and anything else is refused") {
  CHECK(parse_time("1970-01-01T00:01") == 60'000'000'000LL);
  CHECK(parse_time("1970-01-02") == 86400'000'000'000LL);
  CHECK(parse_time("1970-01-01T00:00:30Z") == 30'000'000'000LL);
  CHECK_THROWS_WITH_AS(parse_time("yesterday"), doctest::Contains("2026-11-01T12:00"), Error);
  CHECK_THROWS_AS(parse_time("2026-13-01"), Error);
}
