//! Repair stage: removes what a broken scraper repeated inside one page.
//!
//! A paragraph is a non-blank line. Going down the page, a paragraph whose key equals an
//! earlier paragraph's key is dropped; a paragraph that begins or ends with the full key of an
//! earlier paragraph (a title glued to the first body paragraph) has that part cut; a run of at
//! least `min_repeat` key characters already seen earlier in the page is cut. Pages are only
//! ever shortened, never reordered, and repair is deterministic, so the emit stage can redo it.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::ops::Range;

use xxhash_rust::xxh3::xxh3_64;

use crate::normalize::Key;

/// The default `--min-repeat`: runs of this many key characters or more, seen earlier in the
/// same page, are cut. 50 characters is about two Chinese clauses or eight English words:
/// long enough that natural repetition (set phrases, a repeated name) does not reach it,
/// short enough to catch a repeated sentence.
pub const DEFAULT_MIN_REPEAT: usize = 50;

/// Earlier paragraphs shorter than this (in key bytes: 8 ASCII letters or 3 CJK characters)
/// are not cut off as glued prefixes or suffixes: a two-character line would otherwise eat
/// into unrelated text. (12 missed short English titles such as "Some is may to".)
const MIN_GLUE_BYTES: usize = 8;

/// One kept paragraph of a repaired page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paragraph {
    /// The paragraph's entries in [`Repaired::pieces`].
    pub pieces: Range<usize>,
    /// xxh3-64 of the paragraph's (remaining) key.
    pub hash: u64,
    /// 1-based line number in the page.
    pub line: u32,
    /// The paragraph's shingle tokens in [`Repaired::tokens`], when the repairer tokenizes
    /// and the paragraph was kept whole (a cut paragraph is tokenized again from its pieces).
    pub tokens: Option<Range<usize>>,
    /// Key length in characters.
    pub key_chars: u32,
}

/// A repaired page: kept paragraphs plus what was removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Repaired {
    /// The kept paragraphs in page order.
    pub paragraphs: Vec<Paragraph>,
    /// Byte ranges of the source text that make up the kept paragraphs, in order.
    pub pieces: Vec<Range<usize>>,
    /// Paragraphs dropped whole because they repeat an earlier one.
    pub repeated_paragraphs: u32,
    /// Characters of source text removed by repair (dropped paragraphs and cut spans).
    pub repeated_chars: u64,
    /// Paragraphs that had a repeated span cut out of them.
    pub cut_paragraphs: u32,
    /// Romanization glosses seen in kept paragraphs.
    pub glosses: u32,
    /// What was removed, line by line, in page order.
    pub events: Vec<Event>,
    /// Shingle tokens (hash, weight) of paragraphs kept whole, when tokenizing.
    pub tokens: Vec<(u64, u8)>,
}

/// One removal by repair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Event {
    /// 1-based line number in the page.
    pub line: u32,
    /// What happened to it.
    pub removal: Removal,
}

/// Kinds of removal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Removal {
    /// The paragraph (or what was left of it after a cut) repeats line `of` and was dropped;
    /// `of` is 0 when a cut left nothing.
    Repeat {
        /// Line it repeats.
        of: u32,
    },
    /// Characters cut from the paragraph: a glued copy of an earlier paragraph or a repeated run.
    Cut {
        /// Characters removed.
        chars: u32,
    },
}

impl Repaired {
    /// The text of paragraph `p` of a page repaired from `text`.
    pub fn paragraph_text(&self, text: &str, p: usize) -> String {
        let mut s = String::new();
        for r in &self.pieces[self.paragraphs[p].pieces.clone()] {
            s.push_str(&text[r.clone()]);
        }
        s.trim().to_owned()
    }

    /// The repaired text: kept paragraphs joined by newlines.
    pub fn text(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for p in 0..self.paragraphs.len() {
            if p > 0 {
                out.push('\n');
            }
            out.push_str(&self.paragraph_text(text, p));
        }
        out
    }
}

/// A hasher for keys that are already hashes.
#[derive(Default)]
struct IdHasher(u64);
impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, _: &[u8]) {
        unreachable!("only u64 keys are hashed")
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}
type IdBuild = BuildHasherDefault<IdHasher>;

/// Repairs pages; holds scratch buffers so that a worker thread allocates once.
#[derive(Default)]
pub struct Repairer {
    min_repeat: usize,
    key: Key,
    /// Key hash → line where it first occurred.
    seen: HashMap<u64, u32, IdBuild>,
    /// Line number of the paragraph being repaired.
    line: u32,
    /// First/last 8 key bytes of earlier paragraphs → (key length, key hash).
    /// (Edge → newest entry in `glue`), one map for heads and one for tails.
    heads: HashMap<u64, u32, IdBuild>,
    tails: HashMap<u64, u32, IdBuild>,
    /// Glue candidates as linked lists: (key length, key hash, previous entry or `u32::MAX`).
    glue: Vec<(u32, u64, u32)>,
    /// Keys of what the page shows so far (kept paragraphs, what is left of cut ones),
    /// concatenated.
    page_key: Vec<u8>,
    /// Whole keys of the paragraphs repair cut, concatenated.
    cut_key: Vec<u8>,
    /// Anchor hash → first position in `page_key`, in the text the page shows (kept
    /// paragraphs, what is left of cut ones).
    anchors: HashMap<u64, u32, IdBuild>,
    /// Anchor hash → first position in `cut_key`.
    cut_anchors: HashMap<u64, u32, IdBuild>,
    /// Anchors of the current paragraph's key: (position, probe hash).
    para_anchors: Vec<(usize, u64)>,
    /// Anchor hash → first position earlier in the current paragraph.
    local: HashMap<u64, (usize, usize), IdBuild>,
    cuts: Vec<Range<usize>>,
    rest: Vec<u8>,
    /// The kept text of a cut paragraph, and its key.
    kept: String,
    kept_key: Key,
    /// The result of a further pass over a repaired page.
    again: Repaired,
    /// Whether to collect shingle tokens while building keys (one walk for both).
    tokenize: bool,
    tok: crate::shingle::Tokens,
}

/// Anchors are positions where a hash of the previous `ANCHOR_WINDOW` key bytes has its top
/// `ANCHOR_BITS` bits clear; the bytes after an anchor are looked up in earlier text. Anchors
/// depend only on content, so a repeated run has the same anchors as its first occurrence.
const ANCHOR_WINDOW: usize = 8;
const ANCHOR_BITS: u32 = 3;
/// Bytes after an anchor that are hashed for lookup.
const ANCHOR_PROBE: usize = 12;

fn window_hash(w: &[u8]) -> u64 {
    let v = u64::from_le_bytes(w.try_into().expect("8-byte window"));
    v.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29) ^ v
}

/// The anchors of `key`: positions and the hash of the [`ANCHOR_PROBE`] bytes after each.
fn anchors_of(key: &[u8], out: &mut Vec<(usize, u64)>) {
    out.clear();
    if key.len() < ANCHOR_WINDOW + ANCHOR_PROBE {
        return;
    }
    for p in ANCHOR_WINDOW..=key.len() - ANCHOR_PROBE {
        // Anchors sit on character starts: as good for matching, and a third of the work
        // for CJK keys.
        if key[p] & 0xC0 == 0x80 {
            continue;
        }
        if window_hash(&key[p - ANCHOR_WINDOW..p]) >> (64 - ANCHOR_BITS) == 0 {
            out.push((p, xxh3_64(&key[p..p + ANCHOR_PROBE])));
        }
    }
}

/// The first or last 8 key bytes of a paragraph, mixed: the glue maps use an identity
/// hasher, and raw text bytes would put most paragraphs in a few buckets.
fn edge(b: &[u8]) -> u64 {
    let mut v = [0u8; 8];
    v.copy_from_slice(b);
    let x = u64::from_le_bytes(v).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^ (x >> 29)
}

/// Earlier paragraphs with the same edge that are tried as glued copies, newest first: a page
/// of thousands of lines that begin alike ("entry number 1", "entry number 2", …) stays
/// linear.
const MAX_GLUE_CANDIDATES: usize = 32;

fn char_count(b: &[u8]) -> usize {
    b.iter().filter(|&&x| (x & 0xC0) != 0x80).count()
}

impl Repairer {
    /// A repairer cutting repeated runs of at least `min_repeat` key characters.
    pub fn new(min_repeat: usize) -> Repairer {
        Repairer {
            min_repeat: min_repeat.max(1),
            ..Repairer::default()
        }
    }

    /// Also collects the shingle tokens of kept paragraphs (see [`Paragraph::tokens`]).
    pub fn with_tokens(mut self) -> Repairer {
        self.tokenize = true;
        self
    }

    /// Repairs one page.
    pub fn repair(&mut self, text: &str) -> Repaired {
        let mut out = Repaired::default();
        self.repair_into(text, &mut out);
        out
    }

    /// Repairs one page into `out`, reusing its buffers.
    ///
    /// Repair is idempotent: repairing the result again changes nothing. One pass nearly is
    /// (it looks again at what is left of a cut paragraph, and looks up the page as it will
    /// show), but a cut can still change what later text matches or how a key reads (fuzzing
    /// kept finding such pages); so a page with a cut is repaired again from its result until
    /// a pass removes nothing, and the passes are composed. A page without a cut is a fixed
    /// point already: dropping whole repeated paragraphs leaves the page as the next pass sees
    /// it.
    pub fn repair_into(&mut self, text: &str, out: &mut Repaired) {
        self.pass(text, out);
        let mut cut = out.cut_paragraphs > 0;
        for _ in 0..MAX_PASSES {
            if !cut {
                break;
            }
            let (once, segs) = kept_text_map(out, text);
            let mut again = std::mem::take(&mut self.again);
            // Without shingle tokens: a paragraph this pass leaves as it was keeps the ones
            // the first pass collected (see `compose`), and walking the text for them again
            // would cost as much as its key.
            let tokenize = std::mem::replace(&mut self.tokenize, false);
            self.pass(&once, &mut again);
            self.tokenize = tokenize;
            cut = again.cut_paragraphs > 0;
            let changed = !again.events.is_empty();
            if changed {
                compose(out, &again, &segs);
            }
            self.again = again;
            if !changed {
                break;
            }
        }
    }

    /// One repair pass over a page.
    fn pass(&mut self, text: &str, out: &mut Repaired) {
        out.paragraphs.clear();
        out.pieces.clear();
        out.repeated_paragraphs = 0;
        out.repeated_chars = 0;
        out.cut_paragraphs = 0;
        out.glosses = 0;
        out.events.clear();
        out.tokens.clear();
        self.seen.clear();
        self.heads.clear();
        self.tails.clear();
        self.glue.clear();
        self.page_key.clear();
        self.cut_key.clear();
        self.anchors.clear();
        self.cut_anchors.clear();
        let mut line_start = 0;
        let bytes = text.as_bytes();
        self.line = 0;
        while line_start < bytes.len() {
            self.line += 1;
            let line_end =
                memchr::memchr(b'\n', &bytes[line_start..]).map_or(bytes.len(), |i| line_start + i);
            let mut end = line_end;
            if end > line_start && bytes[end - 1] == b'\r' {
                end -= 1;
            }
            let line = &text[line_start..end];
            if !line.trim().is_empty() {
                self.paragraph(line_start, line, out);
            }
            line_start = line_end + 1;
        }
    }

    fn paragraph(&mut self, start: usize, line: &str, out: &mut Repaired) {
        if self.tokenize {
            self.tok.clear();
            self.key.build_tee(line, false, &mut self.tok);
            self.tok.flush();
        } else {
            self.key.build(line, false);
        }
        let h = xxh3_64(&self.key.bytes);
        if let Some(&of) = self.seen.get(&h) {
            out.repeated_paragraphs += 1;
            out.repeated_chars += line.chars().count() as u64;
            out.events.push(Event {
                line: self.line,
                removal: Removal::Repeat { of },
            });
            return;
        }
        self.cuts.clear();
        anchors_of(&self.key.bytes, &mut self.para_anchors);
        self.find_cuts();
        let key_chars = self.key.chars;
        let glosses = self.key.glosses;
        let own_key = std::mem::take(&mut self.key.bytes);
        let para = if self.cuts.is_empty() {
            self.remember(&own_key, h);
            out.pieces.push(start..start + line.len());
            let tokens = self.tokenize.then(|| {
                let t = out.tokens.len();
                out.tokens.extend_from_slice(&self.tok.tokens);
                t..out.tokens.len()
            });
            Some(Paragraph {
                pieces: out.pieces.len() - 1..out.pieces.len(),
                hash: h,
                line: self.line,
                tokens,
                key_chars,
            })
        } else {
            self.cut(start, line, &own_key, h, out)
        };
        self.key.bytes = own_key;
        if let Some(p) = para {
            out.glosses += glosses;
            out.paragraphs.push(p);
        }
    }

    /// Applies `self.cuts` to the paragraph; returns what is left, if anything new.
    fn cut(
        &mut self,
        start: usize,
        line: &str,
        own_key: &[u8],
        h: u64,
        out: &mut Repaired,
    ) -> Option<Paragraph> {
        let mut key = Key::new();
        key.build(line, true);
        debug_assert_eq!(key.bytes, own_key);
        snap_to_segments(&mut self.cuts, &key.offsets);
        self.refine_cuts(own_key, &key.offsets);
        if self.cuts.is_empty() {
            // Every cut fell inside one normalized segment: the paragraph stays whole (it is
            // not a repeat of itself; found by fuzzing).
            self.remember(own_key, h);
            out.pieces.push(start..start + line.len());
            return Some(Paragraph {
                pieces: out.pieces.len() - 1..out.pieces.len(),
                hash: h,
                line: self.line,
                tokens: None,
                key_chars: char_count(own_key) as u32,
            });
        }
        // Source byte offset of key byte `k` (or the line end).
        let src = |k: usize| -> usize {
            if k >= key.offsets.len() {
                line.len()
            } else {
                key.offsets[k] as usize
            }
        };
        self.rest.clear();
        let first = out.pieces.len();
        let pieces = &mut out.pieces;
        let mut kept_from = 0; // key offset
                               // A kept piece starting the line keeps any text before its first key character.
        let from = |k: usize| if k == 0 { 0 } else { src(k) };
        // Cuts are whole normalized segments (`snap_to_segments`), so every kept key range
        // starts and ends at a source offset: pieces neither split a segment (fuzzing:
        // `叿ȯ沙发` lost `叿`) nor overlap (a doubled Thai line is one segment).
        let push = |pieces: &mut Vec<Range<usize>>, a: usize, b: usize| {
            if b > a {
                pieces.push(start + a..start + b);
            }
        };
        for c in &self.cuts {
            if c.start > kept_from {
                self.rest.extend_from_slice(&own_key[kept_from..c.start]);
                push(pieces, from(kept_from), src(c.start));
            }
            kept_from = kept_from.max(c.end);
        }
        if kept_from < own_key.len() {
            self.rest.extend_from_slice(&own_key[kept_from..]);
            push(pieces, from(kept_from), line.len());
        }
        let removed = text_chars_removed(line, &out.pieces[first..], start);
        // A cut that could not be placed in the source text (inside one normalized segment)
        // removes nothing and is not reported.
        if removed > 0 {
            out.repeated_chars += removed as u64;
            out.cut_paragraphs += 1;
            out.events.push(Event {
                line: self.line,
                removal: Removal::Cut {
                    chars: removed as u32,
                },
            });
        }
        let mut rest = std::mem::take(&mut self.rest);
        // The key of the kept text is what is left of the key, except where normalization
        // depends on context: a parenthesis whose content a cut shortened may now read as a
        // romanization gloss (found by fuzzing). What the page shows is the kept text's key.
        self.kept.clear();
        for r in &out.pieces[first..] {
            self.kept.push_str(&line[r.start - start..r.end - start]);
        }
        let mut kept_key = std::mem::take(&mut self.kept_key);
        kept_key.build(&self.kept, false);
        if kept_key.bytes != rest {
            std::mem::swap(&mut rest, &mut kept_key.bytes);
        }
        self.kept_key = kept_key;
        let rh = xxh3_64(&rest);
        self.remember_cut(own_key, h);
        let result = if rest.is_empty() || self.seen.contains_key(&rh) {
            // What is left repeats too: the whole paragraph goes.
            out.repeated_paragraphs += 1;
            out.events.push(Event {
                line: self.line,
                removal: Removal::Repeat {
                    of: self.seen.get(&rh).copied().unwrap_or(0),
                },
            });
            out.repeated_chars += out.pieces[first..]
                .iter()
                .map(|r| line[r.start - start..r.end - start].chars().count() as u64)
                .sum::<u64>();
            out.pieces.truncate(first);
            None
        } else {
            // What is left is what the page shows; text joined at a cut is earlier text too.
            anchors_of(&rest, &mut self.para_anchors);
            let base = self.page_key.len();
            self.page_key.extend_from_slice(&rest);
            for &(p, a) in &self.para_anchors {
                self.anchors.entry(a).or_insert((base + p) as u32);
            }
            self.seen.entry(rh).or_insert(self.line);
            // What is left is what the page shows: later glued copies of it are cut too,
            // which keeps repair idempotent.
            self.add_glue(&rest, rh);
            Some(Paragraph {
                pieces: first..out.pieces.len(),
                hash: rh,
                line: self.line,
                tokens: None,
                key_chars: char_count(&rest) as u32,
            })
        };
        self.rest = rest;
        result
    }

    /// Adds to `self.cuts` what repair removes from the key in `self.key.bytes` (whose anchors
    /// are in `para_anchors`): glued copies of earlier paragraphs at the start, then at the
    /// end, then long runs seen earlier in the page or earlier in the paragraph.
    fn find_cuts(&mut self) {
        let klen = self.key.bytes.len();
        let mut lo = 0;
        while let Some(n) = self.glued(lo, klen, true) {
            self.cuts.push(lo..lo + n);
            lo += n;
        }
        let mut hi = klen;
        while hi > lo {
            match self.glued(lo, hi, false) {
                Some(n) => {
                    self.cuts.push(hi - n..hi);
                    hi -= n;
                }
                None => break,
            }
        }
        self.find_runs(lo, hi);
    }

    /// Cutting joins what was on either side of a cut, and the joined text may itself repeat
    /// earlier text or be a glued copy; looks again at what is left until nothing more is cut,
    /// so that repairing the output again changes nothing (found by fuzzing). Leaves the
    /// anchors of `own_key` in `para_anchors`.
    fn refine_cuts(&mut self, own_key: &[u8], offsets: &[u32]) {
        // Each round removes at least one more byte (or stops), so this ends; on real text one
        // or two rounds find everything.
        loop {
            let kept = kept_ranges(&self.cuts, own_key.len());
            let rest: Vec<u8> = kept
                .iter()
                .flat_map(|r| own_key[r.clone()].iter().copied())
                .collect();
            if rest.is_empty() {
                break;
            }
            let rest_len = rest.len();
            let own = std::mem::replace(&mut self.key.bytes, rest);
            let cuts = std::mem::take(&mut self.cuts);
            anchors_of(&self.key.bytes, &mut self.para_anchors);
            self.find_cuts();
            let found = std::mem::replace(&mut self.cuts, cuts);
            self.key.bytes = own;
            if found.is_empty() {
                break;
            }
            // Map the new cuts from the remainder's coordinates back to the paragraph's.
            for c in found {
                let mut at = 0;
                for r in &kept {
                    let (a, b) = (at, at + r.len());
                    let (s, e) = (c.start.max(a), c.end.min(b));
                    if s < e {
                        self.cuts.push(r.start + (s - a)..r.start + (e - a));
                    }
                    at = b;
                }
            }
            snap_to_segments(&mut self.cuts, offsets);
            let kept_now: usize = kept_ranges(&self.cuts, own_key.len())
                .iter()
                .map(|r| r.len())
                .sum();
            if kept_now == rest_len {
                break; // the new cuts fell inside segments: nothing more is removed
            }
        }
        anchors_of(own_key, &mut self.para_anchors);
    }

    /// Records the whole key of a paragraph that repair cut: its hash and edges, as for any
    /// paragraph, but the key goes to `cut_key` (anchors in `cut_anchors`): `page_key` holds
    /// exactly what the page shows, in order, as a second repair would see it — a match may
    /// run on across paragraphs, so interleaving whole keys there would change what is found
    /// (found by fuzzing) — and repairing the output then finds nothing new.
    fn remember_cut(&mut self, key: &[u8], h: u64) {
        self.seen.entry(h).or_insert(self.line);
        self.add_glue(key, h);
        let base = self.cut_key.len();
        self.cut_key.extend_from_slice(key);
        for &(p, a) in &self.para_anchors {
            self.cut_anchors.entry(a).or_insert((base + p) as u32);
        }
    }

    /// Records a paragraph's key as seen: its hash, its edges for glue lookups, its anchors.
    fn remember(&mut self, key: &[u8], h: u64) {
        self.seen.entry(h).or_insert(self.line);
        self.add_glue(key, h);
        let base = self.page_key.len();
        self.page_key.extend_from_slice(key);
        for &(p, a) in &self.para_anchors {
            self.anchors.entry(a).or_insert((base + p) as u32);
        }
    }

    /// Makes a paragraph key a candidate for glued prefixes and suffixes of later paragraphs.
    fn add_glue(&mut self, key: &[u8], h: u64) {
        if key.len() >= MIN_GLUE_BYTES.max(8) {
            for (map, e) in [
                (&mut self.heads, edge(&key[..8])),
                (&mut self.tails, edge(&key[key.len() - 8..])),
            ] {
                let n = self.glue.len() as u32;
                let prev = map.insert(e, n).unwrap_or(u32::MAX);
                self.glue.push((key.len() as u32, h, prev));
            }
        }
    }

    /// Length of the longest earlier paragraph key equal to the start (or end) of
    /// `key[lo..hi]`, leaving something after it.
    fn glued(&self, lo: usize, hi: usize, head: bool) -> Option<usize> {
        let k = &self.key.bytes[lo..hi];
        if k.len() < 8 {
            return None;
        }
        let (map, e) = if head {
            (&self.heads, edge(&k[..8]))
        } else {
            (&self.tails, edge(&k[k.len() - 8..]))
        };
        let mut best = None;
        let mut at = *map.get(&e)?;
        let mut tried = 0;
        while at != u32::MAX && tried < MAX_GLUE_CANDIDATES {
            let (len, h, prev) = self.glue[at as usize];
            at = prev;
            tried += 1;
            let len = len as usize;
            if len >= k.len() || best.is_some_and(|b| b >= len) {
                continue;
            }
            // Never cut inside a number: "Chapter 10" does not begin with "Chapter 1".
            let (left, right) = if head {
                (k[len - 1], k[len])
            } else {
                (k[k.len() - len - 1], k[k.len() - len])
            };
            if left.is_ascii_digit() && right.is_ascii_digit() {
                continue;
            }
            let part = if head { &k[..len] } else { &k[k.len() - len..] };
            if xxh3_64(part) == h {
                best = Some(len);
            }
        }
        best
    }

    /// Finds runs of at least `min_repeat` characters in `key[lo..hi]` that occur earlier in
    /// the page (before the run starts) and adds them to `self.cuts`.
    fn find_runs(&mut self, lo: usize, hi: usize) {
        let key = &self.key.bytes;
        let min_bytes = self.min_repeat; // a character is at least one byte
        if hi - lo < min_bytes {
            return;
        }
        // Positions in this paragraph are looked up both in earlier paragraphs and earlier
        // in the paragraph itself; the latter are kept in a local table.
        let mut local = std::mem::take(&mut self.local);
        local.clear();
        let mut next = lo;
        for &(p, a) in &self.para_anchors {
            if p < next || p + ANCHOR_PROBE > hi {
                continue;
            }
            // Candidate earlier occurrences: the first in what the page shows so far, the
            // first in the whole keys of cut paragraphs, the first earlier in this paragraph;
            // the longest match wins (a short first occurrence must not hide a long one).
            let probe = &key[p..p + ANCHOR_PROBE];
            let mut found: Option<Range<usize>> = None;
            let mut consider = |r: Range<usize>| {
                if found.as_ref().is_none_or(|f| r.len() > f.len()) {
                    found = Some(r);
                }
            };
            for (table, earlier) in [
                (&self.anchors, &self.page_key),
                (&self.cut_anchors, &self.cut_key),
            ] {
                if let Some(&q) = table.get(&a) {
                    let q = q as usize;
                    if &earlier[q..q + ANCHOR_PROBE] == probe {
                        consider(self.extend(earlier, q, earlier.len(), key, p, lo, hi));
                    }
                }
            }
            // The first earlier occurrence in this paragraph, and the latest: the latest is
            // the one a short-period run (`ssss…`) repeats, found at once (found by fuzzing:
            // the first one, in an earlier shorter run, let each look cut only that much).
            if let Some(&(first, last)) = local.get(&a) {
                for q in [first, last] {
                    if &key[q..q + ANCHOR_PROBE] == probe {
                        consider(self.extend_local(key, q, p, lo, hi));
                    }
                    if first == last {
                        break;
                    }
                }
            }
            local.entry(a).and_modify(|e| e.1 = p).or_insert((p, p));
            if let Some(run) = found {
                if char_count(&key[run.clone()]) >= self.min_repeat {
                    next = run.end.max(p + 1);
                    self.cuts.push(run);
                }
            }
        }
        self.local = local;
    }

    /// Extends a match of `cur[p..]` against `earlier[q..]` (bounded by `earlier_end`)
    /// backwards and forwards within `cur[lo..hi]`; returns the run in `cur`, snapped to
    /// character boundaries.
    #[allow(clippy::too_many_arguments)]
    fn extend(
        &self,
        earlier: &[u8],
        q: usize,
        earlier_end: usize,
        cur: &[u8],
        p: usize,
        lo: usize,
        hi: usize,
    ) -> Range<usize> {
        let mut back = 0;
        while p - back > lo && q > back && earlier[q - back - 1] == cur[p - back - 1] {
            back += 1;
        }
        let mut fwd = 0;
        while p + fwd < hi && q + fwd < earlier_end && earlier[q + fwd] == cur[p + fwd] {
            fwd += 1;
        }
        snap(cur, p - back, p + fwd)
    }

    /// Like [`Repairer::extend`] for an earlier occurrence inside the same paragraph. The
    /// two occurrences `d = p - q` bytes apart make the text around them periodic with period
    /// `d`; the run is everything after the first copy of at least `min_repeat` characters
    /// (whole periods), up to where the period breaks. Cutting it all at once keeps repair
    /// idempotent on short-period runs ("hhhh…", "哈哈哈…"), which piecewise cuts were not
    /// (found by fuzzing). For a doubled sentence this is the second copy, as before.
    fn extend_local(&self, cur: &[u8], q: usize, p: usize, lo: usize, hi: usize) -> Range<usize> {
        let d = p - q;
        let mut s = q;
        while s > lo && cur[s - 1] == cur[s - 1 + d] {
            s -= 1;
        }
        // `q` is a character start, so the first one at or after `s` is at most `q`; a
        // period from a character start ends at one (the next period starts with that byte).
        while s < q && (cur[s] & 0xC0) == 0x80 {
            s += 1;
        }
        let mut e = p;
        while e < hi && cur[e] == cur[e - d] {
            e += 1;
        }
        let per_period = char_count(&cur[s..s + d]).max(1);
        let keep = d * self.min_repeat.div_ceil(per_period).max(1);
        if s + keep >= e {
            return p..p;
        }
        // Whole periods only, unless the partial one at the end is a long run too: text after
        // a doubled sentence may begin like it ("… approved it. The committee … approved it.
        // Then …") without being a copy.
        let whole = s + keep + (e - s - keep) / d * d;
        let end = if char_count(&cur[whole..e]) >= self.min_repeat {
            e
        } else {
            whole
        };
        snap(cur, s + keep, end)
    }
}

/// Passes over a page after the first, at most (one is nearly always enough).
const MAX_PASSES: usize = 8;

/// The text a second pass repairs (`Repaired::text`: kept paragraphs, trimmed, one per line)
/// and where it comes from: (offset in that text, offset in the page, length) per run.
fn kept_text_map(out: &Repaired, text: &str) -> (String, Vec<(usize, usize, usize)>) {
    let mut once = String::with_capacity(text.len());
    let mut segs = Vec::new();
    let mut joined = String::new();
    for (n, p) in out.paragraphs.iter().enumerate() {
        if n > 0 {
            once.push('\n');
        }
        let pieces = &out.pieces[p.pieces.clone()];
        joined.clear();
        for r in pieces {
            joined.push_str(&text[r.clone()]);
        }
        let lo = joined.len() - joined.trim_start().len();
        let hi = joined.trim_end().len().max(lo);
        let mut at = 0;
        for r in pieces {
            let (a, b) = (at, at + r.len());
            let (s, e) = (a.max(lo), b.min(hi));
            if s < e {
                segs.push((once.len() + (s - lo), r.start + (s - a), e - s));
            }
            at = b;
        }
        once.push_str(&joined[lo..hi]);
    }
    (once, segs)
}

/// Applies a further pass `again` (over the text [`kept_text_map`] made, with runs `segs`,
/// without tokens) to `out`: pieces are mapped back to the page, lines of the repaired text
/// (one per kept paragraph of `out`) back to page lines.
fn compose(out: &mut Repaired, again: &Repaired, segs: &[(usize, usize, usize)]) {
    let page_line = |l: u32| -> u32 {
        if l == 0 {
            0
        } else {
            out.paragraphs[l as usize - 1].line
        }
    };
    let mut pieces: Vec<Range<usize>> = Vec::with_capacity(again.pieces.len());
    let mut paragraphs = Vec::with_capacity(again.paragraphs.len());
    let mut tokens = Vec::new();
    for p in &again.paragraphs {
        // A paragraph with the same key as before was not cut by this pass: its text and so
        // its tokens are those of the earlier pass.
        let before = &out.paragraphs[p.line as usize - 1];
        let kept_tokens = (before.hash == p.hash)
            .then(|| before.tokens.clone())
            .flatten()
            .map(|t| {
                let start = tokens.len();
                tokens.extend_from_slice(&out.tokens[t]);
                start..tokens.len()
            });
        let first = pieces.len();
        for r in &again.pieces[p.pieces.clone()] {
            // The runs of `segs` that `r` covers.
            let mut k = segs.partition_point(|s| s.0 + s.2 <= r.start);
            while k < segs.len() && segs[k].0 < r.end {
                let (o, t, len) = segs[k];
                let (s, e) = (r.start.max(o), r.end.min(o + len));
                if s < e {
                    let m = t + (s - o)..t + (e - o);
                    let n = pieces.len();
                    match pieces.last_mut() {
                        Some(last) if n > first && last.end == m.start => last.end = m.end,
                        _ => pieces.push(m),
                    }
                }
                k += 1;
            }
        }
        paragraphs.push(Paragraph {
            pieces: first..pieces.len(),
            line: page_line(p.line),
            tokens: kept_tokens,
            ..p.clone()
        });
    }
    let mut events = std::mem::take(&mut out.events);
    events.extend(again.events.iter().map(|e| Event {
        line: page_line(e.line),
        removal: match e.removal {
            Removal::Repeat { of } => Removal::Repeat { of: page_line(of) },
            cut => cut,
        },
    }));
    events.sort_by_key(|e| e.line);
    out.events = events;
    out.pieces = pieces;
    out.paragraphs = paragraphs;
    out.repeated_paragraphs += again.repeated_paragraphs;
    out.repeated_chars += again.repeated_chars;
    // A paragraph cut by both passes is one cut paragraph.
    let mut cut_lines: Vec<u32> = out
        .events
        .iter()
        .filter(|e| matches!(e.removal, Removal::Cut { .. }))
        .map(|e| e.line)
        .collect();
    cut_lines.dedup();
    out.cut_paragraphs = cut_lines.len() as u32;
    out.glosses = again.glosses;
    out.tokens = tokens;
}

/// Sorts `cuts` and shrinks each to whole normalized segments (runs of key bytes from one
/// source offset), dropping those left empty. Text is kept or cut a segment at a time, so the
/// key of what is kept is what is left of the key after the cuts: looking at that remainder
/// again (see [`Repairer::refine_cuts`]) sees what a second repair would see.
fn snap_to_segments(cuts: &mut Vec<Range<usize>>, offsets: &[u32]) {
    let inside = |k: usize| k > 0 && k < offsets.len() && offsets[k] == offsets[k - 1];
    for c in cuts.iter_mut() {
        while c.start < c.end && inside(c.start) {
            c.start += 1;
        }
        while c.end > c.start && inside(c.end) {
            c.end -= 1;
        }
    }
    cuts.retain(|c| c.start < c.end);
    cuts.sort_by_key(|r| r.start);
}

/// The parts of `0..len` not covered by `cuts` (sorted by start), in order.
fn kept_ranges(cuts: &[Range<usize>], len: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    for c in cuts {
        if c.start > from {
            out.push(from..c.start);
        }
        from = from.max(c.end);
    }
    if from < len {
        out.push(from..len);
    }
    out
}

/// Shrinks `[s, e)` to whole UTF-8 characters.
fn snap(b: &[u8], mut s: usize, mut e: usize) -> Range<usize> {
    while s < e && (b[s] & 0xC0) == 0x80 {
        s += 1;
    }
    while e > s && e < b.len() && (b[e] & 0xC0) == 0x80 {
        e -= 1;
    }
    s..e
}

/// Characters of `line` not covered by `pieces` (absolute ranges; the line starts at `start`).
fn text_chars_removed(line: &str, pieces: &[Range<usize>], start: usize) -> usize {
    let total = line.chars().count();
    let kept: usize = pieces
        .iter()
        .map(|r| line[r.start - start..r.end - start].chars().count())
        .sum();
    total.saturating_sub(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repair(text: &str) -> (String, Repaired) {
        let r = Repairer::new(DEFAULT_MIN_REPEAT).repair(text);
        (r.text(text), r)
    }

    #[test]
    fn repeated_paragraphs_are_dropped() {
        let page =
            "第一段文字在这里。\n第二段文字在这里。\n\n第一段文字在这里。\n第二段文字在这里!\n";
        let (text, r) = repair(page);
        assert_eq!(text, "第一段文字在这里。\n第二段文字在这里。");
        assert_eq!(r.repeated_paragraphs, 2);
        assert_eq!(r.repeated_chars, 18);
    }

    #[test]
    fn glued_title_is_cut_from_the_first_body_paragraph() {
        let title = "本市今年新建公园二十座";
        let body1 = "记者从市园林局获悉,今年全市共新建公园二十座,总面积超过三百公顷。";
        let body2 = "新建公园大多位于老城区,方便居民就近休闲。";
        let page = format!("{title}\n{title}\n{title}{body1}\n{body2}\n{body1}\n{body2}\n");
        let (text, r) = repair(&page);
        assert_eq!(text, format!("{title}\n{body1}\n{body2}"));
        assert_eq!(r.paragraphs.len(), 3);
        // The remainder of the glued line keys like body 1 alone.
        assert_eq!(
            r.paragraphs[1].hash,
            xxh3_64(crate::normalize::key_of(body1).as_bytes())
        );
    }

    #[test]
    fn glued_suffix_is_cut() {
        let a = "这是一段比较长的正文内容。";
        let b = "另外一段完全不同的正文内容。";
        let page = format!("{a}\n{b}{a}\n");
        let (text, _) = repair(&page);
        assert_eq!(text, format!("{a}\n{b}"));
    }

    #[test]
    fn repeated_run_inside_a_paragraph_is_cut() {
        let s = "The committee met on Tuesday to review the budget for the coming fiscal year and approved it. ";
        let page = format!("Intro line here.\n{s}{s}Then they adjourned.\n");
        let (text, r) = repair(&page);
        assert_eq!(text, format!("Intro line here.\n{s}Then they adjourned."));
        assert_eq!(r.cut_paragraphs, 1);
    }

    #[test]
    fn short_natural_repetition_is_kept() {
        let page = "他说好的好的好的,我们明天见。\n好的\n";
        let (text, _) = repair(page);
        assert_eq!(text, "他说好的好的好的,我们明天见。\n好的");
    }

    #[test]
    fn doubled_body_in_one_line_is_halved() {
        let body = "城市交通委员会今天发布通知,自下月起地铁延长运营时间一小时,方便夜间出行的市民。同时公交线路也将进行调整,具体时刻表将在官方网站上公布。";
        let page = format!("{body}{body}\n");
        let (text, _) = repair(&page);
        assert_eq!(text, body);
    }

    #[test]
    fn events_say_which_line_repeats_which() {
        let t = "Title of the page here\nTitle of the page here\n\nTitle of the page hereBody text that is long enough.\n";
        let (_, r) = repair(t);
        assert_eq!(
            r.events,
            vec![
                Event {
                    line: 2,
                    removal: Removal::Repeat { of: 1 }
                },
                Event {
                    line: 4,
                    removal: Removal::Cut { chars: 22 }
                },
            ]
        );
        assert_eq!(
            r.paragraphs.iter().map(|p| p.line).collect::<Vec<_>>(),
            vec![1, 4]
        );
    }

    #[test]
    fn a_cut_inside_a_normalized_segment_keeps_the_segment() {
        // Fuzzing regression: line 2 ends with line 1's key; `叿ȯ` is one NFKC segment.
        let page = "Ȯ沙发\n叿ȯ沙发\n";
        let (text, _) = repair(page);
        assert_eq!(text, "Ȯ沙发\n叿ȯ");
    }

    #[test]
    fn pieces_never_overlap_in_one_segment_lines() {
        // Fuzzing regression: the whole line is one NFKC segment, so every key byte has
        // source offset 0; the cut cannot be placed and the text must come out once.
        let page = "㍀ᇌ㍀ọ㍀ọỺ\n";
        let r = Repairer::new(2).repair(page);
        let mut last = 0;
        for p in &r.pieces {
            assert!(p.start >= last && p.end > p.start, "{:?}", r.pieces);
            last = p.end;
        }
        let s = "ภาษาไทยเป็นภาษาที่สวยงามมากและมีประวัติศาสตร์ยาวนานหลายร้อยปี";
        let page = format!("{s}{s}จบแล้ว\n");
        let (text, _) = repair(&page);
        assert!(text.len() <= page.len());
    }

    #[test]
    fn text_joined_at_a_cut_is_looked_at_again() {
        // Fuzzing regressions: a cut joins text into a new repeated run; one pass removes it.
        let twice = |page: &str, min: usize| {
            let mut r = Repairer::new(min);
            let once = r.repair(page).text(page);
            let again = r.repair(&once).text(&once);
            (once, again)
        };
        let page = format!("{}N{}N{}", "O".repeat(10), "O".repeat(24), "O".repeat(9));
        let (once, again) = twice(&page, 12);
        assert_eq!(once, again);
        let page = "iew thebudgetforthecoming fiscalyearandapproveditThecommittee met onTuesdaytoreviewthebudgetforthe comingfiscalyearand appiscalyearandapproveditThecommitteemetonTuesday toreroveditThe";
        let (once, again) = twice(page, DEFAULT_MIN_REPEAT);
        assert_eq!(once, again);
    }

    #[test]
    fn crlf_and_blank_lines() {
        let (text, r) = repair("a line of text\r\n\r\n   \r\nanother line\r\n");
        assert_eq!(text, "a line of text\nanother line");
        assert_eq!(r.repeated_paragraphs, 0);
    }

    #[test]
    fn repair_is_idempotent_on_the_fixture() {
        let title = "标题:测试页面的标题文字";
        let body = "正文第一段,内容足够长,可以用来测试重复的检测是否正确。";
        let page = format!("{title}\n{title}{body}\n{body}\n");
        let (once, _) = repair(&page);
        let (twice, r2) = repair(&once);
        assert_eq!(once, twice);
        assert_eq!(r2.repeated_paragraphs, 0);
    }
}

#[cfg(test)]
mod fuzz_replay {
    use super::*;

    /// Every kept fuzzing input of the `repair` target (`fuzz/regressions/repair/`), decoded
    /// as the target does (first byte: `min_repeat`), repairs to a subsequence of the page and
    /// repairing that again changes nothing.
    #[test]
    fn fuzz_regressions_repair_idempotently() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/regressions/repair");
        let mut n = 0;
        for entry in std::fs::read_dir(dir).expect("regressions folder") {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let Some((&sel, rest)) = data.split_first() else {
                continue;
            };
            let min = if sel < 0x80 {
                DEFAULT_MIN_REPEAT
            } else {
                usize::from(sel & 0x3F)
            };
            let text = String::from_utf8_lossy(rest);
            let r = Repairer::new(min).repair(&text);
            let mut cut_lines: Vec<u32> = r
                .events
                .iter()
                .filter(|e| matches!(e.removal, Removal::Cut { .. }))
                .map(|e| e.line)
                .collect();
            cut_lines.dedup();
            assert_eq!(
                r.cut_paragraphs as usize,
                cut_lines.len(),
                "{}",
                path.display()
            );
            let once = r.text(&text);
            let again = Repairer::new(min).repair(&once);
            assert_eq!(again.text(&once), once, "{}", path.display());
            assert!(
                again.events.is_empty(),
                "{}: {:?}",
                path.display(),
                again.events
            );
            n += 1;
        }
        assert!(n >= 6, "only {n} regression inputs found in {dir}");
    }

    #[test]
    fn short_period_runs_are_cut_to_one_copy_of_min_repeat() {
        for (unit, min) in [("h", 1), ("h", 5), ("ab", 3), ("哈", 4), ("xy", 50)] {
            for copies in [1usize, 2, 7, 40, 301] {
                let page = format!("lead text{}tail\n", unit.repeat(copies));
                let once = Repairer::new(min).repair(&page).text(&page);
                let again = Repairer::new(min).repair(&once).text(&once);
                assert_eq!(again, once, "{unit:?}×{copies}, min_repeat {min}");
            }
        }
        // "xy" × 301 at min_repeat 50: the first 25 periods (50 characters) stay.
        // (A cut runs to the next kept key character: text between goes with it.)
        let page = format!("lead text {}Tail", "xy".repeat(301));
        let once = Repairer::new(50).repair(&page).text(&page);
        assert_eq!(once, format!("lead text {}Tail", "xy".repeat(25)));
        // × 49 has no two copies of 50 characters: kept whole.
        let page = format!("lead text {} tail", "xy".repeat(49));
        assert_eq!(Repairer::new(50).repair(&page).text(&page), page);
    }
}
