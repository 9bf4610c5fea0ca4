#!/usr/bin/env bash
# Benchmarks for `pipe add` and `pipe checkout` against peers in the same run.
#
#   tests/bench/add.sh                                   # 100,000 files, 1 GiB
#   ADD_FILES=5000 ADD_BIG_MIB=64 ADD_RUNS=3 tests/bench/add.sh   # smoke
#
# Figures (medians of ADD_RUNS interleaved runs, page cache warm):
#   (e) pipe add of ADD_FILES small files into an empty cache, vs
#       `find -exec xxhsum -H2` and `cp -r` of the same tree
#   (f) pipe add of one ADD_BIG_MIB file vs `xxhsum -H2` + `cp --reflink=auto`
#   (g) re-add of the tree after changing one file (state cache warm)
#   (h) pipe add of the tree with cache.type hardlink, vs `cp -al`
#   (i) pipe checkout of the deleted tree with cache.type copy, vs `cp -r`
#       out of a copy of the tree
#   (j) the same with cache.type hardlink, vs `cp -al`
#   (c) (e) with a cold page cache (`echo 3 >/proc/sys/vm/drop_caches` before
#       every run; needs root, skipped otherwise)
# ADD_ONLY=KEYS (e.g. ADD_ONLY=c) runs only those figures.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
py=/usr/bin/python3
FILES=${ADD_FILES:-100000}
BIG_MIB=${ADD_BIG_MIB:-1024}
RUNS=${ADD_RUNS:-5}
source "$here/lib.sh"
WORK=$(mktemp -d /tmp/pipe-addbench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
RESULTS=$WORK/results.jsonl
cd "$WORK"
"$PIPE" init >/dev/null
"$py" - "$FILES" <<'PY'
import os, random, sys
n = int(sys.argv[1]); random.seed(1)
for i in range(n):
    d = f"tree/d{i // 1000:03d}"
    if i % 1000 == 0: os.makedirs(d, exist_ok=True)
    with open(f"{d}/f{i:06d}.txt", "wb") as f: f.write(os.urandom(60 + random.randrange(100)))
PY
head -c $((BIG_MIB << 20)) /dev/urandom >big.bin
touch -d '1 hour ago' big.bin && find tree -type f -exec touch -d '1 hour ago' {} +
warm="cat big.bin >/dev/null; find tree -type f -exec cat {} + >/dev/null"
fresh="rm -rf .pipe/cache .pipe/state.db* .pipe/config tree.pipe big.bin.pipe .gitignore copy big.copy; sync"
ONLY=${ADD_ONLY:-cefghij}
m() {
  [[ $ONLY == *"$2"* ]] || return 0
  "$py" "$here/timing.py" measure --out "$RESULTS" --runs "$RUNS" --cwd "$WORK" "$@"
}
cold="sync; echo 3 >/proc/sys/vm/drop_caches"
if [[ -w /proc/sys/vm/drop_caches ]]; then
  m --key c --case "pipe add tree, cold" "$fresh; $cold" "'$PIPE' add tree" \
    --case "find -exec xxhsum -H2, cold" "$fresh; $cold" "find tree -type f -exec xxhsum -H2 {} + >/dev/null" \
    --case "cp -r, cold" "$fresh; $cold" "cp -r tree copy"
fi
m --key e --case "pipe add tree" "$fresh; $warm" "'$PIPE' add tree" \
  --case "find -exec xxhsum -H2" "$fresh; $warm" "find tree -type f -exec xxhsum -H2 {} + >/dev/null" \
  --case "cp -r" "$fresh; $warm" "cp -r tree copy"
m --key f --case "pipe add big" "$fresh; $warm" "'$PIPE' add big.bin" \
  --case "xxhsum + cp --reflink=auto" "$fresh; $warm" "xxhsum -H2 big.bin >/dev/null && cp --reflink=auto big.bin big.copy"
if [[ $ONLY == *[ghij]* ]]; then
"$PIPE" add tree >/dev/null
m --key g --case "pipe re-add, one file changed" \
  "f=tree/d000/f000000.txt; chmod u+w \$f; echo x >> \$f; touch -d '1 hour ago' \$f" "'$PIPE' add tree"
# Hard links: the tree becomes read-only links to the cache, so each run
# starts from a fresh copy of the original tree (made outside the timing).
cp -r tree orig
restore="rm -rf tree links && cp -r orig tree && find tree -type f -exec touch -d '1 hour ago' {} +"
m --key h --case "pipe add tree, hardlink" "$fresh; $restore; '$PIPE' config cache.type hardlink; sync" "'$PIPE' add tree" \
  --case "cp -al" "$fresh; $restore; sync" "cp -al tree links"
# Checkout: the cache holds the tree; the workspace copy is deleted.
rm -rf .pipe/cache .pipe/state.db* .pipe/config tree.pipe tree && cp -r orig tree && "$PIPE" add tree >/dev/null
m --key i --case "pipe checkout tree, copy" "rm -rf tree copy; sync" "'$PIPE' checkout tree" \
  --case "cp -r" "rm -rf tree copy; sync" "cp -r orig copy"
"$PIPE" config cache.type hardlink
m --key j --case "pipe checkout tree, hardlink" "rm -rf tree links; sync" "'$PIPE' checkout tree" \
  --case "cp -al" "rm -rf tree links; sync" "cp -al orig links"
fi
"$py" - "$RESULTS" "$FILES" "$BIG_MIB" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
files, mib = int(sys.argv[2]), int(sys.argv[3])
print(f"files={files} big={mib}MiB (medians)")
for r in rows:
    t = statistics.median(r["times"])
    per = f"{files / t:,.0f} files/s" if r["key"] in "ceghij" else f"{mib / 1024 / t:.2f} GiB/s" if r["key"] == "f" else ""
    print(f"({r['key']}) {r['label']:<34} {t:8.3f} s  {per}")
PY
