// Plot definitions and data (plots.cpp): DVC's forms of `plots:`, data
// files in JSON, YAML, CSV and TSV, and the series a chart gets.
#include <doctest/doctest.h>

#include <map>

#include "error.h"
#include "plots.h"
#include "temp_project.h"
#include "workspace.h"

using namespace pipeline;
using pipeline::testing::TempProject;

namespace {

std::vector<PlotDef> defs_of(const std::string& pipeline_yaml) {
  TempProject p;
  p.write("pipe.yaml", pipeline_yaml);
  Workspace ws = load_workspace(p.project);
  return plot_definitions(ws);
}

PlotSide files(const std::map<std::string, std::string>& contents, const std::string& label = "") {
  return {label, [contents](const std::string& file, std::string* text) {
            auto it = contents.find(file);
            if (it == contents.end()) return false;
            *text = it->second;
            return true;
          }};
}

}  // namespace

TEST_CASE("data files: JSON and YAML lists of records (or one inside a mapping), CSV and TSV with or without a header") {
  auto rows = plot_rows("a.json", R"({"train": [{"step": 1, "loss": 0.5}, {"step": 2, "loss": 0.25}]})", true);
  REQUIRE(rows.size() == 2);
  CHECK(rows[1] == PlotRow{{"step", "2"}, {"loss", "0.25"}});
  rows = plot_rows("a.yaml", "- {step: 1, acc: 0.9}\n- {step: 2, acc: 0.95}\n", true);
  CHECK(rows[1] == PlotRow{{"step", "2"}, {"acc", "0.95"}});
  rows = plot_rows("a.csv", "recall,precision\n0.1,\"0.9\"\r\n0.2,0.8\n", true);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0] == PlotRow{{"recall", "0.1"}, {"precision", "0.9"}});
  rows = plot_rows("a.tsv", "f\tv\nage\t0.2\n", true);
  CHECK(rows[0] == PlotRow{{"f", "age"}, {"v", "0.2"}});
  rows = plot_rows("a.csv", "1,2\n3,4\n", false);
  CHECK(rows[1] == PlotRow{{"0", "3"}, {"1", "4"}});
  CHECK_THROWS_AS(plot_rows("a.json", R"({"loss": 0.5})", true), Error);
}

TEST_CASE("top-level plots in DVC's forms: a file, a file with options, a named plot mapping files to fields") {
  const auto defs = defs_of(R"(stages: {}
plots:
- train.json
- pr.csv:
    x: recall
    y: precision
    template: scatter
    title: PR
- loss:
    x: step
    y:
      logs/train.tsv: loss
      logs/val.tsv: [loss, acc]
    y_label: value
)");
  REQUIRE(defs.size() == 3);
  CHECK(defs[0].id == "train.json");
  CHECK(defs[0].kind == "linear");
  REQUIRE(defs[0].sources.size() == 1);
  CHECK(defs[0].sources[0].file == "train.json");
  CHECK(defs[1].kind == "scatter");
  CHECK(defs[1].title == "PR");
  CHECK(defs[1].sources[0].x == "recall");
  CHECK(defs[1].sources[0].y == "precision");
  REQUIRE(defs[2].sources.size() == 3);
  CHECK(defs[2].sources[1].file == "logs/val.tsv");
  CHECK(defs[2].sources[2].y == "acc");
  CHECK(defs[2].sources[2].x == "step");
  CHECK(defs[2].y_label == "value");
  CHECK(defs[2].where == "pipe.yaml:9:3");
}

TEST_CASE("DVC 2's mapping form, stage plots with their options, and images") {
  const auto defs = defs_of(R"(stages:
  train:
    cmd: 'true'
    plots:
    - logs.csv:
        x: epoch
        y: loss
        template: smooth
        cache: false
    - cm.png
plots:
  acc.json:
    y: acc
)");
  REQUIRE(defs.size() == 3);
  CHECK(defs[0].id == "acc.json");
  CHECK(defs[0].sources[0].y == "acc");
  CHECK(defs[1].id == "logs.csv");
  CHECK(defs[1].kind == "smooth");
  CHECK(defs[1].sources[0].x == "epoch");
  CHECK(defs[2].image);
}

TEST_CASE("a bad plot definition is refused where it is written, with what to do") {
  auto message = [](const std::string& yaml) {
    try {
      defs_of(yaml);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(message("plots:\n- a.json:\n    template: vega\n").find("pipe.yaml:3:15: unknown template 'vega'") !=
        std::string::npos);
  CHECK(message("plots:\n- a.json:\n    colour: red\n").find("unknown plot option 'colour'") != std::string::npos);
  CHECK(message("plots:\n- ../outside.json\n").find("outside.json") != std::string::npos);
  CHECK(message("plots: 3\n").find("'plots' is a list") != std::string::npos);
}

TEST_CASE("a chart gets a series per file and field and per side; what is missing is said, not drawn") {
  PlotDef def;
  def.id = "loss";
  def.sources = {{"train.json", "step", "loss"}, {"val.json", "step", "loss"}};
  const std::string rows = R"([{"step": 0, "loss": 1}, {"step": 1, "loss": 0.5}])";
  std::vector<std::string> warnings;
  Chart c = build_chart(def, {files({{"train.json", rows}, {"val.json", rows}})}, &warnings);
  REQUIRE(c.series.size() == 2);
  CHECK(c.series[0].label == "train.json: loss");
  CHECK(c.series[0].x == std::vector<std::string>{"0", "1"});
  CHECK(c.x_label == "step");
  CHECK(c.title == "loss");
  CHECK(warnings.empty());
  c = build_chart(def, {files({{"train.json", rows}}, "HEAD~1"), files({{"train.json", rows}, {"val.json", rows}}, "workspace")},
                  &warnings);
  CHECK(c.series.size() == 3);
  CHECK(c.series[0].label == "HEAD~1 train.json: loss");
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] == "loss: val.json is not there in HEAD~1");
  def.sources = {{"train.json", "", "acc"}};
  warnings.clear();
  c = build_chart(def, {files({{"train.json", rows}})}, &warnings);
  CHECK(c.series.empty());
  CHECK(warnings[0].find("has no field 'acc'") != std::string::npos);
  // Without y, DVC's default: the last field.
  def.sources = {{"train.json", "", ""}};
  c = build_chart(def, {files({{"train.json", rows}})}, &warnings);
  CHECK(c.y_label == "loss");
}
