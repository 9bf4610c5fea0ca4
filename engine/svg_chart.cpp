#include "svg_chart.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "error.h"

namespace pipeline {
namespace {

// Okabe & Ito's palette, black last: distinct under the common colour
// vision deficiencies.
const char* const kPalette[] = {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"};
const char* colour(size_t i) { return kPalette[i % (sizeof kPalette / sizeof kPalette[0])]; }

constexpr double kPlotRight = 460, kHeight = 400;  // the plot area ends here; the legend follows
constexpr size_t kMaxClasses = 100;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kLeft = 72, kTop = 44, kBottom = 56;  // room for tick and axis labels

std::optional<double> number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// A tick label: as many decimals as the step needs, scientific when huge or tiny.
std::string tick_text(double v, double step) {
  if (std::fabs(v) < step * 1e-9) v = 0;
  if (std::fabs(v) >= 1e6 || (v != 0 && std::fabs(v) < 1e-4)) return fmt::format("{:.3g}", v);
  const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  return fmt::format("{:.{}f}", v, std::min(decimals, 6));
}

// A cell's value: counts whole, shares with two decimals.
std::string cell_text(double v, bool share) { return share ? fmt::format("{:.2f}", v) : fmt::format("{:.0f}", v); }

// Heckbert's nice numbers: about five ticks at 1, 2 or 5 times a power of ten.
struct Scale {
  double lo = 0, hi = 1, step = 0.2;
  double from = 0, to = 1;  // pixels
  double at(double v) const { return from + (v - lo) / (hi - lo) * (to - from); }
  std::vector<double> ticks() const {
    // By index, and bounded: at 1e16 a step of 0.5 is below the spacing of
    // doubles, and `t += step` would never move.
    std::vector<double> out;
    const double first = std::ceil(lo / step - 1e-9) * step;
    for (int k = 0; k < 50; ++k) {
      const double t = first + k * step;
      if (!(t <= hi + step * 1e-9)) break;
      out.push_back(t);
    }
    return out;
  }
};

double nice(double x, bool round) {
  const double e = std::floor(std::log10(x));
  const double f = x / std::pow(10, e);
  double n;
  if (round) n = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  else n = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return n * std::pow(10, e);
}

Scale scale_for(double lo, double hi, double from, double to) {
  if (lo == hi) {
    const double pad = lo == 0 ? 1 : std::fabs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  Scale s;
  s.step = nice(nice(hi - lo, false) / 5, true);
  s.lo = std::floor(lo / s.step) * s.step;
  s.hi = std::ceil(hi / s.step) * s.step;
  s.from = from;
  s.to = to;
  return s;
}

std::string text(double x, double y, const std::string& s, const std::string& attrs) {
  return fmt::format(R"(<text x="{:.1f}" y="{:.1f}" {}>{}</text>)", x, y, attrs, xml_escape(s));
}

std::string open_svg(double width, double height, const Chart& c) {
  std::string out = fmt::format(
      R"(<svg class="chart {}" width="{:.0f}" height="{:.0f}" viewBox="0 0 {:.0f} {:.0f}" role="img" font-family="sans-serif" font-size="12">)",
      c.kind, width, height, width, height);
  out += "<title>" + xml_escape(c.title.empty() ? c.y_label : c.title) + "</title>";
  out += fmt::format(R"(<rect width="{:.0f}" height="{:.0f}" fill="#ffffff"/>)", width, height);
  if (!c.title.empty()) out += text(width / 2, 22, c.title, R"(class="title" text-anchor="middle" font-size="15" font-weight="bold")");
  return out;
}

std::string axes(const Scale& x, const Scale& y, const Chart& c, const std::vector<std::string>* y_categories = nullptr) {
  std::string out = R"(<g class="axis x">)";
  out += fmt::format(R"(<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="#333"/>)", x.from, y.from, x.to, y.from);
  for (double t : x.ticks()) {
    const double px = x.at(t);
    out += fmt::format(R"(<line class="tick" x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="#333"/>)", px, y.from, px, y.from + 5);
    out += fmt::format(R"(<line class="grid" x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="#e5e5e5"/>)", px, y.from, px, y.to);
    out += text(px, y.from + 18, tick_text(t, x.step), R"(class="tick-label" text-anchor="middle")");
  }
  out += text((x.from + x.to) / 2, kHeight - 12, c.x_label, R"(class="axis-label" text-anchor="middle")");
  out += "</g><g class=\"axis y\">";
  out += fmt::format(R"(<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="#333"/>)", x.from, y.from, x.from, y.to);
  if (y_categories) {
    const double band = (y.from - y.to) / static_cast<double>(std::max<size_t>(1, y_categories->size()));
    for (size_t i = 0; i < y_categories->size(); ++i)
      out += text(x.from - 8, y.to + band * (static_cast<double>(i) + 0.5) + 4, (*y_categories)[i],
                  R"(class="tick-label" text-anchor="end")");
  } else {
    for (double t : y.ticks()) {
      const double py = y.at(t);
      out += fmt::format(R"(<line class="tick" x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="#333"/>)", x.from - 5, py, x.from, py);
      out += fmt::format(R"(<line class="grid" x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="#e5e5e5"/>)", x.from, py, x.to, py);
      out += text(x.from - 8, py + 4, tick_text(t, y.step), R"(class="tick-label" text-anchor="end")");
    }
  }
  out += fmt::format(R"svg(<text class="axis-label" transform="translate(16 {:.1f}) rotate(-90)" text-anchor="middle">{}</text>)svg",
                     (y.from + y.to) / 2, xml_escape(c.y_label));
  return out + "</g>";
}

// The width a chart needs: the plot area and a legend wide enough for its
// longest label (about 7 px a character at 12 px), so no label is cut off.
double chart_width(const Chart& c) {
  size_t longest = 0;
  for (const ChartSeries& s : c.series) longest = std::max(longest, s.label.size());
  return kPlotRight + std::clamp(46.0 + 7.0 * static_cast<double>(longest), 180.0, 640.0);
}

std::string legend(const Chart& c, const char* mark) {
  std::string out = R"(<g class="legend">)";
  for (size_t i = 0; i < c.series.size(); ++i) {
    const double y = kTop + 8 + 20 * static_cast<double>(i);
    const double x = kPlotRight + 16;
    out += R"(<g class="legend-entry">)";
    if (std::string(mark) == "line")
      out += fmt::format(R"(<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="{}" stroke-width="2.5"/>)", x, y, x + 18, y, colour(i));
    else
      out += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="12" height="12" fill="{}"/>)", x + 3, y - 6, colour(i));
    out += text(x + 24, y + 4, c.series[i].label, R"(class="legend-label")") + "</g>";
  }
  return out + "</g>";
}

// Points of a series as numbers: x by value, or by position when x is not
// numeric (or absent); rows whose y is not a number are left out.
std::vector<std::pair<double, double>> points(const ChartSeries& s) {
  bool numeric_x = !s.x.empty();
  for (const std::string& v : s.x) numeric_x = numeric_x && number(v).has_value();
  std::vector<std::pair<double, double>> out;
  for (size_t i = 0; i < s.y.size(); ++i) {
    const auto y = number(s.y[i]);
    if (!y) continue;
    out.emplace_back(numeric_x && i < s.x.size() ? *number(s.x[i]) : static_cast<double>(i), *y);
  }
  return out;
}

// A centred moving average over five points: DVC's smooth template fits a
// curve through noisy training logs; this keeps their trend, not the noise.
std::vector<std::pair<double, double>> smoothed(const std::vector<std::pair<double, double>>& p) {
  std::vector<std::pair<double, double>> out;
  for (size_t i = 0; i < p.size(); ++i) {
    const size_t a = i >= 2 ? i - 2 : 0, b = std::min(p.size(), i + 3);
    double sum = 0;
    for (size_t k = a; k < b; ++k) sum += p[k].second;
    out.emplace_back(p[i].first, sum / static_cast<double>(b - a));
  }
  return out;
}

std::string xy_chart(const Chart& c) {
  std::vector<std::vector<std::pair<double, double>>> all;
  double x_lo = kInf, x_hi = -kInf, y_lo = kInf, y_hi = -kInf;
  for (const ChartSeries& s : c.series) {
    all.push_back(points(s));
    for (const auto& [x, y] : all.back()) {
      x_lo = std::min(x_lo, x), x_hi = std::max(x_hi, x);
      y_lo = std::min(y_lo, y), y_hi = std::max(y_hi, y);
    }
  }
  if (x_lo > x_hi) x_lo = x_hi = y_lo = y_hi = 0;  // no points at all: empty axes
  const Scale x = scale_for(x_lo, x_hi, kLeft, kPlotRight);
  const Scale y = scale_for(y_lo, y_hi, kHeight - kBottom, kTop);
  std::string out = open_svg(chart_width(c), kHeight, c) + axes(x, y, c);
  const bool lines = c.kind != "scatter";
  for (size_t i = 0; i < all.size(); ++i) {
    out += fmt::format(R"(<g class="series" data-label="{}">)", xml_escape(c.series[i].label));
    auto draw_line = [&](const std::vector<std::pair<double, double>>& p, const char* extra) {
      std::string d;
      for (const auto& [px, py] : p) d += fmt::format("{}{:.1f},{:.1f}", d.empty() ? "M" : " L", x.at(px), y.at(py));
      if (!d.empty())
        out += fmt::format(R"(<path d="{}" fill="none" stroke="{}" stroke-width="2" {}/>)", d, colour(i), extra);
    };
    if (c.kind == "smooth") {
      draw_line(all[i], R"(stroke-opacity="0.25")");
      draw_line(smoothed(all[i]), "");
    } else if (lines) {
      draw_line(all[i], "");
    }
    if (c.kind == "scatter" || c.kind == "linear")
      for (const auto& [px, py] : all[i])
        out += fmt::format(R"(<circle class="point" cx="{:.1f}" cy="{:.1f}" r="{}" fill="{}"/>)", x.at(px), y.at(py),
                           c.kind == "scatter" ? 3.5 : 2.5, colour(i));
    out += "</g>";
  }
  return out + legend(c, lines ? "line" : "box") + "</svg>";
}

std::string bar_chart(const Chart& c) {
  // y: the categories; x: each category's value, one bar per series.
  std::vector<std::string> categories;
  std::map<std::string, std::vector<std::optional<double>>> value;  // category -> by series
  for (size_t i = 0; i < c.series.size(); ++i) {
    const ChartSeries& s = c.series[i];
    for (size_t k = 0; k < s.y.size() && k < s.x.size(); ++k) {
      if (!value.count(s.y[k])) categories.push_back(s.y[k]);
      auto& slot = value[s.y[k]];
      slot.resize(c.series.size());
      slot[i] = number(s.x[k]);
    }
  }
  if (c.kind == "bar_horizontal_sorted")
    std::stable_sort(categories.begin(), categories.end(), [&](const std::string& a, const std::string& b) {
      return value[a].front().value_or(-kInf) > value[b].front().value_or(-kInf);
    });
  double lo = 0, hi = 0;
  for (auto& [k, vs] : value)
    for (const auto& v : vs)
      if (v) lo = std::min(lo, *v), hi = std::max(hi, *v);
  const Scale x = scale_for(lo, hi, kLeft + 60, kPlotRight);
  const Scale y = scale_for(0, 1, kHeight - kBottom, kTop);  // bands, not values
  std::string out = open_svg(chart_width(c), kHeight, c) + axes(x, y, c, &categories);
  const double band = (y.from - y.to) / static_cast<double>(std::max<size_t>(1, categories.size()));
  const double bar = band * 0.8 / static_cast<double>(std::max<size_t>(1, c.series.size()));
  for (size_t i = 0; i < c.series.size(); ++i) {
    out += fmt::format(R"(<g class="series" data-label="{}">)", xml_escape(c.series[i].label));
    for (size_t k = 0; k < categories.size(); ++k) {
      const auto& v = value[categories[k]];
      if (i >= v.size() || !v[i]) continue;
      const double x0 = x.at(std::min(0.0, *v[i])), x1 = x.at(std::max(0.0, *v[i]));
      const double top = y.to + band * static_cast<double>(k) + band * 0.1 + bar * static_cast<double>(i);
      out += fmt::format(R"(<rect class="bar" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"><title>{}: {}</title></rect>)",
                         x0, top, std::max(1.0, x1 - x0), bar, colour(i), xml_escape(categories[k]),
                         tick_text(*v[i], x.step / 100));
    }
    out += "</g>";
  }
  return out + legend(c, "box") + "</svg>";
}

std::string confusion_chart(const Chart& c) {
  const bool share = c.kind == "confusion_normalized";
  // Every class either axis names, in order of first appearance, so two
  // matrices side by side (plots diff) line up.
  std::vector<std::string> classes;
  std::set<std::string> seen;
  for (const ChartSeries& s : c.series)
    for (const auto* axis : {&s.x, &s.y})
      for (const std::string& v : *axis)
        if (seen.insert(v).second) classes.push_back(v);
  // Beyond this a matrix is unreadable, and its cells grow as the square:
  // most likely x or y names a field of values, not of classes.
  if (classes.size() > kMaxClasses)
    throw Error(Exit::kUsage, "a confusion matrix of " + std::to_string(classes.size()) + " classes (at most " +
                                  std::to_string(kMaxClasses) + " are drawn); do x and y name the class fields?");
  const size_t n = std::max<size_t>(1, classes.size());
  const double cell = std::clamp(360.0 / static_cast<double>(n), 14.0, 60.0);
  const double side = cell * static_cast<double>(n);
  // The gap leaves room for the next matrix's class names and axis label.
  const double left = 110, top = 76, gap = 130;
  const double one = side + gap;
  const double width = left + one * static_cast<double>(std::max<size_t>(1, c.series.size())), height = top + side + 70;
  std::string out = open_svg(width, height, c);
  for (size_t m = 0; m < c.series.size(); ++m) {
    const ChartSeries& s = c.series[m];
    std::map<std::pair<std::string, std::string>, double> count;
    std::map<std::string, double> row_total;
    for (size_t k = 0; k < s.x.size() && k < s.y.size(); ++k) ++count[{s.x[k], s.y[k]}], ++row_total[s.x[k]];
    double most = 0;
    for (const auto& [k, v] : count) most = std::max(most, share ? v / row_total[k.first] : v);
    const double x0 = left + one * static_cast<double>(m);
    out += fmt::format(R"(<g class="series matrix" data-label="{}">)", xml_escape(s.label));
    out += text(x0 + side / 2, top - 12, s.label, R"(class="legend-label" text-anchor="middle" font-weight="bold")");
    for (size_t r = 0; r < classes.size(); ++r)      // rows: actual (x)
      for (size_t k = 0; k < classes.size(); ++k) {  // columns: predicted (y)
        auto it = count.find({classes[r], classes[k]});
        const double v = it == count.end() ? 0 : share ? it->second / row_total[classes[r]] : it->second;
        const double t = most > 0 ? v / most : 0;
        // Light to dark blue; the text turns white where the cell is dark.
        const int red = static_cast<int>(247 - t * (247 - 8)), green = static_cast<int>(251 - t * (251 - 69)),
                  blue = static_cast<int>(255 - t * (255 - 148));
        const double cx = x0 + cell * static_cast<double>(k), cy = top + cell * static_cast<double>(r);
        out += fmt::format(R"svg(<rect class="cell" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="rgb({},{},{})" stroke="#fff"/>)svg",
                           cx, cy, cell, cell, red, green, blue);
        out += text(cx + cell / 2, cy + cell / 2 + 4, cell_text(v, share),
                    std::string(R"(class="cell-value" text-anchor="middle" fill=")") + (t > 0.55 ? "#ffffff" : "#111111") + "\"");
      }
    for (size_t i = 0; i < classes.size(); ++i) {
      const double mid = cell * (static_cast<double>(i) + 0.5);
      out += text(x0 - 6, top + mid + 4, classes[i], R"(class="tick-label" text-anchor="end")");
      out += text(x0 + mid, top + side + 16, classes[i], R"(class="tick-label" text-anchor="middle")");
    }
    out += text(x0 + side / 2, top + side + 40, c.y_label.empty() ? "predicted" : c.y_label,
                R"(class="axis-label" text-anchor="middle")");
    out += fmt::format(R"svg(<text class="axis-label" transform="translate({:.1f} {:.1f}) rotate(-90)" text-anchor="middle">{}</text>)svg",
                       x0 - 90, top + side / 2, xml_escape(c.x_label.empty() ? "actual" : c.x_label));
    out += "</g>";
  }
  return out + "</svg>";
}

}  // namespace

const std::vector<std::string>& chart_kinds() {
  static const std::vector<std::string> kinds = {"linear", "simple", "scatter", "smooth", "confusion",
                                                 "confusion_normalized", "bar_horizontal", "bar_horizontal_sorted"};
  return kinds;
}

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        // Control characters are not allowed in XML 1.0.
        if (static_cast<unsigned char>(ch) < 0x20 && ch != '\n' && ch != '\t') out += ' ';
        else out += ch;
    }
  }
  return out;
}

std::string render_svg(const Chart& chart) {
  const auto& kinds = chart_kinds();
  if (std::find(kinds.begin(), kinds.end(), chart.kind) == kinds.end()) {
    std::string list;
    for (const auto& k : kinds) list += (list.empty() ? "" : ", ") + k;
    throw Error(Exit::kUsage, "unknown plot template '" + chart.kind + "'; pipe draws " + list);
  }
  if (chart.kind.rfind("confusion", 0) == 0) return confusion_chart(chart);
  if (chart.kind.rfind("bar_horizontal", 0) == 0) return bar_chart(chart);
  return xy_chart(chart);
}

}  // namespace pipeline
