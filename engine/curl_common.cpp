#include "curl_common.h"

namespace pipeline {

CurlPool::CurlPool() {
  // Thread-safe and idempotent in the libcurl Debian ships (7.84+).
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

CurlPool::~CurlPool() {
  for (CURL* h : handles_) curl_easy_cleanup(h);
}

CURL* CurlPool::take() {
  std::lock_guard lock(mutex_);
  if (handles_.empty()) return curl_easy_init();
  CURL* h = handles_.back();
  handles_.pop_back();
  curl_easy_reset(h);
  return h;
}

void CurlPool::give(CURL* handle) {
  std::lock_guard lock(mutex_);
  handles_.push_back(handle);
}

void set_common_options(CURL* c, const std::string& url, const CurlLimits& limits) {
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, limits.connect_timeout);
  if (limits.timeout) curl_easy_setopt(c, CURLOPT_TIMEOUT, limits.timeout);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, limits.read_timeout);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, limits.verify_tls ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, limits.verify_tls ? 2L : 0L);
}

RemoteResult curl_failure(CURLcode code, const std::string& where) {
  const bool transient = code == CURLE_OPERATION_TIMEDOUT || code == CURLE_COULDNT_CONNECT ||
                         code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR || code == CURLE_GOT_NOTHING ||
                         code == CURLE_PARTIAL_FILE;
  return {transient ? RemoteResult::Status::kTransient : RemoteResult::Status::kFailed,
          where + ": " + curl_easy_strerror(code)};
}

}  // namespace pipeline
