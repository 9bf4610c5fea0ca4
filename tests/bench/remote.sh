#!/usr/bin/env bash
# Benchmarks for remotes (issue 5), against OpenStack Swift's S3 API on
# loopback, with the AWS CLI as the peer, in one run:
#   (o) push of REM_FILES small files   vs `aws s3 cp --recursive`
#   (p) pull of them into an empty cache vs `aws s3 cp --recursive` down
#   (q) push of one REM_BIG_MIB file     vs `aws s3 cp`
#   (r) pull of it                       vs `aws s3 cp` down
#   (s) a no-op push of the REM_FILES objects (all already there)
#
#   tests/bench/remote.sh                                   # 10,000 files, 1 GiB
#   REM_FILES=500 REM_BIG_MIB=32 REM_RUNS=1 tests/bench/remote.sh   # smoke
# Needs Swift (swift-proxy, swift-object, swift-container, swift-account,
# memcached) and awscli.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
py=/usr/bin/python3
FILES=${REM_FILES:-10000}
BIG_MIB=${REM_BIG_MIB:-1024}
RUNS=${REM_RUNS:-3}
JOBS=${REM_JOBS:-16}
source "$here/lib.sh"
WORK=$(mktemp -d /tmp/pipe-rembench.XXXXXX)
PORT=${REM_PORT:-18391}
trap 'bash "$repo/tests/servers/swift.sh" stop "$WORK/swift"; rm -rf "$WORK"' EXIT
bash "$repo/tests/servers/swift.sh" start "$WORK/swift" "$PORT" >&2
bash "$repo/tests/servers/swift.sh" bucket "$WORK/swift" "$PORT" bench >&2
export AWS_ACCESS_KEY_ID="pipe:tester" AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
AWS="env -u AWS_CA_BUNDLE /usr/bin/aws --endpoint-url http://127.0.0.1:$PORT"
# The AWS CLI's own concurrency, matched to pipe's -j.
mkdir -p "$WORK/home/.aws"
printf '[default]\ns3 =\n  max_concurrent_requests = %s\n' "$JOBS" >"$WORK/home/.aws/config"
export HOME=$WORK/home

cd "$WORK" && mkdir proj && cd proj
"$PIPE" init >/dev/null
"$py" - "$FILES" <<'PY'
import os, random, sys
n = int(sys.argv[1]); random.seed(2)
for i in range(n):
    d = f"small/d{i // 1000:03d}"
    if i % 1000 == 0: os.makedirs(d, exist_ok=True)
    with open(f"{d}/f{i:06d}.txt", "wb") as f: f.write(os.urandom(60 + random.randrange(100)))
PY
head -c $((BIG_MIB << 20)) /dev/urandom >big.bin
"$PIPE" add small big.bin >/dev/null
# One prefix per data set, so wiping one before a timed push keeps the other.
for r in small big; do
  "$PIPE" remote add "$r" "s3://bench/pipe-$r" >/dev/null
  "$PIPE" remote modify "$r" endpointurl "http://127.0.0.1:$PORT"
done
RESULTS=$WORK/results.jsonl
m() { "$py" "$here/timing.py" measure --out "$RESULTS" --runs "$RUNS" --cwd "$WORK/proj" "$@"; }
# Each timed push starts from an empty prefix: delete it first (untimed).
wipe() { echo "$AWS s3 rm --recursive --quiet s3://bench/$1/ >/dev/null"; }
m --key o --case "pipe push, $FILES files" "$(wipe pipe-small)" "'$PIPE' push -r small -j $JOBS small.pipe" \
  --case "aws s3 cp --recursive" "$(wipe aws)" "$AWS s3 cp --recursive --quiet small s3://bench/aws/small"
m --key p --case "pipe pull, $FILES files" "rm -rf .pipe/cache small" "'$PIPE' pull -r small -j $JOBS small.pipe" \
  --case "aws s3 cp --recursive, down" "rm -rf down" "$AWS s3 cp --recursive --quiet s3://bench/aws/small down"
m --key s --case "pipe push, nothing to do" "" "'$PIPE' push -r small -j $JOBS small.pipe"
m --key q --case "pipe push, $BIG_MIB MiB" "$(wipe pipe-big); '$PIPE' add big.bin >/dev/null" "'$PIPE' push -r big -j $JOBS big.bin.pipe" \
  --case "aws s3 cp, $BIG_MIB MiB" "$(wipe aws)" "$AWS s3 cp --quiet big.bin s3://bench/aws/big.bin"
m --key r --case "pipe pull, $BIG_MIB MiB" "rm -rf .pipe/cache big.bin" "'$PIPE' pull -r big -j $JOBS big.bin.pipe" \
  --case "aws s3 cp, $BIG_MIB MiB, down" "rm -f down.bin" "$AWS s3 cp --quiet s3://bench/aws/big.bin down.bin"
"$py" - "$RESULTS" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("medians")
for r in rows:
    print(f"({r['key']}) {r['label']:<34} {statistics.median(r['times']):8.3f} s")
PY
