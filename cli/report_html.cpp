// The HTML audit report: one self-contained page. Inline CSS, inline SVG
// charts of metric history and an inline lineage diagram; no script and no
// network reference, and a Content-Security-Policy that forbids both.
#include <fmt/core.h>

#include <algorithm>
#include <map>

#include "audit_report.h"
#include "lineage_json.h"
#include "svg_chart.h"

namespace pipe_cli {
namespace {

using nlohmann::json;

std::string esc(const std::string& s) { return pipeline::xml_escape(s); }

std::string text(const json& v) { return esc(v.is_string() ? v.get<std::string>() : v.dump()); }

std::string table(const std::vector<std::string>& head, const std::vector<std::vector<std::string>>& rows) {
  std::string out = "<table><tr>";
  for (const auto& h : head) out += "<th>" + esc(h) + "</th>";
  out += "</tr>";
  for (const auto& row : rows) {
    out += "<tr>";
    for (const auto& c : row) out += "<td>" + c + "</td>";
    out += "</tr>";
  }
  return out + "</table>";
}

// A line chart of one metric across versions.
std::string metric_chart(const json& metric) {
  std::vector<std::pair<std::string, double>> points;
  for (const auto& h : metric["history"])
    if (h["value"].is_number()) points.emplace_back(h["version"].get<std::string>(), h["value"].get<double>());
  if (points.empty()) return "";
  const double w = 360, h = 140, left = 50, bottom = 30, top = 12;
  double lo = points[0].second, hi = lo;
  for (const auto& p : points) lo = std::min(lo, p.second), hi = std::max(hi, p.second);
  if (hi == lo) hi = lo + 1, lo = lo - 1;
  auto x = [&](size_t i) { return left + (points.size() == 1 ? (w - left) / 2 : (w - left - 20) * static_cast<double>(i) / static_cast<double>(points.size() - 1)); };
  auto y = [&](double v) { return top + (h - top - bottom) * (hi - v) / (hi - lo); };
  std::string svg = fmt::format(
      "<svg class=\"chart\" role=\"img\" aria-label=\"{} across versions\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\"><title>{}</title>",
      text(metric["name"]), w, h, w, h, text(metric["name"]));
  svg += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" class=\"axis\"/>", left, h - bottom, w, h - bottom);
  svg += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" class=\"axis\"/>", left, top, left, h - bottom);
  svg += fmt::format("<text x=\"{}\" y=\"{}\" class=\"tick\" text-anchor=\"end\">{:.4g}</text>", left - 4, y(hi) + 4, hi);
  svg += fmt::format("<text x=\"{}\" y=\"{}\" class=\"tick\" text-anchor=\"end\">{:.4g}</text>", left - 4, y(lo) + 4, lo);
  std::string path;
  for (size_t i = 0; i < points.size(); ++i) {
    path += fmt::format("{}{:.1f},{:.1f}", i ? " L" : "M", x(i), y(points[i].second));
    svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" class=\"point\"><title>{} {:.6g}</title></circle>", x(i),
                       y(points[i].second), esc(points[i].first), points[i].second);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" class=\"tick\" text-anchor=\"middle\">{}</text>", x(i), h - bottom + 16,
                       esc(points[i].first));
  }
  svg += "<path d=\"" + path + "\" class=\"line\"/></svg>";
  return svg;
}

// The lineage diagram: columns by depth (artifacts read from outside on the
// left, each stage right of what it reads), boxes joined by arrows.
std::string lineage_diagram(const json& graph) {
  std::map<std::string, int> depth;
  std::map<std::string, std::string> label, kind;
  for (const auto& n : graph["nodes"]) {
    depth[n["id"]] = 0;
    label[n["id"]] = n["label"];
    kind[n["id"]] = n["kind"];
  }
  // Longest path from a source; the graph is a DAG, so |nodes| rounds settle it.
  for (size_t round = 0; round < depth.size(); ++round) {
    bool changed = false;
    for (const auto& e : graph["edges"]) {
      const std::string from = e["from"], to = e["to"];
      if (depth[to] < depth[from] + 1) depth[to] = depth[from] + 1, changed = true;
    }
    if (!changed) break;
  }
  std::map<int, std::vector<std::string>> columns;
  for (const auto& [id, d] : depth) columns[d].push_back(id);
  const double bw = 170, bh = 30, gx = 60, gy = 16;
  size_t rows = 1;
  for (const auto& [d, ids] : columns) rows = std::max(rows, ids.size());
  std::map<std::string, std::pair<double, double>> at;
  for (const auto& [d, ids] : columns)
    for (size_t i = 0; i < ids.size(); ++i) at[ids[i]] = {10 + d * (bw + gx), 10 + static_cast<double>(i) * (bh + gy)};
  const double width = 20 + static_cast<double>(columns.size()) * (bw + gx);
  const double height = 20 + static_cast<double>(rows) * (bh + gy);
  std::string svg = fmt::format(
      "<svg class=\"lineage\" role=\"img\" aria-label=\"lineage graph\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\">"
      "<title>lineage graph</title><defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" "
      "refX=\"10\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\"/></marker></defs>",
      width, height, width, height);
  for (const auto& e : graph["edges"]) {
    const auto [x1, y1] = at[e["from"]];
    const auto [x2, y2] = at[e["to"]];
    svg += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" class=\"edge\" marker-end=\"url(#arrow)\"/>", x1 + bw,
                       y1 + bh / 2, x2, y2 + bh / 2);
  }
  for (const auto& [id, pos] : at) {
    std::string name = label[id];
    if (name.size() > 24) name = "..." + name.substr(name.size() - 21);
    svg += fmt::format("<g class=\"{}\"><title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\"/>"
                       "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text></g>",
                       kind[id], esc(label[id]), pos.first, pos.second, bw, bh, kind[id] == "stage" ? 12 : 2,
                       pos.first + bw / 2, pos.second + bh / 2 + 4, esc(name));
  }
  return svg + "</svg>";
}

const char* const kStyle = R"(
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:70em;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}code{font-size:.9em}.pass{color:#176a2a;font-weight:600}.fail{color:#b00020;font-weight:600}
.chart,.lineage{background:#fafafa;border:1px solid #ddd;margin:.3em 1em .3em 0}.charts{display:flex;flex-wrap:wrap}
.axis{stroke:#888}.line{fill:none;stroke:#1f5fa8;stroke-width:2}.point{fill:#1f5fa8}.tick{font-size:10px;fill:#555}
.edge{stroke:#777}.stage rect{fill:#dbe8f7;stroke:#1f5fa8}.artifact rect{fill:#fff;stroke:#999}.lineage text{font-size:11px}
)";

}  // namespace

std::string report_html(const json& r) {
  const json& m = r["model"];
  std::string out;
  out += "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">";
  out += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">";
  out += "<title>Audit report: " + text(m["name"]) + " " + text(m["version"]) + "</title><style>" + kStyle + "</style></head><body>";
  out += "<h1>Audit report: " + text(m["name"]) + " " + text(m["version"]) + "</h1>";
  out += "<p>Generated " + text(r["generated"]) + " by " + text(r["generated_by"]) + ".</p>";
  if (const json& c = r["code"]; c.value("dirty", false) || !c["changed"].empty()) {
    out += "<section id=\"dirty\" class=\"fail\"><p><strong>Warning: this version was made from a working tree "
           "with uncommitted changes.</strong> Git's commit alone does not hold what the run read.</p><ul>";
    if (!c.value("changes_recorded", false)) out += "<li>The run was recorded by a pipe that did not keep the changed files.</li>";
    for (const auto& f : c["changed"])
      out += "<li><code>" + text(f["path"]) + "</code>: " +
             (f.contains("kept") ? "kept in the record; reproduce rebuilds it" : "not kept (" + text(f["not_kept"]) + ")") +
             "</li>";
    out += "</ul></section>";
  }

  out += "<section id=\"model\"><h2>Model</h2>" +
         table({"path", "hash", "created", "by", "run", "bump"},
               {{text(m["path"]), "<code>" + text(m["hash"]) + "</code>", text(m["created"]), text(m["created_by"]),
                 text(m["run_id"]), text(m["bump"]) + ": " + text(m["reason"])}}) +
         "</section>";
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : r["data"])
    rows.push_back({text(d["path"]), "<code>" + text(d["hash"]) + "</code>", text(d["size"]), text(d["source"]), text(d["first_seen"])});
  out += "<section id=\"data\"><h2>Data</h2>" + table({"path", "hash", "size", "source", "first seen"}, rows) + "</section>";
  const json& c = r["code"];
  rows.clear();
  for (const auto& s : c["scripts"]) rows.push_back({text(s["path"]), "<code>" + text(s["hash"]) + "</code>"});
  out += "<section id=\"code\"><h2>Code</h2><p>Commit <code>" + text(c["git_commit"]) + "</code> on " + text(c["branch"]) +
         (c["dirty"].get<bool>() ? " <span class=\"fail\">with uncommitted changes</span> (diff SHA-256 <code>" +
                                       text(c["diff_digest"]) + "</code>)"
                                 : " (clean tree)") +
         "</p>" + table({"script", "hash"}, rows) + "</section>";
  rows.clear();
  for (const auto& p : r["params"]) rows.push_back({text(p["stage"]), text(p["file"]), text(p["key"]), "<code>" + esc(p["value"].dump()) + "</code>"});
  out += "<section id=\"params\"><h2>Params</h2>" + table({"stage", "file", "key", "value"}, rows) + "</section>";
  rows.clear();
  const json environment = r["environment"].flatten();  // kept alive for the loop
  for (const auto& [k, v] : environment.items()) rows.push_back({"<code>" + esc(k) + "</code>", text(v)});
  out += "<section id=\"environment\"><h2>Environment</h2>" + table({"item", "value"}, rows) + "</section>";
  rows.clear();
  for (const auto& s : r["stages"]) {
    auto num = [&](const char* k) { return s.contains(k) ? fmt::format("{:.2f}", s[k].get<double>()) : std::string(); };
    rows.push_back({text(s["stage"]), text(s["status"]), esc(ran_on(s.contains("executor") ? s["executor"] : json())),
                    num("wall_seconds"), num("user_seconds"), num("system_seconds"),
                    s.contains("max_rss_kb") ? text(s["max_rss_kb"]) : ""});
  }
  out += "<section id=\"stages\"><h2>Stages</h2>" +
         table({"stage", "status", "ran on", "wall s", "user s", "system s", "peak RSS KiB"}, rows) + "</section>";
  out += "<section id=\"metrics\"><h2>Metrics</h2>";
  rows.clear();
  for (const auto& x : r["metrics"]) rows.push_back({"<code>" + text(x["name"]) + "</code>", text(x["value"])});
  out += table({"metric", "value"}, rows) + "<div class=\"charts\">";
  for (const auto& x : r["metrics"]) out += metric_chart(x);
  out += "</div></section>";
  out += "<section id=\"gates\"><h2>Gates</h2>";
  if (r["gates"].is_null()) out += "<p>No gates are declared for this model.</p>";
  else {
    rows.clear();
    for (const auto& s : r["gates"]["results"])
      for (const auto& g : s["gates"])
        rows.push_back({text(s["stage"]), "<code>" + text(g["gate"]) + "</code>",
                        g["passed"].get<bool>() ? "<span class=\"pass\">pass</span>" : "<span class=\"fail\">FAIL</span>",
                        text(g["detail"])});
    out += table({"stage", "gate", "result", "detail"}, rows) + "<p>Policy SHA-256 <code>" +
           text(r["gates"]["policy_digest"]) + "</code></p>";
  }
  out += "</section>";
  rows.clear();
  for (const auto& s : r["approvals"])
    for (const auto& a : s["approvals"]) {
      std::string sig = "unsigned";
      if (a["signed"].get<bool>())
        sig = a["signature_verified"].get<bool>() ? "verified (" + text(a["keyid"]) + ")"
                                                   : "<span class=\"fail\">INVALID</span>";
      rows.push_back({text(s["stage"]), text(a["at"]), text(a["user"]) + "@" + text(a["host"]), sig,
                      a["counts"].get<bool>() ? "<span class=\"pass\">counts</span>"
                                              : "<span class=\"fail\">does not count</span>: " +
                                                    (a.contains("why_not") ? text(a["why_not"]) : "")});
    }
  out += "<section id=\"approvals\"><h2>Approvals</h2>";
  for (const auto& s : r["approvals"])
    if (!s["required"].is_null())
      out += "<p>" + text(s["stage"]) + ": " + std::to_string(s["counted"].get<int>()) + " of " + s["required"].dump() +
             (s["met"].get<bool>() ? " (met)" : " <span class=\"fail\">(not met)</span>") + "</p>";
  out += (rows.empty() ? std::string("<p>No approvals recorded.</p>")
                       : table({"stage", "at", "by", "signature", "counts"}, rows)) +
         "</section>";
  rows.clear();
  for (const auto& p : r["promotions"])
    rows.push_back({text(p["at"]), text(p["action"]), text(p["version"]), text(p["stage"]), text(p["by"]), text(p["reason"])});
  out += "<section id=\"promotions\"><h2>Promotion history</h2>" +
         (rows.empty() ? std::string("<p>No promotions recorded.</p>")
                       : table({"at", "action", "version", "stage", "by", "reason"}, rows)) +
         "</section>";
  out += "<section id=\"changelog\"><h2>Changes since the previous version</h2>";
  if (r["changelog"].is_null()) out += "<p>This is the model's first version.</p>";
  else {
    rows.clear();
    for (const char* kind : {"architecture", "code", "data", "params", "environment", "metrics"})
      for (const auto& ch : r["changelog"][kind])
        rows.push_back({kind, ch.contains("change") ? text(ch["change"]) : "value", "<code>" + text(ch["name"]) + "</code>",
                        ch.contains("old") ? text(ch["old"]) : "", ch.contains("new") ? text(ch["new"]) : ""});
    out += "<p>From " + text(r["changelog"]["from"]) + ".</p>" + table({"kind", "change", "name", "old", "new"}, rows);
  }
  out += "</section>";
  out += "<section id=\"lineage\"><h2>Lineage</h2>" + lineage_diagram(r["lineage"]) + "</section>";
  rows.clear();
  for (const auto& a : r["integrity"]["artifacts"])
    rows.push_back({text(a["path"]), "<code>" + text(a["hash"]) + "</code>",
                    a["ok"].get<bool>() ? "<span class=\"pass\">intact</span> (" + text(a["where"]) + ")"
                                        : "<span class=\"fail\">" + text(a["problem"]) + "</span>"});
  out += "<section id=\"integrity\"><h2>Integrity</h2><p>Hash chain: " +
         std::string(r["integrity"]["chain_ok"].get<bool>() ? "<span class=\"pass\">intact</span>"
                                                             : "<span class=\"fail\">broken</span>: " + text(r["integrity"]["chain_problem"])) +
         "</p>" + table({"artifact", "hash", "state"}, rows) + "</section>";
  out += "</body></html>\n";
  return out;
}

}  // namespace pipe_cli
