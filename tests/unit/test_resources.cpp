#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "config.h"
#include "document.h"
#include "error.h"
#include "resources.h"
#include "value.h"

using namespace pipeline;

namespace {

// The `resources:` of the one stage in `yaml`.
Resources parse(const std::string& yaml) {
  const Value doc = parse_yaml("pipe.yaml", yaml);
  const Value* r = doc.find("resources");
  return r ? parse_resources(*r, "pipe.yaml", "stage 's'") : Resources{};
}

std::string error_of(const std::string& yaml) {
  try {
    parse(yaml);
  } catch (const Error& e) {
    CHECK(e.code() == Exit::kBadPipeline);
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("resources are read in Slurm's forms and normalized") {
  const Resources r = parse(
      "resources:\n  cpus: 4\n  mem: 16GB\n  gpus: 2\n  time: \"1-12:00:00\"\n  partition: gpu\n"
      "  account: ml\n  qos: high\n  constraint: \"a100&ib\"\n  sbatch_args: [--exclusive, --nice=10]\n");
  CHECK(r.cpus == 4);
  CHECK(r.mem == "16G");  // a trailing B is read as people write it
  CHECK(r.gpus == 2);
  CHECK(r.time == "1-12:00:00");
  CHECK(r.partition == "gpu");
  CHECK(r.account == "ml");
  CHECK(r.qos == "high");
  CHECK(r.constraint == "a100&ib");
  CHECK(r.sbatch_args == std::vector<std::string>{"--exclusive", "--nice=10"});
  CHECK(parse("resources: {mem: 512}").mem == "512M");  // bare is MB, as Slurm reads it
  CHECK(parse("resources: {mem: 2g}").mem == "2G");
  CHECK(parse("resources: {time: 30}").time == "30");
  CHECK(parse("resources: {time: UNLIMITED}").time == "UNLIMITED");
  CHECK(parse("other: 1").empty());
}

TEST_CASE("a bad resource value is an error at its line and column that says how to write it") {
  CHECK(error_of("resources:\n  mem: 4X\n") ==
        "pipe.yaml:2:8: stage 's': 'mem: 4X' is not a memory size; write a whole number with K, M, G or T, as Slurm "
        "does (4G, 512M)");
  CHECK(error_of("resources: {time: soon}\n").find("pipe.yaml:1:19: stage 's': 'time: soon' is not a time limit") == 0);
  CHECK(error_of("resources: {cpus: 0}\n").find("'cpus: 0' is not a count; write a whole number of 1 or more") !=
        std::string::npos);
  CHECK(error_of("resources: {gpus: -1}\n").find("'gpus: -1' is not a count") != std::string::npos);
  CHECK(error_of("resources: {cpus: 2.5}\n").find("'cpus: 2.5' is not a count") != std::string::npos);
  CHECK(error_of("resources: {partition: \"a b\"}\n").find("'partition' must be a name with no spaces") !=
        std::string::npos);
  CHECK(error_of("resources:\n  memory: 4G\n").find("pipe.yaml:2:3: stage 's': unknown resource 'memory'; use cpus, mem") ==
        0);
  CHECK(error_of("resources: 4\n").find("'resources' must be a mapping") != std::string::npos);
  CHECK(error_of("resources: {mem: [1]}\n").find("'mem' must be a single value") != std::string::npos);
  CHECK(error_of("resources: {sbatch_args: --exclusive}\n").find("'sbatch_args' must be a list of flags") !=
        std::string::npos);
  CHECK(error_of("resources: {sbatch_args: [exclusive]}\n").find("must be one sbatch flag, starting with '-'") !=
        std::string::npos);
}

TEST_CASE("extra sbatch flags may not replace the ones pipe tracks jobs by") {
  for (const char* flag : {"--output=/tmp/x", "--job-name=x", "--comment=x", "-o", "--chdir=/", "--array=1-3",
                           // as sbatch also reads them: an abbreviation, a joined value
                           "--out=/tmp/x", "--comm=x", "-ofile", "-Jname",
                           // what would stop pipe following the job
                           "--export=ALL,TOKEN=x", "-M", "--clusters=other", "--wait", "--hold", "--requeue"}) {
    CAPTURE(flag);
    CHECK(error_of(std::string("resources: {sbatch_args: [\"") + flag + "\"]}\n")
              .find("is one pipe sets for every job") != std::string::npos);
  }
  CHECK(parse("resources: {sbatch_args: [--mail-type=END]}").sbatch_args.size() == 1);
  CHECK(parse("resources: {sbatch_args: [--exclusive, --wait-all-nodes=1, --exclude=node3]}").sbatch_args.size() == 3);
}

TEST_CASE("the stage's resources win over the project's defaults, key by key; extra flags add up") {
  Resources defaults;
  defaults.partition = "cpu";
  defaults.mem = "1G";
  defaults.time = "60";
  defaults.sbatch_args = {"--nice=5"};
  Resources stage;
  stage.mem = "8G";
  stage.cpus = 2;
  stage.sbatch_args = {"--exclusive"};
  const Resources r = merge_resources(stage, defaults);
  CHECK(r.partition == "cpu");
  CHECK(r.mem == "8G");
  CHECK(r.time == "60");
  CHECK(r.cpus == 2);
  CHECK(r.sbatch_args == std::vector<std::string>{"--nice=5", "--exclusive"});
  CHECK(sbatch_flags(r) == std::vector<std::string>{"--cpus-per-task=2", "--mem=8G", "--time=60", "--partition=cpu",
                                                    "--nice=5", "--exclusive"});
  CHECK(describe_resources(r) == "cpus=2 mem=8G time=60 partition=cpu --nice=5 --exclusive");
  CHECK(sbatch_flags(Resources{}).empty());
  CHECK(describe_resources(Resources{}).empty());
}

TEST_CASE("every resource becomes its sbatch flag") {
  const Resources r = parse(
      "resources: {cpus: 1, mem: 2G, gpus: 1, time: 5, partition: p, account: a, qos: q, constraint: c}");
  CHECK(sbatch_flags(r) == std::vector<std::string>{"--cpus-per-task=1", "--mem=2G", "--gpus=1", "--time=5",
                                                    "--partition=p", "--account=a", "--qos=q", "--constraint=c"});
}

TEST_CASE("what comes back from a cache file is checked as the pipeline file is") {
  Resources r;
  r.mem = "4G";
  CHECK(resources_valid(r));
  r.mem = "4X";
  CHECK_FALSE(resources_valid(r));
  r = Resources{};
  r.sbatch_args = {"--output=/etc/passwd"};
  CHECK_FALSE(resources_valid(r));
  r = Resources{};
  r.cpus = -1;
  CHECK_FALSE(resources_valid(r));
}

TEST_CASE("project-wide defaults come from slurm.* in .pipe/config, located when bad") {
  char dir[] = "/tmp/pipe-resources-XXXXXX";
  REQUIRE(mkdtemp(dir));
  const std::string path = dir;
  std::ofstream(path + "/config") << "[slurm]\npartition = \"debug\"\nmem = \"2g\"\nsbatch_args = \"--nice=3  --exclusive\"\n";
  Resources r = resources_from_config(Config::load(path));
  CHECK(r.partition == "debug");
  CHECK(r.mem == "2G");
  CHECK(r.sbatch_args == std::vector<std::string>{"--nice=3", "--exclusive"});
  std::ofstream(path + "/config") << "[slurm]\ntime = \"tomorrow\"\n";
  std::string message;
  try {
    resources_from_config(Config::load(path));
  } catch (const Error& e) {
    message = e.what();
  }
  CAPTURE(message);
  CHECK(message.find(".pipe/config:2:") == 0);
  CHECK(message.find("'time: tomorrow' is not a time limit") != std::string::npos);
  std::system(("rm -rf " + path).c_str());
}
