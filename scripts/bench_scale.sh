#!/usr/bin/env bash
# Scale benchmark: generates corpora of 0.25, 0.5, 1 and 2 GB (seed 42) and runs canon on each
# with 2 threads, printing throughput and peak RSS per size so that cost growth is visible.
# Usage: bench_scale.sh CANON [SIZES...]   (sizes as gencorpus takes them, default 256M 512M 1G 2G)
set -euo pipefail
canon=$1; shift
sizes=("${@:-256M 512M 1G 2G}")
[ $# -eq 0 ] && sizes=(256M 512M 1G 2G)
mkdir -p corpus
printf '%-6s %10s %9s %9s %10s %12s\n' size MB seconds MB/s peak_MB bytes/doc
for s in "${sizes[@]}"; do
    f=corpus/scale-$s.jsonl
    [ -f "$f" ] || cargo run --release --locked --quiet --example gencorpus -- --bytes "$s" --out "$f" --seed 42 >/dev/null
    /usr/bin/time -f "%e %M" -o /tmp/canon-scale-time "$canon" dedup "$f" --out corpus/scale-out \
        --threads 2 --quiet --progress never
    read -r t m < /tmp/canon-scale-time
    bytes=$(stat -L -c %s "$f")
    docs=$(grep -m1 '"in"' corpus/scale-out/report.json | tr -dc 0-9)
    awk -v s="$s" -v b="$bytes" -v t="$t" -v m="$m" -v d="$docs" 'BEGIN {
        printf "%-6s %10.0f %9.2f %9.1f %10.0f %12.0f\n", s, b/1e6, t, b/1e6/t, m/1024, m*1024/d }'
done
