#!/usr/bin/env bash
# SIGINT/SIGTERM during `pipe repro`: exit 130, the running stage's whole
# process group is stopped, finished stages stay recorded, the interrupted one
# is not, and the next run picks up where it left off.
# Usage: bash tests/system/test_interrupt.sh /abs/path/to/pipe
source "$(dirname "$0")/lib.sh" "$@"

# interrupt_case SIG: one full scenario, check names prefixed with SIG.
interrupt_case() {
  local sig=$1
  new_project
  local marker="pipe-interrupt-test-$sig-$$-$RANDOM"
  # s2 records its process group id (its shell leads the group), starts a
  # background sleeper and a foreground sleeper, both tagged with the marker.
  cat >pipe.yaml <<EOF
stages:
  s1:
    cmd: sh rec.sh s1 && echo one > one.txt
    outs: [one.txt]
  s2:
    cmd: sh rec.sh s2; echo \$\$ > s2.pgid; $PY -c 'import time; time.sleep(30)' $marker-bg & $PY -c 'import time; time.sleep(30)' $marker-fg; echo two > two.txt
    deps: [one.txt]
    outs: [two.txt]
EOF
  start_bg "$SCRATCH/int.out" "$SCRATCH/int.err" "$PIPE" repro -j 1
  local pid=$BG_PID
  stage2_started() {
    [ -s s2.pgid ] && [ -n "$(live_procs -f -- "$marker-fg")" ] && [ -n "$(live_procs -f -- "$marker-bg")" ]
  }
  if ! wait_for 15 stage2_started; then
    fail "$sig: stage 2 starts" "$(cat "$SCRATCH/int.out" "$SCRATCH/int.err")"
    kill -KILL -- "-$pid" 2>/dev/null
    return
  fi
  local pgid
  pgid=$(cat s2.pgid)
  kill "-$sig" "$pid"
  wait_exit "$pid" 15
  if [ "$BG_RC" = hung ]; then
    fail "$sig: pipe exits after $sig" "still running 15 s after the signal; killed" \
      "$(cat "$SCRATCH/int.out" "$SCRATCH/int.err")"
  fi
  assert_eq "$sig: pipe repro exits 130" 130 "$BG_RC"
  assert_contains "$sig: says it was interrupted" "$(cat "$SCRATCH/int.err")" "Interrupted"
  local left
  left=$(live_procs -f -- "$marker"; live_procs -g "$pgid")
  if [ -z "$left" ]; then
    pass "$sig: the stage's process group is gone (foreground and background children)"
  else
    fail "$sig: the stage's process group is gone (foreground and background children)" "still running:" "$left"
    kill -KILL -- "-$pgid" 2>/dev/null
  fi
  assert_true "$sig: finished stage 1 is recorded in pipe.lock" lock_has_stage s1
  if lock_has_stage s2; then
    fail "$sig: interrupted stage 2 is not recorded in pipe.lock" "$(cat pipe.lock)"
  else
    pass "$sig: interrupted stage 2 is not recorded in pipe.lock"
  fi
  assert_no_file "$sig: interrupted stage 2 did not produce its output" two.txt
  reset_runs

  # Make stage 2 fast and run again.
  sed -i "s|; echo \\\$\\\$ > s2.pgid;.*; echo two|; echo two|" pipe.yaml
  if grep -q sleep pipe.yaml; then
    fail "$sig: (test setup) stage 2 made fast" "$(cat pipe.yaml)"
  fi
  expect_exit 0 pipe repro
  assert_ran "$sig: rerun completes stage 2 without rerunning stage 1" "s2"
  assert_file "$sig: stage 2 output exists after the rerun" two.txt
  WHAT="$sig: status -q after the rerun" expect_exit 0 pipe status -q
}

interrupt_case INT
interrupt_case TERM

# ============================================================ second Ctrl-C kills
# A stage that ignores SIGTERM survives the first Ctrl-C (pipe asks politely);
# the second one kills its group.
new_project
marker="pipe-interrupt-stubborn-$$-$RANDOM"
cat >pipe.yaml <<EOF
stages:
  stubborn:
    cmd: trap '' TERM; echo \$\$ > pgid; $PY -c 'import time; time.sleep(30)' $marker; echo done > done.txt
    outs: [done.txt]
EOF
start_bg "$SCRATCH/st.out" "$SCRATCH/st.err" "$PIPE" repro
pid=$BG_PID
stubborn_started() { [ -s pgid ] && [ -n "$(live_procs -f -- "$marker")" ]; }
if wait_for 15 stubborn_started; then
  kill -INT "$pid"
  if wait_for 15 grep -q "Interrupted" "$SCRATCH/st.err"; then
    pass "stubborn: first SIGINT is acknowledged"
  else
    fail "stubborn: first SIGINT is acknowledged" "$(cat "$SCRATCH/st.err")"
  fi
  kill -INT "$pid"
  wait_exit "$pid" 15
  assert_eq "stubborn: second SIGINT kills a stage ignoring SIGTERM; pipe exits 130" 130 "$BG_RC"
  left=$(live_procs -f -- "$marker")
  if [ -z "$left" ]; then pass "stubborn: stage process is gone"; else
    fail "stubborn: stage process is gone" "$left"
    kill -KILL -- "-$(cat pgid)" 2>/dev/null
  fi
  assert_contains "stubborn: second signal is reported" "$(cat "$SCRATCH/st.err")" "Killing running stages"
else
  fail "stubborn: stage starts" "$(cat "$SCRATCH/st.out" "$SCRATCH/st.err")"
fi

finish
