#!/usr/bin/env bash
# What `pipe repro` runs and what it skips: first run, no-op reruns, params,
# deps, cmds, outputs, -f/-s/--downstream/--dry, foreach, cmd lists, wdir,
# dvc.yaml fallback, lock hashes, JSON/TOML params, and `pipe status`.
# Usage: bash tests/system/test_repro_basic.sh /abs/path/to/pipe
source "$(dirname "$0")/lib.sh" "$@"

# ============================================================ incremental runs
new_project
cat >params.yaml <<'EOF'
prep:
  n: 3
train:
  lr: 0.5
  epochs: 10
report:
  title: hello
  width: 80
EOF
echo "raw data" >data.txt
# prep -> train -> evaluate, plus an independent report stage. train tracks
# train.lr but its output does not depend on it.
cat >pipe.yaml <<'EOF'
stages:
  prep:
    cmd: sh rec.sh prep && cat data.txt > prep.txt && echo "n=${prep.n}" >> prep.txt
    deps: [data.txt]
    params: [prep.n]
    outs: [prep.txt]
  train:
    cmd: sh rec.sh train && cat prep.txt > model.txt
    deps: [prep.txt]
    params: [train.lr]
    outs: [model.txt]
  evaluate:
    cmd: sh rec.sh evaluate && cat model.txt > metrics.txt
    deps: [model.txt]
    metrics:
      - metrics.txt:
          cache: false
  report:
    cmd: sh rec.sh report && echo report > report.txt
    params: [report]
    outs: [report.txt]
EOF

expect_exit 0 pipe repro
assert_ran "first run runs every stage" "prep train evaluate report"
assert_eq "first run: prep output" $'raw data\nn=3' "$(cat prep.txt 2>/dev/null)"
for s in prep train evaluate report; do
  assert_true "first run: pipe.lock records '$s'" lock_has_stage "$s"
done

expect_exit 0 pipe repro
assert_ran "second run runs nothing" ""
assert_contains "second run says everything is up to date" "$OUT" "Data and pipelines are up to date."
assert_contains "second run reports skipped stages" "$OUT" "Stage 'train' didn't change, skipping"

# ---- status when clean
expect_exit 0 pipe status
assert_contains "status (clean) text" "$OUT" "Data and pipelines are up to date."
expect_exit 0 pipe status -q
assert_eq "status -q (clean) prints nothing" "" "$ALL"
expect_exit 0 pipe status --json
assert_eq "status --json (clean): up_to_date true, every stage up_to_date" "True up_to_date,up_to_date,up_to_date,up_to_date" \
  "$(printf '%s' "$OUT" | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["up_to_date"], ",".join(s["state"] for s in d["stages"]))' 2>&1)"

# ---- touching files changes mtimes, not content
touch data.txt prep.txt model.txt metrics.txt params.yaml pipe.yaml
touch -d '2 hours ago' report.txt
expect_exit 0 pipe repro
assert_ran "touching deps, outputs and params reruns nothing" ""

# ---- reformatting params.yaml: same values, different layout
cat >params.yaml <<'EOF'
# Same values as before, laid out differently.
report: {width: 80,   title: hello}
train:
    epochs:    10
    lr: 0.5
prep: {n: 3}
EOF
expect_exit 0 pipe repro
assert_ran "reformatting params.yaml (key order, flow style, spacing) reruns nothing" ""

# ---- a param change whose stage output does not change
sed -i 's/lr: 0.5/lr: 0.1/' params.yaml
expect_exit 1 pipe status -q
assert_eq "status -q (out of date) prints nothing" "" "$ALL"
expect_exit 0 pipe status
assert_contains "status names the changed stage" "$OUT" "train:"
assert_contains "status says which param changed, old -> new" "$OUT" "param modified: train.lr (params.yaml) 0.5 -> 0.1"
assert_not_contains "status does not list up-to-date stages" "$OUT" "report:"
expect_exit 0 pipe status --json
assert_eq "status --json: up_to_date false, only train changed, reason param train.lr" \
  "False train param modified 0.5 0.1" \
  "$(printf '%s' "$OUT" | $PY -c '
import json, sys
d = json.load(sys.stdin)
ch = [s for s in d["stages"] if s["state"] == "changed"]
r = ch[0]["reasons"][0] if ch and ch[0]["reasons"] else {}
print(d["up_to_date"], ",".join(s["name"] for s in ch), r.get("type"), r.get("change"), r.get("old"), r.get("new"))' 2>&1)"
expect_exit 0 pipe repro
assert_ran "param change reruns its stage, not the downstream stage whose input bytes did not change" "train"
assert_contains "unchanged downstream stage is reported as skipped" "$OUT" "Stage 'evaluate' didn't change, skipping"

# ---- a param change that changes the output propagates downstream
sed -i 's/n: 3/n: 4/' params.yaml
expect_exit 0 pipe repro --explain
assert_ran "param change reruns the stage and the stages whose deps it changed" "prep train evaluate"
assert_contains "--explain names the param" "$OUT" "because param modified: prep.n (params.yaml) 3 -> 4"
assert_contains "--explain names the changed dep downstream" "$OUT" "because dep modified: prep.txt"

# ---- a change inside a section tracked as a whole
sed -i 's/width: 80/width: 100/' params.yaml
expect_exit 0 pipe repro
assert_ran "change under a whole tracked section ('params: [report]') reruns that stage only" "report"

# ---- dep content change, then cmd change, then deleted outputs
echo "more data" >>data.txt
expect_exit 0 pipe repro
assert_ran "dep content change reruns the stage and its downstream" "prep train evaluate"

sed -i 's/cat model.txt > metrics.txt/cat model.txt model.txt > metrics.txt/' pipe.yaml
expect_exit 0 pipe repro
assert_ran "changing a cmd reruns exactly that stage" "evaluate"

rm metrics.txt
expect_exit 0 pipe repro
assert_ran "deleting an output (metric) reruns its stage" "evaluate"
assert_file "deleted output is recreated" metrics.txt

rm prep.txt
expect_exit 0 pipe repro --no-run-cache
assert_ran "deleting an output reruns its stage; identical new bytes stop there" "prep"
rm prep.txt
expect_exit 0 pipe repro
assert_ran "with the run-cache, a deleted output comes back without running" ""
assert_contains "the restore is reported" "$OUT" "Stage 'prep' restored from run-cache"
assert_file "the restored output is there" prep.txt

# ---- -f
expect_exit 0 pipe repro -f
assert_ran "-f reruns every stage" "prep train evaluate report"
expect_exit 0 pipe repro -f evaluate
assert_ran "-f target reruns the target and its upstream only" "prep train evaluate"
expect_exit 0 pipe repro evaluate
assert_ran "target with nothing changed runs nothing" ""

# ---- -s: only the target, even when its upstream is out of date
sed -i 's/n: 4/n: 5/; s/lr: 0.1/lr: 0.2/' params.yaml
expect_exit 0 pipe repro -s train
assert_ran "-s target runs only that stage" "train"
WHAT="upstream of -s target is still out of date: status -q prep" expect_exit 1 pipe status -q prep
expect_exit 0 pipe repro
assert_ran "after -s, a full repro runs the skipped upstream and what its output change affects" "prep train evaluate"

# ---- --downstream
echo "even more data" >>data.txt
sed -i 's/title: hello/title: bye/' params.yaml
expect_exit 0 pipe repro --downstream prep
assert_ran "--downstream target runs it and its out-of-date descendants, no unrelated stage" "prep train evaluate"
WHAT="unrelated stage is still out of date after --downstream: status -q report" expect_exit 1 pipe status -q report
expect_exit 0 pipe repro -f --downstream train
assert_ran "-f --downstream target runs it and what follows, not its upstream" "train evaluate"
expect_exit 0 pipe repro
assert_ran "catch-up run after --downstream" "report"

# ---- --dry
echo "dry change" >>data.txt
lock_before=$(file_sum pipe.lock)
prep_before=$(file_sum prep.txt)
expect_exit 0 pipe repro --dry
assert_ran "--dry runs no stage" ""
assert_eq "--dry leaves pipe.lock untouched" "$lock_before" "$(file_sum pipe.lock)"
assert_eq "--dry leaves existing outputs untouched" "$prep_before" "$(file_sum prep.txt)"
assert_contains "--dry says what would run" "$OUT" "Would run stage 'prep'"
assert_contains "--dry includes downstream stages that would run after it" "$OUT" "because upstream stage 'prep' would run first"
assert_not_contains "--dry does not claim unaffected stages would run" "$OUT" "Would run stage 'report'"
WHAT="still out of date after --dry: status -q" expect_exit 1 pipe status -q
expect_exit 0 pipe repro
assert_ran "repro after --dry runs the stages --dry listed" "prep train evaluate"

# ---- -C from elsewhere
cd /
WHAT="pipe -C PROJECT status -q from another directory" expect_exit 0 pipe -C "$PROJ" status -q
cd "$PROJ" || exit 2

# ============================================================ foreach
new_project
cat >pipe.yaml <<'EOF'
stages:
  fe:
    foreach:
      small: {n: 1}
      big: {n: 2}
    do:
      cmd: sh rec.sh fe-${key} && echo ${item.n} > fe_${key}.txt
      outs:
        - fe_${key}.txt
  lst:
    foreach:
      - {name: a}
      - {name: b}
    do:
      cmd: sh rec.sh lst-${item.name} && echo ${item.name} > lst_${item.name}.txt
      outs:
        - lst_${item.name}.txt
  sc:
    foreach: [x, y]
    do:
      cmd: sh rec.sh sc-${item} && echo ${item} > sc_${item}.txt
      outs:
        - sc_${item}.txt
EOF
expect_exit 0 pipe repro
assert_ran "foreach: every generated stage runs" "fe-big fe-small lst-a lst-b sc-x sc-y"
for s in fe@small fe@big lst@0 lst@1 sc@x sc@y; do
  assert_true "foreach: pipe.lock has stage '$s'" lock_has_stage "$s"
done
assert_eq "foreach over a mapping: \${item} is the entry's value" "2" "$(cat fe_big.txt 2>/dev/null)"
expect_exit 0 pipe repro -f -s lst@1
assert_ran "foreach: 'name@0'-style stage can be targeted alone" "lst-b"
expect_exit 0 pipe repro -f fe
assert_ran "foreach: the group name targets all its stages" "fe-big fe-small"
expect_exit 0 pipe repro -f fe@small
assert_ran "foreach: 'name@key' target" "fe-small"

# ============================================================ cmd list
new_project
cat >pipe.yaml <<'EOF'
stages:
  multi:
    cmd:
      - sh rec.sh multi
      - echo one > order.txt
      - echo two >> order.txt
      - echo three >> order.txt
    outs: [order.txt]
EOF
expect_exit 0 pipe repro
assert_eq "cmd list runs every command, in order" $'one\ntwo\nthree' "$(cat order.txt 2>/dev/null)"
assert_ran "cmd list is one stage run" "multi"
expect_exit 0 pipe repro
assert_ran "cmd list: no rerun when unchanged" ""
sed -i 's/echo two >> order.txt/echo TWO >> order.txt/' pipe.yaml
expect_exit 0 pipe repro
assert_ran "cmd list: changing one entry reruns the stage" "multi"
assert_eq "cmd list: new command used" $'one\nTWO\nthree' "$(cat order.txt 2>/dev/null)"

# ============================================================ wdir
new_project
mkdir sub
echo "input" >sub/in.txt
cat >pipe.yaml <<'EOF'
stages:
  sub:
    wdir: sub
    cmd: sh ../rec.sh sub && pwd -P > where.txt && cat in.txt >> where.txt
    deps: [in.txt]
    outs: [where.txt]
EOF
expect_exit 0 pipe repro
assert_ran "wdir stage runs" "sub"
assert_eq "wdir: command runs in the wdir, paths are relative to it" "$(cd sub && pwd -P)"$'\ninput' \
  "$(cat sub/where.txt 2>/dev/null)"
assert_no_file "wdir: nothing written at the root" where.txt
assert_contains "wdir: pipe.lock paths are project-relative" "$(cat pipe.lock 2>/dev/null)" 'path: "sub/where.txt"'
assert_contains "wdir: deps are resolved against wdir" "$(cat pipe.lock 2>/dev/null)" 'path: "sub/in.txt"'
echo "changed" >sub/in.txt
expect_exit 0 pipe repro
assert_ran "wdir: changing the wdir-relative dep reruns" "sub"

# ============================================================ dvc.yaml
new_project
cat >dvc.yaml <<'EOF'
stages:
  from_dvc:
    cmd: sh rec.sh from_dvc && echo dvc > dvc_out.txt
    outs: [dvc_out.txt]
EOF
expect_exit 0 pipe repro
assert_ran "dvc.yaml is read when pipe.yaml is absent" "from_dvc"
WHAT="status -q with dvc.yaml" expect_exit 0 pipe status -q
cat >pipe.yaml <<'EOF'
stages:
  from_pipe:
    cmd: sh rec.sh from_pipe && echo pipe > pipe_out.txt
    outs: [pipe_out.txt]
EOF
expect_exit 0 pipe repro
assert_ran "pipe.yaml wins over dvc.yaml when both exist" "from_pipe"

# ============================================================ lock hashes
new_project
mkdir -p src
printf 'hello\n' >src/in.txt
cat >pipe.yaml <<'EOF'
stages:
  make:
    cmd: >-
      sh rec.sh make && mkdir -p outdir/nested
      && printf 'abc' > outdir/a.txt && printf 'nested file\n' > outdir/nested/b.txt
      && printf 'zz\n' > outdir/B.txt && cat src/in.txt src/in.txt > single.bin
    deps: [src/in.txt]
    outs: [single.bin, outdir]
EOF
expect_exit 0 pipe repro
if command -v xxhsum >/dev/null 2>&1; then
  assert_eq "lock hash of an output file equals 'xxhsum -H2'" \
    "$(xxhsum -H2 single.bin 2>/dev/null | cut -d' ' -f1)" "$(lock_hash single.bin)"
  assert_eq "lock hash of a dep file equals 'xxhsum -H2'" \
    "$(xxhsum -H2 src/in.txt 2>/dev/null | cut -d' ' -f1)" "$(lock_hash src/in.txt)"
  # A directory's digest is XXH3-128 of its manifest: one `xxhsum -H2` line
  # per file, relative path, sorted by path (engine/artifact.h).
  manifest_hash=$(cd outdir && find . -type f | sed 's|^\./||' | LC_ALL=C sort | while read -r f; do
    xxhsum -H2 "$f" 2>/dev/null; done | xxhsum -H2 - 2>/dev/null | cut -d' ' -f1)
  assert_eq "lock hash of an output dir equals 'xxhsum -H2' of its sorted manifest" \
    "$manifest_hash" "$(lock_hash outdir)"
else
  skip "lock hashes equal 'xxhsum -H2'" "xxhsum not installed (apt-get install -y xxhash)"
fi
assert_contains "lock records the output size" "$(cat pipe.lock)" "size: $(stat -c %s single.bin)"
assert_contains "lock records a directory's file count" "$(cat pipe.lock)" "nfiles: 3"

# ============================================================ JSON and TOML params
new_project
printf '{"lr": 0.1, "opt": {"momentum": 0.9, "name": "sgd"}, "unused": 1}\n' >params.json
cat >cfg.toml <<'EOF'
[model]
depth = 3
name = "tree"
EOF
cat >pipe.yaml <<'EOF'
stages:
  j:
    cmd: sh rec.sh j && echo j > j.txt
    params:
      - params.json: [lr, opt]
    outs: [j.txt]
  t:
    cmd: sh rec.sh t && echo t > t.txt
    params:
      - cfg.toml: [model.depth]
    outs: [t.txt]
EOF
expect_exit 0 pipe repro
assert_ran "JSON/TOML params: first run" "j t"
assert_contains "pipe.lock records the JSON param value" "$(cat pipe.lock)" '"lr": 0.1'
assert_contains "pipe.lock records the TOML param value" "$(cat pipe.lock)" '"model.depth": 3'
cat >params.json <<'EOF'
{
  "unused": 1,
  "opt": {"name": "sgd",
          "momentum": 0.9},
  "lr": 0.1
}
EOF
expect_exit 0 pipe repro
assert_ran "JSON params: reformatting and reordering reruns nothing" ""
sed -i 's/"unused": 1/"unused": 2/' params.json
expect_exit 0 pipe repro
assert_ran "JSON params: changing an untracked key reruns nothing" ""
sed -i 's/"momentum": 0.9/"momentum": 0.95/' params.json
expect_exit 0 pipe repro
assert_ran "JSON params: changing a tracked value (inside a tracked object) reruns the stage" "j"
sed -i 's/name = "tree"/name = "forest"/' cfg.toml
expect_exit 0 pipe repro
assert_ran "TOML params: changing an untracked key reruns nothing" ""
sed -i 's/depth = 3/depth = 4/' cfg.toml
WHAT="status with a TOML param change" expect_exit 0 pipe status
assert_contains "status names the TOML param change" "$OUT" "param modified: model.depth (cfg.toml) 3 -> 4"
expect_exit 0 pipe repro
assert_ran "TOML params: changing a tracked value reruns the stage" "t"

finish
