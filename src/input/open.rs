//! Opening one input: maps a plain file, or streams a compressed file or a stream (standard
//! input, a pipe, a FIFO) into an unnamed temporary file in the output directory and maps that
//! ([`open`]). Part of the read stage; the result ([`Opened`]) is what every later stage reads
//! text from. A stream is read exactly once, here: it has no length to map (a pipe maps as an
//! empty file) and cannot be read again.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, Read};
use std::ops::{Deref, Range};
use std::path::Path;
use std::sync::Arc;

use memmap2::Mmap;

use super::jsonl::{self, Fields, JsonRecord};
use super::parquet::{Hold, RowErrors, Rows};
use super::spool::{spool, Limits, Skipped};
use super::{Compression, Format, InputFile, Kind};
use crate::error::{Error, Result};

/// The bytes of one opened input file.
pub enum Data {
    /// A mapped file (plain, or decompressed into a temporary file).
    Mapped(Mmap),
    /// Bytes in memory: a file read (`--no-mmap`, a small file), or a Parquet file's JSON
    /// Lines converted without a `--memory` budget.
    Read(Vec<u8>),
    /// An empty file (which cannot be mapped).
    Empty,
}

impl Deref for Data {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Data::Mapped(m) => m,
            Data::Read(v) => v,
            Data::Empty => &[],
        }
    }
}

impl Data {
    /// Gives the mapped pages of `range` back to the kernel (`--memory`): they leave this
    /// process's resident set and are read again from the page cache or the file if touched.
    /// A no-op for data in memory: dropping anonymous pages would zero them, not give back a
    /// copy.
    pub fn release(&self, range: Range<usize>) {
        if let Data::Mapped(m) = self {
            // Whole 2 MiB windows: a page fault maps more than its page (fault-around, large
            // page-cache folios), and those neighbours would otherwise stay resident (measured:
            // 64 KiB windows left 160 MB of a 2 GB input mapped after random reads).
            const WINDOW: usize = 2 << 20;
            let start = range.start / WINDOW * WINDOW;
            let end = range
                .end
                .div_ceil(WINDOW)
                .saturating_mul(WINDOW)
                .min(m.len());
            crate::memory::release(m, start..end);
        }
    }
}

/// An opened input file.
pub struct Opened {
    /// Its (decompressed) content.
    pub data: Data,
    /// Size of the file on disk.
    pub disk_bytes: u64,
    /// Size and modification time when opened, to detect a file changed during the run.
    pub stamp: Stamp,
    /// If decompression stopped early: what went wrong and at which decompressed offset. The
    /// bytes decoded before that point are kept in `data`.
    pub truncated: Option<String>,
    /// Why the file could not be read at all (it then has no data).
    pub unreadable: Option<String>,
    /// Bytes it decompressed to, records skipped while decompressing included (for a plain
    /// file, its size).
    pub decoded: u64,
    /// Records over `--max-doc-bytes` skipped while decompressing: each is a placeholder in
    /// `data`, reported as too large (see [`super::spool`]).
    pub skipped: Vec<Skipped>,
    /// A converted Parquet file: the rows (lines of `data`) that are invalid records, and why.
    pub row_errors: RowErrors,
    /// A converted Parquet file: `data` cut into chunks of about [`super::CHUNK_BYTES`] at row
    /// ends, with each chunk's first row (see [`super::parquet::Converted::chunks`]).
    pub chunks: Option<Vec<(Range<usize>, u64)>>,
    /// A converted Parquet file: where each row's text, id and URL are in its line, if kept.
    pub rows: Option<Rows>,
}

/// A file's size and modification time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stamp {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch (0 if unknown).
    pub mtime_ns: u128,
}

impl Stamp {
    /// The stamp of a file's metadata.
    pub fn of(m: &std::fs::Metadata) -> Stamp {
        let mtime_ns = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        Stamp {
            size: m.len(),
            mtime_ns,
        }
    }

    /// The current stamp of the file at `path`.
    ///
    /// # Errors
    /// The file cannot be examined.
    pub fn now(path: &Path) -> Result<Stamp> {
        Ok(Stamp::of(
            &std::fs::metadata(path).map_err(|e| Error::io(path, e))?,
        ))
    }
}

/// How plain input files are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ReadMode {
    /// Memory-mapped (the default).
    Mmap,
    /// Read into memory (`--no-mmap`): safe against files truncated while canon runs.
    Buffered,
}

impl Opened {
    /// A file with no data: not opened (`unreadable: None`), or unreadable.
    pub fn empty(unreadable: Option<String>) -> Opened {
        Opened {
            data: Data::Empty,
            disk_bytes: 0,
            stamp: Stamp {
                size: 0,
                mtime_ns: 0,
            },
            truncated: None,
            unreadable,
            decoded: 0,
            skipped: Vec::new(),
            row_errors: RowErrors::default(),
            chunks: None,
            rows: None,
        }
    }

    /// Calls `f` with the JSON line at `span` of `data` parsed, as [`jsonl::with_line`] does;
    /// row `row` (1-based) of a converted Parquet file is read from where its conversion wrote
    /// its values ([`Rows`]), without parsing its line back.
    pub(crate) fn with_json<R>(
        &self,
        span: Range<usize>,
        row: Option<u64>,
        fields: &Fields,
        f: impl for<'x> FnOnce(Result<(JsonRecord<'x>, &'x str), String>, bool) -> R,
    ) -> R {
        let bytes = &self.data[span];
        if let (Some(rows), Some(row)) = (&self.rows, row) {
            if let Ok(line) = simdutf8::basic::from_utf8(bytes) {
                if let Some(rec) = rows.record(row, line) {
                    return f(Ok((rec, line)), false);
                }
            }
        }
        jsonl::with_line(bytes, fields, f)
    }

    /// The offset in the decompressed file of offset `at` of `data` (they differ after a
    /// record skipped while decompressing).
    pub fn real_offset(&self, at: usize) -> u64 {
        let i = self.skipped.partition_point(|s| s.at < at);
        at as u64 + self.skipped[..i].iter().map(|s| s.removed).sum::<u64>()
    }

    /// The length of the record skipped while decompressing whose placeholder starts at
    /// offset `at` of `data`, if one does.
    pub fn skipped_at(&self, at: usize) -> Option<u64> {
        self.skipped
            .binary_search_by_key(&at, |s| s.at)
            .ok()
            .map(|i| self.skipped[i].bytes)
    }
}

/// Maps or reads `file`, or decompresses it into a temporary file in `tmp_dir` and maps that,
/// within `limits`; a Parquet file is then converted into JSON Lines ([`super::parquet`]),
/// which its [`Opened`] holds instead: in memory, or under a `memory` budget (`--memory`) in
/// another temporary file, whose pages the kernel can reclaim.
///
/// # Errors
/// The file cannot be opened, read or mapped (or is not a readable Parquet file), the
/// temporary file cannot be written ([`Error::Output`]), or the input expands past the limits
/// ([`Error::Expansion`]).
pub fn open(
    file: &InputFile,
    tmp_dir: &Path,
    mode: ReadMode,
    limits: &Limits,
    fields: &Fields,
    memory: Option<u64>,
) -> Result<Opened> {
    let mut o = open_bytes(file, tmp_dir, mode, limits)?;
    if file.format == Format::Parquet {
        if let Some(msg) = o.truncated.take() {
            // Without its end a Parquet file has no footer, and nothing can be read.
            return Err(Error::io(&file.path, io::Error::other(msg)));
        }
        let (bytes, map) = match std::mem::replace(&mut o.data, Data::Empty) {
            Data::Mapped(m) => {
                let m = Arc::new(m);
                (bytes::Bytes::from_owner(SharedMap(m.clone())), Some(m))
            }
            Data::Read(v) => (bytes::Bytes::from(v), None),
            Data::Empty => (bytes::Bytes::new(), None),
        };
        // A converted row group's pages of the mapped file are given back: they are read
        // once, and would otherwise be resident beside the whole of the JSON Lines.
        let done = |r: Range<usize>| {
            if let Some(m) = &map {
                crate::memory::release(m, r);
            }
        };
        let hold = match memory {
            None => Hold::Memory,
            Some(_) => Hold::File(tmp_dir),
        };
        let c =
            super::parquet::convert(bytes, &file.path, fields, hold, super::CHUNK_BYTES, &done)?;
        o.data = c.data;
        o.row_errors = c.errors;
        o.chunks = Some(c.chunks);
        o.rows = c.rows;
    }
    Ok(o)
}

/// A mapped file shared by the Parquet reader's buffers and the opener (which gives its
/// pages back).
struct SharedMap(Arc<Mmap>);

impl AsRef<[u8]> for SharedMap {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// [`open`] without the conversion of Parquet files: the bytes of the file.
fn open_bytes(file: &InputFile, tmp_dir: &Path, mode: ReadMode, limits: &Limits) -> Result<Opened> {
    let path = &file.path;
    if file.kind == Kind::Stdin {
        return open_stream(io::stdin().lock(), file, tmp_dir, limits);
    }
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    let meta = f.metadata().map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        return Err(Error::io(path, io::Error::other("is a directory")));
    }
    if !meta.is_file() {
        // A pipe or FIFO has no length to map: it would read as empty (issue 12).
        return open_stream(f, file, tmp_dir, limits);
    }
    let stamp = Stamp::of(&meta);
    let disk_bytes = meta.len();
    let plain = |data: Data| Opened {
        decoded: data.len() as u64,
        data,
        disk_bytes,
        stamp,
        truncated: None,
        unreadable: None,
        skipped: Vec::new(),
        row_errors: RowErrors::default(),
        chunks: None,
        rows: None,
    };
    Ok(match file.compression {
        Compression::None if mode == ReadMode::Buffered => {
            let mut v = Vec::with_capacity(disk_bytes as usize);
            f.read_to_end(&mut v).map_err(|e| Error::io(path, e))?;
            plain(Data::Read(v))
        }
        Compression::None => plain(map(&f, path)?),
        Compression::Gzip | Compression::Zstd => {
            let read = Cell::new(0);
            let reader = Consumed {
                inner: io::BufReader::with_capacity(1 << 20, f),
                bytes: &read,
            };
            let dec = decoder(reader, file.compression, path)?;
            let s = spool(dec, Some(&read), file.format, limits, path, tmp_dir)?;
            Opened {
                data: map(&s.file, path)?,
                disk_bytes,
                stamp,
                truncated: s.truncated,
                unreadable: None,
                decoded: s.decoded,
                skipped: s.skipped,
                row_errors: RowErrors::default(),
                chunks: None,
                rows: None,
            }
        }
    })
}

/// A reader of the decompressed content of `r`.
fn decoder<'a>(
    r: impl io::BufRead + 'a,
    compression: Compression,
    path: &Path,
) -> Result<Box<dyn Read + 'a>> {
    Ok(match compression {
        Compression::None => Box::new(r),
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(r)),
        Compression::Zstd => {
            Box::new(zstd::stream::read::Decoder::with_buffer(r).map_err(|e| Error::io(path, e))?)
        }
    })
}

/// Reads a stream (standard input, a pipe, a FIFO) once, in full, into a temporary file in
/// `tmp_dir`, decompressing it if its name or its first bytes say it is gzip or zstd (so that
/// `zcat dump.gz | canon dedup -` and `canon dedup - < dump.gz` both work). Its stamp is the
/// bytes read: a stream is never checked again, as it is not read again.
fn open_stream(r: impl Read, file: &InputFile, tmp_dir: &Path, limits: &Limits) -> Result<Opened> {
    let path = &file.path;
    let read = Cell::new(0);
    let mut counted = Counted {
        inner: r,
        bytes: &read,
    };
    let mut reader = io::BufReader::with_capacity(1 << 20, &mut counted);
    let compression = match file.compression {
        Compression::None => {
            let head = loop {
                match io::BufRead::fill_buf(&mut reader) {
                    Ok(b) => break b,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(Error::io(path, e)),
                }
            };
            if head.starts_with(&[0x1f, 0x8b]) {
                Compression::Gzip
            } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
                Compression::Zstd
            } else {
                Compression::None
            }
        }
        c => c,
    };
    let compressed = compression != Compression::None;
    let consumed = Cell::new(0);
    let dec = decoder(
        Consumed {
            inner: &mut reader,
            bytes: &consumed,
        },
        compression,
        path,
    )?;
    let s = spool(
        dec,
        compressed.then_some(&consumed),
        file.format,
        limits,
        path,
        tmp_dir,
    )?;
    drop(reader);
    Ok(Opened {
        data: map(&s.file, path)?,
        disk_bytes: read.get(),
        stamp: Stamp {
            size: read.get(),
            mtime_ns: 0,
        },
        truncated: s.truncated,
        unreadable: None,
        decoded: s.decoded,
        skipped: s.skipped,
        row_errors: RowErrors::default(),
        chunks: None,
        rows: None,
    })
}

/// A reader that counts the bytes it passes on (a stream's size is only known once read; the
/// compressed bytes read give the expansion ratio).
struct Counted<'a, R> {
    inner: R,
    bytes: &'a Cell<u64>,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.set(self.bytes.get() + n as u64);
        Ok(n)
    }
}

/// A buffered reader that counts the bytes its reader consumes: the compressed bytes a
/// decoder has used, for the expansion ratio (counting reads would run up to a buffer ahead).
struct Consumed<'a, R> {
    inner: R,
    bytes: &'a Cell<u64>,
}

impl<R: io::BufRead> Read for Consumed<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.set(self.bytes.get() + n as u64);
        Ok(n)
    }
}

impl<R: io::BufRead> io::BufRead for Consumed<'_, R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, n: usize) {
        self.bytes.set(self.bytes.get() + n as u64);
        self.inner.consume(n);
    }
}

/// Files smaller than this are read rather than mapped: a mapping per file would run into the
/// kernel's limit on mappings (`vm.max_map_count`, 65,530) on directories of many small
/// pages, and small reads are as fast.
const MAP_MIN_BYTES: u64 = 64 << 10;

/// Maps `f` (reads it, if small).
pub(super) fn map(f: &File, path: &Path) -> Result<Data> {
    let len = f.metadata().map_err(|e| Error::io(path, e))?.len();
    if len == 0 {
        return Ok(Data::Empty);
    }
    #[cfg(unix)]
    if len < MAP_MIN_BYTES {
        use std::os::unix::fs::FileExt;
        let mut v = vec![0u8; len as usize];
        f.read_exact_at(&mut v, 0).map_err(|e| Error::io(path, e))?;
        return Ok(Data::Read(v));
    }
    let m = crate::memory::map(f).map_err(|e| Error::io(path, e))?;
    Ok(Data::Mapped(m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::parquet::tests::written;

    /// A Parquet input is converted into memory without a `--memory` budget and into a
    /// mapped temporary file with one, with the same lines and chunks either way.
    #[test]
    fn parquet_is_held_in_memory_unless_memory_is_budgeted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rows.parquet");
        std::fs::write(&path, written(3000, 256)).unwrap();
        let file = InputFile {
            path: path.clone(),
            rel: "rows.parquet".into(),
            format: Format::Parquet,
            compression: Compression::None,
            unreadable: None,
            kind: Kind::Regular,
        };
        let limits = Limits::new(1 << 20, 100, None, dir.path());
        let open_with = |memory| {
            open(
                &file,
                dir.path(),
                ReadMode::Mmap,
                &limits,
                &Fields::new(),
                memory,
            )
            .unwrap()
        };
        let (mem, budget) = (open_with(None), open_with(Some(600 << 20)));
        assert!(matches!(mem.data, Data::Read(_)));
        assert!(matches!(budget.data, Data::Mapped(_)));
        assert_eq!(&mem.data[..], &budget.data[..]);
        assert_eq!(mem.chunks, budget.chunks);
        assert!(mem.rows.is_some() && budget.rows.is_some());
    }
}
