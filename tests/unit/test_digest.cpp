#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "digest.h"

using pipeline::Digest;

namespace {

// Writes `data` to a temp file and hashes it back with hash_fd.
Digest hash_through_file(const std::string& data, uint64_t* size) {
  char path[] = "/tmp/pipe-digest-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()));
  lseek(fd, 0, SEEK_SET);
  Digest d;
  REQUIRE(pipeline::hash_fd(fd, &d, size));
  close(fd);
  unlink(path);
  return d;
}

}  // namespace

TEST_CASE("Digest::of matches the XXH3-128 known answer for empty input") {
  // `printf '' | xxhsum -H2`
  CHECK(Digest::of("").hex() == "99aa06d3014798d86001c324468d497f");
}

TEST_CASE("Digest hex round-trips through parse and rejects malformed text") {
  const Digest d = Digest::of("hello");
  Digest back;
  REQUIRE(Digest::parse(d.hex(), &back));
  CHECK(back == d);
  CHECK_FALSE(Digest::parse("xyz", &back));
  CHECK_FALSE(Digest::parse(std::string(32, 'G'), &back));
  CHECK_FALSE(Digest::parse(std::string(31, 'a'), &back));
}

TEST_CASE("Hasher gives the same digest however the input is chunked") {
  std::string data(300'000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31 + 7);
  pipeline::Hasher h;
  for (size_t i = 0; i < data.size(); i += 777) h.update(std::string_view(data).substr(i, 777));
  CHECK(h.finish() == Digest::of(data));
}

TEST_CASE("hash_fd streams a file larger than its buffer and reports its size") {
  std::string data(1'000'003, 'x');
  data[500'000] = 'y';
  uint64_t size = 0;
  CHECK(hash_through_file(data, &size) == Digest::of(data));
  CHECK(size == data.size());
}

TEST_CASE("hash_fd gives the same digest through mmap (big files) as through read") {
  std::string data(20u << 20, '\0');  // above the mmap threshold
  for (size_t i = 0; i < data.size(); i += 4096) data[i] = static_cast<char>(i >> 12);
  uint64_t size = 0;
  const Digest d = hash_through_file(data, &size);
  CHECK(size == data.size());
  CHECK(d == Digest::of(data));
  pipeline::Hasher streamed;
  streamed.update(data);
  CHECK(streamed.finish() == d);
}

TEST_CASE("Digest bytes are the big-endian form of its hex") {
  const Digest d = Digest::of("bytes");
  unsigned char b[16];
  d.to_bytes(b);
  char hex[33];
  for (int i = 0; i < 16; ++i) std::snprintf(hex + 2 * i, 3, "%02x", b[i]);
  CHECK(std::string(hex) == d.hex());
  CHECK(Digest::from_bytes(b) == d);
}
