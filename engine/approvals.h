// Required approvals: per model and stage, how many people must sign off a
// version before it may be promoted there, who may, and whether the person
// who trained it may.
//
//   approvals:
//     production:
//       required: 2
//       approvers: [alice, bob, "sha256:3f2a..."]  # user names or key ids; omitted: anyone
//       distinct_from_trainer: true                 # its trainer's approval does not count
//
// An approval is a model event (action "approve"). Signed (--sign KEY), it
// carries a DSSE envelope over a statement of the version's digest and its
// gate results, so it cannot be moved to another version.
#pragma once

#include <string>
#include <vector>

#include "error.h"
#include "lineage.h"

namespace pipeline {

class Value;

struct ApprovalPolicy {
  std::string stage;
  int required = 1;
  std::vector<std::string> approvers;  // user names and "sha256:HEX" key ids; empty: anyone
  bool distinct_from_trainer = false;
  Mark mark;
};

// Parses a model's `approvals:` mapping. Throws Error(kBadPipeline) located
// at the fault.
std::vector<ApprovalPolicy> parse_approvals(const std::string& file, const Value& approvals);

// The canonical form of the policies, for the policy digest events record.
std::string approvals_canonical(const std::vector<ApprovalPolicy>& policies);

inline constexpr const char* kApprovalPayloadType = "application/vnd.pipe.approval+json";

// What a signed approval signs: the event's model, version, stage,
// approver, time and gate results (its details), and `version_digest`.
std::string approval_statement(const ModelEvent& approval, const std::string& version_digest);

// Fills approval->signature with a DSSE envelope over approval_statement(),
// signed with the private key in PEM file `key_path`; returns its key id
// ("sha256:" and the SHA-256 of the public key, DER). Throws Error(kUsage)
// for a key it cannot read.
std::string sign_approval(ModelEvent* approval, const std::string& version_digest, const std::string& key_path);

// The digest of the artifact an approval approved (its details), or "".
std::string approved_artifact(const ModelEvent& approval);

// Checks a signed approval against the version it claims: the statement
// must be this event's over `version_digest`, and the signature must hold
// with the public key the envelope carries. Fills `keyid`; false with why.
bool verify_approval(const ModelEvent& approval, const std::string& version_digest, std::string* keyid,
                     std::string* why);

// One approval, judged against a policy.
struct ApprovalVerdict {
  ModelEvent event;
  bool counts = false;
  bool is_signed = false;
  bool signature_ok = false;
  std::string keyid;
  std::string why;  // why it does not count, or ""
};

struct ApprovalStatus {
  std::string model;
  std::string version;
  std::string stage;
  int required = 0;
  std::vector<ApprovalVerdict> approvals;  // in the registry's order
  int counted() const;
  bool met() const { return counted() >= required; }
  // "needs 2 approvals for production, has 1 (alice); bob's does not
  // count: bob trained it", or "" when met.
  std::string missing() const;
};

// The approvals of version `v` (digest `v.digest`, trained by `trainer`)
// for the policy's stage among the first `count` of `events` (all by
// default), judged.
ApprovalStatus approval_status(const ApprovalPolicy& policy, const ModelVersion& v, const std::string& trainer,
                               const std::vector<ModelEvent>& events, size_t count = static_cast<size_t>(-1));

}  // namespace pipeline
