#include "curl_common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "responses.h"

namespace pipeline {

CurlRequest::CurlRequest(CURL* c, const std::string& url, const CurlSettings& limits)
    : handle_(c), files_(*limits.files) {
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, limits.connect_timeout);
  if (limits.timeout) curl_easy_setopt(c, CURLOPT_TIMEOUT, limits.timeout);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, limits.read_timeout);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, limits.verify_tls ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, limits.verify_tls ? 2L : 0L);
  // 64 KiB: larger buffers come from mmap and read slower on this kind of
  // machine (measured; see docs/benchmarks.md).
  curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 64L * 1024);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, this);
}

CurlRequest::~CurlRequest() {
  curl_slist_free_all(headers_);
  if (upload_fd_ >= 0) files_.close(upload_fd_);
}

void CurlRequest::add_header(const std::string& line) {
  headers_ = curl_slist_append(headers_, line.c_str());
  curl_easy_setopt(handle_, CURLOPT_HTTPHEADER, headers_);
}

void CurlRequest::head() { curl_easy_setopt(handle_, CURLOPT_NOBODY, 1L); }

void CurlRequest::custom(const char* method) { curl_easy_setopt(handle_, CURLOPT_CUSTOMREQUEST, method); }

RemoteResult CurlRequest::upload(const std::string& path, int64_t offset, int64_t length) {
  upload_fd_ = files_.open_read(path);
  struct stat st;
  if (upload_fd_ < 0 || files_.fstat(upload_fd_, &st) != 0)
    return {RemoteResult::Status::kFailed, "cannot read '" + path + "': " + std::strerror(errno)};
  upload_offset_ = offset;
  upload_left_ = length < 0 ? st.st_size - offset : length;
  curl_easy_setopt(handle_, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(handle_, CURLOPT_READFUNCTION, on_read);
  curl_easy_setopt(handle_, CURLOPT_READDATA, this);
  // Always sent: without a length curl would use chunked encoding, which
  // S3 refuses and a length check on the server cannot use.
  curl_easy_setopt(handle_, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(upload_left_));
  return {};
}

void CurlRequest::post(const std::string& text) {
  post_ = text;
  curl_easy_setopt(handle_, CURLOPT_POST, 1L);
  curl_easy_setopt(handle_, CURLOPT_POSTFIELDS, post_.data());
  curl_easy_setopt(handle_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(post_.size()));
}

RemoteResult CurlRequest::download(const std::string& path, DownloadCheck check) {
  file_ = std::make_unique<DownloadFile>(path, files_, check);
  if (!file_->opened()) return file_->finish();
  return {};
}

void CurlRequest::keep_etag() {
  curl_easy_setopt(handle_, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(handle_, CURLOPT_HEADERDATA, this);
}

long CurlRequest::status() const {
  long status = 0;
  curl_easy_getinfo(handle_, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

RemoteResult CurlRequest::finish_download() { return file_ ? file_->finish() : RemoteResult{}; }

// Only a 2xx answer is the object; any other body is kept to explain why.
size_t CurlRequest::on_write(char* data, size_t size, size_t n, void* self) {
  auto* r = static_cast<CurlRequest*>(self);
  const size_t bytes = size * n;
  const long status = r->status();
  if (r->file_ && status >= 200 && status < 300) return r->file_->write(data, bytes) ? bytes : 0;
  if (r->body_.size() < (64u << 20)) r->body_.append(data, bytes);
  return bytes;
}

size_t CurlRequest::on_read(char* data, size_t size, size_t n, void* self) {
  auto* r = static_cast<CurlRequest*>(self);
  const size_t want = std::min<size_t>(size * n, static_cast<size_t>(r->upload_left_));
  if (want == 0) return 0;
  ssize_t got;
  do got = r->files_.pread(r->upload_fd_, data, want, r->upload_offset_);
  while (got < 0 && errno == EINTR);
  // A file that shrank under us: abort rather than send a short body.
  if (got <= 0) return CURL_READFUNC_ABORT;
  r->upload_offset_ += got;
  r->upload_left_ -= got;
  return static_cast<size_t>(got);
}

size_t CurlRequest::on_header(char* data, size_t size, size_t n, void* self) {
  auto* r = static_cast<CurlRequest*>(self);
  std::string name, v;
  if (!parse_header_line(std::string(data, size * n), &name, &v)) return size * n;
  if (name == "etag") r->etag_ = v;
  if (r->answer_headers_.size() < 64) r->answer_headers_[name] = v;
  return size * n;
}

std::string CurlRequest::header(const std::string& name) const {
  auto it = answer_headers_.find(name);
  return it == answer_headers_.end() ? "" : it->second;
}

RemoteResult curl_failure(CURLcode code, const std::string& where) {
  const bool transient = code == CURLE_OPERATION_TIMEDOUT || code == CURLE_COULDNT_CONNECT ||
                         code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR || code == CURLE_GOT_NOTHING ||
                         code == CURLE_PARTIAL_FILE;
  return {transient ? RemoteResult::Status::kTransient : RemoteResult::Status::kFailed,
          where + ": " + curl_easy_strerror(code)};
}

CurlSession::CurlSession() {
  // Thread-safe and idempotent in the libcurl Debian ships (7.84+).
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

CurlSession::~CurlSession() {
  for (CURL* h : pool_) curl_easy_cleanup(h);
  if (multi_) curl_multi_cleanup(multi_);
}

CURL* CurlSession::take() {
  std::lock_guard lock(pool_mutex_);
  if (pool_.empty()) return curl_easy_init();
  CURL* h = pool_.back();
  pool_.pop_back();
  curl_easy_reset(h);
  return h;
}

void CurlSession::give(CURL* handle) {
  std::lock_guard lock(pool_mutex_);
  pool_.push_back(handle);
}

RemoteResult CurlSession::perform(const PrepareRequest& prepare, const FinishRequest& finish) {
  CURL* c = take();
  if (!c) return {RemoteResult::Status::kFailed, "cannot start libcurl"};
  RemoteResult failed;
  std::unique_ptr<CurlRequest> request = prepare(0, c, &failed);
  if (request) failed = finish(0, *request, curl_easy_perform(c));
  request.reset();
  give(c);
  return failed;
}

void CurlSession::run(size_t count, size_t jobs, const PrepareRequest& prepare, const FinishRequest& finish,
                      const ItemDone& done) {
  std::lock_guard lock(multi_mutex_);
  if (!multi_) multi_ = curl_multi_init();
  jobs = std::max<size_t>(1, jobs);
  curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS, static_cast<long>(jobs));
  std::map<CURL*, std::pair<size_t, std::unique_ptr<CurlRequest>>> active;
  // An exception from `done` (the cache refusing a rename) leaves by this
  // guard: the requests still in flight are detached from the multi handle
  // and their easy handles pooled again, so the session stays usable.
  struct Detach {
    CurlSession& session;
    std::map<CURL*, std::pair<size_t, std::unique_ptr<CurlRequest>>>& active;
    ~Detach() {
      for (auto& [c, entry] : active) {
        curl_multi_remove_handle(session.multi_, c);
        entry.second.reset();
        session.give(c);
      }
    }
  } detach{*this, active};
  size_t next = 0;
  while (next < count || !active.empty()) {
    while (active.size() < jobs && next < count) {
      const size_t i = next++;
      CURL* c = take();
      RemoteResult failed{RemoteResult::Status::kFailed, "cannot start libcurl"};
      std::unique_ptr<CurlRequest> request = c ? prepare(i, c, &failed) : nullptr;
      if (!request || curl_multi_add_handle(multi_, c) != CURLM_OK) {
        const bool refused = request != nullptr;
        request.reset();
        if (c) give(c);
        done(i, refused ? RemoteResult{RemoteResult::Status::kFailed, "libcurl refused a request"} : failed);
        continue;
      }
      active[c] = {i, std::move(request)};
    }
    int running = 0;
    if (curl_multi_perform(multi_, &running) != CURLM_OK) break;
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* c = msg->easy_handle;
      const CURLcode code = msg->data.result;
      auto it = active.find(c);
      curl_multi_remove_handle(multi_, c);
      const size_t i = it->second.first;
      std::unique_ptr<CurlRequest> request = std::move(it->second.second);
      active.erase(it);
      const RemoteResult r = finish(i, *request, code);
      request.reset();
      give(c);
      done(i, r);
    }
    // Wait for the network only when no slot is free for the next request.
    if (!active.empty() && (active.size() >= jobs || next >= count))
      curl_multi_poll(multi_, nullptr, 0, 1000, nullptr);
  }
  // Only when libcurl itself failed: what is left did not finish.
  std::vector<size_t> unfinished;
  for (auto& [c, entry] : active) {
    curl_multi_remove_handle(multi_, c);
    unfinished.push_back(entry.first);
    entry.second.reset();
    give(c);
  }
  active.clear();
  for (size_t i : unfinished) done(i, {RemoteResult::Status::kTransient, "libcurl's multi interface failed"});
  for (; next < count; ++next) done(next, {RemoteResult::Status::kTransient, "libcurl's multi interface failed"});
}

}  // namespace pipeline
