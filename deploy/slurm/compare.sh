#!/usr/bin/env bash
# Checks that a sharded run's output directory equals a single-process `canon dedup` run's:
# canonical.jsonl, dropped.jsonl and boilerplate.jsonl byte for byte, explain.jsonl.zst after
# decompression, report.json as JSON with its `run` key (threads, timings) left out,
# report.html without its timing section.
# manifest.json is not compared: it records the sizes and checksums of explain.jsonl.zst (one
# zstd frame per shard here) and of report.json (whose `run` differs).
#
#   deploy/slurm/compare.sh REF_DIR OUT_DIR        exit 0 equal, 1 different, 2 usage error
set -euo pipefail
(($# == 2)) || { echo "usage: compare.sh REF_DIR OUT_DIR" >&2; exit 2; }
ref=$1 out=$2
command -v zstd >/dev/null || { echo "compare.sh: zstd is needed (apt-get install zstd)" >&2; exit 2; }

diffs=0
differ() { echo "DIFFERENT: $*"; diffs=$((diffs + 1)); }
for f in canonical.jsonl dropped.jsonl boilerplate.jsonl explain.jsonl.zst report.json report.html; do
    [[ -f $ref/$f ]] || { echo "compare.sh: $ref/$f missing" >&2; exit 2; }
    [[ -f $out/$f ]] || { differ "$f missing from $out"; continue; }
done
((diffs == 0)) || exit 1

for f in canonical.jsonl dropped.jsonl boilerplate.jsonl; do
    cmp -s "$ref/$f" "$out/$f" || differ "$f ($(cmp "$ref/$f" "$out/$f" 2>&1 | head -1))"
done
if ! cmp -s <(zstd -dc "$ref/explain.jsonl.zst") <(zstd -dc "$out/explain.jsonl.zst"); then
    differ "explain.jsonl.zst after decompression"
fi
strip_run() {
    if command -v python3 >/dev/null; then
        python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d.pop("run",None); print(json.dumps(d,indent=1,sort_keys=True,ensure_ascii=False))' "$1"
    else
        jq -S 'del(.run)' "$1"
    fi
}
if ! diff <(strip_run "$ref/report.json") <(strip_run "$out/report.json") >/tmp/canon-compare-report.$$; then
    differ "report.json (ignoring run):"
    head -n 20 /tmp/canon-compare-report.$$
fi
rm -f /tmp/canon-compare-report.$$
# report.html: all but the timing section, which its markers delimit on lines of their own.
strip_html_run() { sed '/^<!-- run: varies between runs -->$/,/^<!-- \/run -->$/d' "$1"; }
if ! cmp -s <(strip_html_run "$ref/report.html") <(strip_html_run "$out/report.html"); then
    differ "report.html (ignoring its timing section)"
fi
if ((diffs)); then
    echo "compare: $diffs difference(s) between $ref and $out"
    exit 1
fi
echo "compare: $out equals $ref (canonical, dropped, boilerplate, explain, report without run, report.html without timings)"
