#!/usr/bin/env bash
# Benchmark for the shared model registry (issue 16), against OpenStack
# Swift's S3 API on loopback, in one run:
#   (y) `pipe fetch` into a fresh clone of a registry of REG_EVENTS events
#       and REG_RUNS runs (REG_ROUNDS pushes, so as many packs), no data
#       objects                      vs `aws s3 cp --recursive` of the packs
#   (z) `pipe model history clf` on the fetched store
#                                    vs the `sqlite3` shell reading the rows
#
#   tests/bench/registry.sh                                   # 10,000 events, 1,000 runs
#   REG_EVENTS=1000 REG_RUNS=100 REG_RUNS_TIMED=1 tests/bench/registry.sh   # smoke
#
# The runs are made by `pipe model bump` (each a run with a model version).
# The events are written into the store by the script below, with their
# uids, parents and chain hashes as pipe computes them; `pipe audit verify`
# then checks every one, so a store pipe would not have written fails the
# benchmark. Needs Swift (swift-proxy, swift-object, swift-container,
# swift-account, memcached), awscli and sqlite3.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
py=/usr/bin/python3
EVENTS=${REG_EVENTS:-10000}
RUNS=${REG_RUNS:-1000}
ROUNDS=${REG_ROUNDS:-10}
TIMED=${REG_RUNS_TIMED:-5}
source "$here/lib.sh"
WORK=$(mktemp -d /tmp/pipe-regbench.XXXXXX)
PORT=${REG_PORT:-18491}
trap 'bash "$repo/tests/servers/swift.sh" stop "$WORK/swift"; rm -rf "$WORK"' EXIT
bash "$repo/tests/servers/swift.sh" start "$WORK/swift" "$PORT" >&2
bash "$repo/tests/servers/swift.sh" bucket "$WORK/swift" "$PORT" bench >&2
export AWS_ACCESS_KEY_ID="pipe:tester" AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
AWS="env -u AWS_CA_BUNDLE /usr/bin/aws --endpoint-url http://127.0.0.1:$PORT"
export HOME=$WORK/home && mkdir -p "$HOME"

cd "$WORK" && mkdir team && cd team
git init -q . && git config user.email b@b && git config user.name b
"$PIPE" init >/dev/null
echo 1 >data.csv
printf 'stages:\n  train:\n    cmd: cat data.csv >model.bin\n    deps: [data.csv]\n    outs: [model.bin]\nmodels:\n  clf:\n    path: model.bin\n' >pipe.yaml
"$PIPE" repro >/dev/null 2>&1
"$PIPE" remote add -d shared "s3://bench/registry" >/dev/null
"$PIPE" remote modify shared endpointurl "http://127.0.0.1:$PORT"
"$PIPE" remote modify shared region us-east-1
git add -A && git commit -qm setup

# add_events N: appends N events to the store as pipe's add_event would:
# promotions, approvals and rollbacks of the versions there, each naming
# the one before it.
add_events() {
  "$py" - .pipe/lineage.db "$1" <<'PY'
import hashlib, json, random, sqlite3, sys
db = sqlite3.connect(sys.argv[1]); n = int(sys.argv[2]); random.seed(n)
canon = lambda v: json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
versions = [r[0] for r in db.execute("SELECT version FROM model_versions WHERE model = 'clf'")]
last = db.execute("SELECT id, hash, uid, at_ns FROM model_events ORDER BY id DESC LIMIT 1").fetchone()
eid, prev, parent, at = last if last else (0, "0" * 64, None, 1_796_000_000_000_000_000)
for _ in range(n):
    eid += 1; at += 1_000_000_000
    action = random.choice(["promote", "promote", "approve", "rollback"])
    stage = random.choice(["staging", "production"])
    e = {"model": "clf", "version": random.choice(versions), "stage": stage, "action": action,
         "user": random.choice(["alice", "bob", "carol"]), "host": "ws-%d" % random.randrange(8), "at_ns": at,
         "reason": "benchmark", "details": "{}", "policy_digest": ""}
    local = dict(e, id=eid)
    shared = dict(e, kind="model-event", signature="", parents=[parent] if parent else [])
    uid = hashlib.sha256(canon(shared).encode()).hexdigest()
    h = hashlib.sha256((prev + "\n" + canon(local)).encode()).hexdigest()
    db.execute("INSERT INTO model_events(id, model, version, stage, action, user, host, at_ns, reason, details, "
               "policy_digest, prev_hash, hash, signature, parents, uid) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
               (eid, e["model"], e["version"], stage, action, e["user"], e["host"], at, e["reason"], e["details"],
                e["policy_digest"], prev, h, "", parent or "", uid))
    prev, parent = h, uid
db.commit()
PY
}

echo "making $RUNS runs and $EVENTS events in $ROUNDS pushes..." >&2
for round in $(seq "$ROUNDS"); do
  for _ in $(seq $((RUNS / ROUNDS - (round == 1 ? 1 : 0)))); do
    "$PIPE" model bump clf --patch --reason benchmark >/dev/null
  done
  add_events $((EVENTS / ROUNDS))
  "$PIPE" push -j 16 >/dev/null
done
"$PIPE" audit verify >&2
PACKS=$($AWS s3 ls s3://bench/registry/lineage/packs/ | wc -l)
echo "registry on the remote: $PACKS packs, $($AWS s3 ls --recursive --summarize s3://bench/registry/lineage/packs/ | grep 'Total Size')" >&2

cd "$WORK" && git clone -q team clone && cd clone
RESULTS=$WORK/results.jsonl
m() { "$py" "$here/timing.py" measure --out "$RESULTS" --runs "$TIMED" --cwd "$WORK/clone" "$@"; }
m --key y --case "pipe fetch, $EVENTS events, $RUNS runs" "rm -f .pipe/lineage.db*" "'$PIPE' fetch -j 16" \
  --case "aws s3 cp --recursive of the packs" "rm -rf packs" "$AWS s3 cp --recursive --quiet s3://bench/registry/lineage/packs/ packs"
"$PIPE" fetch -j 16 >/dev/null
"$PIPE" audit verify >&2
[ "$("$PIPE" model history clf --json | "$py" -c 'import json,sys; print(len(json.load(sys.stdin)))')" = "$EVENTS" ] ||
  { echo "registry.sh: the clone does not hold $EVENTS events" >&2; exit 1; }
m --key z --case "pipe model history clf" "" "'$PIPE' model history clf" \
  --case "sqlite3 reading the same rows" "" "sqlite3 .pipe/lineage.db 'SELECT at_ns, action, model, version, stage, user, host, reason FROM model_events'"
"$py" - "$RESULTS" "$PACKS" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
med = {(r["key"], r["label"]): statistics.median(r["times"]) for r in rows}
print(f"registry: {sys.argv[2]} packs")
for key in ("y", "z"):
    cases = [(label, t) for (k, label), t in med.items() if k == key]
    for label, t in cases:
        print(f"({key}) {label:<44} {t * 1000:9.1f} ms")
    if len(cases) == 2:
        print(f"({key}) ratio pipe / peer: {cases[0][1] / cases[1][1]:.2f}x")
PY
