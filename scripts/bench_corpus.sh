#!/usr/bin/env bash
# Whole-tool benchmark: runs canon on a corpus with N threads, three times, and prints the
# median wall time, throughput and peak RSS. Usage: bench_corpus.sh CANON CORPUS THREADS [FLAGS...]
set -euo pipefail
canon=$1 corpus=$2 threads=${3:-2}
shift 3 || true
out=$(dirname "$corpus")/bench-out
bytes=$(stat -c %s "$corpus")
times=() rss=()
for i in 1 2 3; do
    /usr/bin/time -f "%e %M" -o /tmp/canon-bench-time "$canon" dedup "$corpus" --out "$out" \
        --threads "$threads" --quiet --progress never "$@"
    read -r t m < /tmp/canon-bench-time
    times+=("$t") rss+=("$m")
done
median() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
t=$(median "${times[@]}") m=$(median "${rss[@]}")
docs=$(grep -m1 '"in"' "$out/report.json" | tr -dc 0-9)
awk -v b="$bytes" -v t="$t" -v m="$m" -v th="$threads" -v d="$docs" 'BEGIN {
    printf "corpus %.0f MB, %d docs, %d threads'"${*:+ ($*)}"': median %.2f s = %.1f MB/s, peak RSS %.0f MB (%.0f bytes/doc)\n",
        b/1e6, d, th, t, b/1e6/t, m/1024, m*1024/d }'
python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["run"]))' "$out/report.json" 2>/dev/null || true
