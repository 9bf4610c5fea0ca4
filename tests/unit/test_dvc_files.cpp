// dvc.lock, .dvc files and .dvc/config in the shapes public repositories
// commit (docs/dvc-migration.md lists them).
#include <doctest/doctest.h>

#include <string>

#include "dvc_config.h"
#include "dvc_files.h"
#include "error.h"

using namespace pipeline;

TEST_CASE("a dvc.lock mixing DVC 2 and DVC 3 entries keeps each entry's hash kind") {
  const DvcLock lock = parse_dvc_lock("dvc.lock",
                                      "schema: '2.0'\n"
                                      "stages:\n"
                                      "  prepare:\n"
                                      "    cmd: python src/prepare.py data/data.xml\n"
                                      "    deps:\n"
                                      "    - path: data/data.xml\n"
                                      "      md5: A304AFB96060AAD90176268345E10355\n"
                                      "      size: 37891850\n"
                                      "    - path: src/prepare.py\n"
                                      "      hash: md5\n"
                                      "      md5: f09ea0c15980b43010257ccb9f0055e2\n"
                                      "    params:\n"
                                      "      params.yaml:\n"
                                      "        prepare.seed: 20170428\n"
                                      "        prepare.split: 0.2\n"
                                      "    outs:\n"
                                      "    - path: data/prepared\n"
                                      "      hash: md5\n"
                                      "      md5: 153aad06d376b6595932470e459ef42a.dir\n"
                                      "      size: 8437363\n"
                                      "      nfiles: 2\n"
                                      "  train@cpu:\n"
                                      "    cmd:\n"
                                      "    - mkdir -p logs\n"
                                      "    - python train.py\n");
  REQUIRE(lock.stages.size() == 2);
  const DvcLockStage& p = lock.stages.at("prepare");
  CHECK(p.cmds == std::vector<std::string>{"python src/prepare.py data/data.xml"});
  REQUIRE(p.deps.size() == 2);
  CHECK(p.deps[0].hash == DvcHashKind::kMd5Dos2Unix);
  CHECK(p.deps[0].md5 == "a304afb96060aad90176268345e10355");  // lower-cased, as DVC reads it
  CHECK(p.deps[0].size == 37891850);
  CHECK(p.deps[1].hash == DvcHashKind::kMd5);
  CHECK_FALSE(p.deps[1].has_size);
  REQUIRE(p.outs.size() == 1);
  CHECK(p.outs[0].is_dir);
  CHECK(p.outs[0].md5 == "153aad06d376b6595932470e459ef42a");
  CHECK(p.outs[0].nfiles == 2);
  CHECK(p.params.at("params.yaml").at("prepare.split").canonical() == "0.2");
  CHECK(lock.stages.at("train@cpu").cmds.size() == 2);
}

TEST_CASE("DVC 1's lock, with the stages at the top level, is read too") {
  const DvcLock lock = parse_dvc_lock("dvc.lock",
                                      "prepare:\n  cmd: python src/prepare.py\n  deps:\n  - path: data/data.xml\n"
                                      "    md5: a304afb96060aad90176268345e10355\n");
  REQUIRE(lock.stages.count("prepare"));
  CHECK(lock.stages.at("prepare").deps[0].md5 == "a304afb96060aad90176268345e10355");
}

TEST_CASE("a damaged dvc.lock is refused with its location") {
  CHECK_THROWS_WITH_AS(parse_dvc_lock("sub/dvc.lock", "schema: '2.0'\nstages:\n  s:\n    cmd: x\n    deps:\n    - path: a\n      md5: xyz\n"),
                       doctest::Contains("sub/dvc.lock:7:12: 'md5' must be 32 hex digits"), Error);
  CHECK_THROWS_WITH_AS(parse_dvc_lock("dvc.lock", "schema: '3.0'\nstages: {}\n"),
                       doctest::Contains("dvc.lock:1:9: schema '3.0' is not one pipe reads"), Error);
  CHECK_THROWS_WITH_AS(parse_dvc_lock("dvc.lock", "schema: '2.0'\nstages:\n  s:\n    deps: []\n"),
                       doctest::Contains("stage 's' has no 'cmd'"), Error);
}

TEST_CASE("a dep recorded without a hash, a cloud dep and an unknown hash name are kept apart") {
  const DvcLock lock = parse_dvc_lock("dvc.lock",
                                      "schema: '2.0'\nstages:\n  s:\n    cmd: x\n    deps:\n"
                                      "    - path: missing-then.csv\n"
                                      "    - path: s3://bucket/raw.csv\n      etag: 2f86b47b991b0d9832e1013299b51ff5-20\n"
                                      "      hash: md5\n      size: 10\n"
                                      "    - path: y\n      hash: sha256\n      sha256: abc\n");
  const auto& deps = lock.stages.at("s").deps;
  CHECK(deps[0].md5.empty());
  CHECK(deps[1].md5.empty());
  CHECK(deps[1].etag == "2f86b47b991b0d9832e1013299b51ff5-20");
  CHECK_FALSE(deps[2].known_hash);
}

TEST_CASE(".dvc files: dvc add of a file and a directory, an import, and wdir") {
  DvcFile f = parse_dvc_file("data/images.dvc",
                             "outs:\n- md5: 7d793037a0760186574b0282f2f435e7.dir\n  size: 90112\n  nfiles: 12\n"
                             "  hash: md5\n  path: images\n");
  REQUIRE(f.outs.size() == 1);
  CHECK(f.outs[0].is_dir);
  CHECK(f.outs[0].path == "images");
  f = parse_dvc_file("vendor/glove.txt.dvc",
                     "md5: 3f1ba6c7d1b3ee5bb1b7fd1c2f8a9c55\nfrozen: true\ndeps:\n- path: embeddings/glove.txt\n"
                     "  repo:\n    url: https://github.com/example-org/registry\n    rev_lock: 2b0f7a4c\n"
                     "outs:\n- md5: 9e107d9d372bb6826bd81d3542a419d6\n  size: 4096\n  hash: md5\n  path: glove.txt\n");
  CHECK(f.frozen);
  REQUIRE(f.sources.size() == 1);
  CHECK(f.sources[0] == "embeddings/glove.txt from https://github.com/example-org/registry at 2b0f7a4c");
  f = parse_dvc_file("tutorials/nlp/Posts.xml.zip.dvc",
                     "wdir: ../..\nouts:\n- md5: ce68b98d82545628782c66192c96f2d2\n  path: tutorials/nlp/Posts.xml.zip\n");
  CHECK(f.wdir == "../..");
  f = parse_dvc_file("201306.dvc", "outs:\n- md5: ce68b98d82545628782c66192c96f2d2\n  path: '201306'\n  cache: false\n");
  CHECK(f.outs[0].path == "201306");
  CHECK_FALSE(f.outs[0].cache);
}

TEST_CASE(".dvc/config: sections, quoted names, inline comments, quoted values, case") {
  const DvcConfig c = parse_dvc_config(".dvc/config",
                                       "[core]\n"
                                       "    # remote = old  # commented out\n"
                                       "    Remote = S3Store    # the default\n"
                                       "[cache]\n"
                                       "    type = \"hardlink,symlink\"\n"
                                       "['remote \"s3store\"']\n"
                                       "    url = s3://bucket/dvcstore\n"
                                       "    endpointurl = https://minio.example:9000\n"
                                       " ['remote \"local\"']\n"
                                       "    url = C:\\Users\\mo\\dvc-storage");
  CHECK(c.find("core", "remote")->value == "S3Store");
  CHECK(c.find("cache", "type")->value == "hardlink,symlink");
  CHECK(c.find("remote \"s3store\"", "endpointurl")->value == "https://minio.example:9000");
  CHECK(c.find("remote \"local\"", "url")->value == "C:\\Users\\mo\\dvc-storage");
  CHECK(dvc_remote_name("remote \"s3store\"") == "s3store");
  CHECK(dvc_remote_name("core").empty());
  DvcConfig local = parse_dvc_config(".dvc/config.local",
                                     "['remote \"s3store\"']\n    access_key_id = AKIA\n[core]\n    remote = local\n");
  DvcConfig merged = c;
  merged.merge(local);
  CHECK(merged.find("core", "remote")->value == "local");
  CHECK(merged.find("remote \"s3store\"", "url")->value == "s3://bucket/dvcstore");
  CHECK(merged.find("remote \"s3store\"", "access_key_id")->value == "AKIA");
}

TEST_CASE("a .dvc/config line that is not a setting is refused with its line") {
  CHECK_THROWS_WITH_AS(parse_dvc_config(".dvc/config", "[core]\n    remote\n"),
                       doctest::Contains(".dvc/config:2:1: expected 'key = value'"), Error);
  CHECK_THROWS_WITH_AS(parse_dvc_config(".dvc/config", "url = x\n"), doctest::Contains("before any [section]"), Error);
  CHECK_THROWS_WITH_AS(parse_dvc_config(".dvc/config", "[core]\n  remote = 'open\n"),
                       doctest::Contains("must end with the same quote"), Error);
}
