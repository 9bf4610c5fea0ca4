#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>

#include "app.h"
#include "config.h"
#include "error.h"
#include "object_store.h"
#include "project.h"

namespace pipe_cli {
namespace {

struct ConfigOptions {
  std::string name;
  std::string value;
  bool local = false;
  bool unset = false;
  bool list = false;
};

// Values pipe can check before writing them, so a typo fails here and not
// in the next `pipe repro`.
void check_value(const std::string& name, const std::string& value) {
  std::string why;
  std::vector<pipeline::LinkType> order;
  if (name == "cache.type" && !pipeline::parse_link_types(value, &order, &why))
    throw pipeline::Error(pipeline::Exit::kUsage, "cache.type: " + why);
}

std::string shown(const std::string& key, const std::string& value) {
  return pipeline::is_secret_config_key(key) ? "***" : value;
}

}  // namespace

void add_config(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("config", "Get, set or list settings in .pipe/config (DVC's key names)");
  auto opt = std::make_shared<ConfigOptions>();
  cmd->add_option("name", opt->name, "Setting, as section.key (cache.type) or remote.NAME.key");
  cmd->add_option("value", opt->value, "New value; without it, print the current one");
  cmd->add_flag("--local", opt->local, "Use .pipe/config.local (git-ignored, mode 0600) instead");
  cmd->add_flag("-u,--unset", opt->unset, "Remove the setting");
  cmd->add_flag("-l,--list", opt->list, "List every setting");
  cmd->callback([&ctx, opt, cmd] {
    const std::string root = pipeline::find_project_root(ctx.directory);
    pipeline::init_project(root);
    const std::string dir = root + "/" + pipeline::kStateDir;
    const std::string file = dir + "/" + (opt->local ? pipeline::kLocalConfigFile : pipeline::kConfigFile);
    const bool has_value = cmd->count("value") > 0;
    if (opt->list) {
      const pipeline::Config config = pipeline::Config::load(dir);
      for (const auto& [key, v] : config.values()) fmt::print("{}={}\n", key, shown(key, v.value));
      return;
    }
    if (opt->name.empty()) throw pipeline::Error(pipeline::Exit::kUsage, "name a setting, or use --list");
    std::string why;
    if (!pipeline::valid_config_key(opt->name, &why)) throw pipeline::Error(pipeline::Exit::kUsage, why);
    if (opt->unset) {
      if (has_value) throw pipeline::Error(pipeline::Exit::kUsage, "--unset takes a name only");
      if (!pipeline::edit_config(file, opt->name, nullptr)) {
        fmt::print(stderr, "pipe: {} is not set in {}\n", opt->name, file.substr(root.size() + 1));
        ctx.exit_code = 1;
      }
      return;
    }
    if (!has_value) {
      // As `git config NAME`: exit 1 when unset, so scripts can test it.
      const pipeline::Config config = pipeline::Config::load(dir);
      const auto* v = config.find(opt->name);
      if (v) fmt::print("{}\n", shown(opt->name, v->value));
      else ctx.exit_code = 1;
      return;
    }
    check_value(opt->name, opt->value);
    pipeline::edit_config(file, opt->name, &opt->value);
  });
}

}  // namespace pipe_cli
