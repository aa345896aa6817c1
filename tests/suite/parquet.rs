//! Parquet inputs, on files pyarrow wrote (`tests/data/parquet/`, made by
//! `scripts/make_parquet_fixtures.py`): text, id and URL columns, other columns carried
//! through, the same decisions as the same records in JSON Lines, mixed runs, the catalogue of
//! faults (null text, no text column, bytes that are not UTF-8, a file cut short, a corrupt
//! page) with `--strict`, and the options that reopen inputs (`--memory`, `--index`, shards).

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::util::{run_sharded, Fixture, Outputs};

/// A fixture of `tests/data/parquet/`.
fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/parquet")
        .join(name)
}

/// `pages.jsonl` with the ids renamed (`p01` → `j01`): the same texts under other names.
fn renamed_jsonl(fx: &Fixture, as_name: &str) -> PathBuf {
    let s = std::fs::read_to_string(fixture("pages.jsonl")).unwrap();
    fx.write(as_name, s.replace("\"id\":\"p", "\"id\":\"j"))
}

/// A fixture copied into `fx`'s input directory as `as_name`.
fn copy(fx: &Fixture, name: &str, as_name: &str) -> PathBuf {
    fx.write(as_name, std::fs::read(fixture(name)).unwrap())
}

/// The run's dropped lines as (id, reason, kept_id, error).
fn fates(o: &Outputs) -> Vec<(String, String, Value, Value)> {
    o.dropped
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap().to_owned(),
                d["reason"].as_str().unwrap().to_owned(),
                d["kept_id"].clone(),
                d.get("error").cloned().unwrap_or(Value::Null),
            )
        })
        .collect()
}

/// The dropped line of the document read at `source`.
fn dropped_at<'a>(o: &'a Outputs, source: &str) -> &'a Value {
    o.dropped
        .iter()
        .find(|d| d["source"] == source)
        .unwrap_or_else(|| panic!("no dropped line for {source}: {}", o.dropped_raw))
}

#[test]
fn rows_are_documents_named_path_hash_row() {
    let fx = Fixture::new();
    let p = copy(&fx, "pages.parquet", "pages.parquet");
    let o = fx.dedup_dir(&[]);
    let src = |row: u32| format!("{}#{row}", p.display());
    assert_eq!(o.report["inputs"]["files"], json!({"parquet": 1}));
    assert_eq!(o.report["documents"]["in"], 8);
    // p02 is p01 on a mirror, p03 p04 with one sentence changed, p06 p07 but for a final
    // newline (the copies with a final newline, or a longer sentence, are kept).
    assert_eq!(o.canonical_ids(), ["p01", "p04", "p05", "p07", "p08"]);
    let first = &o.canonical[0];
    assert_eq!(first["canon"]["source"], src(1));
    assert_eq!(first["url"], "https://wiki.example-f.org/a/riverside-walk");
    // Other columns are carried through, in column order, the text replaced.
    let line = o.canonical_raw.lines().next().unwrap();
    let at = |k: &str| line.find(&format!("\"{k}\":")).unwrap();
    let keys = ["id", "url", "text", "n", "ok", "canon"].map(at);
    assert!(keys.is_sorted(), "{line}");
    assert_eq!((&first["n"], &first["ok"]), (&json!(0), &json!(true)));
    let d = dropped_at(&o, &src(2));
    assert_eq!(
        (&d["reason"], &d["kept_id"]),
        (&json!("exact"), &json!("p01"))
    );
    assert_eq!(d["kept_source"], src(1));
    assert_eq!(dropped_at(&o, &src(3))["reason"], "near");
    // The URL column names the site.
    let e = o.explain.iter().find(|e| e["id"] == "p05").unwrap();
    assert_eq!(e["site"], "wiki.example-f.org");
    // A text with quotes, tabs and backslashes comes out as it went in.
    let q = o.canonical.iter().find(|l| l["id"] == "p08").unwrap();
    assert_eq!(q["text"], "He said \"tabs\tand\\slashes\" stay.");
    // canon explain finds a row by its source.
    let out = assert_cmd::Command::cargo_bin("canon")
        .unwrap()
        .args(["explain", "--out"])
        .arg(fx.out())
        .arg(src(2))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("exact duplicate of p01"), "{text}");
}

#[test]
fn columns_of_other_types_are_carried_through_as_json_values() {
    let fx = Fixture::new();
    let p = copy(&fx, "types.parquet", "types.parquet");
    let o = fx.dedup_dir(&[]);
    assert_eq!(o.canonical.len(), 3, "{}", o.dropped_raw);
    let (a, c) = (&o.canonical[0], &o.canonical[2]);
    assert_eq!(a["id"], 101, "an integer id stays a number");
    assert_eq!(a["score"], 0.5);
    assert_eq!(a["fetched"], "2026-03-01T08:30:00Z");
    assert_eq!(a["day"], "2026-03-01");
    assert_eq!(a["tags"], json!(["a", "b"]));
    assert_eq!(a["meta"], json!({"lang": "zh", "len": 3}));
    assert_eq!(a["raw"], "00ff", "binary columns are hex");
    assert_eq!(a["lang"], "zh", "a dictionary column is its values");
    assert_eq!(o.canonical[1]["score"], Value::Null, "nulls are kept");
    assert_eq!(o.canonical[1]["tags"], json!([]));
    // A row without an id is named by its source.
    assert_eq!(c["id"], Value::Null);
    assert_eq!(o.id_of(c), format!("{}#3", p.display()));
}

/// The same records as Parquet (pyarrow, three codecs) and as JSON Lines give the same
/// decisions and the same canonical lines, but for the source.
#[test]
fn same_decisions_as_the_same_records_in_json_lines() {
    let fx = Fixture::new();
    let jsonl = fixture("pages.jsonl");
    let reference = fx.dedup(&[&jsonl], &fx.root().join("ref"), &[]).success();
    let canonical = |o: &Outputs| -> Vec<Value> {
        o.canonical
            .iter()
            .map(|l| {
                let mut l = l.clone();
                l["canon"].as_object_mut().unwrap().remove("source");
                l
            })
            .collect()
    };
    for name in ["pages.parquet", "pages_zstd.parquet", "pages_gzip.parquet"] {
        let out = fx.root().join(name);
        let o = fx.dedup(&[&fixture(name)], &out, &[]).success();
        assert_eq!(fates(&o), fates(&reference), "{name}");
        assert_eq!(canonical(&o), canonical(&reference), "{name}");
        let sim = |o: &Outputs| -> Vec<Value> {
            o.dropped.iter().map(|d| d["similarity"].clone()).collect()
        };
        assert_eq!(sim(&o), sim(&reference), "{name}");
        assert_eq!(
            o.report["documents"], reference.report["documents"],
            "{name}"
        );
    }
}

/// Parquet and JSON Lines in one run are decided together: every JSON line copies a row.
#[test]
fn mixed_inputs_are_decided_together() {
    let fx = Fixture::new();
    copy(&fx, "pages.parquet", "a/pages.parquet");
    renamed_jsonl(&fx, "b/pages.jsonl");
    let o = fx.dedup_dir(&[]);
    assert_eq!(
        o.report["inputs"]["files"],
        json!({"jsonl": 1, "parquet": 1})
    );
    assert_eq!(o.canonical.len(), 5);
    // Each row and its JSON line end in the same canonical document.
    let mut kept = std::collections::HashMap::new();
    for id in o.canonical_ids() {
        kept.insert(id.clone(), id);
    }
    for d in &o.dropped {
        let k = d["kept_id"].as_str().unwrap().to_owned();
        kept.insert(d["id"].as_str().unwrap().to_owned(), k);
    }
    for k in 1..=8 {
        let (p, j) = (format!("p0{k}"), format!("j0{k}"));
        assert_eq!(kept[&p], kept[&j], "{p} and {j}: {}", o.dropped_raw);
    }
}

#[test]
fn faults_are_invalid_records_with_location_and_reason() {
    let fx = Fixture::new();
    for name in [
        "null_text.parquet",
        "no_text.parquet",
        "binary_text.parquet",
        "bad_utf8.parquet",
        "truncated.parquet",
        "corrupt_page.parquet",
    ] {
        copy(&fx, name, name);
    }
    let o = fx.dedup_dir(&[]);
    let at = |name: &str, row: Option<u32>| {
        let p = fx.path(name).display().to_string();
        match row {
            Some(r) => format!("{p}#{r}"),
            None => p,
        }
    };
    let error = |source: String| {
        let d = dropped_at(&o, &source);
        assert_eq!(d["reason"], "invalid", "{source}");
        d["error"].as_str().unwrap().to_owned()
    };
    // A null text, as a JSON null text.
    assert_eq!(
        error(at("null_text.parquet", Some(2))),
        "field `text` is not a string (found null)"
    );
    // No text column: every row, saying which columns there are.
    for row in [1, 2] {
        let e = error(at("no_text.parquet", Some(row)));
        assert!(e.starts_with("missing field `text`"), "{e}");
        assert!(e.contains("id, body"), "{e}");
    }
    // Bytes that are not UTF-8 in a binary text column; the other rows are read.
    let e = error(at("binary_text.parquet", Some(2)));
    assert!(e.contains("not UTF-8") && e.contains("at byte 3"), "{e}");
    // Cut short: no footer, nothing can be read: the file is one unreadable record.
    let e = error(at("truncated.parquet", None));
    assert!(e.contains("not a readable Parquet file"), "{e}");
    // A corrupt page: the rows of its row group, and only those.
    for row in [3, 4] {
        let e = error(at("corrupt_page.parquet", Some(row)));
        assert!(
            e.contains("(row group 2 of 3)") && e.contains("checksum"),
            "{e}"
        );
    }
    // Read: kept, or dropped as a copy (the files share texts).
    let read = |name: &str, row: u32| {
        let s = at(name, Some(row));
        o.canonical.iter().any(|l| l["canon"]["source"] == s)
            || o.dropped
                .iter()
                .any(|d| d["source"] == s && d["reason"] != "invalid")
    };
    for row in [1, 2, 5, 6] {
        assert!(
            read("corrupt_page.parquet", row),
            "{row}: {}",
            o.dropped_raw
        );
    }
    // A string column with bytes that are not UTF-8: that row, the others are read.
    let e = error(at("bad_utf8.parquet", Some(3)));
    assert!(e.contains("row group 1 of 1") && e.contains("UTF-8"), "{e}");
    for row in [1, 2, 4, 5] {
        assert!(read("bad_utf8.parquet", row), "{row}: {}", o.dropped_raw);
    }
    assert_eq!(o.report["documents"]["in"], 3 + 2 + 3 + 5 + 1 + 6);
    assert_eq!(
        o.report["documents"]["dropped"]["invalid"],
        1 + 2 + 1 + 1 + 1 + 2
    );
}

#[test]
fn strict_stops_at_the_first_fault_naming_the_row() {
    for (name, needle) in [
        (
            "null_text.parquet",
            "null_text.parquet#2: field `text` is not a string",
        ),
        ("no_text.parquet", "no_text.parquet#1: missing field `text`"),
        (
            "binary_text.parquet",
            "binary_text.parquet#2: field `text` is not UTF-8",
        ),
        ("truncated.parquet", "not a readable Parquet file"),
        (
            "bad_utf8.parquet",
            "bad_utf8.parquet#3: row could not be read",
        ),
        (
            "corrupt_page.parquet",
            "corrupt_page.parquet#3: row could not be read (row group 2 of 3)",
        ),
    ] {
        let fx = Fixture::new();
        let p = copy(&fx, name, name);
        let o = fx.dedup(&[&p], &fx.out(), &["--strict"]);
        o.failure(1, &[needle]);
        o.assert_no_outputs();
    }
}

/// `--format parquet` reads a file of another name, and standard input.
#[test]
fn format_parquet_forces_the_format_and_reads_standard_input() {
    let fx = Fixture::new();
    let reference = fx
        .dedup(&[&fixture("pages.parquet")], &fx.root().join("ref"), &[])
        .success();
    let p = copy(&fx, "pages.parquet", "dump.bin");
    let o = fx
        .dedup(&[&p], &fx.out(), &["--format", "parquet"])
        .success();
    assert_eq!(fates(&o), fates(&reference));
    let out = fx.root().join("stdin");
    let run = assert_cmd::Command::cargo_bin("canon")
        .unwrap()
        .args(["dedup", "--quiet", "--format", "parquet", "-", "--out"])
        .arg(&out)
        .pipe_stdin(fixture("pages.parquet"))
        .unwrap()
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let o = Outputs::read(&out);
    assert_eq!(fates(&o), fates(&reference));
    assert_eq!(o.canonical[0]["canon"]["source"], "<stdin>#1");
}

/// `--memory` (pages given back, tables spilled) and `--index` (a second night) work on
/// Parquet inputs as on JSON Lines.
#[test]
fn memory_budget_and_index_work_with_parquet() {
    let fx = Fixture::new();
    copy(&fx, "pages.parquet", "pages.parquet");
    copy(&fx, "types.parquet", "types.parquet");
    let plain = fx.dedup_dir(&[]);
    let budget = fx.root().join("budget");
    let o = fx
        .dedup(&[&fx.input()], &budget, &["--memory", "64K"])
        .success();
    assert_eq!(o.canonical_raw, plain.canonical_raw);
    assert_eq!(o.dropped_raw, plain.dropped_raw);

    let state = fx.root().join("state");
    let night1 = fx.root().join("night1");
    let s = state.to_str().unwrap();
    fx.dedup(&[&fixture("pages.parquet")], &night1, &["--index", s])
        .success();
    let night2 = fx.root().join("night2");
    let o = fx
        .dedup(&[&fixture("pages_zstd.parquet")], &night2, &["--index", s])
        .success();
    assert!(o.canonical.is_empty(), "{}", o.canonical_raw);
    let d = &o.dropped[0];
    assert_eq!(
        (&d["reason"], &d["kept_id"]),
        (&json!("exact"), &json!("p01"))
    );
    assert!(d["kept_source"]
        .as_str()
        .unwrap()
        .ends_with("pages.parquet#1"));
}

/// Sharded `sign` / `cluster` / `emit` on Parquet inputs give what `dedup` gives.
#[test]
fn sharded_stages_read_parquet_as_dedup_does() {
    let fx = Fixture::new();
    copy(&fx, "pages.parquet", "a.parquet");
    copy(&fx, "bad_utf8.parquet", "b.parquet");
    renamed_jsonl(&fx, "c.jsonl");
    let reference = fx.dedup_dir(&[]);
    let work = fx.root().join("work");
    let out = fx.root().join("sharded");
    run_sharded(&[&fx.input()], 2, &work, &out, &[]);
    let o = Outputs::read(&out);
    assert_eq!(o.canonical_raw, reference.canonical_raw);
    assert_eq!(o.dropped_raw, reference.dropped_raw);
}
