#!/usr/bin/env bash
# Benchmark for experiments (issue 17):
#   (e1) `pipe exp show` over EXP_COUNT recorded experiments (each a real
#        `pipe exp run -S` of a one-stage pipeline with two params and one
#        metrics file)        vs the sqlite3 shell reading the same params
#                             and metrics rows
#
#   (e2) a sweep of 10 experiments of a 1-second stage with -j 2
#                             vs the same sweep with -j 1 (the serial sum)
#
#   (e3) `pipe exp run --run-all -j 2` of 10 such experiments queued
#        beforehand (untimed)  vs the same queue run with -j 1
#
#   tests/bench/experiments.sh                     # 1,000 experiments
#   EXP_COUNT=100 EXP_RUNS=3 tests/bench/experiments.sh   # smoke
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
py=/usr/bin/python3
COUNT=${EXP_COUNT:-1000}
RUNS=${EXP_RUNS:-7}
source "$here/lib.sh"
WORK=$(mktemp -d /tmp/pipe-expbench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" && mkdir proj && cd proj
git init -q . && "$PIPE" init >/dev/null
printf 'train:\n  lr: 0.1\n  epochs: 3\n' >params.yaml
cat >train.sh <<'EOF'
awk '/lr:/ {printf "{\"acc\": %s}\n", 1 - $2}' params.yaml >metrics.json
EOF
cat >pipe.yaml <<'EOF'
stages:
  train:
    cmd: sh train.sh
    deps: [train.sh]
    params: [train.lr, train.epochs]
    metrics:
    - metrics.json:
        cache: false
EOF
"$PIPE" repro >/dev/null
echo "recording $COUNT experiments..." >&2
for i in $(seq "$COUNT"); do
  "$PIPE" exp run -S "train.lr=0.$(printf '%04d' "$i")" >/dev/null
done
[ "$("$PIPE" exp show --json | "$py" -c 'import json,sys; print(len(json.load(sys.stdin)))')" = $((COUNT + 1)) ] ||
  { echo "experiments.sh: exp show does not list $COUNT experiments and the baseline" >&2; exit 1; }
RESULTS=$WORK/results.jsonl
"$py" "$here/timing.py" measure --out "$RESULTS" --runs "$RUNS" --cwd "$WORK/proj" --key e1 \
  --case "pipe exp show, $COUNT experiments" "" "'$PIPE' exp show" \
  --case "sqlite3 reading their params and metrics" "" \
  "sqlite3 .pipe/lineage.db 'SELECT e.run_id, p.key, p.value FROM params p JOIN executions e ON e.id = p.execution_id UNION ALL SELECT e.run_id, m.key, m.value FROM metrics m JOIN executions e ON e.id = m.execution_id'"
# (e2): a project of its own, a stage that sleeps a second.
mkdir "$WORK/sweep" && cd "$WORK/sweep"
git init -q . && git config user.email b@b && git config user.name b && "$PIPE" init >/dev/null
printf 'train:\n  lr: 0.1\n' >params.yaml
printf 'sleep 1; cp params.yaml out.txt\n' >train.sh
printf 'stages:\n  train:\n    cmd: sh train.sh\n    deps: [train.sh]\n    params: [train.lr]\n    outs: [out.txt]\n' >pipe.yaml
"$PIPE" repro >/dev/null && git add -A && git commit -qm setup
# Each timed sweep uses values no run has used, so the run-cache restores nothing.
echo 0 >"$WORK/sweep-n"
sweep() { echo "n=\$(cat $WORK/sweep-n); echo \$((n + 1)) >$WORK/sweep-n; '$PIPE' exp run -j $1 -S \"train.lr=range(\$((n * 10 + 1000)),\$((n * 10 + 1010)))\""; }
SWEEP_RUNS=${EXP_SWEEP_RUNS:-3}
"$py" "$here/timing.py" measure --out "$RESULTS" --runs "$SWEEP_RUNS" --cwd "$WORK/sweep" --key e2 \
  --case "pipe exp run, 10 experiments, -j 2" "" "$(sweep 2)" \
  --case "the same sweep with -j 1 (serial)" "" "$(sweep 1)"
queue10() { echo "n=\$(cat $WORK/sweep-n); echo \$((n + 1)) >$WORK/sweep-n; '$PIPE' exp run --queue -S \"train.lr=range(\$((n * 10 + 1000)),\$((n * 10 + 1010)))\" >/dev/null"; }
"$py" "$here/timing.py" measure --out "$RESULTS" --runs "$SWEEP_RUNS" --cwd "$WORK/sweep" --key e3 \
  --case "pipe exp run --run-all, 10 queued, -j 2" "$(queue10)" "'$PIPE' exp run --run-all -j 2" \
  --case "the same queue run with -j 1 (serial)" "$(queue10)" "'$PIPE' exp run --run-all -j 1"
"$py" - "$RESULTS" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for key in ("e1", "e2", "e3"):
    med = [(r["label"], statistics.median(r["times"])) for r in rows if r["key"] == key]
    for label, t in med:
        print(f"({key}) {label:<44} {t * 1000:9.1f} ms")
    print(f"({key}) ratio: {med[0][1] / med[1][1]:.2f}x")
PY
