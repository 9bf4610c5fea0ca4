#!/usr/bin/env bash
# Crash safety: kill pipe repro and pipe add with SIGKILL at random points.
# After every kill: no cache object differs from its name, pipe.lock parses,
# and in the end a normal run finishes with correct outputs.
source "$(dirname "$0")/lib.sh" "$@"

KILLS=${CRASH_KILLS:-50}
new_project
mkdir -p data
for i in $(seq 1 40); do head -c 20000 /dev/urandom >"data/f$i.bin"; done
echo "n: 1" >params.yaml
cat >pipe.yaml <<'EOF'
stages:
  copy:
    cmd: rm -rf out && mkdir -p out && for f in data/*.bin; do cat "$f" "$f" > "out/$(basename "$f")"; done && echo ${n} >> out/n.txt
    deps: [data]
    params: [n]
    outs: [out]
  sum:
    cmd: cat out/* | cksum > sum.txt
    deps: [out]
    outs: [sum.txt]
EOF

# Every link type takes its share of the kills: a hard-linked commit and a
# relink are different write paths from a copy.
TYPES=(copy hardlink,copy symlink)
bad=0
for k in $(seq 1 "$KILLS"); do
  echo "n: $k" >params.yaml
  "$PIPE" config cache.type "${TYPES[k % 3]}"
  if (( k % 5 == 0 )); then
    # Replaced, not appended to: added data may be a read-only link.
    f="data/f$(( k % 40 + 1 )).bin"
    { cat "$f"; head -c 1000 /dev/urandom; } >"$f.new" && mv -f "$f.new" "$f"
    "$PIPE" add data >/dev/null 2>&1 &
  else
    "$PIPE" repro --no-run-cache >/dev/null 2>&1 &
  fi
  pid=$!
  sleep "0.$(( RANDOM % 300 ))"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  run "$PIPE" cache verify --all
  if [ "$RC" != 0 ]; then bad=$((bad + 1)); fail "kill $k: every cache object matches its name" "$ALL"; fi
  run "$PIPE" status
  if [ "$RC" != 0 ]; then bad=$((bad + 1)); fail "kill $k: pipe.lock parses" "$ALL"; fi
done
assert_eq "after $KILLS kills (copy, hardlink and symlink), no damaged object and pipe.lock always parsed" 0 "$bad"

expect_exit 0 pipe repro
expected=$(for f in data/*.bin; do cat "$f" "$f"; done | cksum)
assert_eq "the next run finishes with correct outputs" "$expected" "$(cat out/f*.bin | cksum)"
assert_eq "and its downstream is correct" "$(cat out/* | cksum)" "$(cat sum.txt)"
# A killed `pipe add` may have left data.pipe behind the data (status says
# so, rightly); recording it again is part of recovering.
expect_exit 0 pipe add data
run "$PIPE" status
# The whole status, so a failure here says which stage and why.
assert_contains "after recovery, everything is up to date" "$OUT" "up to date"
expect_exit 0 pipe cache verify --all

finish
