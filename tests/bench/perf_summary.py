#!/usr/bin/python3
"""Summarizes a `perf record --call-graph dwarf` profile of pipe (stdlib only).

  perf_summary.py PERF_DATA [--comm pipe] [--top 15] [--min 2.0]

Prints three views, as % of the samples of processes named COMM:
  inclusive       pipe functions (pipeline::, pipe_cli::) and the library entry
                  points they call, with everything below them;
  innermost pipe  each sample charged to the deepest pipe frame on its stack, so
                  a syscall or library call counts for the pipe function making it;
  leaf            where the CPU actually was (self time).
"""
import argparse
import collections
import re
import subprocess
import sys

BASIC = "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >"


def simplify(sym):
    sym = re.sub(r"\+0x[0-9a-f]+$", "", sym).replace(BASIC, "std::string")
    prev = None
    while prev != sym:  # collapse template arguments
        prev, sym = sym, re.sub(r"<[^<>]*>", "<>", sym)
    if "lambda" not in sym:
        sym = re.sub(r"\((?:[^()]|\([^()]*\))*\)", "()", sym)
    return sym


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data")
    ap.add_argument("--comm", default="pipe")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--min", type=float, default=2.0, help="inclusive view: hide below this %%")
    args = ap.parse_args(argv)
    text = subprocess.run(["perf", "script", "-i", args.data, "-F", "comm,ip,sym"],
                          capture_output=True, text=True, check=True).stdout
    samples = []
    for block in text.split("\n\n"):
        lines = [l for l in block.split("\n") if l.strip()]
        if not lines or lines[0].split()[0] != args.comm:
            continue
        frames = []
        for l in lines[1:]:
            parts = l.strip().split(None, 1)
            frames.append(simplify(parts[1]) if len(parts) > 1 else "?")
        samples.append(frames)
    n = len(samples)
    if not n:
        sys.exit(f"no samples for comm {args.comm}")
    incl, inner, leaf = collections.Counter(), collections.Counter(), collections.Counter()
    own = ("pipeline::", "pipe_cli::")
    for frames in samples:
        for f in set(frames):
            incl[f] += 1
        inner[next((f for f in frames if f.startswith(own)), "(no pipe frame: threads, fork/exec, start-up)")] += 1
        leaf[frames[0] if frames else "?"] += 1
    print(f"{args.data}: {n} samples of '{args.comm}'")
    print("-- inclusive (pipe functions and the libraries' entry points)")
    entry = ("YAML::Load", "sqlite3_step", "sqlite3_exec", "XXH3_128bits_update", "__GI___fstatat64",
             "__GI___readdir64", "__libc_open64", "__GI___libc_read", "_Fork", "__GI___fsync", "__fsync")
    for f, c in incl.most_common():
        if 100 * c / n < args.min:
            break
        if f.startswith(own) or f.startswith(entry):
            print(f"  {100 * c / n:5.1f}%  {f[:140]}")
    print("-- innermost pipe frame")
    for f, c in inner.most_common(args.top):
        print(f"  {100 * c / n:5.1f}%  {f[:140]}")
    print("-- leaf (self)")
    for f, c in leaf.most_common(args.top):
        print(f"  {100 * c / n:5.1f}%  {f[:140]}")


if __name__ == "__main__":
    main(sys.argv[1:])
