#!/usr/bin/env bash
# Data tracked with `pipe add`: status, dag, checkout and commit treat the
# .pipe files as DVC treats .dvc files.
source "$(dirname "$0")/lib.sh" "$@"

new_project
mkdir -p data/images
echo "a,b" >data/table.csv
for i in 1 2 3; do echo "img $i" >"data/images/$i.png"; done
cat >pipe.yaml <<'EOF'
stages:
  count:
    cmd: ls data/images | wc -l >count.txt && cat data/table.csv >>count.txt
    deps: [data/images, data/table.csv]
    outs: [count.txt]
EOF
expect_exit 0 pipe add data/table.csv data/images
expect_exit 0 pipe repro
expect_exit 0 pipe status
assert_contains "status: all up to date after add and repro" "$OUT" "up to date"

# status reports the .pipe files themselves.
echo "c,d" >>data/table.csv
expect_exit 0 pipe status
assert_contains "status names the .pipe file whose data changed" "$OUT" "data/table.csv.pipe:"
assert_contains "and what changed" "$OUT" "out modified: data/table.csv"
expect_exit 1 pipe status -q
expect_exit 0 pipe status --json
assert_contains "status --json lists tracked data" "$OUT" '"file": "data/table.csv.pipe"'
assert_contains "with its change" "$OUT" '"change": "modified"'

# checkout refuses to throw the change away, unless forced.
expect_exit 1 pipe checkout data/table.csv.pipe
assert_contains "checkout refuses to overwrite changed tracked data" "$ERR" "data/table.csv differs"
expect_exit 0 pipe checkout --force data/table.csv
assert_eq "checkout --force by data path restores it" "a,b" "$(cat data/table.csv)"

# Deleted data comes back without --force: nothing is lost.
rm -rf data/images
expect_exit 0 pipe checkout
assert_contains "checkout restores a deleted tracked directory" "$OUT" "restored data/images"
assert_eq "with its files" "img 2" "$(cat data/images/2.png)"
rm data/images/3.png
expect_exit 0 pipe checkout data/images.pipe
assert_eq "a file deleted from a tracked directory comes back without --force" "img 3" "$(cat data/images/3.png)"
echo extra >data/images/4.png
expect_exit 1 pipe checkout data/images.pipe
assert_contains "but a file added to it is not thrown away" "$ERR" "data/images differs"
rm data/images/4.png

# dag shows tracked data as sources.
expect_exit 0 pipe dag
assert_contains "dag text names the data feeding a stage" "$OUT" "count  <- data/images.pipe, data/table.csv.pipe"
expect_exit 0 pipe dag --dot
assert_contains "dag --dot has an edge from the data" "$OUT" '"data/images.pipe" -> "count"'
expect_exit 0 pipe dag --mermaid
assert_match "dag --mermaid too" "$OUT" "data[0-9]+ --> node0"

# commit records hand-made changes to tracked data.
echo "e,f" >data/table.csv
expect_exit 0 pipe commit data/table.csv.pipe
assert_contains "commit re-records tracked data" "$OUT" "committed data/table.csv.pipe"
assert_contains "the .pipe file has the new hash" "$(cat data/table.csv.pipe)" "$(xxhsum -H2 data/table.csv 2>/dev/null | cut -d' ' -f1)"
expect_exit 0 pipe status
assert_contains "the stage that reads it is now out of date" "$OUT" "dep modified: data/table.csv"

# Going back to an older .pipe file in git brings back the older data.
git init -q . && git add -A && git -c user.email=t@t -c user.name=t commit -qm one
echo "g,h" >data/table.csv
expect_exit 0 pipe add data/table.csv
git -c user.email=t@t -c user.name=t commit -qam two
git checkout -q HEAD~1 -- data/table.csv.pipe
expect_exit 0 pipe checkout
assert_eq "checkout after git checkout of an older .pipe file restores the older data" "e,f" "$(cat data/table.csv)"

# A project with data only, no pipeline file.
new_project
expect_exit 0 pipe init
echo raw >raw.txt
expect_exit 0 pipe add raw.txt
rm raw.txt
expect_exit 0 pipe status
assert_contains "status works without a pipeline file" "$OUT" "out deleted: raw.txt"
expect_exit 0 pipe checkout
assert_eq "checkout works without a pipeline file" "raw" "$(cat raw.txt)"
expect_exit 2 pipe checkout nothing-here
assert_contains "a target that names nothing is an error" "$ERR" "no output or .pipe file by that path"

# A damaged .pipe file is located.
printf 'schema: 1\nouts:\n- path: raw.txt\n  hash: "zz"\n  size: 4\n' >raw.txt.pipe
expect_exit 3 pipe checkout
assert_contains "a damaged .pipe file is reported at its line" "$ERR" "raw.txt.pipe:4:"

finish
