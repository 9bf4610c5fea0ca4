#include "environment.h"

#include <gnu/libc-version.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <thread>

#include "config.h"
#include "file_io.h"
#include "ssl_digests.h"
#include "subprocess.h"
#include "value.h"

extern char** environ;

namespace pipeline {
namespace {

// A program's output, run with an argument vector (never a shell: the
// project path is part of some of them). `ok`: it ran and exited 0.
std::string output_of(const std::vector<std::string>& argv, bool* ok = nullptr, bool with_stderr = false) {
  std::string out;
  const bool ran = run_capture(argv, "", &out, with_stderr);
  if (ok) *ok = ran;
  return out;
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

std::string first_line(const std::string& s) { return trim(s.substr(0, s.find('\n'))); }

// "key: value" lines of /proc files.
std::string proc_field(const char* file, const std::string& key) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);)
    if (line.compare(0, key.size(), key) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return trim(line.substr(colon + 1));
    }
  return "";
}

std::string os_release() {
  std::ifstream in("/etc/os-release");
  for (std::string line; std::getline(in, line);)
    if (line.compare(0, 12, "PRETTY_NAME=") == 0) {
      std::string v = line.substr(12);
      if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);
      return v;
    }
  return "";
}

bool mentions(const std::vector<std::string>& cmds, const std::string& word) {
  for (const std::string& c : cmds) {
    for (size_t pos = c.find(word); pos != std::string::npos; pos = c.find(word, pos + 1)) {
      const bool start = pos == 0 || std::string(" ;&|(/\t").find(c[pos - 1]) != std::string::npos;
      if (start) return true;
    }
  }
  return false;
}

}  // namespace

bool credential_like(const std::string& name) {
  std::string upper;
  for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const char* word : {"SECRET", "TOKEN", "PASSWORD", "PASSWD", "CREDENTIAL", "PRIVATE", "API_KEY", "ACCESS_KEY",
                           "AUTH", "SESSION", "COOKIE"})
    if (upper.find(word) != std::string::npos) return true;
  return upper.size() >= 4 && upper.compare(upper.size() - 4, 4, "_KEY") == 0;
}

std::string capture_environment(const std::vector<std::string>& cmds, const std::string& allow_list) {
  Value env = Value::map();
  struct utsname u {};
  if (::uname(&u) == 0) {
    Value os = Value::map();
    os.set("system", Value::string(u.sysname));
    os.set("kernel", Value::string(u.release));
    os.set("machine", Value::string(u.machine));
    os.set("distribution", Value::string(os_release()));
    env.set("os", os);
  }
  env.set("libc", Value::string(std::string("glibc ") + gnu_get_libc_version()));
  Value hw = Value::map();
  hw.set("cpu", Value::string(proc_field("/proc/cpuinfo", "model name")));
  hw.set("cores", Value::integer(static_cast<int64_t>(std::thread::hardware_concurrency())));
  hw.set("memory", Value::string(proc_field("/proc/meminfo", "MemTotal")));
  bool have_gpu = false;
  const std::string gpus =
      output_of({"nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"}, &have_gpu);
  if (have_gpu && !trim(gpus).empty()) {
    Value gpu = Value::map();
    gpu.set("devices", Value::string(trim(gpus)));
    const std::string banner = output_of({"nvidia-smi"});
    const size_t cuda = banner.find("CUDA Version:");
    if (cuda != std::string::npos) gpu.set("cuda", Value::string(first_line(banner.substr(cuda + 13)).substr(0, 8)));
    hw.set("gpu", gpu);
  }
  env.set("hardware", hw);

  // Interpreters and compilers the stages actually called.
  Value tools = Value::map();
  for (const char* tool : {"python3", "python", "Rscript", "node", "julia", "java", "gcc", "g++", "clang", "make"}) {
    if (!mentions(cmds, tool)) continue;
    bool ok = false;
    const std::string version = output_of({tool, "--version"}, &ok, true);
    if (ok) tools.set(tool, Value::string(first_line(version)));
  }
  env.set("tools", tools);
  if (mentions(cmds, "python3") || mentions(cmds, "python")) {
    const char* py = mentions(cmds, "python3") ? "python3" : "python";
    bool ok = false;
    const std::string packages =
        output_of({py, "-c",
                   "import importlib.metadata as m\n"
                   "for d in sorted({(d.metadata[\"Name\"] or \"?\", d.version) for d in m.distributions()}): print(*d)"},
                  &ok);
    if (ok) env.set("python_packages", Value::string(packages));
  }

  // Allowed variables only, and never anything that looks like a secret.
  Value vars = Value::map();
  const std::vector<std::string> allowed = split_list(allow_list);
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    const size_t eq = entry.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = entry.substr(0, eq);
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end() || credential_like(name)) continue;
    vars.set(name, Value::string(entry.substr(eq + 1)));
  }
  env.set("variables", vars);
  return env.canonical();
}

namespace {

// git's -z output: NUL-separated, so that no name is misread.
std::vector<std::string> nul_separated(const std::string& z) {
  std::vector<std::string> out;
  for (size_t start = 0, end; start < z.size(); start = end + 1) {
    end = z.find('\0', start);
    if (end == std::string::npos) end = z.size();
    if (end > start) out.push_back(z.substr(start, end - start));
  }
  return out;
}

}  // namespace

CodeState capture_code_state(const std::string& root) {
  CodeState c;
  auto git = [&](std::vector<std::string> args, bool* ok = nullptr) {
    args.insert(args.begin(), {"git", "-C", root});
    return output_of(args, ok);
  };
  bool ok = false;
  c.git_commit = trim(git({"rev-parse", "HEAD"}, &ok));
  if (!ok) return {};
  c.branch = trim(git({"rev-parse", "--abbrev-ref", "HEAD"}));
  c.remote_url = strip_credentials(trim(git({"config", "--get", "remote.origin.url"})));
  c.dirty = !trim(git({"status", "--porcelain", "--untracked-files=no"})).empty();
  if (c.dirty) c.diff_digest = sha256_hex(git({"diff", "HEAD"}));
  // Paths relative to the project.
  if (c.dirty)
    for (const std::string& path : nul_separated(git({"diff", "--name-only", "--relative", "-z", "HEAD"})))
      c.changed.push_back({path, "", ""});
  c.changes_recorded = true;
  return c;
}

std::vector<std::string> untracked_files(const std::string& root, const std::vector<std::string>& paths) {
  if (paths.empty()) return {};
  // Asked about these paths only: listing every untracked file of a large
  // tree would cost each run for nothing.
  std::vector<std::string> argv = {"git", "--literal-pathspecs", "-C", root, "ls-files", "--others",
                                   "--exclude-standard", "-z", "--"};
  argv.insert(argv.end(), paths.begin(), paths.end());
  std::vector<std::string> out;
  for (std::string& path : nul_separated(output_of(argv)))
    if (std::find(paths.begin(), paths.end(), path) != paths.end()) out.push_back(std::move(path));
  return out;
}

}  // namespace pipeline
