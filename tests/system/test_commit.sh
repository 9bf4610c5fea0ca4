#!/usr/bin/env bash
# pipe commit: record outputs produced by hand, without running the stage.
source "$(dirname "$0")/lib.sh" "$@"

new_project
echo "lr: 0.1" >params.yaml
echo "print('train')" >train.py
cat >pipe.yaml <<'EOF'
stages:
  train:
    cmd: sh rec.sh train && echo "model lr=${lr}" >model.txt
    deps: [train.py]
    params: [lr]
    outs: [model.txt]
  report:
    cmd: sh rec.sh report && cat model.txt >report.txt
    deps: [model.txt]
    outs: [report.txt]
EOF

# A stage that never ran: its outputs made by hand are recorded as they are.
echo "model made by hand" >model.txt
expect_exit 0 pipe commit train
assert_contains "commit records a stage that never ran" "$OUT" "committed train"
assert_ran "nothing ran" ""
assert_contains "pipe.lock has its output" "$(cat pipe.lock)" "$(xxhsum -H2 model.txt 2>/dev/null | cut -d' ' -f1)"
assert_contains "and its params" "$(cat pipe.lock)" '"lr": 0.1'
expect_exit 0 pipe status train
assert_contains "the committed stage is up to date" "$OUT" "up to date"
rm model.txt
expect_exit 0 pipe checkout train
assert_eq "its output is in the cache" "model made by hand" "$(cat model.txt)"

# Changed outputs of a stage that ran are committed without fuss.
expect_exit 0 pipe repro
reset_runs
echo "hand-tuned model" >model.txt
expect_exit 0 pipe commit model.txt
assert_contains "commit by output path" "$OUT" "committed train"
expect_exit 0 pipe repro
assert_ran "only the downstream stage reruns after a commit" "report"
assert_eq "it used the committed output" "hand-tuned model" "$(cat report.txt)"

# Changed inputs: committing would claim the outputs came from them.
echo "lr: 0.2" >params.yaml
echo "model for lr 0.2, trained elsewhere" >model.txt
expect_exit 1 pipe commit train
assert_contains "commit refuses a stage whose params changed" "$ERR" "param modified: lr"
assert_contains "and says how to go on" "$ERR" "pipe commit --force"
assert_not_contains "nothing was recorded" "$(cat pipe.lock)" '"lr": 0.2'
expect_exit 0 pipe commit --force train
assert_contains "--force records it" "$(cat pipe.lock)" '"lr": 0.2'
reset_runs
expect_exit 0 pipe repro train
assert_ran "the stage is up to date after commit --force" ""

# The committed result is in the run-cache like a real run.
echo "lr: 0.1" >params.yaml
expect_exit 0 pipe repro train
echo "lr: 0.2" >params.yaml
reset_runs
expect_exit 0 pipe repro train
assert_ran "switching back restores the committed result from the run-cache" ""
assert_eq "with its content" "model for lr 0.2, trained elsewhere" "$(cat model.txt)"

# Nothing to do, and missing outputs.
expect_exit 0 pipe repro
expect_exit 0 pipe commit
assert_contains "commit with nothing changed says so" "$OUT" "Nothing to commit"
rm report.txt
expect_exit 1 pipe commit report
assert_contains "commit needs the outputs to exist" "$ERR" "output 'report.txt' does not exist"

# Committed outputs are linked like any other.
expect_exit 0 pipe repro
expect_exit 0 pipe config cache.type hardlink
echo "another hand-made model" >model.txt
expect_exit 0 pipe commit model.txt
h=$(xxhsum -H2 model.txt 2>/dev/null | cut -d' ' -f1)
assert_eq "a committed output is linked per cache.type" "$(stat -c %i ".pipe/cache/v1/${h:0:2}/${h:2}")" "$(stat -c %i model.txt)"

finish
