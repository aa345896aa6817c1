//! canon's integration and property tests, compiled into a single test binary (the layout
//! ripgrep uses: one binary links once and runs every suite in parallel).
//!
//! Run with `cargo test --test tests`.
//!
//! The suites live in `tests/suite/` rather than next to this file: Cargo would build every
//! `tests/*.rs` as a test binary of its own (the manifest does not set `autotests = false`),
//! and they are modules of this one.

// Shared helpers: temporary fixture directories, running the built `canon` binary, parsing its
// outputs, and the bookkeeping checks every run must pass.
#[path = "suite/util.rs"]
mod util;

// Fixture text (original Chinese and English articles) and builders: clean pages, pages broken
// the way a bad scraper breaks them, JSON lines, WET records, gzip/zstd, a tiny PRNG.
#[path = "suite/fixtures.rs"]
mod fixtures;

// A mixed corpus (two JSONL news sites, a folder of text pages, a WET file) with every kind of
// document fate: the books balance, reasons and cluster links are right, footers go, broken
// pages come out repaired, and JSONL lines keep their other fields byte for byte. Also the
// canonical order, boilerplate and repair options, near-duplicates and `canon explain`.
#[path = "suite/books.rs"]
mod books;

// Boilerplate is a site's chrome: paragraph frequency counted per site (URL host, WET target
// URI, input file, a text page's directory); short lines shared across sites stay.
#[path = "suite/sites.rs"]
mod sites;

// Input formats and their variants: gzip (multi-member), zstd, WET ids and URLs, text page ids,
// `--format`, `--text-field` / `--id-field`, ids that are numbers or missing, CRLF, no final
// newline, empty and blank files, skipped files, chunk boundaries of large files.
#[path = "suite/formats.rs"]
mod formats;

// Damaged input: bad JSON lines, invalid UTF-8, truncated gzip, bad WET lengths, `--strict`,
// and the command-line failures (exit statuses, messages, no half-written outputs).
#[path = "suite/malformed.rs"]
mod malformed;

// Near-duplicates end to end: one article on two sites folds, two articles on one site with a
// shared footer and topic do not, and `canon explain` says why.
#[path = "suite/near.rs"]
mod near;

// Sharded stages (sign, cluster, emit) give what `canon dedup` gives.
#[path = "suite/shards.rs"]
mod shards;

// Same input, same output: thread counts, directory vs listed files, input order.
#[path = "suite/determinism.rs"]
mod determinism;

// Incremental runs on an index of published documents: night 2 decides as one run over both
// nights with night 1 published; the index changes only when a run succeeds.
#[path = "suite/incremental.rs"]
mod incremental;

// proptest properties of repair (only removes, keeps order, idempotent) and of whole runs on
// random small corpora (the books always balance). `PROPTEST_CASES=N` runs more cases.
#[path = "suite/properties.rs"]
mod properties;

// "Never cut what a reader would keep": cuts on word boundaries, periodic runs of any period
// and script cut to one period, `--min-repeat` weighed fairly across scripts; a property that
// repair never glues a new word.
#[path = "suite/cuts.rs"]
mod cuts;

// Hardening: damaged records of every kind beside good ones (which must come out as if alone),
// a 200 MB line, damaged compressed streams and WET records, 20,000 small files, symlink loops
// and unreadable paths, duplicate ids, unwritable and full output directories, inputs changed
// during a run, runs killed at random moments (the atomic commit), determinism over thread
// counts, input order and file names.
#[path = "suite/hardening.rs"]
mod hardening;

// Decisions across documents: a near drop is near the document it is folded into (chains of
// small edits keep several documents), documents without shingles are never near anything,
// and short unrelated documents never collide on shingle hashes.
#[path = "suite/decisions.rs"]
mod decisions;

// The cleaner copy wins: of exact duplicates, the copy without zero-width characters,
// ligatures, shouting or decomposed Hangul is canonical, in either input order.
#[path = "suite/cleaner.rs"]
mod cleaner;

// Each passage is kept once, never zero times: a long passage in several unrelated documents
// stays in its home only, with provenance (`--passages`).
#[path = "suite/passages.rs"]
mod passages;

// What a new user hits (issue 12): pipes, FIFOs and standard input are read, not taken for
// empty files; skipped files, skipped WARC records and repeated ids are said on stderr; a
// locked index refuses a second run; errors share one prefix and name the output as such.
#[path = "suite/newuser.rs"]
mod newuser;

// What a new user hits with `canon explain` (issue 12): a document by its source in every
// format, ids with JSON escapes, a kept document's cluster members, the text repair removed,
// `--json`.
#[path = "suite/explain.rs"]
mod explain;

// The end-of-run summary (issue 12): thousands separators, nouns that agree, the S-curve only
// with `--verbose`; report.json times every stage that ran and balances its bytes by reason.
#[path = "suite/summary.rs"]
mod summary;

// report.html and report.json's distributions: a self-contained page with inline SVG charts,
// removed text escaped, the same across thread counts; distributions agree with the counts.
#[path = "suite/report_html.rs"]
mod report_html;

// Decompression bombs: a JSON line or text page over --max-doc-bytes is skipped while it is
// decompressed (gzip, zstd, standard input) and listed as the same invalid record at the same
// line; an absurd expansion ratio or --max-decompressed stops the run naming file and offsets.
#[path = "suite/bombs.rs"]
mod bombs;

// Parquet inputs (pyarrow-written fixtures in tests/data/parquet/): rows as documents named
// `path#row`, other columns carried through, the same decisions as JSON Lines, mixed runs,
// faults with `--strict`, `--format parquet` and stdin, `--memory`, `--index`, shards.
#[path = "suite/parquet.rs"]
mod parquet;

// `--output-format parquet`: canonical.parquet and dropped.parquet read back with the parquet
// crate hold the JSON Lines outputs' rows, typed from the JSON values or kept from Parquet
// inputs; manifest entries; the same bytes across threads, --memory, --index and shards.
#[path = "suite/parquet_out.rs"]
mod parquet_out;
