#include <doctest/doctest.h>

#include "fake_disk.h"
#include "pipeline.h"
#include "targets.h"

using namespace pipeline;
using pipeline::testing::FakeDisk;

namespace {

struct Repo {
  FakeDisk disk;
  Pipeline p;
  Repo() {
    disk.write("pipe.yaml", "stages:\n  report:\n    cmd: r\n");
    disk.write("train/dvc.yaml",
               "stages:\n  fit:\n    cmd: f\n  tune:\n    foreach: [a, b]\n    do:\n      cmd: t ${item}\n");
    disk.write("train/deep/dvc.yaml", "stages:\n  fit:\n    cmd: g\n");
    p = load_pipeline(disk);
  }
  std::vector<std::string> names(const std::vector<std::string>& targets, const std::string& cwd = "",
                                 TargetOptions o = {}) {
    std::vector<std::string> out;
    for (size_t i : resolve_targets(p, targets, cwd, o)) out.push_back(p.stages[i].name);
    return out;
  }
};

using Names = std::vector<std::string>;

}  // namespace

TEST_CASE("a bare stage name is a stage of the pipeline file of the folder it is typed in") {
  Repo r;
  CHECK(r.names({"report"}) == Names{"report"});
  CHECK(r.names({"fit"}, "train") == Names{"train/dvc.yaml:fit"});
  CHECK(r.names({"fit"}, "train/deep") == Names{"train/deep/dvc.yaml:fit"});
  CHECK(r.names({"tune"}, "train") == Names{"train/dvc.yaml:tune@a", "train/dvc.yaml:tune@b"});
  CHECK_THROWS_WITH_AS(r.names({"fit"}), doctest::Contains("no stage named 'fit' in pipe.yaml"), Error);
}

TEST_CASE("file:stage and file targets are read relative to where they are typed") {
  Repo r;
  CHECK(r.names({"train/dvc.yaml:fit"}) == Names{"train/dvc.yaml:fit"});
  CHECK(r.names({"../pipe.yaml:report"}, "train") == Names{"report"});
  CHECK(r.names({"deep/dvc.yaml:fit"}, "train") == Names{"train/deep/dvc.yaml:fit"});
  CHECK(r.names({"train/dvc.yaml"}) == Names{"train/dvc.yaml:fit", "train/dvc.yaml:tune@a", "train/dvc.yaml:tune@b"});
  CHECK_THROWS_WITH_AS(r.names({"nope/dvc.yaml:fit"}), doctest::Contains("which does not exist"), Error);
}

TEST_CASE("-R takes a folder as every stage of the files under it; --glob matches names") {
  Repo r;
  TargetOptions rec;
  rec.recursive = true;
  CHECK(r.names({"train/deep"}, "", rec) == Names{"train/deep/dvc.yaml:fit"});
  CHECK(r.names({"."}, "train", rec).size() == 4);
  CHECK_THROWS_AS(r.names({"train/deep"}), Error);  // without -R a folder names nothing
  TargetOptions glob;
  glob.glob = true;
  CHECK(r.names({"tu*"}, "train", glob) == Names{"train/dvc.yaml:tune@a", "train/dvc.yaml:tune@b"});
  CHECK(r.names({"train/dvc.yaml:*@b"}, "", glob) == Names{"train/dvc.yaml:tune@b"});
}

TEST_CASE("a bare name in a folder without a pipeline file says how to name it") {
  Repo r;
  CHECK_THROWS_WITH_AS(r.names({"fit"}, "data"), doctest::Contains("'sub/dvc.yaml:fit'"), Error);
}

TEST_CASE("names are shown as typed from the current folder, and each reads back as that stage") {
  Repo r;
  auto shown = [&](const std::string& cwd) {
    Names out;
    for (const Stage& s : r.p.stages) out.push_back(display_name(s, cwd));
    return out;
  };
  CHECK(shown("") == Names{"report", "train/dvc.yaml:fit", "train/dvc.yaml:tune@a", "train/dvc.yaml:tune@b",
                           "train/deep/dvc.yaml:fit"});
  CHECK(shown("train") == Names{"../pipe.yaml:report", "fit", "tune@a", "tune@b", "deep/dvc.yaml:fit"});
  CHECK(shown("train/deep") ==
        Names{"../../pipe.yaml:report", "../dvc.yaml:fit", "../dvc.yaml:tune@a", "../dvc.yaml:tune@b", "fit"});
  CHECK(shown("notes")[1] == "../train/dvc.yaml:fit");
  for (const std::string cwd : {"", "train", "train/deep", "notes"})
    for (size_t i = 0; i < r.p.stages.size(); ++i)
      CHECK(r.names({display_name(r.p.stages[i], cwd)}, cwd) == Names{r.p.stages[i].name});
}
