#!/usr/bin/env bash
# The lineage store: what a run records (digests, resources, code, params,
# metrics, environment), secrets kept out, model versions numbered by what
# changed, the query commands, and tamper evidence.
source "$(dirname "$0")/lib.sh" "$@"

# The sqlite3 shell, as an auditor (or an attacker) would use it.
sql() { sqlite3 "$@"; }

new_project
git init -q . && git config user.email t@t && git config user.name t
git remote add origin "https://alice:CANARY-git-secret-123@git.example.com/team/proj.git"
mkdir -p data src
printf 'a,b\n1,2\n' >data/train.csv
echo "def model(): pass" >src/model.py
echo "print('train')" >src/train.py
cat >params.yaml <<'EOF'
lr: 0.1
epochs: 3
EOF
cat >pipe.yaml <<'EOF'
stages:
  train:
    cmd: >-
      $PY -c "import json,sys; b=bytearray(200*1024*1024); b[::4096]=b'x'*len(b[::4096]);
      open('model.bin','w').write('model lr=${lr} ' + open('data/train.csv').read() + open('src/model.py').read() + open('src/train.py').read());
      json.dump({'accuracy': 0.5 + ${lr}, 'loss': {'train': 0.25}}, open('metrics.json','w'))"
    deps: [data/train.csv, src/model.py, src/train.py]
    params: [lr]
    outs: [model.bin]
    metrics:
    - metrics.json:
        cache: false
  idle:
    cmd: sleep 1 && echo done >idle.txt
    outs: [idle.txt]
models:
  clf:
    path: model.bin
    desc: test classifier
    architecture: [src/model.py]
EOF
sed -i "s|\$PY|$PY|" pipe.yaml
git add -A && git commit -qm one
export PIPE_TEST_CANARY=CANARY-env-secret-456
export AWS_SECRET_ACCESS_KEY=CANARY-aws-secret-789
export PYTHONHASHSEED=7

expect_exit 0 pipe repro
assert_contains "repro announces the first model version" "$ERR" "Model clf 1.0.0"
DB=.pipe/lineage.db
assert_file "the lineage store exists" "$DB"
assert_eq "it has one run" "1" "$(sql $DB 'select count(*) from runs')"
assert_eq "schema version 5" "5" "$(sql $DB 'pragma user_version')"
assert_eq "WAL mode" "wal" "$(sql $DB 'pragma journal_mode')"

# Digests match the files.
h=$(xxhsum -H2 model.bin 2>/dev/null | cut -d' ' -f1)
assert_eq "the recorded output digest is the file's" "$h" \
  "$(sql $DB "select a.digest from artifacts a join events v on v.artifact_id=a.id where v.kind='output' and a.path='model.bin'")"
h=$(xxhsum -H2 data/train.csv 2>/dev/null | cut -d' ' -f1)
assert_eq "the recorded input digest is the file's" "$h" \
  "$(sql $DB "select a.digest from artifacts a where a.path='data/train.csv'")"
assert_eq "a script dep counts as code" "code" "$(sql $DB "select role from events v join artifacts a on a.id=v.artifact_id where a.path='src/train.py'")"
assert_eq "a csv dep counts as data" "data" "$(sql $DB "select role from events v join artifacts a on a.id=v.artifact_id where a.path='data/train.csv'")"

# Resources are plausible.
rss=$(sql $DB "select max_rss_kb from executions where stage='train'")
assert_true "a stage that allocates 200 MB shows an RSS of at least that ($rss KiB)" test "$rss" -ge 200000
wall=$(sql $DB "select wall_seconds >= 1.0 from executions where stage='idle'")
cpu=$(sql $DB "select user_seconds + system_seconds < 0.5 from executions where stage='idle'")
assert_eq "a stage that sleeps 1 s shows wall >= 1 s" "1" "$wall"
assert_eq "and little CPU" "1" "$cpu"

# Code, params, metrics, environment.
assert_eq "the git commit is HEAD" "$(git rev-parse HEAD)" "$(sql $DB 'select git_commit from code_states')"
assert_eq "the remote URL has no credentials" "https://git.example.com/team/proj.git" "$(sql $DB 'select remote_url from code_states')"
assert_eq "the tree was clean" "0" "$(sql $DB 'select dirty from code_states')"
assert_eq "every param value used is recorded" "0.1" "$(sql $DB "select value from params where key='lr'")"
assert_eq "metrics are read from the metrics file" "0.6" "$(sql $DB "select value from metrics where key='accuracy'")"
assert_eq "nested metrics get dotted keys" "0.25" "$(sql $DB "select value from metrics where key='loss.train'")"
env=$(sql $DB 'select content from environments')
assert_contains "the environment has the kernel" "$env" "$(uname -r)"
assert_contains "the Python version the stages used" "$env" "Python 3"
assert_contains "allowed variables are recorded" "$env" '"PYTHONHASHSEED":"7"'

# Secrets never enter .pipe/.
run grep -r -l -a CANARY .pipe
assert_eq "no canary secret anywhere in .pipe/" "" "$OUT"

# Model versions: a data change is MINOR, an architecture change MAJOR,
# other code PATCH; nothing changed, no version.
reset_runs
expect_exit 0 pipe repro
assert_eq "an unchanged model makes no new version" "1" "$(sql $DB 'select count(*) from model_versions')"
printf 'a,b\n3,4\n' >data/train.csv
expect_exit 0 pipe repro
assert_contains "new data makes a minor version" "$ERR" "Model clf 1.1.0 (minor: data changed: data/train.csv)"
echo "lr: 0.2" >params.yaml && echo "epochs: 3" >>params.yaml
expect_exit 0 pipe repro
assert_contains "a hyperparameter makes a minor version" "$ERR" "Model clf 1.2.0 (minor: params changed: lr (params.yaml) 0.1 -> 0.2)"
echo "def model(): return 2" >src/model.py
expect_exit 0 pipe repro
assert_contains "an architecture change makes a major version" "$ERR" "Model clf 2.0.0 (major: architecture changed: src/model.py)"
echo "print('train, tidied')" >src/train.py
expect_exit 0 pipe repro
assert_contains "a change to another script makes a patch version" "$ERR" "Model clf 2.0.1 (patch: code changed: src/train.py)"

expect_exit 0 pipe model list
assert_contains "model list shows the latest version" "$OUT" "clf  2.0.1"
expect_exit 0 pipe model show clf@1.1.0
assert_contains "model show names the version" "$OUT" "clf 1.1.0"
assert_contains "and why it was made" "$OUT" "minor: data changed: data/train.csv"
assert_contains "and its lineage" "$OUT" "<- data/train.csv"
expect_exit 0 pipe model show clf --json
assert_contains "model show --json" "$OUT" '"version": "2.0.1"'
expect_exit 0 pipe model diff clf@1.1.0 clf@1.2.0
assert_contains "model diff lists changed params" "$OUT" "modified: lr (params.yaml)"
assert_contains "and how metrics moved" "$OUT" "metrics.json:accuracy: 0.6 -> 0.7 (+0.1)"
expect_exit 2 pipe model show clf@9.9.9
assert_contains "an unknown version says which exist" "$ERR" "1.0.0, 1.1.0, 1.2.0, 2.0.0, 2.0.1"
expect_exit 0 pipe model bump clf --major --reason "output format changed"
assert_contains "model bump records an override" "$OUT" "clf 3.0.0 (major: output format changed)"
assert_eq "marked as overridden" "1" "$(sql $DB "select overridden from model_versions where version='3.0.0'")"

expect_exit 0 pipe lineage model.bin
assert_contains "lineage shows the producing stage" "$OUT" "<- train [ran"
assert_contains "and its inputs" "$OUT" "data/train.csv"
expect_exit 0 pipe lineage data/train.csv --downstream
assert_contains "lineage --downstream shows what read it" "$OUT" "-> train"
expect_exit 0 pipe lineage clf@1.0.0 --dot
assert_contains "lineage --dot is a graph" "$OUT" "digraph lineage"
expect_exit 0 pipe lineage clf@1.0.0 --json
assert_contains "lineage --json" "$OUT" '"produced_by"'

expect_exit 0 pipe log
assert_contains "log lists runs" "$OUT" "run 5"
assert_contains "with the models they made" "$OUT" "model clf 2.0.0 (major"
expect_exit 0 pipe log -n 1 --json
assert_contains "log --json has executions" "$OUT" '"executions"'
expect_exit 0 pipe metrics show
assert_contains "metrics show reads the workspace" "$OUT" "metrics.json:accuracy"
expect_exit 0 pipe metrics show --all-versions
assert_contains "metrics show --all-versions per version" "$OUT" "clf@1.1.0"
echo "lr: 0.3" >params.yaml && echo "epochs: 3" >>params.yaml
expect_exit 0 pipe params diff
assert_contains "params diff against pipe.lock" "$OUT" "params.yaml:lr  0.2 -> 0.3"
expect_exit 0 pipe params diff clf@1.0.0 clf@1.2.0 --json
assert_contains "params diff between versions" "$OUT" '"name": "params.yaml:lr"'

# gc keeps what model versions reference.
expect_exit 0 pipe gc --force --grace 0
v1=$(sql $DB "select digest from model_versions where version='1.0.0'")
assert_true "gc keeps the objects of every model version" test -f ".pipe/cache/v1/${v1:0:2}/${v1:2}"

# Tamper evidence.
expect_exit 0 pipe audit verify
assert_contains "the chain verifies" "$OUT" "intact: 7 runs and 0 model events verified"
run sql $DB "update params set value='0.9' where key='lr'"
assert_contains "append-only: the store refuses an edit" "$ERR" "append-only"
run sql $DB "drop trigger params_append_only_u; update params set value='0.9' where key='lr'"
assert_eq "with the trigger dropped the edit goes in" "0.9" "$(sql $DB "select value from params where key='lr' limit 1")"
WHAT="audit verify after editing a param" expect_exit 1 pipe audit verify
assert_contains "it names the first broken run" "$ERR" "broken at run 1"

new_project
echo x >in.txt
cat >pipe.yaml <<'EOF'
stages:
  a:
    cmd: cat in.txt >out.txt
    deps: [in.txt]
    outs: [out.txt]
EOF
for i in 1 2 3; do echo "$i" >in.txt; pipe repro >/dev/null 2>&1; done
DB=.pipe/lineage.db
run sql $DB "delete from runs where id=2"
assert_contains "append-only: a delete is refused by the store" "$ERR" "append-only"
sql $DB "drop trigger runs_append_only_d; drop trigger executions_append_only_d; drop trigger events_append_only_d;
  delete from events where execution_id in (select id from executions where run_id=2);
  delete from executions where run_id=2; delete from runs where id=2;"
expect_exit 1 pipe audit verify
assert_contains "deleting a run (triggers dropped) breaks the chain at the next run" "$ERR" "broken at run 3"

# A damaged store is reported with the file and what to do; never a crash.
cp "$DB" "$SCRATCH/good.db"
truncate -s 8192 "$DB" && rm -f "$DB-wal" "$DB-shm"
expect_exit 5 pipe log
assert_contains "a truncated store is named" "$ERR" "lineage.db"
assert_contains "with a recovery hint" "$ERR" "restore it from a backup, or move it aside"
echo 3 >in.txt
expect_exit 5 pipe repro
assert_contains "repro still runs, and says the record was not written" "$ERR" "the lineage record was not written"
cp "$SCRATCH/good.db" "$DB"
sql $DB "pragma user_version = 7"
expect_exit 3 pipe log
assert_contains "a store from a newer pipe is refused" "$ERR" "newer than this pipe understands"
assert_eq "and left as it was" "7" "$(sql $DB 'pragma user_version')"

# Concurrency: four projects sharing one cache, and two runs in one project,
# all at once: every run is recorded and every chain holds.
SHARED=$SCRATCH/shared-cache
projects=()
for i in 1 2 3 4; do
  new_project
  projects+=("$PROJ")
  cat >pipe.yaml <<'EOF'
stages:
  a:
    cmd: sleep 0.3 && echo "$(cat in.txt) a" >a.txt
    deps: [in.txt]
    outs: [a.txt]
  b:
    cmd: echo "$(cat a.txt) b" >b.txt
    deps: [a.txt]
    outs: [b.txt]
EOF
  echo "project $i" >in.txt
  pipe config cache.dir "$SHARED" >/dev/null
done
pids=()
for p in "${projects[@]}"; do
  (cd "$p" && "$PIPE" repro >/dev/null 2>&1) & pids+=($!)
done
(cd "${projects[0]}" && echo "again" >in2.txt && "$PIPE" repro -f >/dev/null 2>&1) & pids+=($!)
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
assert_eq "five concurrent runs all succeed" "0" "$failed"
for i in 1 2 3 4; do
  p=${projects[$((i - 1))]}
  want=1; [ "$i" = 1 ] && want=2
  assert_eq "project $i recorded every run" "$want" "$(sqlite3 "$p/.pipe/lineage.db" 'select count(*) from runs')"
  assert_eq "project $i recorded every execution" "$((want * 2))" "$(sqlite3 "$p/.pipe/lineage.db" 'select count(*) from executions')"
  run "$PIPE" -C "$p" audit verify
  assert_eq "project $i's chain holds" "0" "$RC"
done

finish
