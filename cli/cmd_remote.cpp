// `pipe remote add|modify|remove|list|default`: remotes in .pipe/config,
// with DVC's key names; secrets go to .pipe/config.local.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>

#include "app.h"
#include "config.h"
#include "error.h"
#include "lineage.h"
#include "project.h"

namespace pipe_cli {
namespace {

struct RemoteOptions {
  std::string name;
  std::string url;
  std::string key;
  std::string value;
  bool default_remote = false;
  bool local = false;
  bool unset = false;
  bool force = false;
};

std::string state_dir(const Context& ctx) {
  const std::string root = pipeline::find_project_root(ctx.directory);
  pipeline::init_project(root);
  return root + "/" + pipeline::kStateDir;
}

std::string file_of(const std::string& dir, bool local) {
  return dir + "/" + (local ? pipeline::kLocalConfigFile : pipeline::kConfigFile);
}

bool exists(const pipeline::Config& config, const std::string& name) {
  return config.find("remote." + name + ".url") != nullptr;
}

}  // namespace

void add_remote(CLI::App& app, Context& ctx) {
  auto* remote = app.add_subcommand("remote", "Configure remotes that share the cache (DVC's remote commands)");
  remote->require_subcommand(1);
  auto opt = std::make_shared<RemoteOptions>();

  auto* add = remote->add_subcommand("add", "Add a remote");
  add->add_option("name", opt->name, "Remote name")->required();
  add->add_option("url", opt->url, "A directory, file://, https:// or s3:// URL")->required();
  add->add_flag("-d,--default", opt->default_remote, "Make it the default remote");
  add->add_flag("--local", opt->local, "Write it to .pipe/config.local (not committed)");
  add->add_flag("-f,--force", opt->force, "Replace a remote of that name");
  add->callback([&ctx, opt] {
    const std::string dir = state_dir(ctx);
    if (exists(pipeline::Config::load(dir), opt->name) && !opt->force)
      throw pipeline::Error(pipeline::Exit::kUsage, "remote '" + opt->name +
                                                        "' exists; use 'pipe remote modify', or add -f to replace it");
    std::string why;
    if (!pipeline::valid_config_key("remote." + opt->name + ".url", &why) || opt->name.find('.') != std::string::npos)
      throw pipeline::Error(pipeline::Exit::kUsage, "'" + opt->name + "' cannot be a remote name; use letters, digits, - and _");
    std::string password;
    const std::string url = pipeline::split_password(opt->url, &password);
    pipeline::edit_config(file_of(dir, opt->local), "remote." + opt->name + ".url", &url);
    if (!password.empty()) {
      // A password never goes into the committed file.
      pipeline::edit_config(file_of(dir, true), "remote." + opt->name + ".password", &password);
      fmt::print(stderr, "pipe: the password in the URL was moved to .pipe/config.local\n");
    }
    if (opt->default_remote) pipeline::edit_config(file_of(dir, opt->local), "core.remote", &opt->name);
  });

  auto* modify = remote->add_subcommand("modify", "Set or unset one of a remote's keys");
  modify->add_option("name", opt->name, "Remote name")->required();
  modify->add_option("key", opt->key, "url, endpointurl, region, profile, user, password, ...")->required();
  modify->add_option("value", opt->value, "New value");
  modify->add_flag("--local", opt->local, "Write to .pipe/config.local (not committed)");
  modify->add_flag("-u,--unset", opt->unset, "Remove the key");
  modify->callback([&ctx, opt, modify] {
    const std::string dir = state_dir(ctx);
    if (!exists(pipeline::Config::load(dir), opt->name))
      throw pipeline::Error(pipeline::Exit::kUsage, "no remote named '" + opt->name + "'; 'pipe remote list' shows them");
    const std::string key = "remote." + opt->name + "." + opt->key;
    if (opt->unset) {
      if (!pipeline::edit_config(file_of(dir, opt->local), key, nullptr)) ctx.exit_code = 1;
      return;
    }
    if (modify->count("value") == 0) throw pipeline::Error(pipeline::Exit::kUsage, "give a value, or --unset");
    // Secrets belong in the private file, whatever the flag says.
    const bool local = opt->local || pipeline::is_secret_config_key(key);
    pipeline::edit_config(file_of(dir, local), key, &opt->value);
    if (local && !opt->local) fmt::print(stderr, "pipe: {} is a secret; written to .pipe/config.local\n", opt->key);
  });

  auto* remove = remote->add_subcommand("remove", "Remove a remote (from both config files)");
  remove->add_option("name", opt->name, "Remote name")->required();
  remove->callback([&ctx, opt] {
    const std::string dir = state_dir(ctx);
    const pipeline::Config config = pipeline::Config::load(dir);
    if (!exists(config, opt->name))
      throw pipeline::Error(pipeline::Exit::kUsage, "no remote named '" + opt->name + "'");
    const std::string prefix = "remote." + opt->name + ".";
    for (const bool local : {false, true})
      for (const auto& [key, v] : config.values())
        if (key.compare(0, prefix.size(), prefix) == 0) pipeline::edit_config(file_of(dir, local), key, nullptr);
    for (const bool local : {false, true})
      if (config.get("core.remote", "") == opt->name) pipeline::edit_config(file_of(dir, local), "core.remote", nullptr);
  });

  auto* list = remote->add_subcommand("list", "List remotes (credentials show as ***)");
  list->callback([&ctx] {
    const pipeline::Config config = pipeline::Config::load(state_dir(ctx));
    const std::string def = config.get("core.remote", "");
    for (const auto& [key, v] : config.values()) {
      if (key.compare(0, 7, "remote.") != 0 || key.size() < 4 || key.compare(key.size() - 4, 4, ".url") != 0) continue;
      const std::string name = key.substr(7, key.size() - 11);
      fmt::print("{}\t{}{}\n", name, pipeline::strip_credentials(v.value), name == def ? "\t(default)" : "");
    }
  });

  auto* def = remote->add_subcommand("default", "Print or set the default remote");
  def->add_option("name", opt->name, "Remote name");
  def->add_flag("--local", opt->local, "Write to .pipe/config.local");
  def->add_flag("-u,--unset", opt->unset, "Clear the default");
  def->callback([&ctx, opt] {
    const std::string dir = state_dir(ctx);
    const pipeline::Config config = pipeline::Config::load(dir);
    if (opt->unset) {
      pipeline::edit_config(file_of(dir, opt->local), "core.remote", nullptr);
      return;
    }
    if (opt->name.empty()) {
      const std::string name = config.get("core.remote", "");
      if (name.empty()) ctx.exit_code = 1;
      else fmt::print("{}\n", name);
      return;
    }
    if (!exists(config, opt->name))
      throw pipeline::Error(pipeline::Exit::kUsage, "no remote named '" + opt->name + "'");
    pipeline::edit_config(file_of(dir, opt->local), "core.remote", &opt->name);
  });
}

}  // namespace pipe_cli
