#!/usr/bin/env python3
"""Splits a JSON Lines corpus into gzip shards that `dolma dedupe` reads (bench_peers.py).

Usage: dolma_shards.py CORPUS OUT_DIR SHARDS. Writes OUT_DIR/documents/part-K.jsonl.gz, one
document per line with the fields dolma's readers expect (`id`, `text`, `source`, `added`,
`created`, `metadata`); lines that are not a JSON object with a string `text` (the generated
corpus has a few truncated ones) are skipped and counted. Prints `documents skipped`.
"""
import gzip
import json
import os
import sys


def main() -> None:
    corpus, out_dir, shards = sys.argv[1], sys.argv[2], int(sys.argv[3])
    docs_dir = os.path.join(out_dir, "documents")
    os.makedirs(docs_dir, exist_ok=True)
    size = os.path.getsize(corpus)
    per_shard = size // shards + 1
    written = skipped = shard = done = 0
    out = None
    with open(corpus, "rb") as f:
        for line in f:
            # A new shard every SIZE/SHARDS input bytes, so the shards hold about as much text.
            if out is None or done >= (shard + 1) * per_shard:
                if out is not None:
                    out.close()
                    shard += 1
                path = os.path.join(docs_dir, f"part-{shard:02d}.jsonl.gz")
                out = gzip.open(path, "wt", encoding="utf-8", compresslevel=1)
            done += len(line)
            try:
                rec = json.loads(line)
                text = rec["text"]
                if not isinstance(text, str):
                    raise TypeError
            except (ValueError, KeyError, TypeError):
                skipped += 1
                continue
            doc = {
                "id": str(rec.get("id", written)),
                "text": text,
                "source": "canon-gencorpus",
                "added": "2026-11-30T00:00:00.000Z",
                "created": "2026-11-30T00:00:00.000Z",
                "metadata": {"url": rec.get("url"), "site": rec.get("site")},
            }
            out.write(json.dumps(doc, ensure_ascii=False))
            out.write("\n")
            written += 1
    if out is not None:
        out.close()
    print(f"{written} documents in {shard + 1} shards, {skipped} skipped")


if __name__ == "__main__":
    main()
