#!/usr/bin/env bash
# The run-cache: a stage whose exact inputs ran before is restored, not rerun.
source "$(dirname "$0")/lib.sh" "$@"

new_project
echo "lr: 0.1" >params.yaml
cat >pipe.yaml <<'EOF'
stages:
  train:
    cmd: sh rec.sh train && echo "model lr=${lr} $(date +%s%N)" > model.txt
    params: [lr]
    outs: [model.txt]
  report:
    cmd: sh rec.sh report && cat model.txt > report.txt
    deps: [model.txt]
    outs: [report.txt]
EOF
expect_exit 0 pipe repro
assert_ran "first run (A)" "train report"
model_a=$(cat model.txt)

echo "lr: 0.2" >params.yaml
expect_exit 0 pipe repro
assert_ran "a new param value (B) runs the stages" "train report"
model_b=$(cat model.txt)
assert_ne "(setup) B's model differs" "$model_a" "$model_b"

echo "lr: 0.1" >params.yaml
expect_exit 0 pipe repro
assert_ran "back to A: nothing is executed" ""
assert_contains "it says so" "$OUT" "Stage 'train' restored from run-cache"
assert_eq "A's exact model is back (not retrained: its timestamp is A's)" "$model_a" "$(cat model.txt)"
assert_eq "downstream is restored too" "$model_a" "$(cat report.txt)"
WHAT="after a restore: status -q" expect_exit 0 pipe status -q
assert_eq "pipe.lock records A's model as if it had run" "$(xxhsum -H2 model.txt | cut -d" " -f1)" "$(lock_hash model.txt)"

echo "lr: 0.2" >params.yaml
expect_exit 0 pipe repro --no-run-cache
assert_ran "--no-run-cache runs anyway" "train report"
expect_exit 0 pipe repro -f -s train
assert_ran "-f runs instead of restoring" "train"

# Objects gone from the cache: no restore, the stage runs.
echo "lr: 0.1" >params.yaml
rm -rf .pipe/cache
expect_exit 0 pipe repro
assert_ran "with its objects gone from the cache, the stage runs" "train report"

# Not eligible (DVC's rules): persist outputs.
new_project
echo "v: 1" >params.yaml
cat >pipe.yaml <<'EOF'
stages:
  p:
    cmd: sh rec.sh p && echo ${v} >> log.txt
    params: [v]
    outs: [{log.txt: {persist: true}}]
EOF
expect_exit 0 pipe repro
echo "v: 2" >params.yaml
expect_exit 0 pipe repro
echo "v: 1" >params.yaml
expect_exit 0 pipe repro
assert_ran "a stage with a persist output is never restored" "p p p"

finish
