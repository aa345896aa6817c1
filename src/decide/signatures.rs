//! Signatures and shingle sets for the near-duplicate stage: a document's final MinHash
//! signature combines its pass-1 signature of long paragraphs with its short paragraphs that
//! are not boilerplate ([`Signatures`]); its shingle set is read again from its kept text
//! ([`Shingles`]). Pass-1 signatures wait in the heap or, under a memory budget, in a mapped
//! temporary file ([`LongSigs`]).

use std::path::Path;

use xxhash_rust::xxh3::xxh3_64;

use crate::boilerplate::Boilerplate;
use crate::error::{Error, Result};
use crate::memory;
use crate::near::minhash::MinHasher;
use crate::near::shingle::{fold, Shingler};
use crate::near::MAX_PERMS;
use crate::normalize::Key;
use crate::sources::Ctx;
use crate::tables::{Doc, Loc, Tables, NO_SIG, SHORT_PARAGRAPH};

/// Gives the shingle set of a document: its kept, non-boilerplate paragraphs, re-read from
/// the mapped input.
pub(crate) struct Shingles<'a> {
    ctx: &'a Ctx<'a>,
    tables: &'a Tables,
    bp: &'a Boilerplate,
    size: usize,
}

impl<'a> Shingles<'a> {
    /// Shingles (of `size`) of the documents of `tables`, without the paragraphs in `bp`.
    pub(crate) fn new(
        ctx: &'a Ctx<'a>,
        tables: &'a Tables,
        bp: &'a Boilerplate,
        size: usize,
    ) -> Shingles<'a> {
        Shingles {
            ctx,
            tables,
            bp,
            size,
        }
    }

    /// The 64-bit shingle hashes of document `i`; a set (sorted, deduplicated) if `as_set`,
    /// otherwise a bag (MinHash does not care about order or repeats). For a document published by an
    /// earlier run, the text of its canonical line in that run's output, if that output is
    /// still as it was written (`None` otherwise).
    pub(crate) fn of(&self, i: usize, as_set: bool) -> Option<Vec<u64>> {
        let d = &self.tables.docs[i];
        let mut out = Vec::new();
        if let Loc::Published(k) = d.loc {
            self.published(d.site, k as usize, &mut out)?;
        } else {
            self.read(d, &mut out)?;
        }
        if as_set {
            out.sort_unstable();
            out.dedup();
        }
        Some(out)
    }

    /// Shingles of a published document's canonical text: one paragraph per line, those that
    /// are boilerplate now left out.
    fn published(&self, site: u32, k: usize, out: &mut Vec<u64>) -> Option<()> {
        let text = self.ctx.published.text(k)?;
        let mut sh = Shingler::new(self.size);
        let mut key = Key::new();
        let mut block = String::new();
        for para in text.split('\n') {
            key.build(para, false);
            if self.bp.contains(site, xxh3_64(&key.bytes)) {
                flush_block(&mut sh, &mut block, out);
            } else {
                push_line(&mut block, [para]);
            }
        }
        flush_block(&mut sh, &mut block, out);
        Some(())
    }

    /// Shingles of a document of this run: its kept pieces, re-read from its input.
    fn read(&self, d: &Doc, out: &mut Vec<u64>) -> Option<()> {
        SCRATCH.with_borrow_mut(|s| {
            let Scratch {
                shingler, block, ..
            } = s;
            let sh = match shingler {
                Some(sh) if sh.size() == self.size => sh,
                _ => shingler.insert(Shingler::new(self.size)),
            };
            self.ctx.with_text(d, |text| {
                // At most a shingle per byte (a token is a character or a number).
                out.reserve(text.len() + 8);
                block.clear();
                for (p, pieces) in self.tables.kept_paragraphs(d) {
                    if self.bp.contains(d.site, self.tables.hashes[p]) {
                        flush_block(sh, block, out);
                        continue;
                    }
                    push_line(
                        block,
                        pieces.iter().map(|piece| piece.of(text).unwrap_or("")),
                    );
                }
                flush_block(sh, block, out);
            })
        })
    }
}

/// A thread's buffers for re-reading documents (a shingler's tokens, a block of lines) and
/// for signing (the bag of short paragraphs' shingles), kept from one document to
/// the next: built afresh for each, their growth was most of the allocations of signing and
/// verification, and when two threads share one glibc arena (which happens on some runs and
/// not others) they queued on its lock (futex waits: a thread asleep up to a third of those
/// stages on short documents).
#[derive(Default)]
struct Scratch {
    shingler: Option<Shingler>,
    block: String,
    bag: Vec<u32>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

/// Final signatures: the pass-1 signature of a document's long paragraphs combined with its
/// short paragraphs that are not boilerplate (MinHash of a union is the elementwise minimum).
pub(crate) struct Signatures<'a> {
    pub(crate) hasher: MinHasher,
    pub(crate) tables: &'a Tables,
    /// Pass-1 signatures of long paragraphs, `u32` little-endian, a row per document.
    pub(crate) long: &'a [u8],
    pub(crate) bp: &'a Boilerplate,
    pub(crate) shingles: &'a Shingles<'a>,
}

impl Signatures<'_> {
    /// Writes document `i`'s final signature into `out` (one value per permutation).
    pub(crate) fn sign(&self, i: usize, out: &mut [u32]) {
        let t = self.tables;
        let d = &t.docs[i];
        let long_boilerplate = d
            .paras
            .clone()
            .any(|p| t.chars[p] > SHORT_PARAGRAPH && self.bp.contains(d.site, t.hashes[p]));
        if long_boilerplate {
            // Rare: a long paragraph is boilerplate; sign the document again without it (a
            // published document whose output is gone keeps its stored signature).
            if let Some(shingles) = self.shingles.of(i, false) {
                let bag: Vec<u32> = shingles.into_iter().map(fold).collect();
                self.hasher.sign(&bag, out);
                return;
            }
        }
        SCRATCH.with_borrow_mut(|s| {
            let bag = &mut s.bag;
            bag.clear();
            let mut at = d.short.start;
            for p in d.paras.clone() {
                let k = t.short_counts[p] as usize;
                if k > 0 && !self.bp.contains(d.site, t.hashes[p]) {
                    bag.extend_from_slice(&t.short[at..at + k]);
                }
                at += k;
            }
            self.combine(d.sig, bag, out);
        });
    }

    /// Writes into `out` the signature of pass-1 row `sig` (none: [`NO_SIG`]) combined with
    /// the short paragraphs' shingles `bag`.
    fn combine(&self, sig: u32, bag: &[u32], out: &mut [u32]) {
        let n = out.len();
        match sig {
            // No long paragraph: the short ones are the signature (an empty bag signs as
            // all `u32::MAX`).
            NO_SIG => self.hasher.sign(bag, out),
            r => {
                let r = r as usize;
                let row = &self.long[r * n * 4..(r + 1) * n * 4];
                for (o, v) in out.iter_mut().zip(row.chunks_exact(4)) {
                    *o = u32::from_le_bytes(v.try_into().expect("4 bytes"));
                }
                if !bag.is_empty() {
                    // On the stack for the derived bandings; `--bands × --rows` may ask for more.
                    let (mut stack, mut heap) = ([0u32; MAX_PERMS], Vec::new());
                    let s = if n <= MAX_PERMS {
                        &mut stack[..n]
                    } else {
                        heap.resize(n, 0);
                        &mut heap[..]
                    };
                    self.hasher.sign(bag, s);
                    for (o, v) in out.iter_mut().zip(s) {
                        *o = (*o).min(*v);
                    }
                }
            }
        }
    }
}

/// Sets the pass-1 signatures aside for the near-duplicate stage. Under a memory budget
/// (`spill`) they move out of the heap into a temporary file in `dir`, mapped: while banding,
/// only band hashes stay in memory (README, "Memory"), and the map's pages are given back
/// after signing. Without one they stay where they are: the mapped file's pages were resident
/// again as soon as they were signed from, so it saved no peak memory, and writing them was a
/// serial copy (67 MB of signatures for the 131 MB short corpus: 3% of the run's CPU samples,
/// with the other core idle).
///
/// # Errors
/// The temporary file cannot be written or mapped.
pub(crate) fn set_aside(tables: &mut Tables, dir: &Path, spill: bool) -> Result<LongSigs> {
    let mut sigs = std::mem::take(&mut tables.sigs);
    // Both forms hold the values as little-endian bytes (converted in place on a big-endian
    // machine), the layout the shard and index files share.
    memory::le_bytes(&mut sigs);
    let heap = LongSigs::Heap(sigs);
    if !spill || heap.is_empty() {
        return Ok(heap);
    }
    let mut file = tempfile::tempfile_in(dir).map_err(|e| Error::output(dir, e))?;
    // One write of the values as they lie (writing them one `u32` at a time through a
    // buffered writer was a serial tenth of a second per 100 MB of signatures).
    std::io::Write::write_all(&mut file, &heap).map_err(|e| Error::output(dir, e))?;
    drop(heap);
    let map = memory::map(&file).map_err(|e| Error::output(dir, e))?;
    Ok(LongSigs::Mapped(map))
}

/// Pass-1 signatures of long paragraphs ([`set_aside`]): `u32` little-endian, `perms` values
/// per row, a row per document that has one ([`crate::tables::Doc::sig`]); in the heap, or in
/// a mapped temporary file under a memory budget.
pub(crate) enum LongSigs {
    /// The values, already little-endian.
    Heap(Vec<u32>),
    Mapped(memmap2::Mmap),
}

impl LongSigs {
    /// Gives a map's resident pages back (`--memory`); they are read again if needed.
    pub(crate) fn release(&self) {
        if let LongSigs::Mapped(m) = self {
            memory::release(m, 0..m.len());
        }
    }

    /// Drops the signatures (heap or map) once nothing will read them again: after signing,
    /// unless an index is extended at the end of the run. Kept until the end, they were on the
    /// resident set through clustering, where a run peaks (90 MB on the 1 GB corpus).
    pub(crate) fn discard(&mut self) {
        *self = LongSigs::Heap(Vec::new());
        memory::trim_heap();
    }
}

impl std::ops::Deref for LongSigs {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            LongSigs::Heap(v) => memory::as_bytes(v),
            LongSigs::Mapped(m) => m,
        }
    }
}

/// Appends a kept line to the current block: consecutive kept lines are shingled as one
/// text, so shingles run across line breaks and a hard-wrapped copy has the shingles of the
/// unwrapped one (`rewrap` class). A line break is a gap between tokens, like a space.
/// The line is given as its parts (a paragraph's pieces), copied straight into the block.
fn push_line<'t>(block: &mut String, parts: impl IntoIterator<Item = &'t str>) {
    let before = block.len();
    if !block.is_empty() {
        block.push('\n');
    }
    let start = block.len();
    for part in parts {
        block.push_str(part);
    }
    // An empty line adds nothing, not even its line break.
    if block.len() == start {
        block.truncate(before);
    }
}

/// Shingles the current block (if any) into `out` and starts a new one: boilerplate breaks
/// blocks, so no shingle spans text that was removed.
fn flush_block(sh: &mut Shingler, block: &mut String, out: &mut Vec<u64>) {
    if !block.is_empty() {
        sh.paragraph64(block, out);
        block.clear();
    }
}
