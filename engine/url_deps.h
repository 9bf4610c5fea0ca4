// Deps by URL (http://, https://, s3://): DVC's external deps on remote
// storage. pipe never downloads them. A dep's digest stands for what the
// server says identifies this version of the object (its version id, else
// its ETag, else Last-Modified with the size), read with one HEAD, so a new
// object at the URL (a cron job's fresh data) makes the stage run again.
#pragma once

#include <string>

#include "digest.h"
#include "remote.h"

namespace pipeline {

// "s3://bucket/key", "https://host/x": a scheme, then "://".
bool is_url(const std::string& path);
// A dep outside the project, read where it is and never cached: a URL or
// an absolute path (DVC's external deps).
inline bool is_external_dep(const std::string& path) { return is_url(path) || (!path.empty() && path[0] == '/'); }

// The seam to the servers; remotes/url_stat.cpp has the real one.
class UrlStat {
 public:
  virtual ~UrlStat() = default;
  // HEAD of the object. kMissing when the server has none; kFailed or
  // kTransient when it cannot say (the error never holds credentials).
  virtual RemoteResult stat(const std::string& url, ObjectInfo* info) = 0;
};

// The digest recorded for an object: of "version:<id>", else "etag:<etag>",
// else "modified:<last-modified> size:<size>".
Digest url_digest(const ObjectInfo& info);

}  // namespace pipeline
