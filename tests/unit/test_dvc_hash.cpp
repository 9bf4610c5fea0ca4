// DVC's hashes, checked against values DVC itself produces (its own tests'
// vectors, and Python's hashlib/json for the same bytes).
#include <doctest/doctest.h>

#include <string>

#include "dvc_hash.h"
#include "temp_project.h"

using namespace pipeline;

namespace {

std::string dvc_md5(DvcHashKind kind, const std::string& bytes, size_t piece = 7) {
  DvcFileHash h(kind);
  for (size_t i = 0; i < bytes.size(); i += piece) h.update(bytes.data() + i, std::min(piece, bytes.size() - i));
  return h.finish_hex();
}

}  // namespace

TEST_CASE("DVC 3's md5 is MD5 of the bytes, CRLF and all") {
  CHECK(md5_hex("") == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(dvc_md5(DvcHashKind::kMd5, "") == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(dvc_md5(DvcHashKind::kMd5, "foo") == "acbd18db4cc2f85cedef654fccc4a4d8");
  CHECK(dvc_md5(DvcHashKind::kMd5, "a\r\nb\r\n") == md5_hex("a\r\nb\r\n"));
}

TEST_CASE("DVC 2's md5-dos2unix turns CRLF into LF in text files only") {
  CHECK(dvc_md5(DvcHashKind::kMd5Dos2Unix, "") == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(dvc_md5(DvcHashKind::kMd5Dos2Unix, "a\r\nb\r\n") == md5_hex("a\nb\n"));
  CHECK(dvc_md5(DvcHashKind::kMd5Dos2Unix, "lone\rCR\r\r\n") == md5_hex("lone\rCR\r\n"));
  // A NUL makes it binary: nothing is converted.
  const std::string binary = std::string("x\0y\r\n", 5);
  CHECK(dvc_md5(DvcHashKind::kMd5Dos2Unix, binary) == md5_hex(binary));
  // More than 30% of bytes outside printable ASCII: binary too.
  const std::string mostly_high = "\xe9\xe9\xe9\xe9" "ab\r\n";
  CHECK_FALSE(dvc_text_block(mostly_high));
  CHECK(dvc_md5(DvcHashKind::kMd5Dos2Unix, mostly_high) == md5_hex(mostly_high));
  // Exactly 30% is still text (DVC: n / len <= 0.30).
  CHECK(dvc_text_block(std::string(3, '\x01') + std::string(7, 'a')));
  CHECK_FALSE(dvc_text_block(std::string(4, '\x01') + std::string(6, 'a')));
}

TEST_CASE("md5-dos2unix decides text from the first 512 bytes and converts 1 MiB at a time, as DVC 2 read") {
  // Text at the start, binary later: still converted throughout.
  std::string text_first = std::string(600, 'a') + "\r\n" + std::string("\0\r\n", 3);
  CHECK(dvc_md5(DvcHashKind::kMd5Dos2Unix, text_first) ==
        md5_hex(std::string(600, 'a') + "\n" + std::string("\0\n", 2)));
  // A CRLF split across the 1 MiB boundary is not converted; others are.
  const size_t mib = 1 << 20;
  std::string big = std::string(mib - 1, 'x') + "\r\n" + "tail\r\n";
  std::string want = std::string(mib - 1, 'x') + "\r" + "\n" + "tail\n";
  CHECK(dvc_md5(DvcHashKind::kMd5Dos2Unix, big, 65536) == md5_hex(want));
  CHECK(dvc_md5(DvcHashKind::kMd5Dos2Unix, big, 1000003) == md5_hex(want));
}

TEST_CASE("a .dir manifest is Python's json.dumps of the sorted entries; DVC's own test vector") {
  // dvc-data tests/hashfile/test_build.py: foo=foo, bar=bar.
  const std::string json = dvc_dir_json({{"foo", md5_hex("foo")}, {"bar", md5_hex("bar")}});
  CHECK(json ==
        "[{\"md5\": \"37b51d194a7513e45b56f6524f2d51f2\", \"relpath\": \"bar\"}, "
        "{\"md5\": \"acbd18db4cc2f85cedef654fccc4a4d8\", \"relpath\": \"foo\"}]");
  CHECK(md5_hex(json) == "5ea40360f5b4ec688df672a4db9c17d1");
  CHECK(md5_hex(dvc_dir_json({})) == "d751713988987e9331980363e24189ce");
  // Sorted by bytes: "a-b" < "a/b" < "a0".
  const std::string order = dvc_dir_json({{"a0", "x"}, {"a/b", "x"}, {"a-b", "x"}});
  CHECK(order.find("a-b") < order.find("a/b"));
  CHECK(order.find("a/b") < order.find("a0"));
}

TEST_CASE("a .dir manifest escapes names as Python's json.dumps does") {
  CHECK(dvc_dir_json({{"d/\xc3\xa9\x7f\x01\xf0\x9f\x98\x80" "\"", "x"}}) ==
        "[{\"md5\": \"x\", \"relpath\": \"d/\\u00e9\\u007f\\u0001\\ud83d\\ude00\\\"\"}]");
}

TEST_CASE("a .dir manifest from a remote is refused when it names a path outside its directory") {
  std::vector<DvcDirEntry> entries;
  const std::string good = dvc_dir_json({{"a/b.txt", md5_hex("b")}});
  REQUIRE(parse_dvc_dir(good, &entries));
  CHECK(entries.size() == 1);
  CHECK(entries[0].relpath == "a/b.txt");
  CHECK_FALSE(parse_dvc_dir("[{\"md5\": \"" + md5_hex("x") + "\", \"relpath\": \"../etc/passwd\"}]", &entries));
  CHECK_FALSE(parse_dvc_dir("[{\"md5\": \"" + md5_hex("x") + "\", \"relpath\": \"/etc/passwd\"}]", &entries));
  CHECK_FALSE(parse_dvc_dir("[{\"md5\": \"nothex\", \"relpath\": \"a\"}]", &entries));
  CHECK_FALSE(parse_dvc_dir("{\"md5\": 1}", &entries));
  CHECK_FALSE(parse_dvc_dir("not json", &entries));
}

TEST_CASE("one read of a file gives both DVC's md5 and pipe's digest") {
  pipeline::testing::TempDir t;
  pipeline::testing::TempProject::write_abs(t.path + "/f.csv", "a,b\r\n1,2\r\n");
  DvcHashed h;
  auto disk = make_real_disk(t.path);
  REQUIRE(dvc_hash_file(*disk, "f.csv", DvcHashKind::kMd5Dos2Unix, &h));
  CHECK(h.md5 == md5_hex("a,b\n1,2\n"));
  CHECK(h.digest == Digest::of("a,b\r\n1,2\r\n"));
  CHECK(h.size == 10);
  CHECK_FALSE(dvc_hash_file(*disk, "missing", DvcHashKind::kMd5, &h));
}
