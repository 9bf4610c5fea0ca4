#!/usr/bin/env bash
# pipe gc: removes only what nothing references, and nothing young.
source "$(dirname "$0")/lib.sh" "$@"

new_project
echo "v: 1" >params.yaml
cat >pipe.yaml <<'EOF'
stages:
  make:
    cmd: echo "model ${v}" > model.txt
    params: [v]
    outs: [model.txt]
EOF
mkdir data && echo raw >data/raw.csv
expect_exit 0 pipe add data/raw.csv
expect_exit 0 pipe repro
old=$(lock_hash model.txt)
echo "v: 2" >params.yaml
expect_exit 0 pipe repro
new=$(lock_hash model.txt)
old_obj=".pipe/cache/v1/${old:0:2}/${old:2}"
new_obj=".pipe/cache/v1/${new:0:2}/${new:2}"
raw=$(xxhsum -H2 data/raw.csv | cut -d' ' -f1)
raw_obj=".pipe/cache/v1/${raw:0:2}/${raw:2}"

expect_exit 0 pipe gc --grace 0
assert_contains "objects the run-cache references are kept" "$OUT" "Would remove 0 unreferenced objects"

rm -rf .pipe/runs
expect_exit 0 pipe gc --grace 0 -v
assert_contains "without --force it is a dry run that says what and how much" "$OUT" "Would remove 1 unreferenced objects (8 bytes)"
assert_contains "it names the object" "$OUT" "${old:2}"
assert_file "a dry run removes nothing" "$old_obj"

expect_exit 0 pipe gc --force
assert_contains "the grace period keeps young objects" "$OUT" "Removed 0 unreferenced objects"
assert_file "a young unreferenced object survives" "$old_obj"

expect_exit 0 pipe gc --force --grace 0
assert_no_file "gc --force removes the unreferenced object" "$old_obj"
assert_file "the object pipe.lock references stays" "$new_obj"
assert_file "the object a .pipe file references stays" "$raw_obj"
rm model.txt
expect_exit 0 pipe checkout
assert_eq "checkout still works after gc" "model 2" "$(cat model.txt)"
expect_exit 0 pipe cache verify --all

# A temp file whose maker cannot be told from its name goes once it is a
# day old, as the sweep's rule (temp_files.h) has it: a long pull's
# downloads wait in tmp/ for hours, and must not go while it runs.
mkdir -p .pipe/cache/tmp && echo partial >.pipe/cache/tmp/4242-1-7
touch -d '2 hours ago' .pipe/cache/tmp/4242-1-7
expect_exit 0 pipe gc --force
assert_file "gc keeps a temp file that may still be written" .pipe/cache/tmp/4242-1-7
touch -d '2 days ago' .pipe/cache/tmp/4242-1-7
expect_exit 0 pipe gc --force
assert_no_file "gc removes a stale temp file left by a killed run" .pipe/cache/tmp/4242-1-7

finish
