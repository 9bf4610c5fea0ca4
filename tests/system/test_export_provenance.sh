#!/usr/bin/env bash
# pipe export provenance: an in-toto Statement v1 / SLSA Provenance v1 for a
# model version, valid against schemas/provenance.schema.json, with the
# model's real SHA-256; signed into a DSSE envelope that audit verify
# --signature accepts, and refuses once altered or with another key.
source "$(dirname "$0")/lib.sh" "$@"

SCHEMAS=$(cd "$(dirname "$0")/../../schemas" && pwd)
new_project
git init -q . && git config user.email t@t && git config user.name t
echo "1,2" >data.csv
echo "lr: 0.5" >params.yaml
echo 'cat data.csv data.csv >model.bin && echo "{\"acc\": 0.75}" >metrics.json' >train.sh
cat >pipe.yaml <<'EOF'
stages:
  train:
    cmd: sh train.sh
    deps: [train.sh, data.csv]
    params: [lr]
    outs: [model.bin]
    metrics:
    - metrics.json:
        cache: false
models:
  clf:
    path: model.bin
EOF
git add -A && git commit -qm one
expect_exit 0 pipe repro
expect_exit 0 pipe export provenance clf@1.0.0 -o statement.json
model_sha=$(sha256sum model.bin | cut -d' ' -f1)
commit=$(git rev-parse HEAD)
run "$PY" - "$SCHEMAS/provenance.schema.json" statement.json <<'ZZPY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1])); doc = json.load(open(sys.argv[2]))
jsonschema.Draft202012Validator.check_schema(schema)
jsonschema.Draft202012Validator(schema).validate(doc)
print("subject", doc["subject"][0]["name"], doc["subject"][0]["digest"]["sha256"])
deps = doc["predicate"]["buildDefinition"]["resolvedDependencies"]
print("deps", " ".join(sorted(d["name"] for d in deps)))
print("commit", [d["digest"]["gitCommit"] for d in deps if d["name"] == "git"][0])
print("params", json.dumps(doc["predicate"]["buildDefinition"]["externalParameters"]["params"], sort_keys=True))
print("byproducts", " ".join(b["name"] for b in doc["predicate"]["runDetails"]["byproducts"]))
ZZPY
assert_eq "the statement validates against its schema" "0" "$RC"
assert_contains "its subject is the model with its real SHA-256" "$OUT" "subject model.bin $model_sha"
assert_contains "dependencies are the data, the script and the git commit" "$OUT" "deps data.csv git train.sh"
assert_contains "with the commit" "$OUT" "commit $commit"
assert_contains "params are external parameters" "$OUT" '{"params.yaml": {"lr": 0.5}}'
assert_contains "metrics and environment are byproducts" "$OUT" "byproducts metrics environment"

openssl genpkey -algorithm ed25519 -out key.pem 2>/dev/null
openssl pkey -in key.pem -pubout -out pub.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other.pem 2>/dev/null
openssl pkey -in other.pem -pubout -out other-pub.pem
expect_exit 0 pipe export provenance clf@1.0.0 --sign key.pem -o signed.json
assert_contains "signing writes a DSSE envelope" "$(cat signed.json)" '"payloadType": "application/vnd.in-toto+json"'
expect_exit 0 pipe audit verify --signature signed.json --key pub.pem
assert_contains "the signature verifies with the public key" "$OUT" "Signature OK"
assert_contains "and names the subject" "$OUT" "model.bin sha256:${model_sha:0:16}"
expect_exit 1 pipe audit verify --signature signed.json --key other-pub.pem
assert_contains "another key does not verify it" "$ERR" "no signature in it verifies"
"$PY" - signed.json <<'ZZPY'
import base64, json, sys
env = json.load(open(sys.argv[1]))
doc = json.loads(base64.b64decode(env["payload"]))
doc["subject"][0]["digest"]["sha256"] = "0" * 64
env["payload"] = base64.b64encode(json.dumps(doc).encode()).decode()
json.dump(env, open("altered.json", "w"))
ZZPY
expect_exit 1 pipe audit verify --signature altered.json --key pub.pem
assert_contains "an altered statement does not verify" "$ERR" "altered, or signed with another key"
expect_exit 0 pipe export provenance clf@1.0.0 --sign other.pem -o signed-ec.json
expect_exit 0 pipe audit verify --signature signed-ec.json --key other-pub.pem
assert_contains "ECDSA keys work too" "$OUT" "Signature OK"

expect_exit 2 pipe export provenance clf@1.0.0 --sign nosuch.pem
assert_contains "a missing key is named" "$ERR" "cannot read the key 'nosuch.pem'"
expect_exit 2 pipe audit verify --signature signed.json
assert_contains "--signature needs a key" "$ERR" "--signature needs --key"
rm -rf .pipe/cache
expect_exit 1 pipe export provenance clf@1.0.0
assert_contains "without the model in the cache, it says to pull" "$ERR" "'pipe pull' it first"
finish
