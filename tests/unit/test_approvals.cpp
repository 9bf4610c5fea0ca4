// Required approvals (approvals.cpp): the policy, which approvals count,
// and signed approvals that cannot be moved to another version.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "approvals.h"
#include "document.h"
#include "error.h"
#include "temp_project.h"
#include "value.h"

using namespace pipeline;
using pipeline::testing::TempDir;

namespace {

std::vector<ApprovalPolicy> policies(const std::string& yaml) {
  return parse_approvals("pipe.yaml", parse_yaml("pipe.yaml", yaml));
}

std::string parse_error(const std::string& yaml) {
  try {
    policies(yaml);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

ModelVersion version(const std::string& v, const std::string& digest) {
  ModelVersion m;
  m.model = "clf";
  std::sscanf(v.c_str(), "%d.%d.%d", &m.major, &m.minor, &m.patch);
  m.digest = digest;
  return m;
}

ModelEvent approval(const std::string& user, const std::string& v, const std::string& stage = "production") {
  ModelEvent e;
  e.model = "clf";
  e.version = v;
  e.stage = stage;
  e.action = "approve";
  e.user = user;
  e.host = "h";
  e.at_ns = 100;
  e.details = "{\"digest\":\"d\",\"gates\":[],\"stage\":\"production\"}";
  return e;
}

std::string new_key(const TempDir& d, const std::string& name) {
  const std::string path = d.path + "/" + name + ".pem";
  REQUIRE(std::system(("openssl genpkey -algorithm ed25519 -out " + path + " 2>/dev/null").c_str()) == 0);
  return path;
}

}  // namespace

TEST_CASE("an approvals policy reads a count, approvers and whether the trainer may approve") {
  const auto p = policies(
      "production:\n  required: 2\n  approvers: [alice, bob]\n  distinct_from_trainer: true\nstaging: 1\n");
  REQUIRE(p.size() == 2);
  CHECK(p[0].stage == "production");
  CHECK(p[0].required == 2);
  CHECK(p[0].approvers == std::vector<std::string>{"alice", "bob"});
  CHECK(p[0].distinct_from_trainer);
  CHECK(p[1].required == 1);
  CHECK_FALSE(p[1].distinct_from_trainer);
}

TEST_CASE("a bad approvals policy fails where it is written, saying what is expected") {
  CHECK(parse_error("production:\n  requird: 2\n").find("pipe.yaml:2:3") != std::string::npos);
  CHECK(parse_error("production:\n  requird: 2\n").find("did you mean 'required'") != std::string::npos);
  CHECK(parse_error("production:\n  required: 0\n").find("from 1 to 100") != std::string::npos);
  CHECK(parse_error("production:\n  approvers: alice\n").find("must be a list") != std::string::npos);
  CHECK(parse_error("production:\n  approvers: [\"sha256:XYZ\"]\n").find("64 lower-case hex") != std::string::npos);
  CHECK(parse_error("production:\n  distinct_from_trainer: yes\n").find("true or false") != std::string::npos);
  CHECK(parse_error("[production]\n").find("maps a stage") != std::string::npos);
}

TEST_CASE("approvals count once per person; the trainer's does not when the policy says so") {
  const auto p = policies("production:\n  required: 2\n  distinct_from_trainer: true\n")[0];
  const ModelVersion v = version("1.0.0", "d");
  std::vector<ModelEvent> events = {approval("alice", "1.0.0"), approval("bob", "1.0.0"), approval("bob", "1.0.0"),
                                    approval("carol", "1.1.0"), approval("dave", "1.0.0", "staging")};
  ApprovalStatus s = approval_status(p, v, "alice", events);
  REQUIRE(s.approvals.size() == 3);  // other versions and stages are not this one's
  CHECK_FALSE(s.approvals[0].counts);
  CHECK(s.approvals[0].why.find("trained this version") != std::string::npos);
  CHECK(s.approvals[1].counts);
  CHECK_FALSE(s.approvals[2].counts);
  CHECK(s.approvals[2].why.find("already") != std::string::npos);
  CHECK(s.counted() == 1);
  CHECK_FALSE(s.met());
  CHECK(s.missing().find("needs 2 approvals for production, has 1 (bob)") != std::string::npos);
  CHECK(s.missing().find("alice's does not count") != std::string::npos);
  events.push_back(approval("erin", "1.0.0"));
  CHECK(approval_status(p, v, "alice", events).met());
}

TEST_CASE("only the approvers the policy names count, by user name or by signing key") {
  TempDir d;
  const std::string key = new_key(d, "erin");
  const ModelVersion v = version("1.0.0", "d");
  ModelEvent signed_approval = approval("erin", "1.0.0");
  const std::string keyid = sign_approval(&signed_approval, v.digest, key);
  CHECK(keyid.rfind("sha256:", 0) == 0);
  const auto p = policies("production:\n  required: 2\n  approvers: [bob, \"" + keyid + "\"]\n")[0];
  const ApprovalStatus s = approval_status(p, v, "alice", {approval("mallory", "1.0.0"), approval("bob", "1.0.0"), signed_approval});
  REQUIRE(s.approvals.size() == 3);
  CHECK_FALSE(s.approvals[0].counts);
  CHECK(s.approvals[0].why.find("not among the approvers") != std::string::npos);
  CHECK(s.approvals[1].counts);
  CHECK(s.approvals[2].counts);
  CHECK(s.approvals[2].signature_ok);
  CHECK(s.approvals[2].keyid == keyid);
  CHECK(s.met());
}

TEST_CASE("a signed approval moved to another version is rejected, naming the version it was signed for") {
  TempDir d;
  const std::string key = new_key(d, "bob");
  const ModelVersion v1 = version("1.0.0", "digest-one");
  const ModelVersion v2 = version("2.0.0", "digest-two");
  ModelEvent genuine = approval("bob", "1.0.0");
  sign_approval(&genuine, v1.digest, key);
  std::string keyid, why;
  CHECK(verify_approval(genuine, v1.digest, &keyid, &why));

  ModelEvent moved = genuine;  // the same envelope on an approval of 2.0.0
  moved.version = "2.0.0";
  CHECK_FALSE(verify_approval(moved, v2.digest, &keyid, &why));
  CHECK(why.find("clf 1.0.0") != std::string::npos);
  const auto p = policies("production: 1\n")[0];
  const ApprovalStatus s = approval_status(p, v2, "alice", {moved});
  REQUIRE(s.approvals.size() == 1);
  CHECK_FALSE(s.approvals[0].counts);
  CHECK_FALSE(s.met());

  // Same version number, other content (a clash from another clone).
  CHECK_FALSE(verify_approval(genuine, "digest-other", &keyid, &why));

  ModelEvent forged = genuine;  // a signature byte changed
  Value env = parse_json("e", forged.signature);
  std::string sig = env.find("signatures")->items()[0].find("sig")->as_string();
  sig[2] = sig[2] == 'A' ? 'B' : 'A';
  env.find("signatures")->items()[0].set("sig", Value::string(sig));
  forged.signature = env.canonical();
  CHECK_FALSE(verify_approval(forged, v1.digest, &keyid, &why));
  CHECK(why.find("does not verify") != std::string::npos);
}

TEST_CASE("a user who calls themselves by a listed key id does not count as that key") {
  TempDir d;
  const std::string key = new_key(d, "dave");
  ModelEvent genuine = approval("dave", "1.0.0");
  const ModelVersion v = version("1.0.0", "d");
  const std::string keyid = sign_approval(&genuine, v.digest, key);
  const auto p = policies("production:\n  required: 1\n  approvers: [\"" + keyid + "\"]\n")[0];
  const ApprovalStatus s = approval_status(p, v, "tina", {approval(keyid, "1.0.0")});
  REQUIRE(s.approvals.size() == 1);
  CHECK_FALSE(s.approvals[0].counts);
  CHECK(s.approvals[0].why.find("not among the approvers") != std::string::npos);
  CHECK(approval_status(p, v, "tina", {genuine}).met());
}

TEST_CASE("an approval of another artifact with the same version number does not count, signed or not") {
  TempDir d;
  const std::string key = new_key(d, "bob");
  const auto p = policies("production: 1\n")[0];
  const ModelVersion theirs = version("1.2.0", "d");  // approval() records digest "d"
  const ModelVersion ours = version("1.2.0", "other");
  const ApprovalStatus unsigned_status = approval_status(p, ours, "tina", {approval("bob", "1.2.0")});
  REQUIRE(unsigned_status.approvals.size() == 1);
  CHECK_FALSE(unsigned_status.approvals[0].counts);
  CHECK(unsigned_status.approvals[0].why.find("another artifact numbered 1.2.0") != std::string::npos);
  CHECK(approval_status(p, theirs, "tina", {approval("bob", "1.2.0")}).met());
  ModelEvent signed_approval = approval("bob", "1.2.0");
  sign_approval(&signed_approval, theirs.digest, key);
  std::string keyid, why;
  CHECK_FALSE(verify_approval(signed_approval, ours.digest, &keyid, &why));
  CHECK(why.find("two clones made different versions with the same number") != std::string::npos);
}
