#!/usr/bin/env bash
# Profiles pipe on the workloads run.sh left behind (run it with BENCH_KEEP=1
# and BENCH_DIR=DIR first), with perf and DWARF call graphs (no -g build needed:
# the unwinder uses .eh_frame). Needs: apt-get install -y linux-perf.
#
#   BENCH_DIR=/tmp/pipe-bench BENCH_KEEP=1 tests/bench/run.sh
#   tests/bench/profile.sh /tmp/pipe-bench            # all profiles
#   tests/bench/profile.sh /tmp/pipe-bench cold warm  # some of them
#
# Profiles: cold (status, cold state db), warm (no-op status), noop-repro,
# big (status hashing the big file), trivial (first repro -j2 of trivial stages).
# Writes DIR/perf/NAME.data and prints a summary of each (perf_summary.py).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=${1:?usage: profile.sh BENCH_DIR [cold warm noop-repro big trivial]}
shift
which=${*:-cold warm noop-repro big trivial}
dir=$(cd "$dir" && pwd)
PIPE=${PIPE:-$dir/pipe}
FREQ=${PERF_FREQ:-999}
JOBS=${BENCH_JOBS:-2}
mkdir -p "$dir/perf"
rm_state='rm -f .pipe/state.db .pipe/state.db-wal .pipe/state.db-shm'

record() { # name cmd...
  local name=$1
  shift
  sync
  perf record -q -F "$FREQ" --call-graph dwarf,16384 -o "$dir/perf/$name.data" -- "$@" >/dev/null 2>"$dir/perf/$name.err" || {
    cat "$dir/perf/$name.err" >&2
    return 1
  }
  echo
  "$here/perf_summary.py" "$dir/perf/$name.data"
}
warm_full() { find in out -type f -print0 | xargs -0 cat >/dev/null; }

for w in $which; do
  case $w in
    cold)
      cd "$dir/full" && eval "$rm_state" && warm_full && record cold "$PIPE" status ;;
    warm)
      cd "$dir/full" && "$PIPE" status >/dev/null && warm_full && record warm "$PIPE" status ;;
    noop-repro)
      cd "$dir/full" && "$PIPE" status >/dev/null && warm_full && record noop-repro "$PIPE" repro -j "$JOBS" ;;
    big)
      cd "$dir/big" && eval "$rm_state" && cat big.bin >/dev/null && record big "$PIPE" status ;;
    trivial)
      cd "$dir/trivial" && rm -rf out pipe.lock .pipe && mkdir out && record trivial "$PIPE" repro -j "$JOBS" ;;
    *) echo "profile.sh: unknown profile '$w'" >&2; exit 2 ;;
  esac
done
