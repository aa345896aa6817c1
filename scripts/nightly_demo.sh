#!/usr/bin/env bash
# The incremental path on the sample dumps (make nightly-demo):
#   night 1 = data/news.jsonl + data/pages/, night 2 = data/compressed/ + data/crawl.warc.wet.
# Runs night 1 then night 2 on one index (--index), then one run over both nights with night 1
# published (--published), and checks that every night-2 document was decided the same way.
#
#   scripts/nightly_demo.sh CANON [DIR]      (DIR default: out/nightly-demo, recreated)
set -euo pipefail
CANON=$(realpath "$1")
DIR=${2:-out/nightly-demo}
DATA=$(realpath data)

rm -rf "$DIR"
mkdir -p "$DIR/night-1" "$DIR/night-2"
cd "$DIR"
ln -s "$DATA/news.jsonl" night-1/news.jsonl
cp -r "$DATA/pages" night-1/pages
cp -r "$DATA/compressed" night-2/compressed
ln -s "$DATA/crawl.warc.wet" night-2/crawl.warc.wet

echo "== night 1 (empty index)"
"$CANON" dedup --quiet --index state night-1 --out out-1
echo "== night 2 (index of night 1)"
"$CANON" dedup --quiet --index state night-2 --out out-2
echo "== reference: one run over both nights, night 1 published"
"$CANON" dedup --quiet --published night-1 night-1 night-2 --out both

python3 - <<'PY'
import json

def fates(out, prefix):
    f = {}
    for l in open(f"{out}/canonical.jsonl"):
        j = json.loads(l)
        f[j["canon"]["source"]] = ("kept", "", j.get("text"))
    for l in open(f"{out}/dropped.jsonl"):
        j = json.loads(l)
        f[j["source"]] = (j["reason"], j.get("kept_source") or "", None)
    return {k: v for k, v in f.items() if k.startswith(prefix)}

for n in (1, 2):
    r = json.load(open(f"out-{n}/report.json"))
    ix, d = r["index"], r["documents"]
    print(f"night {n}: {d['in']} documents, {d['canonical']} canonical; "
          f"{ix['published_before']} published before, {ix['folded_into_published']} folded "
          f"into them, {ix['published_after']} published after")
inc, ref = fates("out-2", "night-2/"), fates("both", "night-2/")
diff = [k for k in inc if inc[k] != ref.get(k)]
for k in diff:
    print(f"  differs: {k}: incremental {inc[k][:2]}, one run {ref.get(k, ('missing',))[:2]}")
print(f"night 2: {len(inc) - len(diff)} of {len(inc)} documents decided as in one run over both nights")
raise SystemExit(1 if diff or len(inc) != len(ref) else 0)
PY
