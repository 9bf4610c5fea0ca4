// What the libcurl backends (http_remote.cpp, s3_remote.cpp) share: a pool
// of easy handles, one per transfer at a time and each reused for its
// connection; the options every request sets; and what a curl error means
// for retrying. Only these three files see libcurl.
#pragma once

#include <curl/curl.h>

#include <mutex>
#include <string>
#include <vector>

#include "remote.h"

namespace pipeline {

class CurlPool {
 public:
  CurlPool();
  ~CurlPool();
  CurlPool(const CurlPool&) = delete;
  CurlPool& operator=(const CurlPool&) = delete;
  CURL* take();  // reset, ready for a request; null when libcurl cannot start
  void give(CURL* handle);

 private:
  std::mutex mutex_;
  std::vector<CURL*> handles_;
};

struct CurlLimits {
  long connect_timeout = 30;  // seconds
  long read_timeout = 60;     // a transfer under 1 byte/s this long is cut off
  long timeout = 0;           // the whole transfer; 0: none
  bool verify_tls = true;
};
void set_common_options(CURL* handle, const std::string& url, const CurlLimits& limits);

// A failed transfer as a result: timeouts, refused connections, resets and
// cut-off bodies are transient (retried); the rest are not.
RemoteResult curl_failure(CURLcode code, const std::string& where);

}  // namespace pipeline
