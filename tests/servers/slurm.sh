#!/usr/bin/env bash
# A throwaway single-node Slurm 22.05 on loopback, for the Slurm executor
# tests: munged, slurmctld and slurmd, and with --acct MariaDB and slurmdbd
# too (so sacct answers).
#
#   slurm.sh start ROOT [--acct]   # prints nothing on success; clients need
#                                  # SLURM_CONF=ROOT/slurm.conf
#   slurm.sh stop ROOT
#   SLURM_NODE_CPUS=64 slurm.sh start ROOT   # a node with 64 CPU slots
#
# Every folder above ROOT must be world-executable (munged refuses a socket
# in a private one). Ports 6817-6819 and 3307 (MariaDB), or SLURM_PORT_BASE
# to SLURM_PORT_BASE+3 for a second cluster beside the tests'. Needs Debian's
# slurm-wlm and munge (and slurmdbd and mariadb-server for --acct). Adapted
# from the team's recipe (shared/recipes/slurm_up.sh and slurm_down.sh);
# this copy is the project's own. KillWait is 2 s, not 30, so a cancelled
# job leaves the queue quickly.
set -euo pipefail
cmd=${1:?start|stop}; ROOT=${2:?root dir}
# A daemon that exited is gone even while nobody reaps it (a container's
# PID 1 may not): kill -0 still succeeds on a zombie.
alive() { kill -0 "$1" 2>/dev/null && ! grep -q '^[^)]*) Z' "/proc/$1/stat" 2>/dev/null; }
if [ "$cmd" = stop ]; then
  for d in slurmd slurmctld slurmdbd mariadbd munged; do
    f=$ROOT/$d.bgpid; [ -f "$f" ] || continue; p=$(cat "$f")
    kill -TERM "$p" 2>/dev/null && for _ in $(seq 100); do alive "$p" || break; sleep 0.1; done
    alive "$p" && kill -KILL "$p"
    rm -f "$f"
  done
  exit 0
fi
ACCT=${3:-}
base=${SLURM_PORT_BASE:-}
ctld_port=${base:-6817}
slurmd_port=$((${base:-6817} + 1))
dbd_port=$((${base:-6817} + 2))
db_port=$([ -n "$base" ] && echo $((base + 3)) || echo 3307)
mkdir -p "$ROOT"/{munge,log,state,spool}
chmod 711 "$ROOT/munge"
[ -f "$ROOT/munge/munge.key" ] || { dd if=/dev/urandom of="$ROOT/munge/munge.key" bs=1 count=128 status=none; chmod 400 "$ROOT/munge/munge.key"; }
if [ "$ACCT" = --acct ]; then
  acct="AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=$dbd_port
AccountingStoragePass=$ROOT/munge/munge.sock
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=1"
else
  acct="AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none"
fi
# SLURM_NODE_CPUS: more CPU slots than the machine has, so that a benchmark
# can keep 50 trivial jobs running at once on this one node.
cpus=${SLURM_NODE_CPUS:-$(nproc)}
overrides=""
[ "$cpus" -gt "$(nproc)" ] && overrides="SlurmdParameters=config_overrides"
cat >"$ROOT/slurm.conf" <<CONF
ClusterName=pipetest
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$ROOT/munge/munge.sock
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
StateSaveLocation=$ROOT/state
SlurmdSpoolDir=$ROOT/spool
SlurmctldPidFile=$ROOT/slurmctld.pid
SlurmdPidFile=$ROOT/slurmd.pid
SlurmctldLogFile=$ROOT/log/slurmctld.log
SlurmdLogFile=$ROOT/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
$acct
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
MailProg=/bin/true
MinJobAge=300
KillWait=2
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
$overrides
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=2000 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$ROOT/slurm.conf
munged -F --socket="$ROOT/munge/munge.sock" --key-file="$ROOT/munge/munge.key" --log-file="$ROOT/log/munged.log" \
  --pid-file="$ROOT/munge/munged.pid" --seed-file="$ROOT/munge/munged.seed" >"$ROOT/log/munged.out" 2>&1 &
echo $! >"$ROOT/munged.bgpid"
for _ in $(seq 100); do [ -S "$ROOT/munge/munge.sock" ] && break; sleep 0.05; done
[ -S "$ROOT/munge/munge.sock" ] || { echo "munged did not start (every folder above ROOT must be world-executable):" >&2; tail -n 2 "$ROOT/log/munged.out" >&2; exit 1; }
if [ "$ACCT" = --acct ]; then
  D=$ROOT/mariadb; mkdir -p "$D/data" "$D/run"
  [ -d "$D/data/mysql" ] || mariadb-install-db --no-defaults --user=root --datadir="$D/data" --auth-root-authentication-method=normal >"$D/install.log" 2>&1
  mariadbd --no-defaults --user=root --datadir="$D/data" --socket="$D/run/mysqld.sock" --pid-file="$D/run/mysqld.pid" \
    --bind-address=127.0.0.1 --port=$db_port --skip-name-resolve --innodb-buffer-pool-size=64M --log-error="$D/error.log" >"$D/out.log" 2>&1 &
  echo $! >"$ROOT/mariadbd.bgpid"
  for _ in $(seq 200); do mariadb --no-defaults -S "$D/run/mysqld.sock" -uroot -e 'select 1' >/dev/null 2>&1 && break; sleep 0.1; done
  mariadb --no-defaults -S "$D/run/mysqld.sock" -uroot -e "CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY 'slurmpw'; GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';"
  cat >"$ROOT/slurmdbd.conf" <<CONF
AuthType=auth/munge
AuthInfo=socket=$ROOT/munge/munge.sock
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=$dbd_port
SlurmUser=root
LogFile=$ROOT/log/slurmdbd.log
PidFile=$ROOT/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$db_port
StorageUser=slurm
StoragePass=slurmpw
StorageLoc=slurm_acct_db
CONF
  chmod 600 "$ROOT/slurmdbd.conf"
  slurmdbd -D >"$ROOT/log/slurmdbd.out" 2>&1 &
  echo $! >"$ROOT/slurmdbd.bgpid"
  for _ in $(seq 200); do sacctmgr -n list cluster >/dev/null 2>&1 && break; sleep 0.1; done
  sacctmgr -i add cluster pipetest >/dev/null 2>&1 || true
fi
slurmctld -D -i >"$ROOT/log/slurmctld.out" 2>&1 &
echo $! >"$ROOT/slurmctld.bgpid"
for _ in $(seq 200); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.1; done
scontrol ping 2>/dev/null | grep -q UP || { echo "slurmctld did not come up:" >&2; tail -n 3 "$ROOT/log/slurmctld.log" >&2; exit 1; }
slurmd -D -N localhost >"$ROOT/log/slurmd.out" 2>&1 &
echo $! >"$ROOT/slurmd.bgpid"
for _ in $(seq 300); do sinfo -h -o %T 2>/dev/null | grep -qx idle && break; sleep 0.1; done
sinfo -h -o %T 2>/dev/null | grep -qx idle || { echo "slurmd did not register:" >&2; tail -n 3 "$ROOT/log/slurmd.log" >&2; exit 1; }
