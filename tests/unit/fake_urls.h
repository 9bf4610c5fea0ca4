// Objects by URL as a server would describe them, for deps by URL.
#pragma once

#include <map>
#include <string>

#include "url_deps.h"

namespace pipeline::testing {

class FakeUrls : public UrlStat {
 public:
  std::map<std::string, ObjectInfo> objects;
  bool down = false;  // every HEAD fails as a refused connection would
  int heads = 0;
  RemoteResult stat(const std::string& url, ObjectInfo* info) override {
    ++heads;
    if (down) return {RemoteResult::Status::kTransient, "connection refused"};
    auto it = objects.find(url);
    if (it == objects.end()) return {RemoteResult::Status::kMissing, "not found"};
    *info = it->second;
    return {};
  }
};

}  // namespace pipeline::testing
