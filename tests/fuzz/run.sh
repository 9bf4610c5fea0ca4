#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each for a
# bounded time from its seed corpus, after replaying every regression input
# once. Fails on any crash, and keeps the crashing input in regressions/
# (and prints it, base64, when small: a CI clone does not outlive the run).
#
#   bash tests/fuzz/run.sh                 # FUZZ_SECONDS=20 per target
#   FUZZ_SECONDS=300 bash tests/fuzz/run.sh fuzz_lock
#
# FUZZ_BUILD (default build-fuzz/) is the build folder; only the fuzz
# targets are built, with FUZZ_JOBS (default: the core count) compilers.
# FUZZ_PARALLEL (default: the core count) targets fuzz at once, each on one
# core. Prints, per target: executions, executions per second, coverage
# (edges) and corpus size, for docs/reliability.md; build and run times go
# to stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${FUZZ_BUILD:-$root/build-fuzz}
seconds=${FUZZ_SECONDS:-20}
jobs=${FUZZ_JOBS:-$(nproc)}
parallel=${FUZZ_PARALLEL:-$(nproc)}
targets=("$@")
((${#targets[@]})) || targets=(fuzz_pipeline fuzz_params fuzz_lock fuzz_state_files fuzz_responses fuzz_dvc fuzz_plots)

work=$(mktemp -d /tmp/pipe-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT

start=$SECONDS
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPIPE_FUZZ=ON -DPIPE_TESTS=OFF -DPIPE_WERROR=ON >"$work/configure.log" 2>&1 \
  || { cat "$work/configure.log" >&2; echo "fuzz: cmake failed (is clang installed?)" >&2; exit 1; }
if ! ninja -C "$build" -j "$jobs" fuzz_targets >"$work/build.log" 2>&1; then
  grep -v '^\[' "$work/build.log" | tail -60 >&2
  echo "fuzz: building the fuzz targets failed (above)" >&2
  exit 1
fi
echo "fuzz: built the fuzz targets in $((SECONDS - start)) s (ninja -j $jobs)" >&2

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# Fuzzes one target. Writes its table row to $work/$t.row and anything to
# report to $work/$t.report; returns 1 when it failed.
fuzz_one() {
  local t=$1
  local bin="$build/tests/fuzz/$t" seeds="$here/corpus/$t" regressions="$here/regressions/$t"
  local log="$work/$t.log" report="$work/$t.report"
  mkdir -p "$work/$t" "$work/$t-crash"
  : >"$report"
  # Past crashes first: each must now run clean.
  if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
    if ! "$bin" -runs=0 "$regressions" >"$log.regress" 2>&1; then
      { echo "fuzz: $t fails on a kept regression input:"; tail -40 "$log.regress"; } >>"$report"
      printf '| %s | %s | - | - | - | - | REGRESSION |\n' "$t" "$seconds" >"$work/$t.row"
      return 1
    fi
  fi
  # The first folder collects what the run finds; the seeds stay as they are.
  local result=ok
  if ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="$work/$t-crash/" "$work/$t" "$seeds" >"$log" 2>&1; then
    result=CRASH
    mkdir -p "$regressions"
    {
      echo "fuzz: $t found a crash, kept in tests/fuzz/regressions/$t/:"
      grep -A30 'ERROR\|==ERROR\|runtime error\|deadly signal' "$log" | head -60 || tail -40 "$log"
      for f in "$work/$t-crash"/*; do
        [ -e "$f" ] || continue
        cp "$f" "$regressions/$(basename "$f")"
        if [ "$(stat -c %s "$f")" -le 8192 ]; then
          echo "fuzz: input $(basename "$f"), base64 (base64 -d >tests/fuzz/regressions/$t/$(basename "$f")):"
          base64 "$f"
        fi
      done
    } >>"$report"
  fi
  local runs rate cov corpus
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo "?")
  corpus=$(ls "$work/$t" | wc -l)
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$t" "$seconds" "$runs" "$rate" "$cov" "$corpus" "$result" >"$work/$t.row"
  [ "$result" = ok ]
}

start=$SECONDS
for t in "${targets[@]}"; do
  [ -x "$build/tests/fuzz/$t" ] || { echo "fuzz: no target $t" >&2; exit 1; }
  while (($(jobs -rp | wc -l) >= parallel)); do wait -n || true; done
  fuzz_one "$t" &
done
wait
printf '| target | seconds | executions | exec/s | coverage (edges) | corpus | result |\n|---|---|---|---|---|---|---|\n'
failed=0
for t in "${targets[@]}"; do
  row=$(cat "$work/$t.row" 2>/dev/null) || row="| $t | $seconds | - | - | - | - | ERROR (see above) |"
  echo "$row"
  [[ "$row" == *"| ok |" ]] || failed=1
done
for t in "${targets[@]}"; do cat "$work/$t.report" >&2; done
echo "fuzz: fuzzed ${#targets[@]} targets for $seconds s each, $parallel at once, in $((SECONDS - start)) s" >&2
exit "$failed"
