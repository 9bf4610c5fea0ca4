// Plot data files and the charts drawn from them: the first byte picks the
// format (JSON, YAML, CSV, TSV) and the template; the rest is the file.
#include "error.h"
#include "plots.h"
#include "svg_chart.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char* const files[] = {"d.json", "d.yaml", "d.csv", "d.tsv"};
  const std::string file = files[data[0] % 4];
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  pipeline::PlotDef def;
  def.id = file;
  def.kind = pipeline::chart_kinds()[(data[0] / 4) % pipeline::chart_kinds().size()];
  def.header = (data[0] & 0x80) == 0;
  // Fields as the fixtures name them, and the defaults (position, last field).
  def.sources = {{file, "x", "y"}, {file, "", ""}};
  const pipeline::PlotSide side{"", [&](const std::string&, std::string* out) {
                                  *out = text;
                                  return true;
                                }};
  try {
    std::vector<std::string> warnings;
    const std::string svg = pipeline::render_svg(pipeline::build_chart(def, {side}, &warnings));
    if (svg.find("<script") != std::string::npos) __builtin_trap();  // data never becomes markup
  } catch (const pipeline::Error&) {
  }
  return 0;
}
