// SlurmRunner against a fake cluster: what it asks of sbatch, how it
// follows jobs (one squeue call per poll, whatever the number of jobs), what
// each end state becomes, and what it cancels. The real cluster is
// tests/system/test_slurm.sh.
#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "slurm_runner.h"
#include "temp_project.h"

using namespace pipeline;
using pipeline::testing::TempDir;

namespace {

struct FakeJob {
  std::string comment;
  std::deque<std::string> states = {"PENDING", "RUNNING", "COMPLETED"};  // one step per squeue call
  std::string exit_code = "0:0";
  int sacct_lag = 0;  // sacct calls that still say RUNNING after the job ended
  bool purged = false;  // gone from the controller once ended (MinJobAge passed)
};

// A cluster that answers Slurm's client commands as Slurm 22 prints them.
class FakeCluster : public SlurmCommands {
 public:
  bool accounting = false;
  bool refuse = false;
  bool down = false;  // the controller does not answer
  std::function<void()> during_sbatch;  // runs while sbatch "talks to the controller"
  std::map<std::string, FakeJob> jobs;
  std::vector<std::vector<std::string>> calls;
  std::vector<std::string> scripts;  // the text of each submitted batch script
  int next_id = 100;
  // Outlives the fake (which the runner owns), for what a runner did as it went away.
  std::shared_ptr<std::vector<std::vector<std::string>>> last_words =
      std::make_shared<std::vector<std::vector<std::string>>>();

  ~FakeCluster() override { *last_words = calls; }

  std::string current(const std::string& id) { return jobs[id].states.front(); }
  static bool ended(const std::string& s) { return s != "PENDING" && s != "RUNNING"; }

  size_t count(const std::string& program, const std::string& with = "") const {
    return std::count_if(calls.begin(), calls.end(), [&](const auto& argv) {
      return argv[0] == program && (with.empty() || std::find(argv.begin(), argv.end(), with) != argv.end());
    });
  }
  static std::string flag(const std::vector<std::string>& argv, const std::string& name) {
    for (const auto& a : argv)
      if (a.compare(0, name.size() + 1, name + "=") == 0) return a.substr(name.size() + 1);
    return "";
  }
  static std::vector<std::string> ids_after(const std::vector<std::string>& argv, const std::string& opt) {
    auto it = std::find(argv.begin(), argv.end(), opt);
    std::vector<std::string> out;
    if (it == argv.end() || ++it == argv.end()) return out;
    std::stringstream list(*it);
    for (std::string id; std::getline(list, id, ',');) out.push_back(id);
    return out;
  }

  std::vector<std::chrono::steady_clock::time_point> call_times;

  int run(const std::vector<std::string>& argv, std::string* out, std::string* err) override {
    calls.push_back(argv);
    call_times.push_back(std::chrono::steady_clock::now());
    out->clear();
    err->clear();
    const std::string& program = argv[0];
    if (down && program != "sbatch") {
      *err = program + ": error: Unable to contact slurm controller (connect failure)";
      return 1;
    }
    if (program == "sbatch" && during_sbatch) during_sbatch();
    if (program == "sbatch") {
      if (refuse) {
        *err = "sbatch: error: invalid partition specified: nosuch";
        return 1;
      }
      const std::string id = std::to_string(next_id++);
      jobs[id].comment = flag(argv, "--comment");
      std::ifstream in(argv.back());
      std::stringstream text;
      text << in.rdbuf();
      scripts.push_back(text.str());
      *out = id + "\n";
      return 0;
    }
    if (program == "squeue" && std::find(argv.begin(), argv.end(), "--me") != argv.end()) {
      for (auto& [id, j] : jobs)
        if (!ended(current(id))) *out += id + "|" + j.comment + "\n";
      return 0;
    }
    if (program == "squeue") {
      const bool all = std::find(argv.begin(), argv.end(), "all") != argv.end();
      for (const auto& id : ids_after(argv, "-j")) {
        FakeJob& j = jobs[id];
        if (j.purged && ended(current(id))) continue;
        if (all) *out += id + "|" + current(id) + "\n";
        else if (!ended(current(id))) *out += id + "\n";
        if (j.states.size() > 1) j.states.pop_front();
      }
      return 0;
    }
    if (program == "sacct") {
      if (!accounting) {
        *err = "sacct: error: Slurm accounting storage is disabled";
        return 1;
      }
      for (const auto& id : ids_after(argv, "-j")) {
        FakeJob& j = jobs[id];
        const std::string state = j.sacct_lag-- > 0 ? "RUNNING" : current(id);
        *out += id + "|" + state + "|" + j.exit_code +
                "|2026-12-07T10:00:00|2026-12-07T10:00:05|00:00:05||||node7|gpu|fakecluster\n";
        *out += id + ".batch|" + state + "|" + j.exit_code +
                "|2026-12-07T10:00:00|2026-12-07T10:00:05|00:00:05|00:03.500|00:00.500|51200K|node7||fakecluster\n";
      }
      return 0;
    }
    if (program == "scontrol" && argv.size() > 2 && argv[2] == "config") {
      *out = "ClusterName             = fakecluster\n";
      return 0;
    }
    if (program == "scontrol") {
      for (auto& [id, j] : jobs)
        if (!j.purged)
          *out += "JobId=" + id + " JobName=x JobState=" + current(id) + " ExitCode=" + j.exit_code +
                  " RunTime=00:00:04 StartTime=2026-12-07T10:00:00 EndTime=2026-12-07T10:00:04 Partition=debug "
                  "NodeList=node1\n";
      return 0;
    }
    if (program == "scancel") {
      for (size_t i = 1; i < argv.size(); ++i) {
        if (argv[i][0] == '-' || !jobs.count(argv[i])) continue;
        if (!ended(current(argv[i]))) jobs[argv[i]].states = {"CANCELLED"};
      }
      return 0;
    }
    return -1;
  }
};

struct Fixture {
  TempDir dir;
  FakeCluster* cluster;
  std::vector<std::string> messages;
  std::unique_ptr<Runner> runner;

  explicit Fixture(Resources defaults = {}, double poll_seconds = 0.001, double unanswered_seconds = 600) {
    auto fake = std::make_unique<FakeCluster>();
    cluster = fake.get();
    SlurmOptions o;
    o.defaults = std::move(defaults);
    o.project_id = "p123";
    o.script_dir = dir.path + "/slurm";
    o.poll_seconds = poll_seconds;
    o.unanswered_seconds = unanswered_seconds;
    o.message = [this](const std::string& m) { messages.push_back(m); };
    runner = make_slurm_runner(o, std::move(fake), nullptr);
  }

  Job job(size_t id, const std::string& stage, std::vector<std::string> cmds = {"true"}) const {
    Job j;
    j.id = id;
    j.stage = stage;
    j.cmds = std::move(cmds);
    j.dir = dir.path;
    return j;
  }

  // The one job's result, with the cluster ending it in `state`.
  JobResult end_in(const std::string& state, const std::string& exit_code = "0:0") {
    runner->start(job(1, "train"));
    cluster->jobs["100"].states = {"RUNNING", state};
    cluster->jobs["100"].exit_code = exit_code;
    return runner->wait();
  }
};

}  // namespace

TEST_CASE("a stage is submitted with sbatch as an argument vector, its commands in a batch script") {
  Resources defaults;
  defaults.partition = "cpu";
  defaults.mem = "1G";
  Fixture f(defaults);
  Job j = f.job(7, "train@lr=0.1", {"python train.py --name 'it''s; rm -rf /'", "echo done"});
  j.resources.mem = "8G";
  j.resources.cpus = 4;
  j.log_path = f.dir.path + "/train.log";
  f.runner->start(j);
  REQUIRE(f.cluster->count("sbatch") == 1);
  const auto& argv = f.cluster->calls.back();
  CHECK(argv[1] == "--parsable");
  CHECK(FakeCluster::flag(argv, "--job-name") == "pipe.train@lr_0.1.7");
  CHECK(FakeCluster::flag(argv, "--comment") == "pipe:p123:train@lr=0.1");
  CHECK(FakeCluster::flag(argv, "--output") == j.log_path);
  CHECK(FakeCluster::flag(argv, "--chdir") == f.dir.path);
  CHECK(FakeCluster::flag(argv, "--mem") == "8G");  // the stage's over the default
  CHECK(FakeCluster::flag(argv, "--cpus-per-task") == "4");
  CHECK(FakeCluster::flag(argv, "--partition") == "cpu");  // the default where the stage is silent
  CHECK(argv.back() == f.dir.path + "/slurm/train@lr_0.1.7.sh");
  // No argument carries the user's command: it is in the script, quoted.
  for (const auto& a : argv) CHECK(a.find("train.py") == std::string::npos);
  const std::string& script = f.cluster->scripts.at(0);
  CHECK(script.find("cd '" + f.dir.path + "' || exit 1\n") != std::string::npos);
  CHECK(script.find("/bin/sh -c 'python train.py --name '\\''it'\\'''\\''s; rm -rf /'\\''' || exit $?\n") !=
        std::string::npos);
  CHECK(script.find("/bin/sh -c 'echo done' || exit $?\n") != std::string::npos);
  CHECK(f.runner->wait().ok());
}

TEST_CASE("every job in flight is followed by one squeue call per poll, not one per job") {
  Fixture f;
  for (size_t i = 0; i < 50; ++i) f.runner->start(f.job(i, "s" + std::to_string(i)));
  // Each poll moves every job one state on: PENDING, RUNNING, COMPLETED.
  std::set<size_t> seen;
  for (size_t i = 0; i < 50; ++i) {
    const JobResult r = f.runner->wait();
    CHECK(r.ok());
    seen.insert(r.id);
  }
  CHECK(seen.size() == 50);
  const size_t polls = f.cluster->count("squeue", "all");
  CHECK(polls <= 3);
  // The first poll asked about all fifty at once.
  CHECK(FakeCluster::ids_after(f.cluster->calls[50 + 1], "-j").size() == 50);
  CHECK(f.cluster->count("scontrol", "job") <= polls);  // the details of all that ended, in one call
}

TEST_CASE("while nothing ends, squeue is asked less and less often, down to once a poll_seconds") {
  Fixture f({}, 0.2);
  f.runner->start(f.job(1, "train"));
  f.cluster->jobs["100"].states = {"RUNNING", "RUNNING", "RUNNING", "RUNNING", "RUNNING", "RUNNING", "COMPLETED"};
  CHECK(f.runner->wait().ok());
  std::vector<double> gaps;  // between squeue calls, in seconds
  const FakeCluster& c = *f.cluster;
  std::chrono::steady_clock::time_point last{};
  for (size_t i = 0; i < c.calls.size(); ++i) {
    if (c.calls[i][0] != "squeue" || FakeCluster::flag(c.calls[i], "--me") != "" ||
        std::find(c.calls[i].begin(), c.calls[i].end(), "all") == c.calls[i].end())
      continue;
    if (last != std::chrono::steady_clock::time_point{})
      gaps.push_back(std::chrono::duration<double>(c.call_times[i] - last).count());
    last = c.call_times[i];
  }
  REQUIRE(gaps.size() == 6);
  CHECK(gaps.front() < 0.15);  // soon after the submission: a trivial job ends at once
  CHECK(gaps.back() >= 0.19);  // then no more often than poll_seconds
  CHECK(gaps.back() < 0.6);
}

TEST_CASE("each end state becomes the stage's result, in words") {
  SUBCASE("COMPLETED is success, with where it ran") {
    Fixture f;
    const JobResult r = f.end_in("COMPLETED");
    CHECK(r.ok());
    CHECK(r.remote);
    CHECK(r.executor.find("\"kind\":\"slurm\"") != std::string::npos);
    CHECK(r.executor.find("\"job_id\":\"100\"") != std::string::npos);
    CHECK(r.executor.find("\"nodes\":\"node1\"") != std::string::npos);
    CHECK(r.executor.find("\"partition\":\"debug\"") != std::string::npos);
    CHECK(r.executor.find("\"cluster\":\"fakecluster\"") != std::string::npos);
    CHECK(r.executor.find("\"elapsed_seconds\":4") != std::string::npos);
  }
  SUBCASE("FAILED, with the job's exit code") {
    Fixture f;
    const JobResult r = f.end_in("FAILED", "3:0");
    CHECK_FALSE(r.ok());
    CHECK(r.exit_code == 3);
    CHECK(r.failure == "Slurm job 100 FAILED: exit code 3");
  }
  SUBCASE("TIMEOUT names the limit and how to raise it") {
    Fixture f;
    Job j = f.job(1, "train");
    j.resources.time = "10";
    f.runner->start(j);
    f.cluster->jobs["100"].states = {"RUNNING", "TIMEOUT"};
    const JobResult r = f.runner->wait();
    CHECK(r.failure ==
          "Slurm job 100 TIMEOUT: it ran past its time limit (time: 10); ask for more with 'time' in the stage's "
          "resources");
  }
  const std::pair<const char*, const char*> kCases[] = {
      {"OUT_OF_MEMORY", "OUT_OF_MEMORY: it used more memory than it asked for"},
      {"NODE_FAIL", "NODE_FAIL: the node it ran on failed"},
      {"CANCELLED", "CANCELLED: it was cancelled"},
      {"PREEMPTED", "PREEMPTED: a job of higher priority preempted it"},
  };
  for (const auto& [state, words] : kCases) {
    CAPTURE(state);
    Fixture f;
    const JobResult r = f.end_in(state, "0:9");
    CHECK_FALSE(r.ok());
    CHECK(r.failure.find(words) != std::string::npos);
  }
}

TEST_CASE("a job the controller already forgot is described from sacct") {
  Fixture f;
  f.cluster->accounting = true;
  f.runner->start(f.job(1, "train"));
  f.cluster->jobs["100"].states = {"RUNNING", "COMPLETED"};
  f.cluster->jobs["100"].purged = true;
  const JobResult r = f.runner->wait();
  CHECK(r.ok());
  CHECK(r.user_seconds == doctest::Approx(3.5));
  CHECK(r.max_rss_kb == 51200);
  CHECK(r.executor.find("\"cpu_seconds\":4") != std::string::npos);
  CHECK(r.executor.find("\"max_rss_kb\":51200") != std::string::npos);
  CHECK(r.executor.find("\"nodes\":\"node7\"") != std::string::npos);
}

TEST_CASE("while the accounting database lags, the job's end is asked again rather than taken as running") {
  Fixture f;
  f.cluster->accounting = true;
  f.runner->start(f.job(1, "train"));
  f.cluster->jobs["100"].states = {"RUNNING", "FAILED"};
  f.cluster->jobs["100"].exit_code = "2:0";
  f.cluster->jobs["100"].sacct_lag = 3;
  const JobResult r = f.runner->wait();
  CHECK(r.failure == "Slurm job 100 FAILED: exit code 2");
  CHECK(f.cluster->count("sacct") == 4);
}

TEST_CASE("without accounting, what the controller holds is enough") {
  Fixture f;
  const JobResult r = f.end_in("COMPLETED");
  CHECK(r.ok());
  CHECK(f.cluster->count("sacct") == 1);  // tried once, then not again
  f.runner->start(f.job(2, "eval"));
  f.cluster->jobs["101"].states = {"COMPLETED"};
  CHECK(f.runner->wait().ok());
  CHECK(f.cluster->count("sacct") == 1);
  CHECK(r.executor.find("cpu_seconds") == std::string::npos);  // no figure pipe does not have
}

TEST_CASE("a refused submission is the stage's error, with sbatch's reason") {
  Fixture f;
  f.cluster->refuse = true;
  f.runner->start(f.job(4, "train"));
  const JobResult r = f.runner->wait();
  CHECK(r.id == 4);
  CHECK_FALSE(r.launched);
  CHECK(r.error == "sbatch refused it: sbatch: error: invalid partition specified: nosuch");
}

TEST_CASE("Ctrl-C cancels every job pipe submitted, and each ends as cancelled") {
  Fixture f;
  for (size_t i = 0; i < 3; ++i) f.runner->start(f.job(i, "s" + std::to_string(i)));
  for (auto& [id, j] : f.cluster->jobs) j.states = {"RUNNING"};
  f.runner->signal_all(SIGINT);
  const auto& cancel = f.cluster->calls.back();
  CHECK(cancel == std::vector<std::string>{"scancel", "100", "101", "102"});
  for (int i = 0; i < 3; ++i) CHECK(f.runner->wait().failure.find("CANCELLED") != std::string::npos);
}

TEST_CASE("a second Ctrl-C kills the jobs at once") {
  Fixture f;
  f.runner->start(f.job(0, "s"));
  f.cluster->jobs["100"].states = {"RUNNING"};
  f.runner->signal_all(SIGKILL);
  CHECK(f.cluster->count("scancel", "--signal=KILL") == 1);
  CHECK(f.cluster->count("scancel") == 2);
}

TEST_CASE("jobs are cancelled when the runner goes away with them in flight") {
  Fixture f;
  f.runner->start(f.job(0, "s"));
  f.cluster->jobs["100"].states = {"RUNNING"};
  CHECK(f.cluster->count("scancel") == 0);
  auto calls = f.cluster->last_words;
  f.runner.reset();
  REQUIRE_FALSE(calls->empty());
  CHECK(std::count(calls->begin(), calls->end(), std::vector<std::string>{"scancel", "100"}) == 1);
}

TEST_CASE("the jobs a killed run of this project left are cancelled before anything is submitted") {
  Fixture f;
  f.cluster->jobs["40"].comment = "pipe:p123:train";  // ours, left by a SIGKILLed run
  f.cluster->jobs["40"].states = {"RUNNING"};
  f.cluster->jobs["41"].comment = "pipe:other:train";  // another project's
  f.cluster->jobs["41"].states = {"RUNNING"};
  f.cluster->jobs["42"].comment = "";  // someone else's
  f.cluster->jobs["42"].states = {"RUNNING"};
  f.runner->recover();
  CHECK(f.cluster->current("40") == "CANCELLED");
  CHECK(f.cluster->current("41") == "RUNNING");
  CHECK(f.cluster->current("42") == "RUNNING");
  REQUIRE(f.messages.size() == 1);
  CHECK(f.messages[0] == "Cancelling 1 Slurm job(s) an interrupted run left: 40");
  f.runner->recover();  // once per run
  CHECK(f.cluster->count("scancel") == 1);
  f.runner->start(f.job(0, "train"));
  CHECK(f.cluster->count("squeue", "--me") == 1);
}

TEST_CASE("a Ctrl-C that comes while sbatch runs still cancels the job sbatch submits") {
  Fixture f;
  f.cluster->during_sbatch = [&] { f.runner->signal_all(SIGINT); };
  f.runner->start(f.job(0, "train"));
  CHECK(f.cluster->count("scancel", "100") == 1);
  CHECK(f.runner->wait().failure.find("CANCELLED") != std::string::npos);
}

TEST_CASE("when Slurm cannot list an earlier run's jobs, nothing is submitted") {
  Fixture f;
  f.cluster->down = true;
  CHECK_THROWS_WITH_AS(f.runner->recover(), doctest::Contains("nothing was submitted"), Error);
  CHECK(f.cluster->count("sbatch") == 0);
}

TEST_CASE("a controller that stops answering ends the stages as lost after a while, not never") {
  Fixture f({}, 0.001, 0.05);
  f.runner->start(f.job(3, "train"));
  f.cluster->down = true;
  const JobResult r = f.runner->wait();
  CHECK(r.id == 3);
  CHECK(r.failure.find("Slurm job 100 UNKNOWN: Slurm's controller has not answered") == 0);
  CHECK(r.failure.find("the next run cancels it") != std::string::npos);
}

TEST_CASE("a job is not requeued, and its log path reaches sbatch literally") {
  Fixture f;
  Job j = f.job(1, "train");
  j.log_path = f.dir.path + "/100%done.log";
  f.runner->start(j);
  const auto& argv = f.cluster->calls.back();
  CHECK(std::find(argv.begin(), argv.end(), "--no-requeue") != argv.end());
  CHECK(FakeCluster::flag(argv, "--output") == f.dir.path + "/100%%done.log");
  CHECK(f.runner->wait().ok());
}

TEST_CASE("with accounting, the controller is not asked about jobs sacct described") {
  Fixture f;
  f.cluster->accounting = true;
  CHECK(f.end_in("COMPLETED").ok());
  CHECK(f.cluster->count("scontrol", "job") == 0);
}

TEST_CASE("a stage name from params cannot write lines into the batch script") {
  Fixture f;
  f.runner->start(f.job(1, "train@a\nrm -rf ~"));
  const std::string& script = f.cluster->scripts.at(0);
  CHECK(script.find("\nrm -rf ~") == std::string::npos);
  CHECK(f.runner->wait().ok());
}

TEST_CASE("Slurm's clients are asked for times in the one format pipe reads, whatever SLURM_TIME_FORMAT says") {
  ::setenv("SLURM_TIME_FORMAT", "relative", 1);
  const auto commands = pipeline::real_slurm_commands();
  const char* format = std::getenv("SLURM_TIME_FORMAT");
  REQUIRE(format != nullptr);
  CHECK(std::string(format) == "standard");
  ::unsetenv("SLURM_TIME_FORMAT");
}
