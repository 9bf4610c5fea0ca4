// `pipe audit verify`: the lineage store's hash chains, and for a model
// version, whether every artifact its lineage names is still there intact.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>

#include "app.h"
#include "audit.h"
#include "audit_report.h"
#include "file_io.h"
#include "backends.h"
#include "config.h"
#include "error.h"
#include "lineage_json.h"
#include "lineage_query.h"
#include "project.h"
#include "promotion.h"

namespace pipe_cli {
namespace {

struct AuditOptions {
  std::string ref;
  std::string remote;
  bool json = false;
  std::string format = "md";
  std::string output;
  std::string signature;
  std::string key;
};

}  // namespace

void add_audit(CLI::App& app, Context& ctx) {
  auto* audit = app.add_subcommand("audit", "Check the lineage record");
  audit->require_subcommand(1);
  auto opt = std::make_shared<AuditOptions>();
  auto* verify = audit->add_subcommand(
      "verify", "Check the hash chains; with NAME@VERSION, also that every artifact its lineage names is intact");
  verify->add_option("model", opt->ref, "NAME@VERSION (or NAME: the latest)");
  verify->add_option("-r,--remote", opt->remote, "Remote to ask for what is not here (default: core.remote)");
  verify->add_flag("--json", opt->json, "Machine-readable output");
  verify->add_option("--signature", opt->signature, "Instead: check this DSSE envelope (pipe export provenance --sign)");
  verify->add_option("--key", opt->key, "The public key (PEM) for --signature");
  verify->callback([&ctx, opt] {
    if (!opt->signature.empty()) {
      if (opt->key.empty()) throw pipeline::Error(pipeline::Exit::kUsage, "--signature needs --key PUBLIC.pem");
      std::string what;
      if (verify_envelope(opt->signature, opt->key, &what)) {
        fmt::print("Signature OK: {} (subjects: {})\n", opt->signature, what);
      } else {
        fmt::print(stderr, "pipe: {}: {}\n", opt->signature, what);
        ctx.exit_code = 1;
      }
      return;
    }
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    connect_urls(project);
    auto store = open_lineage(ctx);
    const auto check = store->verify();
    nlohmann::json out = {{"ok", check.ok}, {"runs", check.runs}, {"model_events", check.events}};
    if (!check.ok) {
      if (check.broken_run) out["broken_run"] = check.broken_run;
      out["problem"] = check.problem;
      if (!opt->json && check.broken_run)
        fmt::print(stderr, "pipe: lineage chain broken at run {}: {}\n", check.broken_run, check.problem);
      else if (!opt->json)
        fmt::print(stderr, "pipe: lineage chain broken: {}\n", check.problem);
    } else if (!opt->json) {
      fmt::print("Lineage chain intact: {} runs and {} model events verified.\n", check.runs, check.events);
    }
    bool ok = check.ok;
    size_t signed_approvals = 0;
    const auto bad_approvals = pipeline::verify_signed_approvals(*store, &signed_approvals);
    out["signed_approvals"] = signed_approvals;
    out["bad_approvals"] = bad_approvals;
    if (!opt->json) {
      for (const auto& b : bad_approvals) fmt::print(stderr, "pipe: {}\n", b);
      if (signed_approvals)
        fmt::print("Signed approvals: {} of {} verified.\n", signed_approvals - bad_approvals.size(), signed_approvals);
    }
    ok = ok && bad_approvals.empty();
    out["ok"] = ok;
    if (!opt->ref.empty()) {
      const pipeline::ModelVersion v = pipeline::find_version(*store, opt->ref);
      auto remote = optional_remote(project, opt->remote);
      const auto checks = pipeline::verify_artifacts(project, *store, v, remote.get());
      size_t bad = 0;
      nlohmann::json items = nlohmann::json::array();
      for (const auto& c : checks) {
        if (!c.ok()) ++bad;
        nlohmann::json item = {{"path", c.artifact.path}, {"hash", c.artifact.digest}, {"role", c.artifact.role},
                               {"ok", c.ok()}};
        if (!c.where.empty()) item["where"] = c.where;
        if (!c.ok()) item["problem"] = c.problem;
        items.push_back(item);
        if (opt->json) continue;
        if (c.ok()) fmt::print("  ok       {} {} ({})\n", c.artifact.path, c.artifact.digest.substr(0, 12), c.where);
        else fmt::print("  {:<8} {} {}: {}\n", c.problem.rfind("altered", 0) == 0 ? "ALTERED" : "MISSING",
                        c.artifact.path, c.artifact.digest.substr(0, 12), c.problem);
      }
      out["model"] = v.model;
      out["version"] = v.version();
      out["artifacts"] = items;
      out["artifacts_ok"] = bad == 0;
      if (!opt->json)
        fmt::print("{} {}: {} of {} artifacts intact{}\n", v.model, v.version(), checks.size() - bad, checks.size(),
                   bad ? "" : ".");
      if (bad && !opt->json)
        fmt::print(stderr, "pipe: {} artifacts of {} {} are missing or altered\n", bad, v.model, v.version());
      ok = ok && bad == 0;
    }
    if (opt->json) fmt::print("{}\n", out.dump(2));
    if (!ok) ctx.exit_code = 1;
  });

  add_reproduce(audit, ctx);

  auto* report = audit->add_subcommand("report", "Everything that made a model version, as Markdown, JSON or HTML");
  report->add_option("model", opt->ref, "NAME@VERSION (or NAME: the latest)")->required();
  report->add_option("--format", opt->format, "md, json or html")->check(CLI::IsMember({"md", "json", "html"}));
  report->add_option("-o,--output", opt->output, "Write to this file (atomically) instead of stdout");
  report->callback([&ctx, opt] {
    auto project = pipeline::open_project(pipeline::find_project_root(ctx.directory));
    connect_urls(project);
    auto store = open_lineage(ctx);
    const nlohmann::json r = audit_report(project, *store, pipeline::find_version(*store, opt->ref));
    const std::string text = opt->format == "json" ? r.dump(2) + "\n"
                             : opt->format == "html" ? report_html(r)
                                                     : report_markdown(r);
    write_output(text, opt->output);
  });
}

}  // namespace pipe_cli

namespace pipe_cli {

std::unique_ptr<pipeline::Remote> optional_remote(pipeline::Project& project, const std::string& name) {
  const std::string dir = project.root + "/" + pipeline::kStateDir;
  const pipeline::Config config = pipeline::Config::load(dir);
  try {
    return pipeline::open_remote(pipeline::remote_settings(config, name, dir));
  } catch (const pipeline::Error&) {
    if (!name.empty()) throw;
    return nullptr;
  }
}

void write_output(const std::string& text, const std::string& path) {
  if (path.empty()) fmt::print("{}", text);
  else pipeline::write_file_atomically(path, text, 0644);
}

}  // namespace pipe_cli
