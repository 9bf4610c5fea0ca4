#!/usr/bin/env bash
# pipe audit report: Markdown, JSON (valid against its schema) and a
# self-contained HTML page that renders in headless Chromium with every
# section, its charts and lineage diagram, and no console errors.
source "$(dirname "$0")/lib.sh" "$@"

SCHEMAS=$(cd "$(dirname "$0")/../../schemas" && pwd)
new_project
git init -q . && git config user.email t@t && git config user.name t
mkdir -p src
quality() { printf '{"accuracy": %s, "loss": {"train": %s}}\n' "$1" "$2" >quality.json; }
quality 0.90 0.30
echo 'cat quality.json raw.csv >model.bin && cp quality.json metrics.json' >src/train.sh
echo "a,b" >raw.csv
echo "lr: 0.1" >params.yaml
cat >pipe.yaml <<'EOF'
stages:
  prepare:
    cmd: sort raw.csv >clean.csv
    deps: [raw.csv]
    outs: [clean.csv]
  train:
    cmd: sh src/train.sh
    deps: [src/train.sh, clean.csv, quality.json]
    params: [lr]
    outs: [model.bin]
    metrics:
    - metrics.json:
        cache: false
models:
  clf:
    path: model.bin
    gates:
      production:
        - accuracy >= 0.85
        - clean_tree
EOF
git add -A && git commit -qm one
expect_exit 0 pipe repro
git add -A && git commit -qm v1
expect_exit 0 pipe model promote clf@1.0.0 --to production --reason "first <release> & notes"
quality 0.93 0.25
git add -A && git commit -qm two
expect_exit 0 pipe repro

expect_exit 0 pipe audit report clf@1.1.0
for section in "## Data" "## Code" "## Params" "## Environment" "## Stages" "## Metrics" "## Gates" \
  "## Promotion history" "## Changes since the previous version" "## Lineage" "## Integrity"; do
  assert_contains "the Markdown report has '$section'" "$OUT" "$section"
done
assert_contains "metrics come with their history" "$OUT" "(history: 1.0.0: 0.9, 1.1.0: 0.93)"
assert_contains "the changelog names what changed" "$OUT" "data modified: \`quality.json\`"
assert_contains "the promotion history is there" "$OUT" "promote 1.0.0 -> production"

expect_exit 0 pipe audit report clf@1.1.0 --format json -o report.json
run "$PY" -c 'import json, sys, jsonschema
schema = json.load(open(sys.argv[1])); doc = json.load(open(sys.argv[2]))
jsonschema.Draft202012Validator.check_schema(schema)
jsonschema.Draft202012Validator(schema).validate(doc)
print("valid", len(doc["data"]), len(doc["code"]["scripts"]), doc["gates"]["results"][0]["passed"])' "$SCHEMAS/audit-report.schema.json" report.json
assert_eq "the JSON report is valid against its schema" "0" "$RC"
assert_contains "with data, scripts and gate results" "$OUT" "valid 3 1 True"
cp report.json bad.json && sed -i 's/"format": "pipe-audit-report\/1"/"format": "other"/' bad.json
run "$PY" -c 'import json, sys, jsonschema
jsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))' "$SCHEMAS/audit-report.schema.json" bad.json
assert_true "and the schema rejects a document that breaks it" test "$RC" -ne 0

expect_exit 0 pipe audit report clf@1.1.0 --format html -o report.html
html=$(cat report.html)
for id in model data code params environment stages metrics gates promotions changelog lineage integrity; do
  assert_contains "the HTML report has section '$id'" "$html" "<section id=\"$id\">"
done
assert_contains "an inline SVG chart per metric" "$html" 'aria-label="metrics.json:accuracy across versions"'
assert_contains "and the lineage diagram" "$html" 'aria-label="lineage graph"'
assert_contains "text is escaped" "$html" "first &lt;release&gt; &amp; notes"
assert_not_contains "no network reference" "$html" "http://"
assert_not_contains "none over https" "$html" "https://"
assert_not_contains "no script" "$html" "<script"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
  skip "HTML rendering" "chromium is not installed (.ci/install-deps.sh --test installs it)"
else
  run timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$SCRATCH/chrome" --enable-logging=stderr --v=0 \
    --window-size=1280,4000 --screenshot="$SCRATCH/report.png" "file://$PROJ/report.html"
  assert_true "Chromium renders the page to a screenshot" test -s "$SCRATCH/report.png"
  assert_true "of some substance" test "$(stat -c %s "$SCRATCH/report.png")" -gt 20000
  assert_not_contains "with no console errors" "$ERR" "CONSOLE"
  run timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$SCRATCH/chrome2" --dump-dom "file://$PROJ/report.html"
  assert_contains "the rendered DOM has the lineage section" "$OUT" '<section id="lineage">'
  assert_contains "and the charts" "$OUT" '<svg class="chart"'
  # The check above would catch a page that tries to load something.
  sed 's|</body>|<img src="https://example.invalid/x.png"></body>|' report.html >leaky.html
  run timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$SCRATCH/chrome3" --enable-logging=stderr --v=0 \
    --screenshot="$SCRATCH/leaky.png" "file://$PROJ/leaky.html"
  assert_contains "a network reference would show as a console error" "$ERR" "CONSOLE"
fi

expect_exit 2 pipe audit report nosuch@1.0.0
assert_contains "an unknown model is named" "$ERR" "model 'nosuch'"
expect_exit 2 pipe audit report clf@1.1.0 --format pdf
finish
