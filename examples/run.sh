#!/usr/bin/env bash
# Installs dependencies, builds pipe, and runs the iris example end to end in
# a scratch copy: a first run, a no-op rerun, a hyperparameter change that
# reruns only train and evaluate, and the status and DAG views.
# Usage: bash examples/run.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash .ci/install-deps.sh
bash .ci/build.sh "$root/build" -DCMAKE_BUILD_TYPE=Release -DPIPE_TESTS=OFF
pipe="$root/build/cli/pipe"

work="$root/build/example-iris"
rm -rf "$work"
cp -r "$root/examples/iris" "$work"
cd "$work"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "pipe dag"
"$pipe" dag
step "pipe repro   (first run: every stage runs, independent ones in parallel)"
"$pipe" repro
step "pipe repro   (nothing changed: nothing runs)"
"$pipe" repro
step "edit params.yaml: train.lr 0.5 -> 0.1, then pipe status"
sed -i 's/^  lr: 0.5$/  lr: 0.1/' params.yaml
"$pipe" status
step "pipe repro --explain   (only train and evaluate rerun)"
"$pipe" repro --explain
step "metrics.json"
cat metrics.json
echo
step "pipe model list   (the lr change made a new minor version)"
"$pipe" model list
step "pipe model diff iris-classifier@1.0.0 iris-classifier@1.1.0"
"$pipe" model diff iris-classifier@1.0.0 iris-classifier@1.1.0
step "pipe lineage models/model.json   (what the model was made from)"
"$pipe" lineage models/model.json
step "pipe log   (every run, from the lineage store) and pipe audit verify"
"$pipe" log
"$pipe" audit verify
step "pipe audit reproduce iris-classifier   (re-executes the run in a scratch workspace)"
"$pipe" audit reproduce iris-classifier
step "pipe audit report iris-classifier --format html -o report.html"
"$pipe" audit report iris-classifier --format html -o report.html
step "done: the project is in $work"
