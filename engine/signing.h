// Signatures with a local key, for DSSE envelopes around provenance
// attestations. OpenSSL's libcrypto stays in signing.cpp (and sha256.cpp).
#pragma once

#include <string>

namespace pipeline {

// DSSE's pre-authentication encoding: what is signed, so that the payload
// type cannot be swapped under a signature.
std::string dsse_pae(const std::string& payload_type, const std::string& payload);

// Signs `data` with the private key in PEM file `key_path` (Ed25519, ECDSA
// with SHA-256, or RSA with SHA-256). Fills `keyid` with the SHA-256 of the
// public key (DER). Throws Error(kUsage) when the key cannot be read.
std::string sign_with_key(const std::string& key_path, const std::string& data, std::string* keyid);

// Checks `signature` over `data` with the public (or private) key in PEM
// file `key_path`. Throws Error(kUsage) when the key cannot be read.
bool verify_with_key(const std::string& key_path, const std::string& data, const std::string& signature);

// The public key (DER) of the key in PEM file `key_path`. Throws
// Error(kUsage) when it cannot be read.
std::string public_key_der(const std::string& key_path);
// Checks `signature` over `data` with a public key given as DER.
bool verify_with_public_der(const std::string& der, const std::string& data, const std::string& signature);
std::string base64_encode(const std::string& data);
bool base64_decode(const std::string& text, std::string* out);

}  // namespace pipeline
