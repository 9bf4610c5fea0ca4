#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "config.h"
#include "error.h"
#include "faulty_file_system.h"
#include "object_store.h"
#include "backends.h"
#include "responses.h"

using namespace pipeline;

namespace {

struct Dir {
  std::string path;
  Dir() {
    char d[] = "/tmp/pipe-remote-XXXXXX";
    REQUIRE(mkdtemp(d));
    path = d;
  }
  ~Dir() { std::system(("chmod -R u+w " + path + "; rm -rf " + path).c_str()); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path + "/" + name, std::ios::binary) << text;
    return path + "/" + name;
  }
  static std::string read(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
};

}  // namespace

TEST_CASE("a local remote stores, finds, serves and removes objects by key") {
  Dir d;
  auto remote = make_local_remote(d.path + "/remote");
  const std::string src = d.write("src", "payload");
  REQUIRE(remote->put("v1/ab/cdef", src).ok());
  std::vector<bool> present;
  REQUIRE(remote->exists_many({"v1/ab/cdef", "v1/ab/none"}, &present).ok());
  CHECK(present == std::vector<bool>{true, false});
  REQUIRE(remote->get("v1/ab/cdef", d.path + "/back").ok());
  CHECK(Dir::read(d.path + "/back") == "payload");
  CHECK(remote->get("v1/ab/none", d.path + "/x").status == RemoteResult::Status::kMissing);
  REQUIRE(remote->remove("v1/ab/cdef").ok());
  CHECK(remote->get("v1/ab/cdef", d.path + "/y").status == RemoteResult::Status::kMissing);
}

TEST_CASE("a local remote lists a folder's objects as whole keys, and a missing folder as none") {
  Dir d;
  auto remote = make_local_remote(d.path + "/remote");
  const std::string src = d.write("src", "p");
  REQUIRE(remote->put("lineage/packs/aa", src).ok());
  REQUIRE(remote->put("lineage/packs/bb", src).ok());
  REQUIRE(remote->put("lineage/runs/cc", src).ok());
  std::vector<std::string> keys;
  REQUIRE(remote->list("lineage/packs/", &keys).ok());
  std::sort(keys.begin(), keys.end());
  CHECK(keys == std::vector<std::string>{"lineage/packs/aa", "lineage/packs/bb"});
  REQUIRE(remote->list("nothing/", &keys).ok());
  CHECK(keys.empty());
}

TEST_CASE("a WebDAV listing gives the files' names, decoded, without folders, whatever the namespace prefix") {
  const std::string nginx =
      "<?xml version=\"1.0\"?><D:multistatus xmlns:D=\"DAV:\"><D:response><D:href>/r/lineage/packs/</D:href>"
      "</D:response><D:response><D:href>/r/lineage/packs/ab%20c</D:href></D:response><D:response>"
      "<D:href>/r/lineage/packs/sub/</D:href></D:response></D:multistatus>";
  CHECK(dav_file_names(nginx) == std::vector<std::string>{"ab c"});
  const std::string apache = "<d:multistatus xmlns:d=\"DAV:\"><d:response><d:href>http://h/x/one</d:href>"
                             "</d:response><response><href> /x/two </href></response></d:multistatus>";
  CHECK(dav_file_names(apache) == std::vector<std::string>{"one", "two"});
  CHECK(dav_file_names("<D:href>/x/%2F</D:href><D:href>unclosed").empty());
}

TEST_CASE("a downloaded object is adopted only when it hashes to its name") {
  Dir d;
  ObjectStore store(d.path + "/cache");
  std::string tmp = store.new_temp_path();
  std::ofstream(tmp) << "truncated";
  std::string why;
  CHECK_FALSE(store.adopt(tmp, Digest::of("the whole thing"), false, &why));
  CHECK(why.find("does not match its name") != std::string::npos);
  CHECK_FALSE(store.has(Digest::of("the whole thing")));
  CHECK(::access(tmp.c_str(), F_OK) != 0);  // not left behind
  tmp = store.new_temp_path();
  std::ofstream(tmp) << "the whole thing";
  CHECK(store.adopt(tmp, Digest::of("the whole thing"), false, &why));
  CHECK(store.has(Digest::of("the whole thing")));
}

TEST_CASE("remote settings: the default, a named one, relative paths, and clear errors") {
  Dir d;
  d.write("config", "[core]\nremote = \"b\"\n[remote.a]\nurl = \"rel/store\"\n[remote.b]\nurl = \"s3://bucket/x\"\n");
  const Config config = Config::load(d.path);
  CHECK(remote_settings(config, "", d.path).name == "b");
  const RemoteSettings a = remote_settings(config, "a", d.path);
  CHECK(a.url == d.path + "/rel/store");
  CHECK_THROWS_WITH_AS(remote_settings(config, "zz", d.path), doctest::Contains("no remote named 'zz'"), Error);
  CHECK_THROWS_WITH_AS(open_remote({"w", "ftp://host/x", {}}), doctest::Contains("ftp://"), Error);
  Dir none;
  CHECK_THROWS_WITH_AS(remote_settings(Config::load(none.path), "", none.path),
                       doctest::Contains("pipe remote add -d NAME URL"), Error);
}

TEST_CASE("a directory remote's upload killed before its rename leaves the temp file in tmp/, never beside an object") {
  Dir d;
  pipeline::testing::FaultyFileSystem fs(d.path, d.path + "/backup");
  auto remote = make_local_remote(d.path + "/remote", fs);
  const std::string src = d.write("src", "payload");
  fs.crash_at(pipeline::testing::FaultyFileSystem::Op::kRename, 1);
  CHECK_FALSE(remote->put("v1/ab/cdef", src).ok());
  fs.restarted();
  CHECK(std::filesystem::is_empty(d.path + "/remote/v1/ab"));  // the object's folder holds nothing else
  size_t temps = 0;
  for (const auto& e : std::filesystem::directory_iterator(d.path + "/remote/tmp")) temps += e.is_regular_file();
  CHECK(temps == 1);
}

namespace {

// Serves every key at once; counts what it was asked for.
class InstantRemote : public Remote {
 public:
  std::string describe() const override { return "instant"; }
  RemoteResult exists_many(const std::vector<std::string>& keys, std::vector<bool>* present) override {
    present->assign(keys.size(), true);
    return {};
  }
  RemoteResult get(const std::string&, const std::string&, DownloadCheck) override {
    ++gets;
    return {};
  }
  RemoteResult put(const std::string&, const std::string&) override { return {}; }
  RemoteResult remove(const std::string&) override { return {}; }
  std::atomic<int> gets{0};
};

}  // namespace

TEST_CASE("an error while handling one transfer stops the pool and reaches the caller, from any thread") {
  // Before: the exception escaped a worker thread, or unwound past the
  // joinable pool, and std::terminate ended the process (found by a power
  // cut during fetch: the cache's rename failed with EIO).
  for (size_t jobs : {size_t{1}, size_t{4}}) {
    CAPTURE(jobs);
    InstantRemote remote;
    std::vector<TransferItem> items(200);
    for (size_t i = 0; i < items.size(); ++i) items[i].key = "k" + std::to_string(i);
    std::atomic<int> handled{0};
    CHECK_THROWS_WITH_AS(remote.transfer_many(items, jobs,
                                              [&](size_t i, const RemoteResult&) {
                                                ++handled;
                                                if (i == 7) throw Error(Exit::kIo, "cannot rename: EIO");
                                              }),
                         "cannot rename: EIO", Error);
    CHECK(handled < 200);  // the rest was not handed out
    CHECK(remote.gets < 200);
  }
}
