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
