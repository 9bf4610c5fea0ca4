#!/usr/bin/env bash
# pipe audit reproduce: a deterministic pipeline reproduces exactly (from
# git, and from the workspace without git), a non-deterministic stage is
# caught and named, metrics within tolerance pass, and every check is
# recorded as an event.
source "$(dirname "$0")/lib.sh" "$@"

new_project
git init -q . && git config user.email t@t && git config user.name t
echo "3,1,2" >raw.csv
echo "scale: 2" >params.yaml
cat >pipe.yaml <<'EOF'
stages:
  prepare:
    cmd: tr ',' '\n' <raw.csv | sort >clean.txt
    deps: [raw.csv]
    outs: [clean.txt]
  train:
    cmd: cat clean.txt clean.txt >model.bin
    deps: [clean.txt]
    params: [scale]
    outs: [model.bin]
  noise:
    cmd: date +%s%N >noise.txt
    outs: [noise.txt]
models:
  clf:
    path: model.bin
EOF
expect_exit 0 pipe add raw.csv
git add -A && git commit -qm one
expect_exit 0 pipe repro
git add -A && git commit -qm ran
rm raw.csv  # reproduce takes inputs from the cache, not the workspace
expect_exit 1 pipe audit reproduce clf@1.0.0
assert_contains "files come from git at the run's commit" "$OUT" "files from git"
assert_match "a deterministic stage reproduces exactly" "$OUT" "prepare +exact"
assert_match "and so does the model's stage" "$OUT" "train +exact"
assert_match "a non-deterministic stage is caught and named" "$OUT" "noise +not reproduced: noise.txt differs"
assert_match "with the first line that differs, from the cached record" "$OUT" \
  "noise.txt differs \(recorded [0-9a-f]+, got [0-9a-f]+\): line 1: recorded '$(cat noise.txt)', got '[0-9]+'"
assert_contains "the verdict says so" "$OUT" "clf 1.0.0: NOT reproduced"
assert_true "the scratch workspace is removed" test -z "$(ls .pipe/reproduce 2>/dev/null)"
expect_exit 0 pipe model history clf --json
assert_contains "the check is recorded as an event" "$OUT" '"action": "reproduce"'

# A project in a folder of the repository (its own .pipe/, so not part of
# the root's project): that folder's tree is used.
mkdir -p sub && cd sub && PROJ=$PWD
expect_exit 0 pipe init
echo "5,4" >raw.csv
printf 'stages:\n  make:\n    cmd: sort raw.csv >model.bin\n    deps: [raw.csv]\n    outs: [model.bin]\nmodels:\n  sub:\n    path: model.bin\n' >pipe.yaml
git add -A && git commit -qm sub
expect_exit 0 pipe repro
git add -A && git commit -qm "sub ran"
expect_exit 0 pipe audit reproduce sub
assert_match "the files come from the project's folder in git" "$OUT" "files from git [0-9a-f]+:sub"
assert_contains "and it reproduces" "$OUT" "sub 1.0.0: reproduced"
cd .. && PROJ=$PWD

# Without git: files come from the workspace, and everything reproduces.
new_project
echo "3,1,2" >raw.csv
cat >pipe.yaml <<'EOF'
stages:
  prepare:
    cmd: tr ',' '\n' <raw.csv | sort >clean.txt
    deps: [raw.csv]
    outs: [clean.txt]
  train:
    cmd: cat clean.txt clean.txt >model.bin
    deps: [clean.txt]
    outs: [model.bin]
models:
  clf:
    path: model.bin
EOF
expect_exit 0 pipe repro
expect_exit 0 pipe audit reproduce clf --keep
assert_contains "without git, files come from the workspace" "$OUT" "files from the workspace"
assert_contains "the pipeline reproduces" "$OUT" "clf 1.0.0: reproduced"
assert_contains "--keep keeps the scratch workspace" "$ERR" "kept the scratch workspace"
assert_true "which is there" test -n "$(ls .pipe/reproduce)"

# Inputs the cache no longer holds come from the remote.
rm -rf .pipe/reproduce
expect_exit 0 pipe remote add -d store "$SCRATCH/remote"
expect_exit 0 pipe push
rm -rf .pipe/cache clean.txt  # clean.txt, an input of train, is now only on the remote
expect_exit 0 pipe audit reproduce clf
assert_contains "missing inputs are fetched from the remote" "$OUT" "fetched 1 objects from"
assert_contains "and the pipeline still reproduces" "$OUT" "clf 1.0.0: reproduced"

# Metrics that differ slightly: within tolerance.
rm -rf .pipe/reproduce clean.txt model.bin pipe.lock
cat >pipe.yaml <<'EOF'
stages:
  eval:
    cmd: |-
      echo "{\"acc\": 0.9000$(date +%N)}" >m.json && echo done >model.bin
    outs: [model.bin]
    metrics:
    - m.json:
        cache: false
models:
  clf2:
    path: model.bin
EOF
expect_exit 0 pipe repro
expect_exit 1 pipe audit reproduce clf2 --tolerance 1e-9
assert_contains "metrics beyond the tolerance do not reproduce" "$OUT" "eval"
expect_exit 0 pipe audit reproduce clf2 --tolerance 0.2
assert_match "metrics within the tolerance do" "$OUT" "eval +(within tolerance|exact)"
finish
