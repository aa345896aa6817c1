//! Opening one input: maps a plain file, or streams a compressed file or a stream (standard
//! input, a pipe, a FIFO) into an unnamed temporary file in the output directory and maps that
//! ([`open`]). Part of the read stage; the result ([`Opened`]) is what every later stage reads
//! text from. A stream is read exactly once, here: it has no length to map (a pipe maps as an
//! empty file) and cannot be read again.

use std::fs::File;
use std::io::{self, Read, Write};
use std::ops::{Deref, Range};
use std::path::Path;

use memmap2::Mmap;

use super::jsonl::Fields;
use super::parquet::RowErrors;
use super::{Compression, Format, InputFile, Kind};
use crate::error::{Error, Result};

/// The bytes of one opened input file.
pub enum Data {
    /// A mapped file (plain, or decompressed into a temporary file).
    Mapped(Mmap),
    /// A file read into memory (`--no-mmap`).
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
    /// A no-op for data read into memory.
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
    /// A converted Parquet file: the rows (lines of `data`) that are invalid records, and why.
    pub row_errors: RowErrors,
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
            row_errors: RowErrors::default(),
        }
    }
}

/// Maps or reads `file`, or decompresses it into a temporary file in `tmp_dir` and maps that;
/// a Parquet file is then converted into JSON Lines in another temporary file
/// ([`super::parquet`]), which its [`Opened`] holds instead.
///
/// # Errors
/// The file cannot be opened, read or mapped (or is not a readable Parquet file), or the
/// temporary file cannot be written.
pub fn open(file: &InputFile, tmp_dir: &Path, mode: ReadMode, fields: &Fields) -> Result<Opened> {
    let mut o = open_bytes(file, tmp_dir, mode)?;
    if file.format == Format::Parquet {
        if let Some(msg) = o.truncated.take() {
            // Without its end a Parquet file has no footer, and nothing can be read.
            return Err(Error::io(&file.path, io::Error::other(msg)));
        }
        let bytes = match std::mem::replace(&mut o.data, Data::Empty) {
            Data::Mapped(m) => bytes::Bytes::from_owner(m),
            Data::Read(v) => bytes::Bytes::from(v),
            Data::Empty => bytes::Bytes::new(),
        };
        let c = super::parquet::convert(bytes, &file.path, fields, tmp_dir)?;
        o.data = c.data;
        o.row_errors = c.errors;
    }
    Ok(o)
}

/// [`open`] without the conversion of Parquet files: the bytes of the file.
fn open_bytes(file: &InputFile, tmp_dir: &Path, mode: ReadMode) -> Result<Opened> {
    let path = &file.path;
    if file.kind == Kind::Stdin {
        return open_stream(io::stdin().lock(), file, tmp_dir);
    }
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    let meta = f.metadata().map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        return Err(Error::io(path, io::Error::other("is a directory")));
    }
    if !meta.is_file() {
        // A pipe or FIFO has no length to map: it would read as empty (issue 12).
        return open_stream(f, file, tmp_dir);
    }
    let stamp = Stamp::of(&meta);
    let disk_bytes = meta.len();
    let (data, truncated) = match file.compression {
        Compression::None if mode == ReadMode::Buffered => {
            let mut v = Vec::with_capacity(disk_bytes as usize);
            f.read_to_end(&mut v).map_err(|e| Error::io(path, e))?;
            (Data::Read(v), None)
        }
        Compression::None => (map(&f, path)?, None),
        Compression::Gzip | Compression::Zstd => {
            let reader = io::BufReader::with_capacity(1 << 20, f);
            spool(
                decoder(reader, file.compression, path)?,
                true,
                path,
                tmp_dir,
            )?
        }
    };
    Ok(Opened {
        data,
        disk_bytes,
        stamp,
        truncated,
        unreadable: None,
        row_errors: RowErrors::default(),
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
fn open_stream(r: impl Read, file: &InputFile, tmp_dir: &Path) -> Result<Opened> {
    let path = &file.path;
    let mut counted = Counted { inner: r, bytes: 0 };
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
    let dec = decoder(&mut reader, compression, path)?;
    let (data, truncated) = spool(dec, compressed, path, tmp_dir)?;
    drop(reader);
    Ok(Opened {
        data,
        disk_bytes: counted.bytes,
        stamp: Stamp {
            size: counted.bytes,
            mtime_ns: 0,
        },
        truncated,
        unreadable: None,
        row_errors: RowErrors::default(),
    })
}

/// A reader that counts the bytes it passes on (a stream's size is only known once read).
struct Counted<R> {
    inner: R,
    bytes: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Copies what `dec` reads into an unnamed temporary file in `tmp_dir` and maps it. A read
/// error ends the data where it happened (`truncated` says so; the bytes before it are
/// kept); a write error is an output error. `compressed` words the message.
fn spool(
    mut dec: impl Read,
    compressed: bool,
    path: &Path,
    tmp_dir: &Path,
) -> Result<(Data, Option<String>)> {
    let tmp = tempfile::tempfile_in(tmp_dir).map_err(|e| Error::output(tmp_dir, e))?;
    let mut out = io::BufWriter::with_capacity(1 << 20, tmp);
    let mut buf = vec![0u8; 1 << 20];
    let mut written = 0u64;
    let mut truncated = None;
    loop {
        match dec.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                out.write_all(&buf[..n])
                    .map_err(|e| Error::output(tmp_dir, e))?;
                written += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                truncated = Some(if compressed {
                    format!("compressed stream is damaged or truncated after {written} decompressed bytes: {e}")
                } else {
                    format!("reading stopped after {written} bytes: {e}")
                });
                break;
            }
        }
    }
    let tmp = out
        .into_inner()
        .map_err(|e| Error::output(tmp_dir, e.into_error()))?;
    Ok((map(&tmp, path)?, truncated))
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
