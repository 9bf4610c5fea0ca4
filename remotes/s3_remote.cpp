// An S3 (or S3-compatible) remote: AWS Signature V4 through libcurl's
// CURLOPT_AWS_SIGV4, with the payload's real SHA-256 in x-amz-content-sha256
// (so the server refuses a corrupted upload), canonical query strings built
// here, ListObjectsV2 with pagination to find what is missing. Batches run
// through libcurl's multi interface (curl_common.cpp).
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>

#include "backends.h"
#include "curl_common.h"
#include "error.h"
#include "lineage.h"
#include "responses.h"
#include "ssl_digests.h"

namespace pipeline {
namespace {

const char* const kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// RFC 3986 unreserved characters stay; everything else is %XX. `keep_slash`
// for paths, not for query values.
std::string uri_encode(const std::string& s, bool keep_slash) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// The ~/.aws files are INI: "[section]" then "key = value".
std::string ini_value(const std::string& file, const std::string& section, const std::string& key) {
  std::ifstream in(file);
  std::string current;
  for (std::string line; std::getline(in, line);) {
    const size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#' || line[first] == ';') continue;
    line = line.substr(first);
    if (line.front() == '[') {
      current = line.substr(1, line.find(']') - 1);
      continue;
    }
    const size_t eq = line.find('=');
    if (current != section || eq == std::string::npos) continue;
    std::string k = line.substr(0, eq), v = line.substr(eq + 1);
    k.erase(k.find_last_not_of(" \t") + 1);
    v.erase(0, v.find_first_not_of(" \t"));
    v.erase(v.find_last_not_of(" \t\r") + 1);
    if (k == key) return v;
  }
  return "";
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// What a request sends, for S3Remote::request.
using RequestBody = std::function<RemoteResult(CurlRequest&)>;

RequestBody posting(const std::string& text) {
  return [text](CurlRequest& q) {
    q.post(text);
    return RemoteResult{};
  };
}

RequestBody deleting() {
  return [](CurlRequest& q) {
    q.custom("DELETE");
    return RemoteResult{};
  };
}

class S3Remote : public Remote {
 public:
  explicit S3Remote(const RemoteSettings& s) : options_(s.options) {
    // s3://bucket/prefix
    const std::string rest = s.url.substr(5);
    const size_t slash = rest.find('/');
    bucket_ = rest.substr(0, slash);
    prefix_ = slash == std::string::npos ? "" : rest.substr(slash + 1);
    while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
    if (bucket_.empty()) throw Error(Exit::kUsage, "remote '" + s.name + "': an S3 URL is s3://BUCKET[/PREFIX]");
    shown_ = "s3://" + bucket_ + (prefix_.empty() ? "" : "/" + prefix_);
    const std::string profile = option("profile", env("AWS_PROFILE").empty() ? "default" : env("AWS_PROFILE"));
    const std::string home = env("HOME");
    // DVC's credentialpath names the shared credentials file, as the variable does.
    const std::string creds = option("credentialpath", env("AWS_SHARED_CREDENTIALS_FILE").empty()
                                                           ? home + "/.aws/credentials"
                                                           : env("AWS_SHARED_CREDENTIALS_FILE"));
    const std::string config = env("AWS_CONFIG_FILE").empty() ? home + "/.aws/config" : env("AWS_CONFIG_FILE");
    const std::string config_section = profile == "default" ? "default" : "profile " + profile;
    // Pipe's own config first, then the environment, then ~/.aws, as the AWS CLI orders them.
    key_id_ = option("access_key_id", "");
    secret_ = option("secret_access_key", "");
    token_ = option("session_token", "");
    if (key_id_.empty()) {
      key_id_ = env("AWS_ACCESS_KEY_ID");
      secret_ = env("AWS_SECRET_ACCESS_KEY");
      token_ = env("AWS_SESSION_TOKEN");
    }
    if (key_id_.empty()) {
      key_id_ = ini_value(creds, profile, "aws_access_key_id");
      secret_ = ini_value(creds, profile, "aws_secret_access_key");
      token_ = ini_value(creds, profile, "aws_session_token");
    }
    if (key_id_.empty() || secret_.empty())
      throw Error(Exit::kUsage, "remote '" + s.name + "' has no S3 credentials: set access_key_id and "
                                    "secret_access_key (pipe remote modify --local), AWS_ACCESS_KEY_ID and "
                                    "AWS_SECRET_ACCESS_KEY, or profile '" + profile + "' in " + creds);
    region_ = option("region", env("AWS_DEFAULT_REGION"));
    if (region_.empty()) region_ = env("AWS_REGION");
    if (region_.empty()) region_ = ini_value(config, config_section, "region");
    if (region_.empty()) region_ = "us-east-1";
    endpoint_ = option("endpointurl", "");
    while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
    const std::string style = option("addressing_style", endpoint_.empty() ? "virtual" : "path");
    if (style != "path" && style != "virtual")
      throw Error(Exit::kUsage, "remote '" + s.name + "': addressing_style is 'path' or 'virtual', not '" + style + "'");
    path_style_ = style == "path";
    if (endpoint_.empty()) endpoint_ = "https://s3." + region_ + ".amazonaws.com";
    limits_.verify_tls = option("ssl_verify", "true") != "false";
    limits_.files = s.files;
    multipart_threshold_ = size_option("multipart_threshold", 64LL << 20);
    sigv4_ = "aws:amz:" + region_ + ":s3";
    multipart_chunk_ = std::max<int64_t>(5LL << 20, size_option("multipart_chunksize", 16LL << 20));
  }

  std::string describe() const override { return shown_; }

  RemoteResult exists_many(const std::vector<std::string>& keys, std::vector<bool>* present) override {
    present->assign(keys.size(), false);
    if (keys.empty()) return {};
    // A listing costs one request per 1,000 objects; HEAD costs one each:
    // for a few keys HEAD them, for many list.
    if (keys.size() <= 32) {
      RemoteResult failure;
      session_.run(
          keys.size(), 16,
          [&](size_t i, CURL* c, RemoteResult*) { return start("HEAD", full_key(keys[i]), {}, kEmptySha256, c); },
          [&](size_t i, CurlRequest& r, CURLcode code) { return finish("HEAD", full_key(keys[i]), r, code); },
          [&](size_t i, const RemoteResult& r) {
            if (r.ok()) (*present)[i] = true;
            else if (r.status != RemoteResult::Status::kMissing && failure.ok()) failure = r;
          });
      return failure;
    }
    // One listing per top-level folder the keys are in (v1/, runs/, lineage/).
    std::set<std::string> listed, folders;
    for (const std::string& k : keys) folders.insert(k.substr(0, k.find('/') + 1));
    for (const std::string& sub : folders) {
      std::vector<std::string> found;
      const RemoteResult r = list_keys(full_key(sub), false, &found);
      if (!r.ok()) return r;
      listed.insert(found.begin(), found.end());
    }
    for (size_t i = 0; i < keys.size(); ++i) (*present)[i] = listed.count(full_key(keys[i])) > 0;
    return {};
  }

  RemoteResult list(const std::string& prefix, std::vector<std::string>* keys) override {
    keys->clear();
    std::vector<std::string> found;
    const RemoteResult r = list_keys(full_key(prefix), true, &found);
    const size_t strip = full_key("").size();
    for (const std::string& k : found)
      if (k.size() > strip) keys->push_back(k.substr(strip));
    return r;
  }

  RemoteResult get(const std::string& key, const std::string& dest, DownloadCheck check) override {
    return session_.perform(
        [&](size_t, CURL* c, RemoteResult* failed) { return start_get(key, dest, check, c, failed); },
        [&](size_t, CurlRequest& q, CURLcode code) { return finish("GET", full_key(key), q, code); });
  }

  RemoteResult put(const std::string& key, const std::string& source) override {
    struct stat st;
    if (limits_.files->stat(source, &st) == 0 && st.st_size > multipart_threshold_) return put_multipart(key, source, st.st_size);
    return session_.perform(
        [&](size_t, CURL* c, RemoteResult* failed) { return start_put(key, source, c, failed); },
        [&](size_t, CurlRequest& q, CURLcode code) { return finish("PUT", full_key(key), q, code); });
  }

  // Single-request transfers run together through the multi interface;
  // multipart uploads, a series of requests each, run on threads.
  void transfer_many(const std::vector<TransferItem>& items, size_t jobs, const ItemDone& done) override {
    std::vector<size_t> single, multipart;
    for (size_t i = 0; i < items.size(); ++i) {
      struct stat st;
      const bool big =
          items[i].upload && limits_.files->stat(items[i].file, &st) == 0 && st.st_size > multipart_threshold_;
      (big ? multipart : single).push_back(i);
    }
    session_.run(
        single.size(), jobs,
        [&](size_t k, CURL* c, RemoteResult* failed) {
          const TransferItem& item = items[single[k]];
          return item.upload ? start_put(item.key, item.file, c, failed) : start_get(item.key, item.file, item.check, c, failed);
        },
        [&](size_t k, CurlRequest& r, CURLcode code) {
          const TransferItem& item = items[single[k]];
          return finish(item.upload ? "PUT" : "GET", full_key(item.key), r, code);
        },
        [&](size_t k, const RemoteResult& r) { done(single[k], r); });
    std::vector<TransferItem> big;
    for (size_t i : multipart) big.push_back(items[i]);
    Remote::transfer_many(big, jobs, [&](size_t k, const RemoteResult& r) { done(multipart[k], r); });
  }

  // Above multipart_threshold: initiate, upload parts of multipart_chunksize
  // (each with its own SHA-256, streamed from the file), complete; abort on
  // failure so the server drops the parts.
  RemoteResult put_multipart(const std::string& key, const std::string& source, int64_t size) {
    const std::string full = full_key(key);
    std::string body;
    RemoteResult r = request("POST", full, {{"uploads", ""}}, kEmptySha256, posting(""), &body);
    if (!r.ok()) return r;
    const auto ids = xml_all(body, "UploadId");
    if (ids.empty()) return {RemoteResult::Status::kFailed, "POST " + shown_ + "/" + key + "?uploads: no UploadId in the answer"};
    const std::string id = ids.front();
    std::string complete = "<CompleteMultipartUpload>";
    int part = 1;
    for (int64_t offset = 0; offset < size && r.ok(); offset += multipart_chunk_, ++part) {
      const int64_t length = std::min(multipart_chunk_, size - offset);
      std::string sha, etag;
      if (!sha256_file_hex(*limits_.files, source, &sha, offset, length)) {
        r = {RemoteResult::Status::kFailed, "cannot read '" + source + "'"};
        break;
      }
      r = request("PUT", full, {{"partNumber", std::to_string(part)}, {"uploadId", id}}, sha,
                  [&](CurlRequest& q) {
                    q.keep_etag();
                    return q.upload(source, offset, length);
                  },
                  nullptr, &etag);
      complete += "<Part><PartNumber>" + std::to_string(part) + "</PartNumber><ETag>" + etag + "</ETag></Part>";
    }
    if (r.ok()) {
      complete += "</CompleteMultipartUpload>";
      std::string answer;
      r = request("POST", full, {{"uploadId", id}}, sha256_hex(complete), posting(complete), &answer);
      // A 200 may still carry an error document (S3 reports late failures so).
      if (r.ok() && answer.find("<Error>") != std::string::npos)
        r = {RemoteResult::Status::kTransient, "completing " + shown_ + "/" + key + ": " + answer.substr(0, 200)};
    }
    if (r.ok()) {
      abort_other_uploads(full, id);
      return r;
    }
    request("DELETE", full, {{"uploadId", id}}, kEmptySha256, deleting());
    // Another pusher of the same object may have completed first (and
    // aborted this upload): then the object is there, which is success.
    std::vector<bool> present;
    if (exists_many({key}, &present).ok() && present.front()) return {};
    return r;
  }

  // A push killed during a multipart upload leaves the upload open, and
  // the server keeps (and bills) its parts. Once this upload of the key
  // has completed the object is there, and since a key names its content
  // any other upload of it is redundant: abort those. Best effort; a
  // concurrent pusher of the same object whose upload is aborted finds the
  // object there when it retries.
  void abort_other_uploads(const std::string& full, const std::string& own_id) {
    std::string body;
    if (!request("GET", "", {{"uploads", ""}, {"prefix", full}}, kEmptySha256, {}, &body).ok()) return;
    for (const std::string& upload : xml_elements(body, "Upload")) {
      const auto keys = xml_all(upload, "Key"), ids = xml_all(upload, "UploadId");
      if (keys.empty() || ids.empty() || keys.front() != full || ids.front() == own_id) continue;
      request("DELETE", full, {{"uploadId", ids.front()}}, kEmptySha256, deleting());
    }
  }

  RemoteResult remove(const std::string& key) override {
    return request("DELETE", full_key(key), {}, kEmptySha256, deleting());
  }

 private:
  std::string option(const char* key, const std::string& fallback) const {
    auto it = options_.find(key);
    return it == options_.end() ? fallback : it->second;
  }

  // "64MB", "8MiB", "1048576".
  int64_t size_option(const char* key, int64_t fallback) const {
    const std::string v = option(key, "");
    if (v.empty()) return fallback;
    size_t used = 0;
    double n = 0;
    try {
      n = std::stod(v, &used);
    } catch (const std::exception&) {
      throw Error(Exit::kUsage, std::string("remote option '") + key + "' must be a size like 64MB, not '" + v + "'");
    }
    std::string unit = v.substr(used);
    unit.erase(0, unit.find_first_not_of(' '));
    const int64_t scale = unit.empty() || unit == "B" ? 1
                          : unit[0] == 'K' || unit[0] == 'k' ? 1LL << 10
                          : unit[0] == 'M' || unit[0] == 'm' ? 1LL << 20
                          : unit[0] == 'G' || unit[0] == 'g' ? 1LL << 30
                                                             : -1;
    if (scale < 0) throw Error(Exit::kUsage, std::string("remote option '") + key + "': unknown unit in '" + v + "'");
    return static_cast<int64_t>(n * static_cast<double>(scale));
  }

  // Every key under `prefix` (with `folder`, only those directly in it),
  // page by page (ListObjectsV2: 1,000 a page). A missing bucket lists none.
  RemoteResult list_keys(const std::string& prefix, bool folder, std::vector<std::string>* out) {
    std::string token;
    // A server that never stops paging (or repeats itself) is not followed
    // for ever: 100,000 pages are 100 million keys.
    std::set<std::string> tokens;
    for (int page = 0;; ++page) {
      if (page == 100000 || (!token.empty() && !tokens.insert(token).second))
        return {RemoteResult::Status::kFailed, "listing " + shown_ + "/" + prefix + " does not end (the server repeats its pages)"};
      std::map<std::string, std::string> query = {{"list-type", "2"}, {"prefix", prefix}};
      if (folder) query["delimiter"] = "/";
      if (!token.empty()) query["continuation-token"] = token;
      std::string body;
      const RemoteResult r = request("GET", "", query, kEmptySha256, {}, &body);
      if (r.status == RemoteResult::Status::kMissing) return {};
      if (!r.ok()) return r;
      // With a delimiter, sub-folders come back as <CommonPrefixes><Prefix>,
      // which xml_all("Key") does not see.
      for (std::string& k : xml_all(body, "Key")) out->push_back(std::move(k));
      const auto truncated = xml_all(body, "IsTruncated");
      const auto next = xml_all(body, "NextContinuationToken");
      if (truncated.empty() || truncated.front() != "true" || next.empty()) return {};
      token = next.front();
    }
  }

  std::string full_key(const std::string& key) const { return prefix_.empty() ? key : prefix_ + "/" + key; }

  std::string url_for(const std::string& key, const std::map<std::string, std::string>& query) const {
    std::string url;
    const size_t scheme = endpoint_.find("://");
    if (path_style_) url = endpoint_ + "/" + uri_encode(bucket_, false) + "/" + uri_encode(key, true);
    else url = endpoint_.substr(0, scheme + 3) + bucket_ + "." + endpoint_.substr(scheme + 3) + "/" + uri_encode(key, true);
    // curl signs the query verbatim, so it must already be canonical:
    // sorted keys, RFC 3986 values with '/' encoded, "key=" when empty.
    std::string q;
    for (const auto& [k, v] : query) q += (q.empty() ? "?" : "&") + uri_encode(k, false) + "=" + uri_encode(v, false);
    return url + q;
  }

  std::unique_ptr<CurlRequest> start(const char* method, const std::string& key,
                                     const std::map<std::string, std::string>& query, const std::string& payload_sha,
                                     CURL* c) {
    auto r = std::make_unique<CurlRequest>(c, url_for(key, query), limits_);
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4_.c_str());
    // Not CURLOPT_USERPWD: access keys may contain ':'.
    curl_easy_setopt(c, CURLOPT_USERNAME, key_id_.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, secret_.c_str());
    r->add_header("x-amz-content-sha256: " + payload_sha);
    if (!token_.empty()) r->add_header("x-amz-security-token: " + token_);
    if (std::strcmp(method, "HEAD") == 0) r->head();
    return r;
  }

  std::unique_ptr<CurlRequest> start_get(const std::string& key, const std::string& dest, DownloadCheck check, CURL* c,
                                         RemoteResult* failed) {
    auto r = start("GET", full_key(key), {}, kEmptySha256, c);
    *failed = r->download(dest, check);
    return failed->ok() ? std::move(r) : nullptr;
  }

  // The payload's SHA-256 is signed, so the server refuses a body altered
  // on the way. It costs a read of the file before the upload.
  std::unique_ptr<CurlRequest> start_put(const std::string& key, const std::string& source, CURL* c,
                                         RemoteResult* failed) {
    std::string sha;
    if (!sha256_file_hex(*limits_.files, source, &sha)) {
      *failed = {RemoteResult::Status::kFailed, "cannot read '" + source + "'"};
      return nullptr;
    }
    auto r = start("PUT", full_key(key), {}, sha, c);
    *failed = r->upload(source);
    return failed->ok() ? std::move(r) : nullptr;
  }

  // One request, run now. `body` sets up what it sends; `answer` receives
  // a 2xx answer's body.
  RemoteResult stat(const std::string& key, ObjectInfo* info) override {
    const std::string full = full_key(key);
    return session_.perform(
        [&](size_t, CURL* c, RemoteResult*) {
          auto r = start("HEAD", full, {}, kEmptySha256, c);
          r->keep_etag();
          return r;
        },
        [&](size_t, CurlRequest& r, CURLcode code) {
          RemoteResult result = finish("HEAD", full, r, code);
          info->etag = r.etag();
          info->version_id = r.header("x-amz-version-id");
          info->last_modified = r.header("last-modified");
          info->size = std::strtoull(r.header("content-length").c_str(), nullptr, 10);
          return result;
        });
  }

  RemoteResult request(const char* method, const std::string& key, const std::map<std::string, std::string>& query,
                       const std::string& payload_sha, const RequestBody& body,
                       std::string* answer = nullptr, std::string* etag = nullptr) {
    return session_.perform(
        [&](size_t, CURL* c, RemoteResult* failed) {
          auto r = start(method, key, query, payload_sha, c);
          *failed = body ? body(*r) : RemoteResult{};
          return failed->ok() ? std::move(r) : nullptr;
        },
        [&](size_t, CurlRequest& r, CURLcode code) {
          RemoteResult result = finish(method, key, r, code);
          if (answer) *answer = r.body();
          if (etag) *etag = r.etag();
          return result;
        });
  }

  std::string where(const char* method, const std::string& key) const {
    const std::string shown_key =
        !prefix_.empty() && key.compare(0, prefix_.size() + 1, prefix_ + "/") == 0 ? key.substr(prefix_.size() + 1) : key;
    return std::string(method) + " " + shown_ + (shown_key.empty() ? "" : "/" + shown_key);
  }

  RemoteResult finish(const char* method, const std::string& key, CurlRequest& r, CURLcode code) {
    const RemoteResult written = r.finish_download();
    const long status = r.status();
    const std::string at = where(method, key);
    if (code != CURLE_OK && !(code == CURLE_WRITE_ERROR && !written.ok())) return curl_failure(code, at);
    if (!written.ok()) return written;
    if (status >= 200 && status < 300) return written;
    // A HEAD answer has no body to say why it was refused: ask again with a
    // GET, whose error document names the reason.
    if (std::strcmp(method, "HEAD") == 0 && (status == 400 || status == 401 || status == 403)) {
      std::string ignored;
      return request("GET", key, {}, kEmptySha256, {}, &ignored);
    }
    const auto codes = xml_all(r.body(), "Code");
    const std::string code_name = codes.empty() ? "" : codes.front();
    if (status == 404 && code_name != "NoSuchBucket") return {RemoteResult::Status::kMissing, at + ": not found"};
    std::string what = at + ": HTTP " + std::to_string(status) + (code_name.empty() ? "" : " " + code_name);
    if (code_name == "SignatureDoesNotMatch")
      what += " (the secret access key is wrong, or the request was altered on the way)";
    else if (code_name == "InvalidAccessKeyId")
      what += " (the access key id is not known to the server)";
    else if (code_name == "NoSuchBucket")
      what += " (create the bucket first, e.g. 'aws s3 mb s3://" + bucket_ + "')";
    else if (code_name == "BadDigest" || code_name == "XAmzContentSHA256Mismatch")
      what += " (the upload did not match its SHA-256: corrupted on the way)";
    if (status == 429 || status >= 500 || code_name == "BadDigest" || code_name == "SlowDown")
      return {RemoteResult::Status::kTransient, what};
    return {RemoteResult::Status::kFailed, what};
  }

  std::map<std::string, std::string> options_;
  std::string bucket_, prefix_, shown_;
  std::string key_id_, secret_, token_, region_, endpoint_;
  bool path_style_ = true;
  int64_t multipart_threshold_ = 64LL << 20;
  int64_t multipart_chunk_ = 16LL << 20;
  std::string sigv4_;
  CurlSettings limits_;
  CurlSession session_;
};

}  // namespace

std::unique_ptr<Remote> make_s3_remote(const RemoteSettings& settings) { return std::make_unique<S3Remote>(settings); }

}  // namespace pipeline
