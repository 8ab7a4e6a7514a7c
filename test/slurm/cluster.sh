#!/usr/bin/env bash
# A one-node Slurm cluster on localhost for the end-to-end test of deploy/slurm (issue 15):
# munged, slurmctld and slurmd as root, proctrack/linuxproc, task/none (no cgroups), no
# accounting, its own ports, state and logs under DIR.
#   cluster.sh start DIR   writes DIR/slurm.conf, starts the daemons, waits for the node to be idle
#   cluster.sh stop DIR    stops what start started (by the pids it recorded)
# Every failure says what failed and exits non-zero: the test must never pass without a cluster.
set -euo pipefail
cmd=${1:?start|stop}
DIR=${2:?state folder}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
export SLURM_CONF="$DIR/slurm.conf"

die() { echo "cluster.sh: $*" >&2; exit 1; }

if [ "$cmd" = stop ]; then
  for p in slurmd slurmctld munged; do
    if [ -f "$DIR/$p.pid" ]; then kill "$(cat "$DIR/$p.pid")" 2>/dev/null || true; fi
  done
  exit 0
fi
[ "$cmd" = start ] || die "unknown command $cmd"
[ "$(id -u)" = 0 ] || die "must run as root (slurmd starts jobs as their user)"
for b in munged munge slurmctld slurmd sbatch sinfo; do
  command -v "$b" >/dev/null || die "$b not found: install the Debian packages slurm-wlm and munge (.ci/run does)"
done

# munge: reuse a running munged, else start one with the packaged key (made if missing)
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  if [ ! -s /etc/munge/munge.key ]; then
    mkdir -p /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
    chown munge:munge /etc/munge/munge.key 2>/dev/null || true
    chmod 400 /etc/munge/munge.key
  fi
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge 2>/dev/null || true
  if id munge >/dev/null 2>&1; then
    su -s /bin/sh munge -c "munged --pid-file=/run/munge/munged.pid" || die "munged did not start (see /var/log/munge/munged.log)"
  else
    munged --force --pid-file=/run/munge/munged.pid || die "munged did not start (see /var/log/munge/munged.log)"
  fi
  cp /run/munge/munged.pid "$DIR/munged.pid" 2>/dev/null || true
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n | unmunge >/dev/null || die "munge does not work (munge -n | unmunge failed)"
fi

HOST=$(hostname -s)
CPUS=$(nproc)
MEM=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))
PORT=${SLURM_TEST_PORT:-16817}
mkdir -p "$DIR/state" "$DIR/spool"
cat > "$SLURM_CONF" <<CONF
ClusterName=rltest
SlurmctldHost=$HOST
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
KillWait=5
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
NodeName=$HOST CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=rltest Nodes=$HOST Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
CONF

slurmctld -f "$SLURM_CONF" || die "slurmctld did not start (see $DIR/slurmctld.log)"
slurmd -f "$SLURM_CONF" || die "slurmd did not start (see $DIR/slurmd.log)"
for _ in $(seq 100); do
  state=$(sinfo -h -n "$HOST" -o %T 2>/dev/null || true)
  [ "$state" = idle ] && { echo "cluster.sh: node $HOST idle ($CPUS CPUs, ${MEM} MB), SLURM_CONF=$SLURM_CONF"; exit 0; }
  sleep 0.2
done
die "node $HOST did not become idle (state '${state:-none}'); see $DIR/slurmctld.log and $DIR/slurmd.log"
