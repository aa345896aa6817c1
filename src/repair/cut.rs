//! Cutting inside a paragraph: glued copies of earlier paragraphs at its start and end, and
//! runs of at least `min_repeat` key characters seen earlier in the page or the paragraph.
//! Cuts are whole normalized segments, so the kept pieces are in order, never overlap, and the
//! key of the kept text is what a second repair would see; the cutting is looked at again until
//! nothing more is cut.

use std::ops::Range;

use xxhash_rust::xxh3::xxh3_64;

use super::memory::{anchors_of, ANCHOR_PROBE};
use super::{Event, Paragraph, Removal, Repaired, Repairer};
use crate::normalize::Key;

/// Characters in UTF-8 `b` (bytes that are not continuation bytes).
fn char_count(b: &[u8]) -> usize {
    b.iter().filter(|&&x| (x & 0xC0) != 0x80).count()
}

impl Repairer {
    /// Applies `self.cuts` to the paragraph; returns what is left, if anything new.
    pub(super) fn cut(
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
            // Every cut fell inside one normalized segment: the paragraph stays whole. Going on
            // as a cut paragraph would remember its whole key and then find what is left, the
            // same key, a repeat of itself (`not-idempotent-all-cuts-inside-a-segment`).
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
        // Key offset where the next kept range starts.
        let mut kept_from = 0;
        // A kept piece starting the line keeps any text before its first key character.
        let from = |k: usize| if k == 0 { 0 } else { src(k) };
        // Cuts are whole normalized segments (`snap_to_segments`), so every kept key range
        // starts and ends at a source offset: pieces neither split a segment
        // (`blank-kept-paragraph`: `叿ȯ沙发` must keep `叿`) nor overlap
        // (`overlapping-pieces-thai-default`: a doubled Thai line is one segment).
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
        // romanization gloss (`not-idempotent-gloss-after-cut`). What the page shows is the
        // kept text's key.
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
            // What is left is what the page shows: text joined at a cut is earlier text too,
            // and later glued copies of it are cut too, which keeps repair idempotent.
            anchors_of(&rest, &mut self.para_anchors);
            self.remember(&rest, rh);
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
    pub(super) fn find_cuts(&mut self) {
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
    /// so that repairing the output again changes nothing (`not-idempotent-min-repeat-12`,
    /// `not-idempotent-default-min-repeat`). Leaves the anchors of `own_key` in
    /// `para_anchors`.
    fn refine_cuts(&mut self, own_key: &[u8], offsets: &[u32]) {
        // Each round removes at least one more byte (or stops), so this ends; on real text one
        // or two rounds find everything. There is no fixed number of rounds: one can run out
        // before a long run is cut down to size (`not-idempotent-run-after-a-shorter-run`).
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
            // the longest match wins: a short first occurrence must not hide a long one
            // (`not-idempotent-short-first-occurrence`).
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
            // the one a short-period run (`ssss…`) repeats, found at once; the first one may
            // lie in an earlier shorter run and let each look cut only that much
            // (`not-idempotent-run-after-a-shorter-run`).
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
    /// idempotent on short-period runs ("hhhh…", "哈哈哈…"), which piecewise cuts are not
    /// (`not-idempotent-periodic-run`). For a doubled sentence this is the second copy.
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

/// Sorts `cuts` and shrinks each to whole normalized segments (runs of key bytes from one
/// source offset), dropping those left empty. Text is kept or cut a segment at a time, so the
/// key of what is kept is what is left of the key after the cuts: looking at that remainder
/// again (see [`Repairer::refine_cuts`]) sees what a second repair would see
/// (`not-idempotent-cut-inside-segment`).
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
/// Pieces never overlap (see [`Repairer::cut`]), so kept never exceeds the total.
fn text_chars_removed(line: &str, pieces: &[Range<usize>], start: usize) -> usize {
    let total = line.chars().count();
    let kept: usize = pieces
        .iter()
        .map(|r| line[r.start - start..r.end - start].chars().count())
        .sum();
    total.saturating_sub(kept)
}
