#!/usr/bin/env bash
# Push, pull and a fresh checkout of 10,000 small files with a local-directory
# remote, against `cp -r` of the same files, interleaved in one run
# (docs/benchmarks.md, "A local-directory remote"):
#   (v) pipe push to an empty remote        vs cp -r of the workspace files
#   (w) pipe pull into an empty cache and an empty workspace folder
#                                           vs cp -r of the remote's objects,
#                                           cp -r of the workspace files, and
#                                           both one after the other;
#       pull copies twice (remote to cache, cache to workspace), unless
#       cache.type links the workspace to the cache: both are measured
#   (w') pipe fetch alone (the objects only)
#   (x) pipe checkout of the deleted folder vs cp -r of the workspace files
#
#   tests/bench/local_remote.sh                 # 10,000 files, 7 runs
#   LR_FILES=2000 LR_RUNS=3 tests/bench/local_remote.sh
#
# What a timed run removes is moved aside (mv), never deleted, until the end:
# the root filesystem here is mounted with `discard`, and mass deletions slow
# every later file operation for seconds (../shared/recipes/README.md).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
py=/usr/bin/python3
FILES=${LR_FILES:-10000}
RUNS=${LR_RUNS:-7}
source "$here/lib.sh"
WORK=$(mktemp -d /tmp/pipe-lrbench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/proj" "$WORK/trash"
cd "$WORK/proj"
"$PIPE" init >/dev/null
"$py" - "$FILES" <<'PY'
import os, random, sys
n = int(sys.argv[1]); random.seed(2)
for i in range(n):
    d = f"small/d{i // 1000:03d}"
    if i % 1000 == 0: os.makedirs(d, exist_ok=True)
    with open(f"{d}/f{i:06d}.txt", "wb") as f: f.write(os.urandom(60 + random.randrange(100)))
PY
"$PIPE" add small >/dev/null
"$PIPE" remote add -d loc "$WORK/remote" >/dev/null
"$PIPE" push >/dev/null
cp -r small "$WORK/pristine"
RESULTS=$WORK/results.jsonl
aside() { echo "for p in $*; do [ -e \$p ] && mv \$p '$WORK/trash/'\$(date +%s%N) || true; done; sync"; }
m() { "$py" "$here/timing.py" measure --out "$RESULTS" --runs "$RUNS" --cwd "$WORK/proj" "$@"; }
m --key v --case "pipe push, $FILES files" "$(aside "'$WORK/remote'")" "'$PIPE' push" \
  --case "cp -r, workspace files" "$(aside "'$WORK/copy'")" "cp -r small '$WORK/copy'"
m --key w --case "pipe pull, $FILES files" "'$PIPE' config cache.type reflink,copy; $(aside .pipe/cache/v1 small)" "'$PIPE' pull" \
  --case "pipe pull, cache.type hardlink" "'$PIPE' config cache.type hardlink,copy; $(aside .pipe/cache/v1 small)" "'$PIPE' pull" \
  --case "pipe fetch, $FILES files" "$(aside .pipe/cache/v1)" "'$PIPE' fetch" \
  --case "cp -r, remote objects" "$(aside "'$WORK/copy'")" "cp -r '$WORK/remote/v1' '$WORK/copy'" \
  --case "cp -r, workspace files" "$(aside "'$WORK/copy2'")" "cp -r '$WORK/pristine' '$WORK/copy2'" \
  --case "cp -r twice, objects then workspace files" "$(aside "'$WORK/copy'" "'$WORK/copy2'")" \
    "cp -r '$WORK/remote/v1' '$WORK/copy' && cp -r '$WORK/pristine' '$WORK/copy2'"
m --key x --case "pipe checkout, $FILES files" "'$PIPE' config cache.type reflink,copy; $(aside small)" "'$PIPE' checkout" \
  --case "cp -r, workspace files" "$(aside "'$WORK/copy'")" "cp -r '$WORK/pristine' '$WORK/copy'"
"$py" - "$RESULTS" "$FILES" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
med = {(r["key"], r["label"]): statistics.median(r["times"]) for r in rows}
print(f"\n{sys.argv[2]} files, medians of interleaved runs")
print("| figure | pipe | peer (same run) | ratio |")
print("|---|---|---|---|")
for key in ("v", "w", "x"):
    peers = [(label, t) for (k, label), t in med.items() if k == key and label.startswith("cp")]
    for (k, label), t in med.items():
        if k != key or label.startswith("cp"):
            continue
        for peer, p in peers:
            print(f"| ({k}) {label} | {t:.3f} s | {peer}: {p:.3f} s | {t / p:.2f}x |")
PY
