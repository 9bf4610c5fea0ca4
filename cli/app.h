// The `pipe` command line: one file per command, wired together in app.cpp.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models.h"
#include "project.h"
#include "project_lock.h"
#include "remote.h"
#include "targets.h"
#include "transfer.h"
#include "workspace.h"

namespace CLI {
class App;
}

namespace pipe_cli {

// State every command shares.
struct Context {
  std::string directory = ".";  // -C: where to look for the project
  int exit_code = 0;
  std::vector<std::string> argv;  // the whole command line, for the lineage record
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
void add_config(CLI::App& app, Context& ctx);
void add_unprotect(CLI::App& app, Context& ctx);
void add_commit(CLI::App& app, Context& ctx);
void add_import_dvc(CLI::App& app, Context& ctx);
void add_log(CLI::App& app, Context& ctx);
void add_audit(CLI::App& app, Context& ctx);
void add_export(CLI::App& app, Context& ctx);
void add_provenance(CLI::App* exp, Context& ctx);  // cmd_provenance.cpp
// The remote to ask for what is not here: `name`, else the default one,
// else none (null).
std::unique_ptr<pipeline::Remote> optional_remote(pipeline::Project& project, const std::string& name);
// `text` to stdout, or atomically to the file `path` (-o).
void write_output(const std::string& text, const std::string& path);
void add_reproduce(CLI::App* audit, Context& ctx);  // cmd_reproduce.cpp
// The model's definition in pipe.yaml, where its gates are. Throws
// Error(kUsage) naming the models there when it has none by that name.
pipeline::ModelDef model_def(pipeline::Project& project, const std::string& name);
// Checks a DSSE envelope's signature with `key`; `what` names the subjects,
// or why it failed.
bool verify_envelope(const std::string& path, const std::string& key, std::string* what);
void add_model(CLI::App& app, Context& ctx);
void add_exp(CLI::App& app, Context& ctx);  // cmd_exp.cpp
void add_plots(CLI::App& app, Context& ctx);  // cmd_plots.cpp
// This pipe binary's path, to run it again (audit reproduce, sweeps).
std::string self_path();
void add_promote(CLI::App* model, Context& ctx);  // cmd_promote.cpp
void show_stage(Context& ctx, const std::string& model, const std::string& stage, const std::string& at, bool json);
void add_lineage(CLI::App& app, Context& ctx);
void add_metrics(CLI::App& app, Context& ctx);
void add_params(CLI::App& app, Context& ctx);
void add_remote(CLI::App& app, Context& ctx);
void add_push(CLI::App& app, Context& ctx);

// A path the user typed (relative to where they are, i.e. -C) as a
// normalized project-relative path. Throws Error(kUsage) when it lies
// outside the project or is the project root itself.
std::string project_relative(const Context& ctx, const std::string& root, const std::string& arg,
                             const std::string& verb);

// Command-line targets for checkout and commit: each as typed, and as a
// project-relative path when it is one.
std::vector<pipeline::Target> to_targets(const Context& ctx, const std::string& root,
                                         const std::vector<std::string>& args);

// Runs `work` for the default remote (`chosen`, or core.remote) and for
// every other remote the targets' outputs name in `remote:`.
void for_each_remote(pipeline::Workspace& ws, const std::string& chosen, const std::vector<pipeline::Target>& targets,
                     const std::function<void(pipeline::Remote&, const pipeline::RemoteScope&)>& work);

// Every pipeline file, the graph, the locks and the config, loaded once for
// the command; `cwd` is where -C points, relative to the root. Load it
// after taking the project lock, so that it reads what a finished run wrote.
pipeline::Workspace open_workspace(const Context& ctx, pipeline::Project& project);
// Lets the project ask servers about deps by URL (the remotes' settings).
void connect_urls(pipeline::Project& project);

// Holds the project lock for a command that writes pipe.lock, .pipe files
// or the workspace, waiting (and saying so) while a `pipe repro` runs;
// `command` ("pipe add") is what a waiting command is told holds it.
std::unique_ptr<pipeline::ProjectLock> lock_project(const pipeline::Project& project, const std::string& command);

}  // namespace pipe_cli
