#!/usr/bin/env bash
# Several `pipe repro` in one project: the project lock serialises them, no
# stage runs twice, --wait-for-lock gives up with exit 4 naming the holder, and
# a lock left by a killed run is taken over.
# Usage: bash tests/system/test_concurrency.sh /abs/path/to/pipe
source "$(dirname "$0")/lib.sh" "$@"

# ============================================================ two runs at once
new_project
cat >pipe.yaml <<'EOF'
stages:
  s1:
    cmd: sh rec.sh s1 && sleep 1 && echo one > one.txt
    outs: [one.txt]
  s2:
    cmd: sh rec.sh s2 && cat one.txt > two.txt
    deps: [one.txt]
    outs: [two.txt]
  s3:
    cmd: sh rec.sh s3 && sleep 1 && echo three > three.txt
    outs: [three.txt]
EOF
start_bg "$SCRATCH/a.out" "$SCRATCH/a.err" "$PIPE" repro
pid_a=$BG_PID
start_bg "$SCRATCH/b.out" "$SCRATCH/b.err" "$PIPE" repro
pid_b=$BG_PID
wait_exit "$pid_a" 30
rc_a=$BG_RC
wait_exit "$pid_b" 30
rc_b=$BG_RC
ALL="run A: $(cat "$SCRATCH/a.out" "$SCRATCH/a.err")"$'\n'"run B: $(cat "$SCRATCH/b.out" "$SCRATCH/b.err")"
assert_eq "two simultaneous runs both succeed" "0 0" "$rc_a $rc_b"
assert_ran "two simultaneous runs: every stage ran exactly once" "s1 s2 s3"
WHAT="two simultaneous runs: pipe.lock is valid and complete (status -q)" expect_exit 0 pipe status -q
expect_exit 0 pipe status --json
assert_eq "two simultaneous runs: status --json parses, all up to date" "True" \
  "$(printf '%s' "$OUT" | $PY -c 'import json,sys; print(json.load(sys.stdin)["up_to_date"])' 2>&1)"
leftovers=$(for f in pipe.lock.*; do [ -e "$f" ] && echo "$f"; done)
assert_eq "no temporary lock files left behind" "" "$leftovers"

# ============================================================ waiting and --wait-for-lock
new_project
# 'hold' runs until the test creates 'release' (at most 20 s).
cat >pipe.yaml <<'EOF'
stages:
  hold:
    cmd: >-
      sh rec.sh hold && echo $$ > hold.pgid &&
      i=0; while [ ! -f release ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done;
      echo held > hold.txt
    outs: [hold.txt]
EOF
hold_running() { [ -s hold.pgid ] && grep -q hold runs.log 2>/dev/null; }

start_bg "$SCRATCH/h.out" "$SCRATCH/h.err" "$PIPE" repro
pid_holder=$BG_PID
if wait_for 15 hold_running; then
  expect_exit 4 pipe repro --wait-for-lock 0
  assert_contains "--wait-for-lock 0: message names the holder's pid" "$ERR" "locked by pid $pid_holder"
  expect_exit 4 pipe repro --wait-for-lock 0.3
  WHAT="--dry needs no lock: pipe repro --dry while locked" expect_exit 0 pipe repro --dry

  # A run without a limit waits, says for whom, then finds nothing to do.
  start_bg "$SCRATCH/w.out" "$SCRATCH/w.err" "$PIPE" repro
  pid_waiter=$BG_PID
  if wait_for 15 grep -q "waiting for the project lock" "$SCRATCH/w.err"; then
    pass "a second run waits for the lock"
  else
    fail "a second run waits for the lock" "$(cat "$SCRATCH/w.out" "$SCRATCH/w.err")"
  fi
  assert_contains "the waiting run names the holder" "$(cat "$SCRATCH/w.err")" "held by pid $pid_holder"
  # SIGTERM (or Ctrl-C) ends a wait for the lock with the documented 130.
  start_bg "$SCRATCH/t.out" "$SCRATCH/t.err" "$PIPE" repro
  pid_term=$BG_PID
  wait_for 15 grep -q "waiting for the project lock" "$SCRATCH/t.err"
  kill -TERM "$pid_term"
  wait_exit "$pid_term" 10
  assert_eq "SIGTERM while waiting for the lock exits 130" 130 "$BG_RC"
  touch release
  wait_exit "$pid_holder" 30
  assert_eq "the lock holder succeeds" 0 "$BG_RC"
  wait_exit "$pid_waiter" 30
  assert_eq "the waiting run succeeds once the lock is free" 0 "$BG_RC"
  ALL=$(cat "$SCRATCH/h.out" "$SCRATCH/h.err" "$SCRATCH/w.out" "$SCRATCH/w.err")
  assert_ran "the waiting run does not rerun what the holder did" "hold"
  WHAT="after waiting: status -q" expect_exit 0 pipe status -q
else
  fail "(setup) the holding stage starts" "$(cat "$SCRATCH/h.out" "$SCRATCH/h.err")"
fi

# ============================================================ kill -9 leaves a lock behind
new_project
cat >pipe.yaml <<'EOF'
stages:
  hold:
    cmd: >-
      sh rec.sh hold && echo $$ > hold.pgid &&
      i=0; while [ ! -f release ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done;
      echo held > hold.txt
    outs: [hold.txt]
EOF
start_bg "$SCRATCH/k.out" "$SCRATCH/k.err" "$PIPE" repro
pid_killed=$BG_PID
if wait_for 15 hold_running; then
  orphan_pgid=$(cat hold.pgid)
  kill -KILL "$pid_killed"
  wait_exit "$pid_killed" 10
  assert_eq "(setup) pipe killed by SIGKILL" 137 "$BG_RC"
  # The stage's shell dies with pipe (parent-death signal), so no orphan
  # keeps writing outputs that nobody will record.
  stage_gone() { [ -z "$(live_procs -g "$orphan_pgid")" ]; }
  if wait_for 10 stage_gone; then pass "kill -9 of pipe takes its stage down"; else fail "kill -9 of pipe takes its stage down" "$(live_procs -g "$orphan_pgid")"; fi
  assert_true "lock file still describes the dead holder" grep -q "pid $pid_killed" .pipe/repro.lock
  # The next run must not wait for the dead holder, nor for its orphaned stage.
  touch release
  expect_exit 0 pipe repro --wait-for-lock 0
  assert_contains "the next run says it took over the dead holder's lock" "$ERR" \
    "took over the project lock left by pid $pid_killed"
  assert_true "the interrupted stage is rerun and recorded" lock_has_stage hold
  WHAT="after takeover: status -q" expect_exit 0 pipe status -q
  # The orphan ends by itself once 'release' exists; make sure of it.
  orphan_gone() { [ -z "$(live_procs -g "$orphan_pgid")" ]; }
  wait_for 25 orphan_gone || kill -KILL -- "-$orphan_pgid" 2>/dev/null
else
  fail "(setup) the holding stage starts" "$(cat "$SCRATCH/k.out" "$SCRATCH/k.err")"
fi

# ============================================================ kill -9 while a stage's child runs
# /bin/sh (dash) forks for a simple command, so the stage's real work
# outlives its shell; the next run must stop it when it takes over the lock.
new_project
marker="6$RANDOM.$RANDOM"  # a unique duration marks the process
cat >pipe.yaml <<EOF
stages:
  slow:
    cmd: sleep $marker; echo done > slow.txt
    outs: [slow.txt]
EOF
start_bg "$SCRATCH/l.out" "$SCRATCH/l.err" "$PIPE" repro
pid_killed=$BG_PID
# Anchored: the stage shell's own command line holds "sleep MARKER" too, and
# killing pipe before the shell forked its sleep would leave nothing over.
sleeper_running() { pgrep -f "^sleep $marker" >/dev/null; }
sleeper_gone() { ! pgrep -f "^sleep $marker" >/dev/null; }
if wait_for 15 sleeper_running; then
  kill -KILL "$pid_killed"
  wait_exit "$pid_killed" 10
  sed -i "s/sleep $marker;/true;/" pipe.yaml
  expect_exit 0 pipe repro --wait-for-lock 0
  assert_contains "the next run says it stopped the dead run's stage" "$ERR" "leftover stage process"
  if wait_for 10 sleeper_gone; then
    pass "the dead run's stage process is gone"
  else
    fail "the dead run's stage process is gone" "$(pgrep -af "$marker")"
    pkill -KILL -f "sleep $marker"
  fi
else
  fail "(setup) the slow stage starts" "$(cat "$SCRATCH/l.out" "$SCRATCH/l.err")"
fi


# ============================================================ status while a stage rewrites its output
# A stage deletes and rewrites a directory that pipe.lock records, over and
# over, while `status -q` runs: status must report the output as changed
# (exit 1), never fail to read a file that vanished under it (exit 5).
new_project
cat >pipe.yaml <<'EOF'
stages:
  churn:
    cmd: for r in $(seq 1 ${rounds}); do rm -rf d; mkdir d; for i in $(seq 1 200); do echo $r > d/f$i; done; done
    params: [rounds]
    outs: [d]
EOF
echo "rounds: 1" >params.yaml
expect_exit 0 pipe repro
echo "rounds: 400" >params.yaml
start_bg "$SCRATCH/c.out" "$SCRATCH/c.err" "$PIPE" repro
churn_pid=$BG_PID
codes=""
for i in $(seq 1 40); do
  "$PIPE" status -q >/dev/null 2>"$SCRATCH/c.status.err"
  codes="$codes $?"
  [ -d d ] || true
done
kill -TERM "$churn_pid" 2>/dev/null
wait "$churn_pid" 2>/dev/null
case " $codes " in
  *" 5 "*) fail "status -q during a rewrite of an output never exits 5" "codes:$codes; $(cat "$SCRATCH/c.status.err")" ;;
  *) pass "status -q during a rewrite of an output never exits 5 (codes:$(echo $codes | tr ' ' '\n' | sort | uniq -c | tr '\n' ' '))" ;;
esac

finish
