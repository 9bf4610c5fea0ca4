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

# A version made from a dirty tree: params.yaml and the script changed and
# not committed, an untracked helper the stage reads. Afterwards the
# workspace moves on (changes reverted, the helper gone); reproduce rebuilds
# what the run had from the record, whatever git holds.
new_project
git init -q . && git config user.email t@t && git config user.name t
printf 'scale: 2\n' >params.yaml
printf 'cat params.yaml\n' >train.sh
cat >pipe.yaml <<'EOF'
stages:
  train:
    cmd: sh train.sh >model.bin && cat helper.txt >>model.bin
    deps: [train.sh, helper.txt]
    params: [scale]
    outs: [model.bin]
models:
  clf:
    path: model.bin
EOF
echo "helper 1" >helper.txt
git add pipe.yaml params.yaml train.sh && git commit -qm base
printf 'scale: 3\n' >params.yaml
printf 'cat params.yaml; echo tuned\n' >train.sh
expect_exit 0 pipe repro
assert_contains "(setup) the dirty tree's params went into the model" "$(cat model.bin)" "scale: 3"
git checkout -q params.yaml train.sh
rm helper.txt
expect_exit 0 pipe audit reproduce clf
assert_contains "a dirty tree's changed params file is rebuilt from the record" "$OUT" \
  "uncommitted change rebuilt from the record: params.yaml"
assert_contains "and its changed script" "$OUT" "uncommitted change rebuilt from the record: train.sh"
assert_contains "and an untracked file the stage read" "$OUT" "uncommitted change rebuilt from the record: helper.txt"
assert_contains "so the version reproduces exactly" "$OUT" "clf 1.0.0: reproduced"
expect_exit 0 pipe audit report clf --format json
assert_contains "the JSON report lists each changed file and the object keeping it" "$OUT" '"path": "params.yaml"'
assert_contains "(kept)" "$OUT" '"kept": "'
expect_exit 0 pipe audit report clf
assert_contains "the Markdown report warns first that the tree was dirty" "$(sed -n 1,6p <<<"$OUT")" \
  "made from a working tree with uncommitted changes"
assert_contains "and names what was kept" "$OUT" '- `train.sh`: kept in the record'
expect_exit 0 pipe gc --force
expect_exit 0 pipe audit reproduce clf
assert_contains "gc keeps the kept files as audit data" "$OUT" "clf 1.0.0: reproduced"
expect_exit 0 pipe remote add -d store "$SCRATCH/dirty-remote"
expect_exit 0 pipe push
rm -rf .pipe/cache
expect_exit 0 pipe audit reproduce clf
assert_contains "push sends the kept files: a fresh cache rebuilds them from the remote" "$OUT" \
  "uncommitted change rebuilt from the record: helper.txt"
assert_contains "(and it reproduces)" "$OUT" "clf 1.0.0: reproduced"

# A changed file too big to keep is named in the verdict.
head -c $((17 * 1024 * 1024)) /dev/zero >big.bin
git add big.bin && git commit -qm big
cat >pipe.yaml <<'EOF'
stages:
  train:
    cmd: sh train.sh >model.bin && wc -c <big.bin >>model.bin
    deps: [train.sh, big.bin]
    params: [scale]
    outs: [model.bin]
models:
  clf:
    path: model.bin
EOF
git add pipe.yaml && git commit -qm "big dep"
echo more >>big.bin
expect_exit 0 pipe repro
git checkout -q big.bin
expect_exit 1 pipe audit reproduce clf
assert_contains "a changed file not kept is named, with why" "$OUT" "cannot rebuild: big.bin was modified and not kept (over 16 MiB)"

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
