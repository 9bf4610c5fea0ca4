// Registry packs (registry_pack.cpp): what one push uploads, checked
// against its name and record by record.
#include <doctest/doctest.h>

#include "registry_pack.h"
#include "ssl_digests.h"

using namespace pipeline;

namespace {

RegistryPack sample() {
  RegistryPack p;
  const std::string run_bytes = std::string(64, '0') + "\n{\"user\":\"alice\"}";
  SharedRun r;
  REQUIRE(SharedRun::parse(sha256_hex(run_bytes), run_bytes, &r));
  p.runs.push_back(r);
  ModelEvent e;
  e.model = "clf";
  e.version = "1.0.0";
  e.stage = "production";
  e.action = "approve";
  e.user = "bob";
  e.host = "h";
  e.at_ns = 7;
  e.details = "{}";
  e.uid = sha256_hex(e.shared_bytes());
  p.events.push_back(e);
  return p;
}

}  // namespace

TEST_CASE("a pack reads back as the runs and events written into it") {
  const std::string bytes = write_pack(sample());
  RegistryPack back;
  std::string why;
  REQUIRE(read_pack(sha256_hex(bytes), bytes, &back, &why));
  REQUIRE(back.runs.size() == 1);
  REQUIRE(back.events.size() == 1);
  CHECK(back.runs[0].content == "{\"user\":\"alice\"}");
  CHECK(back.events[0].action == "approve");
  CHECK(back.events[0].uid == sample().events[0].uid);
}

TEST_CASE("a pack altered on the remote is refused whole, saying why") {
  const std::string bytes = write_pack(sample());
  RegistryPack back;
  std::string why;
  std::string altered = bytes;
  altered.replace(altered.find("bob"), 3, "eve");
  CHECK_FALSE(read_pack(sha256_hex(bytes), altered, &back, &why));
  CHECK(why.find("does not match its name") != std::string::npos);
  // Renamed to match: the event inside still does not match its uid.
  CHECK_FALSE(read_pack(sha256_hex(altered), altered, &back, &why));
  CHECK(why.find("event") != std::string::npos);
}

TEST_CASE("a truncated or malformed pack is refused, never read past its end") {
  const std::string bytes = write_pack(sample());
  RegistryPack back;
  std::string why;
  for (size_t cut : {size_t{5}, bytes.size() / 2, bytes.size() - 1}) {
    const std::string part = bytes.substr(0, cut);
    CHECK_FALSE(read_pack(sha256_hex(part), part, &back, &why));
  }
  const std::string huge = "pipe-registry-pack 1\nrun abc 99999999999\nx\n";
  CHECK_FALSE(read_pack(sha256_hex(huge), huge, &back, &why));
  const std::string kind = "pipe-registry-pack 1\nblob abc 1\nx\n";
  CHECK_FALSE(read_pack(sha256_hex(kind), kind, &back, &why));
  CHECK(why.find("unknown kind") != std::string::npos);
  const std::string empty = "pipe-registry-pack 1\n";
  CHECK(read_pack(sha256_hex(empty), empty, &back, &why));
}
