#include "remote.h"

#include <cstdio>
#include <filesystem>

#include "config.h"
#include "error.h"
#include "lineage.h"

namespace pipeline {

RemoteSettings remote_settings(const Config& config, const std::string& name, const std::string& state_dir) {
  std::string chosen = name;
  std::vector<std::string> names;
  for (const auto& [key, v] : config.values()) {
    if (key.compare(0, 7, "remote.") != 0) continue;
    const std::string rest = key.substr(7);
    const std::string n = rest.substr(0, rest.rfind('.'));
    if (names.empty() || names.back() != n) names.push_back(n);
  }
  if (chosen.empty()) chosen = config.get("core.remote", names.size() == 1 ? names.front() : "");
  if (chosen.empty())
    throw Error(Exit::kUsage, names.empty() ? "no remote is configured; add one with 'pipe remote add -d NAME URL'"
                                            : "several remotes and no default; pick one with -r NAME, or set one "
                                              "with 'pipe remote default NAME'");
  RemoteSettings s;
  s.name = chosen;
  const std::string prefix = "remote." + chosen + ".";
  for (const auto& [key, v] : config.values())
    if (key.compare(0, prefix.size(), prefix) == 0) s.options[key.substr(prefix.size())] = v.value;
  auto url = s.options.find("url");
  if (url == s.options.end())
    throw Error(Exit::kUsage, "no remote named '" + chosen + "' (or it has no url); 'pipe remote list' shows them");
  s.url = url->second;
  // A local path is relative to .pipe/, as DVC's are to their config file.
  const bool has_scheme = s.url.find("://") != std::string::npos;
  if (!has_scheme && !s.url.empty() && s.url.front() != '/')
    s.url = (std::filesystem::path(state_dir) / s.url).lexically_normal().string();
  return s;
}

std::unique_ptr<Remote> open_remote(const RemoteSettings& s) {
  const size_t colon = s.url.find("://");
  const std::string scheme = colon == std::string::npos ? "" : s.url.substr(0, colon);
  if (scheme.empty()) return make_local_remote(s.url);
  if (scheme == "file") return make_local_remote(s.url.substr(7));
  if (scheme == "http" || scheme == "https") {
    auto verify = s.options.find("ssl_verify");
    if (verify != s.options.end() && (verify->second == "false" || verify->second == "0"))
      std::fprintf(stderr, "pipe: warning: TLS certificate checks are off for remote '%s' (ssl_verify = false)\n",
                   s.name.c_str());
    return make_http_remote(s);
  }
  if (scheme == "s3") return make_s3_remote(s);
  throw Error(Exit::kUsage, "remote '" + s.name + "' has URL scheme '" + scheme + "://' (" + strip_credentials(s.url) +
                                "), which this pipe cannot use; it supports local directories, file://, "
                                "http(s):// and s3://");
}

}  // namespace pipeline
