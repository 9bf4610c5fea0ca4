#include "remote.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <mutex>
#include <thread>

#include "config.h"
#include "dvc_hash.h"
#include "error.h"
#include "file_io.h"
#include "paths.h"
#include "lineage.h"

namespace pipeline {

RemoteSettings remote_settings(const Config& config, const std::string& name, const std::string& state_dir) {
  std::string chosen = name;
  std::vector<std::string> names;
  for (const auto& [key, v] : config.values()) {
    if (key.compare(0, 7, "remote.") != 0) continue;
    const std::string rest = key.substr(7);
    const std::string n = rest.substr(0, rest.rfind('.'));
    if (names.empty() || names.back() != n) names.push_back(n);
  }
  if (chosen.empty()) chosen = config.get("core.remote", names.size() == 1 ? names.front() : "");
  if (chosen.empty()) {
    // A DVC repository not imported yet has its remotes in .dvc/config.
    std::string dvc_config;
    const bool dvc = names.empty() && read_file(parent_path(state_dir) + "/.dvc/config", &dvc_config) &&
                     dvc_config.find("remote") != std::string::npos;
    throw Error(Exit::kUsage, dvc ? "no remote is configured for pipe; this is a DVC repository: 'pipe import-dvc' "
                                    "takes its remotes from .dvc/config (and its dvc.lock and .dvc files)"
                              : names.empty() ? "no remote is configured; add one with 'pipe remote add -d NAME URL'"
                                              : "several remotes and no default; pick one with -r NAME, or set one "
                                                "with 'pipe remote default NAME'");
  }
  RemoteSettings s;
  s.name = chosen;
  const std::string prefix = "remote." + chosen + ".";
  for (const auto& [key, v] : config.values())
    if (key.compare(0, prefix.size(), prefix) == 0) s.options[key.substr(prefix.size())] = v.value;
  auto url = s.options.find("url");
  if (url == s.options.end())
    throw Error(Exit::kUsage, "no remote named '" + chosen + "' (or it has no url); 'pipe remote list' shows them");
  s.url = url->second;
  // A local path is relative to .pipe/, as DVC's are to their config file.
  const bool has_scheme = s.url.find("://") != std::string::npos;
  if (!has_scheme && !s.url.empty() && s.url.front() != '/')
    s.url = (std::filesystem::path(state_dir) / s.url).lexically_normal().string();
  return s;
}

DownloadFile::DownloadFile(const std::string& path, FileSystem& fs, DownloadCheck check) : path_(path), fs_(fs) {
  if (check != DownloadCheck::kNone)
    md5_ = std::make_unique<DvcFileHash>(check == DownloadCheck::kMd5 ? DvcHashKind::kMd5 : DvcHashKind::kMd5Dos2Unix);
  // Read-only from the start, as cache objects are. A retry's earlier try
  // is in the way only rarely: then it goes.
  fd_ = fs_.create(path, 0444);
  if (fd_ < 0 && errno == EEXIST && fs_.unlink(path) == 0) fd_ = fs_.create(path, 0444);
  if (fd_ < 0) error_ = errno;
}

DownloadFile::~DownloadFile() {
  if (fd_ >= 0) fs_.close(fd_);
}

bool DownloadFile::write(const void* data, size_t size) {
  if (fd_ < 0 || error_) return false;
  hasher_.update(data, size);
  if (md5_) md5_->update(data, size);
  written_ += size;
  const char* p = static_cast<const char*>(data);
  for (size_t done = 0; done < size;) {
    const ssize_t n = fs_.write(fd_, p + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      error_ = errno;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

RemoteResult DownloadFile::finish() {
  if (fd_ >= 0 && fs_.close(fd_) != 0 && !error_) error_ = errno;
  fd_ = -1;
  if (error_) return {RemoteResult::Status::kFailed, "cannot write '" + path_ + "': " + std::strerror(error_)};
  RemoteResult r;
  r.received = hasher_.finish();
  r.received_size = written_;
  if (md5_) r.received_md5 = md5_->finish_hex();
  return r;
}

RemoteResult Remote::stat(const std::string& key, ObjectInfo*) {
  return {RemoteResult::Status::kFailed, describe() + ": cannot read what the server says about '" + key + "'"};
}

RemoteResult Remote::list(const std::string& prefix, std::vector<std::string>*) {
  return {RemoteResult::Status::kUnsupported, describe() + ": cannot list '" + prefix + "'"};
}

void Remote::transfer_many(const std::vector<TransferItem>& items, size_t jobs, const ItemDone& done) {
  std::mutex mutex;
  std::atomic<size_t> next{0};
  // The first exception from a transfer or from `done` (the cache refusing
  // a write: EIO, ENOSPC) stops the hand-out; it is rethrown here once every
  // thread has stopped. Escaping a worker, or unwinding past the joinable
  // pool, it would end the process with std::terminate instead.
  std::exception_ptr failure;
  auto loop = [&] {
    try {
      for (size_t i; (i = next++) < items.size();) {
        const TransferItem& item = items[i];
        const RemoteResult r = item.upload ? put(item.key, item.file) : get(item.key, item.file, item.check);
        std::lock_guard lock(mutex);
        if (failure) return;
        done(i, r);
      }
    } catch (...) {
      std::lock_guard lock(mutex);
      if (!failure) failure = std::current_exception();
      next = items.size();
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < std::min(std::max<size_t>(1, jobs), items.size()); ++t) pool.emplace_back(loop);
  loop();
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace pipeline
