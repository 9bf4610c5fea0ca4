// The registry through a remote (registry_share.cpp), against a directory
// remote: what a push sends, what a fetch imports, and what it refuses.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "backends.h"
#include "lineage_remote.h"
#include "registry_pack.h"
#include "ssl_digests.h"
#include "temp_project.h"
#include "transfer.h"

using namespace pipeline;
using pipeline::testing::TempDir;
using pipeline::testing::TempProject;

namespace {

ModelEvent promotion(const std::string& version, const std::string& user, int64_t at) {
  ModelEvent e;
  e.model = "clf";
  e.version = version;
  e.stage = "production";
  e.action = "promote";
  e.user = user;
  e.host = "h";
  e.at_ns = at;
  e.details = "{}";
  return e;
}

size_t event_count(TempProject& p) { return LineageStore(p.lineage_path()).events("").size(); }

void write_pack_file(const std::string& remote_dir, const std::string& bytes) {
  std::filesystem::create_directories(remote_dir + "/lineage/packs");
  std::ofstream(remote_dir + "/lineage/packs/" + sha256_hex(bytes), std::ios::binary) << bytes;
}

}  // namespace

TEST_CASE("a push sends what the remote lacks as one pack, and a fetch imports it once") {
  TempProject a, b;
  TempDir remote_dir;
  auto remote = open_remote({"r", remote_dir.path, {}, &real_file_system()});
  LineageStore(a.lineage_path()).add_event(promotion("1.0.0", "alice", 10));
  TransferReport pushed;
  push_registry(a.project, *remote, pushed);
  CHECK(pushed.records_shared == 1);
  TransferReport again;
  push_registry(a.project, *remote, again);
  CHECK(again.records_shared == 0);

  TransferReport fetched;
  fetch_registry(b.project, *remote, 4, fetched);
  CHECK(fetched.events_imported == 1);
  CHECK(fetched.failed == 0);
  TransferReport second;
  fetch_registry(b.project, *remote, 4, second);
  CHECK(second.events_imported == 0);
  // What b read there it does not send back.
  TransferReport from_b;
  push_registry(b.project, *remote, from_b);
  CHECK(from_b.records_shared == 0);
}

TEST_CASE("a remote that lost its packs gets everything again on the next push") {
  TempProject a;
  TempDir remote_dir;
  auto remote = open_remote({"r", remote_dir.path, {}, &real_file_system()});
  LineageStore(a.lineage_path()).add_event(promotion("1.0.0", "alice", 10));
  TransferReport first;
  push_registry(a.project, *remote, first);
  std::filesystem::remove_all(remote_dir.path + "/lineage");
  TransferReport second;
  push_registry(a.project, *remote, second);
  CHECK(second.records_shared == 1);
}

TEST_CASE("a bad pack costs only itself; names that are not packs are ignored") {
  TempProject a, b;
  TempDir remote_dir;
  auto remote = open_remote({"r", remote_dir.path, {}, &real_file_system()});
  LineageStore(a.lineage_path()).add_event(promotion("1.0.0", "alice", 10));
  TransferReport pushed;
  push_registry(a.project, *remote, pushed);
  // A run that matches its uid but that no pipe could have written.
  RegistryPack bad;
  const std::string run_bytes = std::string(64, '0') + "\nnot json";
  SharedRun run;
  REQUIRE(SharedRun::parse(sha256_hex(run_bytes), run_bytes, &run));
  bad.runs.push_back(run);
  write_pack_file(remote_dir.path, write_pack(bad));
  std::ofstream(remote_dir.path + "/lineage/packs/.tmp-upload-123") << "partial";
  TransferReport fetched;
  fetch_registry(b.project, *remote, 4, fetched);
  CHECK(fetched.events_imported == 1);
  CHECK(fetched.failed == 1);
  REQUIRE(fetched.errors.size() == 1);
  CHECK(fetched.errors[0].find("not imported") != std::string::npos);
}

TEST_CASE("an event whose predecessor no pack holds yet waits for the fetch that brings it") {
  TempProject a, b;
  TempDir remote_dir;
  auto remote = open_remote({"r", remote_dir.path, {}, &real_file_system()});
  LineageStore store(a.lineage_path());
  store.add_event(promotion("1.0.0", "alice", 10));
  store.add_event(promotion("1.1.0", "alice", 20));
  const auto events = store.events("");
  RegistryPack parent, child;
  parent.events = {events[0]};
  child.events = {events[1]};
  write_pack_file(remote_dir.path, write_pack(child));
  TransferReport first;
  fetch_registry(b.project, *remote, 4, first);
  CHECK(first.events_imported == 0);
  REQUIRE(first.warnings.size() == 1);
  CHECK(first.warnings[0].find("predecessors") != std::string::npos);
  write_pack_file(remote_dir.path, write_pack(parent));
  TransferReport second;
  fetch_registry(b.project, *remote, 4, second);
  CHECK(second.events_imported == 2);
  CHECK(event_count(b) == 2);
  CHECK(LineageStore(b.lineage_path()).verify().ok);
}
