#!/usr/bin/env bash
# Adopting and pulling a DVC repository (issue 14), against peers in the
# same run, interleaved (docs/benchmarks.md, "DVC repositories"):
#   (t) pipe import-dvc of a repository whose dvc.lock names a 10,000-file,
#       1 GiB directory, with DVC's cache filled as `dvc repro` leaves it:
#       every file proven by md5, then linked from DVC's cache into pipe's
#                                        vs md5sum of the same files
#   (u) pipe fetch of 10,000 objects from a DVC-layout remote on Swift's S3
#       API, by md5                      vs aws s3 cp --recursive of the same keys
#
#   tests/bench/dvc.sh                                  # 10,000 files, 1 GiB; 10,000 objects
#   DVC_FILES=1000 DVC_MIB=64 DVC_OBJECTS=500 DVC_RUNS=1 tests/bench/dvc.sh   # smoke
# Needs Swift (swift-proxy, swift-object, swift-container, swift-account,
# memcached) and awscli for (u). What a timed run replaces is moved aside,
# never deleted, until the end (the disk is mounted with `discard`).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
py=/usr/bin/python3
FILES=${DVC_FILES:-10000}
MIB=${DVC_MIB:-1024}
OBJECTS=${DVC_OBJECTS:-10000}
RUNS=${DVC_RUNS:-5}
JOBS=${DVC_JOBS:-16}
source "$here/lib.sh"
WORK=$(mktemp -d /tmp/pipe-dvcbench.XXXXXX)
PORT=${DVC_PORT:-18491}
trap 'bash "$repo/tests/servers/swift.sh" stop "$WORK/swift" 2>/dev/null; rm -rf "$WORK"' EXIT
mkdir -p "$WORK/trash"
RESULTS=$WORK/results.jsonl
aside() { echo "for p in $*; do [ -e \$p ] && mv \$p '$WORK/trash/'\$(date +%s%N) || true; done; sync"; }

# A DVC repository: stage `prep` made data/raw, FILES files of MIB MiB in all,
# recorded in dvc.lock by DVC 3 (md5, a .dir manifest); its objects written
# to REMOTE_DIR in DVC's layout: DVC's cache (DIR/.dvc/cache, as after `dvc
# repro`) or a remote.
make_repo() {  # DIR FILES BYTES_EACH REMOTE_DIR
  "$py" - "$@" <<'PY'
import hashlib, json, os, sys
root, n, each, remote = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
os.makedirs(f"{root}/.dvc", exist_ok=True)
listed, total = [], 0
for i in range(n):
    d = f"{root}/data/raw/part{i // 1000:03d}"
    if i % 1000 == 0: os.makedirs(d, exist_ok=True)
    data = os.urandom(each - 37 + (i * 7) % 75)
    with open(f"{d}/f{i:06d}.bin", "wb") as f: f.write(data)
    md5 = hashlib.md5(data).hexdigest()
    listed.append({"md5": md5, "relpath": f"part{i // 1000:03d}/f{i:06d}.bin"})
    total += len(data)
    if remote:
        p = f"{remote}/files/md5/{md5[:2]}"
        os.makedirs(p, exist_ok=True)
        with open(f"{p}/{md5[2:]}", "wb") as f: f.write(data)
listed.sort(key=lambda e: e["relpath"])
manifest = json.dumps(listed, sort_keys=True).encode()
name = hashlib.md5(manifest).hexdigest()
if remote:
    with open(f"{remote}/files/md5/{name[:2]}/{name[2:]}.dir", "wb") as f: f.write(manifest)
with open(f"{root}/dvc.yaml", "w") as f:
    f.write("stages:\n  prep:\n    cmd: ./fetch-raw.sh\n    outs:\n    - data/raw\n")
with open(f"{root}/dvc.lock", "w") as f:
    f.write(f"schema: '2.0'\nstages:\n  prep:\n    cmd: ./fetch-raw.sh\n    outs:\n    - path: data/raw\n"
            f"      hash: md5\n      md5: {name}.dir\n      size: {total}\n      nfiles: {n}\n")
PY
}

# (t) import-dvc against md5sum.
make_repo "$WORK/big" "$FILES" $(((MIB << 20) / FILES)) "$WORK/big/.dvc/cache"
cd "$WORK/big"
m() { "$py" "$here/timing.py" measure --out "$RESULTS" --runs "$RUNS" --cwd "$PWD" "$@"; }
m --key t --case "pipe import-dvc, $FILES files" "$(aside .pipe pipe.lock)" "'$PIPE' import-dvc" \
  --case "md5sum of the same files" "" "find data/raw -type f -print0 | xargs -0 md5sum >/dev/null"

# (u) fetch by md5 from Swift against the AWS CLI.
if [ -x /usr/bin/swift-proxy-server ] && [ -x /usr/bin/aws ]; then
  make_repo "$WORK/small" "$OBJECTS" 110 "$WORK/dvcstore"
  bash "$repo/tests/servers/swift.sh" start "$WORK/swift" "$PORT" >&2
  bash "$repo/tests/servers/swift.sh" bucket "$WORK/swift" "$PORT" bench >&2
  export AWS_ACCESS_KEY_ID="pipe:tester" AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
  AWS="env -u AWS_CA_BUNDLE /usr/bin/aws --endpoint-url http://127.0.0.1:$PORT"
  mkdir -p "$WORK/home/.aws"
  printf '[default]\ns3 =\n  max_concurrent_requests = %s\n' "$JOBS" >"$WORK/home/.aws/config"
  export HOME=$WORK/home
  $AWS s3 cp --recursive --quiet "$WORK/dvcstore" s3://bench/dvcstore
  cd "$WORK/small"
  mv data "$WORK/trash/pulled-from-nowhere"
  printf "[core]\n    remote = store\n['remote \"store\"']\n    url = s3://bench/dvcstore\n    endpointurl = http://127.0.0.1:%s\n" \
    "$PORT" >.dvc/config
  "$PIPE" import-dvc >/dev/null
  m() { "$py" "$here/timing.py" measure --out "$RESULTS" --runs "$RUNS" --cwd "$PWD" "$@"; }
  # The md5 -> digest map (state.db) goes too: else a second fetch asks for nothing.
  m --key u --case "pipe fetch, $OBJECTS objects by md5" "$(aside .pipe/cache .pipe/state.db)" "'$PIPE' fetch -j $JOBS" \
    --case "aws s3 cp --recursive, down" "$(aside down)" "$AWS s3 cp --recursive --quiet s3://bench/dvcstore/files down"
fi

"$py" - "$RESULTS" "$FILES" "$MIB" "$OBJECTS" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
med = {(r["key"], r["label"]): (statistics.median(r["times"]), min(r["times"]), max(r["times"])) for r in rows}
print(f"\nmedians of interleaved runs (min-max)")
print("| figure | pipe | peer | ratio |")
print("|---|---|---|---|")
for key in ("t", "u"):
    mine = [(l, t) for (k, l), t in med.items() if k == key and l.startswith("pipe")]
    peer = [(l, t) for (k, l), t in med.items() if k == key and not l.startswith("pipe")]
    if mine and peer:
        (ml, mt), (pl, pt) = mine[0], peer[0]
        print(f"| ({key}) {ml} | {mt[0]:.2f} s ({mt[1]:.2f}-{mt[2]:.2f}) | {pl}: {pt[0]:.2f} s ({pt[1]:.2f}-{pt[2]:.2f}) | {mt[0] / pt[0]:.2f}x |")
PY
