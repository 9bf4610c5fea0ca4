#!/usr/bin/env bash
# Checks schemas/pipeline.schema.json and schemas/lock.schema.json:
#  1. both are valid draft 2020-12 schemas;
#  2. examples/iris/pipe.yaml and a set of hand-made pipeline files are
#     accepted or refused as expected, and, when a pipe binary is found,
#     pipe itself (`pipe dag`) agrees with the schema on each of them;
#  3. a real pipe.lock, made by running examples/iris in a temporary copy,
#     matches lock.schema.json, and damaged copies of it do not;
#  4. real .pipe files, made by `pipe add` of a file and a directory, match
#     tracked.schema.json, and damaged copies of them do not.
#
# Usage: bash schemas/check.sh            (from anywhere in the repository)
#        PIPE=/path/to/pipe bash schemas/check.sh
# Needs Debian's python3-jsonschema and python3-yaml; installs them with
# apt-get (through sudo when not root) when missing. Step 3 needs a built
# pipe (build/cli/pipe, build-docs/cli/pipe, or $PIPE) and python3.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY=/usr/bin/python3

need_packages() {
  [ -x "$PY" ] && "$PY" -c 'import jsonschema, yaml' 2>/dev/null && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "check.sh: installing python3-jsonschema and python3-yaml" >&2
  $sudo apt-get install -y python3 python3-jsonschema python3-yaml >/dev/null ||
    { $sudo apt-get update >/dev/null && $sudo apt-get install -y python3 python3-jsonschema python3-yaml >/dev/null; }
  "$PY" -c 'import jsonschema, yaml'
}
need_packages

if [ -z "${PIPE:-}" ]; then
  for candidate in "$ROOT/build/cli/pipe" "$ROOT/build-docs/cli/pipe"; do
    if [ -x "$candidate" ]; then PIPE="$candidate"; break; fi
  done
fi
if [ -n "${PIPE:-}" ]; then
  [ -x "$PIPE" ] || { echo "check.sh: $PIPE is not an executable" >&2; exit 1; }
  echo "check.sh: using $PIPE"
else
  echo "check.sh: no pipe binary found (build/cli/pipe, build-docs/cli/pipe or \$PIPE);" \
       "checking the schemas without comparing against pipe and without a real pipe.lock" >&2
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# A real lock file from the iris example.
LOCK=""
if [ -n "${PIPE:-}" ]; then
  cp -r "$ROOT/examples/iris" "$WORK/iris"
  rm -rf "$WORK/iris/.pipe" "$WORK/iris/pipe.lock"
  if "$PIPE" -C "$WORK/iris" repro >"$WORK/iris-repro.log" 2>&1; then
    LOCK="$WORK/iris/pipe.lock"
  else
    echo "check.sh: 'pipe repro' of examples/iris failed:" >&2
    cat "$WORK/iris-repro.log" >&2
    exit 1
  fi
fi

# Real .pipe files from pipe add.
TRACKED=""
if [ -n "${PIPE:-}" ]; then
  mkdir -p "$WORK/tracked/dir/sub"
  echo data >"$WORK/tracked/file.csv"
  echo a >"$WORK/tracked/dir/a" && echo b >"$WORK/tracked/dir/sub/b"
  printf '#!/bin/sh\n' >"$WORK/tracked/tool.sh" && chmod +x "$WORK/tracked/tool.sh"
  "$PIPE" -C "$WORK/tracked" init >/dev/null
  "$PIPE" -C "$WORK/tracked" add file.csv dir tool.sh >/dev/null
  TRACKED="$WORK/tracked/file.csv.pipe $WORK/tracked/dir.pipe $WORK/tracked/tool.sh.pipe"
fi

ROOT="$ROOT" PIPE="${PIPE:-}" LOCK="$LOCK" WORK="$WORK" TRACKED="$TRACKED" "$PY" - <<'PYTHON'
import copy
import os
import re
import subprocess
import sys

import jsonschema
import jsonschema.exceptions
import yaml

root, pipe, lock_path, work = (os.environ[k] for k in ("ROOT", "PIPE", "LOCK", "WORK"))


# pipe reads YAML 1.2 (core schema): only true/false are booleans, 'yes',
# 'no', 'on' and 'off' are strings. PyYAML follows YAML 1.1, so teach it 1.2
# booleans, or `frozen: yes` would pass the schema while pipe refuses it.
class Yaml12Loader(yaml.SafeLoader):
    pass


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def load_yaml(text):
    return yaml.load(text, Loader=Yaml12Loader)


def validator(name):
    import json

    with open(os.path.join(root, "schemas", name)) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


pipeline_schema = validator("pipeline.schema.json")
lock_schema = validator("lock.schema.json")
tracked_schema = validator("tracked.schema.json")

failures = 0
checks = 0


def report(ok, what, detail=""):
    global failures, checks
    checks += 1
    if ok:
        print(f"ok    {what}")
    else:
        failures += 1
        print(f"FAIL  {what}{': ' + detail if detail else ''}")


def schema_errors(v, data):
    return list(v.iter_errors(data))


def first_error(errors):
    if not errors:
        return "no error"
    e = jsonschema.exceptions.best_match(errors)
    where = "/".join(str(p) for p in e.absolute_path)
    return f"{where}: {e.message}" if where else e.message


# --- pipeline files --------------------------------------------------------

# Files every sample may use as deps, params or vars.
FIXTURE = {
    "params.yaml": "lr: 0.1\ntrain: {lr: 0.1, epochs: 3}\nflag: false\n"
    "models: [{name: cnn}, {name: rnn}]\nfiles: [in.txt]\n",
    "other.json": '{"batch": 32, "opt": {"name": "adam"}}\n',
    "cfg.toml": "threads = 4\n",
    "in.txt": "x\n",
    "data/x.csv": "1\n",
    "sub/in.txt": "y\n",
}

# (name, pipeline text, schema accepts?, pipe accepts?)
SAMPLES = [
    ("minimal", "stages:\n  a:\n    cmd: echo hi\n", True, True),
    ("empty stages", "stages: {}\n", True, True),
    ("cmd list", "stages:\n  a:\n    cmd:\n      - echo 1\n      - echo 2\n", True, True),
    ("every stage key",
     """
vars:
  - extra: {k: v}
  - other.json
  - cfg.toml:threads
params: [params.yaml]
metrics: [metrics.json]
plots:
  - loss.csv: {x: step, y: loss}
artifacts:
  model: {path: model.pkl, type: model}
datasets:
  - {name: d, type: dvc, url: x}
stages:
  full:
    cmd: python3 train.py --lr ${lr} --batch ${batch}
    wdir: .
    deps: [in.txt, data]
    params:
      - lr
      - train.epochs
      - other.json: [opt.name]
      - cfg.toml:
    outs:
      - model.pkl
      - cache_dir: {cache: false, persist: true, desc: d, remote: r, push: false, type: model, labels: [a], meta: {x: 1}}
    metrics:
      - metrics.json: {cache: false}
    plots:
      - loss.csv: {x: step, y: [loss], template: linear, title: T, x_label: s, y_label: l, header: true, cache: false}
    frozen: false
    always_changed: false
    desc: trains the model
    meta: {owner: me}
    vars:
      - local: 1
""", True, True),
    ("wdir", "stages:\n  a:\n    wdir: sub\n    cmd: cat in.txt\n    deps: [in.txt, ../in.txt]\n", True, True),
    ("foreach list",
     "stages:\n  b:\n    foreach: [cnn, rnn]\n    do:\n      cmd: echo ${item}\n      outs: [\"out_${item}.txt\"]\n",
     True, True),
    ("foreach list of dicts",
     "stages:\n  b:\n    foreach: ${models}\n    do:\n      cmd: echo ${item.name}\n", True, True),
    ("foreach dict",
     "stages:\n  b:\n    foreach:\n      us: {r: 1}\n      eu: {r: 2}\n    do:\n      cmd: echo ${key} ${item.r}\n",
     True, True),
    ("matrix",
     "stages:\n  t:\n    matrix:\n      model: [cnn, rnn]\n      lr: [0.1, 0.01]\n    cmd: echo ${item.model} ${item.lr}\n"
     "    outs: [\"m_${item.model}_${item.lr}.txt\"]\n",
     True, True),
    ("matrix from params", "stages:\n  t:\n    matrix:\n      f: ${files}\n    cmd: cat ${item.f}\n", True, True),
    ("whole-value templates",
     "stages:\n  a:\n    cmd: cat in.txt\n    deps: ${files}\n    frozen: ${flag}\n    outs:\n      - o.txt: {cache: \"${flag}\"}\n",
     True, True),
    ("escaped template", "stages:\n  a:\n    cmd: echo '\\${HOME}'\n", True, True),
    ("null lists", "stages:\n  a:\n    cmd: echo\n    deps:\n    outs:\n    params:\n", True, True),
    ("output options null", "stages:\n  a:\n    cmd: echo\n    outs:\n      - o.txt:\n", False, False),
    ("stage name with space", "stages:\n  a b:\n    cmd: echo\n", True, True),
    # A clone without its data: the graph still loads (repro fails the stage).
    ("dep missing", "stages:\n  a:\n    cmd: echo\n    deps: [missing.txt]\n", True, True),
    ("metrics only, as DVC allows", "metrics: [m.json]\n", True, True),
    ("checkpoint output", "stages:\n  a:\n    cmd: echo\n    outs:\n      - m.pt: {checkpoint: true}\n", True, True),
    ("slurm resources",
     "stages:\n  a:\n    cmd: echo\n    resources:\n      cpus: 4\n      mem: 16G\n      gpus: 1\n"
     "      time: \"1:30:00\"\n      partition: gpu\n      account: lab\n      qos: normal\n"
     "      constraint: a100|h100\n      sbatch_args: [--exclusive, --mail-type=END]\n", True, True),
    ("resources in days", "stages:\n  a:\n    cmd: echo\n    resources: {time: 2-12, mem: 512}\n", True, True),
    ("resources: bad memory", "stages:\n  a:\n    cmd: echo\n    resources: {mem: 4X}\n", False, False),
    ("resources: no cpus", "stages:\n  a:\n    cmd: echo\n    resources: {cpus: 0}\n", False, False),
    ("resources: bad time", "stages:\n  a:\n    cmd: echo\n    resources: {time: soon}\n", False, False),
    ("resources: unknown key", "stages:\n  a:\n    cmd: echo\n    resources: {nodes: 2}\n", False, False),
    ("resources: a flag pipe sets", "stages:\n  a:\n    cmd: echo\n    resources: {sbatch_args: [--output=x]}\n",
     False, False),
    ("resources: a partition with a space", "stages:\n  a:\n    cmd: echo\n    resources: {partition: \"a b\"}\n",
     False, False),
    ("stage name with a tab", "stages:\n  \"a\\tb\":\n    cmd: echo\n", False, False),
    # Refused by both.
    ("unknown top-level key", "stage:\n  a:\n    cmd: echo\n", False, False),
    ("unknown stage key", "stages:\n  a:\n    cmd: echo\n    dep: [in.txt]\n", False, False),
    ("unknown out option", "stages:\n  a:\n    cmd: echo\n    outs:\n      - o.txt: {persit: true}\n", False, False),
    ("plot option on outs", "stages:\n  a:\n    cmd: echo\n    outs:\n      - o.txt: {x: step}\n", False, False),
    ("no stages", "vars: []\n", False, False),
    ("no cmd", "stages:\n  a:\n    deps: [in.txt]\n", False, False),
    ("null cmd", "stages:\n  a:\n    cmd:\n", False, False),
    ("empty cmd list", "stages:\n  a:\n    cmd: []\n", False, False),
    ("cmd list of mappings", "stages:\n  a:\n    cmd: [{x: 1}]\n", False, False),
    ("bad stage name", "stages:\n  a@b:\n    cmd: echo\n", False, False),
    ("deps as a string", "stages:\n  a:\n    cmd: echo\n    deps: in.txt\n", False, False),
    ("dep not a string", "stages:\n  a:\n    cmd: echo\n    deps: [{in.txt: 1}]\n", False, False),
    ("frozen yes", "stages:\n  a:\n    cmd: echo\n    frozen: yes\n", False, False),
    ("cache as string", "stages:\n  a:\n    cmd: echo\n    outs:\n      - o.txt: {cache: 'no'}\n", False, False),
    ("two-key output", "stages:\n  a:\n    cmd: echo\n    outs:\n      - {a.txt: null, b.txt: null}\n", False, False),
    ("do without foreach", "stages:\n  a:\n    do:\n      cmd: echo\n", False, False),
    ("foreach with cmd", "stages:\n  a:\n    foreach: [1]\n    cmd: echo\n    do:\n      cmd: echo\n", False, False),
    ("foreach without do", "stages:\n  a:\n    foreach: [1]\n", False, False),
    ("foreach of a number", "stages:\n  a:\n    foreach: 3\n    do:\n      cmd: echo\n", False, False),
    ("empty matrix", "stages:\n  a:\n    matrix: {}\n    cmd: echo\n", False, False),
    ("matrix axis not a list", "stages:\n  a:\n    matrix:\n      x: 1\n    cmd: echo\n", False, False),
    ("vars not a list", "vars:\n  a: 1\nstages:\n  a:\n    cmd: echo\n", False, False),
    ("param key not a string", "stages:\n  a:\n    cmd: echo\n    params: [{other.json: [1]}]\n", False, False),
    ("params as a mapping", "stages:\n  a:\n    cmd: echo\n    params: {lr: 1}\n", False, False),
    ("absolute out", "stages:\n  a:\n    cmd: echo\n    outs: [/tmp/x]\n", False, False),
    ("empty file, as DVC reads it", "", True, True),
    ("approvals policy",
     "stages:\n  a:\n    cmd: echo\n    outs: [m.bin]\nmodels:\n  clf:\n    path: m.bin\n    approvals:\n"
     "      production:\n        required: 2\n        approvers: [alice, \"sha256:" + "ab" * 32 + "\"]\n"
     "        distinct_from_trainer: true\n      staging: 1\n", True, True),
    ("approvals: zero required",
     "stages:\n  a:\n    cmd: echo\n    outs: [m.bin]\nmodels:\n  clf:\n    path: m.bin\n    approvals:\n"
     "      production: {required: 0}\n", False, False),
    ("approvals: a misspelt key",
     "stages:\n  a:\n    cmd: echo\n    outs: [m.bin]\nmodels:\n  clf:\n    path: m.bin\n    approvals:\n"
     "      production: {requird: 2}\n", False, False),
    ("approvals: a malformed key id",
     "stages:\n  a:\n    cmd: echo\n    outs: [m.bin]\nmodels:\n  clf:\n    path: m.bin\n    approvals:\n"
     "      production: {approvers: [\"sha256:XY\"]}\n", False, False),
    # What only pipe can refuse: paths that climb out, overlaps.
    ("out escapes the project", "stages:\n  a:\n    cmd: echo\n    outs: [../x]\n", True, False),
    ("overlapping outs",
     "stages:\n  a:\n    cmd: echo\n    outs: [d]\n  b:\n    cmd: echo\n    outs: [d/x]\n", True, False),
]


def pipe_accepts(text):
    project = os.path.join(work, "sample")
    subprocess.run(["rm", "-rf", project], check=True)
    for path, content in FIXTURE.items():
        full = os.path.join(project, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(content)
    with open(os.path.join(project, "pipe.yaml"), "w") as f:
        f.write(text)
    r = subprocess.run([pipe, "-C", project, "dag"], capture_output=True, text=True)
    return r.returncode == 0, r.stderr.strip()


with open(os.path.join(root, "examples/iris/pipe.yaml")) as f:
    iris = load_yaml(f.read())
errors = schema_errors(pipeline_schema, iris)
report(not errors, "pipeline schema accepts examples/iris/pipe.yaml", first_error(errors))

for name, text, schema_ok, pipe_ok in SAMPLES:
    try:
        data = load_yaml(text)
    except yaml.YAMLError as e:
        report(False, f"pipeline sample '{name}' is valid YAML", str(e))
        continue
    errors = schema_errors(pipeline_schema, data)
    verdict = "accepts" if schema_ok else "refuses"
    report((not errors) == schema_ok, f"pipeline schema {verdict} '{name}'", first_error(errors))
    if pipe:
        ok, why = pipe_accepts(text)
        verdict = "accepts" if pipe_ok else "refuses"
        report(ok == pipe_ok, f"pipe {verdict} '{name}'", why or "no error")

# --- pipe.lock ---------------------------------------------------------------

if lock_path:
    with open(lock_path) as f:
        lock = load_yaml(f.read())
    errors = schema_errors(lock_schema, lock)
    report(not errors, "lock schema accepts the iris pipe.lock", first_error(errors))
    report(bool(lock.get("stages")) and all("outs" in s for s in lock["stages"].values()),
           "the iris pipe.lock records every stage with its outs")

    def damaged(change):
        data = copy.deepcopy(lock)
        change(data)
        return data

    first = sorted(lock["stages"])[0]
    bad_locks = [
        ("uppercase hash", lambda d: d["stages"][first]["deps"][0].update(hash=d["stages"][first]["deps"][0]["hash"].upper())),
        ("short hash", lambda d: d["stages"][first]["deps"][0].update(hash="abc")),
        ("negative size", lambda d: d["stages"][first]["deps"][0].update(size=-1)),
        ("missing hash", lambda d: d["stages"][first]["deps"][0].pop("hash")),
        ("schema 3", lambda d: d.update(schema=3)),
        ("schema 0", lambda d: d.update(schema=0)),
        ("unknown stage key", lambda d: d["stages"][first].update(md5="x")),
        ("missing cmd", lambda d: d["stages"][first].pop("cmd")),
    ]
    for name, change in bad_locks:
        report(bool(schema_errors(lock_schema, damaged(change))), f"lock schema refuses a lock with {name}")
else:
    print("skip  lock schema against a real pipe.lock (no pipe binary)")

# --- .pipe files --------------------------------------------------------------

tracked_files = os.environ["TRACKED"].split()
for path in tracked_files:
    with open(path) as f:
        data = load_yaml(f.read())
    errors = schema_errors(tracked_schema, data)
    report(not errors, f"tracked schema accepts {os.path.basename(path)}", first_error(errors))
if tracked_files:
    with open(tracked_files[2]) as f:
        report(load_yaml(f.read())["outs"][0].get("isexec") is True, "an executable's .pipe file says isexec")
    with open(tracked_files[1]) as f:
        good = load_yaml(f.read())
    bad_tracked = [
        ("a path with a slash", lambda d: d["outs"][0].update(path="sub/dir")),
        ("a path of ..", lambda d: d["outs"][0].update(path="..")),
        ("two outs", lambda d: d["outs"].append(dict(d["outs"][0]))),
        ("no hash", lambda d: d["outs"][0].pop("hash")),
        ("schema 3", lambda d: d.update(schema=3)),
    ]
    for name, change in bad_tracked:
        data = copy.deepcopy(good)
        change(data)
        report(bool(schema_errors(tracked_schema, data)), f"tracked schema refuses a .pipe file with {name}")
        # pipe itself refuses it too, where the schema describes pipe's own check.
        if pipe and name != "two outs":
            d = os.path.join(work, "tracked-bad")
            os.makedirs(d, exist_ok=True)
            subprocess.run([pipe, "-C", d, "init"], capture_output=True)
            with open(os.path.join(d, "dir.pipe"), "w") as f:
                yaml.safe_dump(data, f)
            r = subprocess.run([pipe, "-C", d, "status"], capture_output=True, text=True)
            report(r.returncode == 3, f"pipe refuses a .pipe file with {name} (exit 3)", r.stderr.strip())
else:
    print("skip  tracked schema against real .pipe files (no pipe binary)")

print(f"{checks - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
PYTHON
