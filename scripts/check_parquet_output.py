#!/usr/bin/env python3
"""Checks canon's Parquet output (`--output-format parquet`) with pyarrow, another Parquet
implementation than the one canon writes with.

Runs canon twice on each of two inputs — the sample dumps in data/ (JSON Lines, WET, text
pages, one Parquet file: columns typed from their JSON values) and
tests/data/parquet/types.parquet (a Parquet input: its column types kept) — once with JSON
Lines output and once with Parquet output, then checks with pyarrow that:

- canonical.parquet holds the rows of canonical.jsonl, row for row: every member equal (a
  JSON-text column holds the value's JSON; `canon.removed.passage_paragraphs` is 0 where JSON
  leaves it out), the text exactly the canonical text;
- dropped.parquet holds the rows of dropped.jsonl;
- every column chunk is zstd, no row group has more than 16,384 rows, the manifest lists both
  files with their sizes;
- the Parquet input's column types survive (int64 id, timestamp[ms, UTC], date32, list,
  struct, binary).

Usage (from the repository root; `make check-parquet` sets up the virtual environment):

    python3 scripts/check_parquet_output.py target/release/canon
"""

import json
import os
import subprocess
import sys
import tempfile

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROW_GROUP_ROWS = 16 * 1024
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def run(canon, inputs, out, fmt):
    subprocess.run([canon, "dedup", "--quiet", *inputs, "--out", out, "--output-format", fmt],
                   check=True)


def jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def same(got, want):
    """A Parquet value against a JSON value: equal, equal as numbers, or its JSON text."""
    if got == want:
        return True
    if isinstance(got, (int, float)) and isinstance(want, (int, float)):
        return float(got) == float(want)
    if isinstance(got, str) and not isinstance(want, str):
        try:
            return json.loads(got) == want
        except ValueError:
            return False
    return False


def rows_match(name, rows, lines, columns):
    check(len(rows) == len(lines), f"{name}: {len(rows)} rows, {len(lines)} JSON lines")
    bad = []
    for i, (row, line) in enumerate(zip(rows, lines), 1):
        if "canon" in line:
            line["canon"]["removed"].setdefault("passage_paragraphs", 0)
        for k in columns:
            want = line.get(k)
            got = row.get(k)
            if want is None and got is None:
                continue
            if not same(got, want):
                bad.append(f"row {i} {k}: {got!r} vs {want!r}")
        extra = set(line) - set(columns)
        if extra:
            bad.append(f"row {i}: members without a column: {sorted(extra)}")
    check(not bad, f"{name}: every member of every row" + (f" ({bad[:3]})" if bad else ""))


def check_run(canon, inputs, work, label):
    j, p = os.path.join(work, label + "-jsonl"), os.path.join(work, label + "-parquet")
    run(canon, inputs, j, "jsonl")
    run(canon, inputs, p, "parquet")
    for name in ("canonical", "dropped"):
        path = os.path.join(p, name + ".parquet")
        f = pq.ParquetFile(path)
        table = f.read()
        # Values as Python objects; timestamps and dates compared through their ISO strings,
        # binary through hex, as canon's JSON lines write them.
        rows = []
        for r in table.to_pylist():
            for k, v in r.items():
                if isinstance(v, bytes):
                    r[k] = v.hex()
                elif hasattr(v, "isoformat"):
                    r[k] = v.isoformat().replace("+00:00", "Z")
            rows.append(r)
        rows_match(f"{label} {name}", rows, jsonl(os.path.join(j, name + ".jsonl")),
                   table.column_names)
        md = f.metadata
        codecs = {md.row_group(g).column(c).compression
                  for g in range(md.num_row_groups) for c in range(md.num_columns)}
        check(codecs <= {"ZSTD"}, f"{label} {name}: column chunks compressed {sorted(codecs)}")
        biggest = max((md.row_group(g).num_rows for g in range(md.num_row_groups)), default=0)
        check(biggest <= ROW_GROUP_ROWS, f"{label} {name}: {md.num_row_groups} row groups, "
              f"at most {biggest} rows")
    with open(os.path.join(p, "manifest.json"), encoding="utf-8") as f:
        listed = {o["name"]: o["bytes"] for o in json.load(f)["outputs"]}
    for name in ("canonical.parquet", "dropped.parquet"):
        size = os.path.getsize(os.path.join(p, name))
        check(listed.get(name) == size, f"{label}: manifest lists {name} ({size} bytes)")
    return p


def main():
    canon = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/release/canon")
    with tempfile.TemporaryDirectory(prefix="canon-check-parquet-") as work:
        check_run(canon, [os.path.join(ROOT, "data")], work, "data")
        types = os.path.join(ROOT, "tests", "data", "parquet", "types.parquet")
        p = check_run(canon, [types], work, "types")
        schema = pq.read_schema(os.path.join(p, "canonical.parquet"))
        want = {
            "id": pa.int64(),
            "text": pa.string(),
            "score": pa.float64(),
            "fetched": pa.timestamp("ms", tz="UTC"),
            "day": pa.date32(),
            "raw": pa.binary(),
            "lang": pa.string(),
        }
        for name, t in want.items():
            got = schema.field(name).type
            check(got == t, f"types: {name} is {got} (want {t})")
        check(pa.types.is_list(schema.field("tags").type), "types: tags is a list")
        meta = schema.field("meta").type
        check(pa.types.is_struct(meta) and meta.field("len").type == pa.int32(),
              f"types: meta is {meta}")
        canon_t = schema.field("canon").type
        check([canon_t.field(i).name for i in range(canon_t.num_fields)]
              == ["source", "cluster_size", "duplicates", "removed"], f"canon struct: {canon_t}")
    print(f"{len(failures)} failure(s)" if failures else "all checks passed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
