#!/usr/bin/env bash
# Required approvals: promotion is refused until the policy in pipe.yaml is
# met, naming what is missing; the trainer's own approval and an approver
# the policy does not name do not count; a signed approval counts by its
# key; the audit report and `audit verify` check the signatures; and a
# signature moved to another version (a forged event fetched from a
# remote) is rejected.
source "$(dirname "$0")/lib.sh" "$@"

new_project
git init -q . && git config user.email t@t && git config user.name t
for who in bob dave; do
  openssl genpkey -algorithm ed25519 -out "$SCRATCH/$who.pem" 2>/dev/null || { fail "openssl makes a key"; finish; }
done
# Dave's key id: the SHA-256 of his public key (DER), as --sign prints it.
DAVE_KEY="sha256:$(openssl pkey -in "$SCRATCH/dave.pem" -pubout -outform DER 2>/dev/null | sha256sum | cut -c1-64)"
# forge REMOTE_DIR: runs the Python on stdin, which sees the registry as
# `events` (model history --json) and sets `forged` (an event's fields),
# and publishes that event on the directory remote as a pack of its own,
# as anyone who can write to the remote could.
forge() {
  pipe model history clf --json >"$SCRATCH/history.json"
  {
    echo 'import hashlib, json, os, sys'
    echo 'events = json.load(open(sys.argv[1]))'
    echo 'canon = lambda v: json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)'
    cat
    echo 'body = canon(forged).encode()'
    echo 'head = b"event " + hashlib.sha256(body).hexdigest().encode() + b" " + str(len(body)).encode()'
    echo 'pack = b"pipe-registry-pack 1\n" + head + b"\n" + body + b"\n"'
    echo 'os.makedirs(sys.argv[2] + "/lineage/packs", exist_ok=True)'
    echo 'open(sys.argv[2] + "/lineage/packs/" + hashlib.sha256(pack).hexdigest(), "wb").write(pack)'
  } >"$SCRATCH/forge.py"
  "$PY" "$SCRATCH/forge.py" "$SCRATCH/history.json" "$1"
}

echo "1,2,3" >data.csv
cat >pipe.yaml <<EOF
stages:
  train:
    cmd: cat data.csv >model.bin
    deps: [data.csv]
    outs: [model.bin]
models:
  clf:
    path: model.bin
    gates:
      production: []
    approvals:
      production:
        required: 2
        approvers: [tina, bob, carol, "$DAVE_KEY"]
        distinct_from_trainer: true
      staging: 1
EOF
export PIPE_USER=tina
expect_exit 0 pipe repro
git add -A && git commit -qm one

expect_exit 1 pipe model promote clf@1.0.0 --to production --reason "ship"
assert_contains "promotion is refused with no approvals" "$ERR" "needs 2 approvals for production, has 0"
assert_contains "saying how to approve" "$ERR" "pipe model approve clf@1.0.0 --stage production"
expect_exit 2 pipe model approve clf --stage production
assert_contains "an approval names its version" "$ERR" "clf@VERSION"

expect_exit 0 pipe model approve clf@1.0.0 --stage production --reason "looks fine to me"
assert_contains "the trainer's approval is recorded" "$OUT" "approved for production by tina"
assert_contains "and judged" "$OUT" "tina trained this version"
export PIPE_USER=mallory
expect_exit 0 pipe model approve clf@1.0.0 --stage production
expect_exit 2 pipe model approve clf@1.0.0 --stage prodution
assert_contains "an approval for a stage the model does not have is refused" "$ERR" "its stages are: production, staging"
# Calling oneself by dave's key id is not being dave's key.
export PIPE_USER=$DAVE_KEY
expect_exit 0 pipe model approve clf@1.0.0 --stage production --json
assert_match "approve --json gives the stored event's uid" "$OUT" '"uid": "[0-9a-f]{64}"'
assert_contains "a user named like a key id does not count as the key" "$OUT" "is not among the approvers"
export PIPE_USER=bob
expect_exit 0 pipe model approve clf@1.0.0 --stage production --sign "$SCRATCH/bob.pem" --reason "reviewed"
assert_contains "a signed approval says its key" "$OUT" "signed with key sha256:"
expect_exit 1 pipe model promote clf@1.0.0 --to production --reason "ship"
assert_contains "one approval that counts is not two" "$ERR" "needs 2 approvals for production, has 1 (bob)"
assert_contains "the trainer's own does not count" "$ERR" "tina's does not count: tina trained this version"
assert_contains "nor one the policy does not name" "$ERR" "mallory's does not count: mallory is not among the approvers"
expect_exit 0 pipe model show clf --stage production
assert_contains "nothing was promoted" "$OUT" "No version of clf held production"

# Dave is named by his key only: signed, his approval counts.
export PIPE_USER=dave
expect_exit 0 pipe model approve clf@1.0.0 --stage production --sign "$SCRATCH/dave.pem"
assert_contains "dave's key id is the one the policy names" "$OUT" "signed with key $DAVE_KEY"
expect_exit 0 pipe model check clf@1.0.0 --stage production
assert_contains "check shows the approvals met" "$OUT" "approvals for production: 2 of 2 (met)"
expect_exit 0 pipe model check clf@1.0.0 --stage staging --json
assert_contains "a stage with approvals and no gates can be checked" "$OUT" '"required": 1'
expect_exit 0 pipe model promote clf@1.0.0 --to production --reason "ship"
assert_contains "with two approvals from others, it is promoted" "$OUT" "clf 1.0.0 -> production: promoted"

expect_exit 0 pipe audit verify
assert_contains "audit verify checks the signed approvals" "$OUT" "Signed approvals: 2 of 2 verified."
expect_exit 0 pipe audit report clf@1.0.0 --format json
assert_contains "the report lists approvals with signatures verified" "$OUT" '"signature_verified": true'
assert_contains "and which do not count" "$OUT" '"why_not": "tina trained this version'
expect_exit 0 pipe audit report clf@1.0.0
assert_contains "the Markdown report has an approvals section" "$OUT" "## Approvals"
assert_contains "with the verified key" "$OUT" "signature verified, key $DAVE_KEY"

# A second version, and a forged approval of it: dave's signed envelope
# copied onto an event for 1.1.0, arriving through a remote's pack.
echo "4,5,6" >>data.csv
export PIPE_USER=tina
expect_exit 0 pipe repro
git add -A && git commit -qm two
REMOTE=$SCRATCH/evil-remote
forge "$REMOTE" <<'FORGED'
dave = [e for e in events if e["action"] == "approve" and e["user"] == "dave"][0]
forged = {
    "kind": "model-event", "model": "clf", "version": "1.1.0", "stage": "production", "action": "approve",
    "user": "dave", "host": dave["host"], "at_ns": 1, "reason": "forged", "details": canon(dave["details"]),
    "policy_digest": dave["policy_digest"], "signature": canon(dave["signature"]), "parents": [events[-1]["uid"]],
}
FORGED
expect_exit 0 pipe remote add evil "$REMOTE"
expect_exit 0 pipe fetch -r evil
assert_contains "the forged event arrives (its pack is well formed)" "$OUT" "Imported 1 model registry events"
export PIPE_USER=bob
expect_exit 0 pipe model approve clf@1.1.0 --stage production
expect_exit 1 pipe model promote clf@1.1.0 --to production --reason "ship"
assert_contains "a signature over another version does not count" "$ERR" "dave's does not count: its signature is over clf 1.0.0"
expect_exit 1 pipe audit verify
assert_contains "and audit verify rejects it" "$ERR" "approval of clf 1.1.0 for production by dave"
assert_contains "saying what it was signed for" "$ERR" "its signature is over clf 1.0.0"
expect_exit 1 pipe audit verify --json
assert_contains "its JSON says not ok" "$OUT" '"ok": false'
expect_exit 0 pipe audit report clf@1.1.0 --format json
assert_contains "the report marks it" "$OUT" '"signature_verified": false'

# A promotion that skipped the policy in another clone (or was forged):
# it is part of the registry, and the report judges it again.
REMOTE2=$SCRATCH/evil-remote-2
forge "$REMOTE2" <<'FORGED'
heads = sorted(e["uid"] for e in events if not any(e["uid"] in o["parents"] for o in events))
forged = {"kind": "model-event", "model": "clf", "version": "1.1.0", "stage": "production", "action": "promote",
          "user": "eve", "host": "elsewhere", "at_ns": 2, "reason": "skip the review", "details": "{}",
          "policy_digest": "", "signature": "", "parents": heads}
FORGED
expect_exit 0 pipe remote add evil2 "$REMOTE2"
expect_exit 0 pipe fetch -r evil2
expect_exit 0 pipe audit report clf@1.1.0 --format json
assert_contains "the report flags a promotion made without the approvals" "$OUT" '"approvals_met": false'
expect_exit 0 pipe audit report clf@1.1.0
assert_contains "in Markdown too" "$OUT" "skip the review **(without the approvals the policy requires)**"
finish
