// JSON and text renderings of lineage records shared by the lineage
// commands (log, model, lineage, metrics, params).
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "app.h"
#include "lineage.h"

namespace pipe_cli {

nlohmann::json run_json(const pipeline::RunRecord& r);
nlohmann::json execution_json(const pipeline::ExecutionRecord& e);
nlohmann::json model_json(const pipeline::ModelVersion& m);
// A canonical JSON value from the store as JSON (NaN and infinities stay text).
nlohmann::json value_json(const std::string& canonical);

// Metrics recorded by the run that made a version: "file:key" -> value.
std::map<std::string, std::string> metrics_by_name(pipeline::LineageStore& store, const pipeline::ModelVersion& v);
// What changed from version a to b: architecture, code, data, params,
// environment (each a list of added/modified/removed) and metrics.
nlohmann::json version_diff(pipeline::LineageStore& store, const pipeline::ModelVersion& a,
                            const pipeline::ModelVersion& b);

// "2026-11-28T13:40:01Z"
std::string format_time(int64_t ns);
std::unique_ptr<pipeline::LineageStore> open_lineage(const Context& ctx);

// NAME or NAME@VERSION to a recorded version (the latest for NAME alone).
// Throws Error(kUsage) naming the versions that exist.
pipeline::ModelVersion find_version(pipeline::LineageStore& store, const std::string& ref);

}  // namespace pipe_cli
