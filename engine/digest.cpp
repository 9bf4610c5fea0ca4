#define XXH_STATIC_LINKING_ONLY
#include "digest.h"

#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstdlib>
#include <memory>

namespace pipeline {

Digest Digest::of(std::string_view data) {
  const XXH128_hash_t h = XXH3_128bits(data.data(), data.size());
  return Digest(h.high64, h.low64);
}

bool Digest::parse(std::string_view hex, Digest* out) {
  if (hex.size() != 32) return false;
  uint64_t parts[2] = {0, 0};
  for (size_t i = 0; i < 32; ++i) {
    const char c = hex[i];
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else return false;
    parts[i / 16] = (parts[i / 16] << 4) | static_cast<uint64_t>(v);
  }
  *out = Digest(parts[0], parts[1]);
  return true;
}

std::string Digest::hex() const {
  static const char* digits = "0123456789abcdef";
  std::string s(32, '0');
  for (int i = 0; i < 16; ++i) {
    s[15 - i] = digits[(high_ >> (4 * i)) & 15];
    s[31 - i] = digits[(low_ >> (4 * i)) & 15];
  }
  return s;
}

Hasher::Hasher() : state_(XXH3_createState()) {
  if (!state_) std::abort();
  XXH3_128bits_reset(static_cast<XXH3_state_t*>(state_));
}

Hasher::~Hasher() { XXH3_freeState(static_cast<XXH3_state_t*>(state_)); }

void Hasher::update(const void* data, size_t size) {
  XXH3_128bits_update(static_cast<XXH3_state_t*>(state_), data, size);
}

Digest Hasher::finish() const {
  const XXH128_hash_t h = XXH3_128bits_digest(static_cast<XXH3_state_t*>(state_));
  return Digest(h.high64, h.low64);
}

bool hash_fd(int fd, Digest* out, uint64_t* size) {
  // 64 KiB: measured faster here than larger buffers, which glibc serves
  // with mmap (see docs/benchmarks.md).
  constexpr size_t kBuffer = 64 * 1024;
  alignas(64) static thread_local unsigned char buffer[kBuffer];
  XXH3_state_t state;
  XXH3_128bits_reset(&state);
  uint64_t total = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buffer, kBuffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    XXH3_128bits_update(&state, buffer, static_cast<size_t>(n));
    total += static_cast<uint64_t>(n);
  }
  const XXH128_hash_t h = XXH3_128bits_digest(&state);
  *out = Digest(h.high64, h.low64);
  if (size) *size = total;
  return true;
}

}  // namespace pipeline
