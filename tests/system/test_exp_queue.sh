#!/usr/bin/env bash
# The experiment queue: `exp run --queue` adds, `exp run --run-all -j N`
# runs them side by side in copies of the workspace; `exp queue`, `exp
# logs`, `exp kill`; a queue stopped by Ctrl-C or killed outright resumes on
# the next --run-all; `exp remove` and `exp clean`.
source "$(dirname "$0")/lib.sh" "$@"

new_project
git init -q .
cat >params.yaml <<'EOF'
train:
  lr: 0.1   # learning rate
EOF
# The stage notes when it ran (SPANS), and waits while the file HOLD names
# exists, so a test can catch an experiment mid-run.
cat >train.py <<'EOF'
import json, os, re, time
t0 = time.time()
hold = os.environ.get("HOLD")
while hold and os.path.exists(hold):
    time.sleep(0.1)
time.sleep(float(os.environ.get("STAGE_SECONDS", "0")))
spans = os.environ.get("SPANS")
if spans:
    open(spans, "a").write(f"{t0} {time.time()}\n")
lr = float(re.search(r"lr: ([0-9.]+)", open("params.yaml").read()).group(1))
json.dump({"acc": round(1 - lr, 3)}, open("metrics.json", "w"))
EOF
cat >pipe.yaml <<EOF
stages:
  train:
    cmd: $PY train.py
    deps: [train.py]
    params: [train.lr]
    metrics: [metrics.json]
EOF
git add -A && git commit -qm "a project"
expect_exit 0 pipe repro
git add -A && git commit -qm "its lock"
params_before=$(cat params.yaml)

# Queueing runs nothing.
export SPANS=$SCRATCH/spans.txt
expect_exit 0 pipe exp run --queue -S 'train.lr=0.2,0.3,0.4' --name q
assert_contains "each experiment of the grid is queued" "$OUT" "Queued experiment q-3: params.yaml:train.lr=0.4"
expect_exit 0 pipe exp run --queue -S train.lr=0.5 --json
single=$("$PY" -c 'import json,sys; print(json.loads(sys.argv[1])["queued"][0]["id"])' "$OUT")
assert_true "an unnamed experiment gets an id" test -n "$single"
assert_true "nothing ran yet" test ! -e "$SPANS"
expect_exit 2 pipe exp run --queue -S train.lr=0.6 --name q-1
assert_contains "a name already queued is refused" "$ERR" "an experiment named 'q-1' exists already"
expect_exit 2 pipe exp run --queue --dry -S train.lr=0.6
assert_contains "--dry cannot be queued: it would record nothing that ran" "$ERR" "--dry cannot be used with a sweep or the queue"
assert_eq "git does not see the queue (.pipe/.gitignore)" "" "$(git status --porcelain)"
expect_exit 0 pipe exp show --json
"$PY" - "$OUT" <<'PYEOF' || fail "exp show lists what waits in the queue, with its params from -S"
import json, sys
rows = {r["name"]: r for r in json.loads(sys.argv[1])}
q = rows["q-3"]
assert q["state"] == "queued" and q["run"] is None and q["params"]["train.lr"] == 0.4 and q["metrics"] == {}, q
assert "state" not in rows["baseline"], rows["baseline"]
PYEOF
expect_exit 0 pipe exp show
assert_contains "the text table marks queued rows" "$OUT" "q-2 (queued)"
expect_exit 0 pipe exp show --no-queued
assert_not_contains "--no-queued leaves them out" "$OUT" "q-2"
expect_exit 0 pipe exp queue
assert_contains "exp queue lists what waits" "$OUT" "q-2"
assert_contains "with its state" "$OUT" "queued"
assert_contains "and says how to run it" "$OUT" "'pipe exp run --run-all' runs the 4 waiting"

# --run-all: four experiments of a 1-second stage, two at once.
export STAGE_SECONDS=1
expect_exit 0 pipe exp run --run-all -j 2
unset STAGE_SECONDS
assert_contains "the queue runs" "$OUT" "4 of 4 experiments succeeded"
most=$(max_overlap "$SPANS")
assert_eq "two run at once, never more (-j 2)" "2" "$most"
assert_eq "four stage runs" "4" "$(wc -l <"$SPANS")"
assert_eq "the workspace's params are untouched" "$params_before" "$(cat params.yaml)"
expect_exit 0 pipe exp queue --json
"$PY" - "$OUT" "$single" <<'PYEOF' || fail "exp queue --json: each finished, with its log"
import json, sys
out = json.loads(sys.argv[1])
assert not out["worker_running"], out
states = {e["name"] or e["id"]: e for e in out["experiments"]}
assert set(states) == {"q-1", "q-2", "q-3", sys.argv[2]}, states
assert all(e["state"] == "success" and e["exit_code"] == 0 for e in states.values()), states
assert states["q-2"]["log"] == ".pipe/logs/exp-%s.log" % states["q-2"]["id"], states["q-2"]
PYEOF
q2_log=$("$PY" -c 'import json,sys; print([e["log"] for e in json.loads(sys.argv[1])["experiments"] if e["name"] == "q-2"][0])' "$OUT")
expect_exit 0 pipe exp show --json
"$PY" - "$OUT" <<'PYEOF' || fail "exp show has the queued experiments' params and metrics"
import json, sys
rows = {r["name"]: r for r in json.loads(sys.argv[1])}
assert rows["q-3"]["params"]["train.lr"] == 0.4 and rows["q-3"]["metrics"]["acc"] == 0.6, rows
assert rows["q-1"]["metrics"]["acc"] == 0.8, rows
PYEOF
expect_exit 0 pipe exp logs q-2
assert_contains "exp logs prints what the experiment's commands said" "$OUT" '$ pipe exp run -j 1 -S params.yaml:train.lr=0.3 --name q-2'
expect_exit 0 pipe exp run --run-all
assert_contains "an empty queue says so" "$OUT" "The queue is empty"
rm -f "$SPANS"

# exp kill: the running experiment stops and is recorded as killed; the
# next one in the queue runs.
export HOLD=$SCRATCH/hold
touch "$HOLD"
expect_exit 0 pipe exp run --queue -S train.lr=0.61 -n held
expect_exit 0 pipe exp run --queue -S train.lr=0.62 -n after
expect_exit 0 pipe exp run --queue -S train.lr=0.63 -n dropped
start_bg "$SCRATCH/k.out" "$SCRATCH/k.err" "$PIPE" exp run --run-all -j 1
worker=$BG_PID
running() { run pipe exp queue --json; "$PY" -c 'import json,sys; sys.exit(0 if any(e["state"] == "running" and e["name"] == sys.argv[2] for e in json.loads(sys.argv[1])["experiments"]) else 1)' "$OUT" "$1"; }
wait_for 20 running held || fail "the held experiment starts" "$(cat "$SCRATCH/k.err")"
expect_exit 4 pipe exp run --run-all
assert_contains "a second worker is refused while one runs" "$ERR" "another 'pipe exp run --run-all' is running"
expect_exit 0 pipe exp queue
assert_contains "exp queue shows the running one" "$OUT" "running"
expect_exit 2 pipe exp remove held dropped
assert_contains "a running experiment cannot be removed" "$ERR" "pipe exp kill held"
assert_contains "and nothing else is removed with it" "$ERR" "nothing was removed"
expect_exit 0 pipe exp remove dropped
assert_contains "a waiting one can be, while the queue runs" "$OUT" "Removed dropped from the queue"
expect_exit 0 pipe exp kill held
assert_contains "exp kill stops it" "$OUT" "Stopping experiment held"
rm -f "$HOLD"
wait_exit "$worker" 30
assert_eq "a queue with a killed experiment exits 1" "1" "$BG_RC"
expect_exit 0 pipe exp queue --json
"$PY" - "$OUT" <<'PYEOF' || fail "the killed experiment is recorded as killed, the next ran"
import json, sys
states = {e["name"]: e["state"] for e in json.loads(sys.argv[1])["experiments"]}
assert states["held"] == "killed" and states["after"] == "success", states
assert "dropped" not in states, states
PYEOF
expect_exit 0 pipe exp show --json
assert_not_contains "the experiment removed from the queue while it ran never ran" "$OUT" '"dropped"'

assert_eq "the workspace is untouched by the kill" "$params_before" "$(cat params.yaml)"
assert_true "no copy is left behind" test -z "$(ls .pipe/tmp/exps 2>/dev/null)"
expect_exit 0 pipe status
assert_contains "the workspace is whole" "$OUT" "up to date"

# A worker killed outright (kill -9): its experiment goes on as an orphan,
# still marked running. The next --run-all stops the orphan and runs the
# experiment again.
touch "$HOLD"
expect_exit 0 pipe exp run --queue -S train.lr=0.71 -n orphaned
expect_exit 0 pipe exp run --queue -S train.lr=0.72 -n waiting
start_bg "$SCRATCH/o.out" "$SCRATCH/o.err" "$PIPE" exp run --run-all -j 1
worker=$BG_PID
wait_for 20 running orphaned || fail "the experiment starts" "$(cat "$SCRATCH/o.err")"
orphan=$("$PY" -c 'import json,sys; print([e["pid"] for e in json.loads(sys.argv[1])["experiments"] if e["name"] == "orphaned"][0])' "$OUT")
kill -KILL "$worker"
wait_exit "$worker" 10
assert_true "(setup) the experiment outlives its worker" kill -0 "$orphan"
expect_exit 0 pipe exp queue
assert_contains "the queue still shows it running" "$OUT" "running"
rm -f "$HOLD"
expect_exit 0 pipe exp run --run-all -j 1
assert_contains "the next run resumes what the killed queue left" "$ERR" "Resumed 1 experiment(s)"
assert_contains "and runs both" "$OUT" "2 of 2 experiments succeeded"
gone() { ! kill -0 "$orphan" 2>/dev/null || grep -q '^State:.*Z' "/proc/$orphan/status" 2>/dev/null; }
wait_for 10 gone || fail "the orphan of the killed queue is stopped"
expect_exit 0 pipe exp show --json
assert_contains "the resumed experiment is recorded" "$OUT" '"orphaned"'

# exp kill after its worker was killed outright: the experiment is
# recorded as killed at once, and the next --run-all does not run it.
touch "$HOLD"
expect_exit 0 pipe exp run --queue -S train.lr=0.75 -n stuck
start_bg "$SCRATCH/s.out" "$SCRATCH/s.err" "$PIPE" exp run --run-all -j 1
worker=$BG_PID
wait_for 20 running stuck || fail "the experiment starts" "$(cat "$SCRATCH/s.err")"
stuck_pid=$("$PY" -c 'import json,sys; print([e["pid"] for e in json.loads(sys.argv[1])["experiments"] if e["name"] == "stuck"][0])' "$OUT")
kill -KILL "$worker"
wait_exit "$worker" 10
expect_exit 0 pipe exp kill stuck
assert_contains "exp kill stops the orphan" "$OUT" "Stopping experiment stuck"
stuck_gone() { ! kill -0 "$stuck_pid" 2>/dev/null || grep -q '^State:.*Z' "/proc/$stuck_pid/status" 2>/dev/null; }
wait_for 10 stuck_gone || fail "the orphan stops"
expect_exit 0 pipe exp queue --json
assert_contains "and records it killed, with no worker to do so" "$OUT" '"state": "killed"'
rm -f "$HOLD"
expect_exit 0 pipe exp run --run-all
assert_contains "the next --run-all runs nothing" "$OUT" "The queue is empty"

# A queue file is data: its log field is never trusted.
printf '{"id":"0badc0de","name":"evil","sets":[],"args":[],"state":"success","queued_ns":1,"started_ns":1,"ended_ns":2,"exit_code":0,"pid":0,"host":"","log":"../victim.txt","error":""}\n' >.pipe/exps/queue/0badc0de.json
echo "secret" >../victim.txt
expect_exit 0 pipe exp logs evil
assert_not_contains "exp logs reads no file outside the project" "$OUT" "secret"
expect_exit 0 pipe exp remove evil
assert_true "exp remove deletes no file outside the project" test -e ../victim.txt
rm -f ../victim.txt

# Ctrl-C: the running experiment is interrupted, the rest wait; the next
# --run-all runs both.
touch "$HOLD"
expect_exit 0 pipe exp run --queue -S train.lr=0.81 -n first
expect_exit 0 pipe exp run --queue -S train.lr=0.82 -n second
start_bg "$SCRATCH/c.out" "$SCRATCH/c.err" "$PIPE" exp run --run-all -j 1
worker=$BG_PID
wait_for 20 running first || fail "the experiment starts" "$(cat "$SCRATCH/c.err")"
kill -INT -- "-$worker"
wait_exit "$worker" 20
assert_eq "an interrupted queue exits 130" "130" "$BG_RC"
expect_exit 0 pipe exp queue --json
"$PY" - "$OUT" <<'PYEOF' || fail "Ctrl-C leaves the running one interrupted and the next queued"
import json, sys
states = {e["name"]: e["state"] for e in json.loads(sys.argv[1])["experiments"]}
assert states["first"] == "interrupted" and states["second"] == "queued", states
PYEOF
rm -f "$HOLD"
expect_exit 0 pipe exp run --run-all -j 2 --json
"$PY" - "$OUT" <<'PYEOF' || fail "the next --run-all runs the interrupted one and the rest"
import json, sys
out = json.loads(sys.argv[1])
assert out["exit_code"] == 0 and out["resumed"] == 1, out
assert sorted(e["name"] for e in out["experiments"]) == ["first", "second"], out
PYEOF
unset HOLD

# exp remove and exp clean.
expect_exit 0 pipe exp run --queue -S train.lr=0.91 -n never
expect_exit 0 pipe exp remove q-1
assert_contains "exp remove takes a run experiment off the table" "$OUT" "Removed experiment q-1"
expect_exit 0 pipe exp show --json
assert_not_contains "exp show leaves it out" "$OUT" '"q-1"'
assert_contains "and keeps the others" "$OUT" '"q-2"'
expect_exit 2 pipe exp apply q-1
assert_contains "a removed experiment cannot be applied" "$ERR" "no experiment 'q-1'"
expect_exit 0 pipe audit verify
assert_contains "the lineage store keeps its run: the audit chain is whole" "$OUT" "Lineage chain intact"
expect_exit 0 pipe exp remove --queued
assert_contains "--queued removes what waits" "$OUT" "Removed never from the queue"
expect_exit 0 pipe exp clean
assert_contains "exp clean removes the finished entries" "$OUT" "Removed 10 finished queue entries"
expect_exit 0 pipe exp queue
assert_contains "the queue is empty afterwards" "$OUT" "The queue is empty"
assert_true "the finished experiments' logs go with them" test ! -e "$q2_log"
expect_exit 2 pipe exp kill nosuch
assert_contains "an unknown name is refused" "$ERR" "no queued experiment 'nosuch'"
expect_exit 2 pipe exp run --run-all -S train.lr=1
assert_contains "--run-all with -S says how to queue" "$ERR" "queue with 'pipe exp run --queue"
finish
