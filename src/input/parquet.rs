//! Parquet inputs: read once with the Apache Arrow project's reader (the `parquet` crate) and
//! converted into JSON Lines in an unnamed temporary file, one row per line, so that every
//! later stage reads a Parquet row as it reads a JSON line. Part of opening (read stage).
//!
//! Row `r` (1-based) is line `r` of the converted data and is named `path#r`. Row groups are
//! converted in parallel and written in order, so the converted data depends on the file
//! only. Rows that cannot be represented (a text that is not UTF-8, a row group that cannot be
//! decoded) are still written, as a line, and listed in [`RowErrors`] with the reason.

use std::io::{self, Write};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{
    Array, BinaryArray, LargeBinaryArray, LargeStringArray, RecordBatch, StringArray,
};
use arrow_json::writer::{make_encoder, EncoderOptions, NullableEncoder};
use arrow_schema::{DataType, Field, FieldRef, Schema};
use bytes::Bytes;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection,
    RowSelector,
};
use rayon::prelude::*;

use super::jsonl::Fields;
use crate::error::{Error, Result};

/// Rows of a converted Parquet file that are invalid records, with the reason: 1-based row
/// ranges, sorted and disjoint (a missing text column or a damaged row group is one range).
#[derive(Debug, Default, Clone)]
pub struct RowErrors {
    ranges: Vec<(Range<u64>, Arc<str>)>,
}

impl RowErrors {
    /// Why row `row` (1-based) cannot be read, if it cannot.
    pub fn get(&self, row: u64) -> Option<&str> {
        let i = self.ranges.partition_point(|(r, _)| r.end <= row);
        self.ranges
            .get(i)
            .filter(|(r, _)| r.contains(&row))
            .map(|(_, m)| &**m)
    }

    /// Whether no row is listed.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    fn push(&mut self, rows: Range<u64>, msg: impl Into<Arc<str>>) {
        if !rows.is_empty() {
            self.ranges.push((rows, msg.into()));
        }
    }
}

/// The converted form of a Parquet file.
pub struct Converted {
    /// JSON Lines, one line per row, in an unnamed temporary file (the opener maps it).
    pub file: std::fs::File,
    /// Rows that are invalid records.
    pub errors: RowErrors,
}

/// Rows decoded at a time (a batch of 1024 web pages is a few megabytes).
const BATCH_ROWS: usize = 1024;

/// Rows of one row group read again one at a time and still unreadable, after which the rest
/// of the row group is listed as unreadable at once (a row group of corrupt pages would
/// otherwise be decoded again for every row).
const MAX_BAD_ROWS: usize = 64;

/// How a top-level column is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    /// The `--text-field` column, read as bytes: a JSON string if UTF-8, else the row is invalid.
    Text,
    /// A string column (or the id or URL column, even if binary), read as bytes: a JSON string
    /// with the bytes as they are (invalid UTF-8 is then replaced like a JSON line's).
    Str,
    /// A binary column: a JSON string of hex digits (as arrow-json writes binary).
    Hex,
    /// Any other type: the JSON value arrow-json writes (numbers, booleans, lists, structs,
    /// maps; dates, times and timestamps as strings).
    Other,
}

/// Converts the Parquet file `bytes` (read from `path`) into JSON Lines in a temporary file in
/// `tmp_dir`.
///
/// # Errors
/// The file is not a readable Parquet file (no footer: cut short, or not Parquet) — an input
/// error, the file is then unreadable — or the temporary file cannot be written (an output
/// error).
pub fn convert(bytes: Bytes, path: &Path, fields: &Fields, tmp_dir: &Path) -> Result<Converted> {
    let bad = |e: &dyn std::fmt::Display| {
        Error::io(
            path,
            io::Error::other(format!(
                "not a readable Parquet file (cut short, or not Parquet): {e}"
            )),
        )
    };
    // The schema as Parquet types give it (not the Arrow schema a writer may have stored),
    // with 64-bit offsets for byte arrays (a batch of long pages may pass 2 GiB).
    let meta = ArrowReaderMetadata::load(&bytes, plain_options()).map_err(|e| bad(&e))?;
    let mut kinds = Vec::new();
    let mut hinted: Vec<FieldRef> = Vec::new();
    for f in meta.schema().fields() {
        let name = f.name();
        let key = name == &fields.text || name == &fields.id || name == &fields.url;
        let (kind, ty) = match f.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Binary | DataType::LargeBinary => {
                let string = matches!(f.data_type(), DataType::Utf8 | DataType::LargeUtf8);
                let kind = if name == &fields.text {
                    Col::Text
                } else if string || key {
                    Col::Str
                } else {
                    Col::Hex
                };
                let ty = if string {
                    DataType::LargeUtf8
                } else {
                    DataType::LargeBinary
                };
                (kind, ty)
            }
            t => (Col::Other, utc_as_offset(t)),
        };
        kinds.push(kind);
        hinted.push(Arc::new(Field::new(name, ty, f.is_nullable())));
    }
    let schema = Arc::new(Schema::new(hinted));
    // (Should the reader refuse the hints, the types it chose are read as they are.)
    let meta = ArrowReaderMetadata::try_new(
        meta.metadata().clone(),
        ArrowReaderOptions::new().with_schema(schema),
    )
    .or_else(|_| ArrowReaderMetadata::try_new(meta.metadata().clone(), plain_options()))
    .map_err(|e| bad(&e))?;
    let names: Vec<Vec<u8>> = meta
        .schema()
        .fields()
        .iter()
        .map(|f| {
            let mut k = serde_json::to_vec(f.name()).unwrap_or_default();
            k.push(b':');
            k
        })
        .collect();

    let groups = meta.metadata().row_groups();
    let mut first_row = Vec::with_capacity(groups.len());
    let mut rows = 0u64;
    for g in groups {
        first_row.push(rows + 1);
        rows += g.num_rows().max(0) as u64;
    }
    let mut errors = RowErrors::default();
    if !kinds.contains(&Col::Text) {
        let columns: Vec<&str> = meta
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        errors.push(
            1..rows + 1,
            format!(
                "missing field `{}` (no such column; the file's columns: {})",
                fields.text,
                columns.join(", ")
            ),
        );
    }

    let tmp = tempfile::tempfile_in(tmp_dir).map_err(|e| Error::output(tmp_dir, e))?;
    let mut out = io::BufWriter::with_capacity(1 << 20, tmp);
    let conv = Conversion {
        bytes: &bytes,
        meta: &meta,
        kinds: &kinds,
        names: &names,
        text_field: &fields.text,
    };
    // Row groups in parallel, a window of them at a time, written in order: memory holds one
    // converted row group per thread.
    let window = rayon::current_num_threads().max(1);
    let all: Vec<usize> = (0..groups.len()).collect();
    for win in all.chunks(window) {
        let parts: Vec<Group> = win
            .par_iter()
            .map(|&g| conv.group(g, first_row[g], groups.len()))
            .collect();
        for part in parts {
            out.write_all(&part.lines)
                .map_err(|e| Error::output(tmp_dir, e))?;
            for (rows, msg) in part.errors.ranges {
                errors.ranges.push((rows, msg));
            }
        }
    }
    errors.ranges.sort_by_key(|(r, _)| r.start);
    // A missing column covers every row: row-level reasons inside it add nothing.
    let mut merged: Vec<(Range<u64>, Arc<str>)> = Vec::with_capacity(errors.ranges.len());
    for (r, m) in errors.ranges {
        match merged.last() {
            Some((last, _)) if r.start < last.end => {}
            _ => merged.push((r, m)),
        }
    }
    errors.ranges = merged;
    let tmp = out
        .into_inner()
        .map_err(|e| Error::output(tmp_dir, e.into_error()))?;
    Ok(Converted { file: tmp, errors })
}

/// Reader options that take types from the Parquet schema only.
fn plain_options() -> ArrowReaderOptions {
    ArrowReaderOptions::new().with_skip_arrow_metadata(true)
}

/// `t` with the time zone of its timestamps (Parquet's `UTC`, for instants) written as the
/// offset `+00:00`: the JSON encoder knows offsets, not zone names (which would take a time
/// zone database).
fn utc_as_offset(t: &DataType) -> DataType {
    let field = |f: &FieldRef| -> FieldRef {
        Arc::new(
            f.as_ref()
                .clone()
                .with_data_type(utc_as_offset(f.data_type())),
        )
    };
    match t {
        DataType::Timestamp(unit, Some(_)) => DataType::Timestamp(*unit, Some("+00:00".into())),
        DataType::List(f) => DataType::List(field(f)),
        DataType::LargeList(f) => DataType::LargeList(field(f)),
        DataType::FixedSizeList(f, n) => DataType::FixedSizeList(field(f), *n),
        DataType::Struct(fs) => DataType::Struct(fs.iter().map(field).collect()),
        DataType::Map(f, sorted) => DataType::Map(field(f), *sorted),
        t => t.clone(),
    }
}

/// What converting one file needs, shared by the row groups.
struct Conversion<'a> {
    bytes: &'a Bytes,
    meta: &'a ArrowReaderMetadata,
    kinds: &'a [Col],
    /// Each column's name as a JSON key, with its colon.
    names: &'a [Vec<u8>],
    text_field: &'a str,
}

/// One converted row group.
struct Group {
    lines: Vec<u8>,
    errors: RowErrors,
}

impl Conversion<'_> {
    /// Converts row group `g` (rows from `first`, 1-based; `of` row groups in the file): every
    /// row becomes one line. Where a batch cannot be decoded (a string that is not UTF-8, a
    /// corrupt page), its rows are read again one at a time, and a row that still cannot be
    /// read is an empty object listed in the errors; after [`MAX_BAD_ROWS`] such rows the rest
    /// of the row group is listed at once.
    fn group(&self, g: usize, first: u64, of: usize) -> Group {
        let mut out = Group {
            lines: Vec::new(),
            errors: RowErrors::default(),
        };
        let n = self.meta.metadata().row_group(g).num_rows().max(0) as u64;
        let (mut at, mut bad) = (0u64, 0usize);
        // Rows of a failed batch still to read one at a time.
        let mut retry = 0u64;
        while at < n {
            let (limit, batch) = if retry > 0 {
                (1, 1)
            } else {
                (n - at, BATCH_ROWS)
            };
            let (read, err) = self.read_rows(g, at, limit, batch, first + at, &mut out);
            at += read;
            retry = retry.saturating_sub(read);
            let Some(e) = err else {
                if read < limit {
                    self.damaged(
                        &mut out,
                        g,
                        of,
                        first,
                        at..n,
                        &"fewer rows than its metadata says",
                    );
                    break;
                }
                continue;
            };
            if batch > 1 {
                retry = (batch as u64).min(n - at);
                continue;
            }
            bad += 1;
            if bad > MAX_BAD_ROWS {
                self.damaged(&mut out, g, of, first, at..n, &e);
                break;
            }
            let row = first + at;
            out.errors.push(
                row..row + 1,
                format!("row could not be read (row group {} of {of}): {e}", g + 1),
            );
            out.lines.extend_from_slice(b"{}\n");
            at += 1;
            retry = retry.saturating_sub(1);
        }
        out
    }

    /// Lists rows `rows` (0-based in row group `g`) as unreadable, each an empty object.
    fn damaged(
        &self,
        out: &mut Group,
        g: usize,
        of: usize,
        first: u64,
        rows: Range<u64>,
        e: &dyn std::fmt::Display,
    ) {
        let (a, b) = (first + rows.start, first + rows.end);
        let msg = format!(
            "could not be read (row group {} of {of}, rows {a}-{}): {e}",
            g + 1,
            b - 1
        );
        out.errors.push(a..b, msg);
        for _ in rows {
            out.lines.extend_from_slice(b"{}\n");
        }
    }

    /// Reads `limit` rows of row group `g` from its row `skip` (0-based) in batches of
    /// `batch`, appending their lines (the first is file row `row`); returns the rows written
    /// and the error that stopped the reading, if one did.
    fn read_rows(
        &self,
        g: usize,
        skip: u64,
        limit: u64,
        batch: usize,
        row: u64,
        out: &mut Group,
    ) -> (u64, Option<String>) {
        let selection = RowSelection::from(vec![
            RowSelector::skip(skip as usize),
            RowSelector::select(limit as usize),
        ]);
        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(
            self.bytes.clone(),
            self.meta.clone(),
        )
        .with_row_groups(vec![g])
        .with_row_selection(selection)
        .with_batch_size(batch)
        .build();
        let reader = match reader {
            Ok(r) => r,
            Err(e) => return (0, Some(e.to_string())),
        };
        let mut read = 0u64;
        for b in reader {
            match b {
                Ok(b) if read + b.num_rows() as u64 <= limit => {
                    if let Err(e) = self.batch(&b, row + read, out) {
                        return (read, Some(e));
                    }
                    read += b.num_rows() as u64;
                }
                Ok(_) => return (read, Some("more rows than its metadata says".into())),
                Err(e) => return (read, Some(e.to_string())),
            }
        }
        (read, None)
    }

    /// Appends the lines of one batch whose first row is `row`.
    fn batch(&self, b: &RecordBatch, row: u64, out: &mut Group) -> Result<(), String> {
        let opts = EncoderOptions::default();
        let schema = b.schema();
        let mut cols: Vec<Column> = Vec::with_capacity(b.num_columns());
        for (i, field) in schema.fields().iter().enumerate() {
            let array = b.column(i).as_ref();
            cols.push(match self.kinds[i] {
                Col::Other => {
                    Column::Json(make_encoder(field, array, &opts).map_err(|e| e.to_string())?)
                }
                kind => Column::Bytes(
                    kind,
                    match array.data_type() {
                        DataType::LargeUtf8 => Byteish::Str(array.as_string::<i64>()),
                        DataType::LargeBinary => Byteish::Bin(array.as_binary::<i64>()),
                        DataType::Utf8 => Byteish::Str32(array.as_string::<i32>()),
                        DataType::Binary => Byteish::Bin32(array.as_binary::<i32>()),
                        t => return Err(format!("a byte-array column was read as {t}")),
                    },
                ),
            });
        }
        let lines = &mut out.lines;
        // Room for the batch's lines at once: grown a push at a time, the buffer of a row group
        // of web pages was copied again at every doubling (5% of a Parquet run). The values'
        // bytes (hex doubles them; escapes add a little), plus names and punctuation per row.
        let per_row: usize = self.names.iter().map(|n| n.len() + 2).sum::<usize>() + 2;
        let estimate: usize = cols
            .iter()
            .map(|c| match c {
                Column::Bytes(Col::Hex, a) => 2 * a.data_len() + 2 * b.num_rows(),
                Column::Bytes(_, a) => a.data_len() + a.data_len() / 16 + 2 * b.num_rows(),
                Column::Json(_) => 16 * b.num_rows(),
            })
            .sum::<usize>()
            + per_row * b.num_rows();
        lines.reserve(estimate);
        for r in 0..b.num_rows() {
            lines.push(b'{');
            for (i, col) in cols.iter_mut().enumerate() {
                if i > 0 {
                    lines.push(b',');
                }
                lines.extend_from_slice(&self.names[i]);
                match col {
                    Column::Json(enc) if enc.is_null(r) => lines.extend_from_slice(b"null"),
                    Column::Json(enc) => enc.encode(r, lines),
                    Column::Bytes(_, a) if a.is_null(r) => lines.extend_from_slice(b"null"),
                    Column::Bytes(Col::Hex, a) => push_hex(lines, a.value(r)),
                    Column::Bytes(Col::Text, a) => {
                        let v = a.value(r);
                        if let Err(e) = simdutf8::compat::from_utf8(v) {
                            let msg = format!(
                                "field `{}` is not UTF-8 text (invalid bytes at byte {} of its {} bytes)",
                                self.text_field,
                                e.valid_up_to(),
                                v.len()
                            );
                            let at = row + r as u64;
                            out.errors.push(at..at + 1, msg);
                            lines.extend_from_slice(b"null");
                        } else {
                            push_json_bytes(lines, v);
                        }
                    }
                    Column::Bytes(_, a) => push_json_bytes(lines, a.value(r)),
                }
            }
            lines.extend_from_slice(b"}\n");
        }
        Ok(())
    }
}

/// A column of one batch, ready to write.
enum Column<'a> {
    Json(NullableEncoder<'a>),
    Bytes(Col, Byteish<'a>),
}

/// A column of strings or of bytes, read as bytes.
enum Byteish<'a> {
    Str(&'a LargeStringArray),
    Bin(&'a LargeBinaryArray),
    Str32(&'a StringArray),
    Bin32(&'a BinaryArray),
}

impl Byteish<'_> {
    /// Bytes of the column's values (of the rows it holds, if it is a slice).
    fn data_len(&self) -> usize {
        fn span<O: arrow_array::OffsetSizeTrait>(o: &[O]) -> usize {
            match (o.first(), o.last()) {
                (Some(a), Some(b)) => (b.as_usize()).saturating_sub(a.as_usize()),
                _ => 0,
            }
        }
        match self {
            Byteish::Str(a) => span(a.value_offsets()),
            Byteish::Bin(a) => span(a.value_offsets()),
            Byteish::Str32(a) => span(a.value_offsets()),
            Byteish::Bin32(a) => span(a.value_offsets()),
        }
    }

    fn is_null(&self, i: usize) -> bool {
        match self {
            Byteish::Str(a) => a.is_null(i),
            Byteish::Bin(a) => a.is_null(i),
            Byteish::Str32(a) => a.is_null(i),
            Byteish::Bin32(a) => a.is_null(i),
        }
    }

    fn value(&self, i: usize) -> &[u8] {
        match self {
            Byteish::Str(a) => a.value(i).as_bytes(),
            Byteish::Bin(a) => a.value(i),
            Byteish::Str32(a) => a.value(i).as_bytes(),
            Byteish::Bin32(a) => a.value(i),
        }
    }
}

/// Appends `b` as a JSON string, escaped as serde_json escapes (`\"`, `\\`, `\n`, `\r`, `\t`,
/// `\b`, `\f`, other control characters as `\u00XX`), other bytes as they are: the line of a
/// row is then byte for byte the compact JSON line of the same record. Bytes that are not UTF-8
/// stay as they are, to be replaced as in any JSON line.
pub(crate) fn push_json_bytes(out: &mut Vec<u8>, b: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(b.len() + 2);
    out.push(b'"');
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        if c >= 0x20 && c != b'"' && c != b'\\' {
            continue;
        }
        out.extend_from_slice(&b[start..i]);
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(c >> 4) as usize],
                HEX[(c & 15) as usize],
            ]),
        }
        start = i + 1;
    }
    out.extend_from_slice(&b[start..]);
    out.push(b'"');
}

/// Appends `b` as a JSON string of lowercase hex digits.
fn push_hex(out: &mut Vec<u8>, b: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for &c in b {
        out.push(HEX[(c >> 4) as usize]);
        out.push(HEX[(c & 15) as usize]);
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_escaped_as_serde_json_escapes_them() {
        for s in [
            "plain",
            "q\"b\\s",
            "a\nb\r\tc\u{8}\u{c}\u{1}\u{1f}\u{7f}",
            "记者 é",
            "",
        ] {
            let mut out = Vec::new();
            push_json_bytes(&mut out, s.as_bytes());
            assert_eq!(out, serde_json::to_vec(s).unwrap(), "{s:?}");
        }
        let mut out = Vec::new();
        push_hex(&mut out, &[0, 0xab, 0x10]);
        assert_eq!(out, b"\"00ab10\"");
    }

    #[test]
    fn row_errors_find_their_range() {
        let mut e = RowErrors::default();
        e.push(3..4, "a");
        e.push(10..20, "b");
        e.push(5..5, "empty");
        assert_eq!(e.get(3), Some("a"));
        assert_eq!(e.get(4), None);
        assert_eq!(e.get(10), Some("b"));
        assert_eq!(e.get(19), Some("b"));
        assert_eq!(e.get(20), None);
        assert_eq!(e.get(1), None);
    }
}
