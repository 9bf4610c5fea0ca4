#!/usr/bin/env bash
# Remotes, with a local directory as the remote: the remote commands and
# their secrets, push, fetch, pull, status -c, a round trip into a fresh
# clone, corrupt objects rejected, and a push that resumes.
source "$(dirname "$0")/lib.sh" "$@"

REMOTE=$SCRATCH/remote
new_project
A=$PROJ
git init -q . && git config user.email t@t && git config user.name t
mkdir -p data
for i in 1 2 3; do echo "row $i" >"data/$i.csv"; done
cat >pipe.yaml <<'EOF'
stages:
  prep:
    cmd: sh rec.sh prep && mkdir -p out && for f in data/*.csv; do tr a-z A-Z <"$f" >"out/$(basename "$f")"; done
    deps: [data]
    outs: [out]
  model:
    cmd: sh rec.sh model && cat out/* >model.bin
    deps: [out]
    outs: [model.bin]
EOF
expect_exit 0 pipe add data
expect_exit 0 pipe repro

# Remote commands.
expect_exit 2 pipe push
assert_contains "push without a remote says how to add one" "$ERR" "pipe remote add -d NAME URL"
expect_exit 0 pipe remote add -d store "$REMOTE"
expect_exit 0 pipe remote add backup "https://alice:CANARY-pw-42@files.example.com/cache"
assert_contains "a password in a URL is moved out of the committed config" "$ERR" "moved to .pipe/config.local"
assert_not_contains "the committed config has no password" "$(cat .pipe/config)" "CANARY-pw-42"
assert_eq "config.local is private" "600" "$(stat -c %a .pipe/config.local)"
expect_exit 0 pipe remote list
assert_contains "remote list shows the remotes" "$OUT" "store"
assert_contains "and the default" "$OUT" "(default)"
assert_not_contains "and never a password" "$OUT" "CANARY"
expect_exit 0 pipe remote default
assert_eq "remote default prints the default" "store" "$OUT"
expect_exit 0 pipe remote modify backup password other-secret
assert_contains "a secret set with modify goes to config.local" "$ERR" "written to .pipe/config.local"
expect_exit 2 pipe remote modify backup bogus_key 1
assert_contains "an unknown key is refused with DVC's names" "$ERR" "unknown setting"
expect_exit 0 pipe remote remove backup
assert_not_contains "remove takes the secrets too" "$(cat .pipe/config.local)" "backup"
expect_exit 2 pipe push -r nosuch
assert_contains "an unknown remote is named" "$ERR" "no remote named 'nosuch'"

# status -c, push, status -c again.
expect_exit 0 pipe status -c
assert_contains "status -c before push: not pushed" "$OUT" "model.bin: not pushed"
expect_exit 0 pipe push -j 2
assert_match "push says how many objects went" "$OUT" "Pushed [0-9]+ objects"
assert_true "the remote uses the cache's layout" test -d "$REMOTE/v1"
assert_true "run-cache entries are pushed too" test -d "$REMOTE/runs"
expect_exit 0 pipe status -c
assert_contains "status -c after push: in sync" "$OUT" "in sync"
expect_exit 0 pipe push
assert_match "a second push uploads nothing" "$OUT" "Pushed 0 objects .* [0-9]+ already there, 0 failed"

# A fresh clone: only what git has.
git add -A && git commit -qm one
B=$SCRATCH/clone
git clone -q "$A" "$B"
cd "$B" || exit 2
assert_true "the clone has no data" test ! -e data/1.csv -a ! -e model.bin
expect_exit 0 pipe pull
assert_eq "pull restores outputs byte for byte" "$(cat "$A/model.bin")" "$(cat model.bin)"
assert_eq "and tracked data" "row 2" "$(cat data/2.csv)"
assert_eq "and directory outputs" "$(cat "$A/out/3.csv")" "$(cat out/3.csv)"
reset_runs
PROJ=$B expect_exit 0 pipe repro
assert_contains "after pull nothing needs to run" "$OUT" "up to date"

# Fetch rejects a corrupt object and caches nothing of it.
rm -rf .pipe/cache model.bin
h=$(cd "$A" && xxhsum -H2 model.bin 2>/dev/null | cut -d' ' -f1)
obj="$REMOTE/v1/${h:0:2}/${h:2}"
chmod u+w "$obj" && printf 'tampered' >"$obj"
expect_exit 1 pipe fetch model.bin
assert_contains "a corrupt download is rejected" "$ERR" "does not match its name"
assert_true "and not cached" test ! -e ".pipe/cache/v1/${h:0:2}/${h:2}"
cp "$A/.pipe/cache/v1/${h:0:2}/${h:2}" "$obj"

# A push killed half way resumes without uploading again what arrived.
cd "$A" || exit 2
rm -rf "$REMOTE"
for i in $(seq 1 300); do echo "more $i" >"data/m$i.csv"; done
expect_exit 0 pipe add data
( "$PIPE" push -j 1 >/dev/null 2>&1 & pid=$!; sleep 0.3; kill -KILL $pid; wait $pid ) 2>/dev/null
# Objects only: what the killed upload was writing lies in the remote's tmp/,
# and registry packs are not counted among the objects a push skips.
before=$(find "$REMOTE" \( -path "$REMOTE/tmp" -o -path "$REMOTE/lineage/packs" \) -prune -o -type f -print | wc -l)
expect_exit 0 pipe push
assert_match "the resumed push skips what arrived before the kill ($before objects)" "$OUT" "already there"
skipped=$(printf '%s' "$OUT" | sed -n 's/.* \([0-9]*\) already there.*/\1/p')
assert_true "it skipped at least those ($skipped >= $before)" test "$skipped" -ge "$before"
expect_exit 0 pipe status -c
assert_contains "and the remote is complete" "$OUT" "in sync"

# repro --push in one clone, repro --pull in another: the second runs nothing.
REMOTE2=$SCRATCH/remote2
new_project
C=$PROJ
git init -q . && git config user.email t@t && git config user.name t
echo "lr: 1" >params.yaml
cat >pipe.yaml <<'EOF'
stages:
  train:
    cmd: sh rec.sh train && echo "model ${lr}" >model.txt
    params: [lr]
    outs: [model.txt]
  eval:
    cmd: sh rec.sh eval && wc -c <model.txt >score.txt
    deps: [model.txt]
    outs: [score.txt]
EOF
expect_exit 0 pipe remote add -d shared "$REMOTE2"
expect_exit 0 pipe repro --push
assert_contains "repro --push pushes when the run is done" "$ERR" "Pushed"
git add -A && git commit -qm one
D=$SCRATCH/clone2
git clone -q "$C" "$D" && cd "$D" || exit 2
rm -f runs.log  # committed in the first clone
expect_exit 0 pipe repro --pull
assert_eq "repro --pull in a fresh clone runs no stage" "" "$(cat runs.log 2>/dev/null)"
assert_contains "it restores them from the remote's run-cache" "$OUT" "restored from run-cache"
assert_eq "with the right content" "model 1" "$(cat model.txt)"
echo "lr: 2" >params.yaml
expect_exit 0 pipe repro --pull
assert_eq "a stage nobody ran before still runs" "train eval" "$(cat runs.log | tr '\n' ' ' | sed 's/ $//')"

# Per-output options, as in dvc.yaml: push: false and remote: NAME.
new_project
cat >pipe.yaml <<'EOF'
stages:
  make:
    cmd: echo public >public.txt && echo private >private.txt && echo big >elsewhere.txt
    outs:
    - public.txt
    - private.txt:
        push: false
    - elsewhere.txt:
        remote: archive
EOF
expect_exit 0 pipe repro
expect_exit 0 pipe remote add -d main "$SCRATCH/main-remote"
expect_exit 0 pipe remote add archive "$SCRATCH/archive-remote"
expect_exit 0 pipe push
obj() { h=$(xxhsum -H2 "$1" 2>/dev/null | cut -d' ' -f1); echo "v1/${h:0:2}/${h:2}"; }
assert_true "an ordinary output goes to the default remote" test -f "$SCRATCH/main-remote/$(obj public.txt)"
assert_true "push: false keeps an output off every remote" test ! -e "$SCRATCH/main-remote/$(obj private.txt)"
assert_true "remote: NAME sends an output to that remote" test -f "$SCRATCH/archive-remote/$(obj elsewhere.txt)"
assert_true "and not to the default one" test ! -e "$SCRATCH/main-remote/$(obj elsewhere.txt)"
rm -rf .pipe/cache elsewhere.txt public.txt
expect_exit 0 pipe pull public.txt elsewhere.txt
assert_eq "pull fetches each output from its own remote" "big" "$(cat elsewhere.txt)"
printf 'stages:\n  make:\n    cmd: echo x >x.txt\n    outs:\n    - x.txt:\n        remote: ""\n' >pipe.yaml
expect_exit 3 pipe status
assert_contains "an empty remote: is refused where it is written" "$ERR" "pipe.yaml:6:"

finish
