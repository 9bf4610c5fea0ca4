// An HTTP(S) remote, WebDAV style as nginx, Apache and Artifactory accept:
// GET to download, PUT to upload, HEAD to check, DELETE to remove. Basic
// auth or a custom header. libcurl stays in this file.
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "curl_common.h"
#include "error.h"
#include "lineage.h"
#include "remote.h"

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

size_t write_to_file(char* data, size_t size, size_t n, void* file) {
  return std::fwrite(data, size, n, static_cast<FILE*>(file)) * size;
}

size_t discard(char*, size_t size, size_t n, void*) { return size * n; }

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
  }

  std::string describe() const override { return shown_; }

  RemoteResult exists_many(const std::vector<std::string>& keys, std::vector<bool>* present) override {
    present->assign(keys.size(), false);
    for (size_t i = 0; i < keys.size(); ++i) {
      const RemoteResult r = request("HEAD", keys[i], nullptr, nullptr);
      if (r.ok()) (*present)[i] = true;
      else if (r.status != RemoteResult::Status::kMissing) return r;
    }
    return {};
  }

  RemoteResult get(const std::string& key, const std::string& dest) override {
    FILE* out = std::fopen(dest.c_str(), "we");
    if (!out) return {RemoteResult::Status::kFailed, "cannot create '" + dest + "': " + std::strerror(errno)};
    RemoteResult r = request("GET", key, out, nullptr);
    if (std::fclose(out) != 0 && r.ok()) r = {RemoteResult::Status::kFailed, "cannot write '" + dest + "'"};
    return r;
  }

  RemoteResult put(const std::string& key, const std::string& source) override {
    FILE* in = std::fopen(source.c_str(), "re");
    if (!in) return {RemoteResult::Status::kFailed, "cannot read '" + source + "': " + std::strerror(errno)};
    RemoteResult r = request("PUT", key, nullptr, in);
    std::fclose(in);
    return r;
  }

  RemoteResult remove(const std::string& key) override {
    RemoteResult r = request("DELETE", key, nullptr, nullptr);
    return r.status == RemoteResult::Status::kMissing ? RemoteResult{} : r;
  }

 private:
  RemoteResult request(const char* method, const std::string& key, FILE* download, FILE* upload) {
    CURL* c = pool_.take();
    if (!c) return {RemoteResult::Status::kFailed, "cannot start libcurl"};
    set_common_options(c, base_ + "/" + key, limits_);
    // Redirects are followed, but credentials never go to another host.
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_UNRESTRICTED_AUTH, 0L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    struct curl_slist* headers = nullptr;
    const std::string auth = options_.count("auth") ? options_.at("auth") : "basic";
    if (auth == "custom" && options_.count("custom_auth_header")) {
      const std::string h = options_.at("custom_auth_header") + ": " +
                            (options_.count("password") ? options_.at("password") : "");
      headers = curl_slist_append(headers, h.c_str());
    } else if (options_.count("user")) {
      curl_easy_setopt(c, CURLOPT_HTTPAUTH, auth == "digest" ? CURLAUTH_DIGEST : CURLAUTH_BASIC);
      curl_easy_setopt(c, CURLOPT_USERNAME, options_.at("user").c_str());
      if (options_.count("password")) curl_easy_setopt(c, CURLOPT_PASSWORD, options_.at("password").c_str());
    }
    if (headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    if (std::strcmp(method, "HEAD") == 0) {
      curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (std::strcmp(method, "GET") == 0) {
      curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_to_file);
      curl_easy_setopt(c, CURLOPT_WRITEDATA, download);
    } else if (std::strcmp(method, "PUT") == 0) {
      struct stat st;
      ::fstat(::fileno(upload), &st);
      curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(c, CURLOPT_READDATA, upload);  // streamed from disk by curl's fread
      curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(st.st_size));
      curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    } else {
      curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
      curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    }
    const CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    pool_.give(c);
    const std::string where = std::string(method) + " " + shown_ + "/" + key;
    if (rc != CURLE_OK) return curl_failure(rc, where);
    if (status >= 200 && status < 300) return {};
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
  CurlLimits limits_;
  CurlPool pool_;
};

}  // namespace

std::unique_ptr<Remote> make_http_remote(const RemoteSettings& settings) {
  return std::make_unique<HttpRemote>(settings);
}

}  // namespace pipeline
