#include "signing.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <memory>

#include "error.h"
#include "ssl_digests.h"

namespace pipeline {
namespace {

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;

struct MdFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// A private key, or (when `public_ok`) a public one.
Key read_key(const std::string& path, bool public_ok) {
  std::FILE* f = std::fopen(path.c_str(), "re");
  if (!f) throw Error(Exit::kUsage, "cannot read the key '" + path + "'");
  Key key(PEM_read_PrivateKey(f, nullptr, nullptr, nullptr));
  if (!key && public_ok) {
    std::rewind(f);
    key.reset(PEM_read_PUBKEY(f, nullptr, nullptr, nullptr));
  }
  std::fclose(f);
  if (!key)
    throw Error(Exit::kUsage, "'" + path + "' holds no PEM " + (public_ok ? "key" : "private key") +
                                  " OpenSSL can read (e.g. 'openssl genpkey -algorithm ed25519 -out key.pem')");
  return key;
}

// Ed25519 and Ed448 sign the message itself; the rest sign its SHA-256.
const EVP_MD* digest_for(EVP_PKEY* key) {
  const int id = EVP_PKEY_get_id(key);
  return id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448 ? nullptr : EVP_sha256();
}

// The public half of `key`, DER-encoded.
std::string der_of(EVP_PKEY* key, const std::string& key_path) {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key, &der);
  if (len <= 0) throw Error(Exit::kUsage, "cannot derive the public key of '" + key_path + "'");
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

bool verify_with(EVP_PKEY* key, const std::string& data, const std::string& signature) {
  std::unique_ptr<EVP_MD_CTX, MdFree> ctx(EVP_MD_CTX_new());
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, digest_for(key), nullptr, key) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}

}  // namespace

std::string dsse_pae(const std::string& type, const std::string& body) {
  return "DSSEv1 " + std::to_string(type.size()) + " " + type + " " + std::to_string(body.size()) + " " + body;
}

std::string sign_with_key(const std::string& key_path, const std::string& data, std::string* keyid) {
  Key key = read_key(key_path, false);
  *keyid = sha256_hex(der_of(key.get(), key_path));
  std::unique_ptr<EVP_MD_CTX, MdFree> ctx(EVP_MD_CTX_new());
  size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, digest_for(key.get()), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, in, data.size()) != 1)
    throw Error(Exit::kFailed, "cannot sign with '" + key_path + "'");
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in, data.size()) != 1)
    throw Error(Exit::kFailed, "cannot sign with '" + key_path + "'");
  sig.resize(len);
  return sig;
}

std::string public_key_der(const std::string& key_path) {
  Key key = read_key(key_path, true);
  return der_of(key.get(), key_path);
}

bool verify_with_public_der(const std::string& der, const std::string& data, const std::string& signature) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  Key key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  return key && verify_with(key.get(), data, signature);
}

bool verify_with_key(const std::string& key_path, const std::string& data, const std::string& signature) {
  Key key = read_key(key_path, true);
  return verify_with(key.get(), data, signature);
}

std::string base64_encode(const std::string& data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool base64_decode(const std::string& text, std::string* out) {
  if (text.size() % 4 != 0) return false;
  out->assign(3 * text.size() / 4 + 1, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out->data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return false;
  size_t pad = 0;
  for (size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) ++pad;
  out->resize(static_cast<size_t>(n) - pad);
  return true;
}

}  // namespace pipeline
