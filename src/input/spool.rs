//! Streaming a compressed input or a stream into its temporary file ([`spool`]) so that
//! neither disk nor memory grows with a hostile record: a JSON line or text page over
//! `--max-doc-bytes` is skipped while it is decompressed and leaves a short placeholder
//! ([`Skipped`]) that pass 1 reports as the too-large record it was, at its own line; and an
//! input is stopped if it expands absurdly (`--max-ratio`) or the run's inputs decompress to
//! more than `--max-decompressed`.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use super::Format;
use crate::error::{Error, Result};

/// The expansion ratio is checked only once an input has decompressed to this many bytes: a
/// small file of zeros costs nothing, and by then a real file's ratio has settled.
pub const RATIO_MIN_BYTES: u64 = 64 << 20;

/// Records are skipped only past this many bytes too: shorter ones are written, and pass 1
/// finds them too large as it finds a plain file's (a placeholder is never longer than what it
/// replaces).
const SKIP_MIN_BYTES: u64 = 64 << 10;

/// What the temporary file holds in place of a skipped record: one line, so that the lines
/// after it keep their numbers.
pub const PLACEHOLDER: &[u8] = b"(record over --max-doc-bytes, skipped while decompressing)";

/// A record skipped while decompressing: its placeholder's offset in the temporary file and
/// its length as pass 1 measures a record (a JSON line without its line end, a whole page, a
/// WET record's body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skipped {
    /// Offset of the placeholder in the temporary file (where the JSON line or page starts;
    /// a WET record's body, after its header).
    pub at: usize,
    /// The record's length in bytes.
    pub bytes: u64,
    /// Bytes of the decompressed file it took that the temporary file does not have: the
    /// record and its line end, less the placeholder (and for WET the shorter
    /// `Content-Length`). Maps an offset in the temporary file back to the decompressed one.
    pub removed: u64,
    /// Lines starting `WARC/` inside a skipped WET body: a wrong `Content-Length` may have
    /// swallowed records that a plain file would have found after it (said in its error).
    pub warc_lines: u64,
}

/// A WET header block longer than this is not followed: the rest of the file is copied as it
/// is (`wet::scan` then finds what is wrong with it).
const WET_HEADER_MAX: usize = 1 << 20;

/// The limits on decompressing the inputs of one run, shared by the files opened in parallel.
#[derive(Debug)]
pub struct Limits {
    /// `--max-doc-bytes`: longer JSON lines and text pages are skipped while decompressing.
    pub max_doc_bytes: usize,
    /// `--max-ratio` (0: no check).
    pub max_ratio: u64,
    /// `--max-decompressed`, or the free space of the output directory's file system.
    pub max_decompressed: u64,
    /// Bytes decompressed so far, all inputs together.
    used: AtomicU64,
}

impl Limits {
    /// Limits for a run writing its temporary files to `tmp_dir`; `max_decompressed: None`
    /// takes the free space there (no limit if it cannot be told).
    pub fn new(
        max_doc_bytes: usize,
        max_ratio: u64,
        max_decompressed: Option<u64>,
        tmp_dir: &Path,
    ) -> Limits {
        Limits {
            max_doc_bytes,
            max_ratio,
            max_decompressed: max_decompressed
                .unwrap_or_else(|| free_space(tmp_dir).unwrap_or(u64::MAX)),
            used: AtomicU64::new(0),
        }
    }

    /// No limits but `--max-doc-bytes` (tests, tools).
    pub fn unlimited(max_doc_bytes: usize) -> Limits {
        Limits {
            max_doc_bytes,
            max_ratio: 0,
            max_decompressed: u64::MAX,
            used: AtomicU64::new(0),
        }
    }
}

/// Bytes an unprivileged process may still write on the file system of `dir`.
fn free_space(dir: &Path) -> Option<u64> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
        // SAFETY: `statvfs` is plain old data, for which all zeroes is a valid value.
        let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
        // SAFETY: `c` is a NUL-terminated path and `st` a valid place to write the result.
        if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
            return None;
        }
        #[allow(clippy::unnecessary_cast)] // the field types differ between platforms
        Some((st.f_bavail as u64).saturating_mul(st.f_frsize as u64))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}

/// An input spooled into its temporary file.
pub(super) struct Spooled {
    /// The temporary file (unnamed: gone when dropped).
    pub file: File,
    /// Bytes decompressed, skipped records included.
    pub decoded: u64,
    /// Why decompression stopped early, if it did.
    pub truncated: Option<String>,
    /// Records skipped while decompressing, in file order.
    pub skipped: Vec<Skipped>,
}

/// The temporary file being written.
struct Sink<'a> {
    out: io::BufWriter<File>,
    /// Bytes in the file.
    at: u64,
    tmp_dir: &'a Path,
}

impl Sink<'_> {
    fn write(&mut self, b: &[u8]) -> Result<()> {
        self.out
            .write_all(b)
            .map_err(|e| Error::output(self.tmp_dir, e))?;
        self.at += b.len() as u64;
        Ok(())
    }

    /// Drops everything written from offset `to` on (the start of a record being skipped):
    /// the file never holds more than one record's worth of a skipped record.
    fn cut(&mut self, to: u64) -> Result<()> {
        let err = |e| Error::output(self.tmp_dir, e);
        self.out.flush().map_err(err)?;
        self.out.get_ref().set_len(to).map_err(err)?;
        self.out.seek(SeekFrom::Start(to)).map_err(err)?;
        self.at = to;
        Ok(())
    }
}

/// The record being decompressed: a JSON line, or a text page (the whole file).
struct Record {
    /// Offset of its first byte in the temporary file.
    start: u64,
    /// Its bytes so far.
    len: u64,
    /// Only whitespace so far (a blank line is no record).
    blank: bool,
    /// Its last byte so far (a `\r` before the line end is not part of it).
    last: u8,
    /// Over the limit: its bytes are counted, no longer written.
    skipping: bool,
}

impl Record {
    fn at(start: u64) -> Record {
        Record {
            start,
            len: 0,
            blank: true,
            last: 0,
            skipping: false,
        }
    }

    fn add(&mut self, b: &[u8]) {
        if let Some(&last) = b.last() {
            self.len += b.len() as u64;
            self.last = last;
            if self.blank {
                self.blank = b.iter().all(u8::is_ascii_whitespace);
            }
        }
    }
}

/// Copies what `dec` decompresses from `path` into an unnamed temporary file in `tmp_dir`,
/// skipping records of `format` over `--max-doc-bytes` (JSON lines, text pages; WET records
/// are copied whole). `compressed` counts the compressed bytes read (`None` for a plain
/// stream: no ratio to check). A read error ends the data where it happened (`truncated` says
/// so); a write error is an output error.
///
/// # Errors
/// The temporary file cannot be written ([`Error::Output`]), or the input expands past
/// `--max-ratio` or the run's inputs past `--max-decompressed` ([`Error::Expansion`]).
pub(super) fn spool(
    mut dec: impl Read,
    compressed: Option<&Cell<u64>>,
    format: Format,
    limits: &Limits,
    path: &Path,
    tmp_dir: &Path,
) -> Result<Spooled> {
    let tmp = tempfile::tempfile_in(tmp_dir).map_err(|e| Error::output(tmp_dir, e))?;
    let mut sink = Sink {
        out: io::BufWriter::with_capacity(1 << 20, tmp),
        at: 0,
        tmp_dir,
    };
    let mut buf = vec![0u8; 1 << 20];
    let mut decoded = 0u64;
    let mut truncated = None;
    let mut skipped = Vec::new();
    let mut rec = Record::at(0);
    let mut wet = Wet::Gap;
    // The first bytes of the file: a byte-order mark is not part of the first line.
    let mut head: Vec<u8> = Vec::with_capacity(3);
    // Over the limit whatever the line end (`\r`) and byte-order mark: 4 bytes of slack.
    let max = (limits.max_doc_bytes as u64 + 4).max(SKIP_MIN_BYTES);
    loop {
        let n = match dec.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                truncated = Some(if compressed.is_some() {
                    format!("compressed stream is damaged or truncated after {decoded} decompressed bytes: {e}")
                } else {
                    format!("reading stopped after {decoded} bytes: {e}")
                });
                break;
            }
        };
        decoded += n as u64;
        check(limits, n as u64, decoded, compressed, path)?;
        let b = &buf[..n];
        if head.len() < 3 {
            head.extend(b.iter().take(3 - head.len()));
        }
        match format {
            // A Parquet file is binary: copied whole (its rows are bounded when it is read).
            Format::Parquet => sink.write(b)?,
            Format::Wet => wet.feed(b, &mut sink, &mut skipped, max)?,
            Format::Text => {
                rec.add(b);
                if !rec.skipping {
                    if rec.len > max {
                        sink.cut(0)?;
                        rec.skipping = true;
                    } else {
                        sink.write(b)?;
                    }
                }
            }
            Format::Jsonl => {
                let bom = head == b"\xEF\xBB\xBF";
                let mut b = b;
                loop {
                    let nl = memchr::memchr(b'\n', b);
                    let seg = &b[..nl.unwrap_or(b.len())];
                    rec.add(seg);
                    if !rec.skipping {
                        sink.write(seg)?;
                        if rec.len > max {
                            sink.cut(rec.start)?;
                            rec.skipping = true;
                        }
                    }
                    let Some(i) = nl else { break };
                    end_line(&mut rec, &mut sink, &mut skipped, bom, true)?;
                    b = &b[i + 1..];
                }
            }
        }
    }
    match format {
        Format::Jsonl => end_line(
            &mut rec,
            &mut sink,
            &mut skipped,
            head == b"\xEF\xBB\xBF",
            false,
        )?,
        Format::Text if rec.skipping => {
            sink.write(PLACEHOLDER)?;
            skipped.push(Skipped {
                at: 0,
                bytes: rec.len,
                removed: rec.len - PLACEHOLDER.len() as u64,
                warc_lines: 0,
            });
        }
        Format::Wet => wet.end(&mut sink)?,
        Format::Text | Format::Parquet => {}
    }
    let file = sink
        .out
        .into_inner()
        .map_err(|e| Error::output(tmp_dir, e.into_error()))?;
    Ok(Spooled {
        file,
        decoded,
        truncated,
        skipped,
    })
}

/// Ends the JSON line `rec` (at a line end if `newline`, else at the end of the data): a
/// skipped line leaves its placeholder, then the next line starts.
fn end_line(
    rec: &mut Record,
    sink: &mut Sink,
    skipped: &mut Vec<Skipped>,
    bom: bool,
    newline: bool,
) -> Result<()> {
    if rec.skipping && !rec.blank {
        // Measured as `super::lines` measures a record: without `\r` and byte-order mark.
        let bytes =
            rec.len - u64::from(rec.last == b'\r') - if rec.start == 0 && bom { 3 } else { 0 };
        skipped.push(Skipped {
            at: rec.start as usize,
            bytes,
            removed: rec.len - PLACEHOLDER.len() as u64,
            warc_lines: 0,
        });
        sink.write(PLACEHOLDER)?;
    }
    if newline {
        sink.write(b"\n")?;
    }
    *rec = Record::at(sink.at);
    Ok(())
}

/// Where a WET file being decompressed is, to skip the body of a record over the limit. A
/// skipped record keeps its header, with `Content-Length` the placeholder's, and gets the
/// placeholder for body: `wet::scan` finds it where it was, with its type, id and URL.
enum Wet {
    /// Between records (line ends).
    Gap,
    /// In a header block starting at `start` in the temporary file.
    Header { start: u64, buf: Vec<u8> },
    /// In a body, `left` more bytes to copy.
    Body { left: u64 },
    /// In a body over the limit: `left` more bytes to count (see [`Wet::Skip`]'s use).
    Skip {
        start: u64,
        header: Vec<u8>,
        len: u64,
        left: u64,
        at: u64,
        /// Lines starting `WARC/` seen in the body, and its last 5 bytes so far.
        warc_lines: u64,
        tail: Vec<u8>,
    },
    /// In something `wet::scan` resynchronizes over: the rest is copied as it is.
    Copy,
}

impl Wet {
    fn feed(
        &mut self,
        mut b: &[u8],
        sink: &mut Sink,
        skipped: &mut Vec<Skipped>,
        max: u64,
    ) -> Result<()> {
        while !b.is_empty() {
            match self {
                Wet::Copy => {
                    sink.write(b)?;
                    return Ok(());
                }
                Wet::Gap => {
                    let k = b
                        .iter()
                        .position(|&c| c != b'\r' && c != b'\n')
                        .unwrap_or(b.len());
                    sink.write(&b[..k])?;
                    b = &b[k..];
                    if !b.is_empty() {
                        *self = Wet::Header {
                            start: sink.at,
                            buf: Vec::new(),
                        };
                    }
                }
                Wet::Header { start, buf } => {
                    let nl = memchr::memchr(b'\n', b);
                    let k = nl.map_or(b.len(), |i| i + 1);
                    buf.extend_from_slice(&b[..k]);
                    sink.write(&b[..k])?;
                    b = &b[k..];
                    let warc = b"WARC/".starts_with(&buf[..buf.len().min(5)]);
                    if !warc || buf.len() > WET_HEADER_MAX {
                        *self = Wet::Copy;
                        continue;
                    }
                    if nl.is_none() || !(buf.ends_with(b"\n\n") || buf.ends_with(b"\n\r\n")) {
                        continue;
                    }
                    let len = super::wet::headers(buf, 0).and_then(|h| h.content_length);
                    *self = match len {
                        None => Wet::Copy,
                        Some(len) if len as u64 > max => {
                            let start = *start;
                            let header = std::mem::take(buf);
                            sink.cut(start)?;
                            write_header(sink, &header)?;
                            let at = sink.at;
                            sink.write(PLACEHOLDER)?;
                            Wet::Skip {
                                start,
                                header,
                                len: len as u64,
                                left: len as u64,
                                at,
                                warc_lines: 0,
                                tail: Vec::new(),
                            }
                        }
                        Some(len) => Wet::Body { left: len as u64 },
                    };
                    // A record with an empty body ends here.
                    if let Wet::Body { left: 0 } = self {
                        *self = Wet::Gap;
                    }
                }
                Wet::Body { left } => {
                    let k = (*left).min(b.len() as u64) as usize;
                    sink.write(&b[..k])?;
                    b = &b[k..];
                    *left -= k as u64;
                    if *left == 0 {
                        *self = Wet::Gap;
                    }
                }
                Wet::Skip {
                    start,
                    header,
                    len,
                    left,
                    at,
                    warc_lines,
                    tail,
                } => {
                    let k = (*left).min(b.len() as u64) as usize;
                    *warc_lines += count_warc_lines(tail, &b[..k]);
                    b = &b[k..];
                    *left -= k as u64;
                    if *left == 0 {
                        let kept = (sink.at - *start) as usize;
                        skipped.push(Skipped {
                            at: *at as usize,
                            bytes: *len,
                            removed: (header.len() as u64 + *len).saturating_sub(kept as u64),
                            warc_lines: *warc_lines,
                        });
                        *self = Wet::Gap;
                    }
                }
            }
        }
        Ok(())
    }

    /// At the end of the data: a body being skipped that the data ends inside is put back as
    /// its header alone, which `wet::scan` finds runs past the end of the file.
    fn end(&mut self, sink: &mut Sink) -> Result<()> {
        if let Wet::Skip { start, header, .. } = self {
            sink.cut(*start)?;
            sink.write(header)?;
        }
        Ok(())
    }
}

/// Lines starting `WARC/` in `b`, which follows the bytes whose last 5 are `tail` (updated).
fn count_warc_lines(tail: &mut Vec<u8>, b: &[u8]) -> u64 {
    const LINE: &[u8] = b"\nWARC/";
    let mut joined = std::mem::take(tail);
    joined.extend_from_slice(&b[..b.len().min(LINE.len() - 1)]);
    // (Too short to hold a whole line start, `joined` finds only those across the boundary.)
    let n = memchr::memmem::find_iter(&joined, LINE).count()
        + memchr::memmem::find_iter(b, LINE).count();
    let keep = LINE.len() - 1;
    if b.len() >= keep {
        tail.extend_from_slice(&b[b.len() - keep..]);
    } else {
        tail.extend_from_slice(&joined[joined.len().saturating_sub(keep)..]);
    }
    n as u64
}

/// Writes a WET header block with every `Content-Length` the placeholder's.
fn write_header(sink: &mut Sink, header: &[u8]) -> Result<()> {
    for line in header.split_inclusive(|&c| c == b'\n') {
        let name = line.split(|&c| c == b':').next().unwrap_or_default();
        if line.contains(&b':') && name.eq_ignore_ascii_case(b"Content-Length") {
            let end: &[u8] = if line.ends_with(b"\r\n") {
                b"\r\n"
            } else {
                b"\n"
            };
            sink.write(format!("Content-Length: {}", PLACEHOLDER.len()).as_bytes())?;
            sink.write(end)?;
        } else {
            sink.write(line)?;
        }
    }
    Ok(())
}

/// Counts `n` more decompressed bytes (`decoded` in this input) against the run's limits.
fn check(
    limits: &Limits,
    n: u64,
    decoded: u64,
    compressed: Option<&Cell<u64>>,
    path: &Path,
) -> Result<()> {
    let used = limits.used.fetch_add(n, Relaxed) + n;
    let read = compressed.map(Cell::get);
    let at = match read {
        Some(c) => format!("compressed offset {c}, decompressed offset {decoded}"),
        None => format!("byte offset {decoded}"),
    };
    if used > limits.max_decompressed {
        return Err(Error::Expansion {
            path: path.to_path_buf(),
            message: format!(
                "the run's compressed inputs and streams decompress to more than --max-decompressed {} bytes (stopped at {at} of this input): give a larger --max-decompressed, or more disk",
                limits.max_decompressed
            ),
        });
    }
    if let Some(c) = read {
        if limits.max_ratio > 0
            && decoded >= RATIO_MIN_BYTES
            && decoded > limits.max_ratio.saturating_mul(c)
        {
            return Err(Error::Expansion {
                path: path.to_path_buf(),
                message: format!(
                    "expands more than {}:1 (--max-ratio), stopped as a decompression bomb at compressed offset {c}, decompressed offset {decoded} ({}:1; --max-ratio 0 turns the check off)",
                    limits.max_ratio,
                    decoded / c.max(1)
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Spools `input` as `format` with `--max-doc-bytes 10`: (temporary file, skipped).
    fn spooled(input: &[u8], format: Format) -> (Vec<u8>, Vec<Skipped>) {
        let dir = tempfile::tempdir().unwrap();
        let limits = Limits::unlimited(10);
        let s = spool(input, None, format, &limits, Path::new("x"), dir.path()).unwrap();
        assert_eq!(s.decoded, input.len() as u64);
        let mut data = Vec::new();
        let mut f = s.file;
        f.seek(SeekFrom::Start(0)).unwrap();
        f.read_to_end(&mut data).unwrap();
        (data, s.skipped)
    }

    #[test]
    fn long_lines_become_placeholders_on_their_own_lines() {
        let big = "x".repeat(100_000);
        let input = format!(
            "\u{feff}{big}\r\n{{\"a\":1}}\n{}\n\n{big}\r\n{big}",
            " ".repeat(100_000)
        );
        let (data, skipped) = spooled(input.as_bytes(), Format::Jsonl);
        let p = std::str::from_utf8(PLACEHOLDER).unwrap();
        // The blank line over the limit is no record: it leaves an empty line.
        assert_eq!(
            String::from_utf8(data).unwrap(),
            format!("{p}\n{{\"a\":1}}\n\n\n{p}\n{p}")
        );
        let at: Vec<usize> = skipped.iter().map(|s| s.at).collect();
        let n = PLACEHOLDER.len();
        assert_eq!(at, [0, n + 11, 2 * n + 12]);
        // Measured without `\r` and byte-order mark, as `lines` measures a record.
        assert!(skipped.iter().all(|s| s.bytes == 100_000), "{skipped:?}");
        assert_eq!(skipped[0].removed, 100_000 + 3 + 1 - n as u64);
    }

    #[test]
    fn a_long_wet_body_keeps_its_header_with_the_placeholder_length() {
        let body = "b".repeat(100_000);
        let rec = |id: u32, body: &str| {
            format!(
                "WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Record-ID: <{id}>\r\ncontent-length: {}\r\n\r\n{body}\r\n\r\n",
                body.len()
            )
        };
        let input = rec(1, &body) + &rec(2, "short");
        let (data, skipped) = spooled(input.as_bytes(), Format::Wet);
        let p = std::str::from_utf8(PLACEHOLDER).unwrap();
        let want = format!(
            "WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Record-ID: <1>\r\nContent-Length: {}\r\n\r\n{p}\r\n\r\n",
            p.len()
        ) + &rec(2, "short");
        assert_eq!(String::from_utf8(data).unwrap(), want);
        assert_eq!(skipped.len(), 1);
        assert_eq!(skipped[0].bytes, 100_000);
        assert_eq!(&want[skipped[0].at..skipped[0].at + p.len()], p);
    }

    #[test]
    fn warc_lines_are_counted_across_chunks() {
        let body = b"text\nWARC/1.0\nmore\nWARC/1.0 and\nWARC".repeat(3);
        for cut in 1..body.len() {
            let mut tail = Vec::new();
            let n = count_warc_lines(&mut tail, &body[..cut])
                + count_warc_lines(&mut tail, &body[cut..]);
            assert_eq!(n, 6, "cut at {cut}");
        }
        let mut tail = Vec::new();
        let n: u64 = body
            .iter()
            .map(|b| count_warc_lines(&mut tail, &[*b]))
            .sum();
        assert_eq!(n, 6, "byte by byte");
    }

    #[test]
    fn a_long_text_page_is_one_placeholder() {
        let (data, skipped) = spooled("t".repeat(100_000).as_bytes(), Format::Text);
        assert_eq!(data, PLACEHOLDER);
        assert_eq!(skipped[0].bytes, 100_000);
    }
}
