// Provenance for a model version: an in-toto Statement v1 with a SLSA
// Provenance v1 predicate, built from the lineage record; signing it into
// a DSSE envelope, and checking such an envelope. The in-toto and DSSE
// JSON is written and read only in provenance.cpp.
#pragma once

#include <string>

#include "lineage.h"

namespace pipeline {

struct Project;

inline constexpr const char* kInTotoPayloadType = "application/vnd.in-toto+json";

// The statement as compact JSON: the exact bytes a signature covers.
// Subjects and deps carry SHA-256 digests of the cached content, so the
// model's files must be in the local cache (else Error(kFailed) says to
// pull them).
std::string provenance_statement(Project& project, LineageStore& store, const ModelVersion& v);

// A DSSE envelope (JSON text) over `statement`, signed with the private
// key at `key_path` (PEM).
std::string sign_statement(const std::string& statement, const std::string& key_path);

// Checks a DSSE envelope's signature with the public key at `key_path`.
// True when one signature verifies; `what` then names the statement's
// subjects, else says why it failed. Text that is no envelope of an
// in-toto statement throws Error(kUsage).
bool verify_envelope(const std::string& envelope, const std::string& key_path, std::string* what);

}  // namespace pipeline
