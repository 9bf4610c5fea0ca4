#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>

#include "app.h"
#include "gc.h"
#include "project.h"

namespace pipe_cli {
namespace {

struct VerifyOptions {
  bool all = false;
  bool repair = false;
};

}  // namespace

void add_cache(CLI::App& app, Context& ctx) {
  auto* cache = app.add_subcommand("cache", "Inspect the content-addressed cache");
  cache->require_subcommand(1);
  auto* verify = cache->add_subcommand("verify", "Re-hash cached objects and report any whose content does not match");
  auto opt = std::make_shared<VerifyOptions>();
  verify->add_flag("--all", opt->all,
                   "Check every object in the cache, not only those pipe.lock, .pipe files and model versions reference");
  verify->add_flag("--repair", opt->repair, "Remove damaged objects, so they can be produced or fetched again");
  verify->callback([&ctx, opt] {
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    std::vector<pipeline::Digest> only;
    if (!opt->all) only = pipeline::referenced_objects(project);
    size_t checked = 0;
    const auto damaged = (opt->all || !only.empty()) ? project.cache->verify(only, opt->repair, &checked)
                                                     : std::vector<pipeline::ObjectStore::Damage>{};
    for (const auto& d : damaged)
      fmt::print(stderr, "damaged: {}: {}{}\n", d.object, d.problem, opt->repair ? " (removed)" : "");
    fmt::print("{} objects checked, {} damaged\n", checked, damaged.size());
    if (!damaged.empty()) ctx.exit_code = 1;
  });
}

}  // namespace pipe_cli
