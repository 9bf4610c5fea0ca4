#!/usr/bin/python3
"""Writes a DVC repository the way DVC writes one, for pipe's import tests.

  make_repo.py OUT [options]

DVC itself cannot be installed here, so this writes DVC's formats from
their specification (DVC's dvc/stage/serialize.py, dvc-data's hashfile/
hash.py, istextfile.py and tree.py): dvc.lock in DVC 2's form (no `hash`,
md5-dos2unix) and DVC 3's (`hash: md5`) side by side, .dvc files of both
kinds, a .dir manifest, `cache: false`, params blocks, a foreach stage, a
second dvc.yaml in a subfolder, .dvc/config and config.local, DVC's cache
(.dvc/cache, DVC 3's files/md5/ and DVC 2's top level) and, with --remote,
a DVC remote's objects in the same layout. Every md5 is computed here, with
Python's hashlib and json, independently of pipe.

The stage commands are real: running them reproduces the recorded outputs.

Options:
  --images N           files in data/images (default 12), some in subfolders
  --no-workspace       leave the data and outputs out of the workspace
                       (a fresh clone that has not pulled)
  --no-cache           leave DVC's cache empty
  --remote DIR         write every object to DIR in DVC's remote layout
  --url URL            the remote's url in .dvc/config (default: DIR of --remote)
  --endpoint URL       s3 endpointurl; with --key-id/--secret (into config.local)
  --user U --password P  http basic auth (into config.local)
  --tamper             change data/data.xml in the workspace after recording it
Prints nothing; exits non-zero on a bad option.
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys

TEXT_CHARS = bytes(range(32, 127)) + b"\n\r\t\f\b"


def is_text(block):
    if not block:
        return True
    if b"\x00" in block:
        return False
    nontext = block.translate(None, TEXT_CHARS)
    return len(nontext) / len(block) <= 0.30


def md5_of(data, legacy):
    """DVC 3's md5 (legacy=False) or DVC 2's md5-dos2unix (legacy=True)."""
    h = hashlib.md5()
    text = legacy and is_text(data[:512])
    for i in range(0, len(data), 1 << 20):
        chunk = data[i:i + (1 << 20)]
        h.update(chunk.replace(b"\r\n", b"\n") if text else chunk)
    return h.hexdigest()


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data, mode="wb"):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, mode) as f:
        f.write(data)


class Repo:
    def __init__(self, root, legacy_dirs=()):
        self.root = root
        self.objects = {}  # (legacy, name) -> bytes

    def file_entry(self, rel, legacy):
        data = read(os.path.join(self.root, rel))
        md5 = md5_of(data, legacy)
        self.objects[(legacy, md5)] = data
        entry = {"md5": md5, "size": len(data)}
        if os.access(os.path.join(self.root, rel), os.X_OK):
            entry["isexec"] = True
        return entry

    def dir_entry(self, rel, legacy):
        top = os.path.join(self.root, rel)
        listed, size = [], 0
        for d, _, files in os.walk(top):
            for name in files:
                p = os.path.join(d, name)
                data = read(p)
                md5 = md5_of(data, legacy)
                self.objects[(legacy, md5)] = data
                listed.append({"md5": md5, "relpath": os.path.relpath(p, top).replace(os.sep, "/")})
                size += len(data)
        listed.sort(key=lambda e: e["relpath"])
        manifest = json.dumps(listed, sort_keys=True).encode()
        name = hashlib.md5(manifest).hexdigest() + ".dir"
        self.objects[(legacy, name)] = manifest
        return {"md5": name, "size": size, "nfiles": len(listed)}

    def entry(self, rel, legacy):
        return self.dir_entry(rel, legacy) if os.path.isdir(os.path.join(self.root, rel)) else self.file_entry(rel, legacy)

    def store(self, top):
        """The objects in DVC's layout under `top` (a cache or a remote)."""
        for (legacy, name), data in self.objects.items():
            prefix = top if legacy else os.path.join(top, "files", "md5")
            path = os.path.join(prefix, name[:2], name[2:])
            write(path, data)
            os.chmod(path, 0o444)


def yaml_entry(e, path, legacy, indent):
    """One deps/outs item of dvc.lock, keys in DVC's order."""
    pad = " " * indent
    lines = [f"{pad}- path: {path}"]
    if not legacy:
        lines.append(f"{pad}  hash: md5")
    lines.append(f"{pad}  md5: {e['md5']}")
    lines.append(f"{pad}  size: {e['size']}")
    if "nfiles" in e:
        lines.append(f"{pad}  nfiles: {e['nfiles']}")
    if e.get("isexec"):
        lines.append(f"{pad}  isexec: true")
    return "\n".join(lines) + "\n"


PREPARE = """import os, sys
rows = open(sys.argv[1], newline='').read().splitlines()
os.makedirs('data/prepared', exist_ok=True)
with open('data/prepared/train.csv', 'w') as f:
    f.write('\\n'.join(r for i, r in enumerate(rows) if i % 5) + '\\n')
with open('data/prepared/test.csv', 'w') as f:
    f.write('\\n'.join(r for i, r in enumerate(rows) if not i % 5) + '\\n')
"""
TRAIN = """import json, sys
lr = float(sys.argv[1])
train = open('data/prepared/train.csv').read()
open('model.pkl', 'wb').write(('model lr=%s rows=%d\\n' % (lr, train.count('\\n'))).encode())
json.dump({'rows': train.count('\\n'), 'lr': lr}, open('metrics.json', 'w'), sort_keys=True)
"""
STATS = """import os, sys
part = sys.argv[1]
os.makedirs('stats', exist_ok=True)
open('stats/%s.txt' % part, 'w').write('%d\\n' % open('data/prepared/%s.csv' % part).read().count('\\n'))
"""
EVALUATE = """import os
n = len([f for _, _, fs in os.walk('../data/images') for f in fs])
open('report.txt', 'w').write('model %s images %d\\n' % (open('../model.pkl').read().strip(), n))
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--images", type=int, default=12)
    ap.add_argument("--no-workspace", action="store_true")
    ap.add_argument("--no-cache", action="store_true")
    ap.add_argument("--remote")
    ap.add_argument("--url")
    ap.add_argument("--endpoint")
    ap.add_argument("--key-id")
    ap.add_argument("--secret")
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--tamper", action="store_true")
    a = ap.parse_args()
    root = a.out
    os.makedirs(root, exist_ok=True)
    rnd = random.Random(7)
    repo = Repo(root)

    # Raw data: a CRLF text file (DVC 2 hashed it with CRLF as LF), and a
    # directory of binary images, some in subfolders.
    rows = [f"<row id='{i}' score='{rnd.randrange(1000)}'/>" for i in range(400)]
    write(f"{root}/data/data.xml", ("\r\n".join(rows) + "\r\n").encode())
    for i in range(a.images):
        sub = f"batch{i % 3}/" if i % 2 else ""
        write(f"{root}/data/images/{sub}img{i:05d}.png", bytes([0, 137]) + rnd.randbytes(40 + i % 50))
    write(f"{root}/src/prepare.py", PREPARE.encode())
    write(f"{root}/src/train.py", TRAIN.encode())
    write(f"{root}/src/stats.py", STATS.encode())
    write(f"{root}/evaluate/evaluate.py", EVALUATE.encode())
    write(f"{root}/params.yaml", b"prepare:\n  seed: 20170428\n  split: 0.2\ntrain:\n  lr: 0.1\n  epochs: 3\n")
    write(f"{root}/dvc.yaml", b"""stages:
  prepare:
    cmd: python3 src/prepare.py data/data.xml
    deps:
    - data/data.xml
    - src/prepare.py
    params:
    - prepare.seed
    - prepare.split
    outs:
    - data/prepared
  train:
    cmd: python3 src/train.py ${train.lr}
    deps:
    - data/prepared
    - src/train.py
    params:
    - train
    outs:
    - model.pkl
    metrics:
    - metrics.json:
        cache: false
  stats:
    foreach: [train, test]
    do:
      cmd: python3 src/stats.py ${item}
      deps:
      - data/prepared
      - src/stats.py
      outs:
      - stats/${item}.txt
""")
    write(f"{root}/evaluate/dvc.yaml", b"""stages:
  evaluate:
    cmd: python3 evaluate.py
    deps:
    - ../model.pkl
    - ../data/images
    - evaluate.py
    outs:
    - report.txt
""")
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    run = lambda cmd, cwd=root: subprocess.run(cmd, cwd=cwd, check=True, env=env)
    run(["/usr/bin/python3", "src/prepare.py", "data/data.xml"])
    run(["/usr/bin/python3", "src/train.py", "0.1"])
    for part in ("train", "test"):
        run(["/usr/bin/python3", "src/stats.py", part])
    run(["/usr/bin/python3", "evaluate.py"], cwd=f"{root}/evaluate")

    # What DVC records. DVC 2 wrote the prepare stage and data.xml.dvc
    # (md5-dos2unix, no `hash`); DVC 3 the rest.
    E = repo.entry
    lock = "schema: '2.0'\nstages:\n"
    lock += "  prepare:\n    cmd: python3 src/prepare.py data/data.xml\n    deps:\n"
    lock += yaml_entry(E("data/data.xml", True), "data/data.xml", True, 4)
    lock += yaml_entry(E("src/prepare.py", True), "src/prepare.py", True, 4)
    lock += "    params:\n      params.yaml:\n        prepare.seed: 20170428\n        prepare.split: 0.2\n"
    lock += "    outs:\n" + yaml_entry(E("data/prepared", True), "data/prepared", True, 4)
    lock += "  train:\n    cmd: python3 src/train.py 0.1\n    deps:\n"
    lock += yaml_entry(E("data/prepared", False), "data/prepared", False, 4)
    lock += yaml_entry(E("src/train.py", False), "src/train.py", False, 4)
    lock += "    params:\n      params.yaml:\n        train:\n          epochs: 3\n          lr: 0.1\n"
    lock += "    outs:\n" + yaml_entry(E("metrics.json", False), "metrics.json", False, 4)
    lock += yaml_entry(E("model.pkl", False), "model.pkl", False, 4)
    for part in ("test", "train"):
        lock += f"  stats@{part}:\n    cmd: python3 src/stats.py {part}\n    deps:\n"
        lock += yaml_entry(E("data/prepared", False), "data/prepared", False, 4)
        lock += yaml_entry(E("src/stats.py", False), "src/stats.py", False, 4)
        lock += "    outs:\n" + yaml_entry(E(f"stats/{part}.txt", False), f"stats/{part}.txt", False, 4)
    write(f"{root}/dvc.lock", lock.encode())
    sub = "schema: '2.0'\nstages:\n  evaluate:\n    cmd: python3 evaluate.py\n    deps:\n"
    sub += yaml_entry(E("data/images", False), "../data/images", False, 4)
    sub += yaml_entry(E("model.pkl", False), "../model.pkl", False, 4)
    sub += yaml_entry(E("evaluate/evaluate.py", False), "evaluate.py", False, 4)
    sub += "    outs:\n" + yaml_entry(E("evaluate/report.txt", False), "report.txt", False, 4)
    write(f"{root}/evaluate/dvc.lock", sub.encode())

    # .dvc files: DVC 2's data.xml.dvc, DVC 3's images.dvc.
    x = E("data/data.xml", True)
    write(f"{root}/data/data.xml.dvc", f"outs:\n- md5: {x['md5']}\n  size: {x['size']}\n  path: data.xml\n".encode())
    im = E("data/images", False)
    write(f"{root}/data/images.dvc",
          f"outs:\n- md5: {im['md5']}\n  size: {im['size']}\n  nfiles: {im['nfiles']}\n  hash: md5\n  path: images\n".encode())
    write(f"{root}/data/.gitignore", b"/data.xml\n/images\n/prepared\n")
    write(f"{root}/.gitignore", b"/model.pkl\n/stats\n")

    # .dvc/: config (committed), config.local (secrets), cache.
    url = a.url or (os.path.abspath(a.remote) if a.remote else "/nonexistent/dvc-remote")
    config = "[core]\n    remote = storage\n    autostage = true\n[cache]\n    type = reflink,copy\n"
    config += "['remote \"storage\"']\n    url = " + url + "\n"
    if a.endpoint:
        config += f"    endpointurl = {a.endpoint}\n    region = us-east-1\n"
    config += "['remote \"backup\"']\n    url = gdrive://1a2b3c\n"
    write(f"{root}/.dvc/config", config.encode())
    local = ""
    if a.key_id:
        local += f"['remote \"storage\"']\n    access_key_id = {a.key_id}\n    secret_access_key = {a.secret}\n"
    if a.user:
        local += f"['remote \"storage\"']\n    auth = basic\n    user = {a.user}\n    password = {a.password}\n"
    if local:
        write(f"{root}/.dvc/config.local", local.encode())
    write(f"{root}/.dvc/.gitignore", b"/config.local\n/tmp\n/cache\n")
    if not a.no_cache:
        repo.store(f"{root}/.dvc/cache")
    if a.remote:
        repo.store(a.remote)
    if a.no_workspace:
        for p in ("data/data.xml", "data/images", "data/prepared", "model.pkl", "metrics.json", "stats",
                  "evaluate/report.txt"):
            full = os.path.join(root, p)
            shutil.rmtree(full) if os.path.isdir(full) else os.remove(full)
    if a.tamper:
        write(f"{root}/data/data.xml", b"<row id='tampered'/>\r\n", "ab")


if __name__ == "__main__":
    sys.exit(main())
