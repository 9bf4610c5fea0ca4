#!/usr/bin/env bash
# `pipe plots show` and `pipe plots diff`: DVC's plot definitions (top-level
# and stage plots, every template, JSON/CSV/TSV data, an image) drawn into
# one self-contained HTML page, checked as text and in headless Chromium;
# diffs across git revisions (a cached plot file from the cache by the
# revision's lock), model versions and experiments.
source "$(dirname "$0")/lib.sh" "$@"

new_project
git init -q .
printf 'lr: 0.1\n' >params.yaml
cat >gen.py <<'EOF'
import base64, json, random, re
lr = float(re.search(r"lr: ([0-9.]+)", open("params.yaml").read()).group(1))
random.seed(1)
json.dump([{"step": i, "loss": round(lr * 10 / (i + 1), 4), "acc": round(1 - lr / (i + 1), 4)} for i in range(20)],
          open("train.json", "w"))
with open("pr.csv", "w") as f:
    f.write("recall,precision\n")
    for i in range(10):
        f.write(f"{i / 9:.3f},{1 - (i / 9) ** 2 * lr * 3:.3f}\n")
labels = ["cat", "dog", "bird"]
rows = []
for k in range(30):
    a = labels[k % 3]
    rows.append({"actual": a, "predicted": a if k % 5 else labels[(k + 1) % 3]})
json.dump(rows, open("classes.json", "w"))
with open("importance.tsv", "w") as f:
    f.write("feature\timportance\n")
    for n, v in [("age", 0.3), ("income", 0.5 + lr), ("zip", -0.1)]:
        f.write(f"{n}\t{v}\n")
# A 1x1 PNG.
open("sample.png", "wb").write(base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="))
open("model.txt", "w").write(f"model lr={lr}\n")
EOF
cat >pipe.yaml <<EOF
stages:
  train:
    cmd: $PY gen.py
    deps: [gen.py]
    params: [lr]
    outs: [model.txt]
    plots:
    - train.json:
        x: step
        y: loss
        template: smooth
        title: Training loss
    - pr.csv:
        x: recall
        y: precision
        template: scatter
        cache: false
    - classes.json:
        template: confusion
        x: actual
        y: predicted
    - importance.tsv:
        template: bar_horizontal_sorted
        x: importance
        y: feature
    - sample.png
plots:
- accuracy:
    x: step
    y:
      train.json: [acc, loss]
    title: Accuracy and loss
    y_label: value
- loss_simple:
    template: simple
    x: step
    y:
      train.json: loss
- train.json
- cm_norm:
    template: confusion_normalized
    x: actual
    y:
      classes.json: predicted
- bars:
    template: bar_horizontal
    x: importance
    y:
      importance.tsv: feature
models:
  clf:
    path: model.txt
EOF
expect_exit 0 pipe repro
git add -A && git commit -qm "lr 0.1"

expect_exit 0 pipe plots show
assert_contains "plots show writes one page" "$OUT" "Wrote pipe_plots/index.html (10 plots)"
html=$(cat pipe_plots/index.html)
for kind in linear simple scatter smooth confusion confusion_normalized bar_horizontal bar_horizontal_sorted; do
  assert_contains "the $kind template is drawn" "$html" "<svg class=\"chart $kind\""
done
assert_contains "the image is inlined as it is" "$html" '<img alt="sample.png" src="data:image/png;base64,iVBORw0KGgo'
assert_not_contains "no script" "$html" "<script"
assert_not_contains "no network reference" "$html" "http:"
assert_not_contains "none over https" "$html" "https:"
assert_contains "each plot says where it is defined" "$html" '<p class="where">pipe.yaml:8:7</p>'
expect_exit 0 pipe plots show --json
"$PY" - "$OUT" <<'PYEOF' || fail "plots show --json gives the data behind each chart"
import json, sys
plots = {p["id"]: p for p in json.loads(sys.argv[1])}
acc = plots["accuracy"]
assert [s["label"] for s in acc["series"]] == ["train.json: acc", "train.json: loss"], acc
assert acc["x_label"] == "step" and acc["y_label"] == "value" and acc["title"] == "Accuracy and loss", acc
assert acc["series"][1]["y"][:2] == ["1.0", "0.5"], acc["series"][1]
assert plots["classes.json"]["template"] == "confusion" and len(plots["classes.json"]["series"][0]["x"]) == 30
assert plots["sample.png"]["image"] and plots["sample.png"]["files"][0]["bytes"] > 50, plots["sample.png"]
PYEOF
expect_exit 0 pipe plots show pr.csv -o "$SCRATCH/one.html"
assert_contains "targets choose plots; -o names the page" "$OUT" "(1 plot)"
assert_true "the page is where -o said" test -s "$SCRATCH/one.html"
expect_exit 0 pipe plots show --json classes.json
assert_eq "a target that is a plot's name selects that plot, not every plot reading the file" "1" "$("$PY" -c 'import json,sys; print(len(json.loads(sys.argv[1])))' "$OUT")"
expect_exit 2 pipe plots show nosuch.json
assert_contains "an unknown target lists the plots" "$ERR" "no plot 'nosuch.json'; there are: accuracy"

# Headless Chromium: the page renders with no console error and no request,
# and the DOM has what a reader needs.
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
  skip "rendering in Chromium" "chromium is not installed (.ci/install-deps.sh --test installs it)"
else
  chrome() { timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$SCRATCH/chrome-$1" "${@:2}"; }
  run chrome a --enable-logging=stderr --v=0 --window-size=1400,4000 --screenshot="$SCRATCH/plots.png" \
    "file://$PROJ/pipe_plots/index.html"
  assert_true "Chromium renders the page to a screenshot" test -s "$SCRATCH/plots.png"
  assert_true "of some substance" test "$(stat -c %s "$SCRATCH/plots.png")" -gt 30000
  assert_not_contains "with no console error (a request would be one)" "$ERR" "CONSOLE"
  run chrome b --dump-dom "file://$PROJ/pipe_plots/index.html"
  "$PY" - "$OUT" <<'PYEOF' || fail "the rendered DOM has every chart, its series, axis labels and matrix cells"
import re, sys
dom = sys.argv[1]
assert len(re.findall(r'<svg class="chart ', dom)) == 9, len(re.findall(r'<svg class="chart ', dom))
sections = dom.split('<section class="plot">')[1:]
by_id = {re.search(r"<h2>([^<]*)</h2>", s).group(1): s for s in sections}
acc = by_id["accuracy"]
assert acc.count('<g class="series"') == 2 and acc.count('class="legend-entry"') == 2, acc[:400]
assert '>step</text>' in acc and '>value</text>' in acc
cm = by_id["classes.json"]
assert cm.count('<rect class="cell"') == 9 and cm.count('class="cell-value"') == 9
assert '>actual</text>' in cm and '>predicted</text>' in cm
assert by_id["importance.tsv"].count('<rect class="bar"') == 3
PYEOF
fi

# Across git revisions: train.json is cached (from the cache by that
# revision's pipe.lock), pr.csv is in git.
sed -i 's/lr: 0.1/lr: 0.2/' params.yaml
expect_exit 0 pipe repro
git add -A && git commit -qm "lr 0.2"
expect_exit 0 pipe plots diff HEAD~1 HEAD --targets loss_simple pr.csv --json
"$PY" - "$OUT" <<'PYEOF' || fail "plots diff across two git revisions"
import json, sys
plots = {p["id"]: p for p in json.loads(sys.argv[1])}
loss = plots["loss_simple"]["series"]
assert [s["label"] for s in loss] == ["HEAD~1 loss", "HEAD loss"], loss
assert loss[0]["y"][0] == "1.0" and loss[1]["y"][0] == "2.0", loss
pr = plots["pr.csv"]["series"]
assert len(pr) == 2 and pr[0]["y"] != pr[1]["y"], pr
PYEOF
expect_exit 0 pipe plots diff HEAD~1 --targets loss_simple
assert_contains "one side: against the workspace" "$OUT" "Wrote pipe_plots/index.html (1 plot)"
assert_contains "the page names the sides" "$(cat pipe_plots/index.html)" "Plots: HEAD~1 vs workspace"

# Across model versions and experiments: from the cache, by the digests
# their runs recorded, whatever the workspace holds now.
expect_exit 0 pipe plots diff clf@1.0.0 clf@1.1.0 --targets loss_simple --json
"$PY" - "$OUT" <<'PYEOF' || fail "plots diff across two model versions"
import json, sys
s = json.loads(sys.argv[1])[0]["series"]
assert [x["label"] for x in s] == ["clf@1.0.0 loss", "clf@1.1.0 loss"] and s[0]["y"][0] == "1.0" and s[1]["y"][0] == "2.0", s
PYEOF
expect_exit 0 pipe exp run -S lr=0.5 -n half
git checkout -q -- . && expect_exit 0 pipe checkout
expect_exit 0 pipe plots diff clf@1.0.0 half --targets loss_simple --json
assert_contains "an experiment is a side too" "$OUT" '"label": "experiment half loss"'
assert_contains "with its own values" "$OUT" '"5.0"'

# Mistakes.
expect_exit 2 pipe plots diff nosuch
assert_contains "an unknown side says what a side may be" "$ERR" "'nosuch' is neither a git revision here"
sed -i 's/template: smooth/template: vega-lite/' pipe.yaml
expect_exit 3 pipe plots show
assert_contains "an unknown template is refused where it is written" "$ERR" "pipe.yaml:11:19: unknown template 'vega-lite'"
finish
