#!/usr/bin/env bash
# What a killed pipe leaves behind: temp files never land in a tracked or
# output directory, never become part of a dataset, and the next command
# that takes the project lock (or pushes) removes them.
source "$(dirname "$0")/lib.sh" "$@"

# The host tag pipe puts in its temp names (engine/temp_files.cpp): FNV-1a
# of the host name.
host_tag() {
  "$PY" -c 'import socket
h = 2166136261
for b in socket.gethostname().encode(): h = ((h ^ b) * 16777619) & 0xffffffff
print("%08x" % h)'
}
# A pid that ran and is gone.
dead_pid() { sh -c 'echo $$'; }
TAG=$(host_tag)
# Temp files in the workspace outside .pipe/, whatever their name.
stray_temps() { find . -path ./.pipe -prune -o \( -name '*pipe-tmp*' -o -name '*.tmp.*' -o -name 'pt-*' \) -print; }

# ============================================================ the sweep, planted leftovers
new_project
"$PIPE" init >/dev/null
mkdir -p data && echo a >data/a.txt
expect_exit 0 pipe add data
staged=".pipe/tmp/pt-$TAG-$(dead_pid)-0-1.raw"   # a directory checkout's staging
mkdir -p "$staged" .pipe/cache/tmp
head -c 1000 /dev/zero >.pipe/tmp/"pt-$TAG-$(dead_pid)-0-2.big.bin"
head -c 500 /dev/zero >"$staged/f"
head -c 300 /dev/zero >.pipe/cache/tmp/"pt-$TAG-$(dead_pid)-0-4"
live=".pipe/tmp/pt-$TAG-$$-0-5.live"   # this shell is alive: a live writer's file
echo x >"$live"
echo y >.pipe/tmp/old-stranger && touch -d '2 days ago' .pipe/tmp/old-stranger
run "$PIPE" checkout
assert_eq "checkout with leftovers exits 0" 0 "$RC"
assert_contains "it says what it removed" "$ERR" "removed 4 temp file(s), 1802 bytes, that interrupted runs left"
assert_eq "dead runs' temp files are gone from .pipe/tmp and the cache's tmp" \
  ".pipe/tmp/pt-$TAG-$$-0-5.live" "$(find .pipe/tmp .pipe/cache/tmp -mindepth 1 | sort)"
assert_file "a live writer's temp file is kept" "$live"
run "$PIPE" checkout
assert_not_contains "a second command finds nothing to remove" "$ERR" "removed"

# ============================================================ push sweeps the cache's tmp and the remote's
remote=$(mktemp -d)
_TMPDIRS+=("$remote")
"$PIPE" remote add -d store "$remote" >/dev/null
expect_exit 0 pipe push
mkdir -p "$remote/tmp"
echo z >"$remote/tmp/pt-$TAG-$(dead_pid)-0-6"
echo z >.pipe/cache/tmp/"pt-$TAG-$(dead_pid)-0-7"
echo b >data/b.txt
expect_exit 0 pipe add data
echo z >.pipe/cache/tmp/"pt-$TAG-$(dead_pid)-0-8"
expect_exit 0 pipe push
assert_eq "push removes a dead push's temp objects from a local remote" "" "$(ls "$remote/tmp")"
assert_eq "and from the cache's tmp, without the project lock" "" "$(ls .pipe/cache/tmp)"
assert_eq "a local remote keeps no temp object beside its objects" "" \
  "$(find "$remote" -mindepth 1 -path "$remote/tmp" -prune -o \( -name '*.tmp.*' -o -name 'pt-*' \) -print)"

# ============================================================ killed `pipe add` of a directory
# The issue's case: a hard-linked `add` killed part-way left an empty temp
# file inside the dataset, and the next add recorded 51 files instead of 50.
new_project
"$PIPE" init >/dev/null
"$PIPE" config cache.type hardlink,copy
mkdir -p data/raw
for i in $(seq 1 50); do head -c 4000 /dev/urandom >"data/raw/f$i.bin"; done
start=$(date +%s%N)
expect_exit 0 pipe add data/raw
took=$(( ($(date +%s%N) - start) / 1000 ))   # microseconds
expected=$(grep -c . <<<"$(ls data/raw)")
bad=0
KILLS=${LEFTOVER_KILLS:-30}
for k in $(seq 1 "$KILLS"); do
  # A new file each round, so every add has work; kill delays spread over
  # the whole of an add's running time.
  head -c 4000 /dev/urandom >"data/raw/g$k.bin"
  expected=$((expected + 1))
  "$PIPE" add data/raw >/dev/null 2>&1 &
  pid=$!
  delay=$(( RANDOM * RANDOM % (took + 1) ))
  sleep "$(printf '0.%06d' "$delay")"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  stray=$(stray_temps)
  if [ -n "$stray" ]; then bad=$((bad + 1)); fail "kill $k: no temp file in the workspace" "$stray"; fi
done
assert_eq "after $KILLS kills of pipe add, no temp file was ever left in the workspace" 0 "$bad"
expect_exit 0 pipe add data/raw
assert_eq "the next add records exactly the dataset's files" "$expected" \
  "$(grep -o 'nfiles: [0-9]*' data/raw.pipe | grep -o '[0-9]*$')"
assert_eq "and .pipe/tmp is empty afterwards" "" "$(ls -A .pipe/tmp 2>/dev/null)"
expect_exit 0 pipe cache verify --all

# ============================================================ killed checkout and repro
new_project
cat >pipe.yaml <<'EOF'
stages:
  make:
    cmd: mkdir -p outdir && for i in $(seq 1 300); do head -c 2000 /dev/urandom > outdir/f$i; done && head -c 3000000 /dev/urandom > big.bin
    outs: [outdir, big.bin]
EOF
expect_exit 0 pipe repro
bad=0
for k in $(seq 1 "$KILLS"); do
  rm -rf outdir big.bin
  if (( k % 2 )); then "$PIPE" checkout >/dev/null 2>&1 & else "$PIPE" repro --force >/dev/null 2>&1 & fi
  pid=$!
  sleep "0.0$(( RANDOM % 10 ))$(( RANDOM % 10 ))"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  stray=$(stray_temps)
  if [ -n "$stray" ]; then bad=$((bad + 1)); fail "kill $k: no temp file beside an output or pipe.lock" "$stray"; fi
done
assert_eq "after $KILLS kills of checkout and repro, no temp file in the workspace" 0 "$bad"
expect_exit 0 pipe checkout --force
assert_eq "the next command leaves .pipe/tmp empty" "" "$(ls -A .pipe/tmp 2>/dev/null)"
run "$PIPE" status
assert_contains "and the workspace is whole again" "$OUT" "up to date"

finish
