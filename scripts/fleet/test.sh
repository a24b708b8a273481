#!/usr/bin/env bash
# test.sh — `make fleet-test`: the fleet scripts through a real Slurm.
#
# Stands up a one-node Slurm on this machine from the distribution's packages
# (munged, slurmctld and slurmd started directly, no systemd, every file and
# socket in one scratch folder, private ports), submits memprobe-run.sbatch
# twice (a --quick --filter run each: a one-node cluster needs two jobs for
# two run folders) and memprobe-compare.sbatch depending on both, waits for
# the three jobs, checks that the comparison exists and parses, and tears
# everything down.  Where the daemons cannot start (not root and no sudo, a
# container without the needed capabilities, packages that cannot be
# installed) it prints "fleet-test: skipped: REASON" and exits 0.
set -uo pipefail
cd "$(dirname "$0")/../.."
t0=$SECONDS
limit=${FLEET_TEST_TIMEOUT:-600}
filter=${FLEET_TEST_FILTER:-'^(latency/chase|alloc/heap_malloc_free)$'}

skip() { echo "fleet-test: skipped: $*"; exit 0; }
fail() { echo "fleet-test: FAILED: $*" >&2; exit 1; }

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo -n true 2>/dev/null || skip "needs root (or passwordless sudo) to start munged, slurmctld and slurmd"
  sudo_cmd=(sudo -n)
fi
scripts/deps.sh fleet >/dev/null 2>&1 || true
for tool in munged slurmctld slurmd sbatch squeue scontrol sinfo python3; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || skip "$tool not installed (scripts/deps.sh fleet could not install it)"
done
make --no-print-directory bin/memprobe >/dev/null || fail "cannot build bin/memprobe"
export MEMPROBE=$PWD/bin/memprobe

d=$(mktemp -d /tmp/memprobe-fleet.XXXXXX)   # short: the munge socket path must fit in 108 bytes
chmod 755 "$d"
mkdir -p "$d"/{munge,state,spool,run,log,results}
export SLURM_CONF=$d/slurm.conf

teardown() {
  [ -f "$SLURM_CONF" ] && "${sudo_cmd[@]}" env SLURM_CONF="$SLURM_CONF" scontrol shutdown >/dev/null 2>&1
  for pidfile in "$d/run/slurmd.pid" "$d/run/slurmctld.pid" "$d/run/munged.pid"; do
    pid=$(cat "$pidfile" 2>/dev/null) || continue
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && "${sudo_cmd[@]}" kill "$pid" 2>/dev/null
  done
  "${sudo_cmd[@]}" rm -rf "$d"
}
trap teardown EXIT

logs() { tail -n 5 "$d"/log/*.log 2>/dev/null | sed 's/^/  /'; }

# two free TCP ports for slurmctld and slurmd
port_free() { ! awk -v p="$(printf ':%04X' "$1")" '$2 ~ p"$" && $4 == "0A" {found=1} END {exit !found}' /proc/net/tcp /proc/net/tcp6 2>/dev/null; }
ports=()
for p in $(seq $((20000 + RANDOM % 20000)) 45000); do
  port_free "$p" && ports+=("$p")
  [ ${#ports[@]} -eq 2 ] && break
done
[ ${#ports[@]} -eq 2 ] || skip "no two free TCP ports"

# munge: a key of our own, a private socket
if [ -r /etc/munge/munge.key ]; then cp /etc/munge/munge.key "$d/munge.key"
else mungekey -c -k "$d/munge.key" >/dev/null 2>&1 || dd if=/dev/urandom of="$d/munge.key" bs=1024 count=1 2>/dev/null
fi
chmod 600 "$d/munge.key"
"${sudo_cmd[@]}" munged -f -S "$d/munge/sock" --key-file="$d/munge.key" --log-file="$d/log/munged.log" \
  --pid-file="$d/run/munged.pid" --seed-file="$d/munge/seed" >/dev/null 2>&1 \
  || { logs; skip "munged could not start"; }

node=$(hostname -s)
hw=$(slurmd -C 2>/dev/null | head -1) || skip "slurmd -C could not describe this node"
cpus=$(sed -n 's/.* CPUs=\([0-9]*\).*/\1/p' <<<"$hw"); mem=$(sed -n 's/.* RealMemory=\([0-9]*\).*/\1/p' <<<"$hw")
[ -n "$cpus" ] && [ -n "$mem" ] || skip "slurmd -C printed no CPUs/RealMemory: $hw"
cat >"$SLURM_CONF" <<CONF
ClusterName=memprobe-fleet-test
SlurmctldHost=$node(127.0.0.1)
AuthType=auth/munge
AuthInfo=socket=$d/munge/sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
SlurmctldPort=${ports[0]}
SlurmdPort=${ports[1]}
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/run/slurmctld.pid
SlurmdPidFile=$d/run/slurmd.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MailProg=/bin/true
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=fleettest Nodes=$node Default=YES MaxTime=30 State=UP OverSubscribe=EXCLUSIVE
CONF
"${sudo_cmd[@]}" env SLURM_CONF="$SLURM_CONF" slurmctld -c >/dev/null 2>&1 || { logs; skip "slurmctld could not start"; }
"${sudo_cmd[@]}" env SLURM_CONF="$SLURM_CONF" slurmd >/dev/null 2>&1 || { logs; skip "slurmd could not start"; }
state=
for _ in $(seq 60); do
  state=$(sinfo -h -N -o %T 2>/dev/null | head -1)
  [ "$state" = idle ] && break
  sleep 0.5
done
[ "$state" = idle ] || { logs; skip "the node did not come up (state '${state:-none}')"; }
echo "fleet-test: one-node Slurm up on $node ($cpus CPUs) in $((SECONDS - t0)) s"

submit() { "${sudo_cmd[@]}" env SLURM_CONF="$SLURM_CONF" MEMPROBE="$MEMPROBE" sbatch --parsable --chdir="$d" \
             --output="$d/log/%x-%j.out" "$@"; }
j1=$(submit --nodes=1 scripts/fleet/memprobe-run.sbatch "$d/results" --quick --filter "$filter") || fail "sbatch refused the run job"
j2=$(submit --nodes=1 scripts/fleet/memprobe-run.sbatch "$d/results" --quick --filter "$filter") || fail "sbatch refused the run job"
j3=$(submit --dependency="afterany:$j1:$j2" scripts/fleet/memprobe-compare.sbatch "$d/results" "$j1,$j2" --no-plots) \
  || fail "sbatch refused the compare job"
echo "fleet-test: submitted run jobs $j1 and $j2, compare job $j3"

while [ -n "$(squeue -h -j "$j1,$j2,$j3" -o %i 2>/dev/null)" ]; do
  [ $((SECONDS - t0)) -lt "$limit" ] || { logs; fail "jobs still queued or running after $limit s"; }
  sleep 1
done

out=$d/results/compare-$j1-$j2
for f in compare.html compare.csv compare_families.csv compare.json; do
  [ -s "$out/$f" ] || { cat "$d"/log/memprobe-*.out 2>/dev/null | tail -n 20; fail "$out/$f missing"; }
done
python3 - "$out" "$node-$j1" "$node-$j2" <<'PY' || fail "the comparison does not parse"
import csv, json, sys
out, a, b = sys.argv[1:4]
record = json.load(open(out + "/compare.json"))
assert [r["name"] for r in record["runs"]] == [a, b], record["runs"]
rows = list(csv.DictReader(open(out + "/compare.csv")))
assert rows and {r["run"] for r in rows} == {a, b}, "compare.csv names other runs"
assert all(r["real_ns"] for r in rows if r["difference"] != "missing"), "a measured row without a value"
print("fleet-test: compare.csv: %d rows over runs %s and %s" % (len(rows), a, b))
PY
echo "fleet-test: passed in $((SECONDS - t0)) s"
