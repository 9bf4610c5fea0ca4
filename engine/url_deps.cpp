#include "url_deps.h"

namespace pipeline {

bool is_url(const std::string& path) {
  const size_t sep = path.find("://");
  if (sep == std::string::npos || sep == 0) return false;
  for (size_t i = 0; i < sep; ++i) {
    const char c = path[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && ((c >= '0' && c <= '9') || c == '+' ||
                                                                                     c == '-' || c == '.'));
    if (!ok) return false;
  }
  return true;
}

Digest url_digest(const ObjectInfo& info) {
  std::string identity;
  if (!info.version_id.empty() && info.version_id != "null") identity = "version:" + info.version_id;
  else if (!info.etag.empty()) identity = "etag:" + info.etag;
  else identity = "modified:" + info.last_modified + " size:" + std::to_string(info.size);
  Hasher h;
  h.update(identity.data(), identity.size());
  return h.finish();
}

}  // namespace pipeline
