#!/usr/bin/env bash
# A DVC repository as a clone leaves it: data not pulled, wdir folders that
# only hold data, and DVC syntax pipe used to refuse (dict unpacking, DVC 2's
# checkpoint, names with spaces, a dvc.yaml with only metrics).
source "$(dirname "$0")/lib.sh" "$@"

# ------------------------------------------------------------ a clone without data
new_project
mkdir .dvc src
cat >src/prep.sh <<'EOF'
#!/bin/sh
cat ../data/raw/a.csv > prepared.csv
EOF
cat >params.yaml <<'EOF'
train:
  lr: 0.1
  name: my model
  shuffle: true
  dropout: false
  layers: [64, 32]
EOF
cat >dvc.yaml <<'EOF'
stages:
  prepare data:
    wdir: work
    cmd: sh ../rec.sh prepare && sh ../src/prep.sh
    deps: [../data/raw, ../src/prep.sh]
    outs:
      - prepared.csv
      - prepared.csv
  train:
    cmd: sh rec.sh train && printf '%s\n' ${train} > args.txt && echo m >> model.pt
    deps: [work/prepared.csv]
    outs:
      - model.pt: {checkpoint: true}
      - args.txt
  report:
    cmd: sh rec.sh report && echo report > report.txt
    deps: [src/prep.sh]
    outs: [report.txt]
EOF
mkdir sub
printf 'metrics: [m.json]\n' >sub/dvc.yaml

expect_exit 0 pipe dag
assert_contains "dag draws the edge through the missing data's consumer" "$(echo "$OUT" | tr -s ' ')" "train <- prepare data"
expect_exit 0 pipe status
assert_contains "status works without the data" "$OUT" "never run"
assert_contains "checkpoint warns once" "$(printf '%s\n' "$ERR" | grep -c checkpoint)" "1"

WHAT="repro without the data" expect_exit 1 pipe repro -k
assert_contains "repro names the missing dep" "$ERR$OUT" "dep 'data/raw' of stage 'prepare data' does not exist"
assert_ran "the independent stage still ran" "report"

mkdir -p data/raw
echo "1,2" >data/raw/a.csv
WHAT="repro once the data is there" expect_exit 0 pipe repro
assert_ran "the rest ran, in a wdir it created" "prepare train"
assert_file "output in the created wdir" work/prepared.csv
# printf '%s\n' puts one shell word per line: the quoting reached the shell.
assert_eq "the mapping was unpacked into flags" "--lr|0.1|--name|my model|--shuffle|--layers|64|32|" \
  "$(tr '\n' '|' <args.txt)"
WHAT="a stage name with a space is a target" expect_exit 0 pipe repro "prepare data"

pipe config parsing.bool boolean_optional >/dev/null
WHAT="parsing.bool changes the command" expect_exit 0 pipe repro train
assert_contains "--no-dropout after parsing.bool" "$(cat args.txt)" "--no-dropout"

# ------------------------------------------------------------ .dvcignore and .pipeignore
new_project
mkdir -p .dvc images
echo 1 >images/a.png
echo 2 >images/b.png
printf '.DS_Store\n*.tmp\n' >.dvcignore
expect_exit 0 pipe add images
echo junk >images/.DS_Store
echo junk >images/c.tmp
expect_exit 0 pipe status -q
WHAT="files the ignore files name change no digest" expect_exit 0 pipe status -q
echo 3 >images/d.png
WHAT="a real new file still does" expect_exit 1 pipe status -q
echo scratch >notes.tmp
WHAT="pipe add of an ignored path" expect_exit 2 pipe add notes.tmp
assert_contains "the refusal names the ignore files" "$ERR" "ignored by a .pipeignore or .dvcignore file"

# ------------------------------------------------------------ external deps
new_project
outside=$(mktemp -d "${TMPDIR:-/tmp}/pipe-ext.XXXXXX")
_TMPDIRS+=("$outside")
ext=$outside/shared.csv
echo v1 >"$ext"
cat >dvc.yaml <<EOF
stages:
  use:
    cmd: sh rec.sh use && cat $ext > copy.csv
    deps: [$ext]
    outs: [copy.csv]
EOF
expect_exit 0 pipe repro
assert_ran "a stage with an absolute dep runs" "use"
expect_exit 0 pipe status -q
echo v2 >"$ext"
expect_exit 0 pipe status
assert_contains "a change outside the project is seen" "$OUT" "dep modified: $ext"
expect_exit 0 pipe repro
assert_ran "and reruns the stage" "use"
assert_eq "the external file was only read" "v2" "$(cat "$ext")"

finish
