#!/usr/bin/env python3
"""Near-duplicate job with gaoya's MinHash-LSH, the peer of `canon dedup` (bench_peers.py).

Usage: gaoya_dedup.py CORPUS [BATCH]. Reads the JSON Lines corpus (`text` field; lines that do
not parse are skipped), inserts every document into a `gaoya.minhash.MinHashStringIndex`
(character 5-grams, lowercased, Jaccard threshold 0.8, 16 bands x 6 rows of 32-bit hashes, as
canon's defaults), then queries every document against the index and counts the pairs found
and the documents with an earlier near-duplicate (the ones a dedup job drops). Both steps use
the batch methods (`par_bulk_insert_docs`, `par_bulk_query`), which run on rayon's pool:
RAYON_NUM_THREADS sets its size. Prints one line of counts.
"""
import json
import sys
import time

from gaoya.minhash import MinHashStringIndex


def main() -> None:
    corpus = sys.argv[1]
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
    started = time.monotonic()
    docs, bad = [], 0
    with open(corpus, "rb") as f:
        for line in f:
            try:
                text = json.loads(line)["text"]
            except (ValueError, KeyError, TypeError):
                bad += 1
                continue
            if isinstance(text, str):
                docs.append(text)
            else:
                bad += 1
    read = time.monotonic()

    index = MinHashStringIndex(
        hash_size=32,
        jaccard_threshold=0.8,
        num_bands=16,
        band_size=6,
        analyzer="char",
        lowercase=True,
        ngram_range=(5, 5),
        id_container="smallvec",
    )
    for start in range(0, len(docs), batch):
        chunk = docs[start : start + batch]
        index.par_bulk_insert_docs(list(range(start, start + len(chunk))), chunk)
    inserted = time.monotonic()

    pairs = dropped = 0
    for start in range(0, len(docs), batch):
        found = index.par_bulk_query(docs[start : start + batch])
        for offset, ids in enumerate(found):
            me = start + offset
            earlier = [j for j in ids if j < me]
            pairs += len(earlier)
            dropped += bool(earlier)
    done = time.monotonic()
    print(
        f"gaoya: {len(docs)} documents ({bad} unreadable), {pairs} near-duplicate pairs, "
        f"{dropped} documents with an earlier near-duplicate; "
        f"read {read - started:.1f} s, insert {inserted - read:.1f} s, query {done - inserted:.1f} s"
    )


if __name__ == "__main__":
    main()
