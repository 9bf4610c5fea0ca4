// Whole use cases (add, checkout, gc, repro) on a real project whose every
// write goes through the fault-injecting filesystem, with the power cut at
// each sync point in turn. After each cut: no object differs from its name,
// every object that a .pipe file or pipe.lock names is present, the data
// is as the user left it, and the next run completes with the right result.
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>

#include "artifact.h"
#include "backends.h"
#include "checkout.h"
#include "error.h"
#include "faulty_file_system.h"
#include "gc.h"
#include "http_server.h"
#include "remote.h"
#include "lineage.h"
#include "repro.h"
#include "runner.h"
#include "temp_project.h"
#include "tracked.h"
#include "transfer.h"
#include "fake_project.h"
#include "workspace.h"

using namespace pipeline;
using pipeline::testing::FaultyFileSystem;
using pipeline::testing::TempDir;

namespace {

const char* const kFiles[] = {"a.csv", "b.csv", "sub/c.csv"};

void write_dataset(const std::string& root, const std::string& tag) {
  for (const char* f : kFiles) pipeline::testing::TempProject::write_abs(root + "/data/raw/" + f, tag + " rows of " + f + "\n");
}

bool dataset_is(const std::string& root, const std::string& tag) {
  for (const char* f : kFiles)
    if (pipeline::testing::TempProject::read_abs(root + "/data/raw/" + f) != tag + " rows of " + f + "\n") return false;
  return true;
}

// Every object under the cache hashes to its name, and every object the
// workspace references is there.
void check_cache(const std::string& root) {
  Project p = open_project(root);
  size_t checked = 0;
  for (const auto& d : p.cache->verify({}, false, &checked)) FAIL_CHECK(d.object << ": " << d.problem);
  for (const Digest& d : referenced_objects(p)) {
    CAPTURE(d.hex());
    CHECK((p.cache->has(d) || p.cache->has_manifest(d)));
  }
}

// Runs `step` on a project whose writes go through a faulty filesystem,
// cutting the power at sync point 1, 2, ... until a run gets past them all.
// `setup` makes the project; `check` looks at what the cut left, then
// `again` is the next, unfaulted run. Returns how many sync points there were.
int cut_at_every_sync_point(const char* what, const std::function<void(const std::string& root)>& setup,
                            const std::function<void(Project&)>& step,
                            const std::function<void(const std::string& root)>& check,
                            const std::function<void(const std::string& root)>& again) {
  for (int cut = 1;; ++cut) {
    CAPTURE(cut);
    TempDir t;
    const std::string root = t.path + "/project";
    std::filesystem::create_directories(root);
    setup(root);
    FaultyFileSystem fs(t.path, t.path + "/backup");
    {
      Project p = open_project(root, fs);
      fs.cut_power_at_sync(cut);
      try {
        step(p);
      } catch (const Error&) {
        CHECK(fs.dead());  // only the cut may stop it
      }
    }
    const bool finished = !fs.dead();
    fs.power_restored();
    check(root);
    check_cache(root);
    again(root);
    check_cache(root);
    if (finished) {
      // For docs/reliability.md: every cut above passed every check.
      MESSAGE(std::string(what) << ": power cut at each of " << cut - 1 << " sync points; all checks held");
      return cut - 1;
    }
  }
}

void add(Project& p) {
  Workspace ws = load_workspace(p);
  add_data(ws, {"data/raw"});
}

void add_on_real_disk(const std::string& root) {
  Project p = open_project(root);
  add(p);
}

// A project with data/raw tracked (pipe add), and a directory remote
// beside it, in one temporary directory.
struct TrackedWithRemote {
  TempDir dir;
  std::string root = dir.path + "/project";
  std::string remote_dir = dir.path + "/remote";
  TrackedWithRemote() {
    std::filesystem::create_directories(root);
    write_dataset(root, "v1");
    add_on_real_disk(root);
  }
};

std::string tracked_digest(const std::string& root) {
  Project p = open_project(root);
  return read_tracked(*p.disk, "data/raw.pipe").digest.hex();
}

}  // namespace

TEST_CASE("pipe add survives a power cut at every sync point: the dataset and the cache stay whole") {
  std::string expected;
  {
    TempDir t;
    write_dataset(t.path, "v1");
    add_on_real_disk(t.path);
    expected = tracked_digest(t.path);
  }
  const int syncs = cut_at_every_sync_point(
      "add", [](const std::string& root) { write_dataset(root, "v1"); }, add,
      [](const std::string& root) {
        CHECK(dataset_is(root, "v1"));
        CHECK_FALSE(std::filesystem::exists(root + "/data/raw/.pipe"));
      },
      [&](const std::string& root) {
        add_on_real_disk(root);
        CHECK(tracked_digest(root) == expected);
        CHECK(dataset_is(root, "v1"));
      });
  CHECK(syncs >= 3);
}

TEST_CASE("checkout survives a power cut at every sync point: a directory is absent or whole, never partial") {
  const int syncs = cut_at_every_sync_point(
      "checkout",
      [](const std::string& root) {
        write_dataset(root, "v1");
        add_on_real_disk(root);
        std::filesystem::remove_all(root + "/data/raw");
      },
      [](Project& p) {
        Workspace ws = load_workspace(p);
        checkout(ws, {}, false);
      },
      [](const std::string& root) {
        if (std::filesystem::exists(root + "/data/raw")) CHECK(dataset_is(root, "v1"));
      },
      [](const std::string& root) {
        Project p = open_project(root);
        Workspace ws = load_workspace(p);
        checkout(ws, {}, false);
        CHECK(dataset_is(root, "v1"));
      });
  CHECK(syncs >= 1);
}

TEST_CASE("gc --force killed at every removal keeps what the workspace references, and the next gc finishes") {
  // gc syncs nothing (an object that comes back is only garbage again), so
  // the points that matter are its removals: the process dies at each.
  int kill = 1;
  for (;; ++kill) {
    CAPTURE(kill);
    TempDir t;
    const std::string root = t.path + "/project";
    write_dataset(root, "v1");
    add_on_real_disk(root);
    write_dataset(root, "v2");  // v1's objects become garbage
    add_on_real_disk(root);
    FaultyFileSystem fs(t.path, t.path + "/backup");
    {
      Project p = open_project(root, fs);
      fs.crash_at(FaultyFileSystem::Op::kUnlink, kill);
      collect_garbage(p, {}, 0, true);
    }
    const bool finished = !fs.dead();
    fs.restarted();
    CHECK(dataset_is(root, "v2"));
    check_cache(root);
    Project p = open_project(root);
    collect_garbage(p, {}, 0, true);
    CHECK(collect_garbage(p, {}, 0, false).removable.empty());
    check_cache(root);
    if (finished) break;
  }
  CHECK(kill > 3);  // v1's three files and its manifest
  MESSAGE("gc: killed at each of " << kill - 1 << " removals; all checks held");
}

TEST_CASE("repro survives a power cut at every sync point: pipe.lock is old or new, and its outputs are cached") {
  const std::string pipeline_yaml =
      "stages:\n"
      "  prepare:\n"
      "    cmd: mkdir -p out && cp in.txt out/a.txt && cp in.txt out/b.txt\n"
      "    deps: [in.txt]\n"
      "    outs: [out]\n"
      "  report:\n"
      "    cmd: cat out/a.txt out/b.txt > report.txt\n"
      "    deps: [out]\n"
      "    outs: [report.txt]\n";
  auto run = [](Project& p) {
    Workspace ws = load_workspace(p);
    auto runner = make_local_runner([](const std::string&, std::string_view) {});
    pipeline::testing::RecordingReporter reporter;
    std::atomic<bool> interrupted{false};
    ReproOptions options;
    options.no_run_cache = true;
    repro(ws, options, *runner, reporter, interrupted);
  };
  const int syncs = cut_at_every_sync_point(
      "repro",
      [&](const std::string& root) {
        pipeline::testing::TempProject::write_abs(root + "/pipe.yaml", pipeline_yaml);
        pipeline::testing::TempProject::write_abs(root + "/in.txt", "input\n");
      },
      run, [](const std::string&) {},
      [&](const std::string& root) {
        Project p = open_project(root);
        run(p);
        CHECK(pipeline::testing::TempProject::read_abs(root + "/report.txt") == "input\ninput\n");
        Workspace ws = load_workspace(p);
        CHECK(ws.lock().stages.size() == 2);
      });
  CHECK(syncs >= 4);
}

TEST_CASE("push to a directory remote survives a power cut: every object on the remote is whole") {
  // The remote's writes go through the faulty filesystem too.
  for (int cut = 1;; ++cut) {
    CAPTURE(cut);
    const TrackedWithRemote t;
    const std::string &root = t.root, &remote_dir = t.remote_dir;
    FaultyFileSystem fs(t.dir.path, t.dir.path + "/backup");
    {
      Project p = open_project(root);
      Workspace ws = load_workspace(p);
      auto remote = make_local_remote(remote_dir, fs);
      fs.cut_power_at_sync(cut);
      push(ws, *remote, {}, {}, 2, {});
    }
    const bool finished = !fs.dead();
    fs.power_restored();
    // Every object on the remote hashes to its name: read it as a cache.
    if (std::filesystem::exists(remote_dir + "/v1")) {
      ObjectStore as_cache(remote_dir);
      for (const auto& d : as_cache.verify({}, false, nullptr)) FAIL_CHECK(d.object << ": " << d.problem);
    }
    // The next push sends what the cut lost, and a fetch into an empty
    // cache gets the whole dataset back.
    Project p = open_project(root);
    Workspace ws = load_workspace(p);
    auto remote = make_local_remote(remote_dir);
    CHECK(push(ws, *remote, {}, {}, 2, {}).failed == 0);
    std::filesystem::remove_all(p.cache->dir() + "/v1");
    CHECK(fetch(ws, *remote, {}, {}, 2, {}).failed == 0);
    check_cache(root);
    if (finished) {
      CHECK(cut > 4);  // the remote's data, then its names; the run-cache and lineage after
      MESSAGE("push: power cut at each of " << cut - 1 << " sync points; all checks held");
      break;
    }
  }
}

TEST_CASE("fetch from a directory remote survives a power cut at every sync point: the cache holds only whole objects") {
  // The download's temp file and the object it becomes both go through
  // the faulty filesystem: the remote writes one (DownloadFile), the cache
  // syncs and renames it.
  for (int cut = 1;; ++cut) {
    CAPTURE(cut);
    const TrackedWithRemote t;
    const std::string &root = t.root, &remote_dir = t.remote_dir;
    {
      Project p = open_project(root);
      Workspace ws = load_workspace(p);
      REQUIRE(push(ws, *make_local_remote(remote_dir), {}, {}, 2, {}).failed == 0);
      std::filesystem::remove_all(p.cache->dir() + "/v1");  // a fresh clone's empty cache
    }
    FaultyFileSystem fs(t.dir.path, t.dir.path + "/backup");
    {
      Project p = open_project(root, fs);
      Workspace ws = load_workspace(p);
      fs.cut_power_at_sync(cut);
      try {
        fetch(ws, *make_local_remote(remote_dir, fs), {}, {}, 2, {});
      } catch (const Error&) {
        CHECK(fs.dead());  // only the cut may stop it
      }
    }
    const bool finished = !fs.dead();
    fs.power_restored();
    {
      // What the cut left: whole objects only (some may be missing).
      Project p = open_project(root);
      for (const auto& d : p.cache->verify({}, false, nullptr)) FAIL_CHECK(d.object << ": " << d.problem);
    }
    {
      Project p = open_project(root);
      Workspace ws = load_workspace(p);
      CHECK(fetch(ws, *make_local_remote(remote_dir), {}, {}, 2, {}).failed == 0);
    }
    check_cache(root);  // now everything referenced is there, and whole
    CHECK(dataset_is(root, "v1"));
    if (finished) {
      CHECK(cut > 4);  // the manifest's, then the files' data and names
      MESSAGE("fetch: power cut at each of " << cut - 1 << " sync points; all checks held");
      break;
    }
  }
}

TEST_CASE("fetch over HTTP survives a power cut at every sync point: downloads go through the project's filesystem") {
  // The HTTP backend writes each download through RemoteSettings::files,
  // the cache syncs and renames it: both on the faulty filesystem.
  const TrackedWithRemote seed;
  {
    Project p = open_project(seed.root);
    Workspace ws = load_workspace(p);
    REQUIRE(push(ws, *make_local_remote(seed.remote_dir), {}, {}, 2, {}).failed == 0);
  }
  pipeline::testing::HttpServer server(seed.remote_dir, seed.dir.path);
  auto http = [&](FileSystem& fs) {
    RemoteSettings s;
    s.name = "web";
    s.url = server.url();
    s.files = &fs;
    return open_remote(s);
  };
  for (int cut = 1;; ++cut) {
    CAPTURE(cut);
    const TrackedWithRemote t;  // the same data, so the same objects
    std::filesystem::remove_all(t.root + "/.pipe/cache/v1");  // a fresh clone's empty cache
    FaultyFileSystem fs(t.dir.path, t.dir.path + "/backup");
    {
      Project p = open_project(t.root, fs);
      Workspace ws = load_workspace(p);
      fs.cut_power_at_sync(cut);
      try {
        fetch(ws, *http(fs), {}, {}, 2, {});
      } catch (const Error&) {
        CHECK(fs.dead());  // only the cut may stop it
      }
    }
    const bool finished = !fs.dead();
    fs.power_restored();
    {
      Project p = open_project(t.root);
      for (const auto& d : p.cache->verify({}, false, nullptr)) FAIL_CHECK(d.object << ": " << d.problem);
    }
    {
      Project p = open_project(t.root);
      Workspace ws = load_workspace(p);
      CHECK(fetch(ws, *http(real_file_system()), {}, {}, 2, {}).failed == 0);
    }
    check_cache(t.root);
    if (finished) {
      CHECK(cut > 4);
      MESSAGE("fetch over HTTP: power cut at each of " << cut - 1 << " sync points; all checks held");
      break;
    }
  }
  // A full disk while a download is written is that object's failure, said
  // as such, and nothing half-written is cached.
  const TrackedWithRemote t;
  std::filesystem::remove_all(t.root + "/.pipe/cache/v1");
  FaultyFileSystem fs(t.dir.path, t.dir.path + "/backup");
  Project p = open_project(t.root, fs);
  Workspace ws = load_workspace(p);
  fs.fail_nth(FaultyFileSystem::Op::kWrite, 1, ENOSPC);
  const TransferReport r = fetch(ws, *http(fs), {}, {}, 1, {});
  CHECK(r.failed == 1);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].find("No space left on device") != std::string::npos);
  for (const auto& d : p.cache->verify({}, false, nullptr)) FAIL_CHECK(d.object << ": " << d.problem);
}
