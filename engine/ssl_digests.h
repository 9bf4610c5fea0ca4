// The digests pipe takes from OpenSSL's libcrypto, which stays in
// ssl_digests.cpp: SHA-256, where a standard asks for it (the lineage
// chain, S3 payload checksums, attestations), and MD5, which DVC names its
// data by (importing a DVC repository, pulling from a DVC remote).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "file_system.h"

namespace pipeline {

// 64 lowercase hex digits.
std::string sha256_hex(std::string_view data);
// Whether `s` has that form: a name that can be used as a key or uid.
inline bool is_sha256_hex(std::string_view s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}
// Of a file (or `length` bytes from `offset`; -1: to the end), streamed;
// false when it cannot be read.
bool sha256_file_hex(FileSystem& fs, const std::string& path, std::string* out, int64_t offset = 0,
                     int64_t length = -1);

// MD5, fed in pieces.
class Md5 {
 public:
  Md5();
  ~Md5();
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;
  void update(const void* data, size_t size);
  // 32 lowercase hex digits; the object is spent after it.
  std::string finish_hex();

 private:
  struct State;
  State* state_;
};

std::string md5_hex(std::string_view data);

}  // namespace pipeline
