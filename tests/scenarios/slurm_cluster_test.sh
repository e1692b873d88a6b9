#!/bin/bash
# A real one-node Slurm cluster: munged, slurmctld and slurmd started by this script in a temp dir (own
# munge socket and key, own slurm.conf through SLURM_CONF, free ports; nothing global is touched), then
# `daxsim sweep --slurm` submitted with `sbatch --wait`, collected, and compared byte for byte with a
# local sweep of the same grid. The sweep DIR, the scenario and the daxsim binary all sit under paths with
# spaces, a quote and a percent sign, as the generated script must cope with them.
#
# Usage: slurm_cluster_test.sh DAXSIM_BINARY SOURCE_DIR
# Exit 0: passed. 1: failed (daemon logs printed). 77: skipped (CTest SKIP_RETURN_CODE) when Slurm or munge
# is not installed, not running as root, or a daemon is refused permission; the reason is printed.
# Every daemon started here is stopped on every exit path (trap), and every wait is bounded: 3 to 12 s
# when all goes well (sbatch --wait polls), at most about 95 s when it does not (CTest's TIMEOUT of 120 s
# is the backstop).
set -u
PATH=$PATH:/usr/sbin:/sbin # munged, slurmctld and slurmd live in sbin

daxsim_bin=$1
source_dir=$2
scenario_src=$source_dir/scenarios/library/persistence/pwrite-durable.yaml
grid=(--grid 'cost.alloc=200ns,1us')

skip() {
    echo "SKIPPED: $*"
    exit 77
}

for tool in munged slurmctld slurmd sbatch sinfo squeue scancel scontrol; do
    command -v "$tool" >/dev/null 2>&1 || skip "'$tool' is not installed (Debian: slurm-wlm and munge)"
done
[ "$(id -u)" = 0 ] || skip "slurmd must run as root to launch jobs (running as uid $(id -u))"
host=$(hostname -s 2>/dev/null)
[ -n "$host" ] || skip "'hostname -s' gives no host name for SlurmctldHost and NodeName"

# Only this cluster: no SLURM_*/SBATCH_* settings of a surrounding job or shell reach sbatch or squeue.
for var in $(compgen -e); do
    case $var in SLURM_* | SBATCH_* | SQUEUE_* | SINFO_* | SCANCEL_*) unset "$var" ;; esac
done

# slurm.conf cannot quote a path: the temp dir must have no blank, quote or '#'.
tmp_base=${TMPDIR:-/tmp}
case $tmp_base in *[[:space:]\"\'#]*) tmp_base=/tmp ;; esac
T=$(mktemp -d "$tmp_base/daxsim-slurm-cluster.XXXXXX") || exit 1
pids=()
failed=1

dump_logs() {
    local name f
    for name in munged slurmctld slurmd; do
        f=$T/$name.log
        [ -s "$f" ] || f=$T/$name.out # what a daemon said before it opened its log
        [ -s "$f" ] || continue
        echo "----- $f (last 30 lines)"
        tail -n 30 "$f"
    done
}

stop_all() {
    local deadline
    if [ -S "$T/munge.socket" ] && [ -f "$T/slurm.conf" ]; then
        # Jobs first (a failure may leave array tasks running), then the daemons: at most 5 s.
        timeout 3 scancel --quiet --user=root >/dev/null 2>&1
        deadline=$((SECONDS + 5))
        while [ "$SECONDS" -lt "$deadline" ] && [ -n "$(timeout 2 squeue -h -o %i 2>/dev/null)" ]; do
            sleep 0.5
        done
    fi
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null
    done
    deadline=$((SECONDS + 5))
    for pid in "${pids[@]}"; do
        while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$pid" 2>/dev/null; do
            sleep 0.2
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
}

on_exit() {
    stop_all
    [ "$failed" = 1 ] && dump_logs
    rm -rf "$T"
}
trap on_exit EXIT
trap 'exit 1' INT TERM HUP

fail() {
    echo "FAILED: $*"
    exit 1
}

# A daemon that died before the node came up: refused permission is a skip, anything else a failure.
check_alive() {
    local name=$1 pid=$2
    kill -0 "$pid" 2>/dev/null && return 0
    if grep -qiE "permission denied|operation not permitted" "$T/$name.log" "$T/$name.out" 2>/dev/null; then
        failed=0
        skip "$name was refused permission to start: $(grep -hiE 'permission denied|operation not permitted' \
            "$T/$name.log" "$T/$name.out" 2>/dev/null | head -n 1)"
    fi
    fail "$name exited while starting"
}

# Two TCP ports nobody listens on (from /proc/net/tcp*; a small race with other programs is accepted).
listening=$(awk 'NR > 1 && $4 == "0A" { split($2, a, ":"); print a[2] }' /proc/net/tcp /proc/net/tcp6 2>/dev/null)
free_port() {
    local p
    while :; do
        p=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
        grep -qix "$(printf '%04X' "$p")" <<<"$listening" && continue
        [ "$p" = "${ctld_port:-}" ] && continue
        echo "$p"
        return
    done
}
ctld_port=$(free_port)
slurmd_port=$(free_port)

# --- munge: own key, socket, pid, log and seed in T --------------------------------------------------
if command -v mungekey >/dev/null 2>&1; then
    mungekey --create --keyfile="$T/munge.key" || fail "mungekey could not create a key"
else
    dd if=/dev/urandom of="$T/munge.key" bs=1024 count=1 status=none || fail "no munge key"
fi
chmod 600 "$T/munge.key"
munged --foreground --force --socket="$T/munge.socket" --key-file="$T/munge.key" --pid-file="$T/munged.pid" \
    --log-file="$T/munged.log" --seed-file="$T/munged.seed" >"$T/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
    [ -S "$T/munge.socket" ] && break
    check_alive munged "${pids[0]}"
    sleep 0.1
done
[ -S "$T/munge.socket" ] || fail "munged did not create its socket within 5 s"

# --- slurm.conf: everything in T, through SLURM_CONF ----------------------------------------------------
mkdir -p "$T/state" "$T/spool"
cpus=$(nproc)
[ "$cpus" -gt 2 ] && cpus=2
cat >"$T/slurm.conf" <<EOF
ClusterName=daxsimtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$T/munge.socket
CredType=cred/munge
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
PlugStackConfig=$T/plugstack.conf
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
KillWait=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=256 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=10 State=UP
EOF
: >"$T/plugstack.conf"
export SLURM_CONF=$T/slurm.conf

slurmctld -D -f "$SLURM_CONF" >"$T/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$T/slurmd.out" 2>&1 &
pids+=($!)

# The node idle within 30 s.
state=
deadline=$((SECONDS + 30))
while [ "$SECONDS" -lt "$deadline" ]; do
    check_alive slurmctld "${pids[1]}"
    check_alive slurmd "${pids[2]}"
    state=$(timeout 3 sinfo -h -N -n "$host" -o %t 2>/dev/null)
    [ "$state" = idle ] && break
    sleep 0.5
done
[ "$state" = idle ] || fail "node $host not idle within 30 s (sinfo: '${state}')"
echo "[${SECONDS} s] one-node cluster up: $host, slurmctld port $ctld_port, slurmd port $slurmd_port"

# --- the sweep: paths with a space, a quote and a percent sign ---------------------------------------------
odd="$T/it's a 50% dir"
mkdir -p "$odd/bin" || fail "mkdir"
cp "$daxsim_bin" "$odd/bin/daxsim" || fail "cannot copy $daxsim_bin"
cp "$scenario_src" "$odd/pwrite durable.yaml" || fail "cannot copy $scenario_src"
out="$odd/sweep out"
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1

timeout 30 "$daxsim_bin" sweep "$scenario_src" "${grid[@]}" -j 2 --out "$T/local" >"$T/local.txt" 2>&1 ||
    fail "local sweep: $(cat "$T/local.txt")"
timeout 30 "$odd/bin/daxsim" sweep "$odd/pwrite durable.yaml" "${grid[@]}" --slurm --out "$out" >"$T/slurm.txt" 2>&1 ||
    fail "sweep --slurm: $(cat "$T/slurm.txt")"
cat "$T/slurm.txt"

echo "[${SECONDS} s] sweeps written"
cd "$T" || fail "cd"
timeout 45 sbatch --wait "$out/sweep.sbatch" >"$T/sbatch.txt" 2>&1
rc=$?
echo "[${SECONDS} s] sbatch --wait returned $rc"
cat "$T/sbatch.txt"
[ "$rc" = 0 ] || fail "sbatch --wait exited $rc"
for i in 0 1; do
    grep -qxF "point $i: pass (exit 0): $out/points/000$i" "$out/points/$i.log" 2>/dev/null ||
        fail "array task $i: no 'point $i: pass' in its #SBATCH --output file: $(cat "$out/points/$i.log" 2>&1)"
done
timeout 30 "$odd/bin/daxsim" sweep --collect "$out" >"$T/collect.txt" 2>&1 || fail "sweep --collect: $(cat "$T/collect.txt")"
cat "$T/collect.txt"
cmp "$out/sweep.csv" "$T/local/sweep.csv" || {
    diff "$out/sweep.csv" "$T/local/sweep.csv"
    fail "the collected sweep.csv differs from the local sweep's"
}
echo "sweep.csv from the cluster equals the local sweep's:"
cat "$out/sweep.csv"
failed=0
echo "[${SECONDS} s] PASSED"
