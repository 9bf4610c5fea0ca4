#!/usr/bin/env bash
# The lineage of a real run of examples/iris: every recorded digest is the
# file's, the model gets 1.0.0 and then a minor version for a new learning
# rate, and the chain verifies.
source "$(dirname "$0")/lib.sh" "$@"

REPO=$(cd "$(dirname "$0")/../.." && pwd)
new_project
cp -r "$REPO/examples/iris/." .
rm -rf .pipe pipe.lock
expect_exit 0 pipe repro
assert_contains "the example's model gets its first version" "$ERR" "Model iris-classifier 1.0.0"

DB=.pipe/lineage.db
bad=0
while IFS='|' read -r path digest is_dir; do
  [ "$is_dir" = 1 ] && continue
  [ -f "$path" ] || continue  # an input replaced since (none here)
  actual=$(xxhsum -H2 "$path" 2>/dev/null | cut -d' ' -f1)
  if [ "$actual" != "$digest" ]; then bad=$((bad + 1)); echo "  $path: recorded $digest, file $actual"; fi
done < <(sqlite3 "$DB" "select path, digest, is_dir from artifacts")
assert_eq "every recorded file digest matches the file" "0" "$bad"
assert_eq "every stage of the example is recorded" "5" "$(sqlite3 "$DB" "select count(*) from executions where status='ran'")"
assert_true "train's CPU time is recorded" test "$(sqlite3 "$DB" "select user_seconds > 0 from executions where stage='train'")" = 1
assert_contains "evaluate's metrics are recorded" "$(sqlite3 "$DB" "select key from metrics")" "accuracy"

sed -i 's/^  lr: 0.5$/  lr: 0.1/' params.yaml
expect_exit 0 pipe repro
assert_contains "a new learning rate makes a minor version" "$ERR" "Model iris-classifier 1.1.0 (minor: params changed: train (params.yaml)"
expect_exit 0 pipe model diff iris-classifier@1.0.0 iris-classifier@1.1.0
assert_contains "model diff shows the param" "$OUT" "train (params.yaml)"
expect_exit 0 pipe lineage models/model.json
assert_contains "the model's lineage reaches the raw data" "$OUT" "data/iris.csv"
expect_exit 0 pipe audit verify
assert_contains "the chain verifies" "$OUT" "2 runs and 0 model events verified"
expect_exit 0 pipe audit reproduce iris-classifier@1.1.0
assert_contains "the example reproduces exactly" "$OUT" "iris-classifier 1.1.0: reproduced"
assert_not_contains "every stage bit for bit" "$OUT" "within tolerance"

finish
