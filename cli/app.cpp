#include "app.h"

#include <unistd.h>
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <filesystem>

#include "backends.h"
#include "error.h"
#include "paths.h"

namespace pipe_cli {

std::string project_relative(const Context& ctx, const std::string& root, const std::string& arg,
                             const std::string& verb) {
  const std::filesystem::path base = std::filesystem::absolute(ctx.directory).lexically_normal();
  const std::string rel = (base / arg).lexically_normal().lexically_relative(std::filesystem::path(root)).string();
  std::string normalized, why;
  if (rel.empty() || !pipeline::project_path("", rel, &normalized, &why) || normalized.empty())
    throw pipeline::Error(pipeline::Exit::kUsage, "cannot " + verb + " '" + arg + "': it is not inside the project " + root);
  return normalized;
}

std::vector<pipeline::Target> to_targets(const Context& ctx, const std::string& root,
                                         const std::vector<std::string>& args) {
  std::vector<pipeline::Target> out;
  for (const std::string& a : args) {
    pipeline::Target t{a, ""};
    try {
      t.path = project_relative(ctx, root, a, "use");
    } catch (const pipeline::Error&) {
      // Not a path inside the project; it may still be a stage name.
    }
    out.push_back(t);
  }
  return out;
}

pipeline::Workspace open_workspace(const Context& ctx, pipeline::Project& project) {
  const std::filesystem::path base = std::filesystem::absolute(ctx.directory).lexically_normal();
  std::string cwd = base.lexically_relative(std::filesystem::path(project.root)).string();
  std::string normalized, why;
  if (cwd == "." || !pipeline::project_path("", cwd, &normalized, &why)) normalized.clear();
  connect_urls(project);
  return pipeline::load_workspace(project, normalized);
}

void connect_urls(pipeline::Project& project) {
  if (!project.urls)
    project.urls = pipeline::make_url_stat(project.config, project.root + "/" + pipeline::kStateDir);
}

std::unique_ptr<pipeline::ProjectLock> lock_project(const pipeline::Project& project, const std::string& command) {
  return pipeline::lock_project(project, command, -1.0, [](const std::string& m) { fmt::print(stderr, "pipe: {}\n", m); });
}

int run(int argc, char** argv) {
  Context ctx;
  ctx.argv.assign(argv, argv + argc);
  pipeline::set_warning_sink([](const std::string& m) { fmt::print(stderr, "pipe: warning: {}\n", m); });
  CLI::App app{"pipe: reproducible pipelines with data lineage", "pipe"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("pipe ") + PIPE_VERSION);
  app.add_option("-C", ctx.directory, "Run as if started in this directory");
  add_init(app, ctx);
  add_repro(app, ctx);
  add_status(app, ctx);
  add_dag(app, ctx);
  add_add(app, ctx);
  add_checkout(app, ctx);
  add_cache(app, ctx);
  add_gc(app, ctx);
  add_config(app, ctx);
  add_unprotect(app, ctx);
  add_commit(app, ctx);
  add_import_dvc(app, ctx);
  add_log(app, ctx);
  add_audit(app, ctx);
  add_export(app, ctx);
  add_model(app, ctx);
  add_exp(app, ctx);
  add_plots(app, ctx);
  add_lineage(app, ctx);
  add_metrics(app, ctx);
  add_params(app, ctx);
  add_remote(app, ctx);
  add_push(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return static_cast<int>(pipeline::Exit::kUsage);
  } catch (const pipeline::Error& e) {
    fmt::print(stderr, "pipe: error: {}\n", e.what());
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    fmt::print(stderr, "pipe: internal error (a bug in pipe, please report it): {}\n", e.what());
    return static_cast<int>(pipeline::Exit::kInternal);
  }
  return ctx.exit_code;
}

std::string self_path() {
  char self[4096] = {};
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  return n > 0 ? std::string(self, static_cast<size_t>(n)) : "pipe";
}

}  // namespace pipe_cli
