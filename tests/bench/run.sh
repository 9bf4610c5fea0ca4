#!/usr/bin/env bash
# Benchmarks for pipe against peers measured in the same run (see docs/benchmarks.md).
#
#   tests/bench/run.sh                 # full run: 1000 stages, 100,000 files, 1 GiB
#   BENCH_STAGES=50 BENCH_FILES=2000 BENCH_BIG_MIB=64 BENCH_RUNS=3 tests/bench/run.sh   # smoke
#
# Figures (medians of BENCH_RUNS interleaved runs, page cache warm):
#   (a) `pipe status` on a cold state db (hashes every dep/out) vs `xxhsum -H2` on the same files
#   (b) no-op `pipe status` and `pipe repro` with a warm state db (make -q for reference)
#   (c) `pipe status` hashing one big file on a cold state db vs `xxhsum -H2` on it
#   (d) first `pipe repro -j N` of trivial stages vs `make -j N` on the same graph
#
# Environment (defaults in brackets):
#   BENCH_STAGES [1000] BENCH_LAYERS [10] BENCH_FILES [100000] BENCH_FILES_PER_DIR [1000]
#   BENCH_BIG_MIB [1024] BENCH_TRIVIAL_STAGES [BENCH_STAGES] BENCH_RUNS [5] BENCH_JOBS [2]
#   BENCH_ONLY ["a b c d"]  which figures to run ((a) and (b) share a workload)
#   BENCH_DIR   work directory [a fresh mktemp -d]; BENCH_KEEP=1 keeps it
#   eatmydata (apt-get install -y eatmydata), when installed, adds (d) with fsync disabled.
#   PIPE        pipe binary to test [builds build-bench/ in Release and uses it]
#   BENCH_BUILD_DIR [<repo>/build-bench]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
py=/usr/bin/python3

STAGES=${BENCH_STAGES:-1000}
LAYERS=${BENCH_LAYERS:-10}
FILES=${BENCH_FILES:-100000}
PER_DIR=${BENCH_FILES_PER_DIR:-1000}
BIG_MIB=${BENCH_BIG_MIB:-1024}
TRIVIAL=${BENCH_TRIVIAL_STAGES:-$STAGES}
RUNS=${BENCH_RUNS:-5}
JOBS=${BENCH_JOBS:-2}
ONLY=${BENCH_ONLY:-a b c d}
BUILD=${BENCH_BUILD_DIR:-$repo/build-bench}

want() { [[ " $ONLY " == *" $1 "* ]]; }
say() { printf '== %s\n' "$*" >&2; }

for tool in xxhsum make find xargs; do
  command -v "$tool" >/dev/null || { echo "run.sh: '$tool' not found (apt-get install -y xxhash make findutils)" >&2; exit 2; }
done

if [[ -z "${PIPE:-}" ]]; then
  if [[ ! -f "$BUILD/build.ninja" ]]; then
    say "configuring Release build in $BUILD"
    cmake -S "$repo" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPIPE_TESTS=OFF >&2
  fi
  say "building $BUILD/cli/pipe"
  ninja -C "$BUILD" >&2
  PIPE=$BUILD/cli/pipe
fi
PIPE=$(cd "$(dirname "$PIPE")" && pwd)/$(basename "$PIPE")
[[ -x "$PIPE" ]] || { echo "run.sh: no pipe binary at $PIPE" >&2; exit 2; }

if [[ -n "${BENCH_DIR:-}" ]]; then
  WORK=$BENCH_DIR
  mkdir -p "$WORK"
else
  WORK=$(mktemp -d /tmp/pipe-bench.XXXXXX)
fi
cleanup() { if [[ "${BENCH_KEEP:-0}" != 1 ]]; then rm -rf "$WORK"; else say "kept $WORK"; fi; }
trap cleanup EXIT
# A private copy, so a rebuild during the run cannot swap binaries between runs.
cp "$PIPE" "$WORK/pipe"
# The HTTP and S3 backends (remotes/net_backends.h) go beside it.
if [ -f "$(dirname "$PIPE")/pipe-net.so" ]; then cp "$(dirname "$PIPE")/pipe-net.so" "$WORK/"; fi
PIPE_SRC=$PIPE
PIPE=$WORK/pipe
RESULTS=$WORK/results.jsonl
: >"$RESULTS"

# sync first: writeback of the files just generated (or deleted) makes every
# fsync wait on it, which once inflated (d) by 3.5x.
measure() { sync; "$py" "$here/timing.py" measure --out "$RESULTS" --runs "$RUNS" "$@"; }
backdate() { find "$@" -type f -exec touch -d '1 hour ago' {} +; }
rm_state='rm -f .pipe/state.db .pipe/state.db-wal .pipe/state.db-shm'
# This VM reclaims page cache on its own (an idle 1 GiB file lost 5% in 15 s with
# 22 GiB free), so every timed run is preceded by an untimed read of its files.
warm_full='find in out -type f -print0 | xargs -0 cat >/dev/null'
warm_big='cat big.bin >/dev/null'
state_rows() { "$py" -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from file_hash").fetchone()[0])' "$1/.pipe/state.db"; }
expect_up_to_date() { # dir
  local out
  out=$(cd "$1" && "$PIPE" status)
  [[ "$out" == "Data and pipelines are up to date." ]] || { echo "run.sh: $1 is not up to date:" >&2; echo "$out" | head >&2; exit 1; }
}

{
  echo "pipe:    $PIPE_SRC ($(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$repo" diff --quiet HEAD -- engine cli 2>/dev/null || echo ', engine/cli modified'))"
  echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r)"
  echo "peers:   $(xxhsum --version 2>&1 | head -1 | sed 's/ by.*//'), $(make --version | head -1)"
  echo "work:    $WORK (fs: $(stat -f -c %T "$WORK"))"
  echo "sizes:   stages=$STAGES layers=$LAYERS files=$FILES per_dir=$PER_DIR big=${BIG_MIB}MiB trivial=$TRIVIAL runs=$RUNS jobs=$JOBS"
} | tee "$WORK/header.txt" >&2

if want a || want b; then
  say "generating full workload"
  "$py" "$here/gen_project.py" "$WORK/full" --stages "$STAGES" --layers "$LAYERS" --files "$FILES" \
    --files-per-dir "$PER_DIR" >&2
  cd "$WORK/full"
  start=$(date +%s%N)
  "$PIPE" repro -j "$JOBS" >/dev/null
  say "setup: first pipe repro (runs stages, hashes everything) took $(( ($(date +%s%N) - start) / 1000000 )) ms"
  backdate out            # outputs older than 2 s, so the state cache keeps them too
  expect_up_to_date "$WORK/full"
  eval "$rm_state"
  "$PIPE" status >/dev/null
  rows=$(state_rows "$WORK/full")
  want_rows=$((FILES + STAGES))
  [[ "$rows" == "$want_rows" ]] || { echo "run.sh: state db holds $rows hashes after a cold status, expected $want_rows" >&2; exit 1; }
  say "cold pipe status recorded $rows hashes (files + stage outputs), as expected"
  if want a; then
    say "(a) hashing $FILES small files: pipe status on a cold state db vs xxhsum -H2"
    measure --key a --cwd "$WORK/full" --warmup 1 \
      --case "pipe status cold db" "$rm_state; $warm_full" "'$PIPE' status" \
      --case "xxhsum -H2" "$warm_full" "find in out -type f -print0 | xargs -0 xxhsum -H2 >/dev/null"
  fi
  "$PIPE" status >/dev/null  # leave the state db warm
  say "(b) no-op status and repro, warm state db"
  measure --key b --cwd "$WORK/full" --warmup 1 \
    --case "pipe status" "$warm_full" "'$PIPE' status" \
    --case "pipe repro" "$warm_full" "'$PIPE' repro -j $JOBS" \
    --case "make -q" "$warm_full" "make -q all"
  expect_up_to_date "$WORK/full"
  cd "$WORK"
  [[ "${BENCH_KEEP:-0}" == 1 ]] || rm -rf "$WORK/full"  # frees the page cache for (c)
fi

if want c; then
  say "(c) hashing one ${BIG_MIB} MiB file: pipe status on a cold state db vs xxhsum -H2"
  # "small" is the same project with a 1 MiB dep: pipe's fixed cost of a cold
  # status (start-up, creating state.db with its fsyncs), subtracted in (c').
  "$py" "$here/gen_project.py" "$WORK/big" --big-mib "$BIG_MIB" >&2
  "$py" "$here/gen_project.py" "$WORK/small" --big-mib 1 >&2
  for p in big small; do
    (cd "$WORK/$p" && "$PIPE" repro >/dev/null && backdate out.txt)
    expect_up_to_date "$WORK/$p"
  done
  measure --key c --cwd "$WORK/big" --warmup 1 \
    --case "pipe status cold db" "$rm_state; $warm_big" "'$PIPE' status" \
    --case "pipe status cold db, 1 MiB" "cd ../small && $rm_state && $warm_big" "cd ../small && '$PIPE' status" \
    --case "xxhsum -H2" "$warm_big" "xxhsum -H2 big.bin >/dev/null"
  [[ "${BENCH_KEEP:-0}" == 1 ]] || rm -rf "$WORK/big" "$WORK/small"
fi

if want d; then
  say "(d) first run of $TRIVIAL trivial stages: pipe repro -j $JOBS vs make -j $JOBS"
  "$py" "$here/gen_project.py" "$WORK/trivial" --trivial --stages "$TRIVIAL" --layers "$LAYERS" >&2
  # With eatmydata installed, a third case shows what pipe's fsyncs cost.
  nosync=()
  if command -v eatmydata >/dev/null; then
    nosync=(--case "pipe repro first run, eatmydata" 'rm -rf out pipe.lock .pipe && mkdir out' \
      "eatmydata '$PIPE' repro -j $JOBS")
  fi
  measure --key d --cwd "$WORK/trivial" --warmup 1 \
    --case "pipe repro first run" 'rm -rf out pipe.lock .pipe && mkdir out' "'$PIPE' repro -j $JOBS" \
    --case "make first run" 'rm -rf out && mkdir out' "make -j $JOBS all" "${nosync[@]}"
  n=$(grep -c '^  "s' "$WORK/trivial/pipe.lock" || true)
  [[ "$n" == "$TRIVIAL" ]] || { echo "run.sh: pipe.lock records $n stages, expected $TRIVIAL" >&2; exit 1; }
fi

cat "$WORK/header.txt"
"$py" "$here/timing.py" report --results "$RESULTS" --meta files="$((FILES + STAGES))" stages="$STAGES" \
  trivial_stages="$TRIVIAL" big_bytes="$((BIG_MIB * 1048576))" runs="$RUNS" jobs="$JOBS"
