// Running one loop on several threads: reading, hashing and creating many
// small files is syscall-bound, and a second core nearly doubles the rate.
// Each caller's `work` takes items from a shared counter until none are left.
#pragma once

#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace pipeline {

// Threads for `items` pieces of work: up to 4 (and the cores), none extra
// below `worth` items, where a thread costs more than it saves.
inline size_t worker_count(size_t items, size_t worth = 64) {
  if (items < worth) return 1;
  return std::min<size_t>({4, std::max(1u, std::thread::hardware_concurrency()), items});
}

// Runs `work` on `threads` threads, this one among them, and joins them.
template <typename Work>
void run_workers(size_t threads, Work&& work) {
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
}

}  // namespace pipeline
