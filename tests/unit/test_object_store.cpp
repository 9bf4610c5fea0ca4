#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <tuple>
#include <vector>
#include <fstream>
#include <sstream>
#include <string>

#include "error.h"
#include "faulty_file_system.h"
#include "object_store.h"

using namespace pipeline;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char dir[] = "/tmp/pipe-store-XXXXXX";
    REQUIRE(mkdtemp(dir));
    path = dir;
  }
  ~TempDir() { std::system(("chmod -R u+w " + path + " && rm -rf " + path).c_str()); }
  std::string write(const std::string& name, const std::string& data) const {
    const std::string p = path + "/" + name;
    std::ofstream(p, std::ios::binary) << data;
    return p;
  }
};

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("put_file stores a read-only object named by its digest, under the layout version") {
  TempDir t;
  ObjectStore store(t.path + "/cache");
  const std::string src = t.write("a.txt", "hello");
  store.put_file(src, Digest::of("hello"));
  const std::string obj = store.object_path(Digest::of("hello"));
  CHECK(obj.find("/cache/v1/") != std::string::npos);
  CHECK(slurp(obj) == "hello");
  struct stat st;
  REQUIRE(stat(obj.c_str(), &st) == 0);
  CHECK((st.st_mode & 0222) == 0);
  store.put_file(src, Digest::of("hello"));  // an existing object is success
  CHECK(store.has(Digest::of("hello")));
}

TEST_CASE("put_file refuses content that no longer matches the digest and stores nothing") {
  TempDir t;
  ObjectStore store(t.path + "/cache");
  const std::string src = t.write("a.txt", "changed since hashing");
  CHECK_THROWS_WITH_AS(store.put_file(src, Digest::of("original")), doctest::Contains("changed while"), Error);
  CHECK_FALSE(store.has(Digest::of("original")));
  CHECK_FALSE(store.has(Digest::of("changed since hashing")));
}

TEST_CASE("manifests round-trip and must match their directory digest") {
  TempDir t;
  ObjectStore store(t.path + "/cache");
  std::vector<ManifestEntry> entries = {{"sub/b.txt", Digest::of("b"), 1, false}, {"a.sh", Digest::of("a"), 1, true}};
  const Digest d = manifest_digest(entries);
  store.put_manifest(d, entries);
  std::vector<ManifestEntry> back;
  REQUIRE(store.read_manifest(d, &back));
  REQUIRE(back.size() == 2);
  CHECK(back[0].path == "a.sh");
  CHECK(back[0].executable);
  CHECK(back[1].digest == Digest::of("b"));
  CHECK_THROWS_AS(store.put_manifest(Digest::of("other"), entries), Error);
}

TEST_CASE("a manifest naming a path outside its directory is rejected") {
  TempDir t;
  ObjectStore store(t.path + "/cache");
  for (const std::string bad : {"../escape", "/etc/passwd", "a/../../b"}) {
    std::vector<ManifestEntry> entries = {{bad, Digest::of("x"), 1, false}};
    const Digest d = manifest_digest(entries);
    // Written by hand, as an attacker or a broken tool would.
    const std::string p = store.manifest_path(d);
    std::system(("mkdir -p " + p.substr(0, p.rfind('/'))).c_str());
    std::ofstream(p) << "pipe-manifest 1\n" << Digest::of("x").hex() << " 1 - " << bad << "\n";
    std::vector<ManifestEntry> back;
    CHECK_FALSE(store.read_manifest(d, &back));
  }
}

TEST_CASE("verify finds a corrupted object and repair removes it") {
  TempDir t;
  ObjectStore store(t.path + "/cache");
  store.put_file(t.write("a", "good"), Digest::of("good"));
  store.put_file(t.write("b", "will rot"), Digest::of("will rot"));
  const std::string rotten = store.object_path(Digest::of("will rot"));
  chmod(rotten.c_str(), 0644);
  std::ofstream(rotten, std::ios::binary) << "bit flip";
  size_t checked = 0;
  auto damage = store.verify({}, false, &checked);
  CHECK(checked == 2);
  REQUIRE(damage.size() == 1);
  CHECK(damage[0].problem.find("content hashes to") == 0);
  CHECK(store.has(Digest::of("will rot")));
  damage = store.verify({Digest::of("will rot")}, true, nullptr);
  CHECK(damage.size() == 1);
  CHECK_FALSE(store.has(Digest::of("will rot")));
  CHECK(store.verify({}, false, nullptr).empty());
}

TEST_CASE("verify reports an object that cannot be read, with the reason, and keeps it unless repairing") {
  TempDir t;
  pipeline::testing::FaultyFileSystem fs(t.path, t.path + "/.backup");
  ObjectStore store(t.path + "/cache", fs);
  store.put_file(t.write("a", "first"), Digest::of("first"));
  store.put_file(t.write("b", "second"), Digest::of("second"));
  using Op = pipeline::testing::FaultyFileSystem::Op;
  fs.fail_nth(Op::kRead, 1, EIO);  // the first object read, whichever sorts first
  size_t checked = 0;
  auto damage = store.verify({}, false, &checked);
  CHECK(checked == 2);
  REQUIRE(damage.size() == 1);
  CHECK(damage[0].problem == "cannot be read: Input/output error");
  CHECK(store.has(Digest::of("first")));
  CHECK(store.has(Digest::of("second")));
  fs.fail_nth(Op::kOpen, 1, EACCES);
  damage = store.verify({Digest::of("first")}, false, nullptr);
  REQUIRE(damage.size() == 1);
  CHECK(damage[0].problem == "cannot be read: Permission denied");
  // A folder that cannot be listed hides what it holds: reported too.
  fs.fail_nth(Op::kOpen, 1, EACCES);
  damage = store.verify({}, false, &checked);
  REQUIRE(damage.size() == 1);
  CHECK(damage[0].object == "v1");
  CHECK(damage[0].problem == "cannot list '" + t.path + "/cache/v1': Permission denied");
  CHECK(store.verify({}, false, nullptr).empty());
}

TEST_CASE("restore_file writes the object's content, and says when it is missing") {
  TempDir t;
  ObjectStore store(t.path + "/cache");
  store.put_file(t.write("a", "payload"), Digest::of("payload"));
  const std::string target = t.path + "/restored.txt";
  store.restore_file(Digest::of("payload"), target, false);
  CHECK(slurp(target) == "payload");
  CHECK_THROWS_WITH_AS(store.restore_file(Digest::of("absent"), target, false), doctest::Contains("not in the cache"),
                       Error);
  CHECK(slurp(target) == "payload");  // untouched by the failed restore
}

namespace {

struct stat stat_of(const std::string& p) {
  struct stat st {};
  REQUIRE(lstat(p.c_str(), &st) == 0);
  return st;
}

PutItem item_for(const std::string& path, const std::string& content) {
  const struct stat st = stat_of(path);
  return {path, Digest::of(content), static_cast<uint64_t>(st.st_size),
          static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec, false};
}

}  // namespace

TEST_CASE("link types parse in DVC's comma-separated form, and typos are refused with a suggestion") {
  std::vector<LinkType> order;
  std::string why;
  REQUIRE(parse_link_types("reflink, hardlink,copy", &order, &why));
  CHECK(order == std::vector<LinkType>{LinkType::kReflink, LinkType::kHardlink, LinkType::kCopy});
  CHECK_FALSE(parse_link_types("hardlnk", &order, &why));
  CHECK(why.find("did you mean 'hardlink'") != std::string::npos);
  CHECK_FALSE(parse_link_types("copy,copy", &order, &why));
  CHECK(why.find("twice") != std::string::npos);
  CHECK_FALSE(parse_link_types("", &order, &why));
}

TEST_CASE("with hardlink first, a new object is the workspace file's own inode, made read-only") {
  TempDir t;
  ObjectStore store(t.path + "/cache");
  store.set_link_types({LinkType::kHardlink, LinkType::kCopy});
  const std::string src = t.write("data.csv", "rows");
  store.put_files({item_for(src, "rows")});
  const std::string obj = store.object_path(Digest::of("rows"));
  CHECK(stat_of(obj).st_ino == stat_of(src).st_ino);
  CHECK((stat_of(src).st_mode & 0222) == 0);
  CHECK(store.relink_file(Digest::of("rows"), src, false) == LinkType::kHardlink);
}

TEST_CASE("a hard-linked commit notices a file that changed since it was hashed") {
  TempDir t;
  ObjectStore store(t.path + "/cache");
  store.set_link_types({LinkType::kHardlink});
  const std::string src = t.write("data.csv", "rows");
  PutItem stale = item_for(src, "rows");
  std::ofstream(src, std::ios::binary) << "other rows";
  CHECK_THROWS_WITH_AS(store.put_files({stale}), doctest::Contains("changed while"), Error);
  CHECK_FALSE(store.has(Digest::of("rows")));
}

TEST_CASE("restore by hardlink and symlink shares the object; executables get a copy of their own") {
  TempDir t;
  ObjectStore store(t.path + "/cache");
  store.put_file(t.write("a", "payload"), Digest::of("payload"));
  const std::string obj = store.object_path(Digest::of("payload"));

  store.set_link_types({LinkType::kHardlink, LinkType::kCopy});
  const std::string hard = t.path + "/hard.txt";
  CHECK(store.restore_file(Digest::of("payload"), hard, false) == LinkType::kHardlink);
  CHECK(stat_of(hard).st_ino == stat_of(obj).st_ino);
  const std::string tool = t.path + "/tool";
  CHECK(store.restore_file(Digest::of("payload"), tool, true) == LinkType::kCopy);
  CHECK((stat_of(tool).st_mode & 0100) != 0);
  CHECK(stat_of(tool).st_ino != stat_of(obj).st_ino);

  store.set_link_types({LinkType::kSymlink});
  const std::string soft = t.path + "/soft.txt";
  CHECK(store.restore_file(Digest::of("payload"), soft, false) == LinkType::kSymlink);
  CHECK(S_ISLNK(stat_of(soft).st_mode));
  CHECK(slurp(soft) == "payload");
}

TEST_CASE("restoring over a link whose object was edited in place reports the damage") {
  TempDir t;
  ObjectStore store(t.path + "/cache");
  store.set_link_types({LinkType::kHardlink});
  store.put_file(t.write("a", "payload"), Digest::of("payload"));
  const std::string target = t.path + "/out.txt";
  store.restore_file(Digest::of("payload"), target, false);
  chmod(target.c_str(), 0644);
  std::ofstream(target, std::ios::app) << " edited";  // as root would, through the link
  CHECK_THROWS_WITH_AS(store.restore_file(Digest::of("payload"), target, false), doctest::Contains("edited in place"),
                       Error);
}

TEST_CASE("relink with copy leaves the workspace file alone, and turns a leftover link into a copy") {
  TempDir t;
  ObjectStore store(t.path + "/cache");
  const std::string src = t.write("a", "payload");
  store.put_file(src, Digest::of("payload"));
  const ino_t before = stat_of(src).st_ino;
  CHECK(store.relink_file(Digest::of("payload"), src, false) == LinkType::kCopy);
  CHECK(stat_of(src).st_ino == before);

  store.set_link_types({LinkType::kHardlink});
  const std::string linked = t.path + "/linked";
  store.restore_file(Digest::of("payload"), linked, false);
  store.set_link_types({LinkType::kCopy});
  store.relink_file(Digest::of("payload"), linked, false);
  CHECK(stat_of(linked).st_nlink == 1);
  CHECK((stat_of(linked).st_mode & 0200) != 0);
}

// Crash safety at the level where it can be checked: the power goes at each
// sync point in turn (see faulty_file_system.h), and what the disk then
// holds must satisfy the cache's promise.

namespace {

// Every object present under v1/ hashes to its name.
void check_no_wrong_object(const std::string& cache) {
  ObjectStore fresh(cache);
  size_t checked = 0;
  const auto damage = fresh.verify({}, false, &checked);
  for (const auto& d : damage) FAIL_CHECK(d.object << ": " << d.problem);
}

}  // namespace

TEST_CASE("a power cut at any sync point of a batch put leaves no object that differs from its name") {
  const std::vector<std::string> contents = {"first object", "second, a little longer", "", "first object"};
  int cut = 1;
  for (;; ++cut) {
    CAPTURE(cut);
    TempDir t;
    const std::string cache = t.path + "/cache";
    ObjectStore(cache).put_file(t.write("old", "already cached"), Digest::of("already cached"));
    std::vector<PutItem> items;
    for (size_t i = 0; i < contents.size(); ++i)
      items.push_back(item_for(t.write("src" + std::to_string(i), contents[i]), contents[i]));
    pipeline::testing::FaultyFileSystem fs(t.path, t.path + "/.backup");
    ObjectStore store(cache, fs);
    store.set_link_types({LinkType::kCopy});
    fs.cut_power_at_sync(cut);
    try {
      store.put_files(items);
      store.put_manifest(manifest_digest({{"a", Digest::of("first object"), 12}}), {{"a", Digest::of("first object"), 12}});
    } catch (const Error&) {
      CHECK(fs.dead());
    }
    const bool finished = !fs.dead();
    fs.power_restored();
    check_no_wrong_object(cache);
    CHECK(ObjectStore(cache).has(Digest::of("already cached")));
    // The next run stores what the cut lost.
    ObjectStore again(cache);
    again.put_files(items);
    for (const std::string& c : contents) CHECK(again.has(Digest::of(c)));
    check_no_wrong_object(cache);
    if (finished) break;
  }
  CHECK(cut >= 4);  // two syncs for the batch, two for the manifest
}

TEST_CASE("a power cut while restoring a file leaves the old file or the whole object, never a short one") {
  for (LinkType type : {LinkType::kCopy, LinkType::kHardlink}) {
    CAPTURE(link_type_name(type));
    int cut = 1;
    for (;; ++cut) {
      CAPTURE(cut);
      TempDir t;
      const std::string cache = t.path + "/cache";
      ObjectStore(cache).put_file(t.write("src", "the restored content"), Digest::of("the restored content"));
      const std::string target = t.write("out.txt", "the user's old file");
      pipeline::testing::FaultyFileSystem fs(t.path, t.path + "/.backup");
      ObjectStore store(cache, fs);
      store.set_link_types({type});
      fs.cut_power_at_sync(cut);
      try {
        store.restore_file(Digest::of("the restored content"), target, false);
      } catch (const Error&) {
        CHECK(fs.dead());
      }
      const bool finished = !fs.dead();
      fs.power_restored();
      const std::string now = slurp(target);
      CHECK((now == "the user's old file" || now == "the restored content"));
      check_no_wrong_object(cache);
      if (finished) break;
    }
  }
}

TEST_CASE("a full disk or a failed rename during a batch put stores only whole objects and leaves no temp file") {
  using Op = pipeline::testing::FaultyFileSystem::Op;
  for (auto [op, n, err] : {std::tuple{Op::kWrite, 2, ENOSPC}, std::tuple{Op::kRename, 2, EIO},
                            std::tuple{Op::kSync, 1, EIO}, std::tuple{Op::kCreate, 3, ENOSPC}}) {
    CAPTURE(static_cast<int>(op));
    TempDir t;
    const std::string cache = t.path + "/cache";
    std::vector<PutItem> items;
    for (int i = 0; i < 4; ++i) {
      const std::string c = "content " + std::to_string(i);
      items.push_back(item_for(t.write("src" + std::to_string(i), c), c));
    }
    pipeline::testing::FaultyFileSystem fs(t.path, t.path + "/.backup");
    ObjectStore store(cache, fs);
    store.set_link_types({LinkType::kCopy});
    fs.fail_nth(op, n, err);
    CHECK_THROWS_AS(store.put_files(items), Error);
    check_no_wrong_object(cache);
    CHECK(std::filesystem::is_empty(cache + "/tmp"));
  }
}

namespace {

// A download as the transfer engine writes one: at download_path.
ObjectStore::Download download(const ObjectStore& store, const std::string& content) {
  const Digest d = Digest::of(content);
  const std::string path = store.download_path(d);
  std::ofstream(path, std::ios::binary) << content;
  return {path, d};
}

// Content whose digest starts with `prefix`, the folder an object goes in.
std::string content_in(const std::string& prefix, const std::string& seed) {
  for (int i = 0;; ++i) {
    const std::string c = seed + std::to_string(i);
    if (Digest::of(c).hex().compare(0, 2, prefix) == 0) return c;
  }
}

ino_t inode_of(const std::string& path) {
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_ino;
}

std::string folder_of(const std::string& path) { return std::filesystem::path(path).parent_path().string(); }

}  // namespace

TEST_CASE("downloads into a fresh cache are staged as whole prefix folders, each moved into place by one rename") {
  TempDir t;
  ObjectStore store(t.path + "/cache");
  std::vector<ObjectStore::Download> got;
  std::vector<std::string> contents;
  for (int i = 0; i < 600; ++i) {
    contents.push_back("object " + std::to_string(i));
    got.push_back(download(store, contents.back()));
  }
  const std::string staged = folder_of(got[0].tmp);
  CHECK(staged.rfind(t.path + "/cache/tmp/", 0) == 0);
  CHECK(std::filesystem::path(got[0].tmp).filename() == got[0].digest.hex().substr(2));
  const ino_t folder = inode_of(staged);
  // A second download of an object (a retry) never shares its staged file.
  CHECK(folder_of(store.download_path(got[0].digest)) == t.path + "/cache/tmp");
  store.adopt_checked(got);
  // The staged folder itself became the cache's: no object was renamed alone.
  CHECK(inode_of(folder_of(store.object_path(got[0].digest))) == folder);
  for (size_t i = 0; i < got.size(); ++i) CHECK(slurp(store.object_path(got[i].digest)) == contents[i]);
  CHECK(std::filesystem::is_empty(t.path + "/cache/tmp"));
  CHECK(store.verify({}, false, nullptr).empty());
}

TEST_CASE("a download whose prefix folder the cache has already goes to a temp file and is renamed alone") {
  TempDir t;
  ObjectStore store(t.path + "/cache");
  const std::string old = content_in("5a", "old ");
  store.put_file(t.write("old", old), Digest::of(old));
  const std::string fresh = content_in("5a", "new ");
  const ObjectStore::Download d = download(store, fresh);
  CHECK(folder_of(d.tmp) == t.path + "/cache/tmp");
  store.adopt_checked({d});
  CHECK(slurp(store.object_path(Digest::of(fresh))) == fresh);
  CHECK(slurp(store.object_path(Digest::of(old))) == old);
  CHECK(std::filesystem::is_empty(t.path + "/cache/tmp"));
}

TEST_CASE("staged folders: one another process filled meanwhile, a stray file, and one whose downloads all failed") {
  TempDir t;
  const std::string cache = t.path + "/cache";
  ObjectStore store(cache);
  const std::string a = content_in("a0", "a "), b = content_in("b0", "b "), c = content_in("c0", "c ");
  const ObjectStore::Download da = download(store, a), db = download(store, b), dc = download(store, c);
  REQUIRE(folder_of(da.tmp) != cache + "/v1/a0");
  // Another process stores an object under a0 before this batch is adopted.
  const std::string other = content_in("a0", "other ");
  ObjectStore(cache).put_file(t.write("other", other), Digest::of(other));
  // A failed try's file left in b0's staged folder must not become an object.
  const std::string stray = content_in("b0", "stray ");
  std::ofstream(folder_of(db.tmp) + "/" + Digest::of(stray).hex().substr(2)) << "half of it";
  // c0's only download failed: its caller removed it.
  std::filesystem::remove(dc.tmp);
  store.adopt_checked({da, db});
  CHECK(slurp(store.object_path(Digest::of(a))) == a);
  CHECK(slurp(store.object_path(Digest::of(other))) == other);
  CHECK(slurp(store.object_path(Digest::of(b))) == b);
  CHECK_FALSE(store.has(Digest::of(stray)));
  CHECK_FALSE(std::filesystem::exists(cache + "/v1/c0"));
  CHECK(std::filesystem::is_empty(cache + "/tmp"));
  CHECK(store.verify({}, false, nullptr).empty());
}

TEST_CASE("a failed rename while adopting staged downloads leaves no object and no staged folder") {
  using Op = pipeline::testing::FaultyFileSystem::Op;
  TempDir t;
  const std::string cache = t.path + "/cache";
  pipeline::testing::FaultyFileSystem fs(t.path, t.path + "/.backup");
  ObjectStore store(cache, fs);
  std::vector<ObjectStore::Download> got;
  for (int i = 0; i < 40; ++i) got.push_back(download(store, "object " + std::to_string(i)));
  fs.fail_nth(Op::kRename, 3, EIO);
  CHECK_THROWS_AS(store.adopt_checked(got), Error);
  CHECK(std::filesystem::is_empty(cache + "/tmp"));
  CHECK(store.verify({}, false, nullptr).empty());  // two folders made it, whole
  // The next batch stages afresh what is still missing.
  std::vector<ObjectStore::Download> again;
  for (int i = 0; i < 40; ++i)
    if (!store.has(Digest::of("object " + std::to_string(i)))) again.push_back(download(store, "object " + std::to_string(i)));
  CHECK(again.size() < got.size());
  store.adopt_checked(again);
  for (int i = 0; i < 40; ++i) CHECK(store.has(Digest::of("object " + std::to_string(i))));
}
