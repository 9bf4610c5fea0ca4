#include "approvals.h"

#include <algorithm>
#include <set>

#include "document.h"
#include "signing.h"
#include "ssl_digests.h"
#include "suggest.h"
#include "value.h"

namespace pipeline {
namespace {

const std::vector<std::string> kPolicyKeys = {"required", "approvers", "distinct_from_trainer"};

ApprovalPolicy parse_policy(const std::string& file, const std::string& stage, Mark at, const Value& v) {
  ApprovalPolicy p;
  p.stage = stage;
  p.mark = at;
  // `production: 2` is short for `production: {required: 2}`.
  if (v.kind() == Value::Kind::kInt) {
    if (v.as_int() < 1 || v.as_int() > 100)
      fail_pipeline(file, v.mark(), "the approvals required for '" + stage + "' must be a number from 1 to 100");
    p.required = static_cast<int>(v.as_int());
    return p;
  }
  if (!v.is_map())
    fail_pipeline(file, v.mark(),
                  "the approvals of stage '" + stage + "' must be a number or a mapping with 'required', "
                  "'approvers' and 'distinct_from_trainer'");
  for (size_t k = 0; k < v.entries().size(); ++k) {
    const auto& [key, value] = v.entries()[k];
    if (std::find(kPolicyKeys.begin(), kPolicyKeys.end(), key) == kPolicyKeys.end())
      fail_pipeline(file, v.key_mark(k), "unknown key '" + key + "' in the approvals of stage '" + stage + "'" +
                                             did_you_mean(key, kPolicyKeys) +
                                             "; keys: required, approvers, distinct_from_trainer");
    if (key == "required") {
      if (value.kind() != Value::Kind::kInt || value.as_int() < 1 || value.as_int() > 100)
        fail_pipeline(file, value.mark(), "'required' must be a number from 1 to 100");
      p.required = static_cast<int>(value.as_int());
    } else if (key == "distinct_from_trainer") {
      if (value.kind() != Value::Kind::kBool) fail_pipeline(file, value.mark(), "'distinct_from_trainer' must be true or false");
      p.distinct_from_trainer = value.as_bool();
    } else {
      if (!value.is_list())
        fail_pipeline(file, value.mark(), "'approvers' must be a list of user names and key ids (sha256:HEX)");
      for (const Value& a : value.items()) {
        if (!a.is_string() || a.as_string().empty())
          fail_pipeline(file, a.mark(), "an approver must be a user name or a key id (sha256:HEX)");
        const std::string& s = a.as_string();
        if (s.rfind("sha256:", 0) == 0 && !is_sha256_hex(std::string_view(s).substr(7)))
          fail_pipeline(file, a.mark(), "key id '" + s + "' must be 'sha256:' and 64 lower-case hex digits, as "
                                            "'pipe model approve --sign KEY' prints it");
        p.approvers.push_back(s);
      }
    }
  }
  return p;
}

std::string text(const Value& map, const char* key) {
  const Value* v = map.find(key);
  return v && v->is_string() ? v->as_string() : "";
}

}  // namespace

std::string approved_artifact(const ModelEvent& approval) {
  try {
    const Value details = parse_json("approval details", approval.details);
    return details.is_map() ? text(details, "digest") : "";
  } catch (const Error&) {
    return "";
  }
}

std::vector<ApprovalPolicy> parse_approvals(const std::string& file, const Value& approvals) {
  if (!approvals.is_map())
    fail_pipeline(file, approvals.mark(), "'approvals' maps a stage (staging, production, ...) to the approvals it needs");
  std::vector<ApprovalPolicy> out;
  for (size_t i = 0; i < approvals.entries().size(); ++i) {
    const auto& [stage, v] = approvals.entries()[i];
    if (stage.empty() || stage.find_first_of("@/ .") != std::string::npos)
      fail_pipeline(file, approvals.key_mark(i), "stage name '" + stage + "' may not contain '@', '/', '.' or spaces");
    out.push_back(parse_policy(file, stage, approvals.key_mark(i), v));
  }
  return out;
}

std::string approvals_canonical(const std::vector<ApprovalPolicy>& policies) {
  Value v = Value::map();
  for (const ApprovalPolicy& p : policies) {
    Value one = Value::map();
    one.set("required", Value::integer(p.required));
    Value list = Value::list();
    for (const std::string& a : p.approvers) list.push(Value::string(a));
    one.set("approvers", list);
    one.set("distinct_from_trainer", Value::boolean(p.distinct_from_trainer));
    v.set(p.stage, one);
  }
  return v.canonical();
}

std::string approval_statement(const ModelEvent& e, const std::string& version_digest) {
  Value v = Value::map();
  v.set("_type", Value::string("https://pipe.dev/approval/v1"));
  v.set("model", Value::string(e.model));
  v.set("version", Value::string(e.version));
  v.set("digest", Value::string(version_digest));
  v.set("stage", Value::string(e.stage));
  v.set("approver", Value::string(e.user));
  v.set("at_ns", Value::integer(e.at_ns));
  v.set("details", Value::string(e.details));
  return v.canonical();
}

std::string sign_approval(ModelEvent* e, const std::string& version_digest, const std::string& key_path) {
  const std::string statement = approval_statement(*e, version_digest);
  std::string keyid;
  const std::string sig = sign_with_key(key_path, dsse_pae(kApprovalPayloadType, statement), &keyid);
  Value signature = Value::map();
  signature.set("keyid", Value::string("sha256:" + keyid));
  signature.set("sig", Value::string(base64_encode(sig)));
  Value signatures = Value::list();
  signatures.push(signature);
  Value envelope = Value::map();
  envelope.set("payloadType", Value::string(kApprovalPayloadType));
  envelope.set("payload", Value::string(base64_encode(statement)));
  envelope.set("signatures", signatures);
  envelope.set("publicKey", Value::string(base64_encode(public_key_der(key_path))));
  e->signature = envelope.canonical();
  return "sha256:" + keyid;
}

bool verify_approval(const ModelEvent& e, const std::string& version_digest, std::string* keyid, std::string* why) {
  Value envelope;
  try {
    envelope = parse_json("approval signature", e.signature);
  } catch (const Error&) {
    return *why = "its signature is not a DSSE envelope", false;
  }
  std::string payload, public_der, sig;
  const Value* sigs = envelope.is_map() ? envelope.find("signatures") : nullptr;
  if (!envelope.is_map() || text(envelope, "payloadType") != kApprovalPayloadType ||
      !base64_decode(text(envelope, "payload"), &payload) || !base64_decode(text(envelope, "publicKey"), &public_der) ||
      !sigs || !sigs->is_list() || sigs->items().size() != 1 || !sigs->items()[0].is_map() ||
      !base64_decode(text(sigs->items()[0], "sig"), &sig))
    return *why = "its signature is not a DSSE envelope of an approval", false;
  *keyid = "sha256:" + sha256_hex(public_der);
  if (text(sigs->items()[0], "keyid") != *keyid) return *why = "its key id does not match the key it carries", false;
  if (!verify_with_public_der(public_der, dsse_pae(kApprovalPayloadType, payload), sig))
    return *why = "its signature does not verify with key " + keyid->substr(0, 19), false;
  if (payload != approval_statement(e, version_digest)) {
    std::string other, other_digest;
    try {
      const Value signed_for = parse_json("approval statement", payload);
      other_digest = text(signed_for, "digest");
      other = text(signed_for, "model") + " " + text(signed_for, "version") + " (" + other_digest.substr(0, 12) + ")";
    } catch (const Error&) {
      other = "something else";
    }
    if (!other_digest.empty() && payload == approval_statement(e, other_digest))
      return *why = "it is signed for another artifact numbered " + e.version + " (" + other_digest.substr(0, 12) +
                    "), not this store's (" + version_digest.substr(0, 12) +
                    "): two clones made different versions with the same number",
             false;
    return *why = "its signature is over " + other + ", not this approval of " + e.model + " " + e.version + " (" +
                  version_digest.substr(0, 12) + ")",
           false;
  }
  return true;
}

int ApprovalStatus::counted() const {
  return static_cast<int>(std::count_if(approvals.begin(), approvals.end(), [](const ApprovalVerdict& v) { return v.counts; }));
}

std::string ApprovalStatus::missing() const {
  if (met()) return "";
  std::string who;
  for (const ApprovalVerdict& v : approvals)
    if (v.counts) who += (who.empty() ? "" : ", ") + v.event.user;
  std::string out = "needs " + std::to_string(required) + " approval" + (required == 1 ? "" : "s") + " for " + stage +
                    ", has " + std::to_string(counted()) + (who.empty() ? "" : " (" + who + ")");
  for (const ApprovalVerdict& v : approvals)
    if (!v.counts) out += "; " + v.event.user + "'s does not count: " + v.why;
  return out + "; approve with 'pipe model approve " + model + "@" + version + " --stage " + stage + "'";
}

ApprovalStatus approval_status(const ApprovalPolicy& policy, const ModelVersion& v, const std::string& trainer,
                               const std::vector<ModelEvent>& events, size_t count) {
  ApprovalStatus status;
  status.model = v.model;
  status.version = v.version();
  status.stage = policy.stage;
  status.required = policy.required;
  std::set<std::string> users, keys;
  // A name matches only names and a key id only a verified key: a user
  // called "sha256:..." is not that key.
  auto named = [&](const std::string& user) {
    return user.rfind("sha256:", 0) != 0 &&
           std::find(policy.approvers.begin(), policy.approvers.end(), user) != policy.approvers.end();
  };
  auto keyed = [&](const std::string& keyid) {
    return std::find(policy.approvers.begin(), policy.approvers.end(), keyid) != policy.approvers.end();
  };
  for (size_t i = 0; i < events.size() && i < count; ++i) {
    const ModelEvent& e = events[i];
    if (e.action != "approve" || e.model != v.model || e.version != v.version() || e.stage != policy.stage) continue;
    ApprovalVerdict verdict;
    verdict.event = e;
    verdict.is_signed = !e.signature.empty();
    if (verdict.is_signed) verdict.signature_ok = verify_approval(e, v.digest, &verdict.keyid, &verdict.why);
    const std::string approved_digest = approved_artifact(e);
    if (verdict.is_signed && !verdict.signature_ok) {
      // why says what is wrong with the signature
    } else if (approved_digest != v.digest) {
      // Two clones both made a "1.2.0": an approval is of the artifact its
      // approver saw, not of whatever carries the number here.
      verdict.why = "it approves another artifact numbered " + e.version + " (" + approved_digest.substr(0, 12) +
                    "), not this one (" + v.digest.substr(0, 12) + ")";
    } else if (!policy.approvers.empty() && !named(e.user) && !(verdict.signature_ok && keyed(verdict.keyid))) {
      verdict.why = e.user + " is not among the approvers" +
                    (verdict.is_signed ? " (nor is key " + verdict.keyid.substr(0, 19) + "...)" : "") +
                    " the policy names";
    } else if (policy.distinct_from_trainer && e.user == trainer) {
      verdict.why = e.user + " trained this version, and the policy asks for someone else";
    } else if (users.count(e.user) || (verdict.signature_ok && keys.count(verdict.keyid))) {
      verdict.why = e.user + " approved it already";
    } else {
      verdict.counts = true;
      users.insert(e.user);
      if (verdict.signature_ok) keys.insert(verdict.keyid);
    }
    status.approvals.push_back(std::move(verdict));
  }
  return status;
}

}  // namespace pipeline
