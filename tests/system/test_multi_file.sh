#!/usr/bin/env bash
# A repository of many pipeline files, as DVC reads it: every pipe.yaml and
# dvc.yaml under the root is one graph, paths are relative to each file's
# folder (and may climb with ..), params.yaml and pipe.lock sit beside each
# file, stages are addressed as sub/dvc.yaml:stage, and with no targets
# `repro` runs the pipeline of the folder it is run from.
source "$(dirname "$0")/lib.sh" "$@"

new_project
expect_exit 0 pipe init
mkdir -p data prep train notes
echo "raw" >data/raw.csv
cat >prep/dvc.yaml <<'EOF'
stages:
  clean:
    cmd: sh ../rec.sh clean && tr a-z A-Z <../data/raw.csv >clean.csv
    deps: [../data/raw.csv]
    outs: [clean.csv]
EOF
cat >train/pipe.yaml <<'EOF'
stages:
  fit:
    cmd: sh ../rec.sh fit && cat ../prep/clean.csv >model.txt && echo ${lr} >>model.txt
    deps: [../prep/clean.csv]
    params: [lr]
    outs: [model.txt]
  fit again:
    foreach: [a, b]
    do:
      cmd: sh ../rec.sh fit-${item} && echo ${item} >${item}.txt
      outs: ["${item}.txt"]
EOF
echo "lr: 0.1" >train/params.yaml
cat >pipe.yaml <<'EOF'
stages:
  report:
    cmd: sh rec.sh report && cat train/model.txt >report.txt
    deps: [train/model.txt]
    outs: [report.txt]
EOF

# ------------------------------------------------------------ one graph
expect_exit 0 pipe dag
assert_match "a stage of another file depends on an output of a third" "$OUT" "train/pipe.yaml:fit +<- prep/dvc.yaml:clean"
assert_match "and the root's stage on it, addressed by its bare name" "$OUT" "report +<- train/pipe.yaml:fit"
expect_exit 0 pipe dag --json
assert_eq "dag --json lists the edges across files" \
  "prep/dvc.yaml:clean>train/pipe.yaml:fit train/pipe.yaml:fit>report" \
  "$(printf '%s' "$OUT" | /usr/bin/python3 -c 'import json,sys; print(" ".join(e["from"]+">"+e["to"] for e in json.load(sys.stdin)["edges"]))')"
assert_contains "with each stage's file" "$OUT" '"file": "train/pipe.yaml"'
expect_exit 0 pipe status
assert_contains "status from the root covers every file" "$OUT" "prep/dvc.yaml:clean:"
assert_contains "foreach stages are addressed with their file" "$OUT" "train/pipe.yaml:fit again@a:"

# ------------------------------------------------------------ repro from the root
expect_exit 0 pipe repro
assert_ran "repro at the root runs the root's pipeline and what it needs, across files" "clean fit report"
assert_file "each pipeline file gets its pipe.lock beside it" prep/pipe.lock
assert_file "the one in train too" train/pipe.lock
assert_contains "a lock names stages as its file does" "$(cat prep/pipe.lock)" '"clean":'
assert_contains "and paths relative to its folder, as dvc.lock does" "$(cat prep/pipe.lock)" 'path: "../data/raw.csv"'
assert_contains "params files too" "$(cat train/pipe.lock)" '"params.yaml":'
assert_not_contains "the root's lock holds only the root's stages" "$(cat pipe.lock)" 'clean'
expect_exit 0 pipe status
assert_not_contains "then what ran is up to date" "$OUT" "clean"
assert_contains "and the stages it did not need are not" "$OUT" "train/pipe.yaml:fit again@a:"

# ------------------------------------------------------------ from a subfolder
echo "lr: 0.2" >train/params.yaml
cd train
expect_exit 0 pipe status
assert_contains "params.yaml is the one beside the pipeline file" "$OUT" "param modified: lr (train/params.yaml) 0.1 -> 0.2"
expect_exit 0 pipe params diff
assert_contains "params diff reads every file's lock and params" "$OUT" "train/params.yaml:lr  0.1 -> 0.2"
assert_contains "status names this folder's stages bare, as DVC does" "$OUT$(pipe status)" "fit:"
assert_not_contains "not by their address from the root" "$(pipe status)" "train/pipe.yaml:fit:"
expect_exit 0 pipe dag
assert_contains "dag names other files' stages from here" "$(echo "$OUT" | tr -s ' ')" "fit <- ../prep/dvc.yaml:clean"
assert_contains "and the root's by its file from here" "$(echo "$OUT" | tr -s ' ')" "../pipe.yaml:report <- fit"
expect_exit 0 pipe repro
assert_ran "repro in a folder runs that folder's pipeline, not the stages downstream of it" "fit fit-a fit-b"
expect_exit 0 pipe repro fit
assert_ran "a bare name is a stage of this folder's file" ""
expect_exit 0 pipe repro ../prep/dvc.yaml:clean -f -s
assert_ran "a file:stage address is relative to where it is typed" "clean"
WHAT="an unknown name" expect_exit 2 pipe repro report
assert_contains "says which file it looked in" "$ERR" "no stage named 'report' in train/pipe.yaml"
cd ..
expect_exit 0 pipe status
assert_contains "the root's stage now sees its changed dep" "$OUT" "dep modified: train/model.txt"
expect_exit 0 pipe repro train/pipe.yaml -s
assert_ran "a pipeline file names all of its stages" ""
expect_exit 0 pipe repro --dry --glob 'rep*'
assert_contains "--glob matches stage names" "$OUT" "Would run stage 'report'"
expect_exit 0 pipe repro -R train -f -s
assert_ran "-R names every pipeline file under a folder" "fit fit-a fit-b"
cd notes
WHAT="repro in a folder without a pipeline file" expect_exit 2 pipe repro
assert_contains "says so and offers -P" "$ERR" "pipe repro -P"
expect_exit 0 pipe repro -P
assert_ran "-P runs every pipeline" "report"
cd ..
expect_exit 0 pipe status
assert_contains "all up to date again" "$OUT" "Data and pipelines are up to date."

# ------------------------------------------------------------ checkout and commit across files
rm prep/clean.csv train/model.txt
expect_exit 0 pipe checkout
assert_contains "checkout restores outputs of every file" "$OUT" "restored prep/clean.csv"
echo "edited" >>train/a.txt
expect_exit 0 pipe commit 'train/pipe.yaml:fit again@a'
assert_contains "commit takes an address" "$OUT" "committed train/pipe.yaml:fit again@a"
expect_exit 0 pipe status
assert_contains "and records it in that file's lock" "$OUT" "Data and pipelines are up to date."

# ------------------------------------------------------------ checks span files
cp prep/dvc.yaml prep/dvc.yaml.good
cat >>prep/dvc.yaml <<'EOF'
  steal:
    cmd: echo x >../train/model.txt
    outs: [../train/model.txt]
EOF
WHAT="an output claimed by stages of two files" expect_exit 3 pipe status
assert_match "is refused, naming both" "$ERR" "train/pipe.yaml:fit.* is also an output of stage 'prep/dvc.yaml:steal'"
cp prep/dvc.yaml.good prep/dvc.yaml
cat >>prep/dvc.yaml <<'EOF'
  loop:
    cmd: echo x >loop.txt
    deps: [../report.txt]
    outs: [loop.txt]
EOF
sed -i 's|deps: \[train/model.txt\]|deps: [train/model.txt, prep/loop.txt]|; s|cat train/model.txt >report.txt|cat train/model.txt prep/loop.txt >report.txt|' pipe.yaml
cat >>train/pipe.yaml <<'EOF'
  back:
    cmd: echo x >back.txt
    deps: [../prep/loop.txt]
    outs: [back.txt]
EOF
sed -i 's|deps: \[../data/raw.csv\]|deps: [../data/raw.csv, ../train/back.txt]|' prep/dvc.yaml
WHAT="a cycle through three files" expect_exit 3 pipe dag
assert_contains "is refused, naming the path" "$ERR" "cycle:"
cp prep/dvc.yaml.good prep/dvc.yaml
sed -i 's|deps: \[train/model.txt, prep/loop.txt\]|deps: [train/model.txt]|; s|cat train/model.txt prep/loop.txt >report.txt|cat train/model.txt >report.txt|' pipe.yaml
sed -i '/^  back:/,$d' train/pipe.yaml
echo "  bad:
    cmd: x
    deps: [../../outside.txt]" >>prep/dvc.yaml
WHAT="a path climbing out of the root" expect_exit 3 pipe dag
assert_match "is refused where it is written" "$ERR" "prep/dvc.yaml:[0-9]+:[0-9]+: .*escapes the project"
cp prep/dvc.yaml.good prep/dvc.yaml

# ------------------------------------------------------------ what is not part of the graph
mkdir -p scratch vendor/other
printf 'stages:\n  broken: [\n' >scratch/dvc.yaml
echo "scratch/" >.pipeignore
expect_exit 0 pipe dag
assert_not_contains "a folder .pipeignore excludes is not searched" "$OUT" "scratch"
(cd vendor/other && "$PIPE" init >/dev/null)
printf 'stages:\n  theirs:\n    cmd: echo\n' >vendor/other/pipe.yaml
expect_exit 0 pipe dag
assert_not_contains "nor a nested project with its own .pipe/" "$OUT" "theirs"
expect_exit 0 pipe -C vendor/other dag
assert_contains "which is its own project" "$OUT" "theirs"

# ------------------------------------------------------------ a DVC repository's root
new_project
mkdir -p .dvc stages/a
printf 'stages:\n  one:\n    cmd: sh ../../rec.sh one && echo 1 >one.txt\n    outs: [one.txt]\n' >stages/a/dvc.yaml
cd stages/a
expect_exit 0 pipe repro
assert_ran "the root is the folder holding .dvc/, even far above" "one"
assert_file "the lock is written beside the pipeline file" "$PROJ/stages/a/pipe.lock"
assert_true "and .pipe/ at that root" test -d "$PROJ/.pipe"

finish
