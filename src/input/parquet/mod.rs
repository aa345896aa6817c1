//! Parquet inputs: read once with the Apache Arrow project's reader (the `parquet` crate) and
//! converted into JSON Lines, one row per line, so that every later stage reads a Parquet row
//! as it reads a JSON line. Part of opening (read stage). The lines are held in memory, or in
//! an unnamed temporary file under a `--memory` budget ([`Hold`]).
//!
//! Row `r` (1-based) is line `r` of the converted data and is named `path#r`. Row groups are
//! converted in parallel and placed in order, so the converted data depends on the file only.
//! Rows that cannot be represented (a text that is not UTF-8, a row group that cannot be
//! decoded) are still written, as a line, and listed in [`RowErrors`] with the reason.

use std::io;
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
use super::open::Data;
use crate::error::{Error, Result};

mod place;
mod rows;

use place::{estimate, Chunks, Sink};
pub use rows::Rows;
use rows::{keys, Keys, RowAt};

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

/// Where the converted JSON Lines are held.
#[derive(Debug, Clone, Copy)]
pub enum Hold<'a> {
    /// In memory, in one buffer reserved once from the file's metadata (no `--memory` budget):
    /// a temporary file cost a copy into the page cache, its writeback and fresh cache pages
    /// (system time 2.35 → 6.75 s on a 740 MB Parquet file).
    Memory,
    /// In an unnamed temporary file in this directory, mapped (`--memory`: the kernel can
    /// reclaim its pages, and pass 1 gives them back as it goes).
    File(&'a Path),
}

/// The converted form of a Parquet file.
pub struct Converted {
    /// JSON Lines, one line per row: a buffer ([`Hold::Memory`]) or a mapped temporary file.
    pub data: Data,
    /// Rows that are invalid records.
    pub errors: RowErrors,
    /// `data` cut into chunks of about the `chunk_bytes` asked for at row ends, with the number
    /// of each chunk's first row: the split [`super::line_chunks`] makes of `data`, without
    /// counting its lines again.
    pub chunks: Vec<(Range<usize>, u64)>,
    /// Where each row's text, id and URL are in its line, if the file's columns allow reading
    /// them from there (see [`Rows`]).
    pub rows: Option<Rows>,
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

/// Converts the Parquet file `bytes` (read from `path`) into JSON Lines held as `hold` says,
/// cut into chunks of about `chunk_bytes`; `done` is called with the byte range of `bytes`
/// each row group was read from once it is converted (to give a mapped file's pages back: the
/// file and its JSON Lines are otherwise both resident at the end).
///
/// # Errors
/// The file is not a readable Parquet file (no footer: cut short, or not Parquet) — an input
/// error, the file is then unreadable — or the temporary file cannot be written or mapped (an
/// output error).
pub fn convert(
    bytes: Bytes,
    path: &Path,
    fields: &Fields,
    hold: Hold,
    chunk_bytes: usize,
    done: &(dyn Fn(Range<usize>) + Sync),
) -> Result<Converted> {
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

    let mut sink = match hold {
        // (Huge pages were asked for, and dropped: on a machine whose memory is mostly page
        // cache, finding them cost more system time than the page faults they saved.)
        Hold::Memory => Sink::Memory(Vec::with_capacity(estimate(&meta, &kinds, &names))),
        Hold::File(dir) => Sink::File {
            file: tempfile::tempfile_in(dir).map_err(|e| Error::output(dir, e))?,
            dir,
            len: 0,
        },
    };
    let conv = Conversion {
        bytes: &bytes,
        meta: &meta,
        kinds: &kinds,
        names: &names,
        text_field: &fields.text,
        keys: keys(&meta, &kinds, fields),
    };
    let mut rows = conv.keys.map(|_| Rows::default());
    let mut chunks = Chunks::new(chunk_bytes);
    // Row groups in parallel, a window of them at a time, each into a buffer of its own
    // (reused: fresh pages cost a clearing each), then copied into place in parallel: memory
    // holds one converted row group per thread besides the whole.
    let window = rayon::current_num_threads().max(1);
    let mut parts: Vec<Group> = (0..window).map(|_| Group::default()).collect();
    let all: Vec<usize> = (0..groups.len()).collect();
    for win in all.chunks(window) {
        parts[..win.len()]
            .par_iter_mut()
            .zip(win)
            .for_each(|(part, &g)| conv.group(g, first_row[g], groups.len(), part));
        let parts = &mut parts[..win.len()];
        let at = sink.len();
        sink.place(parts)?;
        let mut start = at;
        for part in parts.iter_mut() {
            chunks.rows(start, &part.ends);
            start += part.lines.len();
            errors.ranges.append(&mut part.errors.ranges);
            if let Some(rows) = &mut rows {
                rows.at.append(&mut part.rows);
            }
        }
        for &g in win {
            let ranges = groups[g].columns().iter().map(|c| {
                let (at, len) = c.byte_range();
                at as usize..(at + len) as usize
            });
            if let Some(r) = ranges.reduce(|a, b| a.start.min(b.start)..a.end.max(b.end)) {
                done(r);
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
    let data = sink.finish(path)?;
    let chunks = chunks.finish(data.len());
    Ok(Converted {
        data,
        errors,
        chunks,
        rows,
    })
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
    /// The columns whose values' places are kept, if they are (see [`Rows`]).
    keys: Option<Keys>,
}

/// One converted row group.
#[derive(Default)]
struct Group {
    lines: Vec<u8>,
    /// Where each row's line ends in `lines` (after its line end).
    ends: Vec<usize>,
    /// Where each row's values are, if kept (see [`Rows`]).
    rows: Vec<RowAt>,
    errors: RowErrors,
}

impl Group {
    /// Ends the line of a row that could not be read (an empty object).
    fn unread_row(&mut self, keys: Option<Keys>) {
        self.lines.extend_from_slice(b"{}\n");
        self.ends.push(self.lines.len());
        if keys.is_some() {
            self.rows.push(RowAt::default());
        }
    }
}

impl Conversion<'_> {
    /// Converts row group `g` (rows from `first`, 1-based; `of` row groups in the file): every
    /// row becomes one line. Where a batch cannot be decoded (a string that is not UTF-8, a
    /// corrupt page), its rows are read again one at a time, and a row that still cannot be
    /// read is an empty object listed in the errors; after [`MAX_BAD_ROWS`] such rows the rest
    /// of the row group is listed at once. `out` is emptied first (its buffers are reused).
    fn group(&self, g: usize, first: u64, of: usize, out: &mut Group) {
        out.lines.clear();
        out.ends.clear();
        out.rows.clear();
        out.errors.ranges.clear();
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
            let (read, err) = self.read_rows(g, at, limit, batch, first + at, out);
            at += read;
            retry = retry.saturating_sub(read);
            let Some(e) = err else {
                if read < limit {
                    self.damaged(
                        out,
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
                self.damaged(out, g, of, first, at..n, &e);
                break;
            }
            let row = first + at;
            out.errors.push(
                row..row + 1,
                format!("row could not be read (row group {} of {of}): {e}", g + 1),
            );
            out.unread_row(self.keys);
            at += 1;
            retry = retry.saturating_sub(1);
        }
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
            out.unread_row(self.keys);
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
            let start = lines.len();
            let mut at = RowAt::default();
            lines.push(b'{');
            for (i, col) in cols.iter_mut().enumerate() {
                if i > 0 {
                    lines.push(b',');
                }
                lines.extend_from_slice(&self.names[i]);
                let from = lines.len() - start;
                // Written as a string: whether with an escape.
                let string = match col {
                    Column::Json(enc) if enc.is_null(r) => {
                        lines.extend_from_slice(b"null");
                        None
                    }
                    Column::Json(enc) => {
                        enc.encode(r, lines);
                        None
                    }
                    Column::Bytes(_, a) if a.is_null(r) => {
                        lines.extend_from_slice(b"null");
                        None
                    }
                    Column::Bytes(Col::Hex, a) => {
                        push_hex(lines, a.value(r));
                        None
                    }
                    // A string column's values are UTF-8 already (the reader checked them).
                    Column::Bytes(Col::Text, a) if a.is_utf8() => {
                        Some(push_json_bytes(lines, a.value(r)))
                    }
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
                            None
                        } else {
                            Some(push_json_bytes(lines, v))
                        }
                    }
                    Column::Bytes(_, a) => Some(push_json_bytes(lines, a.value(r))),
                };
                if let Some(k) = self.keys {
                    // (Truncated only in a line too long for 32 bits, which is parsed.)
                    let place = [from as u32, (lines.len() - start) as u32];
                    if i == k.text {
                        if let Some(escaped) = string {
                            (at.text, at.escaped) = (place, escaped);
                        }
                    } else if Some(i) == k.id {
                        at.id = place;
                    } else if Some(i) == k.url {
                        at.url = place;
                    }
                }
            }
            lines.extend_from_slice(b"}\n");
            out.ends.push(lines.len());
            if self.keys.is_some() {
                match u32::try_from(lines.len() - 1 - start) {
                    Ok(len) => at.len = len,
                    Err(_) => at.text = [0, 0],
                }
                out.rows.push(at);
            }
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

    /// Whether the column holds strings (whose values are UTF-8), not bytes.
    fn is_utf8(&self) -> bool {
        matches!(self, Byteish::Str(_) | Byteish::Str32(_))
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
/// stay as they are, to be replaced as in any JSON line. Returns whether any byte was escaped.
pub(crate) fn push_json_bytes(out: &mut Vec<u8>, b: &[u8]) -> bool {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(b.len() + 2);
    out.push(b'"');
    let mut start = 0;
    let mut i = 0;
    let mut escaped = false;
    while i < b.len() {
        // Eight bytes at a time while none is to escape: a byte at a time, this scan was most
        // of the conversion's own time (web pages are long runs of plain text).
        if let Some(w) = b.get(i..i + 8) {
            if !any_to_escape(u64::from_le_bytes(w.try_into().unwrap_or_default())) {
                i += 8;
                continue;
            }
        }
        let c = b[i];
        if c >= 0x20 && c != b'"' && c != b'\\' {
            i += 1;
            continue;
        }
        out.extend_from_slice(&b[start..i]);
        escaped = true;
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
        i += 1;
        start = i;
    }
    out.extend_from_slice(&b[start..]);
    out.push(b'"');
    escaped
}

/// Whether any of the eight bytes of `w` is to escape in a JSON string: below 0x20, `"` or
/// `\\` (the bit tricks for a zero byte and a byte below n; exact for "any").
fn any_to_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    (below_space | zero(w ^ (ONES * u64::from(b'"'))) | zero(w ^ (ONES * u64::from(b'\\')))) != 0
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
pub(crate) mod tests {
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
        // Every byte in every place of a word, with plain bytes around it.
        for c in 0..=255u8 {
            for at in 0..17 {
                let mut b = vec![b'a'; 17];
                b[at] = c;
                b.extend_from_slice("é\u{7f}".as_bytes());
                let mut out = Vec::new();
                push_json_bytes(&mut out, &b);
                let mut want = Vec::new();
                want.push(b'"');
                for &x in &b {
                    match x {
                        b'"' => want.extend_from_slice(b"\\\""),
                        b'\\' => want.extend_from_slice(b"\\\\"),
                        b'\n' => want.extend_from_slice(b"\\n"),
                        b'\r' => want.extend_from_slice(b"\\r"),
                        b'\t' => want.extend_from_slice(b"\\t"),
                        0x08 => want.extend_from_slice(b"\\b"),
                        0x0c => want.extend_from_slice(b"\\f"),
                        x if x < 0x20 => want.extend_from_slice(format!("\\u{x:04x}").as_bytes()),
                        x => want.push(x),
                    }
                }
                want.push(b'"');
                assert_eq!(out, want, "byte {c:#x} at {at}");
            }
        }
        let mut out = Vec::new();
        push_hex(&mut out, &[0, 0xab, 0x10]);
        assert_eq!(out, b"\"00ab10\"");
    }

    /// A Parquet file of `rows` rows (id, text with escapes, a number), in row groups of
    /// `group` rows, in memory.
    pub(crate) fn written(rows: usize, group: usize) -> Bytes {
        use arrow_array::{ArrayRef, Int64Array};
        use parquet::arrow::ArrowWriter;
        use parquet::file::properties::WriterProperties;
        // Ids and URLs with escapes now and then; no URL now and then.
        let ids: Vec<String> = (0..rows)
            .map(|i| match i % 7 {
                3 => format!("d\"{i}"),
                _ => format!("d{i}"),
            })
            .collect();
        let urls: Vec<Option<String>> = (0..rows)
            .map(|i| (i % 5 != 2).then(|| format!("https://h{}.org/a\\{i}", i % 3)))
            .collect();
        let texts: Vec<Option<String>> = (0..rows)
            .map(|i| {
                // Lines of varied lengths, some with characters to escape, some null.
                (i % 97 != 5).then(|| format!("page {i}\n\"q\" {}", "x é".repeat(i % 41)))
            })
            .collect();
        let n: Vec<i64> = (0..rows as i64).collect();
        let batch = RecordBatch::try_from_iter([
            ("id", Arc::new(StringArray::from(ids)) as ArrayRef),
            ("text", Arc::new(StringArray::from(texts)) as ArrayRef),
            ("n", Arc::new(Int64Array::from(n)) as ArrayRef),
            ("url", Arc::new(StringArray::from(urls)) as ArrayRef),
        ])
        .unwrap();
        let props = WriterProperties::builder()
            .set_max_row_group_row_count(Some(group))
            .build();
        let mut out = Vec::new();
        let mut w = ArrowWriter::try_new(&mut out, batch.schema(), Some(props)).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        Bytes::from(out)
    }

    pub(crate) fn fixture(name: &str) -> Bytes {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/parquet")
            .join(name);
        Bytes::from(std::fs::read(p).unwrap())
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
