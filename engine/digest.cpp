#define XXH_STATIC_LINKING_ONLY
#include "digest.h"

#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <xxhash.h>

#include <cerrno>

#include <cstdlib>
#include <memory>

namespace pipeline {

namespace sse2 {
void hash_bytes(const void* data, size_t size, uint64_t* high, uint64_t* low);
bool hash_fd(int fd, uint64_t* high, uint64_t* low, uint64_t* size);
}  // namespace sse2
namespace avx2 {
void hash_bytes(const void* data, size_t size, uint64_t* high, uint64_t* low);
bool hash_fd(int fd, uint64_t* high, uint64_t* low, uint64_t* size);
}  // namespace avx2

namespace {

// AVX2 hashes about 1.5x faster than the SSE2 baseline; the binary stays
// portable by asking the CPU once.
const bool kHasAvx2 = __builtin_cpu_supports("avx2");

}  // namespace

Digest Digest::of(std::string_view data) {
  uint64_t high, low;
  if (kHasAvx2) avx2::hash_bytes(data.data(), data.size(), &high, &low);
  else sse2::hash_bytes(data.data(), data.size(), &high, &low);
  return Digest(high, low);
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

void Digest::to_bytes(unsigned char out[16]) const {
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<unsigned char>(high_ >> (56 - 8 * i));
    out[8 + i] = static_cast<unsigned char>(low_ >> (56 - 8 * i));
  }
}

Digest Digest::from_bytes(const unsigned char in[16]) {
  uint64_t high = 0, low = 0;
  for (int i = 0; i < 8; ++i) {
    high = (high << 8) | in[i];
    low = (low << 8) | in[8 + i];
  }
  return Digest(high, low);
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

namespace {

// Big files are hashed through mmap: no copy from the page cache into a
// buffer, which was half the time for a 1 GiB file (docs/benchmarks.md).
// A file truncated while mapped raises SIGBUS on access; the handler turns
// that into a read error for the thread that was hashing.
constexpr uint64_t kMapThreshold = 8ull << 20;
thread_local sigjmp_buf* mapped_read_jump = nullptr;

void on_sigbus(int sig, siginfo_t*, void*) {
  if (mapped_read_jump) siglongjmp(*mapped_read_jump, 1);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void install_sigbus_handler() {
  static const bool installed = [] {
    struct sigaction sa {};
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    return ::sigaction(SIGBUS, &sa, nullptr) == 0;
  }();
  (void)installed;
}

// Returns 1 on success, 0 on error (errno set), -1 when mapping is not possible.
int hash_mapped(int fd, uint64_t size, uint64_t* high, uint64_t* low) {
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (map == MAP_FAILED) return -1;
  ::madvise(map, size, MADV_SEQUENTIAL);  // advice values are not flags: two calls
  ::madvise(map, size, MADV_WILLNEED);
  install_sigbus_handler();
  sigjmp_buf jump;
  int result = 1;
  if (sigsetjmp(jump, 1) == 0) {
    mapped_read_jump = &jump;
    if (kHasAvx2) avx2::hash_bytes(map, size, high, low);
    else sse2::hash_bytes(map, size, high, low);
  } else {
    errno = EIO;  // the file shrank under us
    result = 0;
  }
  mapped_read_jump = nullptr;
  ::munmap(map, size);
  return result;
}

}  // namespace

bool hash_fd(int fd, Digest* out, uint64_t* size) {
  uint64_t high, low;
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) >= kMapThreshold) {
    const uint64_t length = static_cast<uint64_t>(st.st_size);
    const int mapped = hash_mapped(fd, length, &high, &low);
    if (mapped == 0) return false;
    if (mapped == 1) {
      *out = Digest(high, low);
      if (size) *size = length;
      return true;
    }
  }
  const bool ok = kHasAvx2 ? avx2::hash_fd(fd, &high, &low, size) : sse2::hash_fd(fd, &high, &low, size);
  if (ok) *out = Digest(high, low);
  return ok;
}

}  // namespace pipeline
