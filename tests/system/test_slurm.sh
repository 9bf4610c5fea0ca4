#!/usr/bin/env bash
# The Slurm executor against a real single-node Slurm (tests/servers/slurm.sh):
# a 5-stage pipeline with two branches runs as jobs, both branches at once,
# and ends with the same pipe.lock, outputs and lineage as a local run; a
# failing stage and one past its time limit are reported in words, with
# -k letting the rest run; resources reach sbatch; bad resources are
# located errors; Ctrl-C leaves no job behind, nor does SIGKILL once the
# next run has started; with accounting, sacct's figures are recorded.
source "$(dirname "$0")/lib.sh" "$@"

SERVERS=$(cd "$(dirname "$0")/../servers" && pwd)
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  skip "Slurm executor" "Slurm is not installed (.ci/install-deps.sh --test installs slurm-wlm and munge)"
  finish
fi
# munged refuses a socket below a folder others cannot enter.
SL=$(mktemp -d /tmp/pipe-slurm.XXXXXX)
chmod 755 "$SL"
_TMPDIRS+=("$SL")
stop_slurm() { for r in "$SL"/plain "$SL"/acct; do [ -d "$r" ] && bash "$SERVERS/slurm.sh" stop "$r"; done; }
trap 'stop_slurm; _cleanup' EXIT
bash "$SERVERS/slurm.sh" start "$SL/plain" || { fail "Slurm starts"; finish; }
export SLURM_CONF=$SL/plain/slurm.conf

# Projects live below $SL too: the jobs run as root on this node, from the same paths.
project() {
  PROJ=$(mktemp -d "$SL/proj.XXXXXX")
  cd "$PROJ" || exit 2
  cat >pipe.yaml <<'YAML'
stages:
  prepare:
    cmd: sh -c 'printf "1\n2\n3\n4\n" > data.txt'
    outs: [data.txt]
  left:
    cmd: sh -c 'date +%s.%N > left.start; sleep 2; grep -c . data.txt > left.txt; date +%s.%N > left.end'
    deps: [data.txt]
    outs: [left.txt, left.start, left.end]
    resources: {cpus: 1, mem: 300M, time: "0:10:00", constraint: "", partition: debug}
  right:
    cmd: sh -c 'date +%s.%N > right.start; sleep 2; sort -r data.txt > right.txt; date +%s.%N > right.end'
    deps: [data.txt]
    outs: [right.txt, right.start, right.end]
  merge:
    cmd: cat left.txt right.txt > merged.txt
    deps: [left.txt, right.txt]
    outs: [merged.txt]
  report:
    cmd: wc -l merged.txt > report.txt
    deps: [merged.txt]
    outs: [report.txt]
models:
  counts:
    path: report.txt
YAML
}

# --- Two branches at once, and the same record as a local run -------------------
project
sed -i 's/, constraint: ""//' pipe.yaml
SLURM_PROJ=$PROJ
expect_exit 0 pipe repro --executor slurm -j 4
assert_file "the last stage's output is here" report.txt
overlap=$("$PY" -c 'import sys; a,b,c,d=(float(open(f).read()) for f in sys.argv[1:]); print(int(max(a,c) < min(b,d)))' \
  left.start left.end right.start right.end)
assert_eq "the two branches ran as jobs at once" "1" "$overlap"
assert_contains "each stage is recorded with its Slurm job" \
  "$(sqlite3 .pipe/lineage.db "select executor from executions where stage = 'left'")" '"kind":"slurm"'
left_exec=$(sqlite3 .pipe/lineage.db "select executor from executions where stage = 'left'")
assert_contains "the record has the node's own environment" "$left_exec" '"hostname":'
assert_contains "and what the stage asked for" "$left_exec" '"requested":"cpus=1 mem=300M time=0:10:00 partition=debug"'
assert_contains "and the partition and node it ran on" "$left_exec" '"nodes":"localhost","partition":"debug"'
expect_exit 0 pipe status -q

LOCAL=$(mktemp -d "$SL/local.XXXXXX")
cp pipe.yaml "$LOCAL/" && cd "$LOCAL" || exit 2
expect_exit 0 pipe repro --executor local
strip_times() { grep -v -e '\.start"' -e '\.end"' | sed '/left.start\|left.end\|right.start\|right.end/,+2d'; }
for f in data.txt left.txt right.txt merged.txt report.txt; do
  assert_eq "$f is the same from Slurm and from a local run" "$(cat "$LOCAL/$f")" "$(cat "$SLURM_PROJ/$f")"
done
lock_without_times() { "$PY" - "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
# The start and end stamps differ run to run; everything else must match.
print(re.sub(r'- path: "(left|right)\.(start|end)"\n(      [^\n]*\n)+', '', text))
PY
}
assert_eq "pipe.lock is the same as a local run's (but for the time stamps)" \
  "$(lock_without_times "$LOCAL/pipe.lock")" "$(lock_without_times "$SLURM_PROJ/pipe.lock")"
lineage_outputs() { sqlite3 "$1/.pipe/lineage.db" "select e.stage, a.path, a.digest from executions e join events v on v.execution_id = e.id join artifacts a on a.id = v.artifact_id where v.kind = 'output' and a.path not like '%.start' and a.path not like '%.end' order by 1, 2"; }
assert_eq "the lineage records the same outputs" "$(lineage_outputs "$LOCAL")" "$(lineage_outputs "$SLURM_PROJ")"

# The audit report says where each stage ran; reproduce uses the same executor.
cd "$SLURM_PROJ" || exit 2
expect_exit 0 pipe audit report counts@1.0.0
assert_match "the audit report names each stage's Slurm job and node" "$OUT" "\\| left \\| ran \\| Slurm job [0-9]+ on localhost \\(pipetest, partition debug\\); asked cpus=1 mem=300M"
assert_contains "and the node's environment" "$OUT" "Node that ran \`left\`:"
expect_exit 0 pipe audit report counts@1.0.0 --format json
assert_contains "the JSON report has the executor per stage" "$OUT" '"kind": "slurm"'
expect_exit 1 pipe audit reproduce counts@1.0.0 --keep
assert_match "reproduce re-executes: the model's stage reproduces" "$OUT" "report +exact"
assert_eq "on Slurm, as the run that made the version" "5" \
  "$(sqlite3 .pipe/reproduce/*/.pipe/lineage.db "select count(*) from executions where executor like '%\"kind\":\"slurm\"%'")"
rm -rf .pipe/reproduce

# --- Resources reach sbatch; bad ones are located errors --------------------------
cd "$SLURM_PROJ" || exit 2
cat >pipe.yaml <<'YAML'
stages:
  hold:
    cmd: sleep 30
    resources: {cpus: 2, mem: 512M, time: "0:07:00", constraint: "", qos: normal}
YAML
sed -i 's/, constraint: ""//; s/, qos: normal//' pipe.yaml
start_bg "$SCRATCH/hold.out" "$SCRATCH/hold.err" "$PIPE" repro --executor slurm
for _ in $(seq 100); do squeue -h -o %i | grep -q . && break; sleep 0.1; done
job=$(squeue -h -o %i | head -1)
details=$(scontrol -o show job "$job")
assert_contains "cpus reach sbatch" "$details" "NumCPUs=2"
assert_contains "mem reaches sbatch" "$details" "MinMemoryNode=512M"
assert_contains "time reaches sbatch" "$details" "TimeLimit=00:07:00"
assert_contains "the job carries the project and stage in its comment" "$details" "Comment=pipe:"
assert_contains "the log goes to .pipe/logs" "$details" "StdOut=$SLURM_PROJ/.pipe/logs/hold.log"
# Ctrl-C: every job cancelled, and pipe waits until the queue is empty.
kill -INT "$BG_PID"
wait_exit "$BG_PID" 30
assert_eq "Ctrl-C exits 130" "130" "$BG_RC"
assert_eq "Ctrl-C leaves no job in the queue" "" "$(squeue -h -o %i)"

# SIGKILL leaves the job; the next run cancels it before it submits anything.
start_bg "$SCRATCH/kill.out" "$SCRATCH/kill.err" "$PIPE" repro --executor slurm
for _ in $(seq 100); do squeue -h -o %i | grep -q . && break; sleep 0.1; done
kill -KILL "$BG_PID"
wait_exit "$BG_PID" 10
left_job=$(squeue -h -o %i)
assert_ne "a killed pipe leaves its job running" "" "$left_job"
sed -i 's/sleep 30/true/' pipe.yaml
expect_exit 0 pipe repro --executor slurm
assert_contains "the next run cancels what the killed one left" "$ALL" "Cancelling 1 Slurm job(s) an interrupted run left: $left_job"
assert_eq "and the queue is empty after it" "" "$(squeue -h -o %i)"

cat >pipe.yaml <<'YAML'
stages:
  big:
    cmd: true
    resources:
      mem: 4X
YAML
expect_exit 3 pipe repro --executor slurm
assert_contains "a bad mem is a located error" "$ERR" "pipe.yaml:5:12: stage 'big': 'mem: 4X' is not a memory size"
printf 'stages:\n  t:\n    cmd: "true"\n    resources: {time: soon}\n' >pipe.yaml
expect_exit 3 pipe dag
assert_contains "a bad time too, for every command" "$ERR" "pipe.yaml:4:23: stage 't': 'time: soon' is not a time limit"
printf 'stages:\n  t:\n    cmd: "true"\n    resources: {sbatch_args: [--output=/tmp/x]}\n' >pipe.yaml
expect_exit 3 pipe dag
assert_contains "an sbatch flag pipe sets itself is refused" "$ERR" "'--output' in 'sbatch_args' is one pipe sets for every job"

# An output the job did not leave where pipe can see it.
printf 'stages:\n  lost:\n    cmd: "true"\n    outs: [lost.txt]\n' >pipe.yaml
expect_exit 1 pipe repro --executor slurm
assert_contains "an output pipe cannot see is an error that says why" "$ERR" \
  "declared output 'lost.txt' is not here: the job did not create it, or wrote it where this host cannot see it"

# --- Failures in words, with -k; a time limit -----------------------------------
cat >pipe.yaml <<'YAML'
stages:
  broken:
    cmd: sh -c 'echo about to fail; exit 7'
    outs: [never.txt]
  late:
    cmd: sleep 300
    outs: [late.txt]
    resources: {time: 1}
  fine:
    cmd: echo fine > fine.txt
    outs: [fine.txt]
  after:
    cmd: cat fine.txt > after.txt
    deps: [fine.txt]
    outs: [after.txt]
YAML
start=$SECONDS
PIPE_TIMEOUT=200 expect_exit 1 pipe repro --executor slurm -k -j 4
assert_contains "a failing stage: the job's exit code, in words" "$ERR" "stage 'broken' failed: Slurm job"
assert_contains "FAILED with its exit code" "$ERR" "FAILED: exit code 7"
assert_contains "and where its log is" "$ERR" ".pipe/logs/broken.log"
assert_contains "its output reached the log" "$(cat .pipe/logs/broken.log)" "about to fail"
assert_contains "a stage past its time limit: TIMEOUT, in words" "$ERR" "TIMEOUT: it ran past its time limit (time: 1)"
assert_file "with -k the independent branch ran" after.txt
echo "# the time-limit case took $((SECONDS - start)) s (Slurm enforces limits by the minute)"

# --- With accounting: sacct's figures ---------------------------------------------
stop_slurm
bash "$SERVERS/slurm.sh" start "$SL/acct" --acct || { fail "Slurm with accounting starts"; finish; }
export SLURM_CONF=$SL/acct/slurm.conf
cat >pipe.yaml <<'YAML'
stages:
  measured:
    cmd: /usr/bin/python3 -c "import time; x = bytearray(50 * 1024 * 1024); time.sleep(3); open('m.txt', 'w').write('ok')"
    outs: [m.txt]
YAML
expect_exit 0 pipe repro --executor slurm
measured=$(sqlite3 .pipe/lineage.db "select executor from executions where stage = 'measured' order by id desc limit 1")
assert_match "sacct's MaxRSS is recorded (50 MiB allocated)" "$measured" '"max_rss_kb":[5-9][0-9]{4}'
assert_match "and its CPU time" "$measured" '"cpu_seconds":[0-9]'
assert_contains "and the cluster" "$measured" '"cluster":"pipetest"'
assert_contains "and the partition" "$measured" '"partition":"debug"'

finish
