//! `--output-format parquet`: `canonical.parquet` and `dropped.parquet` read back with the
//! parquet crate hold the same rows as the JSON Lines outputs of the same run (row for row),
//! with column types from the JSON values (agreeing or not) or kept from Parquet inputs; the
//! manifest lists them; the bytes do not depend on threads, `--memory` or sharding; an unknown
//! format is refused.

use std::path::{Path, PathBuf};

use std::sync::Arc;

use arrow_array::{make_array, RecordBatch, RecordBatchReader};
use arrow_schema::{DataType, Schema, SchemaRef, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::{json, Map, Value};

use crate::util::{run_args, run_sharded, Fixture, Outputs};

/// A fixture of `tests/data/parquet/`, written by pyarrow.
fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/parquet")
        .join(name)
}

/// The repository's sample dumps (JSON Lines, WET, text pages, compressed, one Parquet file).
fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// A Parquet file's schema and rows, each row as JSON (arrow-json's writer: nulls left out,
/// binary as hex, timestamps as strings).
fn read_parquet(path: &Path) -> (SchemaRef, Vec<Value>) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let schema = reader.schema();
    let mut w = arrow_json::LineDelimitedWriter::new(Vec::new());
    for b in reader {
        w.write(&utc_as_offset(b.unwrap())).unwrap();
    }
    w.finish().unwrap();
    let text = String::from_utf8(w.into_inner()).unwrap();
    let rows = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (schema, rows)
}

/// `b` with its zoned timestamp columns labelled `+00:00` (the same instants): arrow-json
/// without a time zone database formats offsets, not zone names.
fn utc_as_offset(b: RecordBatch) -> RecordBatch {
    let mut fields = Vec::new();
    let mut columns = Vec::new();
    for (f, c) in b.schema().fields().iter().zip(b.columns()) {
        match f.data_type() {
            DataType::Timestamp(unit, Some(_)) => {
                let t = DataType::Timestamp(*unit, Some("+00:00".into()));
                let data = c.to_data().into_builder().data_type(t.clone()).build();
                columns.push(make_array(data.unwrap()));
                fields.push(f.as_ref().clone().with_data_type(t));
            }
            _ => {
                columns.push(c.clone());
                fields.push(f.as_ref().clone());
            }
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
}

/// `v` without null members, and with a `canon` object's `passage_paragraphs` made explicit
/// (JSON Lines leave a 0 out; the Parquet struct always has it).
fn normalized(v: &Value) -> Value {
    let mut m: Map<String, Value> = v
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, x)| !x.is_null())
        .map(|(k, x)| (k.clone(), x.clone()))
        .collect();
    if let Some(removed) = m.get_mut("canon").and_then(|c| c.get_mut("removed")) {
        let r = removed.as_object_mut().unwrap();
        r.entry("passage_paragraphs").or_insert(json!(0));
    }
    Value::Object(m)
}

/// Asserts that a Parquet row holds the JSON line's members: equal, or (a JSON-text column)
/// a string holding the value's JSON.
#[track_caller]
fn assert_row_matches(row: &Value, line: &Value, at: usize) {
    let (row, line) = (normalized(row), normalized(line));
    let (r, l) = (row.as_object().unwrap(), line.as_object().unwrap());
    assert_eq!(
        r.keys().collect::<Vec<_>>(),
        l.keys().collect::<Vec<_>>(),
        "row {at}: members"
    );
    for (k, want) in l {
        let got = &r[k];
        let same = got == want
            || (got.is_number() && got.as_f64() == want.as_f64())
            || got
                .as_str()
                .and_then(|s| serde_json::from_str::<Value>(s).ok())
                .is_some_and(|v| &v == want);
        assert!(same, "row {at}, {k}: parquet {got} vs json {want}");
    }
}

/// Runs `canon dedup` on `inputs` in both formats (into `out-jsonl`, `out-parquet`); returns
/// the JSON Lines outputs and the Parquet output directory.
fn both(fx: &Fixture, inputs: &[&Path], extra: &[&str]) -> (Outputs, PathBuf) {
    let j = fx.root().join("out-jsonl");
    let p = fx.root().join("out-parquet");
    let jsonl = fx.dedup(inputs, &j, extra).success();
    let mut args = extra.to_vec();
    args.extend(["--output-format", "parquet"]);
    let o = fx.dedup(inputs, &p, &args);
    assert_eq!(o.code, 0, "{}", o.stderr);
    (jsonl, p)
}

/// Asserts that the Parquet files in `dir` hold the rows of `jsonl`, row for row.
#[track_caller]
fn assert_same_rows(jsonl: &Outputs, dir: &Path) {
    let (_, canonical) = read_parquet(&dir.join("canonical.parquet"));
    assert_eq!(canonical.len(), jsonl.canonical.len(), "canonical rows");
    for (i, (row, line)) in canonical.iter().zip(&jsonl.canonical).enumerate() {
        assert_row_matches(row, line, i + 1);
        // The canonical text, exactly the string of the JSON output.
        assert_eq!(row["text"], line["text"], "row {}: text", i + 1);
    }
    let (_, dropped) = read_parquet(&dir.join("dropped.parquet"));
    assert_eq!(dropped.len(), jsonl.dropped.len(), "dropped rows");
    for (i, (row, line)) in dropped.iter().zip(&jsonl.dropped).enumerate() {
        assert_eq!(normalized(row), normalized(line), "dropped row {}", i + 1);
    }
}

#[test]
fn the_same_rows_as_the_json_lines_outputs() {
    let fx = Fixture::new();
    let (jsonl, dir) = both(&fx, &[&data()], &[]);
    assert!(jsonl.canonical.len() > 20 && jsonl.dropped.len() > 20);
    assert_same_rows(&jsonl, &dir);
    // The other outputs are those of a JSON Lines run.
    for f in ["boilerplate.jsonl", "report.json"] {
        let a = std::fs::read(fx.root().join("out-jsonl").join(f)).unwrap();
        let b = std::fs::read(dir.join(f)).unwrap();
        if f == "report.json" {
            let strip = |b: &[u8]| {
                let mut v: Value = serde_json::from_slice(b).unwrap();
                v.as_object_mut().unwrap().remove("run");
                v
            };
            assert_eq!(strip(&a), strip(&b), "{f}");
        } else {
            assert!(a == b, "{f} differs");
        }
    }
    assert!(!dir.join("canonical.jsonl").exists() && !dir.join("dropped.jsonl").exists());
    // Canon members, for one document folded from others.
    let (schema, rows) = read_parquet(&dir.join("canonical.parquet"));
    let canon = schema.field_with_name("canon").unwrap();
    let DataType::Struct(members) = canon.data_type() else {
        panic!("canon is {}", canon.data_type())
    };
    let names: Vec<&str> = members.iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, ["source", "cluster_size", "duplicates", "removed"]);
    let folded = rows
        .iter()
        .find(|r| r["canon"]["cluster_size"].as_u64() > Some(1))
        .expect("a cluster");
    assert!(!folded["canon"]["duplicates"].as_array().unwrap().is_empty());
}

#[test]
fn manifest_lists_the_parquet_files_and_a_format_switch_removes_the_old_files() {
    let fx = Fixture::new();
    let out = fx.out();
    fx.dedup(&[&data()], &out, &[]).success();
    assert!(out.join("canonical.jsonl").exists());
    let o = fx.dedup(&[&data()], &out, &["--output-format", "parquet"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(!out.join("canonical.jsonl").exists() && !out.join("dropped.jsonl").exists());
    let m: Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let names: Vec<&str> = m["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "canonical.parquet",
            "dropped.parquet",
            "explain.jsonl.zst",
            "boilerplate.jsonl",
            "report.json",
            "report.html"
        ]
    );
    for entry in m["outputs"].as_array().unwrap() {
        let bytes = std::fs::read(out.join(entry["name"].as_str().unwrap())).unwrap();
        assert_eq!(entry["bytes"], bytes.len() as u64);
        let hash = format!("{:032x}", xxhash_rust::xxh3::xxh3_128(&bytes));
        assert_eq!(entry["xxh3_128"], hash.as_str());
    }
    crate::util::assert_no_temp_files(&out);
    // And back: JSON Lines again, the Parquet files gone.
    fx.dedup(&[&data()], &out, &[]).success();
    assert!(!out.join("canonical.parquet").exists() && !out.join("dropped.parquet").exists());
}

#[test]
fn json_lines_columns_typed_where_their_values_agree() {
    let fx = Fixture::new();
    // Members in this order (json! would sort them); the last integer is beyond i64.
    let body = concat!(
        r#"{"id":"a1","text":"The river walk opens this week with benches.","n":1,"#,
        r#""score":0.5,"ok":true,"tags":["x"],"meta":{"k":1},"v":1,"mix":2,"big":1}"#,
        "\n",
        r#"{"id":"a2","text":"A night market returns to the harbour front.","n":2,"#,
        r#""score":1,"ok":false,"tags":[],"meta":null,"v":"one","mix":2.5}"#,
        "\n",
        r#"{"id":"a3","text":"Library hours are longer on weekends now.","n":null,"#,
        r#""score":2.25,"v":[1],"mix":3,"big":123456789012345678901234}"#,
        "\n"
    );
    let input = fx.write("a.jsonl", body);
    let (jsonl, dir) = both(&fx, &[&input], &[]);
    assert_eq!(jsonl.canonical.len(), 3);
    assert_same_rows(&jsonl, &dir);
    let (schema, rows) = read_parquet(&dir.join("canonical.parquet"));
    let types: Vec<(&str, &DataType)> = schema
        .fields()
        .iter()
        .map(|f| (f.name().as_str(), f.data_type()))
        .filter(|(n, _)| *n != "canon")
        .collect();
    use DataType as D;
    assert_eq!(
        types,
        [
            ("id", &D::Utf8),
            ("text", &D::Utf8),
            ("n", &D::Int64),
            ("score", &D::Float64),
            ("ok", &D::Boolean),
            ("tags", &D::Utf8),
            ("meta", &D::Utf8),
            ("v", &D::Utf8),
            ("mix", &D::Float64),
            ("big", &D::Utf8),
        ]
    );
    assert_eq!(schema.fields().last().unwrap().name(), "canon");
    // JSON text where the values are objects, arrays or disagree; nulls stay null.
    assert_eq!(rows[0]["tags"], "[\"x\"]");
    assert_eq!(rows[0]["meta"], "{\"k\":1}");
    assert!(rows[1].get("meta").is_none());
    assert_eq!(rows[0]["v"], "1");
    assert_eq!(rows[1]["v"], "\"one\"");
    assert_eq!(rows[2]["v"], "[1]");
    assert_eq!(rows[2]["big"], "123456789012345678901234");
    assert_eq!(rows[1]["mix"], 2.5);
    assert_eq!(rows[0]["n"], 1);
    assert!(rows[2].get("n").is_none());
}

#[test]
fn parquet_inputs_keep_their_column_types() {
    let fx = Fixture::new();
    let input = fx.write(
        "types.parquet",
        std::fs::read(fixture("types.parquet")).unwrap(),
    );
    let (jsonl, dir) = both(&fx, &[&input], &[]);
    assert_same_rows(&jsonl, &dir);
    let (schema, rows) = read_parquet(&dir.join("canonical.parquet"));
    let ty = |n: &str| schema.field_with_name(n).unwrap().data_type().clone();
    use DataType as D;
    assert_eq!(ty("id"), D::Int64);
    assert_eq!(ty("text"), D::Utf8);
    assert_eq!(ty("score"), D::Float64);
    assert!(
        matches!(ty("fetched"), D::Timestamp(TimeUnit::Millisecond, Some(ref z)) if &**z == "UTC"),
        "fetched: {}",
        ty("fetched")
    );
    assert_eq!(ty("day"), D::Date32);
    assert!(matches!(ty("tags"), D::List(ref f) if f.data_type() == &D::Utf8));
    let D::Struct(meta) = ty("meta") else {
        panic!("meta: {}", ty("meta"))
    };
    assert_eq!(meta[0].data_type(), &D::Utf8);
    assert_eq!(meta[1].data_type(), &D::Int32);
    assert_eq!(ty("raw"), D::Binary);
    assert_eq!(ty("lang"), D::Utf8);
    // Real values: the integer id, the instant, the bytes.
    let first = rows.iter().find(|r| r["id"] == 101).expect("row 101");
    assert_eq!(first["raw"], "00ff");
    assert_eq!(first["day"], "2026-03-01");
    assert!(first["fetched"]
        .as_str()
        .unwrap()
        .starts_with("2026-03-01T08:30:00"));
    assert_eq!(first["meta"], json!({"lang": "zh", "len": 3}));
    assert_eq!(first["tags"], json!(["a", "b"]));

    // pages.parquet: int64 and boolean columns beside the strings.
    let fx = Fixture::new();
    let input = fx.write(
        "pages.parquet",
        std::fs::read(fixture("pages.parquet")).unwrap(),
    );
    let (jsonl, dir) = both(&fx, &[&input], &[]);
    assert_same_rows(&jsonl, &dir);
    let (schema, _) = read_parquet(&dir.join("canonical.parquet"));
    let names: Vec<(&str, &DataType)> = schema
        .fields()
        .iter()
        .map(|f| (f.name().as_str(), f.data_type()))
        .take(5)
        .collect();
    assert_eq!(
        names,
        [
            ("id", &D::Utf8),
            ("url", &D::Utf8),
            ("text", &D::Utf8),
            ("n", &D::Int64),
            ("ok", &D::Boolean)
        ]
    );
}

#[test]
fn parquet_and_json_lines_inputs_together_are_typed_from_the_values() {
    let fx = Fixture::new();
    let a = fx.write(
        "a.parquet",
        std::fs::read(fixture("types.parquet")).unwrap(),
    );
    let b = fx.write(
        "b.jsonl",
        "{\"id\":\"j1\",\"text\":\"A separate page about harbour ferries and timetables.\"}\n",
    );
    let (jsonl, dir) = both(&fx, &[&a, &b], &[]);
    assert_same_rows(&jsonl, &dir);
    let (schema, _) = read_parquet(&dir.join("canonical.parquet"));
    // An integer id and a string id: JSON text; a timestamp: its string.
    let ty = |n: &str| schema.field_with_name(n).unwrap().data_type().clone();
    assert_eq!(ty("id"), DataType::Utf8);
    assert_eq!(ty("fetched"), DataType::Utf8);
}

#[test]
fn threads_memory_and_index_do_not_change_the_bytes() {
    let fx = Fixture::new();
    let types = fx.write(
        "t/types.parquet",
        std::fs::read(fixture("types.parquet")).unwrap(),
    );
    let run = |name: &str, extra: &[&str]| {
        let out = fx.root().join(name);
        let mut args = vec!["--output-format", "parquet"];
        args.extend_from_slice(extra);
        let o = fx.dedup(&[&data(), &types], &out, &args);
        assert_eq!(o.code, 0, "{name}: {}", o.stderr);
        (
            std::fs::read(out.join("canonical.parquet")).unwrap(),
            std::fs::read(out.join("dropped.parquet")).unwrap(),
        )
    };
    let one = run("j1", &["-j", "1"]);
    assert!(one == run("j2", &["-j", "2"]), "threads 1 and 2 differ");
    assert!(
        one == run("mem", &["-j", "2", "--memory", "64M"]),
        "--memory differs"
    );
    let state = fx.root().join("state");
    let state = state.to_str().unwrap();
    assert!(one == run("ix", &["--index", state]), "--index differs");
    // A second night against that index: every document is folded into a published one.
    let out = fx.root().join("ix2");
    let o = fx.dedup(
        &[&data(), &types],
        &out,
        &["--output-format", "parquet", "--index", state],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (_, canonical) = read_parquet(&out.join("canonical.parquet"));
    assert!(canonical.is_empty(), "night 2 kept {}", canonical.len());
}

#[test]
fn an_index_reads_published_texts_back_from_canonical_parquet() {
    // Night 1 publishes p03; night 2's p04 is a near copy of it, verified on p03's text read
    // back from night 1's canonical output: the same similarity whichever format that was.
    let fx = Fixture::new();
    let lines = std::fs::read_to_string(fixture("pages.jsonl")).unwrap();
    let (n2, n1): (Vec<&str>, Vec<&str>) = lines.lines().partition(|l| l.contains("\"p04\""));
    let night1 = fx.write("n1/a.jsonl", n1.join("\n") + "\n");
    let night2 = fx.write("n2/b.jsonl", n2.join("\n") + "\n");
    let mut dropped = Vec::new();
    for format in ["jsonl", "parquet"] {
        let state = fx.root().join(format!("state-{format}"));
        let state = state.to_str().unwrap();
        for (night, input) in [(1, &night1), (2, &night2)] {
            let out = fx.root().join(format!("{format}-{night}"));
            let args = ["--output-format", format, "--index", state];
            let o = fx.dedup(&[input], &out, &args);
            assert_eq!(o.code, 0, "{}", o.stderr);
        }
        let out = fx.root().join(format!("{format}-2"));
        let rows = if format == "jsonl" {
            Outputs::read(&out).dropped
        } else {
            read_parquet(&out.join("dropped.parquet")).1
        };
        dropped.push(rows.iter().map(normalized).collect::<Vec<_>>());
    }
    assert_eq!(dropped[0].len(), 1);
    assert_eq!(dropped[0][0]["reason"], "near");
    assert_eq!(dropped[0][0]["kept_id"], "p03");
    assert_eq!(dropped[0], dropped[1]);
}

#[test]
fn sharded_emit_assembles_the_same_files_as_dedup() {
    let fx = Fixture::new();
    let reference = fx.root().join("ref");
    let d = data();
    let o = fx.dedup(&[&d], &reference, &["--output-format", "parquet"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let n = 3;
    let work = fx.root().join("work");
    let out = fx.root().join("out");
    run_sharded(&[&d], n, &work, &out, &["--output-format", "parquet"]);
    for f in ["canonical.parquet", "dropped.parquet", "boilerplate.jsonl"] {
        assert!(
            std::fs::read(reference.join(f)).unwrap() == std::fs::read(out.join(f)).unwrap(),
            "{f} differs from dedup's"
        );
    }
    assert!(!out.join("canonical.jsonl").exists());
}

#[test]
fn an_unknown_output_format_is_refused() {
    let fx = Fixture::new();
    let input = fx.write("a.jsonl", "{\"id\":\"a\",\"text\":\"x\"}\n");
    let out = fx.out();
    let o = run_args(&[
        "dedup",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--output-format",
        "csv",
    ]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("canon: error: invalid value 'csv' for '--output-format <FORMAT>'")
            && o.stderr.contains("[possible values: jsonl, parquet]"),
        "{}",
        o.stderr
    );
    assert!(!out.exists());
}

#[test]
fn written_in_row_groups_of_at_most_16384_rows() {
    let fx = Fixture::new();
    let n = 20_000;
    let body: String = (0..n)
        .map(|i| {
            format!(
                "{{\"id\":\"d{i}\",\"text\":\"Document number {i} is {:x}.\"}}\n",
                i * 7919
            )
        })
        .collect();
    let input = fx.write("many.jsonl", body);
    let out = fx.out();
    let o = fx.dedup(
        &[&input],
        &out,
        &["--no-near", "--output-format", "parquet"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let path = out.join("canonical.parquet");
    let f = std::fs::File::open(&path).unwrap();
    let reader = parquet::file::reader::SerializedFileReader::new(f).unwrap();
    use parquet::file::reader::FileReader;
    let groups: Vec<i64> = (0..reader.num_row_groups())
        .map(|g| reader.metadata().row_group(g).num_rows())
        .collect();
    assert_eq!(groups, [16_384, n - 16_384]);
    let codec = reader.metadata().row_group(0).column(0).compression();
    assert!(
        matches!(codec, parquet::basic::Compression::ZSTD(_)),
        "{codec:?}"
    );
    let (_, rows) = read_parquet(&path);
    assert_eq!(rows.len(), n as usize);
    assert!(rows
        .iter()
        .enumerate()
        .all(|(i, r)| r["id"] == format!("d{i}")));
}
