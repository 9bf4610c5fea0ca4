#!/usr/bin/env bash
# Crash safety under random SIGKILL, the figures in docs/reliability.md.
#
#   bash tests/bench/kills.sh [PIPE_BINARY] [KILLS]      # default: build/cli/pipe, 1000
#
# A generated project (a tracked 51-file dataset of ~24 MiB, a 4-stage
# pipeline with two directory outputs and a 16 MiB file, a directory remote)
# runs repro, add, checkout --force, gc --force and push in turn, each with
# fresh work to do. Each is SIGKILLed after a delay drawn uniformly over
# 0..its median unkilled time, so kills land in every phase. After a kill
# the cache and the remote are checked object by object and the locks
# parsed; then the same command runs again unkilled and must leave the
# project up to date, correct, and free of temp files. Exits 1 when any
# count is non-zero; the work folder and failures.log are then kept.
# KILLS_SEED=N repeats a run's kill delays.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PIPE=$(realpath "${1:-$repo/build/cli/pipe}")
KILLS=${2:-1000}
[[ -x $PIPE ]] || { echo "kills.sh: no pipe binary at $PIPE" >&2; exit 2; }
command -v xxhsum >/dev/null || { echo "kills.sh: needs xxhsum (Debian package xxhash)" >&2; exit 2; }
WORK=$(mktemp -d /tmp/pipe-kills.XXXXXX)
rc=0
/usr/bin/python3 - "$PIPE" "$KILLS" "$WORK" "bash $0 $*" <<'PY' || rc=$?
import os, random, re, shutil, signal, statistics, subprocess as sp, sys, time, hashlib, yaml
PIPE, KILLS, WORK, CMDLINE = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
PROJ, REMOTE, TRUTH = f"{WORK}/proj", f"{WORK}/remote", f"{WORK}/truth"
SEED = int(os.environ.get("KILLS_SEED", time.time_ns() % 10**9))
rng, T0 = random.Random(SEED), time.monotonic()
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# The stages' code; the checks import it to know what each output must hold.
GEN = r'''
import hashlib, os, sys
def part(seed, raw, name): return b"%d %s " % (seed, name.encode()) + hashlib.sha256(raw).hexdigest().encode()
def index_file(seed, i): return b"index %d of seed %d\n" % (i, seed)
def big(seed):
    block = hashlib.sha256(b"%d" % seed).digest() * 32768  # 1 MiB, each MiB rotated
    return b"".join(block[i:] + block[:i] for i in range(16))
def report(n, size): return b"%d %d\n" % (n, size)
if __name__ == "__main__":
    stage, seed = sys.argv[1], int(sys.argv[2])
    if stage in ("parts", "index"): os.makedirs("out/" + stage, exist_ok=True)
    if stage == "parts":
        for n in sorted(os.listdir("data/raw")):
            if n.startswith("s"): open("out/parts/" + n, "wb").write(part(seed, open("data/raw/" + n, "rb").read(), n))
    elif stage == "index":
        for i in range(100): open("out/index/i%03d.txt" % i, "wb").write(index_file(seed, i))
    elif stage == "big": open("out/big.bin", "wb").write(big(seed))
    else: open("out/report.txt", "wb").write(report(len(os.listdir("out/index")), os.path.getsize("out/big.bin")))
'''
PIPELINE = """stages:
  parts:   {cmd: "/usr/bin/python3 gen.py parts ${seed}", deps: [data/raw, gen.py], params: [seed], outs: [out/parts]}
  big:     {cmd: "/usr/bin/python3 gen.py big ${seed}", deps: [out/parts, gen.py], params: [seed], outs: [out/big.bin]}
  index:   {cmd: "/usr/bin/python3 gen.py index ${seed}", deps: [out/parts, gen.py], params: [seed], outs: [out/index]}
  report:  {cmd: "/usr/bin/python3 gen.py report ${seed}", deps: [out/big.bin, out/index], outs: [out/report.txt]}
"""
CMDS = {"repro": ["repro"], "add": ["add", "data/raw"], "checkout": ["checkout", "--force"],
        "gc": ["gc", "--force", "--grace", "0"], "push": ["push"]}
CYCLE = ["add", "repro", "checkout", "gc", "push"]  # add first: after it the pipeline is stale until repro
SMALL = [f"s{i:03d}.txt" for i in range(50)]
st = {"seed": 1}

def pipe(*args):
    return sp.run([PIPE, *args], cwd=PROJ, stdin=sp.DEVNULL, capture_output=True, text=True)
def must(*args):
    r = pipe(*args)
    if r.returncode: sys.exit(f"kills.sh: setup 'pipe {' '.join(args)}' failed ({r.returncode}):\n{r.stderr}")
    return r
def read(p):
    with open(p, "rb") as f: return f.read()
def write(p, data):
    with open(p, "wb") as f: f.write(data)
def patch(p, off, data):
    with open(p, "r+b") as f: f.seek(off); f.write(data)
def files_under(d):
    return sorted(os.path.relpath(os.path.join(r, n), d) for r, _, ns in os.walk(d) for n in ns)

# XXH3-128 as docs/file-formats.md defines it, computed by xxhsum, not by pipe.
def xxh(paths):
    out = {}
    for i in range(0, len(paths), 500):
        r = sp.run(["xxhsum", "-H2", "--", *paths[i:i + 500]], capture_output=True, text=True)
        out |= {p: h for h, _, p in (l.partition("  ") for l in r.stdout.splitlines())}
    return out
def xxh_text(text):
    return sp.run(["xxhsum", "-H2", "-"], input=text.encode(), capture_output=True).stdout.split()[0].decode()
def dir_digest(entries):  # [(hex, path)]: XXH3-128 of "<hex>  <path>\n", sorted by path
    return xxh_text("".join(f"{h}  {p}\n" for h, p in sorted(entries, key=lambda e: e[1].encode())))
def tree_digest(d):
    hs = xxh([f"{d}/{f}" for f in files_under(d)])
    return dir_digest([(hs[f"{d}/{f}"], f) for f in files_under(d)])

# (1) Every object whose content does not hash to its name, in a cache or a
# remote (same layout); lineage records on the remote are named by SHA-256.
# Temp-named files there are not objects: (4) counts them.
# Objects never change in place, so one that hashed right is re-hashed only
# when its inode, size, mtime or ctime moved.
good = {}
def manifest_ok(p, name):
    try:
        lines = read(p).decode().split("\n")
        ents = [l.split(" ", 3) for l in lines[1:-1]]
        return lines[0] == "pipe-manifest 1" and lines[-1] == "" and dir_digest([(e[0], e[3]) for e in ents]) == name
    except (UnicodeDecodeError, IndexError): return False
def bad_objects(store):
    todo = []
    for sub in ("v1", "lineage/runs"):
        for f in files_under(f"{store}/{sub}"):
            p, s = f"{store}/{sub}/{f}", os.lstat(f"{store}/{sub}/{f}")
            key = (s.st_ino, s.st_size, s.st_mtime_ns, s.st_ctime_ns)
            if good.get(p) != key and not TEMP.search(f): todo.append((p, key, f.replace("/", "")))
    hs, bad = xxh([p for p, _, n in todo if "/v1/" in p and not n.endswith(".dir")]), []
    for p, key, name in todo:
        if "/lineage/" in p: ok = hashlib.sha256(read(p)).hexdigest() == name
        elif name.endswith(".dir"): ok = manifest_ok(p, name[:-4])
        else: ok = hs.get(p) == name
        if ok: good[p] = key
        else: bad.append(p)
    return bad

def referenced():  # (store path, is directory) of every output pipe.lock and data/raw.pipe name
    lock, tracked = yaml.load(read(f"{PROJ}/pipe.lock"), Loader), yaml.load(read(f"{PROJ}/data/raw.pipe"), Loader)
    outs = [o for s in lock["stages"].values() for o in s.get("outs", [])] + tracked["outs"]
    return [(f"v1/{o['hash'][:2]}/{o['hash'][2:]}", "nfiles" in o) for o in outs]
def missing(store):
    try: refs = referenced()
    except (OSError, yaml.YAMLError, KeyError, TypeError) as e: return [f"pipe.lock or data/raw.pipe unreadable: {e}"]
    miss = []
    for rel, is_dir in refs:
        if is_dir and os.path.exists(f"{store}/{rel}.dir"):
            for line in read(f"{store}/{rel}.dir").decode().split("\n")[1:-1]:
                h = line[:32]
                if not os.path.exists(f"{store}/v1/{h[:2]}/{h[2:]}"): miss.append(h)
        elif not os.path.exists(f"{store}/{rel}" + (".dir" if is_dir else "")): miss.append(rel)
    return miss

def outputs_right():  # every output holds exactly what gen.py makes from the true dataset and seed
    s, want = st["seed"], {}
    want |= {f"parts/{n}": gen.part(s, read(f"{TRUTH}/{n}"), n) for n in SMALL}
    want |= {f"index/i{i:03d}.txt": gen.index_file(s, i) for i in range(100)}
    want |= {"big.bin": gen.big(s), "report.txt": gen.report(100, 16 << 20)}
    return [f for f in files_under(f"{PROJ}/out") if f != ".gitignore"] == sorted(want) and all(read(f"{PROJ}/out/{p}") == b for p, b in want.items())
def dataset_right():
    return files_under(f"{PROJ}/data/raw") == files_under(TRUTH) and \
        all(read(f"{PROJ}/data/raw/{f}") == read(f"{TRUTH}/{f}") for f in files_under(TRUTH))

# (4) pipe's temp names (temp_files.cpp): pt-<host>-<pid>-..., NAME.pipe-tmp.pt-...
TEMP = re.compile(r"^pt-[0-9a-f]{8}-|\.pipe-tmp|\.tmp\.|\.tmp$")
def workspace_temps():
    found = []
    for r, ds, ns in os.walk(PROJ):
        if r == PROJ: ds.remove(".pipe")
        found += [f"{r}/{n}" for n in ns + ds if TEMP.search(n)]
    return found
def store_temps(col):  # what is in tmp/, and temp names among the objects (v1/)
    d = {"pipe_tmp": f"{PROJ}/.pipe", "cache_tmp": f"{PROJ}/.pipe/cache", "remote_tmp": REMOTE}[col]
    found = [f"{d}/tmp/{f}" for f in os.listdir(f"{d}/tmp")] if os.path.isdir(f"{d}/tmp") else []
    return found + [f"{d}/v1/{f}" for f in files_under(f"{d}/v1") if TEMP.search(f)]

# What each command gets to do before it runs, so that it really works.
def prep_add():  # new content for 3 small files (new sizes) and one 4 KiB block of the big one
    for n in rng.sample(SMALL, 3):
        data = rng.randbytes(100 + rng.randrange(900))
        write(f"{TRUTH}/{n}", data); write(f"{PROJ}/data/raw/{n}", data)
    off, block = rng.randrange((24 << 20) - 4096), rng.randbytes(4096)
    patch(f"{TRUTH}/big.bin", off, block); patch(f"{PROJ}/data/raw/big.bin", off, block)
    st["digest"] = tree_digest(TRUTH)
def prep_repro():  # a new seed: every stage runs and every output is new
    st["seed"] += 1
    write(f"{PROJ}/params.yaml", b"seed: %d\n" % st["seed"])
def prep_checkout():  # outputs and dataset deleted, edited in place, and given stray files
    shutil.rmtree(f"{PROJ}/out/index", ignore_errors=True); sp.run(["rm", "-f", f"{PROJ}/out/big.bin"])
    patch(f"{PROJ}/out/parts/s010.txt", 0, b"edited"); write(f"{PROJ}/out/parts/stray.txt", b"x")
    sp.run(["rm", "-f", *(f"{PROJ}/data/raw/{n}" for n in rng.sample(SMALL, 5))])
    patch(f"{PROJ}/data/raw/big.bin", rng.randrange(24 << 20), b"edited"); write(f"{PROJ}/data/raw/stray.txt", b"x")
def prep_gc():  # run-cache entries keep every old output alive; without them the last seed's are garbage
    shutil.rmtree(f"{PROJ}/.pipe/runs", ignore_errors=True)
def prep_push():  # an empty remote: everything goes up again
    shutil.rmtree(REMOTE); os.mkdir(REMOTE)
PREP = {"add": prep_add, "repro": prep_repro, "checkout": prep_checkout, "gc": prep_gc, "push": prep_push}
REAL_WORK = {"add": r"^added data/raw", "repro": r"^Running stage", "checkout": r"^restored",
             "gc": r"^Removed [1-9]", "push": r"^Pushed [1-9]"}

def start(c):
    PREP[c]()
    with open(f"{WORK}/killed.log", "w") as log:
        return sp.Popen([PIPE, *CMDS[c]], cwd=PROJ, stdin=sp.DEVNULL, stdout=log, stderr=log), time.monotonic()
def reset():  # back to a good state after a failure, so that one failure does not cascade
    shutil.rmtree(f"{PROJ}/data/raw"); shutil.copytree(TRUTH, f"{PROJ}/data/raw")
    for args in (["cache", "verify", "--all", "--repair"], ["add", "data/raw"], ["repro"], ["checkout", "--force"], ["push"]):
        pipe(*args)

# The project: dataset, pipeline, remote, one full run.
os.makedirs(f"{PROJ}/data/raw"); os.makedirs(TRUTH); os.makedirs(REMOTE)
for n in SMALL: write(f"{TRUTH}/{n}", rng.randbytes(100 + rng.randrange(900)))
write(f"{TRUTH}/big.bin", rng.randbytes(24 << 20))
for f in files_under(TRUTH): shutil.copyfile(f"{TRUTH}/{f}", f"{PROJ}/data/raw/{f}")
write(f"{PROJ}/gen.py", GEN.encode()); write(f"{PROJ}/pipe.yaml", PIPELINE.encode()); write(f"{PROJ}/params.yaml", b"seed: 1\n")
sys.path.insert(0, PROJ); import gen
for args in (["init"], ["add", "data/raw"], ["remote", "add", "-d", "store", REMOTE], ["repro"], ["push"]): must(*args)
st["digest"] = tree_digest(TRUTH)

# Each command's real running time: the median of 5 unkilled runs, each with work to do.
times = {c: [] for c in CYCLE}
for _ in range(5):
    for c in CYCLE:
        p, t = start(c); p.wait(); times[c].append(time.monotonic() - t)
        out = read(f"{WORK}/killed.log").decode()
        if p.returncode or not re.search(REAL_WORK[c], out, re.M): sys.exit(f"kills.sh: unkilled {c} did no work or failed:\n{out}")
median = {c: statistics.median(v) for c, v in times.items()}
print("median times: " + ", ".join(f"{c} {median[c]:.3f} s" for c in CYCLE), file=sys.stderr)

COLS = ["corrupt", "unparsable", "failed", "temps", "datasets", "pipe_tmp", "cache_tmp", "remote_tmp"]
count = {c: dict.fromkeys(["kills", "missed"] + COLS, 0) for c in CYCLE}
failures = open(f"{WORK}/failures.log", "w")
def problem(c, what, it, detail=""):
    count[c][what] += 1
    failures.write(f"--- kill {it['n']} {c} at {it['delay']:.3f} s of {median[c]:.3f} s: {what}\n{detail}\n")
    failures.flush()

quota = {c: KILLS // 5 + (i < KILLS % 5) for i, c in enumerate(["repro", "add", "checkout", "gc", "push"])}
n = 0
while any(count[c]["kills"] < quota[c] for c in CYCLE):
    for c in CYCLE:  # whole cycles: a command whose kills are done still runs, unkilled, to make work for the next
        n, kill = n + 1, count[c]["kills"] < quota[c]
        it = {"n": n, "delay": rng.uniform(0, median[c]) if kill else float("inf")}
        p, t = start(c)
        if kill:
            time.sleep(max(0.0, it["delay"] - (time.monotonic() - t)))
            p.kill(); p.wait()
            count[c]["kills" if p.returncode == -signal.SIGKILL else "missed"] += 1
        else: p.wait()
        killed_log = read(f"{WORK}/killed.log").decode(errors="replace")
        # (1) objects that differ from their name, removed once counted so they are not counted again
        r = pipe("cache", "verify", "--all")
        bad = set(bad_objects(f"{PROJ}/.pipe/cache") + bad_objects(REMOTE))
        bad |= {f"{PROJ}/.pipe/cache/{m}" for m in re.findall(r"^damaged: (\S+):", r.stderr, re.M)}
        for b in bad: problem(c, "corrupt", it, f"{b}\n{killed_log}"); os.unlink(b)
        # (2) pipe.lock, data/raw.pipe and the run-cache entries (local and pushed) written
        # since the start must parse: by pipe status (exit 3 is a bad file), and by PyYAML
        r, unparsable = pipe("status"), []
        if r.returncode not in (0, 1): unparsable.append(f"pipe status exit {r.returncode}: {r.stderr}")
        since = time.time() - (time.monotonic() - t) - 1
        runs = [f"{d}/{x}" for d in (f"{PROJ}/.pipe/runs", f"{REMOTE}/runs") for x in files_under(d)]
        for f in [f"{PROJ}/pipe.lock", f"{PROJ}/data/raw.pipe"] + [f for f in runs if os.stat(f).st_mtime >= since]:
            try: yaml.load(read(f), Loader)
            except (yaml.YAMLError, UnicodeDecodeError, OSError) as e: unparsable.append(f"{f}: {e}")
        if unparsable: problem(c, "unparsable", it, "\n".join(unparsable) + "\n" + killed_log)
        # (3) the same command, unkilled, must succeed and leave everything right
        r, why = pipe(*CMDS[c]), []
        if r.returncode: why.append(f"exit {r.returncode}: {r.stdout}{r.stderr}")
        s = pipe("status", "-q", *(["data/raw.pipe"] if c == "add" else []))
        if s.returncode: why.append(f"status -q exit {s.returncode}: {pipe('status').stdout}")
        if c != "add" and not outputs_right(): why.append("outputs differ from what their stage makes")
        if missing(f"{PROJ}/.pipe/cache"): why.append(f"objects missing from the cache: {missing(f'{PROJ}/.pipe/cache')}")
        if c == "push" and (missing(REMOTE) or pipe("status", "-c", "-q").returncode):
            why.append(f"not all pushed: {missing(REMOTE)}")
        if why: problem(c, "failed", it, "\n".join(why) + "\nkilled run:\n" + killed_log)
        # (5) the recorded digest, and the data on disk, are the true ones
        try: recorded = yaml.load(read(f"{PROJ}/data/raw.pipe"), Loader)["outs"][0]["hash"]
        except (OSError, yaml.YAMLError, KeyError, TypeError) as e: recorded = f"unreadable ({e})"
        if recorded != st["digest"] or not dataset_right():
            why.append("dataset"); problem(c, "datasets", it, f"recorded {recorded}, true {st['digest']}, on disk right: {dataset_right()}")
        # (4) temp files the recovery run did not remove; removed here, so each is counted once
        for f in workspace_temps(): problem(c, "temps", it, f); shutil.rmtree(f) if os.path.isdir(f) else os.unlink(f)
        for col in ("pipe_tmp", "cache_tmp", "remote_tmp"):
            for f in store_temps(col): problem(c, col, it, f); sp.run(["rm", "-rf", f])
        if why: reset()
        done = sum(v["kills"] for v in count.values())
        if done % 25 == 0 and p.returncode == -signal.SIGKILL:
            bad_total = sum(v[k] for v in count.values() for k in COLS)
            print(f"[{time.monotonic() - T0:5.0f} s] {done}/{KILLS} kills, {bad_total} problems", file=sys.stderr)

rows = [[c, count[c]["kills"], f"{median[c]:.3f}", *(count[c][k] for k in COLS)] for c in ["repro", "add", "checkout", "gc", "push"]]
rows.append(["**total**", sum(r[1] for r in rows), "", *(sum(r[i] for r in rows) for i in range(3, 3 + len(COLS)))])
print("| command | kills | median time (s) | corrupt objects | unparsable locks | failed recoveries | temp files left "
      "| datasets changed | .pipe/tmp left | cache tmp/ left | remote tmp/ left |")
print("|---|" + "---:|" * (2 + len(COLS)))
for r in rows: print("| " + " | ".join(str(x) for x in r) + " |")
missed = sum(v["missed"] for v in count.values())
print(f"\nKill delays uniform over 0..median per command; {missed} runs ended before their kill (not counted), seed {SEED}."
      "\nTemp columns: what is left after the recovery run; cache and remote: tmp/ plus temp names anywhere in them.")
print(f"Wall time: {time.monotonic() - T0:.0f} s. Command: `{CMDLINE}`")
sys.exit(1 if sum(rows[-1][3:]) else 0)
PY
if ((rc == 0)); then rm -rf "$WORK"; else echo "kills.sh: kept $WORK (see failures.log)" >&2; fi
exit $rc
