#!/usr/bin/python3
"""Timing helper for tests/bench/run.sh (stdlib only).

  timing.py measure --out R.jsonl --key KEY --cwd DIR [--runs N] [--warmup W] \
      --case LABEL PREPARE COMMAND [--case ...]
      Runs the cases interleaved (run 1 of every case, then run 2, ...), so
      a noisy neighbour hits pipe and its peer alike. PREPARE (untimed, may
      be "") runs before every timed COMMAND; both run with /bin/sh -c in DIR,
      output discarded. A non-zero exit aborts. Appends one JSON line per case.

  timing.py report --results R.jsonl [--meta K=V ...]
      Prints the table of medians and ratios.
"""

import argparse
import json
import statistics
import subprocess
import sys
import time


def sh(cmd, cwd):
    p = subprocess.run(["/bin/sh", "-c", cmd], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit(f"timing.py: command failed (exit {p.returncode}) in {cwd}: {cmd}\n{p.stderr.decode(errors='replace')}")


def timed(cmd, cwd):
    t0 = time.perf_counter()
    sh(cmd, cwd)
    return time.perf_counter() - t0


def measure(args):
    cases = [{"label": c[0], "prepare": c[1], "cmd": c[2], "times": []} for c in args.case]
    for _ in range(args.warmup):
        for c in cases:
            if c["prepare"]:
                sh(c["prepare"], args.cwd)
            sh(c["cmd"], args.cwd)
    for i in range(args.runs):
        for c in cases:
            if c["prepare"]:
                sh(c["prepare"], args.cwd)
            c["times"].append(timed(c["cmd"], args.cwd))
    with open(args.out, "a") as f:
        for c in cases:
            rec = {"key": args.key, "label": c["label"], "cmd": c["cmd"], "times": c["times"],
                   "median": statistics.median(c["times"]), "min": min(c["times"]), "max": max(c["times"])}
            f.write(json.dumps(rec) + "\n")
            print(f"  {args.key:>8} {c['label']:<28} median {rec['median']:.4f} s  "
                  f"(min {rec['min']:.4f}, max {rec['max']:.4f}, n={len(c['times'])})", file=sys.stderr)


def fmt_s(r):
    return f"{r['median']:.3f} s ({r['min']:.3f}-{r['max']:.3f})"


def report(args):
    res = {}
    with open(args.results) as f:
        for line in f:
            r = json.loads(line)
            res[(r["key"], r["label"])] = r
    meta = dict(kv.split("=", 1) for kv in args.meta)
    files = int(meta.get("files", 0))
    stages = int(meta.get("stages", 0))
    trivial = int(meta.get("trivial_stages", 0))
    big = int(meta.get("big_bytes", 0))
    runs = meta.get("runs", "?")
    gib = 1 << 30
    rows = []  # (figure, pipe, peer, ratio, note)

    def get(k, l):
        return res.get((k, l))

    a_pipe, a_peer, b_status = get("a", "pipe status cold db"), get("a", "xxhsum -H2"), get("b", "pipe status")
    if a_pipe and a_peer:
        p_rate, x_rate = files / a_pipe["median"], files / a_peer["median"]
        rows.append((f"(a) hash {files} small files, cold state db",
                     f"{fmt_s(a_pipe)} = {p_rate:,.0f} files/s",
                     f"{fmt_s(a_peer)} = {x_rate:,.0f} files/s",
                     f"{p_rate / x_rate:.2f}x", "pipe status total; ratio = pipe files/s / xxhsum files/s"))
        if b_status:
            net = a_pipe["median"] - b_status["median"]
            if net > 0:
                rows.append(("(a') hashing part only (cold - warm status)",
                             f"{net:.3f} s = {files / net:,.0f} files/s", "", f"{(files / net) / x_rate:.2f}x",
                             "subtracts parse/graph/stat walk measured in (b)"))
    if b_status:
        ok = "meets" if b_status["median"] < 0.5 else "MISSES"
        rows.append((f"(b) no-op pipe status, warm db ({stages} stages, {files} files)", fmt_s(b_status), "", "",
                     f"target < 0.5 s: {ok}"))
    b_repro, b_make = get("b", "pipe repro"), get("b", "make -q")
    if b_repro:
        rows.append(("(b) no-op pipe repro, warm db", fmt_s(b_repro), f"make -q: {fmt_s(b_make)}" if b_make else "",
                     f"{b_repro['median'] / b_make['median']:.1f}x time" if b_make else "",
                     "make only compares mtimes (no hashing): reference, not a like-for-like peer"))
    c_pipe, c_peer = get("c", "pipe status cold db"), get("c", "xxhsum -H2")
    if c_pipe and c_peer:
        p_rate, x_rate = big / gib / c_pipe["median"], big / gib / c_peer["median"]
        ok = "meets" if p_rate >= x_rate else "MISSES"
        rows.append((f"(c) hash one {big / (1 << 20):.0f} MiB file, cold state db",
                     f"{fmt_s(c_pipe)} = {p_rate:.2f} GiB/s", f"{fmt_s(c_peer)} = {x_rate:.2f} GiB/s",
                     f"{p_rate / x_rate:.2f}x", f"target >= 1.00x: {ok}"))
        c_small = get("c", "pipe status cold db, 1 MiB")
        if c_small and c_pipe["median"] > c_small["median"]:
            net = c_pipe["median"] - c_small["median"]
            rate = (big - (1 << 20)) / gib / net
            ok = "meets" if rate >= x_rate else "MISSES"
            rows.append(("(c') hashing part only (minus 1 MiB-dep project)",
                         f"{net:.3f} s = {rate:.2f} GiB/s", f"fixed cost {c_small['median']:.3f} s", f"{rate / x_rate:.2f}x",
                         f"subtracts start-up and state.db creation; {ok} target"))
    d_pipe, d_make = get("d", "pipe repro first run"), get("d", "make first run")
    jobs = meta.get("jobs", "?")
    if d_pipe and d_make:
        p_ms, m_ms = d_pipe["median"] / trivial * 1e3, d_make["median"] / trivial * 1e3
        rows.append((f"(d) first run of {trivial} trivial stages, -j{jobs}",
                     f"{fmt_s(d_pipe)} = {p_ms:.2f} ms/stage", f"{fmt_s(d_make)} = {m_ms:.2f} ms/stage",
                     f"{p_ms / m_ms:.1f}x time", "ratio = pipe ms/stage / make ms/stage"))
        d_nosync = get("d", "pipe repro first run, eatmydata")
        if d_nosync:
            n_ms = d_nosync["median"] / trivial * 1e3
            rows.append(("(d') the same with fsync disabled (eatmydata)", f"{fmt_s(d_nosync)} = {n_ms:.2f} ms/stage",
                         "", f"{n_ms / m_ms:.1f}x time", f"fsync share of pipe's time: {1 - n_ms / p_ms:.0%}"))

    print(f"\nMedians of {runs} interleaved runs (min-max in parentheses); peers measured in the same run.\n")
    head = ("figure", "pipe", "peer", "ratio", "note")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(5)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(head, widths)) + " |"
    print(line)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |")
    print()


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    m = sub.add_parser("measure")
    m.add_argument("--out", required=True)
    m.add_argument("--key", required=True)
    m.add_argument("--cwd", required=True)
    m.add_argument("--runs", type=int, default=5)
    m.add_argument("--warmup", type=int, default=1)
    m.add_argument("--case", nargs=3, action="append", required=True, metavar=("LABEL", "PREPARE", "CMD"))
    r = sub.add_parser("report")
    r.add_argument("--results", required=True)
    r.add_argument("--meta", nargs="*", default=[])
    args = ap.parse_args(argv)
    if args.what == "measure":
        measure(args)
    else:
        report(args)


if __name__ == "__main__":
    main(sys.argv[1:])
