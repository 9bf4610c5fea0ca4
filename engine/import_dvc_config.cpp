// .dvc/config and .dvc/config.local into .pipe/config and .pipe/config.local.
#include <algorithm>
#include <cctype>

#include "config.h"
#include "disk.h"
#include "dvc_config.h"
#include "import_dvc.h"
#include "lineage.h"
#include "object_store.h"
#include "project.h"
#include "workspace.h"

namespace pipeline {
namespace {

// DVC's remote options pipe reads the same way (docs/remotes.md); the
// others are named in a note.
const std::vector<std::string> kSameOptions = {
    "url",         "endpointurl", "region",          "profile",      "credentialpath", "access_key_id",
    "secret_access_key", "session_token", "ssl_verify", "read_timeout", "connect_timeout", "jobs",
    "auth",        "user",        "password",        "custom_auth_header"};

// Kept out of git: DVC users sometimes commit them to .dvc/config, but
// pipe puts them only in .pipe/config.local.
bool secret(const std::string& key) {
  return is_secret_config_key(key) || key.substr(key.rfind('.') + 1) == "access_key_id";
}

std::string scheme_of(const std::string& url) {
  const size_t colon = url.find("://");
  return colon == std::string::npos ? "" : url.substr(0, colon);
}

DvcConfig read_config(Disk& disk, const std::string& file) {
  std::string text;
  if (!disk.stat(file).is_file()) return {};
  if (!disk.read(file, &text)) throw Error(Exit::kIo, "cannot read '" + file + "'");
  return parse_dvc_config(file, text);
}

// user and password from "scheme://user:password@host/...".
template <typename Set>
void set_credentials(Set& set, const std::string& name, const std::string& url) {
  const size_t host = url.find("://") + 3;
  const size_t at = url.rfind('@', url.find('/', host));
  if (at == std::string::npos || at < host) return;
  const std::string userinfo = url.substr(host, at - host);
  const size_t colon = userinfo.find(':');
  set("remote." + name + ".user", userinfo.substr(0, colon), true);
  if (colon != std::string::npos) set("remote." + name + ".password", userinfo.substr(colon + 1), true);
}

}  // namespace

void import_dvc_config(Workspace& ws, ImportReport& report) {
  Disk& disk = ws.disk;
  DvcConfig dvc = read_config(disk, ".dvc/config");
  dvc.merge(read_config(disk, ".dvc/config.local"));
  const std::string state = ws.project.state_path("");
  // What DVC kept in config.local stays out of git here too, secret or not.
  auto set = [&](const std::string& key, const std::string& value, bool from_local = false) {
    const bool hide = secret(key);
    edit_config(state + (hide || from_local ? kLocalConfigFile : kConfigFile), key, &value);
    report.settings.push_back(key + " = " + (hide ? "***" : value) +
                              (hide || from_local ? " (in .pipe/config.local)" : ""));
  };
  std::vector<std::string> imported;
  for (const auto& [section, keys] : dvc.sections) {
    const std::string name = dvc_remote_name(section);
    if (name.empty()) continue;
    auto url = keys.find("url");
    if (url == keys.end()) {
      report.notes.push_back("remote '" + name + "' has no url in .dvc/config: left out");
      continue;
    }
    const std::string scheme = scheme_of(url->second.value);
    const bool local = scheme.empty() && url->second.value.find('\\') == std::string::npos &&
                       !(url->second.value.size() > 1 && url->second.value[1] == ':');
    if (!local && scheme != "s3" && scheme != "http" && scheme != "https" && scheme != "file") {
      report.notes.push_back("remote '" + name + "' (" + (scheme.empty() ? url->second.value : scheme + "://") +
                             ") is of a kind pipe cannot use (it reads local directories, http(s) and s3): left out");
      continue;
    }
    if (name.find('.') != std::string::npos) {
      report.notes.push_back("remote '" + name + "': pipe's remote names cannot hold '.': left out");
      continue;
    }
    for (const auto& [key, setting] : keys) {
      if (std::find(kSameOptions.begin(), kSameOptions.end(), key) == kSameOptions.end()) {
        report.notes.push_back("remote '" + name + "': option '" + key + "' has no pipe equivalent: left out");
        continue;
      }
      if (key == "auth" && setting.value != "basic" && setting.value != "custom") {
        report.notes.push_back("remote '" + name + "': auth '" + setting.value + "' is not one pipe speaks: left out");
        continue;
      }
      if (key == "url") {
        // Credentials in the URL go to config.local as user and password,
        // as `pipe remote add` does; the URL without them is shown.
        const std::string bare = strip_credentials(setting.value);
        if (bare != setting.value) set_credentials(set, name, setting.value);
        // A local url is relative to .dvc/, as pipe's are to .pipe/: the
        // same text names the same folder.
        set("remote." + name + ".url", bare, setting.local);
        continue;
      }
      set("remote." + name + "." + key, setting.value, setting.local);
    }
    // Objects there are named by md5: pipe pulls them the DVC way.
    set("remote." + name + ".layout", "dvc");
    imported.push_back(name);
  }
  if (const DvcSetting* remote = dvc.find("core", "remote")) {
    // DVC lower-cases remote names, in sections and in core.remote alike.
    std::string name = remote->value;
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    if (std::find(imported.begin(), imported.end(), name) != imported.end()) set("core.remote", name, remote->local);
    else report.notes.push_back("core.remote '" + name + "' was left out, so pipe has no default remote");
  }
  if (const DvcSetting* type = dvc.find("cache", "type")) {
    std::vector<LinkType> order;
    std::string why;
    if (parse_link_types(type->value, &order, &why)) set("cache.type", type->value, type->local);
    else report.notes.push_back("cache.type '" + type->value + "': " + why + ": left out");
  }
  if (dvc.find("cache", "dir"))
    report.notes.push_back("cache.dir: DVC's cache stays DVC's; pipe read it to prove data, and keeps its own cache");
}

}  // namespace pipeline
