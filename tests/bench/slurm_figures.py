#!/usr/bin/python3
"""Figures for tests/bench/slurm.sh (stdlib only): pipe's Slurm executor
against Snakemake's Slurm mode on the cluster slurm.sh started.

Each job's command writes its own start and end time and $SLURM_JOB_ID to
t/NAME; a shim in front of sbatch, squeue, sacct, scontrol and scancel logs
every call with its time (and, for sbatch, the job id it printed). From
these:
  sbatch -> start   the job's start minus the moment its sbatch returned:
                    Slurm's scheduling and launch, not the tool's;
  end -> acted      a job's end to the tool's next step that needed it: the
                    next sbatch of a stage that depends on it, or the tool's
                    exit after the last job. This is when the tool noticed,
                    committed the outputs and decided, all on the critical
                    path;
  CPU per stage     the tool's own user+system time (its children's
                    included, the Slurm clients not) / stages.
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

CLIENTS = ["sbatch", "squeue", "sacct", "scontrol", "scancel"]


def write_shim(work):
    shim = os.path.join(work, "shim")
    os.makedirs(shim, exist_ok=True)
    for name in CLIENTS:
        real = shutil.which(name)
        path = os.path.join(shim, name)
        with open(path, "w") as f:
            if name == "sbatch":
                # Keep sbatch's stdout for the tool, and log the id it printed.
                f.write(f"""#!/bin/bash
echo "$(date +%s.%N) sbatch-begin" >> "$SHIM_LOG"
out=$({real} "$@"); rc=$?
printf '%s\\n' "$out"
id=${{out%%;*}}; id=${{id##* }}  # --parsable's "N[;cluster]" or "Submitted batch job N"
echo "$(date +%s.%N) sbatch $id" >> "$SHIM_LOG"
exit $rc
""")
            else:
                f.write(f"""#!/bin/bash
echo "$(date +%s.%N) {name}" >> "$SHIM_LOG"
exec {real} "$@"
""")
        os.chmod(path, 0o755)
    return shim


def job_cmd(name, seconds):
    body = f"sleep {seconds}; " if seconds else ""
    return (f"sh -c 'echo $SLURM_JOB_ID $(date +%s.%N) > t/{name}; {body}echo {name} > out/{name}.txt; "
            f"echo $(date +%s.%N) >> t/{name}'")


def diamond(mid):
    names = ["top"] + [f"mid{i}" for i in range(mid)] + ["bottom"]
    deps = {"top": [], "bottom": [f"mid{i}" for i in range(mid)]}
    for i in range(mid):
        deps[f"mid{i}"] = ["top"]
    return names, deps


def write_project(d, names, deps, seconds):
    os.makedirs(d)
    with open(os.path.join(d, "pipe.yaml"), "w") as f:
        f.write("stages:\n")
        for n in names:
            f.write(f"  {n}:\n    cmd: {job_cmd(n, seconds)}\n")
            if deps[n]:
                f.write("    deps: [" + ", ".join(f"out/{p}.txt" for p in deps[n]) + "]\n")
            f.write(f"    outs: [out/{n}.txt]\n")
    with open(os.path.join(d, "Snakefile"), "w") as f:
        sinks = [n for n in names if not any(n in deps[m] for m in names)]
        f.write("rule all:\n    input: " + ", ".join(f'"out/{n}.txt"' for n in sinks) + "\n\n")
        for n in names:
            f.write(f"rule {n}:\n")
            if deps[n]:
                f.write("    input: " + ", ".join(f'"out/{p}.txt"' for p in deps[n]) + "\n")
            f.write(f'    output: "out/{n}.txt"\n')
            f.write(f'    shell: "mkdir -p t; {job_cmd(n, seconds)}"\n\n')


def reset(d):
    for p in ["out", "t", ".pipe", "pipe.lock", ".snakemake"]:
        full = os.path.join(d, p)
        if os.path.isdir(full):
            shutil.rmtree(full)
        elif os.path.exists(full):
            os.remove(full)
    os.makedirs(os.path.join(d, "out"))
    os.makedirs(os.path.join(d, "t"))


def run(tool, d, pipe, shim, jobs, limit=None):
    """One run from scratch. With `limit`, the tool is stopped after that
    many seconds (SIGTERM, then its jobs cancelled): for figures that need
    only the start of a run."""
    reset(d)
    log = os.path.join(d, "shim.log")
    if os.path.exists(log):
        os.remove(log)
    env = dict(os.environ, SHIM_LOG=log, PATH=shim + ":" + os.environ["PATH"], USER="root")
    if tool == "pipe":
        argv = [pipe, "repro", "--executor", "slurm", "-j", str(jobs)]
    else:
        argv = ["snakemake", "--slurm", "-j", str(jobs), "--default-resources", "slurm_partition=debug",
                "slurm_account=root"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    p = subprocess.Popen(argv, cwd=d, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stopped = False
    try:
        _, err = p.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        stopped = True
        p.terminate()  # Snakemake waits for its jobs on SIGTERM: give it 10 s
        try:
            _, err = p.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            _, err = p.communicate()
        subprocess.run(["scancel", "--me"], env=env)
        time.sleep(5)  # let the cancelled jobs leave the node
    t1 = time.time()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0 and not stopped:
        sys.exit(f"slurm_figures.py: {tool} failed ({p.returncode}):\n{err.decode(errors='replace')[-3000:]}")
    # The tool's CPU, less what the shims and Slurm's clients it ran used:
    # those are counted in RUSAGE_CHILDREN too, so they are timed apart below.
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    calls = []
    with open(log) as f:
        for line in f:
            parts = line.split()
            calls.append((float(parts[0]), parts[1], parts[2] if len(parts) > 2 else ""))
    times = {}
    for name in os.listdir(os.path.join(d, "t")):
        with open(os.path.join(d, "t", name)) as f:
            lines = f.read().split("\n")
        if len(lines) < 2 or not lines[1]:
            continue  # stopped before it ended
        job, start = lines[0].split()
        times[name] = (job.strip(), float(start), float(lines[1]))
    return {"stopped": stopped, "start": t0, "end": t1, "wall": t1 - t0, "cpu": cpu, "calls": calls, "times": times}


def client_cpu(shim, samples=20):
    """CPU time of one shimmed `squeue` call (bash + the client), to take out of the tool's CPU."""
    env = dict(os.environ, SHIM_LOG="/dev/null")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for _ in range(samples):
        subprocess.run([os.path.join(shim, "squeue"), "-h", "-j", "1"], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)) / samples


def critical(r, deps):
    """sbatch -> start for every job; end -> acted wherever a job's end was
    the last thing a next step waited for (a stage whose last dep it was,
    the tool's exit after the sinks); and the tool's own time between two
    submissions in a burst (from one sbatch's return to the next one's call)."""
    submitted = {c[2]: c[0] for c in r["calls"] if c[1] == "sbatch"}
    to_start = [start - submitted[job] for job, start, _ in r["times"].values() if job in submitted]
    sbatch_of = {name: submitted.get(job) for name, (job, _, _) in r["times"].items()}
    # A stage waiting on one job and submitted late only because -j slots
    # were full is not waiting on that job: keep the first of each dep set.
    firsts = {}
    for name, ds in deps.items():
        if ds and sbatch_of.get(name) and all(p in r["times"] for p in ds):
            key = tuple(sorted(ds))
            firsts[key] = min(firsts.get(key, float("inf")), sbatch_of[name] - max(r["times"][p][2] for p in ds))
    acted = list(firsts.values())
    sinks = [n for n in deps if not any(n in deps[m] for m in deps)]
    if not r["stopped"]:
        acted.append(r["end"] - max(r["times"][n][2] for n in sinks))
    gaps = []
    last_end = None
    for t, name, _ in r["calls"]:
        if name == "sbatch-begin" and last_end is not None and t - last_end < 1.0:
            gaps.append(t - last_end)
        if name == "sbatch":
            last_end = t
    return to_start, acted, gaps


def per_minute(r, first_n=50):
    """Controller calls per minute while all n jobs are queued or running."""
    subs = sorted(c[0] for c in r["calls"] if c[1] == "sbatch")
    if len(subs) < first_n:
        return None
    lo = subs[first_n - 1]
    # Until the first job ends (or the tool was stopped, if none had).
    hi = min([end for _, _, end in r["times"].values()] or [r["end"]])
    if hi - lo < 5:
        return None
    out = {}
    for name in ["squeue", "sacct", "scontrol"]:
        out[name] = sum(1 for c in r["calls"] if c[1] == name and lo <= c[0] <= hi) * 60.0 / (hi - lo)
    out["window"] = hi - lo
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pipe", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--runs", type=int, default=3, help="runs of pipe")
    ap.add_argument("--peer-runs", type=int, default=1, help="runs of Snakemake (slow: tens of minutes each)")
    ap.add_argument("--peer-limit", type=float, default=3600, help="seconds before a Snakemake run is stopped")
    a = ap.parse_args()
    shim = write_shim(a.work)
    per_call = client_cpu(shim)
    names, deps = diamond(98)
    d1 = os.path.join(a.work, "diamond")
    write_project(d1, names, deps, 0)
    results = {"pipe": [], "snakemake": []}
    # pipe's runs first, then (s2), then Snakemake's long run(s): its
    # figures are set by its own polling, not by what else this machine does.
    for i in range(a.runs):
        results["pipe"].append(run("pipe", d1, a.pipe, shim, 50))
    names2 = [f"s{i}" for i in range(50)]
    d2 = os.path.join(a.work, "fifty")
    write_project(d2, names2, {n: [] for n in names2}, 120)
    fifty = {tool: run(tool, d2, a.pipe, shim, 50, 200) for tool in ["pipe", "snakemake"]}
    for i in range(a.peer_runs):
        results["snakemake"].append(run("snakemake", d1, a.pipe, shim, 50, a.peer_limit))
    for tool, rs in results.items():
        for i, r in enumerate(rs):
            r["cpu_own"] = r["cpu"] - per_call * sum(1 for c in r["calls"] if c[1] != "sbatch-begin")
            print(f"run {i + 1} {tool}: {r['wall']:.1f} s{' (stopped)' if r['stopped'] else ''}, "
                  f"{len(r['times'])} stages ended", file=sys.stderr, flush=True)
    med = statistics.median
    print(f"\n(s1) 100 trivial stages, diamond 1 -> 98 -> 1, -j 50; medians of {a.runs} pipe run(s) and "
          f"{a.peer_runs} Snakemake run(s)")
    print(f"{'':38} {'pipe':>10} {'snakemake':>10} {'ratio':>8}")
    rows = {}
    for tool, rs in results.items():
        starts, acts, gaps = [], [], []
        for r in rs:
            st, ac, ga = critical(r, deps)
            starts += st
            acts += ac
            gaps += ga
        stopped = any(r["stopped"] for r in rs)
        rows[tool] = {
            "wall time (s)" + (" [stopped: at least]" if stopped else ""): med(r["wall"] for r in rs),
            "sbatch -> command starts (s)": med(starts) if starts else float("nan"),
            "job end -> acted on (s), median": med(acts) if acts else float("nan"),
            "job end -> acted on (s), worst": max(acts) if acts else float("nan"),
            "own time between submissions (ms)": med(gaps) * 1000 if gaps else float("nan"),
            "own CPU per stage ended (ms)": med(r["cpu_own"] * 1000 / max(1, len(r["times"])) for r in rs),
            "Slurm client calls per stage ended": med(
                sum(1 for c in r["calls"] if c[1] != "sbatch-begin") / max(1, len(r["times"])) for r in rs),
        }
    for (key, p), s2 in zip(rows["pipe"].items(), rows["snakemake"].values()):
        print(f"{key:38} {p:10.3f} {s2:10.3f} {p / s2 if s2 else float('nan'):8.3f}")
    print("\n(s2) 50 jobs of `sleep 120` in flight: controller calls per minute while all 50 are queued or running")
    print(f"{'':12} {'squeue':>8} {'sacct':>8} {'scontrol':>9} {'window (s)':>11}")
    for tool, r in fifty.items():
        f = per_minute(r)
        if f is None:
            print(f"{tool:12} (no window with all 50 in flight)")
            continue
        print(f"{tool:12} {f['squeue']:8.1f} {f['sacct']:8.1f} {f['scontrol']:9.1f} {f['window']:11.1f}")
    print(f"\nshim + client CPU per call, subtracted from each tool's CPU: {per_call * 1000:.1f} ms")


if __name__ == "__main__":
    main()
