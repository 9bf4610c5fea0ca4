#!/usr/bin/env bash
# pipe add: tracking data that no stage produces.
source "$(dirname "$0")/lib.sh" "$@"

new_project
expect_exit 0 pipe init
mkdir -p data/raw
for i in 1 2 3; do echo "row $i" >data/raw/f$i.csv; done
echo single >data/one.csv
expect_exit 0 pipe add data/raw data/one.csv
assert_file "a .pipe file is written beside a directory" data/raw.pipe
assert_file "and beside a file" data/one.csv.pipe
sum=$(xxhsum -H2 data/one.csv | cut -d' ' -f1)
assert_contains "the .pipe file records the file's xxhsum -H2 digest" "$(cat data/one.csv.pipe)" "$sum"
assert_contains "a directory's file count" "$(cat data/raw.pipe)" "nfiles: 3"
assert_true "the file is in the cache" test -f ".pipe/cache/v1/${sum:0:2}/${sum:2}"
assert_eq "the data is git-ignored beside it" "/raw /one.csv" "$(tr '\n' ' ' <data/.gitignore | sed 's/ $//')"

expect_exit 0 pipe add data/raw
assert_contains "adding unchanged data says so" "$OUT" "data/raw is unchanged"
assert_eq "the .gitignore entry is not repeated" 2 "$(wc -l <data/.gitignore)"
before=$(cat data/raw.pipe)
echo changed >>data/raw/f2.csv
expect_exit 0 pipe add data/raw
assert_ne "re-adding after a change records the new digest" "$before" "$(cat data/raw.pipe)"

cd data && expect_exit 0 pipe add one.csv && cd ..
assert_contains "paths are relative to the current directory" "$OUT" "data/one.csv is unchanged"

# A stage can depend on tracked data like any file.
cat >pipe.yaml <<'EOF'
stages:
  count:
    cmd: sh rec.sh count && cat data/raw/*.csv | wc -l > count.txt
    deps: [data/raw]
    outs: [count.txt]
EOF
expect_exit 0 pipe repro
assert_ran "a stage depending on tracked data runs" count
echo more >data/raw/f4.csv
expect_exit 0 pipe status
assert_contains "a change to tracked data shows as a changed dep" "$OUT" "dep modified: data/raw"

# Bad input
expect_exit 2 pipe add ../outside
assert_contains "a path outside the project is refused" "$ERR" "not inside the project"
expect_exit 2 pipe add nope.csv
assert_contains "a missing path is refused" "$ERR" "no such file or directory"
expect_exit 2 pipe add count.txt
assert_contains "a stage output cannot be added" "$ERR" "output 'count.txt' of stage 'count'"
mkdir -p "$SCRATCH/elsewhere" && echo secret >"$SCRATCH/elsewhere/s.txt"
ln -s "$SCRATCH/elsewhere" link
expect_exit 2 pipe add link/s.txt
assert_contains "a path through a symlink out of the project is refused" "$ERR" "outside the project"

finish
