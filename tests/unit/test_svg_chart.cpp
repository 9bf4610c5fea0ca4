// The SVG renderer (svg_chart.cpp): every template draws its series with
// axes, ticks, labels and a legend; a confusion matrix has a cell, and a
// count, per pair of classes; text is escaped; nothing names a URL.
#include <doctest/doctest.h>

#include <regex>
#include <string>

#include "error.h"
#include "svg_chart.h"

using namespace pipeline;

namespace {

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

Chart two_lines(const std::string& kind) {
  Chart c;
  c.kind = kind;
  c.title = "Loss";
  c.x_label = "step";
  c.y_label = "loss";
  c.series = {{"train", {"0", "1", "2", "3"}, {"1.0", "0.5", "0.25", "0.2"}},
              {"val", {"0", "1", "2", "3"}, {"1.1", "0.7", "0.5", "0.45"}}};
  return c;
}

}  // namespace

TEST_CASE("line and scatter templates draw each series, both axes with ticks and labels, and a legend entry per series") {
  for (const char* kind : {"linear", "simple", "scatter", "smooth"}) {
    CAPTURE(kind);
    const std::string svg = render_svg(two_lines(kind));
    CHECK(svg.rfind("<svg class=\"chart ", 0) == 0);
    CHECK(count(svg, "<g class=\"series\"") == 2);
    CHECK(count(svg, "<g class=\"legend-entry\">") == 2);
    CHECK(svg.find(">train</text>") != std::string::npos);
    CHECK(svg.find(">val</text>") != std::string::npos);
    CHECK(svg.find("class=\"axis-label\" text-anchor=\"middle\">step</text>") != std::string::npos);
    CHECK(svg.find(">loss</text>") != std::string::npos);
    CHECK(count(svg, "class=\"tick-label\"") >= 6);  // both axes
    CHECK(svg.find(">Loss</text>") != std::string::npos);
    CHECK(svg.find("http") == std::string::npos);
    CHECK(svg.find("<script") == std::string::npos);
  }
  CHECK(count(render_svg(two_lines("scatter")), "<circle class=\"point\"") == 8);
  CHECK(count(render_svg(two_lines("simple")), "<circle") == 0);
  // smooth: the raw line faint, the smoothed one over it.
  CHECK(count(render_svg(two_lines("smooth")), "<path") == 4);
}

TEST_CASE("ticks fall on round numbers, with as many decimals as the step needs") {
  Chart c = two_lines("simple");
  c.series = {{"s", {"0", "100"}, {"0.013", "0.087"}}};
  const std::string svg = render_svg(c);
  for (const char* tick : {">0.00</text>", ">0.02</text>", ">0.08</text>", ">0</text>", ">20</text>", ">100</text>"}) {
    CAPTURE(tick);
    CHECK(svg.find(tick) != std::string::npos);
  }
  CHECK(svg.find("0.0130") == std::string::npos);  // no raw values as ticks
}

TEST_CASE("x values that are not numbers are plotted by position; y values that are not are left out") {
  Chart c = two_lines("linear");
  c.series = {{"s", {"a", "b", "c"}, {"1", "oops", "3"}}};
  const std::string svg = render_svg(c);
  CHECK(count(svg, "<circle class=\"point\"") == 2);
}

TEST_CASE("a confusion matrix has a cell and a count per pair of classes, one matrix per series") {
  Chart c;
  c.kind = "confusion";
  c.series = {{"model", {"cat", "cat", "dog", "dog", "dog"}, {"cat", "dog", "dog", "dog", "cat"}}};
  std::string svg = render_svg(c);
  CHECK(count(svg, "<rect class=\"cell\"") == 4);
  CHECK(count(svg, "class=\"cell-value\"") == 4);
  CHECK(svg.find(">2</text>") != std::string::npos);  // dog predicted dog
  CHECK(svg.find(">actual</text>") != std::string::npos);
  CHECK(svg.find(">predicted</text>") != std::string::npos);
  c.series.push_back({"other", {"bird"}, {"cat"}});
  svg = render_svg(c);
  CHECK(count(svg, "<g class=\"series matrix\"") == 2);
  CHECK(count(svg, "<rect class=\"cell\"") == 18);  // cat, dog, bird in both
  c.kind = "confusion_normalized";
  c.series.resize(1);
  svg = render_svg(c);
  CHECK(svg.find(">0.67</text>") != std::string::npos);  // dog: 2 of 3
  CHECK(svg.find(">0.50</text>") != std::string::npos);  // cat: 1 of 2
}

TEST_CASE("horizontal bars: one bar per category and series, sorted by value when asked") {
  Chart c;
  c.kind = "bar_horizontal_sorted";
  c.series = {{"importance", {"0.2", "0.9", "-0.1"}, {"age", "income", "zip"}}};
  const std::string svg = render_svg(c);
  CHECK(count(svg, "<rect class=\"bar\"") == 3);
  const size_t income = svg.find(">income</text>"), age = svg.find(">age</text>"), zip = svg.find(">zip</text>");
  CHECK(income < age);
  CHECK(age < zip);
  c.kind = "bar_horizontal";
  const std::string unsorted = render_svg(c);
  CHECK(unsorted.find(">age</text>") < unsorted.find(">income</text>"));
}

TEST_CASE("labels are escaped, and an unknown template is refused with the list") {
  Chart c = two_lines("simple");
  c.series[0].label = "<b>&\"x\"";
  const std::string svg = render_svg(c);
  CHECK(svg.find("&lt;b&gt;&amp;&quot;x&quot;") != std::string::npos);
  CHECK(svg.find("<b>") == std::string::npos);
  c.kind = "vega-custom";
  try {
    render_svg(c);
    FAIL("an unknown template must be refused");
  } catch (const Error& e) {
    CHECK(e.code() == Exit::kUsage);
    CHECK(std::string(e.what()).find("bar_horizontal_sorted") != std::string::npos);
  }
}

TEST_CASE("a chart with no data still draws its axes") {
  Chart c = two_lines("linear");
  c.series.clear();
  const std::string svg = render_svg(c);
  CHECK(svg.find("class=\"axis x\"") != std::string::npos);
  CHECK(count(svg, "<g class=\"series\"") == 0);
}

TEST_CASE("values near the limits of doubles still give a bounded set of ticks, and a huge matrix is refused") {
  Chart c = two_lines("simple");
  c.series = {{"s", {"1e16", "1e16"}, {"1e16", "10000000000000002"}}};
  CHECK(render_svg(c).size() < 100000);
  c.series = {{"s", {"-1e308", "1e308"}, {"1", "2"}}};
  CHECK_NOTHROW(render_svg(c));
  c.kind = "confusion";
  c.series = {{"s", {}, {}}};
  for (int i = 0; i < 150; ++i) c.series[0].x.push_back(std::to_string(i)), c.series[0].y.push_back("0");
  CHECK_THROWS_AS(render_svg(c), Error);
}

TEST_CASE("the legend is as wide as its longest label, so none is cut off") {
  Chart c = two_lines("linear");
  const std::regex width(R"re(^<svg class="chart linear" width="(\d+)")re");
  std::smatch m;
  std::string svg = render_svg(c);
  REQUIRE(std::regex_search(svg, m, width));
  CHECK(std::stoi(m[1]) == 640);  // short labels: the plot and a 180 px legend
  c.series[0].label = std::string(60, 'w');
  svg = render_svg(c);
  REQUIRE(std::regex_search(svg, m, width));
  CHECK(std::stoi(m[1]) >= 460 + 7 * 60);
}
