// Charts as inline SVG, for `pipe plots`: a small renderer, no script and
// no external reference, so a page holding them is as safe to open as the
// audit report. It draws DVC's plot templates with axes (ticks, labels), a
// legend per series and the Okabe-Ito palette, which colour-blind readers
// can tell apart. (PLplot, the Debian-packaged option, writes files
// through a global-state C API and pulls in Qt, wxWidgets and Fortran; it
// was not worth that for this.)
#pragma once

#include <string>
#include <vector>

namespace pipeline {

// One series: values as the data file holds them (numbers or categories).
struct ChartSeries {
  std::string label;
  std::vector<std::string> x, y;
};

struct Chart {
  // linear, simple, scatter, smooth, confusion, confusion_normalized,
  // bar_horizontal, bar_horizontal_sorted
  std::string kind = "linear";
  std::string title, x_label, y_label;
  std::vector<ChartSeries> series;
};

// DVC's template names, in that order.
const std::vector<std::string>& chart_kinds();

// The chart as one <svg> element, for inlining in HTML (no xmlns: the HTML
// parser gives it the SVG namespace, and the page names no URL at all). A line or scatter chart whose x values
// are not numbers uses their order (0, 1, ...); y values that are not
// numbers are left out. Confusion charts count (x = actual, y = predicted)
// pairs, one matrix per series, with the count (or the share of the row)
// in each cell. Throws Error(kUsage) for an unknown kind.
std::string render_svg(const Chart& chart);

// Text safe inside XML and HTML elements and attributes.
std::string xml_escape(const std::string& text);

}  // namespace pipeline
