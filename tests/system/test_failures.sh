#!/usr/bin/env bash
# Failing stages: exit codes, messages, logs, what is (not) recorded and run
# afterwards; -k; missing declared outputs; frozen stages.
# Usage: bash tests/system/test_failures.sh /abs/path/to/pipe
source "$(dirname "$0")/lib.sh" "$@"

# 'bad' fails; 'after_bad' depends on it; indep1 -> indep2 is an independent
# branch. With -j 1, 'bad' (declared first) starts before the other branch.
write_failing_pipeline() {
  cat >pipe.yaml <<'EOF'
stages:
  bad:
    cmd: sh rec.sh bad && echo "boom-output from bad" && exit 3
    outs: [bad.txt]
  after_bad:
    cmd: sh rec.sh after_bad && cp bad.txt after.txt
    deps: [bad.txt]
    outs: [after.txt]
  indep1:
    cmd: sh rec.sh indep1 && echo 1 > i1.txt
    outs: [i1.txt]
  indep2:
    cmd: sh rec.sh indep2 && cp i1.txt i2.txt
    deps: [i1.txt]
    outs: [i2.txt]
EOF
}

# ============================================================ a failing stage
new_project
write_failing_pipeline
expect_exit 1 pipe repro -j 1
assert_contains "failure message names the stage and its exit code" "$ERR" "stage 'bad' failed: exit code 3"
assert_contains "failure message points at the stage log" "$ERR" ".pipe/logs/bad.log"
assert_contains "stage log holds the stage's output" "$(cat .pipe/logs/bad.log 2>/dev/null)" "boom-output from bad"
assert_contains "the dependent is reported as not run" "$ERR" "Stage 'after_bad' not run: upstream stage 'bad' failed"
assert_ran "without -k: the failed stage ran, its dependent and the not-yet-started branch did not" "bad"
if lock_has_stage bad; then fail "no pipe.lock entry for the failed stage" "$(cat pipe.lock)"; else pass "no pipe.lock entry for the failed stage"; fi
assert_no_file "dependent's output not created" after.txt
WHAT="status -q after a failure" expect_exit 1 pipe status -q

# ============================================================ -k
expect_exit 1 pipe repro -j 1 -k
assert_ran "-k keeps running the independent branch (but not the failed stage's dependent)" "bad indep1 indep2"
assert_true "-k: the independent stages are recorded" lock_has_stage indep2
if lock_has_stage bad || lock_has_stage after_bad; then
  fail "-k: failed stage and its dependent are not recorded" "$(cat pipe.lock)"
else
  pass "-k: failed stage and its dependent are not recorded"
fi

# Fixing the stage lets the rest finish; the independent branch is not redone.
sed -i 's/ && exit 3/ \&\& echo ok > bad.txt/' pipe.yaml
expect_exit 0 pipe repro -j 1
assert_ran "after the fix, only the failed stage and its dependent run" "bad after_bad"

# ============================================================ a stage killed by a signal
new_project
cat >pipe.yaml <<'EOF'
stages:
  killed:
    cmd: sh rec.sh killed && kill -KILL $$
    outs: [k.txt]
EOF
expect_exit 1 pipe repro
assert_contains "a stage killed by a signal is reported with the signal" "$ERR" "stage 'killed' failed: killed by signal 9"

# ============================================================ cmd list stops at the first failure
new_project
cat >pipe.yaml <<'EOF'
stages:
  multi:
    cmd:
      - sh rec.sh multi
      - exit 4
      - echo never > never.txt
    outs: [never.txt]
EOF
expect_exit 1 pipe repro
assert_contains "cmd list: the failing command's exit code is reported" "$ERR" "stage 'multi' failed: exit code 4"
assert_no_file "cmd list: commands after the failing one do not run" never.txt

# ============================================================ declared output not created
new_project
cat >pipe.yaml <<'EOF'
stages:
  noout:
    cmd: sh rec.sh noout && echo made > other.txt
    outs: [never.txt]
  next:
    cmd: sh rec.sh next && cp never.txt next.txt
    deps: [never.txt]
    outs: [next.txt]
EOF
expect_exit 1 pipe repro
assert_contains "a stage that does not create a declared output fails, naming it" "$ERR" \
  "declared output 'never.txt' was not created"
assert_ran "missing output: the stage's dependent does not run" "noout"
if lock_has_stage noout; then fail "missing output: stage not recorded" "$(cat pipe.lock)"; else pass "missing output: stage not recorded"; fi

# ============================================================ frozen stages
new_project
echo "old frozen output" >frz.txt
echo "v1" >frz_in.txt
cat >pipe.yaml <<'EOF'
stages:
  frz:
    cmd: sh rec.sh frz && cat frz_in.txt > frz.txt
    deps: [frz_in.txt]
    outs: [frz.txt]
    frozen: true
  use_frz:
    cmd: sh rec.sh use_frz && cp frz.txt use.txt
    deps: [frz.txt]
    outs: [use.txt]
EOF
expect_exit 0 pipe repro
assert_ran "frozen stage never runs (even never run before); its dependent does" "use_frz"
assert_contains "frozen stage is reported as frozen" "$OUT" "Stage 'frz' is frozen, skipping"
assert_eq "frozen stage's existing output is kept" "old frozen output" "$(cat frz.txt)"
echo "v2" >frz_in.txt
expect_exit 0 pipe repro
assert_ran "frozen stage does not rerun when its dep changes" ""
sed -i 's/cat frz_in.txt > frz.txt/cat frz_in.txt frz_in.txt > frz.txt/' pipe.yaml
expect_exit 0 pipe repro
assert_ran "frozen stage does not rerun when its cmd changes" ""
expect_exit 0 pipe repro frz
assert_ran "frozen stage does not run when targeted" ""
WHAT="status -q ignores frozen stages" expect_exit 0 pipe status -q
sed -i 's/frozen: true/frozen: false/' pipe.yaml
expect_exit 0 pipe repro
assert_ran "unfreezing lets it run" "frz use_frz"

# ============================================================ repro --json for CI
new_project
cat >pipe.yaml <<'EOF'
stages:
  ok:
    cmd: echo hi > ok.txt
    outs: [ok.txt]
  bad:
    cmd: echo progress; exit 3
    deps: [ok.txt]
EOF
expect_exit 1 pipe repro --json
json_field() { "$PY" -c "import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))" "$OUT" "$1"; }
assert_eq "repro --json: stdout is one JSON document with the exit code" 1 "$(json_field "d['exit_code']")"
assert_eq "repro --json: the stage that ran" ran "$(json_field "d['stages']['ok']['state']")"
assert_eq "repro --json: the failed stage and why" "failed exit code 3" \
  "$(json_field "d['stages']['bad']['state'] + ' ' + d['stages']['bad']['error']")"
assert_contains "repro --json: stage output goes to stderr, not into the JSON" "$ERR" "progress"
expect_exit 1 pipe repro --json
assert_eq "repro --json: an unchanged stage is up_to_date" up_to_date "$(json_field "d['stages']['ok']['state']")"

# A background process that keeps the stage's output pipe open does not
# keep the stage running: it is done when its shell is.
new_project
cat >pipe.yaml <<'EOF'
stages:
  spawn:
    cmd: (sleep 6 &) ; echo started >spawn.txt
    outs: [spawn.txt]
EOF
start=$(date +%s)
expect_exit 0 pipe repro
took=$(( $(date +%s) - start ))
assert_true "a stage that leaves a background child holding stdout finishes with its shell (${took}s)" test "$took" -lt 4
pkill -f "sleep 6" 2>/dev/null

# An error the run cannot go on from (here an output that is a symlink loop)
# stops the stages still running, reports them, and --json still prints.
new_project
cat >pipe.yaml <<'EOF'
stages:
  loop:
    cmd: mkdir -p out && ln -sfn .. out/up
    outs: [out]
  slow:
    cmd: sleep 3 && echo late >slow.txt
    outs: [slow.txt]
EOF
expect_exit 5 pipe repro -j 2 --json
assert_contains "the error is reported" "$ERR" "symlink loop"
assert_eq "repro --json prints a document on an error too" "5" "$(json_field "d['exit_code']")"
assert_contains "naming the error" "$(json_field "d['error']")" "symlink loop"
assert_eq "the stage still running is reported stopped" "failed" "$(json_field "d['stages']['slow']['state']")"
sleep 3.5
assert_no_file "and it was stopped, not left writing" slow.txt

finish
