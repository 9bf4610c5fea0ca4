#!/usr/bin/python3
"""Workloads for tests/bench/repos.sh (stdlib only).

  gen_repo.py many DIR [--files-per-dep 10]
      A DVC-style repository of 30 pipeline files (p00/dvc.yaml ... p29/dvc.yaml),
      each with a 12-item foreach and a 2x5 matrix: 660 stages in all, their deps
      in each folder's data/ (files-per-dep small files per foreach item).

  gen_repo.py scale DIR --files N [--per-dir 1000]
      One stage whose dep is data/ holding N small files in N/per-dir folders.
"""

import argparse
import os


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def many(args):
    for p in range(30):
        folder = os.path.join(args.dir, f"p{p:02d}")
        write(os.path.join(folder, "params.yaml"), f"seed: {p}\nlr: [0.1, 0.2]\n")
        write(os.path.join(folder, "dvc.yaml"), f"""stages:
  prep:
    foreach: [{", ".join(str(i) for i in range(12))}]
    do:
      cmd: cat data/${{item}}/* > out/prep_${{item}}.txt
      deps: ["data/${{item}}"]
      outs: ["out/prep_${{item}}.txt"]
  train:
    matrix:
      part: [0, 1, 2, 3, 4]
      kind: [a, b]
    cmd: cat out/prep_${{item.part}}.txt > out/train_${{item.part}}_${{item.kind}}.txt
    deps: ["out/prep_${{item.part}}.txt"]
    params: [seed]
    outs: ["out/train_${{item.part}}_${{item.kind}}.txt"]
""")
        os.makedirs(os.path.join(folder, "out"), exist_ok=True)
        for i in range(12):
            for k in range(args.files_per_dep):
                write(os.path.join(folder, "data", str(i), f"f{k:03d}.csv"), f"{p},{i},{k}\n")


def scale(args):
    n, per = args.files, args.per_dir
    for start in range(0, n, per):
        d = os.path.join(args.dir, "data", f"d{start // per:04d}")
        os.makedirs(d, exist_ok=True)
        for k in range(start, min(n, start + per)):
            fd = os.open(os.path.join(d, f"f{k:07d}"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.write(fd, b"%d\n" % k)
            os.close(fd)
    write(os.path.join(args.dir, "dvc.yaml"), """stages:
  count:
    cmd: find data -type f | wc -l > count.txt
    deps: [data]
    outs: [count.txt]
""")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="mode", required=True)
    m = sub.add_parser("many")
    m.add_argument("dir")
    m.add_argument("--files-per-dep", type=int, default=10)
    s = sub.add_parser("scale")
    s.add_argument("dir")
    s.add_argument("--files", type=int, required=True)
    s.add_argument("--per-dir", type=int, default=1000)
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    os.makedirs(os.path.join(args.dir, ".dvc"), exist_ok=True)
    many(args) if args.mode == "many" else scale(args)


if __name__ == "__main__":
    main()
