//! Input files: finds them, picks their format, maps or decompresses them, and splits them
//! into records (JSON Lines in [`jsonl`], WET in [`wet`], line chunks here).
//!
//! Offsets are byte offsets into the (decompressed) file. Opening ([`open`]) maps plain files;
//! compressed ones, and inputs that are not regular files (standard input as `-`, a pipe, a
//! FIFO, `<(...)`), are streamed into an unnamed temporary file in the output directory, which
//! is then mapped, so every kind is read the same way, none is held in RAM, and a stream is
//! read exactly once.

pub mod jsonl;
mod open;
pub mod parquet;
mod spool;
pub mod wet;

pub use open::{open, Data, Opened, ReadMode, Stamp};
pub use spool::{Limits, Skipped, PLACEHOLDER, RATIO_MIN_BYTES};

use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// JSON Lines: one object per line.
    Jsonl,
    /// Plain text: one page per file.
    Text,
    /// Common Crawl WET: one document per `conversion` record.
    Wet,
    /// Apache Parquet: one document per row, read as a JSON line of its columns.
    Parquet,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "jsonl" | "ndjson" | "json" => Ok(Format::Jsonl),
            "txt" | "text" => Ok(Format::Text),
            "wet" | "warc" => Ok(Format::Wet),
            "parquet" => Ok(Format::Parquet),
            _ => Err(format!(
                "unknown format `{s}` (expected jsonl, txt, wet or parquet)"
            )),
        }
    }
}

/// Compression of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// Not compressed: memory-mapped.
    None,
    /// gzip, possibly multi-member (as Common Crawl writes it).
    Gzip,
    /// zstd, possibly several frames.
    Zstd,
}

/// The name standard input (`-` on the command line) goes by in sources and messages.
pub const STDIN_NAME: &str = "<stdin>";

/// How an input's bytes are reached.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Kind {
    /// A regular file: mapped (or decompressed) from its path, checked unchanged at commit.
    #[default]
    Regular,
    /// Not a regular file (a pipe, FIFO, character device such as `/dev/stdin`): read once,
    /// in full, into a temporary file. A pipe maps as an empty file, so it must never be
    /// mapped (issue 12).
    Stream,
    /// Standard input (`-`), named [`STDIN_NAME`]: read like a [`Kind::Stream`].
    Stdin,
}

/// One input file, in the order the run reads it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct InputFile {
    /// The path as it will be shown in sources and messages.
    pub path: PathBuf,
    /// For plain-text pages: the path relative to the input root, used as the document id.
    pub rel: String,
    /// Format of the decompressed content.
    pub format: Format,
    /// Compression of the file on disk.
    pub compression: Compression,
    /// Set when the directory walk could not read this path (a symlink loop, a directory
    /// without permission): the path is then one unreadable record.
    pub unreadable: Option<String>,
    /// A regular file, or a stream that can be read only once.
    #[serde(default)]
    pub kind: Kind,
}

/// Sniffs format and compression from a file name; `None` if canon does not read it.
pub fn sniff(path: &Path, forced: Option<Format>) -> Option<(Format, Compression)> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let (base, compression) = if let Some(b) = name.strip_suffix(".gz") {
        (b, Compression::Gzip)
    } else if let Some(b) = name.strip_suffix(".zst") {
        (b, Compression::Zstd)
    } else {
        (name.as_str(), Compression::None)
    };
    if let Some(f) = forced {
        return Some((f, compression));
    }
    let ext = base.rsplit_once('.')?.1;
    let format = match ext {
        "jsonl" | "ndjson" | "json" => Format::Jsonl,
        "txt" => Format::Text,
        "wet" => Format::Wet,
        "parquet" => Format::Parquet,
        _ => return None,
    };
    Some((format, compression))
}

/// Expands the command-line inputs into files: directories are walked recursively in sorted
/// path order and files of unknown type in them are returned as skipped; an explicit file of
/// unknown type is a usage error. A directory walk does not enter `exclude` (the output
/// directory, so that a run never reads an earlier run's outputs).
///
/// # Errors
/// A path that does not exist or cannot be read, or an explicit file canon cannot read.
pub fn discover(
    inputs: &[PathBuf],
    forced: Option<Format>,
    exclude: Option<&Path>,
) -> Result<(Vec<InputFile>, Vec<PathBuf>)> {
    let exclude = exclude.and_then(|p| std::fs::canonicalize(p).ok());
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for input in inputs {
        if input.as_os_str() == "-" {
            files.push(stdin_input(forced)?);
            continue;
        }
        let meta = std::fs::metadata(input).map_err(|e| match e.kind() {
            // A path that is not there is a usage error, as an empty directory is: the
            // command line names no input (exit 2 for both).
            io::ErrorKind::NotFound => Error::Usage(format!(
                "{}: input not found (no such file or directory)",
                input.display()
            )),
            _ => Error::io(input, e),
        })?;
        if meta.is_dir() {
            let walk = walkdir::WalkDir::new(input)
                .follow_links(true)
                .sort_by(|a, b| a.file_name().cmp(b.file_name()))
                .into_iter()
                .filter_entry(|e| {
                    !(e.file_type().is_dir()
                        && exclude.is_some()
                        && std::fs::canonicalize(e.path()).ok() == exclude)
                });
            for entry in walk {
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(e) => {
                        // Not fatal: the path is listed as an unreadable record.
                        let path = e.path().unwrap_or(input).to_path_buf();
                        let msg = io::Error::from(e).to_string();
                        files.push(InputFile {
                            rel: rel_id(path.strip_prefix(input).unwrap_or(&path)),
                            path,
                            format: Format::Text,
                            compression: Compression::None,
                            unreadable: Some(msg),
                            kind: Kind::Regular,
                        });
                        continue;
                    }
                };
                if !entry.file_type().is_file() {
                    continue;
                }
                let path = entry.path();
                match sniff(path, forced) {
                    Some((format, compression)) => files.push(InputFile {
                        path: path.to_path_buf(),
                        rel: rel_id(path.strip_prefix(input).unwrap_or(path)),
                        format,
                        compression,
                        unreadable: None,
                        kind: Kind::Regular,
                    }),
                    // (Only regular files get here: a FIFO in a directory is never opened,
                    // as reading it could wait forever.)
                    None => skipped.push(path.to_path_buf()),
                }
            }
        } else {
            let kind = if meta.is_file() {
                Kind::Regular
            } else {
                Kind::Stream
            };
            let (format, compression) = sniff(input, forced).ok_or_else(|| {
                let hint = if kind == Kind::Stream {
                    " (a pipe's name says nothing of its format: give --format)"
                } else {
                    ""
                };
                Error::Usage(format!(
                    "{}: unknown input type (use .jsonl, .ndjson, .json, .txt, .wet, optionally .gz or .zst, .parquet, or --format){hint}",
                    input.display()
                ))
            })?;
            let rel = input.file_name().map(Path::new).unwrap_or(input);
            files.push(InputFile {
                path: input.clone(),
                rel: rel_id(rel),
                format,
                compression,
                unreadable: None,
                kind,
            });
        }
    }
    // Input order is path order, whatever order the command line gave: the same files give
    // byte-identical output. A file named twice (or reached through two arguments) is read once.
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut seen = std::collections::HashSet::new();
    files
        .retain(|f| seen.insert(std::fs::canonicalize(&f.path).unwrap_or_else(|_| f.path.clone())));
    Ok((files, skipped))
}

/// Standard input (`-`): its format must be given, as it has no name to tell it by; its
/// compression is told by its first bytes when it is opened.
fn stdin_input(forced: Option<Format>) -> Result<InputFile> {
    let format = forced.ok_or_else(|| {
        Error::Usage(
            "-: standard input has no file name to tell its format by: give --format jsonl, txt, wet or parquet"
                .into(),
        )
    })?;
    Ok(InputFile {
        path: PathBuf::from(STDIN_NAME),
        rel: STDIN_NAME.to_owned(),
        format,
        compression: Compression::None,
        unreadable: None,
        kind: Kind::Stdin,
    })
}

/// A page id from a relative path: `/`-separated, without a compression suffix.
fn rel_id(rel: &Path) -> String {
    let s = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    s.strip_suffix(".gz")
        .or_else(|| s.strip_suffix(".zst"))
        .map(str::to_owned)
        .unwrap_or(s)
}

/// Target size of one unit of parallel reading work (a run of lines or WET records).
pub const CHUNK_BYTES: usize = 1 << 20;

/// Splits a JSON Lines chunk (a range from [`line_chunks`]) into records: (byte range without line end, 1-based line number);
/// blank lines are skipped.
pub fn lines(data: &[u8], range: Range<usize>, first_line: u64) -> Lines<'_> {
    // A byte-order mark at the start of the file is not part of the first record.
    let pos = if range.start == 0 {
        bom_len(data)
    } else {
        range.start
    };
    Lines {
        data,
        end: range.end,
        pos,
        line: first_line,
        first_line,
        ends_in_newline: range.is_empty() || data[range.end - 1] == b'\n',
        known: None,
    }
}

/// The records of a JSON Lines chunk ([`lines`]); once read to the end, it knows how many
/// line ends the chunk held ([`Lines::line_ends`]), so the chunk needs no count of its own.
pub struct Lines<'a> {
    data: &'a [u8],
    end: usize,
    pos: usize,
    line: u64,
    first_line: u64,
    ends_in_newline: bool,
    /// Line lengths known from a Parquet file's conversion, by line number.
    known: Option<&'a parquet::Rows>,
}

impl<'a> Lines<'a> {
    /// The same lines, found from the lengths `rows` kept for the lines of a converted Parquet
    /// file instead of by a search for each line end (the first read of every converted byte
    /// in pass 1). A length that does not end at a line end is searched for as before.
    pub fn known(self, rows: Option<&'a parquet::Rows>) -> Lines<'a> {
        Lines {
            known: rows,
            ..self
        }
    }

    /// The line ends (`\n`) of the chunk read so far; once the iterator is exhausted, all of
    /// them (a last line without one is not counted).
    pub fn line_ends(&self) -> u64 {
        let segments = self.line - self.first_line;
        if self.pos >= self.end && !self.ends_in_newline {
            segments.saturating_sub(1)
        } else {
            segments
        }
    }
}

impl Iterator for Lines<'_> {
    type Item = (Range<usize>, u64);

    fn next(&mut self) -> Option<Self::Item> {
        let data = self.data;
        while self.pos < self.end {
            let pos = self.pos;
            let known = self
                .known
                .and_then(|r| r.line_len(self.line))
                .map(|n| pos + n)
                .filter(|&e| e < self.end && data[e] == b'\n');
            let end = known.unwrap_or_else(|| {
                memchr::memchr(b'\n', &data[pos..self.end]).map_or(self.end, |i| pos + i)
            });
            let mut e = end;
            if e > pos && data[e - 1] == b'\r' {
                e -= 1;
            }
            let item = (pos..e, self.line);
            self.pos = end + 1;
            self.line += 1;
            if data[item.0.clone()]
                .iter()
                .any(|b| !b.is_ascii_whitespace())
            {
                return Some(item);
            }
        }
        None
    }
}

/// Length of a UTF-8 byte-order mark at the start of `data` (0 or 3).
pub fn bom_len(data: &[u8]) -> usize {
    if data.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    }
}

/// Splits `data` into chunks of about `target` bytes that end at line ends; returns each
/// chunk's byte range and the 1-based number of its first line.
pub fn line_chunks(data: &[u8], target: usize) -> Vec<(Range<usize>, u64)> {
    line_chunks_then(data, target, |_| {})
}

/// [`line_chunks`], calling `done` with each chunk's range once its lines are counted (to give
/// its pages back under `--memory`).
///
/// Chunk ends are found in order (one `memchr` from each target offset: a page or two per
/// chunk); the lines of the chunks are counted in parallel on the current rayon pool, since
/// counting is the first touch of every page of a mapped input and, done in one thread, was a
/// serial phase of about a second per gigabyte before pass 1 could start.
pub fn line_chunks_then(
    data: &[u8],
    target: usize,
    done: impl Fn(Range<usize>) + Sync,
) -> Vec<(Range<usize>, u64)> {
    use rayon::prelude::*;
    let ranges = line_bounds(data, target);
    let counts: Vec<u64> = ranges
        .par_iter()
        .map(|r| {
            let n = memchr::memchr_iter(b'\n', &data[r.clone()]).count() as u64;
            done(r.clone());
            n
        })
        .collect();
    let mut line = 1u64;
    ranges
        .into_iter()
        .zip(counts)
        .map(|(r, n)| {
            let first = line;
            line += n;
            (r, first)
        })
        .collect()
}

/// The byte ranges of [`line_chunks`], without counting lines: a page or two of `data` is
/// read per chunk.
pub fn line_bounds(data: &[u8], target: usize) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    while start < data.len() {
        let want = (start + target.max(1)).min(data.len());
        let end = if want >= data.len() {
            data.len()
        } else {
            memchr::memchr(b'\n', &data[want - 1..]).map_or(data.len(), |i| want + i)
        };
        ranges.push(start..end);
        start = end;
    }
    ranges
}

/// Text from bytes, replacing invalid UTF-8 with U+FFFD (validated with SIMD first).
pub(crate) fn utf8_lossy(b: &[u8]) -> std::borrow::Cow<'_, str> {
    match simdutf8::basic::from_utf8(b) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing_by_extension() {
        let s = |p: &str| sniff(Path::new(p), None);
        assert_eq!(s("a/b.jsonl"), Some((Format::Jsonl, Compression::None)));
        assert_eq!(s("b.ndjson.gz"), Some((Format::Jsonl, Compression::Gzip)));
        assert_eq!(s("c.warc.wet.gz"), Some((Format::Wet, Compression::Gzip)));
        assert_eq!(s("d.TXT.zst"), Some((Format::Text, Compression::Zstd)));
        assert_eq!(s("e.csv"), None);
        assert_eq!(
            sniff(Path::new("e.csv"), Some(Format::Jsonl)),
            Some((Format::Jsonl, Compression::None))
        );
    }

    #[test]
    fn chunks_end_at_line_ends_and_count_lines() {
        let data = b"aaaa\nbb\ncccccc\nd\n";
        let chunks = line_chunks(data, 3);
        assert_eq!(chunks, vec![(0..5, 1), (5..8, 2), (8..15, 3), (15..17, 4)]);
        assert!(line_chunks(b"", 10).is_empty());
        assert_eq!(line_chunks(b"no newline", 100), vec![(0..10, 1)]);
    }

    proptest::proptest! {
        /// The walk over a chunk's records counts its line ends as a count of its own would:
        /// every chunk of every split, with blank lines, CRs, a byte-order mark and a last
        /// line with or without its line end.
        #[test]
        fn walking_the_records_counts_the_line_ends(
            parts in proptest::collection::vec(
                proptest::sample::select(vec!["{}", "x", "", " ", "\r", "\n", "\n", "\u{feff}"]),
                0..40,
            ),
            target in 1usize..12,
        ) {
            let data = parts.concat().into_bytes();
            let mut next = 1u64;
            for r in line_bounds(&data, target) {
                let counted = memchr::memchr_iter(b'\n', &data[r.clone()]).count() as u64;
                let mut walk = lines(&data, r.clone(), next);
                for (span, line) in walk.by_ref() {
                    proptest::prop_assert!(line >= next);
                    proptest::prop_assert!(!data[span].contains(&b'\n'));
                }
                proptest::prop_assert_eq!(walk.line_ends(), counted, "chunk {:?}", r);
                next += counted;
            }
        }
    }
}
