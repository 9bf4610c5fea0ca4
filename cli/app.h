// The `pipe` command line: one file per command, wired together in app.cpp.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace pipe_cli {

// State every command shares.
struct Context {
  std::string directory = ".";  // -C: where to look for the project
  int exit_code = 0;
};

int run(int argc, char** argv);

void add_init(CLI::App& app, Context& ctx);
void add_repro(CLI::App& app, Context& ctx);
void add_status(CLI::App& app, Context& ctx);
void add_dag(CLI::App& app, Context& ctx);
void add_checkout(CLI::App& app, Context& ctx);
void add_add(CLI::App& app, Context& ctx);
void add_gc(CLI::App& app, Context& ctx);
void add_cache(CLI::App& app, Context& ctx);

}  // namespace pipe_cli
