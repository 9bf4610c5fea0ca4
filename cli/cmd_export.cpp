// `pipe export openlineage`: the lineage store's runs as OpenLineage 2-0-2
// RunEvents, one JSON document per line: START, then COMPLETE or FAIL, for
// every stage execution, each with a parent facet naming its pipe run.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>

#include "app.h"
#include "error.h"
#include "file_io.h"
#include "lineage_json.h"
#include "project.h"
#include "ssl_digests.h"

namespace pipe_cli {
namespace {

using nlohmann::json;

const char* const kSpec = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
const char* const kParentFacet = "https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet";
const char* const kVersionFacet =
    "https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet";
const char* const kErrorFacet =
    "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet";

struct ExportOptions {
  int64_t run = 0;
  std::string output;
  std::string ns;
};

// A name-based UUID (version 5 layout) from a SHA-256: the same run and
// stage always get the same id, on any machine.
std::string uuid_of(const std::string& name) {
  std::string h = pipeline::sha256_hex(name).substr(0, 32);
  h[12] = '5';
  static const char* hex = "0123456789abcdef";
  const int v = h[16] <= '9' ? h[16] - '0' : h[16] - 'a' + 10;
  h[16] = hex[(v & 3) | 8];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

json datasets(const std::vector<pipeline::LineageArtifact>& list, const std::string& ns, const std::string& producer) {
  json out = json::array();
  for (const auto& a : list)
    out.push_back({{"namespace", ns},
                   {"name", a.path},
                   {"facets", {{"version", {{"_producer", producer}, {"_schemaURL", kVersionFacet}, {"datasetVersion", a.digest}}}}}});
  return out;
}

}  // namespace

void add_export(CLI::App& app, Context& ctx) {
  auto* exp = app.add_subcommand("export", "Export the lineage record in standard formats");
  exp->require_subcommand(1);
  auto opt = std::make_shared<ExportOptions>();
  auto* ol = exp->add_subcommand("openlineage", "OpenLineage 2-0-2 RunEvents as JSON lines");
  ol->add_option("--run", opt->run, "Only this run (see pipe log)");
  ol->add_option("--namespace", opt->ns, "Job and dataset namespace (default: pipe://HOST/PROJECT-DIR)");
  ol->add_option("-o,--output", opt->output, "Write to this file (atomically) instead of stdout");
  ol->callback([&ctx, opt] {
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    auto store = open_lineage(ctx);
    const std::string producer = std::string("https://pipe.dev/pipe/") + PIPE_VERSION;
    std::vector<pipeline::RunRecord> runs;
    if (opt->run) {
      const auto all = store->runs(0, false);
      bool known = false;
      for (const auto& r : all) known = known || r.id == opt->run;
      if (!known)
        throw pipeline::Error(pipeline::Exit::kUsage, "no run " + std::to_string(opt->run) + "; 'pipe log' lists them");
      runs.push_back(store->run(opt->run));
    } else {
      const auto newest_first = store->runs(0, true);
      runs.assign(newest_first.rbegin(), newest_first.rend());
    }
    std::string out;
    for (const auto& r : runs) {
      const std::string ns = opt->ns.empty() ? "pipe://" + r.host + project.root : opt->ns;
      const std::string run_uuid = uuid_of("pipe-run:" + store->shared_run(r.id).uid);
      const json parent = {{"_producer", producer},
                           {"_schemaURL", kParentFacet},
                           {"run", {{"runId", run_uuid}}},
                           {"job", {{"namespace", ns}, {"name", "repro"}}}};
      for (const auto& e : r.executions) {
        const std::string id = uuid_of("pipe-run:" + run_uuid + ":" + e.stage);
        const int64_t start = e.timed ? e.started_ns : r.started_ns;
        const int64_t end = e.timed ? e.ended_ns : r.ended_ns;
        json facets = {{"parent", parent}};
        json event = {{"eventType", "START"},
                      {"eventTime", format_time(start)},
                      {"producer", producer},
                      {"schemaURL", kSpec},
                      {"run", {{"runId", id}, {"facets", facets}}},
                      {"job", {{"namespace", ns}, {"name", e.stage}}},
                      {"inputs", datasets(e.inputs, ns, producer)},
                      {"outputs", json::array()}};
        out += event.dump() + "\n";
        const bool failed = e.status == "failed";
        if (failed)
          facets["errorMessage"] = {{"_producer", producer}, {"_schemaURL", kErrorFacet},
                                    {"message", "the stage's command exited with code " + std::to_string(e.exit_code)},
                                    {"programmingLanguage", "shell"}};
        event["eventType"] = failed ? "FAIL" : "COMPLETE";
        event["eventTime"] = format_time(end);
        event["run"]["facets"] = facets;
        event["outputs"] = datasets(e.outputs, ns, producer);
        out += event.dump() + "\n";
      }
    }
    write_output(out, opt->output);
  });
  add_provenance(exp, ctx);
}

}  // namespace pipe_cli
