#include "app.h"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "error.h"

namespace pipe_cli {

int run(int argc, char** argv) {
  Context ctx;
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

}  // namespace pipe_cli
