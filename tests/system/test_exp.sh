#!/usr/bin/env bash
# `pipe exp run -S`: params overridden in place (comments and layout kept),
# the run recorded with its overrides; unknown keys and paths out of the
# project refused clearly; `exp show`; and sweeps, each experiment in a copy
# of the workspace, -j at once, with Ctrl-C leaving the workspace whole.
source "$(dirname "$0")/lib.sh" "$@"

new_project
git init -q .
cat >params.yaml <<'EOF'
# training params
train:
  lr: 0.1   # learning rate
  epochs: 3
EOF
printf '{\n  "seed": 1\n}\n' >other.json
cat >pipe.yaml <<'EOF'
stages:
  train:
    cmd: grep 'lr:' params.yaml >model.txt && cat other.json >>model.txt
    params:
    - train.lr
    - train.epochs
    - other.json:
      - seed
    outs: [model.txt]
EOF
expect_exit 0 pipe repro
expect_exit 0 pipe exp run -S train.lr=0.25 -S other.json:seed=7 --name faster
assert_contains "the stage runs with the new params" "$(cat model.txt)" "lr: 0.25   # learning rate"
assert_contains "the other params file too" "$(cat model.txt)" '"seed": 7'
assert_eq "the params file keeps its comments and layout" "$(printf '# training params\ntrain:\n  lr: 0.25   # learning rate\n  epochs: 3')" "$(cat params.yaml)"
assert_contains "the experiment is named" "$OUT" "Experiment faster: train.lr=0.25, other.json:seed=7"
expect_exit 0 pipe log -n 1 --json
assert_contains "the run records the overrides with its command line" "$OUT" 'train.lr=0.25'
expect_exit 0 pipe status
assert_contains "afterwards the workspace is up to date" "$OUT" "up to date"

expect_exit 3 pipe exp run -S train.momentum=0.9
assert_contains "a key the file lacks is refused" "$ERR" "params.yaml: has no 'train.momentum'"
assert_contains "lr is untouched by the refused run" "$(cat params.yaml)" "lr: 0.25"
expect_exit 3 pipe exp run -S train=1
assert_contains "a mapping is refused, saying where" "$ERR" "params.yaml:3:3: 'train' is a mapping"
expect_exit 2 pipe exp run -S ../outside.yaml:x=1
assert_contains "a params file outside the project is refused" "$ERR" "outside.yaml"
expect_exit 2 pipe exp run -S lr
assert_contains "a -S without '=' says the forms" "$ERR" "KEY=VALUE"

# exp show: the experiments with their params and metrics, and a baseline.
cat >train.py <<'EOF'
import json, re
lr = float(re.search(r"lr: ([0-9.]+)", open("params.yaml").read()).group(1))
json.dump({"acc": round(1 - lr, 3)}, open("metrics.json", "w"))
EOF
cat >pipe.yaml <<EOF
stages:
  train:
    cmd: $PY train.py
    deps: [train.py]
    params: [train.lr, train.epochs]
    metrics:
    - metrics.json:
        cache: false
EOF
expect_exit 0 pipe exp run -S train.lr=0.1
expect_exit 0 pipe exp run -S train.lr=0.3 -n slow
expect_exit 0 pipe exp run -S train.lr=0.05 -n careful
expect_exit 0 pipe exp show --json
"$PY" - "$OUT" <<'PYEOF2' || fail "exp show --json has every experiment's params and metrics"
import json, sys
rows = json.loads(sys.argv[1])
assert rows[0]["baseline"] and rows[0]["name"] == "baseline", rows[0]
named = {r["name"]: r for r in rows}
assert named["slow"]["params"]["train.lr"] == 0.3 and named["slow"]["metrics"]["acc"] == 0.7, named["slow"]
assert named["careful"]["metrics"]["acc"] == 0.95 and named["careful"]["overrides"] == ["train.lr=0.05"], named["careful"]
PYEOF2
expect_exit 0 pipe exp show --sort-by acc --sort-order desc --metric acc --param train.lr --csv
assert_contains "CSV with the chosen columns" "$OUT" "Experiment,Run,Created,train.lr,acc"
first=$(printf '%s\n' "$OUT" | sed -n 3p | cut -d, -f1)
assert_eq "sorted by acc, best first (after the baseline)" "careful" "$first"
expect_exit 0 pipe exp show --only-changed --md
assert_not_contains "--only-changed leaves out columns equal everywhere" "$OUT" "train.epochs"
assert_contains "a Markdown table" "$OUT" "|---|"
expect_exit 2 pipe exp show --sort-by nothing
assert_contains "an unknown sort column lists the columns" "$ERR" "the columns are:"

# A sweep: 6 experiments of a 1-second stage, 2 at once, each in a copy.
git add -A && git commit -qm "before the sweep"
# Each run notes when it started and ended, outside its copy, so the test
# sees how many ran at once, whatever the machine's load.
sed -i 's/^json.dump/import os, time; t0 = time.time(); time.sleep(1)\nspans = os.environ.get("SPANS")\nif spans: open(spans, "a").write(f"{t0} {time.time()}\\n")\njson.dump/' train.py
cat >>pipe.yaml <<'EOF'
models:
  clf:
    path: metrics.json
EOF
sed -i 's/cache: false/cache: true/' pipe.yaml
git add -A && git commit -qm "slow stage, a model"
expect_exit 0 pipe repro
params_before=$(cat params.yaml)
versions_before=$(pipe model list --json | "$PY" -c 'import json,sys; print(sum(m["versions"] for m in json.load(sys.stdin)))')
export SPANS=$SCRATCH/spans.txt
expect_exit 0 pipe exp run -S 'train.lr=range(0.5,0.8,0.05)' -j 2 --name lrs
unset SPANS
assert_contains "the sweep runs six experiments" "$OUT" "6 of 6 experiments succeeded"
most=$(max_overlap "$SCRATCH/spans.txt")
assert_eq "two experiments run at once, never more (-j 2)" "2" "$most"
assert_eq "six stage runs in all" "6" "$(wc -l <"$SCRATCH/spans.txt")"
assert_eq "the workspace's params are untouched" "$params_before" "$(cat params.yaml)"
expect_exit 0 pipe exp show --json
"$PY" - "$OUT" <<'PYEOF2' || fail "exp show lists the six experiments with their params and metrics"
import json, sys
rows = [r for r in json.loads(sys.argv[1]) if r["name"].startswith("lrs-")]
assert len(rows) == 6, [r["name"] for r in rows]
for r in rows:
    assert abs(r["metrics"]["acc"] - round(1 - r["params"]["train.lr"], 3)) < 1e-9, r
assert sorted(r["params"]["train.lr"] for r in rows) == [0.5, 0.55, 0.6, 0.65, 0.7, 0.75], rows
PYEOF2
versions_after=$(pipe model list --json | "$PY" -c 'import json,sys; print(sum(m["versions"] for m in json.load(sys.stdin)))')
assert_eq "experiments make no model versions until applied or committed" "$versions_before" "$versions_after"
assert_file "each experiment has a log" .pipe/logs/exp-lrs-3.log
assert_true "no copy is left behind" test -z "$(ls .pipe/tmp/exps 2>/dev/null)"
expect_exit 0 pipe audit verify

# Ctrl-C in the middle of a sweep: the workspace is whole.
start_bg "$SCRATCH/sw.out" "$SCRATCH/sw.err" "$PIPE" exp run -S 'train.lr=0.11,0.12,0.13,0.14' -j 2
sweep_pid=$BG_PID
copies_exist() { [ -n "$(ls .pipe/tmp/exps 2>/dev/null)" ]; }
wait_for 15 copies_exist || fail "the interrupted sweep starts" "$(cat "$SCRATCH/sw.err")"
sleep 0.5
kill -INT -- "-$sweep_pid"
wait_exit "$sweep_pid" 20
assert_eq "an interrupted sweep exits 130" "130" "$BG_RC"
assert_eq "the workspace's params are untouched" "$params_before" "$(cat params.yaml)"
expect_exit 0 pipe status

# kill -9 of a sweep leaves its copies (nobody is left to remove them); the
# next sweep removes them, their maker being gone.
start_bg "$SCRATCH/sk.out" "$SCRATCH/sk.err" "$PIPE" exp run -S 'train.lr=0.15,0.16' -j 2
sweep_pid=$BG_PID
wait_for 15 copies_exist || fail "the killed sweep starts" "$(cat "$SCRATCH/sk.err")"
kill -KILL -- "-$sweep_pid"
wait_exit "$sweep_pid" 20
assert_true "(setup) a killed sweep leaves its copies" copies_exist
assert_eq "the workspace's params are untouched" "$params_before" "$(cat params.yaml)"
expect_exit 0 pipe exp run -S train.lr=0.21,0.22 -j 2 --json
assert_true "the next sweep clears the killed one's copies" test -z "$(ls .pipe/tmp/exps 2>/dev/null)"
"$PY" - "$OUT" <<'PYEOF2' || fail "a sweep's --json lists each experiment's outcome"
import json, sys
out = json.loads(sys.argv[1])
assert out["exit_code"] == 0 and out["planned"] == 2, out
assert [e["overrides"] for e in out["experiments"]] == [["params.yaml:train.lr=0.21"], ["params.yaml:train.lr=0.22"]], out
assert all(e["ok"] and e["log"].startswith(".pipe/logs/exp-") for e in out["experiments"]), out
PYEOF2
expect_exit 0 pipe audit verify

# exp diff and exp apply: an experiment of the sweep back into the workspace.
expect_exit 0 pipe exp diff lrs-1 lrs-3
assert_contains "exp diff gives the params that differ" "$OUT" "train.lr: 0.5 -> 0.6 (+0.1)"
assert_contains "and the metrics, with deltas" "$OUT" "acc: 0.5 -> 0.4 (-0.1)"
expect_exit 0 pipe exp diff lrs-3 --json
assert_contains "against the baseline by default, as JSON" "$OUT" '"b": "baseline"'
versions_before=$(pipe model list --json | "$PY" -c 'import json,sys; print(sum(m["versions"] for m in json.load(sys.stdin)))')
expect_exit 0 pipe exp apply lrs-3
assert_contains "apply restores the outputs from the run-cache, running nothing" "$OUT" "restored from run-cache"
assert_not_contains "no stage runs" "$OUT" "Running stage"
assert_contains "the params file has the experiment's value, its comment kept" "$(cat params.yaml)" "lr: 0.6   # learning rate"
assert_eq "the metrics are the experiment's, byte for byte" '{"acc": 0.4}' "$(cat metrics.json)"
expect_exit 0 pipe status
assert_contains "the workspace is up to date afterwards" "$OUT" "up to date"
versions_after=$(pipe model list --json | "$PY" -c 'import json,sys; print(sum(m["versions"] for m in json.load(sys.stdin)))')
assert_eq "an applied experiment counts in model versioning" "$((versions_before + 1))" "$versions_after"
expect_exit 0 pipe model show clf --json
"$PY" - "$OUT" <<'PYEOF2' || fail "the applied version records the experiment it came from"
import json, sys
v = json.loads(sys.argv[1])
e = v["experiment"]
assert e["name"] == "lrs-3" and e["overrides"] == ["params.yaml:train.lr=0.6"] and e["run"] > 0, v
assert v["basis"]["experiment"] == e, v
PYEOF2
expect_exit 0 pipe model show clf
assert_contains "model show says which experiment the version came from" "$OUT" "from:     experiment lrs-3 (run "
expect_exit 2 pipe exp apply lrs-99
assert_contains "an unknown experiment lists those there are" "$ERR" "there are: "

# exp branch: a git branch whose commit holds the experiment's params and
# lock; the workspace is not touched, and the branch checks out whole.
git add -A && git commit -qm "lrs-3 applied"
head_before=$(git rev-parse HEAD)
expect_exit 0 pipe exp branch lrs-2 try-lrs-2
assert_contains "exp branch names the branch" "$OUT" "Branch try-lrs-2 holds experiment lrs-2"
assert_eq "the workspace stays on its commit" "$head_before" "$(git rev-parse HEAD)"
assert_eq "and unchanged" "" "$(git status --porcelain)"
assert_eq "the branch is one commit off HEAD" "$head_before" "$(git rev-parse try-lrs-2~1)"
assert_eq "it changes the params file, the lock and the tracked metrics" "metrics.json params.yaml pipe.lock" "$(git diff --name-only HEAD try-lrs-2 | tr '\n' ' ' | sed 's/ $//')"
assert_contains "with the experiment's value" "$(git show try-lrs-2:params.yaml)" "lr: 0.55   # learning rate"
assert_contains "its message names the experiment and its overrides" "$(git log -1 --format=%B try-lrs-2)" "-S params.yaml:train.lr=0.55"
assert_eq "no worktree is left" "1" "$(git worktree list | wc -l)"
expect_exit 2 pipe exp branch lrs-2 try-lrs-2
assert_contains "an existing branch is refused" "$ERR" "branch 'try-lrs-2' exists already"
expect_exit 2 pipe exp branch lrs-2 'bad..name'
assert_contains "a bad branch name is refused" "$ERR" "not a valid branch name"
git checkout -q try-lrs-2
expect_exit 0 pipe checkout
assert_eq "checked out, the branch has the experiment's metrics, byte for byte" '{"acc": 0.45}' "$(cat metrics.json)"
expect_exit 0 pipe status
assert_contains "and is up to date" "$OUT" "up to date"
git checkout -q -
expect_exit 0 pipe checkout
expect_exit 2 pipe exp branch lrs-2 '@{-1}'
assert_contains "a branch name git would expand is refused" "$ERR" "not a valid branch name"

# An experiment that ran on changes HEAD lacks: the branch would not hold
# its results, so none is made.
cp train.py "$SCRATCH/train.py.orig"
sed -i 's/1 - lr/2 - lr/' train.py
expect_exit 0 pipe exp run -S train.lr=0.58 -n uncommitted
git checkout -q -- .
expect_exit 0 pipe checkout
expect_exit 1 pipe exp branch uncommitted
assert_contains "exp branch says the experiment ran on other files" "$ERR" "it ran on files HEAD does not have"
assert_true "and makes no branch" test -z "$(git branch --list uncommitted)"
assert_eq "no worktree is left" "1" "$(git worktree list | wc -l)"
expect_exit 2 pipe exp run -S train.lr=0.59 -n uncommitted
assert_contains "a name in use is refused for a workspace run too" "$ERR" "an experiment named 'uncommitted' exists already"

# A project in a subfolder of its git repository.
mkdir -p "$SCRATCH/mono/proj" && cd "$SCRATCH/mono" && git init -q . && cd proj
printf 'x: 1\n' >params.yaml
printf 'stages:\n  s:\n    cmd: cp params.yaml out.txt\n    params: [x]\n    outs: [out.txt]\n' >pipe.yaml
expect_exit 0 pipe repro
git add -A && git commit -qm "a project in a subfolder"
expect_exit 0 pipe exp run -S x=2 -n two
git checkout -q -- . && expect_exit 0 pipe checkout
expect_exit 0 pipe exp branch two b-two
assert_eq "the branch of a subfolder project holds its params" "x: 2" "$(git show b-two:proj/params.yaml)"
assert_eq "and the workspace keeps its own" "x: 1" "$(cat params.yaml)"
assert_eq "(the workspace config is untouched)" "" "$(pipe config --local cache.dir 2>/dev/null)"
finish
