// How the transfer engine moves objects: in rounds, retrying what failed
// transiently after a capped, jittered backoff, with a tally of what moved
// for the report and the progress line. Shared by pipe's own layout
// (transfer.cpp) and a DVC remote's (dvc_fetch.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "file_system.h"
#include "remote.h"
#include "transfer.h"

namespace pipeline {

inline constexpr int kTransferAttempts = 4;

// Retries `op` while it fails transiently, up to kTransferAttempts times.
RemoteResult with_retries(const std::function<RemoteResult()>& op);

// Moves n objects in rounds: what fails transiently goes again in the next
// round, after a backoff. `settle` sees each attempt's result and may
// change it (a download that fails verification becomes transient);
// `final` sees each object's last result.
void transfer_with_retries(Remote& remote, size_t n, size_t jobs, const std::function<TransferItem(size_t)>& make,
                           const std::function<RemoteResult(const TransferItem&, const RemoteResult&)>& settle,
                           const std::function<void(size_t, const RemoteResult&)>& final);

class Tally {
 public:
  Tally(TransferReport& report, size_t total, const TransferProgress& progress)
      : report_(report), total_(total), progress_(progress) {}
  void done(const RemoteResult& r, const std::string& what, uint64_t bytes);

 private:
  std::mutex mutex_;
  TransferReport& report_;
  size_t total_;
  const TransferProgress& progress_;
};

// 0 when it cannot be stat'ed.
uint64_t file_size(FileSystem& fs, const std::string& path);

}  // namespace pipeline
