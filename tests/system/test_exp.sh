#!/usr/bin/env bash
# `pipe exp run -S`: params overridden in place (comments and layout kept),
# the run recorded with its overrides; sweeps, unknown keys and paths out of
# the project refused clearly.
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

expect_exit 2 pipe exp run -S train.lr=0.1,0.2
assert_contains "a sweep says it needs one value per -S here" "$ERR" "sweep of 2 experiments"
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
finish
