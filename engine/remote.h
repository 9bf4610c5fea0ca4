// Remotes: where a team's cache objects are shared. One small interface,
// one file per backend, chosen by the URL's scheme. Keys are the cache's own
// layout ("v1/ab/cdef...", "v1/ab/cdef....dir"), made from digests only, so
// nothing a remote says can name a path outside the cache.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace pipeline {

class Config;

// What an operation came to; backends report, they do not throw.
struct RemoteResult {
  enum class Status { kOk, kMissing, kTransient, kFailed };
  Status status = Status::kOk;
  std::string error;  // for kTransient and kFailed; never holds credentials
  bool ok() const { return status == Status::kOk; }
};

class Remote {
 public:
  virtual ~Remote() = default;
  // The URL with any credentials removed, for messages.
  virtual std::string describe() const = 0;
  // Fills `present` (parallel to `keys`).
  virtual RemoteResult exists_many(const std::vector<std::string>& keys, std::vector<bool>* present) = 0;
  // Downloads `key` into the new file `dest`.
  virtual RemoteResult get(const std::string& key, const std::string& dest) = 0;
  // Uploads the file `source` as `key`, streamed from disk.
  virtual RemoteResult put(const std::string& key, const std::string& source) = 0;
  virtual RemoteResult remove(const std::string& key) = 0;
};

struct RemoteSettings {
  std::string name;
  std::string url;
  std::map<std::string, std::string> options;  // the remote's other keys (user, password, timeout, ...)
};

// The remote `name` from the config, or the default one (`core.remote`, or
// the only remote) when `name` is empty. Throws Error(kUsage) saying how to
// add one when there is none.
RemoteSettings remote_settings(const Config& config, const std::string& name, const std::string& state_dir);

// Opens the backend for the URL's scheme. Throws Error(kUsage) for a scheme
// pipe does not know.
std::unique_ptr<Remote> open_remote(const RemoteSettings& settings);

// Backends.
std::unique_ptr<Remote> make_local_remote(const std::string& dir);
std::unique_ptr<Remote> make_http_remote(const RemoteSettings& settings);
std::unique_ptr<Remote> make_s3_remote(const RemoteSettings& settings);

}  // namespace pipeline
