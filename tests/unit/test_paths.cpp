#include <doctest/doctest.h>

#include "paths.h"
#include "suggest.h"

using namespace pipeline;

TEST_CASE("project_path joins to the stage's wdir and normalizes") {
  std::string out, why;
  REQUIRE(project_path("src", "../data/./x.csv", &out, &why));
  CHECK(out == "data/x.csv");
  REQUIRE(project_path("", "a//b/", &out, &why));
  CHECK(out == "a/b");
  REQUIRE(project_path("", ".", &out, &why));
  CHECK(out.empty());
}

TEST_CASE("project_path refuses absolute paths and escapes") {
  std::string out, why;
  CHECK_FALSE(project_path("", "/etc/passwd", &out, &why));
  CHECK(why.find("absolute") != std::string::npos);
  CHECK_FALSE(project_path("", "../x", &out, &why));
  CHECK_FALSE(project_path("a", "../../x", &out, &why));
  CHECK_FALSE(project_path("", "a/../../x", &out, &why));
  CHECK_FALSE(project_path("", "", &out, &why));
}

TEST_CASE("path_within compares whole components") {
  CHECK(path_within("data", "data"));
  CHECK(path_within("data", "data/x"));
  CHECK_FALSE(path_within("data", "database"));
  CHECK(path_within("", "anything"));
}

TEST_CASE("nearest suggests close words only") {
  CHECK(nearest("outz", {"outs", "deps", "cmd"}) == "outs");
  CHECK(nearest("xyzzy", {"outs", "deps", "cmd"}).empty());
  CHECK(did_you_mean("stagse", {"stages"}) == " (did you mean 'stages'?)");
}

TEST_CASE("relative_to writes a project path as seen from a folder") {
  CHECK(relative_to("", "a/b") == "a/b");
  CHECK(relative_to("a", "a/x") == "x");
  CHECK(relative_to("a", "b/c") == "../b/c");
  CHECK(relative_to("a/b", "a/c") == "../c");
  CHECK(relative_to("a/b", "") == "../..");
  CHECK(relative_to("a", "a") == ".");
  CHECK(relative_to("ab", "a/x") == "../a/x");  // whole components only
}

TEST_CASE("pipeline and lock files are reserved in every folder, params.yaml only at the root") {
  CHECK(reserved_path("sub/pipe.lock"));
  CHECK(reserved_path("sub/dvc.yaml"));
  CHECK(reserved_path("a/b/pipe.yaml"));
  CHECK(reserved_path("params.yaml"));
  CHECK_FALSE(reserved_path("sub/params.yaml"));
  CHECK_FALSE(reserved_path("sub/pipe.lock.txt"));
}

TEST_CASE(".git, .pipe and .dvc are reserved in every folder: a submodule's hooks, a nested project's state, DVC's") {
  CHECK(reserved_path(".git/hooks/post-checkout"));
  CHECK(reserved_path("vendor/lib/.git/hooks/pre-commit"));
  CHECK(reserved_path("sub/.pipe/cache/v1/ab/cd"));
  CHECK(reserved_path(".dvc/cache/files/md5/ab/cd"));
  CHECK(reserved_path("sub/.dvc"));
  CHECK_FALSE(reserved_path("data/images.dvc"));
  CHECK_FALSE(reserved_path("data/x.gitignore"));
  CHECK_FALSE(reserved_path("my.pipe/x"));
}
