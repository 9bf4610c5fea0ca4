#!/usr/bin/env bash
# `pipe metrics diff` and `pipe params diff` across git revisions (as DVC's
# do) and experiments: values read from git at a revision, a metrics file
# pipe caches read from the cache by that revision's pipe.lock, and an
# experiment's from the lineage store.
source "$(dirname "$0")/lib.sh" "$@"

new_project
git init -q .
printf 'train:\n  lr: 0.1\n  epochs: 3\n' >params.yaml
cat >train.py <<'EOF'
import json, re
lr = float(re.search(r"lr: ([0-9.]+)", open("params.yaml").read()).group(1))
json.dump({"acc": round(1 - lr, 3)}, open("metrics.json", "w"))
json.dump({"loss": round(lr * 2, 3)}, open("scores.json", "w"))
EOF
cat >pipe.yaml <<EOF
stages:
  train:
    cmd: $PY train.py
    deps: [train.py]
    params: [train.lr, train.epochs]
    metrics:
    - metrics.json
    - scores.json:
        cache: false
EOF
expect_exit 0 pipe repro
git add -A && git commit -qm "lr 0.1"
sed -i 's/lr: 0.1/lr: 0.3/' params.yaml
expect_exit 0 pipe repro
git add -A && git commit -qm "lr 0.3"
assert_true "(setup) the cached metrics file is not in git" test -z "$(git ls-files metrics.json)"

expect_exit 0 pipe params diff HEAD~1 HEAD --json
"$PY" - "$OUT" <<'PYEOF' || fail "params diff between two revisions gives the changed param"
import json, sys
rows = {r["name"]: r for r in json.loads(sys.argv[1])["params"]}
assert set(rows) == {"params.yaml:train.lr"}, rows
assert rows["params.yaml:train.lr"]["old"] == 0.1 and rows["params.yaml:train.lr"]["new"] == 0.3, rows
PYEOF
expect_exit 0 pipe metrics diff HEAD~1 HEAD --json
"$PY" - "$OUT" <<'PYEOF' || fail "metrics diff between two revisions reads git and the cache"
import json, sys
rows = {r["name"]: r for r in json.loads(sys.argv[1])["metrics"]}
assert rows["metrics.json:acc"]["old"] == 0.9 and rows["metrics.json:acc"]["new"] == 0.7, rows
assert rows["scores.json:loss"]["old"] == 0.2 and rows["scores.json:loss"]["new"] == 0.6, rows
PYEOF
expect_exit 0 pipe metrics diff HEAD~1
assert_contains "against the workspace by default, the sides named first" "$OUT" "HEAD~1 -> workspace"
assert_contains "the text form gives old and new" "$OUT" "metrics.json:acc  0.9 -> 0.7"
expect_exit 0 pipe metrics diff --json
"$PY" - "$OUT" <<'PYEOF' || fail "with no sides, HEAD against the workspace (as DVC's), which do not differ"
import json, sys
out = json.loads(sys.argv[1])
assert out["from"] == "HEAD" and out["to"] == "workspace" and out["metrics"] == [], out
PYEOF
expect_exit 2 pipe params diff -- -h
assert_contains "a side that looks like an option is not given to git" "$ERR" "neither a git revision"
assert_true "no snapshot is left in .pipe/tmp" test -z "$(ls .pipe/tmp 2>/dev/null)"

# Experiments, and a revision against an experiment.
expect_exit 0 pipe exp run -S train.lr=0.5 -n half
expect_exit 0 pipe metrics diff HEAD half --json
"$PY" - "$OUT" <<'PYEOF' || fail "metrics diff from a revision to an experiment"
import json, sys
out = json.loads(sys.argv[1])
rows = {r["name"]: r for r in out["metrics"]}
assert out["from"] == "HEAD" and out["to"] == "experiment half", out
assert rows["metrics.json:acc"]["old"] == 0.7 and rows["metrics.json:acc"]["new"] == 0.5, rows
PYEOF
expect_exit 0 pipe params diff HEAD~1 half
assert_contains "params diff to an experiment names it" "$OUT" "experiment half"
assert_contains "and gives the value" "$OUT" "0.5"

# Mistakes.
expect_exit 2 pipe metrics diff nosuch
assert_contains "an unknown name says what it may be" "$ERR" "'nosuch' is neither a git revision here nor a model version"
printf 'stages:\n  train:\n    cmd: [\n' >pipe.yaml
git add pipe.yaml && git commit -qm "broken"
git checkout -q HEAD~1 -- pipe.yaml
expect_exit 3 pipe params diff HEAD HEAD~1
assert_contains "a revision whose pipeline does not load says which" "$ERR" "at revision HEAD:"
finish
