#!/usr/bin/env python3
"""Runs canon on the small fault-class inputs of a cases directory (one folder per class, as
in ../shared/cases, not part of the repo) and says, per class, whether the outcome a careful
user expects holds. Exit status 1 if any class fails, 2 if the directory is missing.

    scripts/check_cases.py CANON CASES_DIR [CLASS ...]      (make check-cases)

Each check reads canon's outputs, never the expected text of a file: it states the property
of the class (no line that occurs once is lost, no glued non-word, no fold of documents that
differ in numbers...), so it holds for any input of the class.
"""
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path


def run(canon, inp, out, *opts):
    subprocess.run([canon, "dedup", "--quiet", str(inp), "--out", str(out), *opts], check=True)
    kept = {}
    for line in (out / "canonical.jsonl").read_text().splitlines():
        j = json.loads(line)
        kept[j["id"]] = j["text"]
    dropped = [json.loads(l) for l in (out / "dropped.jsonl").read_text().splitlines()]
    return kept, dropped


def records(path):
    return [json.loads(l) for l in path.read_text().splitlines() if l.strip()]


def lines(text):
    return [l.strip() for l in text.split("\n") if l.strip()]


def letters(text):
    """Letters and digits only: what canon's keys compare, roughly."""
    return re.sub(r"[\W_]+", "", text).lower()


def words(text):
    return set(re.findall(r"\w+", text))


def smallest_period(s):
    """Length of the shortest p with s[i] == s[i - p] for all i >= p (prefix function)."""
    pi = [0] * len(s)
    for i in range(1, len(s)):
        k = pi[i - 1]
        while k and s[i] != s[k]:
            k = pi[k - 1]
        if s[i] == s[k]:
            k += 1
        pi[i] = k
    return len(s) - pi[-1] if s else 0


def check_repeated_lines(canon, d, tmp):
    bad = []
    kept, _ = run(canon, d / "in.jsonl", tmp / "a")
    for r in records(d / "in.jsonl"):
        got = lines(kept.get(r["id"], ""))
        if got != lines(r["text"]):
            bad.append(f"{r['id']}: structure lines lost ({len(lines(r['text']))} in, {len(got)} out)")
    kept, _ = run(canon, d / "doubled.jsonl", tmp / "b")
    for r in records(d / "doubled.jsonl"):
        once = list(dict.fromkeys(lines(r["text"])))
        if lines(kept.get(r["id"], "")) != once:
            bad.append(f"{r['id']}: the doubled body is not removed exactly once")
    return bad


def check_midword_cut(canon, d, tmp):
    bad = []
    kept, _ = run(canon, d / "in.jsonl", tmp / "a")
    for r in records(d / "in.jsonl"):
        new = words(kept.get(r["id"], "")) - words(r["text"])
        if new:
            bad.append(f"{r['id']}: words not in the input: {sorted(new)}")
    return bad


def check_stutter(canon, d, tmp):
    bad = []
    kept, _ = run(canon, d / "in.jsonl", tmp / "a")
    for r in records(d / "in.jsonl"):
        text = r["text"].strip()
        p = smallest_period(text + " ") if " " in text else smallest_period(text)
        out = kept.get(r["id"], "")
        # About one or two periods: at most three, and something left.
        if not out or len(out) > 3 * p:
            bad.append(f"{r['id']}: period {p} chars, {len(text)} in, {len(out)} out")
    return bad


def check_suffix_glue(canon, d, tmp):
    bad = []
    kept, _ = run(canon, d / "in.jsonl", tmp / "a")
    for r in records(d / "in.jsonl"):
        out = lines(kept.get(r["id"], ""))
        ls = lines(r["text"])
        # Every line that occurs once in the page, and whose letters are not already part of
        # an earlier line (a teaser repeating the title may go), stands whole.
        for i, l in enumerate(ls):
            earlier = any(letters(l) in letters(e) for e in ls[:i])
            if ls.count(l) == 1 and not earlier and l not in out:
                bad.append(f"{r['id']}: lost or cut: {l[:40]}")
    kept, _ = run(canon, d / "prefix-guard.jsonl", tmp / "b")
    for r in records(d / "prefix-guard.jsonl"):
        title = lines(r["text"])[0]
        out = kept.get(r["id"], "")
        if out.count(title) != 1:
            bad.append(f"{r['id']}: the title stands {out.count(title)} times, not once")
    return bad


def check_numbers(canon, d, tmp):
    bad = []
    _, dropped = run(canon, d / "in.jsonl", tmp / "a")
    for x in dropped:
        bad.append(f"{x['id']} folded into {x.get('kept_id')} ({x['reason']})")
    kept, _ = run(canon, d / "inpage.jsonl", tmp / "b")
    for r in records(d / "inpage.jsonl"):
        if lines(kept.get(r["id"], "")) != lines(r["text"]):
            bad.append(f"{r['id']}: lines lost")
    return bad


def check_zh_gloss(canon, d, tmp):
    _, dropped = run(canon, d / "in.jsonl", tmp / "a")
    return [f"{x['id']} folded into {x.get('kept_id')} ({x['reason']})" for x in dropped]


# --- decisions across documents ---------------------------------------------------------


def shingle_set(text, n=5):
    """Character 5-grams of the letters: a rough, independent similarity for the check."""
    t = letters(text)
    return {t[i:i + n] for i in range(max(1, len(t) - n + 1))}


def jaccard(a, b):
    return len(a & b) / len(a | b) if a | b else 0.0


def check_chain(canon, d, tmp):
    bad = []
    kept, dropped = run(canon, d / "in.jsonl", tmp / "a")
    text = {r["id"]: r["text"] for r in records(d / "in.jsonl")}
    for x in dropped:
        if x["reason"] != "near":
            continue
        j = jaccard(shingle_set(text[x["id"]]), shingle_set(text[x["kept_id"]]))
        if j < 0.6:
            bad.append(f"{x['id']} dropped as near of {x['kept_id']}: similarity about {j:.2f}")
    if len(kept) < 2:
        bad.append(f"only {len(kept)} document(s) survive a chain of revisions")
    return bad


def check_no_fold(canon, d, tmp):
    _, dropped = run(canon, d / "in.jsonl", tmp / "a")
    return [f"{x['id']} folded into {x.get('kept_id')} ({x['reason']}, similarity {x.get('similarity')})"
            for x in dropped if x["reason"] in ("exact", "near") and letters(x["id"]) != ""
            and x.get("similarity", 1) is not None]


def check_symbols_only(canon, d, tmp):
    _, dropped = run(canon, d / "in.jsonl", tmp / "a")
    text = {r["id"]: r["text"] for r in records(d / "in.jsonl")}
    # A document of symbols alone folds only into a true copy (same text): no shingles means
    # nothing to compare. (Documents with words are compared on their words.)
    return [f"{x['id']} folded into {x.get('kept_id')} ({x['reason']})"
            for x in dropped if x["reason"] in ("exact", "near")
            and not letters(text[x["id"]])
            and text[x["id"]].strip() != text[x["kept_id"]].strip()]


def check_headings(canon, d, tmp):
    bad = []
    kept, _ = run(canon, d / "in.jsonl", tmp / "a")
    for r in records(d / "in.jsonl"):
        first = lines(r["text"])[0]
        if first not in lines(kept.get(r["id"], "")):
            bad.append(f"{r['id']}: lost its first line {first!r}")
    return bad


def check_site_footer(canon, d, tmp):
    bad = []
    kept, _ = run(canon, d / "in.jsonl", tmp / "a")
    recs = records(d / "in.jsonl")
    common = set(lines(recs[0]["text"]))
    for r in recs[1:]:
        common &= set(lines(r["text"]))
    for r in recs:
        out = lines(kept.get(r["id"], ""))
        for l in lines(r["text"]):
            if l in common and l in out:
                bad.append(f"{r['id']}: footer line stays: {l[:30]}")
            if l not in common and l not in out:
                bad.append(f"{r['id']}: lost: {l[:30]}")
    return bad


def check_rewrap(canon, d, tmp):
    bad = []
    kept, dropped = run(canon, d / "in.jsonl", tmp / "a")
    ids = {r["id"] for r in records(d / "in.jsonl")}
    for base in sorted({i.rsplit("-", 1)[0] for i in ids}):
        if f"{base}-unwrapped" not in kept:
            bad.append(f"{base}: the unwrapped copy is not the one kept")
        if f"{base}-wrapped" in kept:
            bad.append(f"{base}: the wrapped copy is kept too")
    return bad


def check_syndicated(canon, d, tmp):
    bad = []
    for f in sorted(d.glob("*.jsonl")):
        kept, _ = run(canon, f, tmp / f.stem)
        recs = records(f)
        # Paragraphs found in every page: the syndicated passage.
        common = set(lines(recs[0]["text"]))
        for r in recs[1:]:
            common &= set(lines(r["text"]))
        for l in common:
            n = sum(l in lines(t) for t in kept.values())
            if n != 1:
                bad.append(f"{f.name}: a shared passage stands in {n} documents, not 1: {l[:30]}")
        for r in recs:
            for l in lines(r["text"]):
                if l not in common and l not in lines(kept.get(r["id"], "")):
                    bad.append(f"{f.name} {r['id']}: own paragraph lost: {l[:30]}")
    return bad


# --- what a new user hits ------------------------------------------------------------------


def check_jsonl_dupkeys(canon, d, tmp):
    bad = []
    for f in sorted(d.glob("*.jsonl")):
        out = tmp / f.stem
        run(canon, f, out)
        dropped = {json.loads(l)["source"]: json.loads(l)
                   for l in (out / "dropped.jsonl").read_text().splitlines()}
        for n, line in enumerate(f.read_text().splitlines(), 1):
            pairs = json.loads(line, object_pairs_hook=lambda p: p)
            if sum(k == "text" for k, _ in pairs) < 2:
                continue
            x = dropped.get(f"{f}:{n}")
            if not x or x["reason"] != "invalid":
                bad.append(f"{f.name}:{n}: a record with `text` twice is not listed invalid")
        for line in (out / "canonical.jsonl").read_text().splitlines():
            pairs = json.loads(line, object_pairs_hook=lambda p: p)
            if sum(k == "text" for k, _ in pairs) > 1:
                bad.append(f"{f.name}: a canonical line holds two `text` keys")
    return bad


CHECKS = {
    "repeated-lines": check_repeated_lines,
    "midword-cut": check_midword_cut,
    "stutter": check_stutter,
    "suffix-glue": check_suffix_glue,
    "numbers": check_numbers,
    "zh-gloss": check_zh_gloss,
    # decisions across documents
    "chain": check_chain,
    "symbols-only": check_symbols_only,
    "shingle-collision": check_no_fold,
    "headings": check_headings,
    "site-footer": check_site_footer,
    "rewrap": check_rewrap,
    "syndicated": check_syndicated,
    # what a new user hits
    "jsonl-dupkeys": check_jsonl_dupkeys,
}


def main():
    canon, cases = sys.argv[1], Path(sys.argv[2])
    if not cases.is_dir():
        print(f"check_cases: {cases} is not a directory", file=sys.stderr)
        return 2
    wanted = sys.argv[3:] or list(CHECKS)
    failed = 0
    for name in wanted:
        d = cases / name
        if not d.is_dir():
            print(f"{name:16} SKIP (no folder)")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            bad = CHECKS[name](canon, d, Path(tmp))
        print(f"{name:16} {'ok' if not bad else 'FAIL'}")
        for b in bad[:8]:
            print(f"    {b}")
        failed += bool(bad)
    print(f"{len(wanted) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
