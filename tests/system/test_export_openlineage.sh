#!/usr/bin/env bash
# pipe export openlineage: OpenLineage 2-0-2 RunEvents as JSON lines, START
# and COMPLETE or FAIL per stage with a parent facet, valid against the
# published JSON Schema and facet schemas.
source "$(dirname "$0")/lib.sh" "$@"

OL=$(cd "$(dirname "$0")/../../.." && pwd)/shared/external-schemas/openlineage
if [ ! -f "$OL/OpenLineage.json" ]; then
  skip "OpenLineage export" "the published schemas are not at $OL"
  finish
fi

new_project
echo "a" >raw.csv
cat >pipe.yaml <<'EOF'
stages:
  prepare:
    cmd: sort raw.csv >clean.csv
    deps: [raw.csv]
    outs: [clean.csv]
  train:
    cmd: test -f ok && cat clean.csv >model.bin
    deps: [clean.csv]
    outs: [model.bin]
EOF
expect_exit 1 pipe repro
touch ok
expect_exit 0 pipe repro
expect_exit 0 pipe export openlineage -o events.jsonl
run "$PY" - "$OL" events.jsonl <<'ZZPY'
import json, sys, uuid, jsonschema
ol, path = sys.argv[1], sys.argv[2]
core = json.load(open(f"{ol}/OpenLineage.json"))
store = {core["$id"]: core}
facets = {}
import os
for f in os.listdir(f"{ol}/facets"):
    s = json.load(open(f"{ol}/facets/{f}"))
    store[s["$id"]] = s
    facets[f[:-5]] = s
resolver = jsonschema.RefResolver.from_schema(core, store=store)
run_event = jsonschema.Draft202012Validator({"$ref": core["$id"] + "#/$defs/RunEvent"}, resolver=resolver)
def facet(name, value):
    s = facets[name]
    jsonschema.Draft202012Validator({"$ref": s["$id"] + "#/$defs/" + name}, resolver=resolver).validate(value)
events = [json.loads(l) for l in open(path)]
for e in events:
    run_event.validate(e)
    uuid.UUID(e["run"]["runId"]); uuid.UUID(e["run"]["facets"]["parent"]["run"]["runId"])
    facet("ParentRunFacet", e["run"]["facets"]["parent"])
    for d in e.get("inputs", []) + e.get("outputs", []):
        facet("DatasetVersionDatasetFacet", d["facets"]["version"])
    if "errorMessage" in e["run"]["facets"]:
        facet("ErrorMessageRunFacet", e["run"]["facets"]["errorMessage"])
kinds = [(e["job"]["name"], e["eventType"]) for e in events]
print("valid", len(events))
print(" ".join(f"{j}:{t}" for j, t in kinds))
parents = {e["run"]["facets"]["parent"]["run"]["runId"] for e in events}
print("runs", len(parents))
ids = {}
for e in events: ids.setdefault(e["run"]["runId"], []).append(e["eventType"])
print("paired", all(v[0] == "START" and v[1] in ("COMPLETE", "FAIL") and len(v) == 2 for v in ids.values()))
ZZPY
assert_eq "every event validates against the published schemas" "0" "$RC"
assert_contains "every line is a valid RunEvent" "$OUT" "valid 8"
assert_contains "the failed run's stage ends in FAIL" "$OUT" "train:START train:FAIL"
assert_contains "and the second run's in COMPLETE" "$OUT" "train:START train:COMPLETE"
assert_contains "each pipe run is a parent" "$OUT" "runs 2"
assert_contains "and each stage run has one START and one end" "$OUT" "paired True"
expect_exit 0 pipe export openlineage --run 2
assert_eq "--run picks one run" "4" "$(printf '%s\n' "$OUT" | grep -c eventType)"
expect_exit 2 pipe export openlineage --run 99
assert_contains "an unknown run is named" "$ERR" "no run 99"
finish
