//! Placing converted row groups, in order, into the buffer or temporary file that holds a
//! Parquet file's JSON Lines ([`Sink`]), with the room reserved at once ([`estimate`]), and
//! cutting the lines into pass 1's chunks at row ends as they are placed ([`Chunks`]).

use std::io;
use std::ops::Range;
use std::path::Path;

use parquet::arrow::arrow_reader::ArrowReaderMetadata;
use rayon::prelude::*;

use super::{Col, Group};
use crate::error::{Error, Result};
use crate::input::open::Data;

/// Bytes the JSON Lines of the file described by `meta` should take, from its row groups'
/// uncompressed sizes (values, and their lengths and levels) plus per row the column names
/// and punctuation. An overestimate only reserves address space that is never touched; an
/// underestimate (dictionary-encoded columns, many escapes) costs the buffer's growth.
pub(super) fn estimate(meta: &ArrowReaderMetadata, kinds: &[Col], names: &[Vec<u8>]) -> usize {
    let per_row: usize = names.iter().map(|n| n.len() + 2).sum::<usize>() + 2;
    let hex = kinds.contains(&Col::Hex);
    meta.metadata()
        .row_groups()
        .iter()
        .map(|g| {
            let values = g.total_byte_size().max(0) as usize;
            // Hex doubles a binary value; escapes add a little to a text.
            let values = if hex {
                2 * values
            } else {
                values + values / 16
            };
            values + g.num_rows().max(0) as usize * per_row
        })
        .sum()
}

/// Where converted row groups are placed, in order.
pub(super) enum Sink<'a> {
    Memory(Vec<u8>),
    File {
        file: std::fs::File,
        dir: &'a Path,
        len: u64,
    },
}

impl Sink<'_> {
    /// Bytes placed so far.
    pub(super) fn len(&self) -> usize {
        match self {
            Sink::Memory(v) => v.len(),
            Sink::File { len, .. } => *len as usize,
        }
    }

    /// Appends the lines of `parts`, in order, copying them in parallel.
    pub(super) fn place(&mut self, parts: &[Group]) -> Result<()> {
        let total: usize = parts.iter().map(|p| p.lines.len()).sum();
        match self {
            Sink::Memory(v) => {
                v.reserve(total);
                let mut dests = Vec::with_capacity(parts.len());
                let mut rest = &mut v.spare_capacity_mut()[..total];
                for p in parts {
                    let (d, r) = std::mem::take(&mut rest).split_at_mut(p.lines.len());
                    dests.push(d);
                    rest = r;
                }
                dests.into_par_iter().zip(parts).for_each(|(d, p)| {
                    // SAFETY: `d` and `p.lines` have the same length, and `d` is spare
                    // capacity of `v`, which nothing else borrows, so they do not overlap.
                    unsafe {
                        std::ptr::copy_nonoverlapping(
                            p.lines.as_ptr(),
                            d.as_mut_ptr().cast::<u8>(),
                            d.len(),
                        );
                    }
                });
                // SAFETY: the `total` bytes after the old length were all written just above.
                unsafe { v.set_len(v.len() + total) };
            }
            Sink::File { file, dir, len } => {
                let mut at = *len;
                let places: Vec<u64> = parts
                    .iter()
                    .map(|p| {
                        let here = at;
                        at += p.lines.len() as u64;
                        here
                    })
                    .collect();
                let file = &*file;
                parts
                    .par_iter()
                    .zip(places)
                    .map(|(p, at)| crate::memory::write_at(file, &p.lines, at))
                    .collect::<io::Result<()>>()
                    .map_err(|e| Error::output(*dir, e))?;
                *len = at;
            }
        }
        Ok(())
    }

    /// The placed lines, to read.
    pub(super) fn finish(self, path: &Path) -> Result<Data> {
        match self {
            Sink::Memory(v) if v.is_empty() => Ok(Data::Empty),
            Sink::Memory(v) => Ok(Data::Read(v)),
            // A file that cannot be mapped is canon's own temporary file: an output error.
            Sink::File { file, dir, .. } => {
                crate::input::open::map(&file, path).map_err(|e| match e {
                    Error::Io { source, .. } => Error::output(dir, source),
                    e => e,
                })
            }
        }
    }
}

/// Cuts converted data into chunks at row ends as [`crate::input::line_bounds`] cuts lines: a chunk
/// ends at the first row end at or past `target` bytes from its start.
pub(super) struct Chunks {
    target: usize,
    out: Vec<(Range<usize>, u64)>,
    /// The current chunk's start and first row.
    start: usize,
    row: u64,
    /// Rows seen so far.
    rows: u64,
}

impl Chunks {
    pub(super) fn new(target: usize) -> Chunks {
        Chunks {
            target: target.max(1),
            out: Vec::new(),
            start: 0,
            row: 1,
            rows: 0,
        }
    }

    /// Rows whose lines end at `ends` (exclusive, from `base`).
    pub(super) fn rows(&mut self, base: usize, ends: &[usize]) {
        for &e in ends {
            let end = base + e;
            self.rows += 1;
            if end >= self.start + self.target {
                self.out.push((self.start..end, self.row));
                self.start = end;
                self.row = self.rows + 1;
            }
        }
    }

    /// The chunks of data of `len` bytes.
    pub(super) fn finish(mut self, len: usize) -> Vec<(Range<usize>, u64)> {
        if self.start < len {
            self.out.push((self.start..len, self.row));
        }
        self.out
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::tests::{fixture, written};
    use super::super::{convert, Hold};
    use crate::input::jsonl::Fields;
    use crate::input::open::Data;

    /// The chunks a conversion hands back are those counting the converted lines gives
    /// (what pass 1 did before), whatever the chunk size, rows of damaged row groups included.
    #[test]
    fn chunks_are_the_split_counting_the_lines_gives() {
        let files = [
            written(3000, 256),
            written(10, 3),
            written(0, 3),
            fixture("pages.parquet"),
            fixture("corrupt_page.parquet"),
            fixture("bad_utf8.parquet"),
            fixture("types.parquet"),
        ];
        for (i, bytes) in files.into_iter().enumerate() {
            for target in [1, 7, 100, 4096, 1 << 20] {
                let c = convert(
                    bytes.clone(),
                    Path::new("t"),
                    &Fields::new(),
                    Hold::Memory,
                    target,
                    &|_| {},
                )
                .unwrap();
                assert_eq!(
                    c.chunks,
                    crate::input::line_chunks(&c.data, target),
                    "file {i}, chunks of {target}"
                );
            }
        }
    }

    /// Held in memory or in a temporary file, the converted lines and their faults are the
    /// same; under `--memory` (a file) the lines are a mapped file, else a buffer.
    #[test]
    fn memory_and_file_hold_the_same_lines() {
        let dir = tempfile::tempdir().unwrap();
        let conv = |bytes: &bytes::Bytes, hold| {
            convert(
                bytes.clone(),
                Path::new("t"),
                &Fields::new(),
                hold,
                1000,
                &|_| {},
            )
            .unwrap()
        };
        let big = written(3000, 256);
        for bytes in [
            &big,
            &fixture("pages.parquet"),
            &fixture("corrupt_page.parquet"),
        ] {
            let (m, f) = (
                conv(bytes, Hold::Memory),
                conv(bytes, Hold::File(dir.path())),
            );
            assert_eq!(&m.data[..], &f.data[..]);
            assert_eq!(m.chunks, f.chunks);
            assert_eq!(m.errors.ranges, f.errors.ranges);
        }
        let (m, f) = (conv(&big, Hold::Memory), conv(&big, Hold::File(dir.path())));
        assert!(m.data.len() > 64 << 10, "big enough to be mapped");
        assert!(matches!(m.data, Data::Read(_)));
        assert!(matches!(f.data, Data::Mapped(_)));
        // Each row is one line: the same record a JSON line of its values is.
        let first = m.data.split(|&b| b == b'\n').next().unwrap();
        assert_eq!(
            first,
            br#"{"id":"d0","text":"page 0\n\"q\" ","n":0,"url":"https://h0.org/a\\0"}"#
        );
    }
}
