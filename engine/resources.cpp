#include "resources.h"

#include <algorithm>
#include <cctype>
#include <regex>

#include "config.h"
#include "value.h"

namespace pipeline {
namespace {

const std::vector<std::string> kKeys = {"cpus",    "mem", "gpus",       "time",       "partition",
                                        "account", "qos", "constraint", "sbatch_args"};
// Flags pipe sets itself for every job, or that would break how it follows
// them (another cluster, a job held or blocking sbatch, a requeue after its
// end was taken, the environment pipe passes): refused in sbatch_args.
const std::vector<std::string> kOwnFlags = {
    "--output", "--error",     "--job-name", "--comment", "--chdir",    "--parsable",  "--wrap",   "--array",
    "--dependency", "--export", "--export-file", "--clusters", "--cluster", "--wait", "--hold", "--test-only",
    "--open-mode", "--requeue", "--no-requeue"};
const std::vector<std::string> kOwnShortFlags = {"-o", "-e", "-J", "-D", "-a", "-d", "-M", "-W", "-H"};

// sbatch takes any unambiguous start of a long option (--out for --output)
// and a short option's value joined to it (-ofile): both are read as the
// flag they stand for.
bool own_flag(const std::string& name) {
  if (name.compare(0, 2, "--") == 0)
    return name.size() > 2 && std::any_of(kOwnFlags.begin(), kOwnFlags.end(), [&](const std::string& f) {
             return f.compare(0, name.size(), name) == 0;
           });
  return std::any_of(kOwnShortFlags.begin(), kOwnShortFlags.end(),
                     [&](const std::string& f) { return name.compare(0, 2, f) == 0; });
}

// Checks one value; "" when good, else what is wrong and how to write it.
std::string check(const std::string& key, const std::string& value, std::string* normalized) {
  *normalized = value;
  const auto word = [&](const char* what) -> std::string {
    if (value.empty() || std::any_of(value.begin(), value.end(), [](unsigned char c) { return c <= ' ' || c == 127; }))
      return std::string("'") + key + "' must be " + what + " with no spaces";
    return "";
  };
  if (key == "cpus" || key == "gpus") {
    static const std::regex count("[0-9]{1,6}");
    if (!std::regex_match(value, count) || (key == "cpus" && std::stoll(value) == 0))
      return "'" + key + ": " + value + "' is not a count; write a whole number" + (key == "cpus" ? " of 1 or more" : "");
    return "";
  }
  if (key == "mem") {
    // Slurm takes a whole number with K, M, G or T; bare means MB. A
    // trailing B (4GB) is read as people write it.
    static const std::regex size("([0-9]{1,9})\\s*([KkMmGgTt])?(i?[Bb])?");
    std::smatch m;
    if (!std::regex_match(value, m, size))
      return "'mem: " + value + "' is not a memory size; write a whole number with K, M, G or T, as Slurm does (4G, 512M)";
    *normalized = m[1].str() + (m[2].matched ? std::string(1, static_cast<char>(std::toupper(m[2].str()[0]))) : "M");
    return "";
  }
  if (key == "time") {
    static const std::regex limit("([0-9]+-[0-9]+(:[0-9]+){0,2})|([0-9]+(:[0-9]+){0,2})");
    if (value == "UNLIMITED" || value == "INFINITE" || std::regex_match(value, limit)) return "";
    return "'time: " + value + "' is not a time limit; write it as Slurm does: minutes (30), H:M:S (1:30:00) or "
                                "D-H:M:S (2-00:00:00)";
  }
  if (key == "sbatch_args") {
    if (value.empty() || value[0] != '-' || std::any_of(value.begin(), value.end(), [](unsigned char c) { return c < ' '; }))
      return "each of 'sbatch_args' must be one sbatch flag, starting with '-' ('" + value + "' is not)";
    const std::string name = value.substr(0, value.find('='));
    if (own_flag(name))
      return "'" + name + "' in 'sbatch_args' is one pipe sets for every job, or one that stops it following the "
                          "job (another cluster, a hold, a requeue); leave it out";
    return "";
  }
  return word(key == "constraint" ? "a feature expression" : "a name");
}

void set(Resources& r, const std::string& key, const std::string& value) {
  if (key == "cpus") r.cpus = std::stoll(value);
  else if (key == "gpus") r.gpus = std::stoll(value);
  else if (key == "mem") r.mem = value;
  else if (key == "time") r.time = value;
  else if (key == "partition") r.partition = value;
  else if (key == "account") r.account = value;
  else if (key == "qos") r.qos = value;
  else if (key == "constraint") r.constraint = value;
}

}  // namespace

bool resources_valid(const Resources& r) {
  std::string normalized;
  if (r.cpus < 0 || r.gpus < 0) return false;
  for (const auto& [key, value] : {std::pair<std::string, const std::string*>{"mem", &r.mem}, {"time", &r.time},
                                   {"partition", &r.partition}, {"account", &r.account}, {"qos", &r.qos},
                                   {"constraint", &r.constraint}})
    if (!value->empty() && !check(key, *value, &normalized).empty()) return false;
  for (const std::string& a : r.sbatch_args)
    if (!check("sbatch_args", a, &normalized).empty()) return false;
  return true;
}

bool Resources::empty() const {
  return cpus == 0 && gpus == 0 && mem.empty() && time.empty() && partition.empty() && account.empty() &&
         qos.empty() && constraint.empty() && sbatch_args.empty();
}

Resources parse_resources(const Value& v, const std::string& file, const std::string& where) {
  Resources r;
  if (v.is_null()) return r;
  if (!v.is_map())
    fail_pipeline(file, v.mark(), where + ": 'resources' must be a mapping (cpus, mem, gpus, time, partition, ...)");
  for (size_t i = 0; i < v.entries().size(); ++i) {
    const auto& [key, value] = v.entries()[i];
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end())
      fail_pipeline(file, v.key_mark(i),
                    where + ": unknown resource '" + key +
                        "'; use cpus, mem, gpus, time, partition, account, qos, constraint or sbatch_args");
    if (key == "sbatch_args") {
      if (!value.is_list()) fail_pipeline(file, value.mark(), where + ": 'sbatch_args' must be a list of flags");
      for (const Value& a : value.items()) {
        std::string normalized;
        const std::string why = a.is_scalar() && !a.is_null() ? check(key, a.scalar_text(), &normalized)
                                                               : "each of 'sbatch_args' must be a string";
        if (!why.empty()) fail_pipeline(file, a.mark(), where + ": " + why);
        r.sbatch_args.push_back(normalized);
      }
      continue;
    }
    if (!value.is_scalar() || value.is_null())
      fail_pipeline(file, value.mark(), where + ": '" + key + "' must be a single value");
    std::string normalized;
    const std::string why = check(key, value.scalar_text(), &normalized);
    if (!why.empty()) fail_pipeline(file, value.mark(), where + ": " + why);
    set(r, key, normalized);
  }
  return r;
}

Resources resources_from_config(const Config& config) {
  Resources r;
  for (const std::string& key : kKeys) {
    const ConfigValue* v = config.find("slurm." + key);
    if (!v) continue;
    if (key == "sbatch_args") {
      size_t start = 0;
      while (start < v->value.size()) {
        size_t end = v->value.find(' ', start);
        if (end == std::string::npos) end = v->value.size();
        const std::string flag = v->value.substr(start, end - start);
        start = end + 1;
        if (flag.empty()) continue;
        std::string normalized;
        const std::string why = check(key, flag, &normalized);
        if (!why.empty()) config.fail("slurm." + key, why);
        r.sbatch_args.push_back(flag);
      }
      continue;
    }
    std::string normalized;
    const std::string why = check(key, v->value, &normalized);
    if (!why.empty()) config.fail("slurm." + key, why);
    set(r, key, normalized);
  }
  return r;
}

Resources merge_resources(const Resources& stage, const Resources& defaults) {
  Resources r = defaults;
  if (stage.cpus) r.cpus = stage.cpus;
  if (stage.gpus) r.gpus = stage.gpus;
  for (auto [mine, theirs] : {std::pair{&r.mem, &stage.mem}, {&r.time, &stage.time}, {&r.partition, &stage.partition},
                              {&r.account, &stage.account}, {&r.qos, &stage.qos}, {&r.constraint, &stage.constraint}})
    if (!theirs->empty()) *mine = *theirs;
  r.sbatch_args.insert(r.sbatch_args.end(), stage.sbatch_args.begin(), stage.sbatch_args.end());
  return r;
}

std::vector<std::string> sbatch_flags(const Resources& r) {
  std::vector<std::string> out;
  if (r.cpus) out.push_back("--cpus-per-task=" + std::to_string(r.cpus));
  if (!r.mem.empty()) out.push_back("--mem=" + r.mem);
  if (r.gpus) out.push_back("--gpus=" + std::to_string(r.gpus));
  if (!r.time.empty()) out.push_back("--time=" + r.time);
  if (!r.partition.empty()) out.push_back("--partition=" + r.partition);
  if (!r.account.empty()) out.push_back("--account=" + r.account);
  if (!r.qos.empty()) out.push_back("--qos=" + r.qos);
  if (!r.constraint.empty()) out.push_back("--constraint=" + r.constraint);
  out.insert(out.end(), r.sbatch_args.begin(), r.sbatch_args.end());
  return out;
}

std::string describe_resources(const Resources& r) {
  std::string out;
  auto add = [&](const std::string& k, const std::string& v) {
    if (v.empty()) return;
    out += (out.empty() ? "" : " ") + k + "=" + v;
  };
  add("cpus", r.cpus ? std::to_string(r.cpus) : "");
  add("mem", r.mem);
  add("gpus", r.gpus ? std::to_string(r.gpus) : "");
  add("time", r.time);
  add("partition", r.partition);
  add("account", r.account);
  add("qos", r.qos);
  add("constraint", r.constraint);
  for (const std::string& a : r.sbatch_args) out += (out.empty() ? "" : " ") + a;
  return out;
}

}  // namespace pipeline
