// `pipe plots show` and `pipe plots diff`: DVC's plot definitions drawn as
// one self-contained HTML page (inline SVG from engine/svg_chart, images
// inlined as data), with no script and no network reference, like the
// audit report; or, with --json, the data behind it.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "app.h"
#include "error.h"
#include "file_io.h"
#include "lineage.h"
#include "plots.h"
#include "project.h"
#include "revision_values.h"
#include "signing.h"
#include "subprocess.h"
#include "workspace.h"

namespace pipe_cli {
namespace {

struct PlotsFlags {
  std::vector<std::string> targets;
  std::vector<std::string> sides;
  std::string out = "pipe_plots/index.html";
  bool json = false, open = false;
};

// The plots the targets name: by a plot's id, else every plot reading that
// file; all without targets.
std::vector<pipeline::PlotDef> chosen(const std::vector<pipeline::PlotDef>& all, const std::vector<std::string>& targets) {
  if (targets.empty()) return all;
  std::vector<pipeline::PlotDef> out;
  for (const std::string& t : targets) {
    std::vector<const pipeline::PlotDef*> hits;
    for (const auto& d : all)
      if (d.id == t) hits.push_back(&d);
    if (hits.empty())
      for (const auto& d : all)
        if (std::any_of(d.sources.begin(), d.sources.end(), [&](const auto& s) { return s.file == t; }))
          hits.push_back(&d);
    if (hits.empty()) {
      std::string known;
      for (const auto& d : all) known += (known.empty() ? "" : ", ") + d.id;
      throw pipeline::Error(pipeline::Exit::kUsage,
                            "no plot '" + t + "'" + (known.empty() ? "; the pipeline defines none" : "; there are: " + known));
    }
    for (const auto* d : hits) out.push_back(*d);
  }
  return out;
}

struct Rendered {
  nlohmann::json data = nlohmann::json::array();
  std::string html;
  std::vector<std::string> warnings;
};

Rendered render(const std::vector<pipeline::PlotDef>& defs, const std::vector<pipeline::PlotSide>& sides) {
  Rendered r;
  for (const auto& def : defs) {
    nlohmann::json item = {{"id", def.id}, {"where", def.where}};
    std::string section = "<section class=\"plot\"><h2>" + pipeline::xml_escape(def.id) + "</h2><p class=\"where\">" +
                          pipeline::xml_escape(def.where) + "</p>";
    if (def.image) {
      // As it is, inlined: an <img> runs no script an SVG file may hold.
      item["image"] = true;
      item["files"] = nlohmann::json::array();
      for (const auto& side : sides) {
        std::string bytes;
        if (!side.read(def.sources.front().file, &bytes)) {
          r.warnings.push_back(def.id + ": not there" + (side.label.empty() ? "" : " in " + side.label));
          continue;
        }
        item["files"].push_back({{"side", side.label}, {"file", def.sources.front().file}, {"bytes", bytes.size()}});
        section += "<figure><img alt=\"" + pipeline::xml_escape(def.id) + "\" src=\"data:" + pipeline::image_type(def.sources.front().file) + ";base64," +
                   pipeline::base64_encode(bytes) + "\"><figcaption>" + pipeline::xml_escape(side.label) +
                   "</figcaption></figure>";
      }
    } else {
      const pipeline::Chart chart = pipeline::build_chart(def, sides, &r.warnings);
      item["template"] = chart.kind;
      item["title"] = chart.title;
      item["x_label"] = chart.x_label;
      item["y_label"] = chart.y_label;
      item["series"] = nlohmann::json::array();
      for (const auto& s : chart.series) item["series"].push_back({{"label", s.label}, {"x", s.x}, {"y", s.y}});
      try {
        section += pipeline::render_svg(chart);
      } catch (const pipeline::Error& e) {
        // One plot that cannot be drawn does not cost the others.
        r.warnings.push_back(def.id + ": " + e.what());
        section += "<p class=\"warnings\">" + pipeline::xml_escape(e.what()) + "</p>";
      }
    }
    r.data.push_back(item);
    r.html += section + "</section>\n";
  }
  return r;
}

std::string page(const std::string& heading, const Rendered& r) {
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + pipeline::xml_escape(heading) +
      "</title>\n<style>body{font-family:sans-serif;margin:24px;color:#111;max-width:1400px}"
      "h1{font-size:20px}h2{font-size:16px;margin-bottom:2px}.where{color:#666;font-size:12px;margin-top:0}"
      "section{margin-bottom:36px}figure{display:inline-block;margin:0 16px 0 0}"
      "img{max-width:640px;border:1px solid #ddd}.warnings{color:#8a1c1c}svg{max-width:100%;height:auto}"
      "</style></head>\n<body><h1>" + pipeline::xml_escape(heading) + "</h1>\n";
  if (!r.warnings.empty()) {
    html += "<ul class=\"warnings\">";
    for (const auto& w : r.warnings) html += "<li>" + pipeline::xml_escape(w) + "</li>";
    html += "</ul>\n";
  }
  return html + r.html + "</body></html>\n";
}

void emit(Context& ctx, const PlotsFlags& f, const std::string& heading, const Rendered& r) {
  for (const auto& w : r.warnings) fmt::print(stderr, "pipe: warning: {}\n", w);
  if (f.json) {
    fmt::print("{}\n", r.data.dump(2));
    return;
  }
  // The page goes where the user said, relative to where they are.
  const std::string out = f.out.front() == '/' ? f.out : ctx.directory + "/" + f.out;
  pipeline::make_parent_dirs(pipeline::real_file_system(), out);
  pipeline::write_file_atomically(pipeline::real_file_system(), out, page(heading, r), 0644);
  fmt::print("Wrote {} ({} plot{})\n", f.out, r.data.size(), r.data.size() == 1 ? "" : "s");
  if (f.open) {
    std::string o, e;
    if (pipeline::run_program({"xdg-open", out}, "", &o, &e) != 0)
      fmt::print(stderr, "pipe: cannot open a browser here (xdg-open failed); open {} yourself\n", f.out);
  }
}

void add_output_flags(CLI::App* cmd, const std::shared_ptr<PlotsFlags>& f) {
  cmd->add_option("-o,--out", f->out, "Where the HTML page goes (default pipe_plots/index.html)");
  cmd->add_flag("--json", f->json, "Print the data behind the charts instead of writing the page");
  cmd->add_flag("--open", f->open, "Open the page in a browser (xdg-open)");
}

// The plots a command draws; Error(kUsage) when the pipeline defines none.
std::vector<pipeline::PlotDef> plots_to_draw(const pipeline::Workspace& ws, const std::vector<std::string>& targets) {
  const auto defs = chosen(pipeline::plot_definitions(ws), targets);
  if (defs.empty()) throw pipeline::Error(pipeline::Exit::kUsage, "no plots defined; add 'plots:' to pipe.yaml (docs/plots.md)");
  return defs;
}

}  // namespace

void add_plots(CLI::App& app, Context& ctx) {
  auto* plots = app.add_subcommand("plots", "Plots as DVC defines them, drawn into one self-contained HTML page");
  plots->require_subcommand(1);

  auto* show = plots->add_subcommand("show", "The workspace's plots");
  auto sf = std::make_shared<PlotsFlags>();
  show->add_option("targets", sf->targets, "Plots to draw: a plot's name or file (default: all)");
  add_output_flags(show, sf);
  show->callback([&ctx, sf] {
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    auto ws = open_workspace(ctx, project);
    const auto defs = plots_to_draw(ws, sf->targets);
    pipeline::PlotSide side = pipeline::workspace_side(project);
    side.label.clear();  // one side: series are named by their fields
    emit(ctx, *sf, "Plots", render(defs, {side}));
  });

  auto* diff = plots->add_subcommand(
      "diff", "Plots compared across git revisions, model versions or experiments (default: HEAD and the workspace)");
  auto df = std::make_shared<PlotsFlags>();
  diff->add_option("sides", df->sides,
                   "Git revisions (HEAD~1), model versions (NAME@VERSION), experiments, 'baseline' or 'workspace'");
  diff->add_option("--targets", df->targets, "Only these plots (a plot's name or file)");
  add_output_flags(diff, df);
  diff->callback([&ctx, df] {
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    auto ws = open_workspace(ctx, project);
    const auto defs = plots_to_draw(ws, df->targets);
    std::vector<std::string> names = df->sides;
    if (names.empty()) names = {"HEAD", "workspace"};
    else if (names.size() == 1) names.push_back("workspace");
    pipeline::LineageStore store(project.state_path(pipeline::kLineageFile));
    std::vector<pipeline::PlotSide> sides;
    std::string heading = "Plots:";
    for (const std::string& name : names) {
      const pipeline::DiffSide s = pipeline::resolve_side(project, name);
      if (s.kind == pipeline::DiffSide::Kind::kWorkspace) sides.push_back(pipeline::workspace_side(project));
      else if (s.kind == pipeline::DiffSide::Kind::kRun) sides.push_back(pipeline::run_side(project, store, s.run, s.label));
      else sides.push_back(pipeline::revision_side(project, ws, s.rev));
      heading += (sides.size() == 1 ? " " : " vs ") + s.label;
    }
    emit(ctx, *df, heading, render(defs, sides));
  });
}

}  // namespace pipe_cli
