//! `--output-format parquet`: `canonical.parquet` and `dropped.parquet`, converted from the
//! JSON lines the emit stage wrote ([`convert`]).
//!
//! Why a conversion: for JSON Lines inputs a column's type is known only once every kept row
//! has been seen, and a Parquet file's schema comes first. So the emit stage writes its JSON
//! lines, in input order, to its temporary file as it always does; then the lines are read
//! twice, in a bounded stream: once to infer the columns ([`columns`]), once to decode them
//! with arrow-json in batches of [`BATCH_ROWS`] and write them with arrow-rs's `ArrowWriter`
//! in row groups of at most [`ROW_GROUP_ROWS`] rows or [`ROW_GROUP_BYTES`] bytes, zstd. Memory
//! holds one batch and one row group, never the whole output. The result is a function of the
//! JSON lines, which are the same whatever the thread count and in `canon dedup` and the
//! sharded stages: so is every byte of the Parquet files.

use std::fs::File;
use std::io::{BufRead, BufReader, Seek};
use std::path::Path;
use std::sync::Arc;

use arrow_array::{make_array, ArrayRef, RecordBatch};
use arrow_json::reader::{Decoder, ReaderBuilder};
use arrow_schema::{ArrowError, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use super::columns::{self, Column, Inferred, Members, Mode};
use crate::commit::Outputs;
use crate::config::{Config, OutputFormat};
use crate::error::{Error, Result};
use crate::input::InputFile;
use crate::output::{self, Pending};

/// Rows decoded and handed to the writer at a time.
pub const BATCH_ROWS: usize = 1024;
/// Most rows in one row group.
pub const ROW_GROUP_ROWS: usize = 16 * 1024;
/// Most bytes in one row group, as the writer estimates them encoded (before zstd): 64 MiB.
pub const ROW_GROUP_BYTES: usize = 64 << 20;
/// The zstd level of every column.
const ZSTD_LEVEL: i32 = 3;

/// With `--output-format parquet`, replaces the JSON Lines `canonical` and `dropped` of `outs`
/// with `canonical.parquet` and `dropped.parquet` (still under temporary names); otherwise
/// returns `outs` as it is. `files` are the run's inputs (their Parquet schemas, if every
/// input is a Parquet file of one schema, give the columns their types).
///
/// # Errors
/// The JSON lines cannot be read back, or the Parquet files cannot be written.
pub(crate) fn convert(cfg: &Config, files: &[InputFile], outs: Outputs) -> Result<Outputs> {
    if cfg.run.output_format != OutputFormat::Parquet {
        return Ok(outs);
    }
    let (canonical, dropped) = OutputFormat::Parquet.names();
    let dir = cfg.out.as_path();
    let input = columns::parquet_input_fields(files, &cfg.options.fields);

    let mut src = BufReader::with_capacity(1 << 20, outs.dropped.into_reader()?);
    let cols: Vec<Column> = columns::dropped_fields()
        .into_iter()
        .map(|field| Column {
            field,
            decode_as: None,
            mode: Mode::Raw,
        })
        .collect();
    let dropped = write(dir, &mut src, &cols, false, Pending::create(dir, dropped)?)?;

    let mut src = BufReader::with_capacity(1 << 20, outs.canonical.into_reader()?);
    let inferred = infer(dir, &mut src)?;
    let cols = columns::canonical_columns(input.as_deref(), &inferred);
    let canonical = match write(dir, &mut src, &cols, true, Pending::create(dir, canonical)?) {
        Ok(p) => p,
        // A value the input's type did not take back (a writer's oddity): every column
        // typed from its JSON values instead, which always reads back.
        Err(_) if input.is_some() => {
            let cols = columns::canonical_columns(None, &inferred);
            write(dir, &mut src, &cols, true, Pending::create(dir, canonical)?)?
        }
        Err(e) => return Err(e),
    };
    Ok(Outputs {
        canonical,
        dropped,
        explain: outs.explain,
    })
}

/// Pass 1 over the canonical lines: the kinds of their members.
fn infer(dir: &Path, src: &mut BufReader<File>) -> Result<Inferred> {
    let mut inferred = Inferred::default();
    let mut line = Vec::new();
    while next_line(dir, src, &mut line)? {
        inferred.add(&members(dir, &line)?);
    }
    Ok(inferred)
}

/// Pass 2: the lines of `src` (from its start) decoded into `cols` and written to `out` as
/// Parquet; `rebuild`: each line is first rewritten for the decoder ([`rebuild`]).
fn write(
    dir: &Path,
    src: &mut BufReader<File>,
    cols: &[Column],
    rebuild_lines: bool,
    out: Pending,
) -> Result<Pending> {
    let name = out.name().to_owned();
    let fail = |e: &dyn std::fmt::Display| {
        Error::output(dir.join(&name), std::io::Error::other(e.to_string()))
    };
    src.seek(std::io::SeekFrom::Start(0))
        .map_err(|e| Error::output(dir, e))?;
    let schema: SchemaRef = Arc::new(Schema::new(
        cols.iter().map(|c| c.field.clone()).collect::<Vec<Field>>(),
    ));
    let decode_schema = Schema::new(
        cols.iter()
            .map(|c| match &c.decode_as {
                Some(t) => c.field.clone().with_data_type(t.clone()),
                None => c.field.clone(),
            })
            .collect::<Vec<Field>>(),
    );
    let mut decoder = ReaderBuilder::new(Arc::new(decode_schema))
        .with_batch_size(BATCH_ROWS)
        .build_decoder()
        .map_err(|e| fail(&e))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(ZSTD_LEVEL).map_err(|e| fail(&e))?,
        ))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_max_row_group_bytes(Some(ROW_GROUP_BYTES))
        .build();
    let mut writer =
        ArrowWriter::try_new(out, schema.clone(), Some(props)).map_err(|e| fail(&e))?;
    let (mut line, mut batch, mut rows) = (Vec::new(), Vec::new(), 0usize);
    loop {
        let more = next_line(dir, src, &mut line)?;
        if more {
            if rebuild_lines {
                rebuild(&mut batch, &members(dir, &line)?, cols);
            } else {
                batch.extend_from_slice(&line);
            }
            rows += 1;
        }
        if rows == BATCH_ROWS || (!more && rows > 0) {
            let b = decode(&mut decoder, &batch, &schema, cols).map_err(|e| fail(&e))?;
            writer.write(&b).map_err(|e| fail(&e))?;
            batch.clear();
            rows = 0;
        }
        if !more {
            break;
        }
    }
    writer.into_inner().map_err(|e| fail(&e))
}

/// Decodes whole JSON lines into one record batch of `schema`.
fn decode(
    decoder: &mut Decoder,
    mut buf: &[u8],
    schema: &SchemaRef,
    cols: &[Column],
) -> std::result::Result<RecordBatch, ArrowError> {
    while !buf.is_empty() {
        let n = decoder.decode(buf)?;
        buf = &buf[n..];
        if n == 0 {
            return Err(ArrowError::JsonError("the decoder took no bytes".into()));
        }
    }
    let b = decoder
        .flush()?
        .ok_or_else(|| ArrowError::JsonError("no rows".into()))?;
    // Decoded with an offset for a zone: the same instants, labelled with the zone.
    let columns: Vec<ArrayRef> = b
        .columns()
        .iter()
        .zip(cols)
        .map(|(a, c)| match c.decode_as {
            Some(_) => Ok(make_array(
                a.to_data()
                    .into_builder()
                    .data_type(c.field.data_type().clone())
                    .build()?,
            )),
            None => Ok(a.clone()),
        })
        .collect::<std::result::Result<_, ArrowError>>()?;
    RecordBatch::try_new(schema.clone(), columns)
}

/// Reads the next line (with its newline) into `line`; `false` at the end.
fn next_line(dir: &Path, src: &mut BufReader<File>, line: &mut Vec<u8>) -> Result<bool> {
    line.clear();
    let n = src
        .read_until(b'\n', line)
        .map_err(|e| Error::output(dir, e))?;
    Ok(n > 0)
}

/// A canonical line's members (every line canon writes is a JSON object).
fn members<'a>(dir: &Path, line: &'a [u8]) -> Result<Members<'a>> {
    serde_json::from_slice(line).map_err(|e| {
        Error::output(
            dir,
            std::io::Error::other(format!("a canonical line does not read back: {e}")),
        )
    })
}

/// Appends one line for the decoder: the members of `cols` (the last of a repeated name, as
/// JSON readers take it), JSON-text columns as strings of their JSON, and the `canon` object
/// with `removed.passage_paragraphs` written out when JSON left it out as 0.
fn rebuild(out: &mut Vec<u8>, m: &Members, cols: &[Column]) {
    out.push(b'{');
    let mut first = true;
    for (i, (k, v)) in m.0.iter().enumerate() {
        if m.0[i + 1..].iter().any(|(later, _)| later == k) {
            continue;
        }
        let Some(c) = cols.iter().find(|c| c.field.name() == k) else {
            continue;
        };
        if !first {
            out.push(b',');
        }
        first = false;
        output::json_string(out, k);
        out.push(b':');
        let raw = v.get();
        match c.mode {
            Mode::JsonText if raw != "null" => output::json_string(out, raw),
            // `removed` is the last member, and holds only numbers.
            Mode::Canon if !removed_has_passages(raw) => {
                // `{..."removed":{...}}`: the count goes before the two closing braces.
                let cut = raw.len() - 2;
                out.extend_from_slice(&raw.as_bytes()[..cut]);
                out.extend_from_slice(b",\"passage_paragraphs\":0}}");
            }
            _ => out.extend_from_slice(raw.as_bytes()),
        }
    }
    out.extend_from_slice(b"}\n");
}

/// Whether the `removed` object (the last member of a `canon` object) has its
/// `passage_paragraphs`.
fn removed_has_passages(canon: &str) -> bool {
    canon
        .rfind("\"removed\":{")
        .is_some_and(|at| canon[at..].contains("\"passage_paragraphs\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(names: &[(&str, Mode)]) -> Vec<Column> {
        names
            .iter()
            .map(|&(n, mode)| Column {
                field: Field::new(n, arrow_schema::DataType::Utf8, true),
                decode_as: None,
                mode,
            })
            .collect()
    }

    #[test]
    fn rebuild_keeps_the_last_of_a_repeated_member_and_writes_json_text() {
        let line = br#"{"id":"a","x":1,"meta":{"k":[1, 2]},"x":2,"n":null,"canon":{"source":"s","cluster_size":1,"duplicates":[],"removed":{"repeated_paragraphs":0,"repeated_chars":0,"boilerplate_paragraphs":0}}}"#;
        let m: Members = serde_json::from_slice(line).unwrap();
        let c = cols(&[
            ("id", Mode::Raw),
            ("x", Mode::Raw),
            ("meta", Mode::JsonText),
            ("n", Mode::JsonText),
            ("canon", Mode::Canon),
        ]);
        let mut out = Vec::new();
        rebuild(&mut out, &m, &c);
        let s = String::from_utf8(out).unwrap();
        assert_eq!(
            s,
            concat!(
                r#"{"id":"a","meta":"{\"k\":[1, 2]}","x":2,"n":null,"canon":{"source":"s","#,
                r#""cluster_size":1,"duplicates":[],"removed":{"repeated_paragraphs":0,"#,
                r#""repeated_chars":0,"boilerplate_paragraphs":0,"passage_paragraphs":0}}}"#,
                "\n"
            )
        );
    }

    #[test]
    fn passage_count_is_left_as_written() {
        let canon = r#"{"source":"s","cluster_size":1,"duplicates":["\"passage_paragraphs\":"],"removed":{"repeated_paragraphs":0,"repeated_chars":0,"boilerplate_paragraphs":0,"passage_paragraphs":3}}"#;
        assert!(removed_has_passages(canon));
        let without = r#"{"source":"\"removed\":{","cluster_size":1,"duplicates":["\"passage_paragraphs\""],"removed":{"repeated_paragraphs":0,"repeated_chars":0,"boilerplate_paragraphs":0}}"#;
        assert!(!removed_has_passages(without));
    }
}
