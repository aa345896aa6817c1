#!/usr/bin/env bash
# Submits canon's sharded pipeline to Slurm: sign (array 1-SHARDS) -> cluster (one job,
# afterok sign) -> emit (array 1-SHARDS, afterok cluster). See deploy/slurm/README.md.
#
#   CANON=/shared/bin/canon WORK=/shared/canon/work OUT=/shared/canon/out SHARDS=16 \
#   INPUTS="/shared/dumps" CANON_OPTS="--near-threshold 0.8" deploy/slurm/submit.sh --wait
#
# Options:
#   --wait      block until every job has ended; exit 0 only if every task succeeded and OUT is
#               complete, 1 otherwise (the failed tasks and the tails of their logs are printed)
#   --clean     delete the state an earlier run left in WORK (sign-*-of-*.bin, cluster.bin,
#               emit-*-of-*/, assemble.lock); without it such state is an error
#   --dry-run   print the sbatch commands instead of running them
#   -h, --help  this text
#
# Environment:
#   CANON        canon binary; must be at the same path on the compute nodes   [required]
#   WORK         work directory (shared storage); logs in WORK/logs, task exit
#                codes in WORK/status/RUN                                       [required]
#   OUT          output directory (shared storage)                              [required]
#   SHARDS       number of sign and emit shards                                 [required]
#   INPUTS       input files and directories, separated by whitespace, as given
#                to `canon dedup`; relative ones are relative to the current
#                directory, which is the jobs' working directory too           [required]
#   CANON_OPTS   dedup options for the sign stage (split on whitespace)
#   CANON_OUTPUT_FORMAT  jsonl or parquet: the emit stage's --output-format [jsonl]
#   CANON_SBATCH_OPTS          extra sbatch options for every job, e.g.
#                              "--partition=batch --account=proj --time=4:00:00"
#   CANON_SIGN_SBATCH_OPTS     extra sbatch options per stage (after CANON_SBATCH_OPTS)
#   CANON_CLUSTER_SBATCH_OPTS
#   CANON_EMIT_SBATCH_OPTS
#   CANON_SLURM_POLL           seconds between squeue polls with --wait [5]
# sbatch's own SBATCH_* variables (SBATCH_PARTITION, SBATCH_ACCOUNT, SBATCH_TIMELIMIT, ...) apply
# to every job as usual.
#
# Exit status: 0 submitted (with --wait: finished and succeeded); 1 a job failed or submission
# failed; 2 usage error (missing variable, missing input, canon without sharded stages).
# shellcheck disable=SC2206 # arrays from whitespace-separated variables, with globbing off
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
wait=0 dry=0 clean=0
for arg in "$@"; do
    case $arg in
    --wait) wait=1 ;;
    --clean) clean=1 ;;
    --dry-run) dry=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '/shellcheck\|^set -euo/d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "submit.sh: unknown argument: $arg (try --help)" >&2; exit 2 ;;
    esac
done

say() { echo "[$(date '+%T')] $*"; }
usage_error() { echo "submit.sh: $*" >&2; exit 2; }

# ---- check the environment -------------------------------------------------------------------
for v in CANON WORK OUT SHARDS INPUTS; do
    [[ -n ${!v:-} ]] || usage_error "$v is not set (see --help)"
done
[[ $SHARDS =~ ^[1-9][0-9]*$ ]] || usage_error "SHARDS=$SHARDS is not a positive integer"
CANON_OUTPUT_FORMAT=${CANON_OUTPUT_FORMAT:-jsonl}
[[ $CANON_OUTPUT_FORMAT == jsonl || $CANON_OUTPUT_FORMAT == parquet ]] ||
    usage_error "CANON_OUTPUT_FORMAT=$CANON_OUTPUT_FORMAT: use jsonl or parquet"
if [[ $CANON != */* ]]; then
    CANON=$(command -v "$CANON") || usage_error "CANON: $CANON not found on PATH"
fi
[[ -x $CANON && -f $CANON ]] || usage_error "CANON=$CANON is not an executable file"
CANON=$(realpath "$CANON")
if ((!dry)) && ! "$CANON" sign --help >/dev/null 2>&1; then
    usage_error "$CANON has no 'sign' subcommand: this build of canon has no sharded stages"
fi
set -f
inputs=($INPUTS)
set +f
for p in "${inputs[@]}"; do
    [[ -e $p ]] || usage_error "input $p does not exist (relative to $PWD)"
done
command -v sbatch >/dev/null || ((dry)) || usage_error "sbatch not found: is this a Slurm submit host?"

WORK=$(realpath -m "$WORK")
OUT=$(realpath -m "$OUT")
((dry)) || mkdir -p "$WORK/logs" "$(dirname "$OUT")"
# State of an earlier run would be merged with this one's (cluster takes every sign-*-of-N.bin
# with the largest N) or block it (a stale assemble.lock): refuse it, or delete it with --clean.
stale=()
for f in "$WORK"/sign-*-of-*.bin "$WORK"/cluster.bin "$WORK"/emit-*-of-* "$WORK"/assemble.lock \
    "$WORK"/.state.*.tmp; do
    if [[ -e $f ]]; then stale+=("$f"); fi
done
if ((${#stale[@]})); then
    ((clean)) || usage_error "WORK=$WORK holds state of an earlier run (${stale[0]##*/}, ...): use a fresh WORK, or --clean"
    if ((dry)); then
        say "--clean would delete ${#stale[@]} file(s) of an earlier run from $WORK"
    else
        rm -rf "${stale[@]}"
        say "--clean: deleted ${#stale[@]} file(s) of an earlier run from $WORK"
    fi
fi
CANON_RUN=$(date '+%Y%m%d-%H%M%S')-$$
CANON_OPTS=${CANON_OPTS:-}
status_dir=$WORK/status/$CANON_RUN
((dry)) || mkdir -p "$status_dir"
export CANON WORK OUT SHARDS INPUTS CANON_OPTS CANON_RUN CANON_OUTPUT_FORMAT

set -f
common=(--parsable --chdir="$PWD" --export=ALL ${CANON_SBATCH_OPTS:-})
sign_opts=(${CANON_SIGN_SBATCH_OPTS:-})
cluster_opts=(${CANON_CLUSTER_SBATCH_OPTS:-})
emit_opts=(${CANON_EMIT_SBATCH_OPTS:-})
set +f

# ---- submit ----------------------------------------------------------------------------------
submitted=()
submit() { # prints the job id
    if ((dry)); then
        printf '%q ' sbatch "$@" >&2; echo >&2
        echo "DRY$((${#submitted[@]} + 1))"
        return
    fi
    local out
    if ! out=$(sbatch "$@"); then
        echo "submit.sh: sbatch failed: sbatch $*" >&2
        if ((${#submitted[@]})); then
            echo "submit.sh: cancelling the jobs already submitted: ${submitted[*]}" >&2
            scancel "${submitted[@]}" || true
        fi
        exit 1
    fi
    out=${out%%;*} # "id;cluster" on multi-cluster setups
    [[ $out =~ ^[0-9]+$ ]] || { echo "submit.sh: unexpected sbatch output: $out" >&2; exit 1; }
    echo "$out"
}

sign=$(submit "${common[@]}" --job-name=canon-sign --array="1-$SHARDS" \
    --output="$WORK/logs/sign-%A_%a.out" ${sign_opts[@]+"${sign_opts[@]}"} "$here/sign.sbatch")
submitted+=("$sign")
cluster=$(submit "${common[@]}" --job-name=canon-cluster \
    --dependency="afterok:$sign" --kill-on-invalid-dep=yes \
    --output="$WORK/logs/cluster-%j.out" ${cluster_opts[@]+"${cluster_opts[@]}"} "$here/cluster.sbatch")
submitted+=("$cluster")
emit=$(submit "${common[@]}" --job-name=canon-emit --array="1-$SHARDS" \
    --dependency="afterok:$cluster" --kill-on-invalid-dep=yes \
    --output="$WORK/logs/emit-%A_%a.out" ${emit_opts[@]+"${emit_opts[@]}"} "$here/emit.sbatch")
submitted+=("$emit")

echo "sign=$sign cluster=$cluster emit=$emit"
((dry)) && exit 0
{
    echo "run=$CANON_RUN sign=$sign cluster=$cluster emit=$emit"
    declare -p CANON WORK OUT SHARDS INPUTS CANON_OPTS CANON_OUTPUT_FORMAT
    echo "cwd=$PWD"
} >"$WORK/logs/submit-$CANON_RUN.txt"
say "run $CANON_RUN: $SHARDS shards; logs in $WORK/logs, task exit codes in $status_dir"
((wait)) || { echo "cancel with: scancel $sign $cluster $emit"; exit 0; }

# ---- wait ------------------------------------------------------------------------------------
poll=${CANON_SLURM_POLL:-5}
err=$(mktemp)
trap 'rm -f "$err"' EXIT
trap 'echo; say "interrupted: the jobs go on; cancel with: scancel $sign $cluster $emit"; exit 130' INT TERM
last="" failures=0
while :; do
    # -r: one line per array task; only jobs not yet ended are listed.
    if lines=$(squeue -h -r -j "$sign,$cluster,$emit" -o '%F %T' 2>"$err"); then
        failures=0
        [[ -z $lines ]] && break
        now=$(awk -v s="$sign" -v c="$cluster" -v e="$emit" '
            { n[$1 " " $2]++ }
            END { split(s " " c " " e, ids, " "); split("sign cluster emit", names, " ")
                  for (k = 1; k <= 3; k++) { line = ""
                      for (key in n) { split(key, f, " "); if (f[1] == ids[k]) line = line " " n[key] " " tolower(f[2]) }
                      if (line != "") out = out (out == "" ? "" : ", ") names[k] line }
                  print out }' <<<"$lines")
        [[ $now != "$last" ]] && say "$now"
        last=$now
    elif grep -q 'Invalid job id' "$err"; then
        break # all three already purged from slurmctld's memory: they have ended
    else
        failures=$((failures + 1))
        say "squeue failed ($failures): $(head -c 300 "$err")"
        ((failures * poll < 900)) || { echo "submit.sh: giving up on squeue" >&2; exit 1; }
    fi
    sleep "$poll"
done

# ---- verdict: every task must have written exit code 0 --------------------------------------
ranges() { # 1 2 3 5 -> 1-3,5
    local out="" start="" prev="" n
    for n in "$@" ""; do
        if [[ -n $prev && $n == $((prev + 1)) ]]; then prev=$n; continue; fi
        [[ -n $start ]] && out+="${out:+,}$start${prev:+$([[ $prev != "$start" ]] && echo "-$prev")}"
        start=$n prev=$n
    done
    echo "$out"
}
bad=() logs=()
check() { # stage shards log-pattern: shards empty for the one-job cluster stage
    local stage=$1 shards=$2 log=$3 f rc s missing=()
    for s in ${shards:-0}; do
        f=$status_dir/$stage${shards:+.$s}.rc
        if [[ ! -f $f ]]; then
            missing+=("$s")
        elif rc=$(<"$f") && [[ $rc != 0 ]]; then
            bad+=("$stage${shards:+ $s/$SHARDS}: exit $rc; log ${log//@/$s}")
            logs+=("${log//@/$s}")
        fi
    done
    ((${#missing[@]})) || return 0
    if [[ -z $shards ]]; then
        bad+=("$stage: did not finish (cancelled, killed or never started); log $log")
        logs+=("$log")
    else
        bad+=("$stage: ${#missing[@]} of $SHARDS tasks did not finish (cancelled, killed or never started): $(ranges "${missing[@]}"); logs ${log//@/*}")
        if ((${#missing[@]} < SHARDS)); then logs+=("${log//@/${missing[0]}}"); fi
    fi
}
all=$(seq 1 "$SHARDS")
check sign "$all" "$WORK/logs/sign-${sign}_@.out"
check cluster "" "$WORK/logs/cluster-$cluster.out"
check emit "$all" "$WORK/logs/emit-${emit}_@.out"

if ((${#bad[@]} == 0)); then
    missing=()
    for f in "canonical.$CANON_OUTPUT_FORMAT" "dropped.$CANON_OUTPUT_FORMAT" explain.jsonl.zst boilerplate.jsonl report.json report.html manifest.json; do
        [[ -f $OUT/$f ]] || missing+=("$f")
    done
    if ((${#missing[@]} == 0)); then
        say "done: every task succeeded; outputs in $OUT"
        exit 0
    fi
    bad+=("all tasks succeeded but $OUT lacks: ${missing[*]}")
fi

say "FAILED: ${#bad[@]} problem(s)"
printf '  %s\n' "${bad[@]}"
# Slurm's own view: accounting if the cluster has it, otherwise what slurmctld still remembers.
if [[ $(scontrol show config 2>/dev/null | awk -F'= *' '/^AccountingStorageType/ {print $2}') == *slurmdbd* ]]; then
    sacct -X -P -n -j "$sign,$cluster,$emit" -o JobID,JobName,State,ExitCode,Elapsed 2>/dev/null |
        grep -v '|COMPLETED|0:0|' | sed 's/^/  slurm: /' || true
else
    for id in "$sign" "$cluster" "$emit"; do
        scontrol -o show job "$id" 2>/dev/null | tr ' ' '\n' |
            awk -F= '$1=="JobId"{j=$2; t=""} $1=="ArrayJobId"{j=$2} $1=="ArrayTaskId"{t="_"$2} $1=="JobName"{n=$2}
                     $1=="JobState"{s=$2} $1=="Reason"{r=$2}
                     $1=="ExitCode"{print "  slurm: " j t " " n " " s " exit " $2 " reason " r}' |
            grep -v 'COMPLETED exit 0:0' || true
    done
fi
shown=0
for log in ${logs[@]+"${logs[@]}"}; do
    [[ -f $log ]] || continue
    echo "---- tail of $log"
    tail -n 8 "$log"
    shown=$((shown + 1))
    ((shown < 3)) || break
done
exit 1
