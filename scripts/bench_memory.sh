#!/usr/bin/env bash
# Memory benchmark (make bench-memory): a corpus larger than the budget runs within it.
# Runs canon on the generated 2 GB corpus (2 threads) without a budget and with --memory 1G
# (and any budgets given), and prints wall time, throughput, peak RSS (GNU time's maximum
# resident set size: anonymous and file-backed pages), the README formula's estimate and what
# was spilled.
#   bench_memory.sh CANON [BUDGET...]      (default budgets: none 1G)
set -euo pipefail
canon=$1; shift
budgets=("$@")
[ ${#budgets[@]} -eq 0 ] && budgets=(none 1G)
f=corpus/scale-2G.jsonl
mkdir -p corpus
[ -f "$f" ] || cargo run --release --locked --quiet --example gencorpus -- --bytes 2G --out "$f" --seed 42 >/dev/null
bytes=$(stat -L -c %s "$f")
printf '%-7s %8s %8s %7s %9s %11s %7s\n' budget MB seconds MB/s peak_MB estimate_MB spills
for b in "${budgets[@]}"; do
    opt=()
    [ "$b" != none ] && opt=(--memory "$b")
    /usr/bin/time -f "%e %M" -o /tmp/canon-mem-time "$canon" dedup "$f" --out corpus/memory-out \
        --threads 2 --quiet --progress never "${opt[@]}"
    read -r t m < /tmp/canon-mem-time
    est=$(grep -m1 '"memory_estimate"' corpus/memory-out/report.json | tr -dc 0-9)
    runs=$(grep -m1 '"spilled_runs"' corpus/memory-out/report.json | tr -dc 0-9)
    awk -v b="$b" -v s="$bytes" -v t="$t" -v m="$m" -v e="$est" -v r="$runs" 'BEGIN {
        printf "%-7s %8.0f %8.2f %7.1f %9.0f %11.0f %7d\n", b, s/1e6, t, s/1e6/t, m/1024, e/1048576, r }'
done
