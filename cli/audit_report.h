// The audit report of a model version: one JSON document (its schema is
// schemas/audit-report.schema.json) and its Markdown and HTML renderings.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "lineage.h"
#include "project.h"

namespace pipe_cli {

nlohmann::json audit_report(pipeline::Project& project, pipeline::LineageStore& store, const pipeline::ModelVersion& v);
std::string report_markdown(const nlohmann::json& report);
// A single self-contained page: inline CSS and SVG, no script, no network
// reference (a Content-Security-Policy says so to the browser).
std::string report_html(const nlohmann::json& report);

}  // namespace pipe_cli
