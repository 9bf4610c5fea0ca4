// The servers behind deps by URL. An http(s) or s3 URL is asked through the
// remote backend for its scheme; a configured remote whose URL the dep's
// URL starts with (or, for S3, a remote in the same bucket) lends its
// settings (credentials, endpoint, TLS options), so a bucket that needs
// keys for `pipe push` needs no more setup here.
#include <map>
#include <memory>

#include "backends.h"
#include "config.h"
#include "lineage.h"
#include "url_deps.h"

namespace pipeline {
namespace {

class RemoteUrlStat : public UrlStat {
 public:
  RemoteUrlStat(const Config& config, std::string state_dir) : state_dir_(std::move(state_dir)) {
    for (const auto& [key, v] : config.values()) {
      // remote.<name>.url
      if (key.compare(0, 7, "remote.") != 0 || key.size() < 12 || key.compare(key.size() - 4, 4, ".url") != 0) continue;
      const std::string name = key.substr(7, key.size() - 11);
      try {
        configured_.push_back(remote_settings(config, name, state_dir_));
      } catch (const Error&) {
        // A remote this command cannot use lends nothing.
      }
    }
  }

  RemoteResult stat(const std::string& url, ObjectInfo* info) override {
    std::string base, key;
    RemoteSettings settings = settings_for(url, &key);
    base = settings.url;
    auto it = open_.find(base);
    if (it == open_.end()) {
      try {
        it = open_.emplace(base, open_remote(settings)).first;
      } catch (const Error& e) {
        return {RemoteResult::Status::kFailed, e.what()};
      }
    }
    return it->second->stat(key, info);
  }

 private:
  // The remote to ask and the key within it: a configured remote the URL
  // lies under; for s3://, else one in the same bucket (its endpoint and
  // keys, with the bucket's root as the base); else the URL's own host.
  RemoteSettings settings_for(const std::string& url, std::string* key) const {
    const std::string plain = strip_credentials(url);
    const size_t host = url.find("://") + 3;
    const size_t slash = url.find('/', host);
    const std::string root = slash == std::string::npos ? url : url.substr(0, slash);  // scheme://host
    const std::string rest = slash == std::string::npos ? "" : url.substr(slash + 1);
    const RemoteSettings* same_bucket = nullptr;
    for (const RemoteSettings& r : configured_) {
      std::string prefix = strip_credentials(r.url);
      while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
      if (prefix.find("://") == std::string::npos) continue;  // a local directory
      if (plain.compare(0, prefix.size() + 1, prefix + "/") == 0) {
        *key = plain.substr(prefix.size() + 1);
        return r;
      }
      if (plain.compare(0, 5, "s3://") == 0 && (prefix == root || prefix.compare(0, root.size() + 1, root + "/") == 0))
        same_bucket = &r;
    }
    RemoteSettings s;
    if (same_bucket) s = *same_bucket;
    else s.name = url.substr(0, url.find("://"));
    s.url = root;
    *key = rest;
    return s;
  }

  std::string state_dir_;
  std::vector<RemoteSettings> configured_;
  std::map<std::string, std::unique_ptr<Remote>> open_;
};

}  // namespace

std::unique_ptr<UrlStat> make_url_stat(const Config& config, const std::string& state_dir) {
  return std::make_unique<RemoteUrlStat>(config, state_dir);
}

}  // namespace pipeline
