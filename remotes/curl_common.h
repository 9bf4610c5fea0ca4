// What the libcurl backends (http_remote.cpp, s3_remote.cpp) share: one
// request's state and callbacks (CurlRequest), the options every request
// sets, what a curl error means for retrying, and the session that runs
// requests, one at a time or many at once through libcurl's multi
// interface. Only these files see libcurl.
#pragma once

#include <curl/curl.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "remote.h"

namespace pipeline {

// What every request of one remote shares.
struct CurlSettings {
  long connect_timeout = 30;  // seconds
  long read_timeout = 60;     // a transfer under 1 byte/s this long is cut off
  long timeout = 0;           // the whole transfer; 0: none
  bool verify_tls = true;
  FileSystem* files = &real_file_system();  // uploads are read and downloads written through it
};

// One request while libcurl runs it: its headers, the file it streams from
// or into, and the answer's body when that is not streamed into a file
// (an error document, a listing).
class CurlRequest {
 public:
  CurlRequest(CURL* handle, const std::string& url, const CurlSettings& limits);
  ~CurlRequest();
  CurlRequest(const CurlRequest&) = delete;
  CurlRequest& operator=(const CurlRequest&) = delete;

  CURL* handle() const { return handle_; }
  void add_header(const std::string& line);
  void head();
  void custom(const char* method);
  // The body is the file, or `length` bytes of it from `offset`, streamed
  // from disk. Returns a failed result when it cannot be opened.
  RemoteResult upload(const std::string& path, int64_t offset = 0, int64_t length = -1);
  void post(const std::string& text);
  // A 2xx answer's body goes into the new file `path`, hashed on the way.
  RemoteResult download(const std::string& path, DownloadCheck check = DownloadCheck::kNone);
  // Keeps the answer's headers: the ETag (etag()) and those header() reads.
  void keep_etag();

  // After the transfer: the HTTP status, the body (unless downloaded), the
  // ETag header, and the downloaded file's result.
  long status() const;
  const std::string& body() const { return body_; }
  const std::string& etag() const { return etag_; }
  // A header of the answer (name in lower case), "" when absent; only
  // after keep_etag().
  std::string header(const std::string& name) const;
  RemoteResult finish_download();
  bool downloading() const { return file_ != nullptr; }

 private:
  static size_t on_write(char* data, size_t size, size_t n, void* self);
  static size_t on_read(char* data, size_t size, size_t n, void* self);
  static size_t on_header(char* data, size_t size, size_t n, void* self);

  CURL* handle_;
  FileSystem& files_;
  struct curl_slist* headers_ = nullptr;
  int upload_fd_ = -1;
  int64_t upload_offset_ = 0;
  int64_t upload_left_ = 0;
  std::string post_;
  std::unique_ptr<DownloadFile> file_;
  std::string body_;
  std::string etag_;
  std::map<std::string, std::string> answer_headers_;  // lower-case names
};

// A failed transfer as a result: timeouts, refused connections, resets and
// cut-off bodies are transient (retried); the rest are not.
RemoteResult curl_failure(CURLcode code, const std::string& where);

// Sets up request `index` of a batch on `handle`; returns null with
// `failed` set when it cannot (a file that will not open).
using PrepareRequest =
    std::function<std::unique_ptr<CurlRequest>(size_t index, CURL* handle, RemoteResult* failed)>;
// What a finished request came to.
using FinishRequest = std::function<RemoteResult(size_t index, CurlRequest& request, CURLcode code)>;

// Runs requests: one at a time on a pooled easy handle, or a batch through
// one multi handle whose connection cache outlives the batch, so later
// batches reuse the connections.
class CurlSession {
 public:
  CurlSession();
  ~CurlSession();
  CurlSession(const CurlSession&) = delete;
  CurlSession& operator=(const CurlSession&) = delete;

  RemoteResult perform(const PrepareRequest& prepare, const FinishRequest& finish);
  // Up to `jobs` requests at once, all from the calling thread; done() as
  // each finishes.
  void run(size_t count, size_t jobs, const PrepareRequest& prepare, const FinishRequest& finish,
           const ItemDone& done);

 private:
  CURL* take();
  void give(CURL* handle);

  std::mutex pool_mutex_;
  std::vector<CURL*> pool_;
  std::mutex multi_mutex_;
  CURLM* multi_ = nullptr;
};

}  // namespace pipeline
