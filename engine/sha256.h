// SHA-256, where a standard asks for it (the lineage chain; later S3 payload
// checksums and attestations). OpenSSL's libcrypto stays in sha256.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "file_system.h"

namespace pipeline {

// 64 lowercase hex digits.
std::string sha256_hex(std::string_view data);
// Of a file (or `length` bytes from `offset`; -1: to the end), streamed;
// false when it cannot be read.
bool sha256_file_hex(FileSystem& fs, const std::string& path, std::string* out, int64_t offset = 0,
                     int64_t length = -1);

}  // namespace pipeline
