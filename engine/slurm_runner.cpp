#include "slurm_runner.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>


#include "digest.h"
#include "error.h"
#include "file_io.h"
#include "leftovers.h"
#include "subprocess.h"
#include "value.h"

namespace pipeline {
namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string trim(const std::string& s) {
  const size_t first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at - start));
    if (at == std::string::npos) return out;
    start = at + 1;
  }
}

// "1, 2, 3", for messages.
std::string list_of(const std::vector<std::string>& ids) {
  std::string s;
  for (const auto& id : ids) s += (s.empty() ? "" : ", ") + id;
  return s;
}

// sbatch expands %j, %u, %x... in --output: a path is written with each
// '%' doubled so that it names that file and no other.
std::string literal_pattern(const std::string& path) {
  std::string out;
  for (char c : path) out += c == '%' ? std::string("%%") : std::string(1, c);
  return out;
}

// Slurm's durations: "MM:SS", "HH:MM:SS", "D-HH:MM:SS", with ".mmm" on CPU times.
double seconds_of(const std::string& text) {
  double days = 0, total = 0;
  std::string rest = text;
  const size_t dash = rest.find('-');
  if (dash != std::string::npos) {
    days = std::atof(rest.substr(0, dash).c_str());
    rest = rest.substr(dash + 1);
  }
  for (const std::string& part : split(rest, ':')) total = total * 60 + std::atof(part.c_str());
  return days * 86400 + total;
}

// "1234K", "56M", "2G" -> KiB.
int64_t kib_of(const std::string& text) {
  if (text.empty()) return 0;
  const double n = std::atof(text.c_str());
  switch (text.back()) {
    case 'K': return static_cast<int64_t>(n);
    case 'M': return static_cast<int64_t>(n * 1024);
    case 'G': return static_cast<int64_t>(n * 1024 * 1024);
    case 'T': return static_cast<int64_t>(n * 1024 * 1024 * 1024);
    default: return static_cast<int64_t>(n / 1024);
  }
}

// "2026-12-07T07:57:46" (the controller's local time) -> ns; 0 for "Unknown".
int64_t time_of(const std::string& text) {
  struct tm t{};
  if (text.size() < 19 || !::strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &t)) return 0;
  t.tm_isdst = -1;
  const time_t s = ::mktime(&t);
  return s < 0 ? 0 : static_cast<int64_t>(s) * 1'000'000'000;
}

// States in which a job has not finished yet.
bool unfinished(const std::string& state) {
  for (const char* s : {"PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED", "REQUEUED", "REQUEUE_FED",
                        "REQUEUE_HOLD", "RESIZING", "SIGNALING", "STAGE_OUT", "STOPPED"})
    if (state == s) return true;
  return false;
}

// What a job's end state means, in words, for the stage's failure.
std::string meaning(const std::string& state, const Resources& asked) {
  if (state == "TIMEOUT")
    return "it ran past its time limit" + (asked.time.empty() ? std::string(" (the partition's)") : " (time: " + asked.time + ")") +
           "; ask for more with 'time' in the stage's resources";
  if (state == "OUT_OF_MEMORY")
    return "it used more memory than it asked for" + (asked.mem.empty() ? std::string(" (the partition's default)") : " (mem: " + asked.mem + ")") +
           "; ask for more with 'mem' in the stage's resources";
  if (state == "NODE_FAIL") return "the node it ran on failed; run again";
  if (state == "CANCELLED") return "it was cancelled (scancel, an administrator, or a limit Slurm enforces)";
  if (state == "PREEMPTED") return "a job of higher priority preempted it; run again";
  if (state == "BOOT_FAIL") return "its node failed to boot; run again";
  if (state == "DEADLINE") return "it missed its deadline";
  return "it ended " + state;
}

// The fields of one `scontrol -o show job` line (Key=Value, space-separated).
std::map<std::string, std::string> scontrol_fields(const std::string& line) {
  std::map<std::string, std::string> out;
  for (const std::string& word : split(line, ' ')) {
    const size_t eq = word.find('=');
    if (eq != std::string::npos) out[word.substr(0, eq)] = word.substr(eq + 1);
  }
  return out;
}

std::string safe_name(const std::string& stage) {
  std::string out;
  for (char c : stage) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '@' || c == '-' || c == '.') ? c : '_';
  return out.substr(0, 100);
}

// What the batch script records about the node it runs on, before the
// stage's commands: the environment the lineage keeps is the node's.
const char* const kProbe =
    "{\n"
    "  echo \"hostname=$(hostname)\"\n"
    "  echo \"cpus=$(nproc)\"\n"
    "  echo \"cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')\"\n"
    "  echo \"memory_kb=$(awk '/^MemTotal/ {print $2}' /proc/meminfo)\"\n"
    "  echo \"kernel=$(uname -sr)\"\n"
    "  command -v nvidia-smi >/dev/null 2>&1 &&\n"
    "    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | sed 's/^/gpu=/'\n"
    "} >";

class SlurmRunner : public Runner {
 public:
  SlurmRunner(SlurmOptions options, std::unique_ptr<SlurmCommands> commands, OutputSink sink)
      : options_(std::move(options)), commands_(std::move(commands)), sink_(std::move(sink)) {}

  ~SlurmRunner() override {
    // An exception unwound past the scheduler: leave no job behind.
    std::vector<std::string> ids;
    {
      std::lock_guard lock(mutex_);
      for (const auto& [id, j] : jobs_) ids.push_back(id);
    }
    if (!ids.empty()) cancel(ids);
  }

  void recover() override { std::call_once(swept_, [&] { cancel_leftovers(); }); }

  void start(const Job& job) override {
    recover();
    JobResult refused;
    refused.id = job.id;
    Submitted s;
    s.job = job;
    s.asked = merge_resources(job.resources, options_.defaults);
    const std::string name = safe_name(job.stage) + "." + std::to_string(job.id);
    s.script = options_.script_dir + "/" + name + ".sh";
    s.probe = options_.script_dir + "/" + name + ".node";
    try {
      make_dirs(real_file_system(), options_.script_dir);
      write_file_atomically(s.script, script(job, s.probe), 0755);
    } catch (const Error& e) {
      refused.error = std::string("cannot write the batch script: ") + e.what();
      return finish(std::move(refused));
    }
    ::unlink(s.probe.c_str());  // an earlier run's
    // Emptied before the job can start writing to it.
    if (!job.log_path.empty()) ::truncate(job.log_path.c_str(), 0);
    std::vector<std::string> argv = {"sbatch", "--parsable", "--job-name=pipe." + name,
                                     "--comment=pipe:" + options_.project_id + ":" + job.stage,
                                     "--output=" + (job.log_path.empty() ? std::string("/dev/null") : literal_pattern(job.log_path)),
                                     // A requeued job would run again after pipe took its end
                                     // as the stage's result.
                                     "--no-requeue",
                                     // The local leftover sweep (leftovers.h) must not take a job's
                                     // processes for a dead run's: Slurm's are found by comment.
                                     "--chdir=" + job.dir, "--export=ALL," + std::string(kRunIdVariable) + "="};
    for (const std::string& flag : sbatch_flags(s.asked)) argv.push_back(flag);
    argv.push_back(s.script);
    std::string out, err;
    s.submitted_ns = now_ns();
    const int rc = commands_->run(argv, &out, &err);
    const std::string id = trim(split(trim(out), ';').front());
    if (rc != 0 || id.empty() || id.find_first_not_of("0123456789_") != std::string::npos) {
      refused.error = rc < 0 ? "cannot run sbatch (is Slurm's client installed, and SLURM_CONF set?)"
                             : "sbatch refused it: " + trim(err.empty() ? out : err);
      return finish(std::move(refused));
    }
    s.slurm_id = id;
    interval_ = kFirstPoll;  // a trivial job may end at once: look soon
    bool cancelled = false;
    {
      std::lock_guard lock(mutex_);
      jobs_.emplace(id, std::move(s));
      cancelled = cancelling_;
    }
    // A Ctrl-C while sbatch ran did not see this job: cancel it now.
    if (cancelled) cancel({id});
  }

  JobResult wait() override {
    for (;;) {
      {
        std::lock_guard lock(mutex_);
        if (!done_.empty()) {
          JobResult r = std::move(done_.front());
          done_.pop_front();
          return r;
        }
        if (jobs_.empty()) throw Error(Exit::kInternal, "slurm runner: wait() with no job in flight");
      }
      if (poll()) {
        interval_ = kFirstPoll;
      } else {
        std::this_thread::sleep_for(std::chrono::duration<double>(std::min(interval_, options_.poll_seconds)));
        interval_ *= 2;
      }
    }
  }

  void signal_all(int sig) override {
    std::vector<std::string> ids;
    {
      std::lock_guard lock(mutex_);
      cancelling_ = true;
      for (const auto& [id, j] : jobs_) ids.push_back(id);
    }
    // Slurm sends the job's processes SIGTERM, then SIGKILL after its
    // KillWait; a second Ctrl-C asks for SIGKILL at once.
    if (!ids.empty()) cancel(ids, sig == SIGKILL);
  }

 private:
  struct Submitted {
    Job job;
    Resources asked;
    std::string slurm_id, script, probe;
    int64_t submitted_ns = 0;
    int64_t ended_ns = 0;  // when squeue first said it ended
    uint64_t log_offset = 0;
    std::string partial;  // a log line not yet ended
  };

  std::string script(const Job& job, const std::string& probe) const {
    // The name as the job's name has it: a stage name generated from params
    // may hold any character, and a newline here would be a command.
    std::string out = "#!/bin/sh\n# Written by pipe for stage " + safe_name(job.stage) + "; each run writes it anew.\n";
    out += kProbe + std::string(" ") + shell_quote(probe) + " 2>/dev/null\n";
    out += "cd " + shell_quote(job.dir) + " || exit 1\n";
    // As a local run: each command by /bin/sh -c, stopping at the first failure.
    for (const std::string& cmd : job.cmds) out += "/bin/sh -c " + shell_quote(cmd) + " || exit $?\n";
    return out;
  }

  void finish(JobResult r) {
    std::lock_guard lock(mutex_);
    done_.push_back(std::move(r));
  }

  void cancel(const std::vector<std::string>& ids, bool kill = false) {
    std::vector<std::string> argv = {"scancel"};
    if (kill) argv.push_back("--signal=KILL");
    argv.insert(argv.end(), ids.begin(), ids.end());
    std::string out, err;
    int rc = commands_->run(argv, &out, &err);
    if (kill) {  // a signal leaves the job to end by itself: cancel it too
      argv.erase(argv.begin() + 1);
      rc = commands_->run(argv, &out, &err);
    }
    if (rc != 0 && options_.message)
      options_.message("scancel failed for Slurm job(s) " + list_of(ids) + ": " +
                       (rc < 0 ? std::string("scancel not found") : trim(err)) + "; the next run cancels them");
  }

  // Jobs a killed run of this project left: cancelled, and waited for, so
  // no stage runs twice at once.
  void cancel_leftovers() {
    std::string out, err;
    // Without this list pipe cannot know that no stage still runs from a
    // killed run: it must not submit blind.
    if (const int rc = commands_->run({"squeue", "-h", "--me", "-o", "%i|%k"}, &out, &err); rc != 0)
      throw Error(Exit::kFailed, "cannot ask Slurm for the jobs an earlier run may have left (squeue: " +
                                     (rc < 0 ? std::string("not found; is Slurm's client installed?") : trim(err)) +
                                     "); nothing was submitted");
    const std::string mine = "pipe:" + options_.project_id + ":";
    std::vector<std::string> ids;
    for (const std::string& line : split(out, '\n')) {
      const auto f = split(line, '|');
      if (f.size() >= 2 && f[1].compare(0, mine.size(), mine) == 0) ids.push_back(trim(f[0]));
    }
    if (ids.empty()) return;
    if (options_.message)
      options_.message("Cancelling " + std::to_string(ids.size()) + " Slurm job(s) an interrupted run left: " +
                       list_of(ids));
    cancel(ids);
    for (int i = 0; i < 600; ++i) {  // up to a minute: KillWait is 30 s by default
      std::string left;
      std::vector<std::string> argv = {"squeue", "-h", "-o", "%i", "-j"};
      std::string list;
      for (const auto& id : ids) list += (list.empty() ? "" : ",") + id;
      argv.push_back(list);
      if (commands_->run(argv, &left, &err) != 0 || trim(left).empty()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw Error(Exit::kFailed, "the Slurm jobs an interrupted run left did not leave the queue within a minute "
                               "of scancel: " + list_of(ids) + "; nothing was submitted, so no stage runs twice");
  }

  // One squeue call for every job in flight; the ones that ended are
  // finished (their details in one more call). True when some ended.
  bool poll() {
    std::vector<std::string> ids;
    {
      std::lock_guard lock(mutex_);
      for (const auto& [id, j] : jobs_) ids.push_back(id);
    }
    if (ids.empty()) return false;
    std::string list;
    for (const auto& id : ids) list += (list.empty() ? "" : ",") + id;
    std::string out, err;
    const int rc = commands_->run({"squeue", "-h", "-t", "all", "-o", "%i|%T", "-j", list}, &out, &err);
    std::map<std::string, std::string> state;  // by id; absent: gone from the controller
    if (rc == 0) {
      for (const std::string& line : split(out, '\n')) {
        const auto f = split(line, '|');
        if (f.size() >= 2) state[trim(f[0])] = trim(f[1]);
      }
    } else if (err.find("Invalid job id") == std::string::npos) {
      return unanswered(ids, rc < 0 ? "squeue not found" : trim(err));  // ask again next poll, for a while
    }
    silent_since_ns_ = 0;
    std::vector<std::string> ended;
    for (const auto& id : ids) {
      auto s = state.find(id);
      if (s == state.end() || !unfinished(s->second)) ended.push_back(id);
    }
    stream_logs();
    if (ended.empty()) return false;
    std::map<std::string, std::map<std::string, std::string>> details = describe(ended);
    bool finished = false;
    for (const auto& id : ended) {
      std::map<std::string, std::string>& d = details[id];
      // The accounting database lags the controller by a moment: a job
      // squeue has seen end may still read RUNNING there. Ask again at the
      // next poll, for a few seconds, then take what the controller says.
      if (!d["State"].empty() && unfinished(d["State"]) && !stale(id)) continue;
      if (d["State"].empty() || unfinished(d["State"])) d["State"] = state.count(id) ? state[id] : "UNKNOWN";
      finish_job(id, d);
      finished = true;
    }
    return finished;
  }

  // squeue failed: the controller is down or unreachable. Say so after
  // 30 s, and after kGiveUpSeconds end every job as lost, to be cancelled
  // by the next run, rather than wait without end. Returns whether any job
  // ended.
  bool unanswered(const std::vector<std::string>& ids, const std::string& why) {
    const int64_t now = now_ns();
    if (silent_since_ns_ == 0) silent_since_ns_ = now;
    const double silent = static_cast<double>(now - silent_since_ns_) / 1e9;
    const std::string limit = fmt::format("{:g} s", options_.unanswered_seconds);
    if (silent >= 30 && !warned_silent_ && options_.message) {
      warned_silent_ = true;
      options_.message("Slurm has not answered for 30 s (squeue: " + why + "); still asking, for up to " + limit);
    }
    if (silent < options_.unanswered_seconds) return false;
    for (const std::string& id : ids) {
      std::map<std::string, std::string> d;
      d["State"] = "UNKNOWN";
      d["Reason"] = "Slurm's controller has not answered for " + limit + " (squeue: " + why +
                    "); the job may still run, and the next run cancels it";
      finish_job(id, d);
    }
    return true;
  }

  // True once job `id` has been waiting for the accounting database for
  // more than a few seconds since squeue saw it end.
  bool stale(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto it = jobs_.find(id);
    if (it == jobs_.end()) return true;
    if (it->second.ended_ns == 0) it->second.ended_ns = now_ns();
    return now_ns() - it->second.ended_ns > 5'000'000'000;
  }

  // How the jobs ended: sacct when accounting is on (CPU time, MaxRSS), else
  // what the controller still holds (scontrol: every job in one call).
  std::map<std::string, std::map<std::string, std::string>> describe(const std::vector<std::string>& ids) {
    std::map<std::string, std::map<std::string, std::string>> out;
    std::string text, err;
    if (accounting_ != 0) {
      std::string list;
      for (const auto& id : ids) list += (list.empty() ? "" : ",") + id;
      const int rc = commands_->run({"sacct", "-n", "-P", "-j", list, "-o",
                                     "JobID,State,ExitCode,Start,End,Elapsed,UserCPU,SystemCPU,MaxRSS,NodeList,"
                                     "Partition,Cluster"},
                                    &text, &err);
      // Off for good only when Slurm says accounting is disabled (or sacct
      // is not installed); a database down for a moment is asked again.
      if (rc < 0 || err.find("disabled") != std::string::npos) accounting_ = 0;
      else if (rc == 0) accounting_ = 1;
      if (accounting_ == 1) {
        for (const std::string& line : split(text, '\n')) {
          const auto f = split(line, '|');
          if (f.size() < 12) continue;
          // The allocation's line has the state; the .batch step's the
          // figures of the process that ran (MaxRSS, CPU).
          const std::string job = f[0].substr(0, f[0].find('.'));
          auto& d = out[job];
          const bool step = f[0].find('.') != std::string::npos;
          if (!step) {
            d["State"] = split(f[1], ' ').front();  // "CANCELLED by 0"
            d["ExitCode"] = f[2];
            d["StartTime"] = f[3];
            d["EndTime"] = f[4];
            d["Elapsed"] = f[5];
            d["NodeList"] = f[9];
            d["Partition"] = f[10];
            d["Cluster"] = f[11];
          }
          if (f[0].size() > 6 && f[0].compare(f[0].size() - 6, 6, ".batch") == 0) {
            d["UserCPU"] = f[6];
            d["SystemCPU"] = f[7];
            d["MaxRSS"] = f[8];
          }
        }
      }
    }
    // The controller fills in what the database does not have yet (or
    // everything, without accounting): asked only when something is missing.
    const bool missing = std::any_of(ids.begin(), ids.end(), [&](const std::string& id) {
      auto it = out.find(id);
      return it == out.end() || it->second["State"].empty() || unfinished(it->second["State"]) ||
             it->second["StartTime"].empty();
    });
    if (missing && commands_->run({"scontrol", "-o", "show", "job"}, &text, &err) == 0) {
      // scontrol's names for the fields sacct calls otherwise.
      const std::pair<const char*, const char*> kNames[] = {{"JobState", "State"},       {"ExitCode", "ExitCode"},
                                                            {"StartTime", "StartTime"}, {"EndTime", "EndTime"},
                                                            {"NodeList", "NodeList"},   {"Partition", "Partition"},
                                                            {"RunTime", "Elapsed"}};
      for (const std::string& line : split(text, '\n')) {
        auto f = scontrol_fields(line);
        if (std::find(ids.begin(), ids.end(), f["JobId"]) == ids.end()) continue;
        auto& d = out[f["JobId"]];
        for (const auto& [theirs, ours] : kNames)
          if (d[ours].empty()) d[ours] = f[theirs];
      }
    }
    if (cluster_.empty() && commands_->run({"scontrol", "show", "config"}, &text, &err) == 0)
      for (const std::string& line : split(text, '\n'))
        if (line.compare(0, 11, "ClusterName") == 0) cluster_ = trim(line.substr(line.find('=') + 1));
    for (auto& [id, d] : out)
      if (d["Cluster"].empty()) d["Cluster"] = cluster_;
    return out;
  }

  void finish_job(const std::string& slurm_id, std::map<std::string, std::string>& d) {
    Submitted s;
    {
      std::lock_guard lock(mutex_);
      auto it = jobs_.find(slurm_id);
      if (it == jobs_.end()) return;
      s = std::move(it->second);
      jobs_.erase(it);
    }
    stream_log(s, true);
    JobResult r;
    r.id = s.job.id;
    r.launched = true;
    r.remote = true;
    const std::string& state = d["State"];
    const auto code = split(d["ExitCode"].empty() ? "0:0" : d["ExitCode"], ':');
    r.exit_code = std::atoi(code[0].c_str());
    r.signal = code.size() > 1 ? std::atoi(code[1].c_str()) : 0;
    if (state != "COMPLETED") {
      std::string why = state == "FAILED"       ? "exit code " + std::to_string(r.exit_code)
                        : !d["Reason"].empty() ? d["Reason"]
                                               : meaning(state, s.asked);
      if (state != "FAILED" && (r.exit_code != 0 || r.signal != 0))
        why += " (exit code " + std::to_string(r.exit_code) +
               (r.signal ? ", signal " + std::to_string(r.signal) : std::string()) + ")";
      r.failure = "Slurm job " + slurm_id + " " + state + ": " + why;
    }
    else if (r.exit_code != 0 || r.signal != 0)
      r.failure = "Slurm job " + slurm_id + " ended with exit code " + std::to_string(r.exit_code);
    r.start_ns = time_of(d["StartTime"]);
    r.end_ns = time_of(d["EndTime"]);
    if (r.start_ns == 0) r.start_ns = s.submitted_ns;
    if (r.end_ns < r.start_ns) r.end_ns = now_ns();
    r.user_seconds = seconds_of(d["UserCPU"]);
    r.system_seconds = seconds_of(d["SystemCPU"]);
    r.max_rss_kb = kib_of(d["MaxRSS"]);
    Value e = Value::map();
    e.set("kind", Value::string("slurm"));
    e.set("job_id", Value::string(slurm_id));
    e.set("cluster", Value::string(d["Cluster"]));
    e.set("partition", Value::string(d["Partition"]));
    e.set("nodes", Value::string(d["NodeList"]));
    e.set("state", Value::string(state));
    e.set("requested", Value::string(describe_resources(s.asked)));
    e.set("elapsed_seconds", Value::number(seconds_of(d["Elapsed"])));
    if (accounting_ == 1) {
      e.set("cpu_seconds", Value::number(r.user_seconds + r.system_seconds));
      e.set("max_rss_kb", Value::integer(r.max_rss_kb));
    }
    e.set("node", node_probe(s.probe));
    r.executor = e.canonical();
    finish(std::move(r));
  }

  // What the job's script wrote about its node: key=value lines.
  static Value node_probe(const std::string& path) {
    Value node = Value::map();
    Value gpus = Value::list();
    std::string text;
    if (!read_file(path, &text)) return node;
    for (const std::string& line : split(text, '\n')) {
      const size_t eq = line.find('=');
      if (eq == std::string::npos) continue;
      const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
      if (key == "gpu") gpus.push(Value::string(value));
      else if (!value.empty()) node.set(key, Value::string(value));
    }
    if (gpus.size() > 0) node.set("gpus", gpus);
    return node;
  }

  // New complete lines of each running job's log, to the sink, as a local
  // run streams them.
  void stream_logs() {
    // Only this (the polling) thread erases jobs and touches their log
    // state, so the files are read, and the sink called, without holding
    // the lock that submissions from other threads need.
    std::vector<Submitted*> running;
    {
      std::lock_guard lock(mutex_);
      for (auto& [id, s] : jobs_) running.push_back(&s);
    }
    for (Submitted* s : running) stream_log(*s, false);
  }

  void stream_log(Submitted& s, bool last) {
    if (!sink_ || s.job.log_path.empty()) return;
    const int fd = ::open(s.job.log_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    char buf[65536];
    for (;;) {
      const ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(s.log_offset));
      if (n <= 0) break;
      s.log_offset += static_cast<uint64_t>(n);
      s.partial.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    size_t start = 0;
    for (size_t nl; (nl = s.partial.find('\n', start)) != std::string::npos; start = nl + 1)
      sink_(s.job.stage, std::string_view(s.partial).substr(start, nl - start));
    s.partial.erase(0, start);
    if (last && !s.partial.empty()) sink_(s.job.stage, s.partial);
  }

  SlurmOptions options_;
  std::unique_ptr<SlurmCommands> commands_;
  OutputSink sink_;
  std::mutex mutex_;
  std::map<std::string, Submitted> jobs_;  // in flight, by Slurm's id
  std::deque<JobResult> done_;
  std::once_flag swept_;
  int accounting_ = -1;  // unknown until the first job ends
  // The wait before the next squeue call: short after a submission or an
  // end (trivial jobs end within a second), doubling while nothing ends up
  // to poll_seconds, so long jobs cost the controller one call a poll_seconds.
  // Only the scheduler's thread (start, wait) touches it.
  static constexpr double kFirstPoll = 0.05;
  double interval_ = kFirstPoll;
  int64_t silent_since_ns_ = 0;  // when squeue began failing; 0: it answers
  bool warned_silent_ = false;
  bool cancelling_ = false;  // under mutex_: a Ctrl-C came, so cancel what is submitted after it
  std::string cluster_;
};

class RealSlurmCommands : public SlurmCommands {
 public:
  // sacct's Start and End in the one format time_of() reads, whatever the
  // site's or the user's SLURM_TIME_FORMAT says ("relative" would read as
  // no time at all). Set for the process: its children are Slurm's clients.
  RealSlurmCommands() { ::setenv("SLURM_TIME_FORMAT", "standard", 1); }

  int run(const std::vector<std::string>& argv, std::string* out, std::string* err) override {
    return run_program(argv, "", out, err);
  }
};

}  // namespace

std::unique_ptr<SlurmCommands> real_slurm_commands() { return std::make_unique<RealSlurmCommands>(); }

std::unique_ptr<Runner> make_slurm_runner(const SlurmOptions& options, std::unique_ptr<SlurmCommands> commands,
                                          OutputSink sink) {
  return std::make_unique<SlurmRunner>(options, std::move(commands), std::move(sink));
}

std::string slurm_project_id(const std::string& root) {
  char buf[PATH_MAX];
  const std::string real = ::realpath(root.c_str(), buf) ? buf : root;
  return Digest::of(real).hex().substr(0, 12);
}

}  // namespace pipeline
