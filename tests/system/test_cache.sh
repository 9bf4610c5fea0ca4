#!/usr/bin/env bash
# The content-addressed cache: outputs are committed after each stage,
# `pipe checkout` restores them, `pipe cache verify` finds damage.
source "$(dirname "$0")/lib.sh" "$@"

write_pipeline() {
  cat >pipe.yaml <<'EOF'
stages:
  make:
    cmd: >-
      sh rec.sh make && mkdir -p out && echo "v=${v}" > out/a.txt && echo two > out/b.txt
      && echo "m ${v}" > model.txt && echo "{}" > m.json
    params: [v]
    outs: [out, model.txt]
    metrics: [{m.json: {cache: false}}]
EOF
}

# ============================================================ commit and checkout
new_project
echo "v: 1" >params.yaml
write_pipeline
expect_exit 0 pipe repro
assert_ran "first run runs the stage" make
objects=$(find .pipe/cache/v1 -type f | wc -l)
assert_eq "outputs are in the cache: 3 files and one directory manifest" 4 "$objects"
assert_eq "cache objects are read-only" "" "$(find .pipe/cache/v1 -type f -perm -u+w)"
model_hash=$(lock_hash model.txt)
assert_true "an object is named by its digest" test -f ".pipe/cache/v1/${model_hash:0:2}/${model_hash:2}"
assert_true "a cache: false output is not cached" sh -c "! grep -rlq '{}' .pipe/cache/v1"

rm -rf out model.txt
expect_exit 0 pipe checkout
assert_eq "checkout restores a deleted directory" "v=1" "$(cat out/a.txt)"
assert_eq "checkout restores a deleted file" "m 1" "$(cat model.txt)"
WHAT="after checkout: status -q" expect_exit 0 pipe status -q
expect_exit 0 pipe repro
assert_ran "restored outputs count as up to date" ""

echo "hand edit" >model.txt
expect_exit 1 pipe checkout
assert_contains "checkout refuses to overwrite an unrecorded change" "$ERR" "model.txt differs from what pipe.lock"
assert_eq "the refused file is untouched" "hand edit" "$(cat model.txt)"
expect_exit 0 pipe checkout --force
assert_eq "checkout --force restores it" "m 1" "$(cat model.txt)"
echo extra >out/extra.txt
expect_exit 0 pipe checkout -f
assert_no_file "checkout -f makes a directory match exactly" out/extra.txt

# ============================================================ going back to an older pipe.lock
git init -q . && git config user.email t@t && git config user.name t
git add pipe.yaml params.yaml pipe.lock && git commit -qm v1
echo "v: 2" >params.yaml
expect_exit 0 pipe repro
assert_eq "(setup) v2 outputs" "v=2" "$(cat out/a.txt)"
git checkout -q HEAD -- params.yaml pipe.lock
expect_exit 0 pipe checkout --force
assert_eq "an older pipe.lock brings back the older directory" "v=1" "$(cat out/a.txt)"
assert_eq "and the older file" "m 1" "$(cat model.txt)"
reset_runs
expect_exit 0 pipe repro
assert_ran "after going back, nothing reruns" ""

# ============================================================ cache verify
expect_exit 0 pipe cache verify
assert_contains "verify reports what it checked" "$OUT" "0 damaged"
obj=".pipe/cache/v1/${model_hash:0:2}/${model_hash:2}"
chmod u+w "$obj" && echo corrupt >>"$obj"
expect_exit 1 pipe cache verify
assert_contains "verify names the corrupted object" "$ERR" "${model_hash:2}"
expect_exit 1 pipe cache verify --all --repair
assert_no_file "--repair removes the damaged object" "$obj"
expect_exit 0 pipe cache verify --all
rm model.txt
expect_exit 1 pipe checkout
assert_contains "checkout says what is missing from the cache" "$ERR" "not in the cache"

# ============================================================ cache verify covers .pipe files
# A project with only data tracked by `pipe add` (no pipe.lock): verify
# with no flags checks those objects too.
new_project
"$PIPE" init >/dev/null
mkdir -p data/raw && echo one >data/raw/a.txt && echo two >data/raw/b.txt && echo solo >single.txt
expect_exit 0 pipe add data/raw single.txt
expect_exit 0 pipe cache verify
assert_contains "verify checks every object .pipe files name (2 files, 1 manifest, 1 file)" "$OUT" "4 objects checked, 0 damaged"
h=$(grep -o '[0-9a-f]\{32\}' single.txt.pipe | head -1)
obj=".pipe/cache/v1/${h:0:2}/${h:2}"
chmod u+w "$obj" && echo corrupt >>"$obj"
expect_exit 1 pipe cache verify
assert_contains "verify finds a damaged object a .pipe file names" "$ERR" "${h:2}"

# ============================================================ checkout never writes through a symlink out of the project
new_project
cat >pipe.yaml <<'EOF'
stages:
  s:
    cmd: mkdir -p sub && echo data > sub/o.txt
    outs: [sub/o.txt]
EOF
expect_exit 0 pipe repro
mkdir -p "$SCRATCH/elsewhere"
rm -rf sub && ln -s "$SCRATCH/elsewhere" sub
expect_exit 3 pipe checkout
assert_contains "checkout refuses a path that now leads outside the project" "$ERR" "outside the project through a symlink"
assert_no_file "nothing is written outside the project" "$SCRATCH/elsewhere/o.txt"

finish
