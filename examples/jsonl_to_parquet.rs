//! Converts a JSON Lines corpus into a Parquet file of the same records, for the Parquet run of
//! `make bench-corpus`: `cargo run --release --example jsonl_to_parquet -- IN.jsonl OUT.parquet`.
//!
//! The columns are the members of the first line, sorted by name, as strings (the generated corpus
//! has `id`, `url`, `site`, `text`); lines that are not JSON objects are left out (counted).
//! Rows are written in row groups of 4,096 rows, snappy-compressed (what most published
//! Parquet dumps use), with arrow-rs's writer (arrow-json's decoder builds the batches). The
//! file is written under a temporary name and renamed when complete.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::sync::Arc;

use arrow_json::reader::ReaderBuilder;
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use serde_json::{Map, Value};

/// Rows per row group.
const ROW_GROUP_ROWS: usize = 4096;

fn main() {
    let mut args = std::env::args().skip(1);
    let (input, output) = match (args.next(), args.next()) {
        (Some(i), Some(o)) => (i, o),
        _ => {
            eprintln!("usage: jsonl_to_parquet IN.jsonl OUT.parquet");
            std::process::exit(2);
        }
    };
    let reader = BufReader::with_capacity(1 << 20, File::open(&input).expect("readable input"));
    let mut lines = reader.split(b'\n');
    // The columns: the members of the first line, as strings.
    let mut first: Option<Map<String, Value>> = None;
    let mut skipped = 0;
    for line in lines.by_ref() {
        match serde_json::from_slice(&line.expect("readable input")) {
            Ok(m) => {
                first = Some(m);
                break;
            }
            Err(_) => skipped += 1,
        }
    }
    let first = first.expect("a JSON object line");
    let schema = Arc::new(Schema::new(
        first
            .keys()
            .map(|k| Field::new(k, DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ));
    let mut decoder = ReaderBuilder::new(schema.clone())
        .with_batch_size(ROW_GROUP_ROWS)
        .with_coerce_primitive(true)
        .build_decoder()
        .expect("a JSON decoder");
    let tmp = format!("{output}.tmp");
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .build();
    let file = File::create(&tmp).expect("writable output");
    let mut writer = ArrowWriter::try_new(file, schema, Some(props)).expect("a Parquet writer");
    let mut rows = vec![Value::Object(first)];
    let mut total = 0;
    let mut flush = |rows: &mut Vec<Value>, writer: &mut ArrowWriter<File>| {
        decoder.serialize(rows).expect("rows of the schema");
        if let Some(batch) = decoder.flush().expect("a batch") {
            total += batch.num_rows();
            writer.write(&batch).expect("written");
        }
        rows.clear();
    };
    for line in lines {
        // Lines that are not JSON objects (the generated corpus has a few damaged ones) are
        // left out: a Parquet row holds a record.
        match serde_json::from_slice::<Map<String, Value>>(&line.expect("readable input")) {
            Ok(m) => rows.push(Value::Object(m)),
            Err(_) => skipped += 1,
        }
        if rows.len() == ROW_GROUP_ROWS {
            flush(&mut rows, &mut writer);
        }
    }
    flush(&mut rows, &mut writer);
    writer.close().expect("closed");
    std::fs::rename(&tmp, &output).expect("renamed");
    println!("{output}: {total} rows ({skipped} lines that are not JSON objects left out)");
}
