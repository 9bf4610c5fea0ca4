// `pipe exp run`: a repro with params overridden (-S, as DVC's), in the
// workspace. The overrides are written into the params files in place
// (comments and layout kept) under the project lock, then the run is an
// ordinary run: cached, recorded in the lineage store with its command
// line, overrides included.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <map>
#include <memory>

#include "app.h"
#include "cmd_repro.h"
#include "error.h"
#include "file_io.h"
#include "overrides.h"
#include "paths.h"
#include "project.h"

namespace pipe_cli {
namespace {

struct ExpFlags {
  std::vector<std::string> set;
  std::string name;
};

// Writes one experiment's overrides into the params files, each file once,
// atomically. Everything is checked before anything is written.
void apply(pipeline::Project& project, const pipeline::OverrideSet& overrides) {
  std::map<std::string, std::string> texts;  // project-relative file -> new text
  for (const auto& [o, value] : overrides) {
    std::string file, why;
    if (!pipeline::project_path("", o->file, &file, &why))
      throw pipeline::Error(pipeline::Exit::kUsage, "-S " + o->spec + ": '" + o->file + "': " + why);
    auto it = texts.find(file);
    if (it == texts.end()) {
      std::string text;
      if (!pipeline::read_file(*project.files, project.root + "/" + file, &text))
        throw pipeline::Error(pipeline::Exit::kBadPipeline,
                              "-S " + o->spec + ": cannot read the params file '" + file + "' (" + std::strerror(errno) +
                                  "); name another with FILE:KEY=VALUE");
      it = texts.emplace(file, text).first;
    }
    it->second = pipeline::apply_override(file, it->second, o->key, value);
  }
  for (const auto& [file, text] : texts)
    pipeline::write_file_atomically(*project.files, project.root + "/" + file, text, 0644);
}

}  // namespace

void add_exp(CLI::App& app, Context& ctx) {
  auto* exp = app.add_subcommand("exp", "Experiments: runs with params overridden");
  exp->require_subcommand(1);
  auto* run = exp->add_subcommand("run", "Run the pipeline with params set by -S, in the workspace, and record it");
  auto flags = std::make_shared<ReproFlags>();
  auto opt = std::make_shared<ExpFlags>();
  add_repro_flags(run, flags);
  run->add_option("-S,--set-param", opt->set,
                  "[FILE:]KEY=VALUE (FILE defaults to params.yaml); the value is written into the params file")
      ->allow_extra_args(false);
  run->add_option("-n,--name", opt->name, "A name for the experiment (recorded with the run's command line)");
  run->callback([&ctx, flags, opt] {
    std::vector<pipeline::Override> overrides;
    for (const std::string& s : opt->set) overrides.push_back(pipeline::parse_override(s));
    const std::vector<pipeline::OverrideSet> sets = pipeline::expand_overrides(overrides);
    if (sets.size() > 1)
      throw pipeline::Error(pipeline::Exit::kUsage,
                            "the -S values make a sweep of " + std::to_string(sets.size()) +
                                " experiments; this pipe runs one experiment at a time in the workspace: give each "
                                "-S one value (queued sweeps in temporary workspaces are not built yet)");
    run_repro(ctx, *flags, "pipe exp run", [&](pipeline::Project& project) { apply(project, sets.front()); });
    if (!flags->json && !opt->set.empty()) {
      std::string list;
      for (const auto& s : opt->set) list += (list.empty() ? "" : ", ") + s;
      fmt::print("Experiment{}{}: {}\n", opt->name.empty() ? "" : " ", opt->name, list);
    }
  });
}

}  // namespace pipe_cli
