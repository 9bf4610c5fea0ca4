#!/usr/bin/env bash
# Quality gates and promotion: gates pass and fail (also against the
# production holder), promotions and rollbacks are events with history and
# point-in-time answers, and bad gates or references fail clearly.
source "$(dirname "$0")/lib.sh" "$@"

new_project
git init -q . && git config user.email t@t && git config user.name t
quality() { printf '{"accuracy": %s, "f1": %s, "latency_ms": 50}\n' "$1" "$2" >quality.json; }
quality 0.90 0.80
cat >pipe.yaml <<'EOF'
stages:
  train:
    cmd: cp quality.json metrics.json && cat quality.json >model.bin
    deps: [quality.json]
    outs: [model.bin]
    metrics:
    - metrics.json:
        cache: false
models:
  clf:
    path: model.bin
    gates:
      staging:
        - accuracy >= 0.80
      production:
        - accuracy >= 0.85
        - latency_ms <= 100
        - f1 >= production.f1 - 0.01
        - clean_tree
EOF
commit() { git add -A && git commit -qm "$1"; }
commit one
expect_exit 0 pipe repro
commit "v1"
expect_exit 0 pipe model check clf@1.0.0
assert_contains "every gate of 1.0.0 passes" "$OUT" "all gates pass"
assert_contains "the regression gate passes with no holder yet" "$OUT" "no version holds production yet"
expect_exit 0 pipe model promote clf@1.0.0 --to production --reason "first release"
assert_contains "1.0.0 is promoted" "$OUT" "clf 1.0.0 -> production: promoted"
sleep 1.1
T1=$(date -u +%Y-%m-%dT%H:%M:%S)
sleep 1.1

# Better accuracy, worse f1: the regression gate refuses it.
quality 0.95 0.70
commit two
expect_exit 0 pipe repro
commit "v2"
expect_exit 1 pipe model check clf@1.1.0 --stage production
assert_contains "a regression against production fails its gate" "$OUT" "[FAIL] f1 >= production.f1 - 0.01: f1 0.7 >= 0.79 (production 0.8)"
expect_exit 0 pipe model check clf@1.1.0 --stage staging
expect_exit 1 pipe model promote clf@1.1.0 --to production --reason "try"
assert_contains "promotion is refused with a per-gate report" "$OUT" "clf 1.1.0 -> production: refused"
assert_contains "naming the gates that pass too" "$OUT" "[pass] accuracy >= 0.85: accuracy 0.95 >= 0.85"
assert_contains "and says why on stderr" "$ERR" "a gate failed"

# A dirty tree fails clean_tree.
quality 0.96 0.85
expect_exit 0 pipe repro
expect_exit 1 pipe model check clf@1.2.0 --stage production
assert_contains "a version made from a dirty tree fails clean_tree" "$OUT" "[FAIL] clean_tree"
commit "v3"
quality 0.97 0.86
commit four
expect_exit 0 pipe repro
commit "v4"
expect_exit 0 pipe model promote clf@1.3.0 --to production --reason "better f1"
expect_exit 0 pipe model show clf --stage production
assert_contains "production is now held by 1.3.0" "$OUT" "clf production now: 1.3.0"
assert_contains "with who put it there and why" "$OUT" "better f1"
expect_exit 0 pipe model show clf --stage production --at "$T1"
assert_contains "at an earlier time, 1.0.0 held production" "$OUT" "1.0.0"
assert_contains "put there for its first release" "$OUT" "first release"
expect_exit 0 pipe model show clf --stage production --at 2020-01-01
assert_contains "before any promotion, nothing held it" "$OUT" "No version of clf held production"

expect_exit 0 pipe model rollback clf --stage production --reason "incident 42"
assert_contains "rollback returns production to 1.0.0" "$OUT" "back to 1.0.0"
expect_exit 0 pipe model show clf --stage production
assert_contains "which now holds it" "$OUT" "clf production now: 1.0.0"
expect_exit 2 pipe model rollback clf --stage production
assert_contains "a second rollback has nothing to return to" "$ERR" "no previous holder"
expect_exit 0 pipe model history clf --json
assert_eq "history keeps every event" "3" "$(echo "$OUT" | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')"
assert_contains "with the gate results" "$OUT" '"passed": true'
assert_contains "and the policy digest" "$OUT" '"policy_digest": "'
expect_exit 0 pipe audit verify
assert_contains "verify checks the events' chain" "$OUT" "4 runs and 3 model events verified"
sqlite3 .pipe/lineage.db "drop trigger model_events_append_only_u; update model_events set reason='x' where id=1"
expect_exit 1 pipe audit verify
assert_contains "an edited event breaks the chain" "$ERR" "model event 1"

# Bad input.
expect_exit 2 pipe model promote nosuch@1.0.0 --to production --reason r
assert_contains "an unknown model is named" "$ERR" "model 'nosuch'"
expect_exit 2 pipe model promote clf@9.9.9 --to production --reason r
assert_contains "an unknown version lists the known ones" "$ERR" "has no version 9.9.9"
expect_exit 2 pipe model promote clf@1.0.0 --to prod --reason r
assert_contains "an unknown stage lists the stages" "$ERR" "its stages are: staging, production"
sed -i 's/- accuracy >= 0.80/- precision >= 0.5/' pipe.yaml
expect_exit 1 pipe model check clf@1.0.0 --stage staging
assert_contains "a gate on a metric the version lacks fails, saying so" "$OUT" "the version has no metric 'precision' (it has: accuracy, f1, latency_ms)"
sed -i 's/- precision >= 0.5/- accuracy >== 0.8/' pipe.yaml
expect_exit 3 pipe model check clf@1.0.0
assert_contains "a malformed gate is located" "$ERR" "pipe.yaml:14:11"
assert_contains "names the bad operator" "$ERR" "'>==' is not a comparison"
assert_contains "and says what a gate looks like" "$ERR" "a gate is METRIC OP VALUE"
sed -i 's/- accuracy >== 0.8/- f1 >= prod.f1/' pipe.yaml
expect_exit 3 pipe model check clf@1.0.0
assert_contains "a reference to an unknown stage is refused" "$ERR" "'prod' is not a stage with gates here"

finish
