// `pipe export provenance NAME@VERSION` and the envelope check behind
// `pipe audit verify --signature`: flags and output; engine/provenance.cpp
// builds, signs and checks.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <memory>

#include "app.h"
#include "error.h"
#include "file_io.h"
#include "lineage_json.h"
#include "lineage_query.h"
#include "project.h"
#include "provenance.h"

namespace pipe_cli {
namespace {

struct ProvenanceOptions {
  std::string ref;
  std::string key;
  std::string output;
};

}  // namespace

void add_provenance(CLI::App* exp, Context& ctx) {
  auto opt = std::make_shared<ProvenanceOptions>();
  auto* prov = exp->add_subcommand("provenance", "An in-toto/SLSA provenance statement for a model version");
  prov->add_option("model", opt->ref, "NAME@VERSION (or NAME: the latest)")->required();
  prov->add_option("--sign", opt->key, "Sign with this private key (PEM) into a DSSE envelope");
  prov->add_option("-o,--output", opt->output, "Write to this file (atomically) instead of stdout");
  prov->callback([&ctx, opt] {
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    auto store = open_lineage(ctx);
    const std::string statement =
        pipeline::provenance_statement(project, *store, pipeline::find_version(*store, opt->ref));
    write_output(opt->key.empty() ? nlohmann::json::parse(statement).dump(2) + "\n"
                                  : pipeline::sign_statement(statement, opt->key),
                 opt->output);
  });
}

bool verify_envelope(const std::string& path, const std::string& key, std::string* what) {
  std::string text;
  if (!pipeline::read_file(path, &text)) throw pipeline::Error(pipeline::Exit::kUsage, "cannot read '" + path + "'");
  try {
    return pipeline::verify_envelope(text, key, what);
  } catch (const pipeline::Error& e) {
    throw pipeline::Error(e.code(), "'" + path + "': " + e.what());
  }
}

}  // namespace pipe_cli
