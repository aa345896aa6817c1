//! Bounded memory (`--memory`): tables larger than their share of the budget are sorted as
//! runs in temporary files and merged back in one pass ([`sort`]); what is in memory anyway
//! comes back sorted the same way, so results do not depend on the budget.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A fixed-size record that can be written to a run file.
pub trait Record: Copy + Ord + Send + Sync {
    /// Bytes per record.
    const SIZE: usize;
    fn put(&self, out: &mut Vec<u8>);
    fn get(b: &[u8]) -> Self;
    /// The record's leading `u64`: records order by it first (see [`sort_records`]).
    fn lead(&self) -> u64;
}

impl Record for u64 {
    const SIZE: usize = 8;
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn get(b: &[u8]) -> u64 {
        u64::from_le_bytes(b[..8].try_into().expect("8 bytes"))
    }
    fn lead(&self) -> u64 {
        *self
    }
}

impl Record for (u64, u32) {
    const SIZE: usize = 12;
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0.to_le_bytes());
        out.extend_from_slice(&self.1.to_le_bytes());
    }
    fn get(b: &[u8]) -> (u64, u32) {
        (
            u64::from_le_bytes(b[..8].try_into().expect("8 bytes")),
            u32::from_le_bytes(b[8..12].try_into().expect("4 bytes")),
        )
    }
    fn lead(&self) -> u64 {
        self.0
    }
}

impl Record for (u64, u128) {
    const SIZE: usize = 24;
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0.to_le_bytes());
        out.extend_from_slice(&self.1.to_le_bytes());
    }
    fn get(b: &[u8]) -> (u64, u128) {
        (
            u64::from_le_bytes(b[..8].try_into().expect("8 bytes")),
            u128::from_le_bytes(b[8..24].try_into().expect("16 bytes")),
        )
    }
    fn lead(&self) -> u64 {
        self.0
    }
}

impl Record for (u64, u32, u128) {
    const SIZE: usize = 28;
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0.to_le_bytes());
        out.extend_from_slice(&self.1.to_le_bytes());
        out.extend_from_slice(&self.2.to_le_bytes());
    }
    fn get(b: &[u8]) -> (u64, u32, u128) {
        (
            u64::from_le_bytes(b[..8].try_into().expect("8 bytes")),
            u32::from_le_bytes(b[8..12].try_into().expect("4 bytes")),
            u128::from_le_bytes(b[12..28].try_into().expect("16 bytes")),
        )
    }
    fn lead(&self) -> u64 {
        self.0
    }
}

/// Where and how much: the budget of one table (bytes of records held in memory at once) and
/// the directory for run files. `None` budget: everything in memory.
#[derive(Debug, Clone)]
pub struct Spill {
    pub budget: Option<usize>,
    pub dir: PathBuf,
}

impl Spill {
    /// No budget: tables are sorted in memory.
    pub fn unlimited() -> Spill {
        Spill {
            budget: None,
            dir: std::env::temp_dir(),
        }
    }

    /// Records of type `T` that fit in the budget (at least 1024, so runs are not tiny).
    fn capacity<T: Record>(&self) -> usize {
        self.budget
            .map_or(usize::MAX, |b| (b / std::mem::size_of::<T>()).max(1024))
    }
}

/// A sorted sequence: in memory, or sorted runs on disk being merged.
pub enum Sorted<T: Record> {
    Memory(std::vec::IntoIter<T>),
    Runs(Merge<T>),
}

impl<T: Record> Iterator for Sorted<T> {
    type Item = Result<T>;
    fn next(&mut self) -> Option<Result<T>> {
        match self {
            Sorted::Memory(it) => it.next().map(Ok),
            Sorted::Runs(m) => m.next(),
        }
    }
}

/// Sorts `items` within `spill`'s budget: while they fit, in memory; beyond, in sorted runs of
/// one budget each, written to unnamed temporary files and merged as the result is read.
///
/// # Errors
/// A run file cannot be written.
pub fn sort<T: Record>(
    items: impl Iterator<Item = T>,
    spill: &Spill,
    stats: &mut SpillStats,
) -> Result<Sorted<T>> {
    let cap = spill.capacity::<T>();
    // Room for what the iterator says it holds (up to a run): growing by doubling copied
    // the table and touched fresh pages for each doubling.
    let mut buf: Vec<T> = Vec::with_capacity(items.size_hint().0.min(cap));
    let mut runs: Vec<File> = Vec::new();
    for item in items {
        buf.push(item);
        if buf.len() >= cap {
            runs.push(write_run(&mut buf, &spill.dir, stats)?);
        }
    }
    if runs.is_empty() {
        sort_records(&mut buf);
        return Ok(Sorted::Memory(buf.into_iter()));
    }
    if !buf.is_empty() {
        runs.push(write_run(&mut buf, &spill.dir, stats)?);
    }
    drop(buf);
    Merge::new(runs, &spill.dir).map(Sorted::Runs)
}

/// Sorts `buf` into the order `sort_unstable` gives (records are totally ordered and equal
/// records are identical, so the order is the same), partitioned first by their leading `u64`
/// ([`crate::partition_sort`]): the tables sorted here are led by hashes.
pub fn sort_records<T: Record>(buf: &mut [T]) {
    crate::partition_sort::sort_by_lead(buf, T::lead, T::cmp);
}

/// What spilling wrote, for the report.
#[derive(Debug, Default, Clone, Copy)]
pub struct SpillStats {
    pub runs: u64,
    pub bytes: u64,
}

fn write_run<T: Record>(buf: &mut Vec<T>, dir: &Path, stats: &mut SpillStats) -> Result<File> {
    sort_records(buf);
    let file = tempfile::tempfile_in(dir).map_err(|e| Error::output(dir, e))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let mut bytes = Vec::with_capacity(T::SIZE * 4096);
    for chunk in buf.chunks(4096) {
        bytes.clear();
        for r in chunk {
            r.put(&mut bytes);
        }
        w.write_all(&bytes).map_err(|e| Error::output(dir, e))?;
    }
    stats.runs += 1;
    stats.bytes += (buf.len() * T::SIZE) as u64;
    buf.clear();
    let mut file = w
        .into_inner()
        .map_err(|e| Error::output(dir, e.into_error()))?;
    std::io::Seek::rewind(&mut file).map_err(|e| Error::output(dir, e))?;
    Ok(file)
}

/// A k-way merge of sorted run files.
pub struct Merge<T: Record> {
    readers: Vec<BufReader<File>>,
    heap: BinaryHeap<Reverse<(T, usize)>>,
    dir: PathBuf,
    failed: bool,
}

impl<T: Record> Merge<T> {
    fn new(files: Vec<File>, dir: &Path) -> Result<Merge<T>> {
        let mut m = Merge {
            readers: files
                .into_iter()
                .map(|f| BufReader::with_capacity(1 << 16, f))
                .collect(),
            heap: BinaryHeap::new(),
            dir: dir.to_path_buf(),
            failed: false,
        };
        for i in 0..m.readers.len() {
            if let Some(r) = m.read(i)? {
                m.heap.push(Reverse((r, i)));
            }
        }
        Ok(m)
    }

    fn read(&mut self, i: usize) -> Result<Option<T>> {
        let mut b = [0u8; 64];
        let b = &mut b[..T::SIZE];
        match self.readers[i].read_exact(b) {
            Ok(()) => Ok(Some(T::get(b))),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(None),
            Err(e) => Err(Error::output(&self.dir, e)),
        }
    }
}

impl<T: Record> Iterator for Merge<T> {
    type Item = Result<T>;
    fn next(&mut self) -> Option<Result<T>> {
        if self.failed {
            return None;
        }
        let Reverse((r, i)) = self.heap.pop()?;
        match self.read(i) {
            Ok(Some(next)) => self.heap.push(Reverse((next, i))),
            Ok(None) => {}
            Err(e) => {
                self.failed = true;
                return Some(Err(e));
            }
        }
        Some(Ok(r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spill(budget: usize) -> Spill {
        Spill {
            budget: Some(budget),
            dir: std::env::temp_dir(),
        }
    }

    #[test]
    fn spilled_sort_equals_memory_sort() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let items: Vec<(u64, u32)> = (0..50_000u32)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x % 5000, i)
            })
            .collect();
        let mut expected = items.clone();
        expected.sort_unstable();
        let mut stats = SpillStats::default();
        // 16 KiB budget: about 1000 records per run (the minimum is 1024), so ~49 runs.
        let sorted: Vec<(u64, u32)> = sort(items.iter().copied(), &spill(16 << 10), &mut stats)
            .unwrap()
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(sorted, expected);
        assert!(stats.runs >= 40, "{stats:?}");
        assert_eq!(stats.bytes, 50_000 * 12);
        // Without a budget nothing is written.
        let mut none = SpillStats::default();
        let mem: Vec<(u64, u32)> = sort(items.iter().copied(), &Spill::unlimited(), &mut none)
            .unwrap()
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(mem, expected);
        assert_eq!(none.runs, 0);
    }

    #[test]
    fn wide_records_round_trip() {
        let items: Vec<(u64, u128)> = (0..3000u64)
            .rev()
            .map(|i| (i % 7, u128::from(i) << 70 | u128::from(i)))
            .collect();
        let mut expected = items.clone();
        expected.sort_unstable();
        let mut stats = SpillStats::default();
        let got: Vec<(u64, u128)> = sort(items.into_iter(), &spill(1), &mut stats)
            .unwrap()
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(got, expected);
        assert_eq!(stats.runs, 3);
    }
}
