#!/usr/bin/env bash
# Benchmarks for the lineage store (issue 4).
#
#   tests/bench/lineage.sh                                   # 1,000 stages, 10,000 runs
#   LIN_STAGES=100 LIN_RUNS=1000 LIN_REPS=3 tests/bench/lineage.sh   # smoke
#
# Figures (medians of LIN_REPS runs):
#   (k) recording overhead per stage: `pipe repro -f` of LIN_STAGES trivial
#       stages, with the time record_lineage took (repro --json reports
#       lineage_seconds) against the whole run's wall time
#   (l) `pipe lineage NAME@VERSION` on a store of LIN_RUNS runs, vs the
#       same lookup as one query in the sqlite3 shell
#   (m) `pipe model show NAME@VERSION` on that store
#   (n) `pipe log -n 20` on that store
# The big store is filled directly with SQL (realistic rows: 2 executions,
# 4 artifacts, params, metrics and a model version per run); its hash chain
# is not valid, which the queries do not look at.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
py=/usr/bin/python3
STAGES=${LIN_STAGES:-1000}
RUNS=${LIN_RUNS:-10000}
REPS=${LIN_REPS:-5}
source "$here/lib.sh"
WORK=$(mktemp -d /tmp/pipe-linbench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
RESULTS=$WORK/results.jsonl

# (k) recording overhead.
"$py" "$here/gen_project.py" "$WORK/trivial" --stages "$STAGES" --layers 10 --trivial >&2
cd "$WORK/trivial"
"$PIPE" repro -j 2 >/dev/null 2>&1
for i in $(seq 1 "$REPS"); do
  "$PIPE" repro -f -j 2 --json 2>/dev/null >"$WORK/k$i.json"
done
"$py" - "$WORK" "$REPS" "$STAGES" <<'PY'
import json, statistics, sys, os
work, reps, stages = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = [json.load(open(os.path.join(work, f"k{i}.json"))) for i in range(1, reps + 1)]
rec = statistics.median(r["lineage_seconds"] for r in rows)
print(f"(k) recording {stages} stages: {rec:.3f} s = {rec / stages * 1000:.2f} ms per stage (median of {reps})")
PY
echo "    wall of the whole pipe repro -f: $(for i in $(seq 1 "$REPS"); do /usr/bin/time -f %e "$PIPE" repro -f -j 2 >/dev/null 2>>"$WORK/wall"; done; sort -n "$WORK/wall" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') s (median)"

# A store of RUNS runs.
mkdir -p "$WORK/big" && cd "$WORK/big"
printf 'stages:\n  train:\n    cmd: echo\n    outs: [model.bin]\nmodels:\n  clf:\n    path: model.bin\n' >pipe.yaml
"$PIPE" init >/dev/null
"$PIPE" log >/dev/null  # creates .pipe/lineage.db with pipe's schema
"$py" - .pipe/lineage.db "$RUNS" <<'PY'
import sqlite3, sys, hashlib
db = sqlite3.connect(sys.argv[1]); runs = int(sys.argv[2])
h = lambda s: hashlib.md5(s.encode()).hexdigest()
db.execute("insert into environments(digest, content) values ('e', '{\"os\":{}}')")
db.execute("insert into code_states(digest, dirty) values ('c', 0)")
for r in range(1, runs + 1):
    db.execute("insert into runs values (?,?,?,?,?,?,?,?,1,1)", (r, r * 10**9, r * 10**9 + 5, '["pipe","repro"]', "u", "h", "0.1.0", 0))
    prev = None
    for stage, ins in (("prepare", [("data/raw.csv", h(f"raw{r // 10}")), ("src/prepare.py", h("p"))]),
                       ("train", [("data/prepared", None), ("src/train.py", h(f"t{r // 100}"))])):
        cur = db.execute("insert into executions(run_id, stage, cmd, status, started_ns, ended_ns, wall_seconds, user_seconds, system_seconds, max_rss_kb, exit_code) values (?,?,?,?,?,?,?,?,?,?,?)",
                         (r, stage, '["x"]', "ran", r, r + 1, 1.0, 0.5, 0.1, 1000, 0))
        x = cur.lastrowid
        for path, d in ins:
            d = d or prev
            db.execute("insert or ignore into artifacts(path, digest, size, is_dir) values (?,?,?,0)", (path, d, 100))
            a = db.execute("select id from artifacts where path=? and digest=?", (path, d)).fetchone()[0]
            db.execute("insert or ignore into events values (?,?,?,?)", (x, a, "input", "code" if path.endswith(".py") else "data"))
        out = ("data/prepared" if stage == "prepare" else "model.bin")
        d = h(f"{out}{r}"); prev = d
        db.execute("insert or ignore into artifacts(path, digest, size, is_dir) values (?,?,?,0)", (out, d, 100))
        a = db.execute("select id from artifacts where path=? and digest=?", (out, d)).fetchone()[0]
        db.execute("insert into events values (?,?,?,?)", (x, a, "output", "output"))
        db.execute("insert into params values (?,?,?,?)", (x, "params.yaml", "lr", str(r / 1000)))
        db.execute("insert into metrics values (?,?,?,?)", (x, "metrics.json", "acc", str(r / runs)))
    db.execute("insert into model_versions(run_id, model, version, major, minor, patch, path, digest, is_dir, stage, bump, reason, overridden, basis) values (?,?,?,?,?,?,?,?,0,?,?,?,0,?)",
               (r, "clf", f"1.{r}.0", 1, r, 0, "model.bin", prev, "train", "minor", "data changed", '{"data":{}}'))
    db.execute("insert into chain values (?,?,?)", (r, "0" * 64, "0" * 64))
db.commit()
PY
mid=$((RUNS / 2))
digest=$(sqlite3 .pipe/lineage.db "select digest from model_versions where version='1.$mid.0'")
peer="sqlite3 .pipe/lineage.db \"select x.stage, a2.path from artifacts a join events v on v.artifact_id=a.id join executions x on x.id=v.execution_id join events v2 on v2.execution_id=x.id join artifacts a2 on a2.id=v2.artifact_id where a.path='model.bin' and a.digest='$digest' and v.kind='output' and v2.kind='input'\" >/dev/null"
m() { "$py" "$here/timing.py" measure --out "$RESULTS" --runs "$REPS" --cwd "$WORK/big" "$@"; }
m --key l --case "pipe lineage clf@1.$mid.0" "" "'$PIPE' lineage clf@1.$mid.0" \
  --case "sqlite3 one-level lookup" "" "$peer"
m --key m --case "pipe model show clf@1.$mid.0" "" "'$PIPE' model show clf@1.$mid.0"
m --key n --case "pipe log -n 20" "" "'$PIPE' log -n 20"
"$py" - "$RESULTS" "$RUNS" <<'PY'
import json, statistics, sys
print(f"store of {int(sys.argv[2]):,} runs (medians)")
for r in (json.loads(l) for l in open(sys.argv[1])):
    print(f"({r['key']}) {r['label']:<34} {statistics.median(r['times']) * 1000:8.1f} ms")
PY
