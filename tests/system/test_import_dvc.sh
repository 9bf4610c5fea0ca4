#!/usr/bin/env bash
# pipe import-dvc on DVC repositories written to DVC's formats by
# tests/dvc/make_repo.py: import, then status with nothing to run; nothing
# DVC owns changes; a second import changes nothing; a tampered workspace
# file is not adopted; secrets from .dvc/config.local go only to
# .pipe/config.local; a fresh clone pulls from a DVC-layout directory
# remote, byte for byte, and a corrupted object there is never cached.
source "$(dirname "$0")/lib.sh" "$@"

MAKE="$PY $(cd "$(dirname "$0")/../dvc" && pwd)/make_repo.py"
# Every file DVC owns or reads, with its digest and inode: nothing may change.
dvc_state() {
  find .dvc dvc.lock evaluate/dvc.lock data/*.dvc .gitignore data/.gitignore data/data.xml data/images model.pkl \
    -type f 2>/dev/null | sort | while read -r f; do printf '%s %s %s\n' "$(md5sum <"$f")" "$(stat -c %i "$f")" "$f"; done
}

# --- A repository with its data and DVC's cache --------------------------------
new_project
$MAKE "$PROJ" --key-id AKIA-canary-id --secret canary-S3-secret-value
before=$(dvc_state)
expect_exit 0 pipe import-dvc
assert_contains "import says what it adopted" "$OUT" "Imported 5 stage(s) into pipe.lock and 2 .dvc file(s)"
assert_not_contains "nothing is left unproven" "$OUT" "Not proven"
assert_contains "a remote pipe cannot use is named and left out" "$OUT" "remote 'backup' (gdrive://)"
assert_eq "nothing DVC owns changed: files, inodes, cache" "$before" "$(dvc_state)"
expect_exit 0 pipe status -q
expect_exit 0 pipe status
assert_contains "status right after import: nothing to run" "$OUT" "up to date"
reset_runs
expect_exit 0 pipe repro -P
assert_not_contains "repro reruns no stage" "$OUT" "Running stage"
assert_contains "repro says each stage is unchanged" "$OUT" "Stage 'prepare' didn't change"
assert_contains "pipe.lock is schema 2, with DVC's md5" "$(cat pipe.lock)" "schema: 2"
assert_contains "a DVC 2 entry keeps md5-dos2unix" "$(cat pipe.lock)" "md5-dos2unix: \"$(sed -n 's/^- md5: //p' data/data.xml.dvc)\""
assert_file "a .pipe file beside each .dvc file" data/images.pipe
assert_contains "the directory's .dir md5 is kept" "$(cat data/images.pipe)" ".dir\""
assert_file "the subfolder's dvc.yaml gets its own pipe.lock" evaluate/pipe.lock
expect_exit 0 pipe dag
assert_contains "dag: tracked data feeds the pipeline" "$OUT" "<- data/data.xml.pipe"
expect_exit 0 pipe cache verify
assert_contains "the adopted data is in pipe's cache, whole" "$OUT" "0 damaged"

# Secrets from .dvc/config.local: only in .pipe/config.local, mode 0600.
assert_contains "the secret went to .pipe/config.local" "$(cat .pipe/config.local)" "canary-S3-secret-value"
assert_eq ".pipe/config.local is private" "600" "$(stat -c %a .pipe/config.local)"
leaks=$(grep -rl -e canary-S3-secret-value -e AKIA-canary-id . 2>/dev/null | grep -v -e '^./.dvc/config.local$' -e '^./.pipe/config.local$' | sort)
assert_eq "the secrets appear nowhere else in the project" "" "$leaks"
assert_not_contains "nor in what import printed" "$ALL" "canary-S3-secret-value"

# Safe to run twice: a second import rewrites nothing.
sums=$(md5sum pipe.lock evaluate/pipe.lock data/*.pipe .pipe/config .pipe/config.local)
expect_exit 0 pipe import-dvc
assert_eq "a second import changes none of pipe's files" "$sums" \
  "$(md5sum pipe.lock evaluate/pipe.lock data/*.pipe .pipe/config .pipe/config.local)"

# A stage pipe reruns is pipe's own from then on: a later import keeps it.
printf 'train:\n  lr: 0.5\n  epochs: 3\nprepare:\n  seed: 20170428\n  split: 0.2\n' >params.yaml
expect_exit 0 pipe repro -P
expect_exit 0 pipe import-dvc
assert_contains "import keeps pipe's newer record of the stages it ran (train, evaluate)" "$OUT" \
  "Kept pipe's own record of 2 stage(s)"
expect_exit 0 pipe status -q

# --- Before any import: dvc.lock and .dvc files are read as DVC's records -------
new_project
$MAKE "$PROJ"
before=$(dvc_state)
expect_exit 0 pipe status
assert_contains "status in a DVC repository, no import: nothing to run, as dvc status says" "$OUT" "up to date"
expect_exit 0 pipe repro -P
assert_not_contains "repro reruns no stage DVC recorded" "$OUT" "Running stage"
assert_no_file "nothing ran, so no pipe.lock is written" pipe.lock
assert_eq "and nothing DVC owns changed" "$before" "$(dvc_state)"
printf 'prepare:\n  seed: 20170428\n  split: 0.2\ntrain:\n  lr: 0.3\n  epochs: 3\n' >params.yaml
expect_exit 0 pipe status
assert_contains "a changed param is seen against dvc.lock's value" "$OUT" "param modified: train (params.yaml)"
expect_exit 0 pipe repro
assert_contains "repro runs the changed stage" "$OUT" "Running stage 'train'"
assert_not_contains "and only it" "$OUT" "Running stage 'prepare'"
assert_contains "pipe.lock now holds pipe's entry" "$(cat pipe.lock)" "python3 src/train.py 0.3"
assert_contains "and DVC's for the stages it did not run" "$(cat pipe.lock)" "md5-dos2unix:"
assert_eq "dvc.lock is left as DVC wrote it" "$(sed -n '/^before$/d;p' <<<"$before" | grep ' dvc.lock$')" \
  "$(dvc_state | grep ' dvc.lock$')"
expect_exit 0 pipe status -q -- prepare train
new_project
$MAKE "$PROJ" --tamper
expect_exit 0 pipe status
assert_contains "no import: a tampered dep shows, by md5 against dvc.lock" "$OUT" "dep modified: data/data.xml"
assert_contains "and against data.xml.dvc" "$OUT" "data/data.xml.dvc:"

# --- A tampered workspace file is not adopted -----------------------------------
new_project
$MAKE "$PROJ" --tamper
expect_exit 0 pipe import-dvc
assert_contains "the tampered file is reported" "$OUT" "data/data.xml: the workspace copy differs from what DVC recorded"
expect_exit 1 pipe status -q
expect_exit 0 pipe status
assert_contains "status: the stage reading it changed" "$OUT" "dep modified: data/data.xml"
assert_contains "status: so did the tracked data" "$OUT" "data/data.xml.pipe:"
expect_exit 0 pipe checkout --force data/data.xml
expect_exit 0 pipe status -q

new_project
$MAKE "$PROJ" --tamper --no-cache
expect_exit 0 pipe import-dvc
assert_contains "without DVC's cache it stays unproven, and says why" "$OUT" \
  "data/data.xml: the workspace copy differs from what DVC recorded (md5 mismatch)"
assert_contains "the pending entry keeps only DVC's md5" "$(cat data/data.xml.pipe)" "md5-dos2unix:"
assert_not_contains "and no digest of the tampered copy" "$(cat data/data.xml.pipe)" "hash:"

# --- A fresh clone before any import: what a DVC user tries first --------------
new_project
$MAKE "$PROJ" --remote "$SCRATCH/remote-first" --no-workspace --no-cache
expect_exit 1 pipe checkout
assert_contains "checkout says what is missing, and where to get it" "$ERR" \
  "cannot restore model.pkl: known only by DVC's md5"
assert_contains "and how" "$ERR" "'pipe pull' fetches it from a DVC remote"
expect_exit 2 pipe pull
assert_contains "pull without an import points at import-dvc" "$ERR" "this is a DVC repository: 'pipe import-dvc'"

# --- A fresh clone pulls from a DVC-layout directory remote ---------------------
ORIG=$SCRATCH/orig
$MAKE "$ORIG" --remote "$SCRATCH/remote" >/dev/null
new_project
$MAKE "$PROJ" --remote "$SCRATCH/remote" --no-workspace --no-cache
expect_exit 0 pipe import-dvc
assert_contains "nothing to prove in a clone that has not pulled" "$OUT" "model.pkl: not in the workspace or DVC's cache"
expect_exit 1 pipe status -q
expect_exit 0 pipe pull
assert_match "pull fetches every object by md5" "$OUT" "Fetched [1-9][0-9]* objects .* 0 failed"
for f in data/data.xml data/prepared/train.csv data/images/batch1/img00001.png model.pkl stats/test.txt evaluate/report.txt; do
  assert_eq "pulled $f is byte-identical" "$(md5sum <"$ORIG/$f")" "$(md5sum <"$f")"
done
expect_exit 0 pipe status
assert_eq "status after pull: only the cache: false metric is missing, as in DVC" \
  "$(printf 'train:\n    out deleted: metrics.json')" "$OUT"
expect_exit 0 pipe pull
assert_match "a second pull asks for nothing it has" "$OUT" "Fetched 0 objects .* [1-9][0-9]* already there"
expect_exit 0 pipe push -r storage
assert_match "push stays in pipe's layout, beside DVC's objects" "$OUT" "Pushed [1-9][0-9]* objects"
assert_true "pipe's objects went under v1/" test -d "$SCRATCH/remote/v1"
assert_true "DVC's are where they were" test -d "$SCRATCH/remote/files/md5"

# A corrupted object on the remote is rejected and never cached.
new_project
$MAKE "$PROJ" --remote "$SCRATCH/remote" --no-workspace --no-cache
expect_exit 0 pipe import-dvc
model_md5=$(sed -n '/path: model.pkl/,/size/s/ *md5: //p' dvc.lock | head -1)
obj=$SCRATCH/remote/files/md5/${model_md5:0:2}/${model_md5:2}
chmod u+w "$obj" && printf 'X' | dd of="$obj" bs=1 seek=3 conv=notrunc 2>/dev/null
expect_exit 1 pipe pull
assert_contains "the corrupt object is named, and why" "$ERR" "content does not match its md5 $model_md5"
assert_no_file "model.pkl is not restored" model.pkl
corrupt=$(md5sum <"$obj" | cut -d' ' -f1)
hits=$(find .pipe/cache -type f -exec md5sum {} + | grep -c "^$corrupt" || true)
assert_eq "no object in pipe's cache holds the corrupt bytes" "0" "$hits"
expect_exit 0 pipe cache verify
assert_contains "what was cached is whole" "$OUT" "0 damaged"

finish
