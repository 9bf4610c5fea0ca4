#include <doctest/doctest.h>

#include "error.h"
#include "tracked.h"

using namespace pipeline;

TEST_CASE("a .pipe file round-trips, with its path resolved beside the file") {
  const LockedArtifact a{"data/raw", Digest::of("m"), 18, true, 3};
  const LockedArtifact back = parse_tracked("data/raw.pipe", render_tracked(a));
  CHECK(back.path == "data/raw");
  CHECK(back.digest == a.digest);
  CHECK(back.is_dir);
  CHECK(back.nfiles == 3);
  CHECK(render_tracked(a).find("path: \"raw\"") != std::string::npos);
}

TEST_CASE("a .pipe file whose path leaves its directory is rejected with its location") {
  for (const std::string bad : {"../../etc/passwd", "/etc/passwd", "sub/x", "..", ""}) {
    const std::string text = "schema: 1\nouts:\n- path: \"" + bad + "\"\n  hash: \"" + Digest::of("x").hex() +
                             "\"\n  size: 1\n";
    CHECK_THROWS_WITH_AS(parse_tracked("data/x.pipe", text), doctest::Contains("data/x.pipe:3:"), Error);
  }
}

TEST_CASE("a damaged .pipe file says how to recover") {
  CHECK_THROWS_WITH_AS(parse_tracked("d.pipe", "schema: 1\nouts: []\n"), doctest::Contains("pipe add"), Error);
  CHECK_THROWS_AS(parse_tracked("d.pipe", "schema: 9\nouts: []\n"), Error);
}

TEST_CASE("a .dvc file is tracked data known by DVC's md5, with wdir and the data's path resolved") {
  LockedArtifact a = parse_dvc_tracked("data/images.dvc", "outs:\n- md5: 7d793037a0760186574b0282f2f435e7.dir\n"
                                                          "  size: 90112\n  nfiles: 12\n  hash: md5\n  path: images\n");
  CHECK(a.path == "data/images");
  CHECK(a.pending);
  CHECK(a.is_dir);
  CHECK(a.md5 == "7d793037a0760186574b0282f2f435e7.dir");
  CHECK_FALSE(a.md5_dos2unix);
  a = parse_dvc_tracked("tutorials/nlp/Posts.xml.zip.dvc",
                        "wdir: ../..\nouts:\n- md5: ce68b98d82545628782c66192c96f2d2\n  path: tutorials/nlp/Posts.xml.zip\n");
  CHECK(a.path == "tutorials/nlp/Posts.xml.zip");
  CHECK(a.md5_dos2unix);  // no `hash: md5`: DVC 2 wrote it
}

TEST_CASE("a .dvc file naming data outside the project, or with several outputs, is refused with its location") {
  CHECK_THROWS_WITH_AS(parse_dvc_tracked("x.dvc", "outs:\n- md5: ce68b98d82545628782c66192c96f2d2\n  path: ../../etc\n"),
                       doctest::Contains("x.dvc:2:3:"), Error);
  CHECK_THROWS_WITH_AS(parse_dvc_tracked("x.dvc", "wdir: ../..\nouts:\n- md5: ce68b98d82545628782c66192c96f2d2\n  path: y\n"),
                       doctest::Contains("x.dvc:"), Error);
  CHECK_THROWS_WITH_AS(parse_dvc_tracked("old.dvc", "outs:\n- md5: ce68b98d82545628782c66192c96f2d2\n  path: a\n"
                                                    "- md5: ce68b98d82545628782c66192c96f2d2\n  path: b\n"),
                       doctest::Contains("old.dvc:1:1: pipe reads .dvc files with one output"), Error);
}

TEST_CASE("a .pipe file import-dvc wrote keeps DVC's md5, and only then is schema 2") {
  LockedArtifact a{"data/raw", Digest::of("m"), 18, true, 3};
  CHECK(render_tracked(a).find("schema: 1\n") != std::string::npos);
  a.md5 = "7d793037a0760186574b0282f2f435e7.dir";
  const std::string text = render_tracked(a);
  CHECK(text.find("schema: 2\n") != std::string::npos);
  const LockedArtifact back = parse_tracked("data/raw.pipe", text);
  CHECK(back.md5 == a.md5);
  CHECK(back.digest == a.digest);
  CHECK_FALSE(back.pending);
}

TEST_CASE("a .dvc or .pipe file naming a path where pipe never writes is refused: git's hooks, .pipe, .dvc") {
  CHECK_THROWS_WITH_AS(parse_dvc_tracked("evil.dvc", "outs:\n- md5: ce68b98d82545628782c66192c96f2d2\n  isexec: true\n"
                                                     "  path: .git/hooks/post-checkout\n"),
                       doctest::Contains("evil.dvc:2:3: '.git/hooks/post-checkout' is (or holds) the git repository"),
                       Error);
  CHECK_THROWS_WITH_AS(parse_dvc_tracked("vendor/x.dvc", "outs:\n- md5: ce68b98d82545628782c66192c96f2d2\n  path: lib/.git/config\n"),
                       doctest::Contains("a git repository (.git)"), Error);
  CHECK_THROWS_WITH_AS(parse_dvc_tracked("x.dvc", "outs:\n- md5: ce68b98d82545628782c66192c96f2d2\n  path: .dvc/config\n"),
                       doctest::Contains("DVC's directory"), Error);
  const std::string pipe_text = "schema: 1\nouts:\n- path: \".git\"\n  hash: \"" + Digest::of("x").hex() + "\"\n  size: 1\n";
  CHECK_THROWS_WITH_AS(parse_tracked(".git.pipe", pipe_text), doctest::Contains(".git.pipe:3:"), Error);
}
