#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "config.h"
#include "error.h"

using namespace pipeline;

namespace {

struct StateDir {
  std::string path;
  StateDir() {
    char dir[] = "/tmp/pipe-config-XXXXXX";
    REQUIRE(mkdtemp(dir));
    path = dir;
  }
  ~StateDir() { std::system(("rm -rf " + path).c_str()); }
  void write(const std::string& name, const std::string& text) const { std::ofstream(path + "/" + name) << text; }
  std::string read(const std::string& name) const {
    std::ifstream in(path + "/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
};

}  // namespace

TEST_CASE("settings are section.key, or remote.NAME.key, with DVC's names") {
  std::string why;
  CHECK(valid_config_key("cache.type", &why));
  CHECK(valid_config_key("core.remote", &why));
  CHECK(valid_config_key("remote.origin.endpointurl", &why));
  CHECK_FALSE(valid_config_key("cache.tpye", &why));
  CHECK(why.find("did you mean 'type'") != std::string::npos);
  CHECK_FALSE(valid_config_key("remote.url", &why));
  CHECK_FALSE(valid_config_key("cache..type", &why));
  CHECK_FALSE(valid_config_key("other.key", &why));
}

TEST_CASE("config.local overrides config, and missing files are empty") {
  StateDir d;
  CHECK(Config::load(d.path).values().empty());
  d.write("config", "[cache]\ntype = \"copy\"\n[remote.origin]\nurl = \"s3://bucket/x\"\njobs = 8\n");
  d.write("config.local", "[cache]\ntype = \"hardlink\"\n");
  const Config c = Config::load(d.path);
  CHECK(c.get("cache.type", "") == "hardlink");
  CHECK(c.find("cache.type")->file == ".pipe/config.local");
  CHECK(c.get("remote.origin.url", "") == "s3://bucket/x");
  CHECK(c.get("remote.origin.jobs", "") == "8");
  CHECK(c.get("cache.dir", "fallback") == "fallback");
}

TEST_CASE("a bad config file is reported at the offending key") {
  StateDir d;
  d.write("config", "[cache]\n\ntyep = \"copy\"\n");
  CHECK_THROWS_WITH_AS(Config::load(d.path), doctest::Contains(".pipe/config:3:1"), Error);
  d.write("config", "cache = 3\n");
  CHECK_THROWS_WITH_AS(Config::load(d.path), doctest::Contains("must be a section"), Error);
  d.write("config", "[remote]\nurl = \"x\"\n");
  CHECK_THROWS_WITH_AS(Config::load(d.path), doctest::Contains("[remote.url]"), Error);
}

TEST_CASE("edit_config sets and unsets keys, removing sections it empties") {
  StateDir d;
  const std::string file = d.path + "/config";
  const std::string value = "https://host/cache";
  REQUIRE(edit_config(file, "remote.origin.url", &value));
  const std::string type = "copy";
  REQUIRE(edit_config(file, "cache.type", &type));
  Config c = Config::load(d.path);
  CHECK(c.get("remote.origin.url", "") == value);
  CHECK(edit_config(file, "remote.origin.url", nullptr));
  CHECK_FALSE(edit_config(file, "remote.origin.url", nullptr));
  CHECK(d.read("config").find("remote") == std::string::npos);
  CHECK(Config::load(d.path).get("cache.type", "") == "copy");
  CHECK_THROWS_AS(edit_config(file, "cache.nope", &type), Error);
}

TEST_CASE("config.local is private and secret-looking keys are recognised") {
  StateDir d;
  const std::string secret = "hunter2";
  REQUIRE(edit_config(d.path + "/config.local", "remote.origin.password", &secret));
  struct stat st;
  REQUIRE(stat((d.path + "/config.local").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(is_secret_config_key("remote.origin.password"));
  CHECK(is_secret_config_key("remote.s3.secret_access_key"));
  CHECK_FALSE(is_secret_config_key("remote.origin.url"));
}
