#include "ssl_digests.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cerrno>

#include "error.h"

namespace pipeline {

namespace {

std::string to_hex(const unsigned char* md, unsigned int len) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

}  // namespace

bool sha256_file_hex(FileSystem& fs, const std::string& path, std::string* out, int64_t offset, int64_t length) {
  const int fd = fs.open_read(path);
  if (fd < 0) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1;
  char buf[65536];
  while (ok && length != 0) {
    const size_t want = length < 0 ? sizeof buf : std::min<size_t>(sizeof buf, static_cast<size_t>(length));
    const ssize_t n = fs.pread(fd, buf, want, static_cast<off_t>(offset));
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      ok = false;
      break;
    }
    ok = EVP_DigestUpdate(ctx, buf, static_cast<size_t>(n)) == 1;
    offset += n;
    if (length > 0) length -= n;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  ok = ok && EVP_DigestFinal_ex(ctx, md, &len) == 1;
  EVP_MD_CTX_free(ctx);
  fs.close(fd);
  if (ok) *out = to_hex(md, len);
  return ok;
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1)
    throw Error(Exit::kInternal, "SHA-256 failed in libcrypto");
  return to_hex(md, len);
}

struct Md5::State {
  EVP_MD_CTX* ctx = nullptr;
};

Md5::Md5() : state_(new State) {
  state_->ctx = EVP_MD_CTX_new();
  if (!state_->ctx || EVP_DigestInit_ex(state_->ctx, EVP_md5(), nullptr) != 1) {
    EVP_MD_CTX_free(state_->ctx);
    delete state_;
    throw Error(Exit::kInternal, "MD5 is not available in libcrypto");
  }
}

Md5::~Md5() {
  EVP_MD_CTX_free(state_->ctx);
  delete state_;
}

void Md5::update(const void* data, size_t size) {
  if (size > 0 && EVP_DigestUpdate(state_->ctx, data, size) != 1) throw Error(Exit::kInternal, "MD5 failed in libcrypto");
}

std::string Md5::finish_hex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(state_->ctx, md, &len) != 1) throw Error(Exit::kInternal, "MD5 failed in libcrypto");
  return to_hex(md, len);
}

std::string md5_hex(std::string_view data) {
  Md5 h;
  h.update(data.data(), data.size());
  return h.finish_hex();
}

}  // namespace pipeline
