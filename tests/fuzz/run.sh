#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each for a
# bounded time from its seed corpus, after replaying every regression input
# once. Fails on any crash, and keeps the crashing input in regressions/.
#
#   bash tests/fuzz/run.sh                 # FUZZ_SECONDS=20 per target
#   FUZZ_SECONDS=300 bash tests/fuzz/run.sh fuzz_lock
#
# Prints, per target: executions, executions per second, coverage (edges)
# and corpus size, for docs/reliability.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${FUZZ_BUILD:-$root/build-fuzz}
seconds=${FUZZ_SECONDS:-20}
targets=("$@")
((${#targets[@]})) || targets=(fuzz_pipeline fuzz_params fuzz_lock fuzz_state_files fuzz_responses)

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPIPE_FUZZ=ON -DPIPE_TESTS=OFF -DPIPE_WERROR=ON >/dev/null
ninja -C "$build" fuzz_targets >/dev/null

work=$(mktemp -d /tmp/pipe-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=0
printf '| target | seconds | executions | exec/s | coverage (edges) | corpus | result |\n|---|---|---|---|---|---|---|\n'
for t in "${targets[@]}"; do
  bin="$build/tests/fuzz/$t"
  seeds="$here/corpus/$t"
  regressions="$here/regressions/$t"
  log="$work/$t.log"
  mkdir -p "$work/$t" "$work/$t-crash"
  # Past crashes first: each must now run clean.
  if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
    if ! "$bin" -runs=0 "$regressions" >"$log.regress" 2>&1; then
      echo "fuzz: $t fails on a kept regression input:" >&2
      tail -40 "$log.regress" >&2
      failed=1
      continue
    fi
  fi
  # The first folder collects what the run finds; the seeds stay as they are.
  result=ok
  if ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="$work/$t-crash/" "$work/$t" "$seeds" >"$log" 2>&1; then
    result=CRASH
    failed=1
    mkdir -p "$regressions"
    for f in "$work/$t-crash"/*; do
      [ -e "$f" ] && cp "$f" "$regressions/$(basename "$f")"
    done
    echo "fuzz: $t found a crash, kept in tests/fuzz/regressions/$t/:" >&2
    grep -A30 'ERROR\|==ERROR\|runtime error\|deadly signal' "$log" | head -60 >&2
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo "?")
  corpus=$(ls "$work/$t" | wc -l)
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$t" "$seconds" "$runs" "$rate" "$cov" "$corpus" "$result"
done
exit "$failed"
