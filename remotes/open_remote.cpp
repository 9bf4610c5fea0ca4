#include <cstdio>

#include "backends.h"
#include "error.h"
#include "lineage.h"
#include "net_backends.h"

namespace pipeline {

namespace {

std::unique_ptr<Remote> open_backend(const RemoteSettings& s) {
  const size_t colon = s.url.find("://");
  const std::string scheme = colon == std::string::npos ? "" : s.url.substr(0, colon);
  if (scheme.empty()) return make_local_remote(s.url, *s.files);
  if (scheme == "file") return make_local_remote(s.url.substr(7), *s.files);
  if (scheme == "http" || scheme == "https" || scheme == "s3") {
    auto verify = s.options.find("ssl_verify");
    if (verify != s.options.end() && (verify->second == "false" || verify->second == "0"))
      std::fprintf(stderr, "pipe: warning: TLS certificate checks are off for remote '%s' (ssl_verify = false)\n",
                   s.name.c_str());
    const NetBackends& net = net_backends();
    return scheme == "s3" ? net.make_s3(s) : net.make_http(s);
  }
  throw Error(Exit::kUsage, "remote '" + s.name + "' has URL scheme '" + scheme + "://' (" + strip_credentials(s.url) +
                                "), which this pipe cannot use; it supports local directories, file://, "
                                "http(s):// and s3://");
}

}  // namespace

std::unique_ptr<Remote> open_remote(const RemoteSettings& s) {
  auto layout = s.options.find("layout");
  if (layout != s.options.end() && layout->second != "dvc" && layout->second != "pipe")
    throw Error(Exit::kUsage, "remote '" + s.name + "': layout is 'pipe' (pipe's own, the default) or 'dvc' (objects "
                              "named by md5, as DVC writes them), not '" + layout->second + "'");
  std::unique_ptr<Remote> remote = open_backend(s);
  remote->set_dvc_layout(layout != s.options.end() && layout->second == "dvc");
  return remote;
}

}  // namespace pipeline
