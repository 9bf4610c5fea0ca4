// The remote backends, one file each, and the choice between them by the
// URL's scheme. The engine sees only the Remote interface (engine/remote.h).
#pragma once

#include <memory>
#include <string>

#include "file_system.h"
#include "remote.h"

namespace pipeline {

// Opens the backend for the URL's scheme. Throws Error(kUsage) for a scheme
// pipe does not know.
std::unique_ptr<Remote> open_remote(const RemoteSettings& settings);

// Its writes go through `fs` (tests pass a faulty one).
std::unique_ptr<Remote> make_local_remote(const std::string& dir, FileSystem& fs = real_file_system());
std::unique_ptr<Remote> make_http_remote(const RemoteSettings& settings);
std::unique_ptr<Remote> make_s3_remote(const RemoteSettings& settings);

// Asks servers about deps by URL (engine/url_deps.h), with the settings of
// the configured remote each URL lies under.
class UrlStat;
std::unique_ptr<UrlStat> make_url_stat(const Config& config, const std::string& state_dir);

}  // namespace pipeline
