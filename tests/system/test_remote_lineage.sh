#!/usr/bin/env bash
# Lineage travels with push and fetch: a fresh clone that pulls can audit a
# model version made elsewhere, every record is checked against its name,
# and a second push and fetch move only what is new.
source "$(dirname "$0")/lib.sh" "$@"

new_project
A=$PROJ
git init -q . && git config user.email t@t && git config user.name t
echo "1,2,3" >data.csv
echo "lr: 0.1" >params.yaml
cat >pipe.yaml <<'EOF'
stages:
  train:
    cmd: |-
      cat data.csv >model.bin && echo '{"accuracy": 0.9}' >metrics.json
    deps: [data.csv]
    params: [lr]
    outs: [model.bin]
    metrics:
    - metrics.json:
        cache: false
models:
  clf:
    path: model.bin
EOF
expect_exit 0 pipe repro
assert_contains "the first run makes clf 1.0.0" "$OUT$ERR" "clf 1.0.0"
REMOTE=$SCRATCH/remote
expect_exit 0 pipe remote add -d store "$REMOTE"
expect_exit 0 pipe push
assert_eq "push uploads the run's lineage record" "1" "$(find "$REMOTE/lineage/runs" -type f | wc -l)"
assert_true "and a pointer from the model's digest to it" test -n "$(ls "$REMOTE/lineage/outputs")"
git add -A && git commit -qm one

B=$SCRATCH/clone
git clone -q "$A" "$B" && cd "$B" || exit 2
PROJ=$B
expect_exit 0 pipe pull
assert_contains "pull imports the run into the clone's lineage store" "$OUT" "Imported 1 runs"
expect_exit 0 pipe model show clf@1.0.0
assert_contains "the clone knows the model version made elsewhere" "$OUT" "clf 1.0.0"
expect_exit 0 pipe log --json
assert_contains "with its params" "$OUT" '"lr"'
assert_contains "and metrics" "$OUT" '"accuracy"'
expect_exit 0 pipe audit verify
expect_exit 0 pipe pull
assert_not_contains "a second pull imports nothing again" "$OUT" "Imported"

# A new version in A: only it travels.
cd "$A" && PROJ=$A
echo "4,5,6" >>data.csv
expect_exit 0 pipe repro
assert_contains "a data change makes clf 1.1.0" "$OUT$ERR" "clf 1.1.0"
expect_exit 0 pipe push
git add -A && git commit -qm two
cd "$B" && PROJ=$B && git pull -q
expect_exit 0 pipe pull
assert_contains "the clone imports just the new run" "$OUT" "Imported 1 runs"
expect_exit 0 pipe model list
assert_contains "and sees the new version" "$OUT" "1.1.0"
expect_exit 0 pipe push
assert_match "the clone pushes no record back" "$OUT" "Pushed 0 objects"

# A record altered on the remote is refused.
C=$SCRATCH/clone2
git clone -q "$A" "$C" && cd "$C" || exit 2
PROJ=$C
for f in "$REMOTE"/lineage/runs/* "$REMOTE"/lineage/packs/*; do chmod u+w "$f"; sed -i 's/"host"/"hostX"/' "$f"; done
expect_exit 1 pipe pull
assert_contains "an altered lineage record is refused" "$ERR" "does not match its name"
assert_contains "and so is an altered registry pack" "$ERR" "lineage/packs/"
run pipe model list
assert_not_contains "and not imported" "$OUT" "1.1.0"

finish
