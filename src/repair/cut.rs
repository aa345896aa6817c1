//! Cutting inside a paragraph: glued copies of earlier paragraphs at its start and end, and
//! runs of weight at least `min_repeat` seen earlier in the page or the paragraph.
//! Cuts are whole normalized segments, so the kept pieces are in order, never overlap, and the
//! key of the kept text is what a second repair would see; the cutting is looked at again until
//! nothing more is cut.
//!
//! Three rules keep what a reader would keep:
//! - **Weight.** A run is measured in letters: a letter or digit of a script written with
//!   spaces (Latin, Cyrillic, Greek, …) weighs 1, a character of a script written without
//!   spaces (Han, kana, Hangul, Thai, …) 2.5, and a Thai or Lao vowel sign or tone mark 0 (a
//!   Han character carries about as much as two and a half letters: a Chinese sentence is
//!   about 2.5 times shorter than its English translation), so a repeated sentence weighs about
//!   the same in any script: a 45-character
//!   Chinese sentence weighs 112, its English translation (~95 letters) 95.
//! - **Words.** Runs are matched on keys, which have no spaces, so a run may begin or end
//!   inside a word (`Profits rose …` against `Prices rose …` matches from the `s`). In scripts
//!   written with spaces a run cut out of a paragraph is shrunk to whole words, and the text
//!   before the cut keeps its separator (`Profits surprising`, not `Profitsurprising`); only
//!   inside a very long "word" (`hahaha…`, `666…`, at least [`LONG_WORD`] characters) may a cut
//!   fall mid-word.
//! - **Periods.** A run repeating text just before it (a line of one unit over and over, or a
//!   doubled sentence) is cut down to one period, whatever the period's length; the anchors
//!   (see `memory.rs`) make sure every such run is looked at.

use std::ops::Range;

use xxhash_rust::xxh3::xxh3_64;

use super::memory::{anchors_of, ANCHOR_PROBE};
use super::{Event, Paragraph, Removal, Repaired, Repairer};
use crate::near::shingle::{is_attached_mark, is_unspaced};
use crate::normalize::{Key, Sink};

/// Words of at least this many key characters (`hahaha…`, `666…`, a glued run of text
/// without spaces) may be cut inside; shorter ones are cut whole or not at all. Longer than
/// the words of natural language text.
pub(super) const LONG_WORD: usize = 30;

/// Weight of key bytes `b`, in half-letters (see the module documentation): 2 for a character
/// of a script written with spaces, 5 for one of a script written without, 0 for a Thai or Lao
/// mark. Twice the weight, so that it stays an integer.
fn weight2(b: &[u8]) -> usize {
    match std::str::from_utf8(b) {
        Ok(s) => s
            .chars()
            .map(|c| {
                if c.is_ascii() {
                    2
                } else if is_attached_mark(c) {
                    0
                } else if is_unspaced(c) {
                    5
                } else {
                    2
                }
            })
            .sum(),
        Err(_) => 2 * char_count(b),
    }
}

/// Marks (a combining accent that did not compose) that never start a word.
fn is_mark(c: char) -> bool {
    is_attached_mark(c)
        || matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// Collects, from the normalizer's walk, where words may start in the key: at the start,
/// after a gap (source text not in the key: a space, punctuation), and before and after every
/// character of a script written without spaces; never inside a character or before a mark.
struct WordStarts<'a> {
    words: &'a mut Vec<bool>,
    gap: bool,
    unspaced: bool,
}

impl WordStarts<'_> {
    fn push(&mut self, c: char, len: usize) {
        let u = is_unspaced(c);
        let mark = is_mark(c);
        let start = !mark && (self.words.is_empty() || self.gap || u || self.unspaced);
        self.words.push(start);
        self.words.extend(std::iter::repeat_n(false, len - 1));
        self.gap = false;
        self.unspaced = u || (mark && self.unspaced);
    }
}

impl Sink for WordStarts<'_> {
    fn ascii(&mut self, b: u8, _: usize) {
        self.push(char::from(b), 1);
    }
    fn run(&mut self, bytes: &[u8], _: usize) {
        for c in std::str::from_utf8(bytes).unwrap_or_default().chars() {
            self.push(c, c.len_utf8());
        }
    }
    fn char(&mut self, c: char, _: usize) {
        self.push(c, c.len_utf8());
    }
    fn gap(&mut self) {
        self.gap = true;
    }
    fn reset(&mut self) {
        // As `key_and_words` starts it.
        self.words.clear();
        self.gap = false;
        self.unspaced = false;
    }
}

/// Builds `key` of `line` with source offsets, and `words`: for every key byte and the key's
/// end, whether a word may start there (see [`WordStarts`]). When the walk does not give the
/// key (a line of symbols keyed by its characters), any character may start a word.
fn key_and_words(line: &str, key: &mut Key, words: &mut Vec<bool>) {
    words.clear();
    let mut w = WordStarts {
        words,
        gap: false,
        unspaced: false,
    };
    key.build_tee(line, true, &mut w);
    if words.len() != key.bytes.len() {
        words.clear();
        words.extend(key.bytes.iter().map(|&b| (b & 0xC0) != 0x80));
    }
    words.push(true);
}

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
        let mut words = Vec::new();
        key_and_words(line, &mut key, &mut words);
        debug_assert_eq!(key.bytes, own_key);
        // Runs are found again, this time knowing where words start (the first look only
        // asked whether there was anything to cut), to be shrunk to whole words; glued copies
        // are cut as found.
        if self.found_runs {
            self.cuts.clear();
        } else {
            snap_to_segments(&mut self.cuts, &key.offsets);
        }
        self.refine_cuts(own_key, &key.offsets, &words);
        self.words.clear();
        if self.cuts.is_empty() {
            // Every cut fell inside one normalized segment: the paragraph stays whole. Going on
            // as a cut paragraph would remember its whole key and then find what is left, the
            // same key, a repeat of itself (`not-idempotent-all-cuts-inside-a-segment`).
            self.remember(own_key, h);
            out.pieces.push(start..start + line.len());
            return Some(Paragraph {
                pieces: out.pieces.len() - 1..out.pieces.len(),
                hash: h,
                flow: crate::flow::paragraph(own_key),
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
        // Key offset where the next kept range starts, and its source offset (a kept piece
        // starting the line keeps any text before its first key character).
        let mut kept_from = 0;
        let mut kept_src = 0;
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
            // Where the cut text begins in the source: at its first key character's segment,
            // after any spaces that segment begins with (a space before a Cyrillic word is
            // in the word's segment, and stays with the text before the cut).
            let cut_src = if c.start > kept_from {
                let at = src(c.start);
                let t = &line[at..];
                let lead = t.len() - t.trim_start().len();
                let ws_only = t[lead..].chars().next().is_some_and(char::is_alphanumeric);
                if ws_only {
                    at + lead
                } else {
                    at
                }
            } else {
                src(c.start)
            };
            if c.start > kept_from {
                self.rest.extend_from_slice(&own_key[kept_from..c.start]);
                push(pieces, kept_src, cut_src);
            }
            if c.end > kept_from {
                kept_from = c.end;
                // One separator stays where text was cut: the one before the cut (kept with
                // the text before it), else the one after it, so that what is left before
                // the cut (a long word cut inside, Thai before English) is not glued to what
                // follows.
                let before = line[..cut_src].chars().next_back();
                kept_src =
                    if c.start > 0 && before.is_some_and(|b| b.is_alphanumeric() || is_mark(b)) {
                        separator_after(line, key.offsets[c.end - 1] as usize, src(c.end))
                    } else if before.is_some_and(char::is_whitespace) {
                        // The space before the cut stays: not the one the next segment begins
                        // with too.
                        let at = src(c.end);
                        let t = &line[at..];
                        let lead = t.len() - t.trim_start().len();
                        if t[lead..].chars().next().is_some_and(char::is_alphanumeric) {
                            at + lead
                        } else {
                            at
                        }
                    } else {
                        src(c.end)
                    };
            }
        }
        if kept_from < own_key.len() {
            self.rest.extend_from_slice(&own_key[kept_from..]);
            push(pieces, kept_src, line.len());
        } else if kept_src < line.len() {
            // A cut to the end of the key that keeps the separator after it (see above):
            // the line's closing punctuation stays (`Score 6!`, `说谢谢你。`).
            push(pieces, kept_src, line.len());
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
                flow: crate::flow::paragraph(&rest),
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
        let before = self.cuts.len();
        self.find_runs(lo, hi);
        self.found_runs = self.cuts.len() > before;
    }

    /// Cutting joins what was on either side of a cut, and the joined text may itself repeat
    /// earlier text or be a glued copy; looks again at what is left until nothing more is cut,
    /// so that repairing the output again changes nothing (`not-idempotent-min-repeat-12`,
    /// `not-idempotent-default-min-repeat`). `words` says where words start in `own_key`.
    /// Leaves the anchors of `own_key` in `para_anchors`.
    fn refine_cuts(&mut self, own_key: &[u8], offsets: &[u32], words: &[bool]) {
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
            // Where words start in the remainder: as in the paragraph, and where two kept
            // ranges meet if a word started at either side (the text keeps a separator
            // there, see `cut`).
            self.words.clear();
            for (i, r) in kept.iter().enumerate() {
                let joined = i > 0 && (words[kept[i - 1].end] || words[r.start]);
                self.words.push(i == 0 || joined);
                self.words.extend_from_slice(&words[r.start + 1..r.end]);
            }
            self.words.push(true);
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

    /// Finds runs of weight at least `min_repeat` in `key[lo..hi]` that occur earlier in the
    /// page (before the run starts) and adds them to `self.cuts`, shrunk to whole words when
    /// `self.words` says where words start.
    fn find_runs(&mut self, lo: usize, hi: usize) {
        let key = &self.key.bytes;
        let min_bytes = self.min_repeat; // a byte weighs at most one letter
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
            // The longest run, and whether its earlier occurrence is in an earlier paragraph.
            let mut found: Option<(Range<usize>, bool)> = None;
            let mut consider = |r: Range<usize>, earlier_paragraph: bool| {
                if found.as_ref().is_none_or(|f| r.len() > f.0.len()) {
                    found = Some((r, earlier_paragraph));
                }
            };
            for (table, earlier) in [
                (&self.anchors, &self.page_key),
                (&self.cut_anchors, &self.cut_key),
            ] {
                if let Some(&q) = table.get(&a) {
                    let q = q as usize;
                    if &earlier[q..q + ANCHOR_PROBE] == probe {
                        consider(self.extend(earlier, q, earlier.len(), key, p, lo, hi), true);
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
                        consider(self.extend_local(key, q, p, lo, hi), false);
                    }
                    if first == last {
                        break;
                    }
                }
            }
            local.entry(a).and_modify(|e| e.1 = p).or_insert((p, p));
            if let Some((run, earlier_paragraph)) = found {
                let w = weight2(&key[run.clone()]);
                // A quotation, not a doubled text: text of an earlier paragraph at the start or
                // end of a paragraph that has at least a sentence (`min_repeat`) of its own. On
                // news pages the earlier paragraph is a summary teaser and this one the lead it
                // quotes; cutting would take the lead's first or last sentence (`suffix-glue`
                // class). Doubled text is a whole paragraph (dropped by the paragraph rules), a
                // run inside one paragraph (local: not a quotation), or glued to a fragment.
                let at_edge = run.start == lo || run.end == hi;
                let own = weight2(&key[lo..run.start]) + weight2(&key[run.end..hi]);
                let quoted = earlier_paragraph && at_edge && own >= 2 * self.min_repeat;
                if w >= 2 * self.min_repeat && !quoted {
                    next = run.end.max(p + 1);
                    let cut = snap_to_words(&self.words, key, run);
                    if !cut.is_empty() {
                        self.cuts.push(cut);
                    }
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
    /// `d`; the run is everything after the first period, up to where the period breaks: a
    /// line of one unit over and over (`word word …`, `好好学习好好学习…`) is cut down to one
    /// unit, whatever its length, and a doubled sentence to one copy. Cutting it all at once
    /// keeps repair idempotent on short-period runs ("hhhh…", "哈哈哈…"), which piecewise cuts
    /// are not (`not-idempotent-periodic-run`).
    fn extend_local(&self, cur: &[u8], q: usize, p: usize, lo: usize, hi: usize) -> Range<usize> {
        let (mut d, mut s, mut e) = periodic_stretch(cur, q, p - q, lo, hi);
        if s + d >= e {
            return p..p;
        }
        // The two occurrences may be several periods apart (anchors need not fall in every
        // period): what is kept is one period of the smallest period, a divisor of `d`.
        if weight2(&cur[s + d..e]) >= 2 * self.min_repeat {
            if let Some(d2) = (1..=d / 2)
                .filter(|&d2| d % d2 == 0)
                .find(|&d2| (s + d2..e).all(|i| cur[i] == cur[i - d2]))
            {
                (d, s, e) = periodic_stretch(cur, s, d2, lo, hi);
            }
        }
        // Any `d` bytes from `s + d` on repeat the `d` before them: the cut may begin anywhere
        // in the second period. It begins at the first word start there, so that whole words
        // go (`said word word …` is periodic from the `d` of `said`).
        let mut a = s + d;
        if !self.words.is_empty() {
            if let Some(j) = (a..(a + d).min(e)).find(|&k| self.words[k]) {
                a = j;
            }
        }
        // Whole periods only, unless the partial one at the end is a long run too: text after
        // a doubled sentence may begin like it ("… approved it. The committee … approved it.
        // Then …") without being a copy.
        let whole = a + (e - a) / d * d;
        let end = if weight2(&cur[whole..e]) >= 2 * self.min_repeat {
            e
        } else {
            whole
        };
        snap(cur, a, end)
    }
}

/// The stretch of `cur[lo..hi]` around `cur[q..q + d]` that has period `d`, as
/// `(d, start, end)`; the start is a character start at or before `q`.
fn periodic_stretch(cur: &[u8], q: usize, d: usize, lo: usize, hi: usize) -> (usize, usize, usize) {
    let mut s = q;
    while s > lo && cur[s - 1] == cur[s - 1 + d] {
        s -= 1;
    }
    // `q` is a character start, so the first one at or after `s` is at most `q`; a period
    // from a character start ends at one (the next period starts with that byte).
    while s < q && (cur[s] & 0xC0) == 0x80 {
        s += 1;
    }
    let mut e = q + d;
    while e < hi && cur[e] == cur[e - d] {
        e += 1;
    }
    (d, s, e)
}

/// Shrinks the run `r` of `key` to whole words, where `words` says words start (no change
/// when it is empty): a cut in a script written with spaces begins and ends at word
/// boundaries, except inside a word of at least [`LONG_WORD`] characters.
fn snap_to_words(words: &[bool], key: &[u8], r: Range<usize>) -> Range<usize> {
    if words.is_empty() {
        return r;
    }
    let (mut a, mut b) = (r.start, r.end);
    if !words[a] && !in_long_word(words, key, a) {
        while a < b && !words[a] {
            a += 1;
        }
    }
    if !words[b] && !in_long_word(words, key, b) {
        while b > a && !words[b] {
            b -= 1;
        }
    }
    a..b
}

/// Whether key byte `k` (not a word start) lies in a word of at least [`LONG_WORD`]
/// characters.
fn in_long_word(words: &[bool], key: &[u8], k: usize) -> bool {
    let mut a = k;
    while a > 0 && !words[a] {
        a -= 1;
    }
    let mut b = k;
    while b < key.len() && !words[b] {
        b += 1;
    }
    char_count(&key[a..b]) >= LONG_WORD
}

/// The source offset where the separator after the key character at source offset `at` begins
/// (before `next`, the next kept key character's offset): the first character after it that
/// is neither a letter, a digit nor a mark.
fn separator_after(line: &str, at: usize, next: usize) -> usize {
    let mut chars = line[at..next].char_indices();
    chars.next();
    for (i, c) in chars {
        if !c.is_alphanumeric() && !is_mark(c) {
            return at + i;
        }
    }
    next
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
