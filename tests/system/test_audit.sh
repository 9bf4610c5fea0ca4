#!/usr/bin/env bash
# pipe audit verify NAME@VERSION: every artifact a version's lineage names
# is found intact in the cache, the workspace, git or a remote; a deleted
# or altered one is reported and the exit code is 1.
source "$(dirname "$0")/lib.sh" "$@"

new_project
git init -q . && git config user.email t@t && git config user.name t
mkdir -p src data
printf 'cat data/raw.csv data/raw.csv >model.bin\necho "{\\"accuracy\\": 0.9}" >metrics.json\n' >src/train.sh
echo "1,2,3" >data/raw.csv
cat >pipe.yaml <<'EOF'
stages:
  train:
    cmd: sh src/train.sh
    deps: [src/train.sh, data/raw.csv]
    outs: [model.bin]
    metrics:
    - metrics.json:
        cache: false
models:
  clf:
    path: model.bin
EOF
expect_exit 0 pipe add data/raw.csv
git add -A && git commit -qm one
expect_exit 0 pipe repro
expect_exit 0 pipe audit verify clf@1.0.0
assert_contains "every artifact is found" "$OUT" "clf 1.0.0: 4 of 4 artifacts intact."
assert_match "the model from the cache" "$OUT" "ok +model.bin [0-9a-f]+ \(cache\)"
assert_match "the script from the workspace" "$OUT" "ok +src/train.sh [0-9a-f]+ \(workspace\)"

rm src/train.sh
expect_exit 0 pipe audit verify clf@1.0.0
assert_match "a deleted script is found in git at the run's commit" "$OUT" "ok +src/train.sh [0-9a-f]+ \(git [0-9a-f]+\)"
git checkout -q src/train.sh

h=$(xxhsum -H2 model.bin 2>/dev/null | cut -d' ' -f1)
obj=.pipe/cache/v1/${h:0:2}/${h:2}
chmod u+w "$obj" && echo tampered >>"$obj"
expect_exit 1 pipe audit verify clf@1.0.0
assert_match "an altered cache object is reported" "$OUT" "ALTERED +model.bin"
assert_contains "and counted" "$ERR" "1 artifacts of clf 1.0.0 are missing or altered"

rm -f "$obj" model.bin
expect_exit 1 pipe audit verify clf@1.0.0 --json
assert_contains "a deleted model is missing" "$OUT" '"problem": "missing: not in the cache, the workspace or git (no remote asked)"'
assert_contains "and the JSON says the artifacts are not all there" "$OUT" '"artifacts_ok": false'

# Present on a remote counts: push from a clone that still has it.
expect_exit 0 pipe remote add -d store "$SCRATCH/remote"
expect_exit 0 pipe repro --force
expect_exit 0 pipe push
rm -rf .pipe/cache model.bin
expect_exit 0 pipe audit verify clf@1.0.0
assert_match "an artifact on the remote is found there" "$OUT" "ok +model.bin [0-9a-f]+ \(remote "

expect_exit 2 pipe audit verify clf@7.0.0
assert_contains "an unknown version is named" "$ERR" "has no version 7.0.0"

finish
