#!/usr/bin/env bash
# Many pipeline files and many files: no-op `pipe status` from the root
# against a stat walk of the same tree (`find -printf`, the peer), in the
# same run, interleaved (see docs/benchmarks.md, "Repositories").
#
#   tests/bench/repos.sh                               # 30 files/660 stages; 10k..1M files
#   BENCH_SCALE="10000 100000" BENCH_RUNS=3 tests/bench/repos.sh   # quicker
#
# Environment: BENCH_SCALE [10000 100000 300000 1000000] BENCH_RUNS [5]
#   PIPE (else build-bench/ in Release, as run.sh builds it) BENCH_DIR BENCH_KEEP=1
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
py=/usr/bin/python3
RUNS=${BENCH_RUNS:-5}
SCALE=${BENCH_SCALE:-10000 100000 300000 1000000}
say() { printf '== %s\n' "$*" >&2; }

source "$here/lib.sh"
WORK=${BENCH_DIR:-$(mktemp -d /tmp/pipe-bench-repos.XXXXXX)}
mkdir -p "$WORK"
trap '[[ "${BENCH_KEEP:-0}" == 1 ]] || rm -rf "$WORK"' EXIT
cp "$PIPE" "$WORK/pipe"
# The HTTP and S3 backends (remotes/net_backends.h) go beside it.
if [ -f "$(dirname "$PIPE")/pipe-net.so" ]; then cp "$(dirname "$PIPE")/pipe-net.so" "$WORK/"; fi
PIPE=$WORK/pipe
RESULTS=$WORK/results.jsonl
: >"$RESULTS"
measure() { sync; "$py" "$here/timing.py" measure --out "$RESULTS" --runs "$RUNS" "$@"; }
# Peak RSS of one run, in kB.
rss() { (cd "$1" && /usr/bin/time -f %M -o "$WORK/rss" "$PIPE" status >/dev/null) && cat "$WORK/rss"; }
warm() { echo "find . -printf '' "; }  # one untimed walk: the page cache holds the tree
peer="find . -printf '%s %T@ %p\\n' >/dev/null"

echo "pipe:    $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?'); machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); runs=$RUNS" >&2

say "many: 30 pipeline files, 660 stages; half the folders' data deleted after the first run"
"$py" "$here/gen_repo.py" many "$WORK/many"
(cd "$WORK/many" && "$PIPE" repro -P -j 2 >/dev/null)
find "$WORK/many" -type f -path '*/out/*' -exec touch -d '1 hour ago' {} +
rm -rf "$WORK"/many/p1[5-9]/data "$WORK"/many/p2?/data
measure --key many --cwd "$WORK/many" --warmup 1 \
  --case "pipe status" "$(warm)" "'$PIPE' status" \
  --case "find -printf" "$(warm)" "$peer"
echo "{\"key\": \"many\", \"rss_kb\": $(rss "$WORK/many")}" >>"$RESULTS"
rm -rf "$WORK/many"

for n in $SCALE; do
  say "scale: one stage, $n files in $((n / 1000)) folders"
  "$py" "$here/gen_repo.py" scale "$WORK/s$n" --files "$n"
  find "$WORK/s$n/data" -type f -exec touch -d '1 hour ago' {} +
  (cd "$WORK/s$n" && "$PIPE" repro >/dev/null)
  measure --key "s$n" --cwd "$WORK/s$n" --warmup 1 \
    --case "pipe status" "$(warm)" "'$PIPE' status" \
    --case "find -printf" "$(warm)" "$peer"
  echo "{\"key\": \"s$n\", \"rss_kb\": $(rss "$WORK/s$n")}" >>"$RESULTS"
  rm -rf "$WORK/s$n"
done

"$py" - "$RESULTS" <<'PY'
import json, sys
rows = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    d = rows.setdefault(r["key"], {})
    if "rss_kb" in r: d["rss"] = r["rss_kb"]
    else: d[r["label"]] = r
print("| workload | no-op pipe status | find -printf | ratio | peak RSS | µs per file |")
print("|---|---|---|---|---|---|")
for key, d in rows.items():
    p, f = d["pipe status"], d["find -printf"]
    what = "30 files, 660 stages" if key == "many" else f"{int(key[1:]):,} files"
    n = 3960 if key == "many" else int(key[1:])
    print(f"| {what} | {p['median']:.3f} s ({p['min']:.3f}-{p['max']:.3f}) | {f['median']:.3f} s | "
          f"**{p['median'] / f['median']:.2f}x** | {d['rss'] / 1024:.0f} MB | {p['median'] / n * 1e6:.2f} |")
PY
