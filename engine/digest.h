// XXH3-128 content digests. Hex form is the canonical big-endian one that
// `xxhsum -H2` prints, so users can check any recorded digest by hand.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pipeline {

class Digest {
 public:
  Digest() = default;
  Digest(uint64_t high, uint64_t low) : high_(high), low_(low) {}
  static Digest of(std::string_view data);
  // Parses 32 lowercase hex digits; returns false on anything else.
  static bool parse(std::string_view hex, Digest* out);

  std::string hex() const;
  uint64_t low() const { return low_; }  // 64 of the bits, for hash tables
  // 16 bytes, big-endian (the canonical XXH128 byte order).
  void to_bytes(unsigned char out[16]) const;
  static Digest from_bytes(const unsigned char in[16]);
  bool operator==(const Digest&) const = default;
  bool operator<(const Digest& o) const {
    return high_ != o.high_ ? high_ < o.high_ : low_ < o.low_;
  }

 private:
  uint64_t high_ = 0;
  uint64_t low_ = 0;
};

// Streaming hasher: feed bytes in any chunks, constant memory.
class Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;
  void update(const void* data, size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  Digest finish() const;

 private:
  void* state_;  // XXH3_state_t; the xxHash types stay in digest.cpp
};

// Hashes an open file descriptor to EOF. Returns false (errno set) on read error.
bool hash_fd(int fd, Digest* out, uint64_t* size);

}  // namespace pipeline
