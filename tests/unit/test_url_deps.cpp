#include <doctest/doctest.h>

#include "artifact.h"
#include "fake_disk.h"
#include "fake_urls.h"
#include "url_deps.h"

using namespace pipeline;
using pipeline::testing::FakeDisk;

using pipeline::testing::FakeUrls;

TEST_CASE("a URL is a scheme followed by ://, nothing else") {
  CHECK(is_url("s3://bucket/key"));
  CHECK(is_url("https://host/x.csv"));
  CHECK(is_url("git+ssh://host/x"));
  CHECK_FALSE(is_url("data/raw.csv"));
  CHECK_FALSE(is_url("/abs/path"));
  CHECK_FALSE(is_url("://nothing"));
  CHECK_FALSE(is_url("dir/a://b"));  // a folder name is not a scheme
  CHECK_FALSE(is_url("1http://x"));
}

TEST_CASE("a URL dep's digest follows the version id, else the ETag, else Last-Modified and size") {
  ObjectInfo a{"\"e1\"", "", "Mon", 5};
  ObjectInfo b = a;
  b.etag = "\"e2\"";
  CHECK(url_digest(a) != url_digest(b));
  ObjectInfo same_etag_new_date = a;
  same_etag_new_date.last_modified = "Tue";
  CHECK(url_digest(a) == url_digest(same_etag_new_date));
  ObjectInfo v1 = a, v2 = a;
  v1.version_id = "1";
  v2.version_id = "2";
  CHECK(url_digest(v1) != url_digest(v2));
  ObjectInfo bare{"", "", "Mon", 5}, bare_later{"", "", "Tue", 5};
  CHECK(url_digest(bare) != url_digest(bare_later));
}

TEST_CASE("the hasher asks the server once per URL, and never the disk") {
  FakeDisk disk;
  FakeUrls urls;
  urls.objects["s3://b/k"] = {"\"abc\"", "", "", 42};
  ArtifactHasher hasher(disk, nullptr, &urls);
  const ArtifactInfo& a = hasher.hash("s3://b/k");
  CHECK(a.exists);
  CHECK(a.size == 42);
  hasher.hash("s3://b/k");
  CHECK(urls.heads == 1);
  CHECK(disk.stats == 0);
  CHECK_FALSE(hasher.hash("s3://b/missing").exists);
}

TEST_CASE("a server that cannot answer is an error naming the URL without credentials") {
  FakeDisk disk;
  FakeUrls urls;
  urls.down = true;
  ArtifactHasher hasher(disk, nullptr, &urls);
  try {
    hasher.hash("https://user:secret@host/x");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("cannot check dep 'https://host/x': connection refused") != std::string::npos);
    CHECK(std::string(e.what()).find("secret") == std::string::npos);
  }
  ArtifactHasher unwired(disk, nullptr);
  CHECK_THROWS_AS(unwired.hash("https://host/x"), Error);
}
