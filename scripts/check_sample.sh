#!/usr/bin/env bash
# Repairs a real scraped page (kept outside the repo) and checks the result: every distinct
# input line appears exactly once, in order of first appearance; the title glued to the
# first body paragraph is gone; the text is about half as long as the page.
# Usage: check_sample.sh CANON PAGE.txt
set -euo pipefail
canon=$1 page=$2
if [ ! -f "$page" ]; then echo "check-sample: $page not found (it lives outside the repo)"; exit 1; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp "$page" "$tmp/page.txt"
"$canon" dedup "$tmp/page.txt" --out "$tmp/out" --quiet
python3 - "$tmp/page.txt" "$tmp/out/canonical.jsonl" <<'PY'
import json, sys
page = open(sys.argv[1], encoding="utf-8").read()
doc = json.loads(open(sys.argv[2], encoding="utf-8").readline())
out = doc["text"].split("\n")
lines = [l.strip() for l in page.splitlines() if l.strip()]
title = lines[0]
glued = [l for l in lines if l != title and l.startswith(title)]
# A glued line stands for the paragraph after the title, in its place.
expected = list(dict.fromkeys(l[len(title):] if l in glued else l for l in lines))
ok = True
def check(cond, msg):
    global ok
    print(("ok   " if cond else "FAIL ") + msg)
    ok &= cond
check(out.count(title) == 1, "title appears once")
check(all(out.count(l) == 1 for l in expected), "every distinct line appears exactly once")
check([l for l in out if l in expected] == expected, "in order of first appearance")
check(not any(g in out for g in glued), f"{len(glued)} glued title+paragraph line(s) repaired")
ratio = len(doc["text"]) / len(page)
check(0.4 <= ratio <= 0.6, f"output is {ratio:.0%} of the page's length")
print(json.dumps(doc["canon"], ensure_ascii=False))
sys.exit(0 if ok else 1)
PY
