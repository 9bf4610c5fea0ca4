#include "registry_pack.h"

#include <cstdlib>

#include "ssl_digests.h"

namespace pipeline {
namespace {

const std::string kMagic = "pipe-registry-pack 1\n";

void add(std::string* out, const char* kind, const std::string& uid, const std::string& bytes) {
  *out += kind;
  *out += ' ' + uid + ' ' + std::to_string(bytes.size()) + '\n';
  *out += bytes;
  *out += '\n';
}

}  // namespace

std::string write_pack(const RegistryPack& pack) {
  std::string out = kMagic;
  for (const SharedRun& r : pack.runs) add(&out, "run", r.uid, r.bytes());
  for (const ModelEvent& e : pack.events) add(&out, "event", e.uid, e.shared_bytes());
  return out;
}

bool read_pack(const std::string& name, const std::string& bytes, RegistryPack* out, std::string* why) {
  if (sha256_hex(bytes) != name) return *why = "its content does not match its name (altered on the remote)", false;
  if (bytes.compare(0, kMagic.size(), kMagic) != 0) return *why = "it is not a registry pack this pipe can read", false;
  RegistryPack pack;
  size_t at = kMagic.size();
  while (at < bytes.size()) {
    const size_t nl = bytes.find('\n', at);
    if (nl == std::string::npos) return *why = "it ends inside a record header", false;
    const std::string header = bytes.substr(at, nl - at);
    const size_t s1 = header.find(' ');
    const size_t s2 = s1 == std::string::npos ? s1 : header.find(' ', s1 + 1);
    if (s2 == std::string::npos) return *why = "a record header is malformed: '" + header.substr(0, 80) + "'", false;
    const std::string kind = header.substr(0, s1);
    const std::string uid = header.substr(s1 + 1, s2 - s1 - 1);
    char* end = nullptr;
    const unsigned long long size = std::strtoull(header.c_str() + s2 + 1, &end, 10);
    if (*end != '\0' || header.size() == s2 + 1 || size > bytes.size() - nl - 1 || bytes.size() - nl - 1 - size < 1 ||
        bytes[nl + 1 + size] != '\n')
      return *why = "a record's size is wrong: '" + header.substr(0, 80) + "'", false;
    const std::string record = bytes.substr(nl + 1, size);
    if (kind == "run") {
      SharedRun r;
      if (!SharedRun::parse(uid, record, &r)) return *why = "run " + uid.substr(0, 12) + " does not match its uid", false;
      pack.runs.push_back(std::move(r));
    } else if (kind == "event") {
      ModelEvent e;
      if (!ModelEvent::parse_shared(uid, record, &e))
        return *why = "event " + uid.substr(0, 12) + " does not match its uid or is not an event", false;
      pack.events.push_back(std::move(e));
    } else {
      return *why = "a record has the unknown kind '" + kind.substr(0, 20) + "'", false;
    }
    at = nl + 1 + size + 1;
  }
  *out = std::move(pack);
  return true;
}

}  // namespace pipeline
