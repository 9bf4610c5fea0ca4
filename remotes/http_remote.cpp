// An HTTP(S) remote, WebDAV style as nginx, Apache and Artifactory accept:
// GET to download, PUT to upload, HEAD to check, DELETE to remove. Basic
// auth or a custom header. Batches of transfers and existence checks run
// through libcurl's multi interface (curl_common.cpp).
#include <cstdlib>
#include <cstring>

#include "backends.h"
#include "curl_common.h"
#include "error.h"
#include "lineage.h"
#include "responses.h"

namespace pipeline {
namespace {

long option_seconds(const std::map<std::string, std::string>& o, const char* key, long fallback) {
  auto it = o.find(key);
  if (it == o.end()) return fallback;
  try {
    return std::stol(it->second);
  } catch (const std::exception&) {
    throw Error(Exit::kUsage, std::string("remote option '") + key + "' must be a number of seconds, not '" +
                                  it->second + "'");
  }
}

bool option_false(const std::map<std::string, std::string>& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && (it->second == "false" || it->second == "0" || it->second == "no");
}

class HttpRemote : public Remote {
 public:
  explicit HttpRemote(const RemoteSettings& s) : options_(s.options) {
    base_ = s.url;
    while (!base_.empty() && base_.back() == '/') base_.pop_back();
    shown_ = strip_credentials(base_);
    // Credentials in the URL become options, so they never reach a URL
    // that could be logged.
    const size_t host = base_.find("://") + 3;
    const size_t end = base_.find('/', host);
    const size_t at = base_.rfind('@', end == std::string::npos ? base_.size() : end);
    if (at != std::string::npos && at >= host) {
      const std::string userinfo = base_.substr(host, at - host);
      const size_t colon = userinfo.find(':');
      if (!options_.count("user")) options_["user"] = userinfo.substr(0, colon);
      if (colon != std::string::npos && !options_.count("password")) options_["password"] = userinfo.substr(colon + 1);
      base_ = shown_;
    }
    limits_.timeout = option_seconds(options_, "timeout", 0);
    limits_.connect_timeout = option_seconds(options_, "connect_timeout", 30);
    limits_.read_timeout = option_seconds(options_, "read_timeout", 60);
    limits_.verify_tls = !option_false(options_, "ssl_verify");
    limits_.files = s.files;
  }

  std::string describe() const override { return shown_; }

  // One HEAD per key (WebDAV has no cheap listing nginx serves), many at once.
  RemoteResult exists_many(const std::vector<std::string>& keys, std::vector<bool>* present) override {
    present->assign(keys.size(), false);
    RemoteResult failure;
    session_.run(
        keys.size(), 16,
        [&](size_t i, CURL* c, RemoteResult*) { return start("HEAD", keys[i], c); },
        [&](size_t i, CurlRequest& r, CURLcode code) { return finish("HEAD", keys[i], r, code); },
        [&](size_t i, const RemoteResult& r) {
          if (r.ok()) (*present)[i] = true;
          else if (r.status != RemoteResult::Status::kMissing && failure.ok()) failure = r;
        });
    return failure;
  }

  RemoteResult get(const std::string& key, const std::string& dest, DownloadCheck check) override {
    return session_.perform([&](size_t, CURL* c, RemoteResult* failed) { return start_get(key, dest, check, c, failed); },
                            [&](size_t, CurlRequest& r, CURLcode code) { return finish("GET", key, r, code); });
  }

  RemoteResult put(const std::string& key, const std::string& source) override {
    return session_.perform([&](size_t, CURL* c, RemoteResult* failed) { return start_put(key, source, c, failed); },
                            [&](size_t, CurlRequest& r, CURLcode code) { return finish("PUT", key, r, code); });
  }

  RemoteResult remove(const std::string& key) override {
    RemoteResult r = session_.perform([&](size_t, CURL* c, RemoteResult*) { return start("DELETE", key, c); },
                                      [&](size_t, CurlRequest& q, CURLcode code) { return finish("DELETE", key, q, code); });
    return r.status == RemoteResult::Status::kMissing ? RemoteResult{} : r;
  }

  RemoteResult stat(const std::string& key, ObjectInfo* info) override {
    return session_.perform(
        [&](size_t, CURL* c, RemoteResult*) {
          auto r = start("HEAD", key, c);
          r->keep_etag();
          return r;
        },
        [&](size_t, CurlRequest& r, CURLcode code) {
          RemoteResult result = finish("HEAD", key, r, code);
          info->etag = r.etag();
          info->last_modified = r.header("last-modified");
          info->size = std::strtoull(r.header("content-length").c_str(), nullptr, 10);
          return result;
        });
  }

  // WebDAV's PROPFIND with Depth 1 (nginx: dav_ext_methods PROPFIND).
  RemoteResult list(const std::string& prefix, std::vector<std::string>* keys) override {
    keys->clear();
    std::string body;
    RemoteResult r = session_.perform(
        [&](size_t, CURL* c, RemoteResult*) {
          auto q = start("PROPFIND", prefix, c);
          q->custom("PROPFIND");
          q->add_header("Depth: 1");
          return q;
        },
        [&](size_t, CurlRequest& q, CURLcode code) {
          body = q.body();
          RemoteResult res = finish("PROPFIND", prefix, q, code);
          if (q.status() == 405 || q.status() == 501)
            res = {RemoteResult::Status::kUnsupported,
                   "PROPFIND " + shown_ + "/" + prefix + ": HTTP " + std::to_string(q.status()) +
                       " (the server cannot list folders: enable WebDAV's PROPFIND, e.g. nginx's dav_ext_methods)"};
          return res;
        });
    if (r.status == RemoteResult::Status::kMissing) return {};
    if (!r.ok()) return r;
    for (const std::string& name : dav_file_names(body)) keys->push_back(prefix + name);
    return r;
  }

  void transfer_many(const std::vector<TransferItem>& items, size_t jobs, const ItemDone& done) override {
    session_.run(
        items.size(), jobs,
        [&](size_t i, CURL* c, RemoteResult* failed) {
          return items[i].upload ? start_put(items[i].key, items[i].file, c, failed)
                                 : start_get(items[i].key, items[i].file, items[i].check, c, failed);
        },
        [&](size_t i, CurlRequest& r, CURLcode code) {
          return finish(items[i].upload ? "PUT" : "GET", items[i].key, r, code);
        },
        done);
  }

 private:
  std::unique_ptr<CurlRequest> start(const char* method, const std::string& key, CURL* c) {
    auto r = std::make_unique<CurlRequest>(c, base_ + "/" + key, limits_);
    // Redirects are followed, but credentials never go to another host.
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_UNRESTRICTED_AUTH, 0L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    const std::string auth = options_.count("auth") ? options_.at("auth") : "basic";
    if (auth == "custom" && options_.count("custom_auth_header")) {
      r->add_header(options_.at("custom_auth_header") + ": " +
                    (options_.count("password") ? options_.at("password") : ""));
    } else if (options_.count("user")) {
      curl_easy_setopt(c, CURLOPT_HTTPAUTH, auth == "digest" ? CURLAUTH_DIGEST : CURLAUTH_BASIC);
      curl_easy_setopt(c, CURLOPT_USERNAME, options_.at("user").c_str());
      if (options_.count("password")) curl_easy_setopt(c, CURLOPT_PASSWORD, options_.at("password").c_str());
    }
    if (std::strcmp(method, "HEAD") == 0) r->head();
    else if (std::strcmp(method, "DELETE") == 0) r->custom(method);
    return r;
  }

  std::unique_ptr<CurlRequest> start_get(const std::string& key, const std::string& dest, DownloadCheck check, CURL* c,
                                         RemoteResult* failed) {
    auto r = start("GET", key, c);
    *failed = r->download(dest, check);
    return failed->ok() ? std::move(r) : nullptr;
  }

  std::unique_ptr<CurlRequest> start_put(const std::string& key, const std::string& source, CURL* c,
                                         RemoteResult* failed) {
    auto r = start("PUT", key, c);
    // No "Expect: 100-continue": it costs a round trip per upload, and a
    // server that never answers it stalls each one for a second. (Not for
    // S3: curl would sign the removed header.)
    r->add_header("Expect:");
    *failed = r->upload(source);
    return failed->ok() ? std::move(r) : nullptr;
  }

  RemoteResult finish(const char* method, const std::string& key, CurlRequest& r, CURLcode code) {
    const RemoteResult written = r.finish_download();
    const long status = r.status();
    const std::string where = std::string(method) + " " + shown_ + "/" + key;
    if (code != CURLE_OK && !(code == CURLE_WRITE_ERROR && !written.ok())) return curl_failure(code, where);
    if (!written.ok()) return written;
    if (status >= 200 && status < 300) return written;
    if (status == 404) return {RemoteResult::Status::kMissing, where + ": not found"};
    if (status == 401 || status == 403)
      return {RemoteResult::Status::kFailed,
              where + ": HTTP " + std::to_string(status) +
                  " (authentication failed or not allowed: check the remote's user and password, "
                  "'pipe remote modify --local NAME password ...')"};
    if (status == 429 || status >= 500)
      return {RemoteResult::Status::kTransient, where + ": HTTP " + std::to_string(status)};
    if (status == 405 && std::strcmp(method, "PUT") == 0)
      return {RemoteResult::Status::kFailed, where + ": HTTP 405 (the server does not accept uploads: a read-only remote)"};
    return {RemoteResult::Status::kFailed, where + ": HTTP " + std::to_string(status)};
  }

  std::map<std::string, std::string> options_;
  std::string base_;
  std::string shown_;
  CurlSettings limits_;
  CurlSession session_;
};

}  // namespace

std::unique_ptr<Remote> make_http_remote(const RemoteSettings& settings) {
  return std::make_unique<HttpRemote>(settings);
}

}  // namespace pipeline
