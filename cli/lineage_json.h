// JSON and text renderings of lineage records shared by the lineage
// commands (log, model, lineage, metrics, params).
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "app.h"
#include "approvals.h"
#include "lineage.h"
#include "record.h"

namespace pipe_cli {

nlohmann::json run_json(const pipeline::RunRecord& r);
// Where an execution ran, in words, from its executor record ("" or JSON).
std::string ran_on(const nlohmann::json& executor);
nlohmann::json execution_json(const pipeline::ExecutionRecord& e);
nlohmann::json model_json(const pipeline::ModelVersion& m);
// A version's approvals for one stage, each judged (who, signed, whether it counts and why not).
nlohmann::json approvals_json(const pipeline::ApprovalStatus& s);
// A canonical JSON value from the store as JSON (NaN and infinities stay text).
nlohmann::json value_json(const std::string& canonical);
// A value as a table shows it: strings bare, the rest as JSON.
std::string json_text(const nlohmann::json& v);
// Text that cannot break a Markdown table's row: '|' escaped, newlines as spaces.
std::string markdown_cell(std::string s);

// Metrics recorded by the run that made a version: "file:key" -> value.
std::map<std::string, std::string> metrics_by_name(pipeline::LineageStore& store, const pipeline::ModelVersion& v);
// What changed from version a to b: architecture, code, data, params,
// environment (each a list of added/modified/removed) and metrics.
nlohmann::json version_diff(pipeline::LineageStore& store, const pipeline::ModelVersion& a,
                            const pipeline::ModelVersion& b);

using pipeline::format_time;
std::unique_ptr<pipeline::LineageStore> open_lineage(const Context& ctx);

}  // namespace pipe_cli
