#!/usr/bin/env bash
# Single-host Slurm test of deploy/slurm/: installs Debian's slurm-wlm and munge if missing (as
# root), starts a private munged, slurmctld and slurmd (own socket, ports, state and config
# under $CANON_SLURM_TEST_DIR, nothing in /etc), waits for the node to be idle, then
#   1. failure path: a stand-in canon whose sign shard 2 fails; submit.sh --wait must fail,
#      and the cluster and emit jobs must never run;
#   2. the pipeline on data/ with SHARDS shards via submit.sh --wait, compared with
#      `canon dedup data/ --out REF` by deploy/slurm/compare.sh.
# The daemons (in their own sessions, so that ^C reaches only this script) are stopped on exit,
# whatever happens. Re-running is safe: daemons left by a killed earlier run (found by their pid
# files) are stopped first.
#
#   scripts/test_slurm.sh [CANON]       (default target/release/canon; `make test-slurm`)
#   scripts/test_slurm.sh --up          start the cluster only and leave it running, to try
#                                       submit.sh or `make slurm-dedup` by hand (SLURM_CONF=...)
#   scripts/test_slurm.sh --down        stop a cluster left running by --up
#
# Exit: 0 passed; 1 failed; 2 canon has no sharded stages yet (`canon sign` missing): the
# plumbing was then tested with a stand-in built on `canon dedup` and passed.
# Environment: SHARDS [3], CANON_OPTS [none], CANON_SLURM_TEST_DIR [/tmp/canon-slurm-test],
# CANON_SLURM_PORT [16817; slurmd uses the next port], CANON_SLURM_STANDIN=1 (use the stand-in
# even if canon has the sharded stages).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
mode="test"
case ${1:-} in
--up) mode=up; shift ;;
--down) mode=down; shift ;;
-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
esac
CANON_BIN=$(realpath -m "${1:-target/release/canon}")
T=${CANON_SLURM_TEST_DIR:-/tmp/canon-slurm-test}
port=${CANON_SLURM_PORT:-16817}
shards=${SHARDS:-3}
opts=${CANON_OPTS:-}
host=$(hostname -s)
t_start=$EPOCHREALTIME

elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
step() { echo "[test-slurm $(elapsed "$t_start")s] $*"; }
die() { echo "[test-slurm] FAILED: $*" >&2; exit 1; }

[[ $mode != test || -x $CANON_BIN ]] || die "no canon binary at $CANON_BIN (make build)"

# ---- packages ----------------------------------------------------------------------------------
missing=()
for b in slurmctld slurmd sbatch squeue sinfo scontrol scancel munged munge; do
    command -v "$b" >/dev/null || missing+=("$b")
done
command -v zstd >/dev/null || missing+=(zstd)
command -v python3 >/dev/null || command -v jq >/dev/null || missing+=(jq)
if [[ $mode != down ]] && ((${#missing[@]})); then
    ((EUID == 0)) || die "missing ${missing[*]}: run as root, or apt-get install slurm-wlm munge zstd"
    step "installing slurm-wlm munge zstd (missing: ${missing[*]})"
    t0=$EPOCHREALTIME
    pkgs=(slurm-wlm munge zstd)
    [[ " ${missing[*]} " == *" jq "* ]] && pkgs+=(jq)
    {
        apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${pkgs[@]}"
    } >/tmp/canon-slurm-apt.log 2>&1 || { tail -n 20 /tmp/canon-slurm-apt.log; die "apt-get failed"; }
    step "apt-get update + install took $(elapsed "$t0")s"
fi
[[ $mode == down ]] || step "$(slurmctld -V), $(munged -V 2>&1 | awk '{print $1}'), host $host, $(nproc) cpus, canon $CANON_BIN"

# ---- daemons: stop leftovers, start fresh, always stop on exit ---------------------------------
alive() { # a zombie (a daemon of --up, reparented to an init that reaps lazily) is dead
    kill -0 "$1" 2>/dev/null && [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]
}
stop_pid() { # name pidfile: TERM, up to 10 s, then KILL; only a process whose command is name
    local name=$1 f=$2 pid
    [[ -f $f ]] || return 0
    pid=$(<"$f")
    if [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" &&
        [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$name"* ]]; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
        # (A daemon that exits between the test and the kill is not a failure.)
        alive "$pid" && { kill -KILL "$pid" 2>/dev/null || true; }
        wait "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
}
stop_all() {
    if [[ -f $T/pids/slurmctld.pid && -f $T/slurm.conf ]]; then
        local ids
        ids=$(SLURM_CONF=$T/slurm.conf timeout 10 squeue -h -o %A 2>/dev/null || true)
        if [[ -n $ids ]]; then
            SLURM_CONF=$T/slurm.conf scancel $ids 2>/dev/null || true
            for _ in $(seq 1 30); do
                [[ -z $(SLURM_CONF=$T/slurm.conf timeout 5 squeue -h -o %A 2>/dev/null) ]] && break
                sleep 0.5
            done
        fi
    fi
    stop_pid slurmd "$T/pids/slurmd.pid"
    stop_pid slurmctld "$T/pids/slurmctld.pid"
    stop_pid munged "$T/pids/munged.pid"
}
dump_logs() {
    for f in "$T"/slurm/log/* "$T"/munge/log/*; do
        [[ -f $f ]] && { echo "---- $f"; tail -n 25 "$f"; }
    done
}
stop_all # leftovers of an earlier run that was killed, or of --up
[[ $mode == down ]] && { step "stopped"; exit 0; }
if [[ $T != /?* || ( -d $T && ! -f $T/slurm.conf && -n $(ls -A "$T") ) ]]; then
    die "CANON_SLURM_TEST_DIR=$T is not empty and not one of this script's: not deleting it"
fi
rm -rf "$T"
mkdir -p "$T"/{pids,bin,run} "$T"/slurm/{state,spool,log} "$T"/munge/{etc,run,log,lib}
# The verdict is the test's: stopping the daemons must not turn a pass into a failure (a CI run
# passed every step and still exited 1 during this teardown).
trap 'rc=$?; set +e; stop_all; step "daemons stopped"; exit $rc' EXIT
child=""
trap '[[ -z $child ]] || kill -TERM "$child" 2>/dev/null; exit 130' INT TERM
# run LOG CMD...: runs a long command in the background, output to LOG, and waits for it, so
# that a signal is handled at once (bash defers traps until a foreground command ends) and
# passed on to it.
run() {
    local log=$1
    shift
    "$@" >"$log" 2>&1 &
    child=$!
    local rc=0
    wait "$child" || rc=$?
    child=""
    return "$rc"
}

# munged refuses group- or world-accessible key, log and seed directories and a socket
# directory without search permission for all.
chmod 755 "$T" "$T/munge" "$T/munge/run"
chmod 700 "$T/munge/etc" "$T/munge/log" "$T/munge/lib"
dd if=/dev/urandom of="$T/munge/etc/munge.key" bs=1024 count=1 status=none
chmod 400 "$T/munge/etc/munge.key"
sock=$T/munge/run/munge.sock
setsid munged -F --socket="$sock" --key-file="$T/munge/etc/munge.key" --log-file="$T/munge/log/munged.log" \
    --pid-file="$T/munge/run/munged.pid" --seed-file="$T/munge/lib/munged.seed" \
    </dev/null >"$T/munge/log/munged.stdout" 2>&1 &
echo $! >"$T/pids/munged.pid"
for _ in $(seq 1 50); do munge -n -S "$sock" >/dev/null 2>&1 && break; sleep 0.1; done
munge -n -S "$sock" | unmunge -S "$sock" >/dev/null || { dump_logs; die "munged does not work"; }

mem=$(awk '/^MemTotal/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)
export SLURM_CONF=$T/slurm.conf
cat >"$SLURM_CONF" <<EOF
# Single-host test cluster written by scripts/test_slurm.sh.
ClusterName=canontest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
StateSaveLocation=$T/slurm/state
SlurmdSpoolDir=$T/slurm/spool
SlurmctldPidFile=$T/slurm/slurmctld.pid
SlurmdPidFile=$T/slurm/slurmd.pid
SlurmctldLogFile=$T/slurm/log/slurmctld.log
SlurmdLogFile=$T/slurm/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups: process tracking through /proc, no task binding, no accounting.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/backfill
# Schedule as soon as a job ends (default: batch jobs may wait up to 3 s per stage).
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=300
SlurmdTimeout=60
NodeName=$host NodeAddr=127.0.0.1 NodeHostname=$host CPUs=$(nproc) RealMemory=$mem State=UNKNOWN
PartitionName=debug Default=YES Nodes=ALL State=UP MaxTime=INFINITE
EOF
# Nothing from the caller's environment may steer sbatch or submit.sh.
# shellcheck disable=SC2046
unset $(compgen -e | grep -E '^(SBATCH_|SLURM_[A-Z_]*ID$)') CANON_SBATCH_OPTS CANON_SIGN_SBATCH_OPTS \
    CANON_CLUSTER_SBATCH_OPTS CANON_EMIT_SBATCH_OPTS 2>/dev/null || true

setsid slurmctld -D -f "$SLURM_CONF" </dev/null >"$T/slurm/log/slurmctld.stdout" 2>&1 &
echo $! >"$T/pids/slurmctld.pid"
setsid slurmd -D -f "$SLURM_CONF" -N "$host" </dev/null >"$T/slurm/log/slurmd.stdout" 2>&1 &
echo $! >"$T/pids/slurmd.pid"
state=""
for _ in $(seq 1 120); do
    for d in slurmctld slurmd munged; do
        alive "$(<"$T/pids/$d.pid")" || { dump_logs; die "$d exited"; }
    done
    state=$(sinfo -h -N -n "$host" -o %T 2>/dev/null || true)
    [[ $state == idle ]] && break
    sleep 0.5
done
[[ $state == idle ]] || { sinfo -R || true; dump_logs; die "node $host is '$state', not idle, after 60 s"; }
step "single-host cluster up: node $host idle (config $SLURM_CONF)"
if [[ $mode == up ]]; then
    trap - EXIT INT TERM
    echo "left running; use it with:  export SLURM_CONF=$SLURM_CONF"
    echo "stop it with:               $0 --down"
    exit 0
fi

# ---- stand-in for canon's sharded stages, built on `canon dedup` -------------------------------
standin=$T/bin/canon-standin
cat >"$standin" <<'EOF'
#!/usr/bin/env bash
# Stand-in for `canon sign|cluster|emit` on top of `canon dedup`, to test the Slurm plumbing:
# sign records its arguments, cluster checks every shard signed and runs dedup into WORK,
# emit marks its shard and the one that sees all shards marked moves the result to OUT.
set -euo pipefail
real=${CANON_STANDIN_REAL:?} sub=${1:-}
shift || true
shard="" work="" out="" args=()
while (($#)); do
    case $1 in
    --shard) shard=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h | --help) echo "canon-standin $sub"; exit 0 ;;
    *) args+=("$1"); shift ;;
    esac
done
[[ -n ${SLURM_JOB_ID:-} ]] || { echo "canon-standin: not in a Slurm job" >&2; exit 3; }
d=$work/standin
mkdir -p "$d"
i=${shard%/*} n=${shard#*/}
case $sub in
sign)
    [[ $i != "${CANON_STANDIN_FAIL_SIGN:-}" ]] || { echo "canon-standin: injected failure in sign $shard" >&2; exit 3; }
    printf '%s\0' "${args[@]}" >"$d/args.$i"
    echo "$n" >"$d/shards"
    echo "$SLURM_JOB_ID $(hostname) $PWD" >"$d/sign.$i" ;;
cluster)
    n=$(<"$d/shards")
    for s in $(seq 1 "$n"); do
        [[ -f $d/sign.$s ]] || { echo "canon-standin: sign $s/$n missing" >&2; exit 3; }
        cmp -s "$d/args.1" "$d/args.$s" || { echo "canon-standin: shards got different arguments" >&2; exit 3; }
    done
    mapfile -d '' a <"$d/args.1"
    rm -rf "$d/out"
    "$real" dedup "${a[@]}" --out "$d/out" ;;
emit)
    [[ -f $d/out/manifest.json ]] || { echo "canon-standin: cluster output missing" >&2; exit 3; }
    touch "$d/emit.$i"
    exec 9>"$d/emit.lock"
    flock 9
    for s in $(seq 1 "$n"); do [[ -f $d/emit.$s ]] || exit 0; done
    [[ -e $d/emitted ]] && exit 0
    rm -rf "$out.tmp"
    cp -r "$d/out" "$out.tmp"
    rm -rf "$out"
    mv "$out.tmp" "$out"
    touch "$d/emitted"
    echo "canon-standin: emit $shard assembled $out" ;;
*) echo "canon-standin: unknown subcommand $sub" >&2; exit 2 ;;
esac
EOF
chmod +x "$standin"
# A copy of canon, so that a rebuild during the test changes nothing.
cp "$CANON_BIN" "$T/bin/canon"
CANON_BIN=$T/bin/canon
export CANON_STANDIN_REAL=$CANON_BIN CANON_SLURM_POLL=1

# ---- 1. failure path ---------------------------------------------------------------------------
step "1. failure path: stand-in with sign shard 2/$shards failing"
t0=$EPOCHREALTIME
f=$T/run/fail
set +e
CANON=$standin WORK=$f/work OUT=$f/out SHARDS=$shards INPUTS=data/ CANON_OPTS=$opts \
    CANON_STANDIN_FAIL_SIGN=2 run "$f.log" timeout 300 deploy/slurm/submit.sh --wait
rc=$?
set -e
sed 's/^/    /' "$f.log"
((rc == 1)) || die "submit.sh --wait with a failing sign task exited $rc, expected 1"
st=$(echo "$f"/work/status/*)
[[ $(cat "$st/sign.2.rc" 2>/dev/null) == 3 ]] || die "sign 2 did not record its exit code 3"
for s in $(seq 1 "$shards"); do
    ((s == 2)) || [[ $(cat "$st/sign.$s.rc" 2>/dev/null) == 0 ]] || die "sign $s did not succeed"
done
compgen -G "$st/cluster.rc" >/dev/null && die "cluster ran although a sign task failed"
compgen -G "$st/emit.*.rc" >/dev/null && die "emit ran although a sign task failed"
[[ -e $f/out ]] && die "OUT exists after a failed run"
grep -q "sign 2/$shards: exit 3" "$f.log" || die "the failed task is not reported"
step "1. passed in $(elapsed "$t0")s: submit.sh --wait exited 1, cluster and emit were cancelled"

# ---- 2. the pipeline, compared with canon dedup -------------------------------------------------
real=1 why=""
if [[ ${CANON_SLURM_STANDIN:-} == 1 ]]; then
    real=0 why="CANON_SLURM_STANDIN=1"
elif ! "$CANON_BIN" sign --help >/dev/null 2>&1; then
    real=0 why="canon has no sharded stages"
fi
canon=$CANON_BIN
((real)) || canon=$standin
step "2. pipeline on data/ with $shards shards${opts:+ and options $opts}, $( ((real)) && echo "canon $CANON_BIN" || echo "the stand-in ($why)")"
p=$T/run/ok
mkdir -p "$p"
set -f
"$CANON_BIN" dedup $opts data/ --out "$p/ref" >"$p/ref.log" 2>&1 || { cat "$p/ref.log"; die "canon dedup failed"; }
set +f
t0=$EPOCHREALTIME
set +e
CANON=$canon WORK=$p/work OUT=$p/out SHARDS=$shards INPUTS=data/ CANON_OPTS=$opts \
    run "$p.log" timeout 600 deploy/slurm/submit.sh --wait
rc=$?
set -e
sed 's/^/    /' "$p.log"
((rc == 0)) || die "submit.sh --wait exited $rc (logs in $p/work/logs)"
step "2. pipeline finished in $(elapsed "$t0")s"
if ! deploy/slurm/compare.sh "$p/ref" "$p/out" | sed 's/^/    /'; then
    die "the sharded output differs from canon dedup"
fi
if [[ $why == "canon has no sharded stages" ]]; then
    step "Slurm plumbing passed with the stand-in; sharded stages not implemented yet (canon sign missing)"
    exit 2
fi
step "passed in $(elapsed "$t_start")s"
