#!/usr/bin/env bash
# The Slurm executor against Snakemake's Slurm mode, on the same throwaway
# single-node Slurm (docs/benchmarks.md, "Slurm executor"):
#   (s1) 100 trivial stages in a diamond (1 -> 98 -> 1), run from scratch by
#        `pipe repro --executor slurm -j 50` and by `snakemake --slurm -j 50`,
#        interleaved: wall time; per stage, sbatch to job start (Slurm's) and
#        job end to the tool acting on it (the tool's); the tool's CPU time.
#   (s2) 50 stages of `sleep 30` in flight at once: squeue, sacct and
#        scontrol calls per minute while all fifty are queued or running.
#
#   tests/bench/slurm.sh                  # 3 runs of pipe, 1 of Snakemake (~45 min)
#   SLURM_BENCH_RUNS=1 SLURM_BENCH_PEER_LIMIT=300 tests/bench/slurm.sh   # a quick look
#
# Snakemake 7.21 asks sacct about one job at a time and notices about one
# ended job per half minute here, so a run of the diamond takes it the
# better part of an hour; SLURM_BENCH_PEER_LIMIT stops it earlier (its
# figures are then from the stages that ended, and its wall time a floor).
#
# Every Slurm client call of both tools goes through a logging shim on PATH
# (tests/bench/slurm_figures.py writes it), which is how calls are counted
# and sbatch is timed; the shim costs both tools the same few ms per call.
# Needs Debian's slurm-wlm, munge, slurmdbd, mariadb-server (Snakemake's
# Slurm mode polls sacct) and snakemake.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
source "$here/lib.sh"
for tool in slurmctld munged slurmdbd mariadbd snakemake; do
  command -v "$tool" >/dev/null || { echo "slurm.sh: $tool is missing (apt-get install slurm-wlm munge slurmdbd mariadb-server snakemake)" >&2; exit 2; }
done
# munged refuses a socket below a folder others cannot enter.
WORK=$(mktemp -d /tmp/pipe-slurmbench.XXXXXX)
chmod 755 "$WORK"
trap 'bash "$repo/tests/servers/slurm.sh" stop "$WORK/slurm"; rm -rf "$WORK"' EXIT
# 64 CPU slots on this node, so that 50 one-CPU jobs run at once.
# Ports 7817-7820 (SLURM_PORT_BASE): the tests' cluster may run beside it.
SLURM_PORT_BASE=${SLURM_PORT_BASE:-7817} SLURM_NODE_CPUS=64 bash "$repo/tests/servers/slurm.sh" start "$WORK/slurm" --acct
export SLURM_CONF=$WORK/slurm/slurm.conf
/usr/bin/python3 "$here/slurm_figures.py" --pipe "$PIPE" --work "$WORK" --runs "${SLURM_BENCH_RUNS:-3}" \
  --peer-runs "${SLURM_BENCH_PEER_RUNS:-1}" --peer-limit "${SLURM_BENCH_PEER_LIMIT:-3600}"
