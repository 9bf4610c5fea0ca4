#include <doctest/doctest.h>

#include "artifact.h"
#include "fake_disk.h"
#include "ignore.h"
#include "tracked.h"

using pipeline::IgnoreFile;
using pipeline::IgnoreRules;
using pipeline::testing::FakeDisk;

TEST_CASE("gitignore patterns: names at any depth, anchored paths, folders only, negation, **") {
  const IgnoreFile f("", "# comment\n*.tmp\n/build\nlogs/\n!keep.tmp\ndocs/**/draft.md\n\n");
  CHECK(f.verdict("a.tmp", false) == 1);
  CHECK(f.verdict("deep/er/b.tmp", false) == 1);
  CHECK(f.verdict("keep.tmp", false) == -1);
  CHECK(f.verdict("build", true) == 1);
  CHECK(f.verdict("sub/build", true) == 0);  // anchored to the file's folder
  CHECK(f.verdict("logs", true) == 1);
  CHECK(f.verdict("logs", false) == 0);  // a file named logs is not a folder
  CHECK(f.verdict("docs/draft.md", false) == 1);
  CHECK(f.verdict("docs/a/b/draft.md", false) == 1);
  CHECK(f.verdict("other/draft.md", false) == 0);
  CHECK(f.verdict("a.csv", false) == 0);
}

TEST_CASE("an ignore file in a subfolder applies below it only; the nearer file wins") {
  FakeDisk disk;
  disk.write(".dvcignore", "*.log\n");
  disk.write("data/.pipeignore", "!important.log\nscratch/\n");
  IgnoreRules rules(disk);
  CHECK(rules.ignored("x.log", false));
  CHECK(rules.ignored("data/y.log", false));
  CHECK_FALSE(rules.ignored("data/important.log", false));
  CHECK(rules.ignored("important.log", false));
  CHECK(rules.ignored("data/scratch/z.csv", false));  // inside an ignored folder
  CHECK_FALSE(rules.ignored("other/scratch/z.csv", false));
}

TEST_CASE("a directory's digest leaves ignored files out, so junk files do not change it") {
  FakeDisk disk;
  disk.write("data/a.csv", "1");
  disk.write("data/b.csv", "2");
  pipeline::Digest clean;
  {
    pipeline::ArtifactHasher h(disk, nullptr);
    clean = h.hash("data").digest;
    CHECK(h.hash("data").nfiles == 2);
  }
  disk.write("data/.DS_Store", "junk");
  disk.write("data/cache/x.bin", "junk");
  disk.write(".dvcignore", ".DS_Store\ndata/cache/\n");
  pipeline::ArtifactHasher h(disk, nullptr);
  CHECK(h.hash("data").digest == clean);
  CHECK(h.hash("data").nfiles == 2);
}

TEST_CASE("the search for .pipe files skips ignored folders") {
  FakeDisk disk;
  disk.write("a.csv.pipe", "x");
  disk.write("vendor/b.csv.pipe", "x");
  disk.write(".pipeignore", "vendor/\n");
  CHECK(pipeline::find_tracked_files(disk) == std::vector<std::string>{"a.csv.pipe"});
}
