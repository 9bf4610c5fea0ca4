#include "transfer_rounds.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>
#include <vector>

namespace pipeline {
namespace {

// Capped exponential backoff with jitter: the wait before attempt
// `attempt + 1`, so that clients that failed together retry apart.
std::chrono::milliseconds backoff(int attempt) {
  thread_local std::mt19937 rng{std::random_device{}()};
  const int cap = std::min(2000, 100 << attempt);
  return std::chrono::milliseconds(std::uniform_int_distribution<int>(cap / 2, cap)(rng));
}

std::string gave_up() { return " (gave up after " + std::to_string(kTransferAttempts) + " attempts)"; }

}  // namespace

// Retries what is transient.
RemoteResult with_retries(const std::function<RemoteResult()>& op) {
  RemoteResult r;
  for (int attempt = 0; attempt < kTransferAttempts; ++attempt) {
    if (attempt) std::this_thread::sleep_for(backoff(attempt - 1));
    r = op();
    if (r.status != RemoteResult::Status::kTransient) return r;
  }
  r.error += gave_up();
  return r;
}

// Moves n objects in rounds: what fails transiently goes again in the next
// round, after a backoff. `settle` sees each attempt's result and may
// change it (a download that fails verification becomes transient);
// `final` sees each object's last result.
void transfer_with_retries(Remote& remote, size_t n, size_t jobs, const std::function<TransferItem(size_t)>& make,
                           const std::function<RemoteResult(const TransferItem&, const RemoteResult&)>& settle,
                           const std::function<void(size_t, const RemoteResult&)>& final) {
  std::vector<size_t> pending(n);
  for (size_t i = 0; i < n; ++i) pending[i] = i;
  for (int attempt = 0; !pending.empty(); ++attempt) {
    if (attempt) std::this_thread::sleep_for(backoff(attempt - 1));
    std::vector<TransferItem> items;
    for (size_t i : pending) items.push_back(make(i));
    std::vector<size_t> again;
    remote.transfer_many(items, jobs, [&](size_t k, const RemoteResult& result) {
      RemoteResult r = settle ? settle(items[k], result) : result;
      if (r.status == RemoteResult::Status::kTransient && attempt + 1 < kTransferAttempts) {
        again.push_back(pending[k]);
        return;
      }
      if (r.status == RemoteResult::Status::kTransient) r.error += gave_up();
      final(pending[k], r);
    });
    pending = std::move(again);
  }
}

void Tally::done(const RemoteResult& r, const std::string& what, uint64_t bytes) {
  std::lock_guard lock(mutex_);
  if (r.ok()) {
    ++report_.transferred;
    report_.bytes += bytes;
  } else {
    ++report_.failed;
    report_.errors.push_back(what + ": " + r.error);
  }
  if (progress_) progress_(report_, total_);
}

uint64_t file_size(FileSystem& fs, const std::string& path) {
  struct stat st;
  return fs.stat(path, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

}  // namespace pipeline
