#!/usr/bin/env python3
"""Writes the Parquet inputs canon is tested with, using pyarrow (another Parquet
implementation than the one canon reads with):

- tests/data/parquet/*.parquet (+ pages.jsonl): the fixtures of tests/suite/parquet.rs,
  described in tests/data/parquet/README.md;
- data/sample.parquet: the small Parquet dump `make dedup` reads (site F, a wiki mirror).

Every record is invented here. Deterministic: a rerun with the same pyarrow writes the same
bytes. Needs pyarrow (`python3 -m venv venv && venv/bin/pip install pyarrow`); run from the
repository root:

    python3 scripts/make_parquet_fixtures.py
"""

import datetime
import json
import os

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "tests", "data", "parquet")

# Pages with copies: exact (p02 of p01), near (p04 of p03: one sentence changed), and unique
# ones; Chinese and English.
ZH1 = ("河畔公园新建步道本周开放\n"
       "河畔公园沿江新建的三公里步道本周正式向市民开放，步道两侧种植了樱花和银杏，并设置了八处休息平台。\n"
       "公园管理处表示，步道夜间开放至晚上十点，沿途增设了照明和紧急呼叫装置。\n"
       "周边居民表示，新步道让晚饭后散步多了一个好去处。")
EN1 = ("Library extends weekend opening hours\n"
       "The central library will stay open until eight in the evening on Saturdays and Sundays "
       "from next month, after a survey found that most visitors come at weekends.\n"
       "The extra hours are staffed by volunteers from the reading club, who also run a homework "
       "corner for children on Sunday afternoons.\n"
       "The library thanked the volunteers and said the trial would be reviewed after six months.")
EN1_NEAR = EN1.replace("after six months", "at the end of the year")
ZH2 = ("老城区雨污分流改造完成\n"
       "历时十个月的老城区雨污分流改造工程日前完工，共铺设管道二十一公里，涉及街巷四十余条。\n"
       "改造后，雨季路面积水和污水外溢的问题将明显减少。")
EN2 = ("Night market returns to the harbour\n"
       "After a two-year pause the night market is back on the harbour front every Friday, with "
       "forty stalls selling street food, plants and second-hand books.\n"
       "Organisers ask visitors to bring their own bags and cups.")

PAGES = [
    ("p01", "https://wiki.example-f.org/a/riverside-walk", ZH1),
    ("p02", "https://mirror.example-g.net/riverside-walk", ZH1),
    ("p03", "https://wiki.example-f.org/a/library-hours", EN1),
    ("p04", "https://mirror.example-g.net/library-hours", EN1_NEAR),
    ("p05", "https://wiki.example-f.org/a/drains", ZH2),
    ("p06", "https://wiki.example-f.org/a/night-market", EN2),
    ("p07", "https://mirror.example-g.net/night-market", EN2 + "\n"),
    ("p08", "https://wiki.example-f.org/a/quote", 'He said "tabs\tand\\slashes" stay.'),
]


def write(table, name, **kw):
    kw.setdefault("compression", "snappy")
    pq.write_table(table, os.path.join(FIX, name), **kw)


def pages():
    """pages.parquet and pages.jsonl: the same records; each JSON line is byte for byte the
    line canon makes of the row (compact JSON, columns in order), so that the two inputs give
    the same decisions. Three row groups."""
    rows = [{"id": i, "url": u, "text": t, "n": k, "ok": k % 2 == 0}
            for k, (i, u, t) in enumerate(PAGES)]
    table = pa.Table.from_pylist(rows, schema=pa.schema([
        ("id", pa.string()), ("url", pa.string()), ("text", pa.string()),
        ("n", pa.int64()), ("ok", pa.bool_())]))
    write(table, "pages.parquet", row_group_size=3)
    write(table, "pages_zstd.parquet", row_group_size=5, compression="zstd")
    write(table, "pages_gzip.parquet", compression="gzip")
    with open(os.path.join(FIX, "pages.jsonl"), "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")


def types():
    """types.parquet: columns of many types besides the text, carried through; an integer id,
    a binary column, nulls, a dictionary-encoded string column."""
    t0 = datetime.datetime(2026, 3, 1, 8, 30, tzinfo=datetime.timezone.utc)
    table = pa.table({
        "id": pa.array([101, 102, None], pa.int64()),
        "text": pa.array([ZH2, EN2, "A page without an id."]),
        "score": pa.array([0.5, None, 2.25], pa.float64()),
        "fetched": pa.array([t0, t0, None], pa.timestamp("ms", tz="UTC")),
        "day": pa.array([datetime.date(2026, 3, 1)] * 3, pa.date32()),
        "tags": pa.array([["a", "b"], [], None], pa.list_(pa.string())),
        "meta": pa.array([{"lang": "zh", "len": 3}, {"lang": "en", "len": 4}, None],
                         pa.struct([("lang", pa.string()), ("len", pa.int32())])),
        "raw": pa.array([b"\x00\xff", None, b"ok"], pa.binary()),
        "lang": pa.array(["zh", "en", "en"]).dictionary_encode(),
    })
    write(table, "types.parquet")


def damaged():
    """null_text, no_text, binary_text, bad_utf8, truncated, corrupt_page: each fault once."""
    write(pa.table({"id": ["n1", "n2", "n3"], "text": [EN1, None, ZH1]}), "null_text.parquet")
    write(pa.table({"id": ["m1", "m2"], "body": [EN1, ZH1]}), "no_text.parquet")
    # A text column of bytes (no UTF-8 annotation): the second row is not UTF-8.
    write(pa.table({"id": ["b1", "b2", "b3"],
                    "text": pa.array([EN2.encode(), b"caf\xe9 au lait\xff", ZH2.encode()],
                                     pa.binary())}), "binary_text.parquet")
    # A string column (UTF-8 annotated) holding bytes that are not UTF-8 in row 3, as a
    # broken writer leaves them (pyarrow does not check a view); plain encoding, 5 rows.
    bad = pa.array([t.encode() for t in (EN1, ZH1)] + [b"\xff\xfebad"]
                   + [t.encode() for t in (ZH2, EN2)], pa.binary()).view(pa.string())
    write(pa.table({"id": ["u1", "u2", "u3", "u4", "u5"], "text": bad}), "bad_utf8.parquet",
          use_dictionary=False)
    # Cut short: half of pages.parquet (the footer is gone).
    with open(os.path.join(FIX, "pages.parquet"), "rb") as f:
        whole = f.read()
    with open(os.path.join(FIX, "truncated.parquet"), "wb") as f:
        f.write(whole[: len(whole) // 2])
    # A corrupt page: three row groups of two rows, page checksums on, no dictionary, no
    # compression; one byte of the text page of row group 2 flipped.
    rows = [{"id": i, "url": u, "text": t} for i, u, t in PAGES[:6]]
    path = os.path.join(FIX, "corrupt_page.parquet")
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=2, compression="none",
                   use_dictionary=False, write_page_checksum=True)
    col = pq.ParquetFile(path).metadata.row_group(1).column(2)
    assert col.path_in_schema == "text"
    at = col.data_page_offset + col.total_compressed_size - 10
    with open(path, "r+b") as f:
        f.seek(at)
        b = f.read(1)
        f.seek(at)
        f.write(bytes([b[0] ^ 0x55]))


def sample():
    """data/sample.parquet: site F (a wiki) with a mirror, 8 rows in 2 row groups, zstd."""
    rows = [{"id": "wiki-" + i, "url": u, "text": t, "views": 100 + k}
            for k, (i, u, t) in enumerate(PAGES)]
    pq.write_table(pa.Table.from_pylist(rows), os.path.join(ROOT, "data", "sample.parquet"),
                   row_group_size=4, compression="zstd")


if __name__ == "__main__":
    os.makedirs(FIX, exist_ok=True)
    pages()
    types()
    damaged()
    sample()
    for name in sorted(os.listdir(FIX)):
        print(name, os.path.getsize(os.path.join(FIX, name)))
