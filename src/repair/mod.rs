//! Repair stage: removes what a broken scraper repeated inside one page. A paragraph is a
//! non-blank line. Pages are only ever shortened, never reordered; repair is deterministic and a
//! fixed point (repairing its output changes nothing). The read stage records the kept pieces;
//! the emit stage reads them.
//!
//! A paragraph whose key equals an earlier paragraph's (a *repeat*) is dropped only when it
//! looks like what a scraper repeats, never merely because its key recurs: short lines recur
//! because a page's structure repeats (`9:00-17:00` under each weekday, a refrain, a FAQ's
//! `Yes`, a table's `0`), and a reader keeps them. A repeat is dropped when
//! - it is a copy of the page's title, the first paragraph the page shows (the title printed
//!   again);
//! - it repeats the paragraph shown right before it (a stutter: `T T`, `0 0`);
//! - it belongs to a run of consecutive repeats (one or more non-blank lines in a row, each
//!   repeating an earlier line) whose keys add up to at least `min_repeat` characters: a
//!   sentence or a body printed again. A single long repeated paragraph is such a run; so is the
//!   second copy of a doubled body, its short headings included.
//!
//! A repeat that is kept is repaired like any other paragraph. Inside a paragraph, a copy of an
//! earlier paragraph glued to its start or end is cut only where a scraper glues one: the title
//! glued to the start of a paragraph, or two earlier paragraphs glued into one line (both parts
//! repeat, so the line goes). A paragraph that merely *ends* with an earlier short paragraph
//! keeps it: on news pages that paragraph is a summary teaser quoting the lead's last sentence.
//! Runs weighing at least `min_repeat` (see [`DEFAULT_MIN_REPEAT`]: letters, a character of an
//! unspaced script weighing 2.5) seen earlier in the page are cut, on word boundaries in spaced
//! scripts, and periodic text down to one period (see `cut`).
//!
//! The rules look only at what a second repair would see the same way (the title and the
//! previous paragraph are what the page *shows*; a run's neighbours are new paragraphs, which
//! stay), so a page without a cut is a fixed point after one pass; a page with a cut is
//! repaired again until a pass changes nothing.

use std::collections::HashMap;
use std::ops::Range;

use xxhash_rust::xxh3::xxh3_64;

use crate::normalize::Key;

mod compose;
mod cut;
mod memory;

use compose::{compose, kept_text_map, MAX_PASSES};
use memory::{anchors_of, IdBuild};

/// The default `--min-repeat`: runs seen earlier in the same page that weigh this much or
/// more are cut. Weight is in letters: a letter or digit of a script written with spaces
/// weighs 1, a character of a script written without spaces (Han, kana, Hangul, Thai, …) 2.5,
/// the information a character carries (see `cut.rs`). 50 is about eight English words or two Chinese clauses
/// (20 characters): long enough that natural repetition (set phrases, a repeated name) does
/// not reach it, short enough to catch a repeated sentence in any script.
pub const DEFAULT_MIN_REPEAT: usize = 50;

/// One kept paragraph of a repaired page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paragraph {
    /// The paragraph's entries in [`Repaired::pieces`].
    pub pieces: Range<usize>,
    /// xxh3-64 of the paragraph's (remaining) key.
    pub hash: u64,
    /// The key's stream hash, of which a document's exact key is made (see `flow.rs`).
    pub flow: u64,
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
    /// Shingle tokens (one hash per key character) of paragraphs kept whole, when tokenizing.
    pub tokens: Vec<u64>,
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

/// The repaired text of a page (kept paragraphs, trimmed, joined by newlines), for callers
/// that want repair alone (tests, tools). `min_repeat` is `--min-repeat`.
pub fn repair_text(text: &str, min_repeat: usize) -> String {
    let r = Repairer::new(min_repeat).repair(text);
    r.text(text)
}

/// Repairs pages; holds scratch buffers so that a worker thread allocates once.
#[derive(Default)]
pub struct Repairer {
    min_repeat: usize,
    key: Key,
    /// Key hash → line where it first occurred.
    seen: HashMap<u64, u32, IdBuild>,
    /// Line number of the paragraph being repaired.
    line: u32,
    /// Edge (first 8 key bytes, mixed) of earlier paragraphs → newest entry in `glue`.
    heads: HashMap<u64, u32, IdBuild>,
    /// Edge (last 8 key bytes, mixed) of earlier paragraphs → newest entry in `glue`.
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
    /// Where words may start in the key being searched for runs (one entry per key byte and
    /// one for its end; see `cut.rs`); empty while only looking whether there is anything to
    /// cut.
    words: Vec<bool>,
    /// Whether the last look for cuts found repeated runs (not only glued copies).
    found_runs: bool,
    rest: Vec<u8>,
    /// The kept text of a cut paragraph, and its key.
    kept: String,
    kept_key: Key,
    /// The result of a further pass over a repaired page.
    again: Repaired,
    /// Whether to collect shingle tokens while building keys (one walk for both).
    tokenize: bool,
    tok: crate::near::shingle::Tokens,
    /// The page's non-blank lines: (line number, start byte, end byte without line end).
    lines: Vec<(u32, usize, usize)>,
    /// Key hashes of the paragraphs the page shows so far, in order: the first is the title,
    /// the last the one a stutter repeats.
    shown: Vec<u64>,
    /// Whether the run of consecutive repeats the current paragraph belongs to is one a
    /// scraper made (decided at its first paragraph); `None` after a paragraph that is not a
    /// repeat.
    run_drop: Option<bool>,
    /// Key hashes and lengths of the lines of a run of repeats, looked at ahead.
    run: Vec<(u64, usize)>,
    /// Scratch key for looking ahead along a run of repeats.
    ahead: Key,
}

impl Repairer {
    /// A repairer cutting repeated runs weighing at least `min_repeat` (see
    /// [`DEFAULT_MIN_REPEAT`]).
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
    /// show), but a cut can still change what later text matches or how a key reads
    /// (`not-idempotent-fixed-point`); so a page with a cut is repaired again from its result
    /// until a pass removes nothing, and the passes are composed. A page without a cut is a
    /// fixed point already: the repeats one pass drops are decided on what the page shows and
    /// on new paragraphs, which stay (see the module header). After a cut, dropping a
    /// paragraph can still make two kept lines neighbours (a stutter, a longer run), so any
    /// change calls for a further pass, not only a cut.
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
            let changed = !again.events.is_empty();
            cut = changed;
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
        self.forget_page();
        self.shown.clear();
        self.run_drop = None;
        // The non-blank lines first: whether a run of repeats is long is known only at its end.
        let mut lines = std::mem::take(&mut self.lines);
        lines.clear();
        let mut line_start = 0;
        let bytes = text.as_bytes();
        let mut n = 0;
        while line_start < bytes.len() {
            n += 1;
            let line_end =
                memchr::memchr(b'\n', &bytes[line_start..]).map_or(bytes.len(), |i| line_start + i);
            let mut end = line_end;
            if end > line_start && bytes[end - 1] == b'\r' {
                end -= 1;
            }
            if !text[line_start..end].trim().is_empty() {
                lines.push((n, line_start, end));
            }
            line_start = line_end + 1;
        }
        self.lines = lines;
        for i in 0..self.lines.len() {
            let (n, start, end) = self.lines[i];
            self.line = n;
            self.paragraph(i, start, &text[start..end], text, out);
        }
    }

    /// Whether the repeat at non-blank line `i` (whose key is in `self.key`) is one a scraper
    /// made: a copy of the title, a stutter of the paragraph shown before it, or part of a run
    /// of consecutive repeats that is a sentence or a body printed again (see
    /// [`Repairer::run_is_a_copy`]).
    fn scraper_repeat(&mut self, i: usize, h: u64, text: &str) -> bool {
        let run = match self.run_drop {
            Some(run) => run,
            None => {
                let run = self.run_is_a_copy(i, h, text);
                self.run_drop = Some(run);
                run
            }
        };
        run || self.shown.first() == Some(&h) || self.shown.last() == Some(&h)
    }

    /// Whether the run of consecutive repeats starting at non-blank line `i` (key hash `h`,
    /// key in `self.key`) is a copy a scraper printed: its keys add up to at least `min_repeat`
    /// characters (a sentence, a body), or it repeats the block of paragraphs shown right
    /// before it, once or more (`A B A B`: a short body printed twice, a stutter of several
    /// lines). A short run between new lines (`Mon 9-12 14-17 Wed 9-12 14-17`) is structure.
    ///
    /// The run is looked at ahead in `text`, once, at its first line: each line is looked at
    /// ahead at most once. The block is compared as the page would show the run if it were
    /// kept (without title copies and stutters, which go anyway), so that a second repair,
    /// seeing exactly that, decides the same.
    fn run_is_a_copy(&mut self, i: usize, h: u64, text: &str) -> bool {
        let mut total = self.key.chars as usize;
        let mut run = std::mem::take(&mut self.run);
        run.clear();
        run.push((h, total));
        let mut j = i + 1;
        while total < self.min_repeat && j < self.lines.len() {
            let (_, s, e) = self.lines[j];
            self.ahead.build(&text[s..e], false);
            let a = xxh3_64(&self.ahead.bytes);
            if !self.seen.contains_key(&a) {
                break;
            }
            total += self.ahead.chars as usize;
            run.push((a, self.ahead.chars as usize));
            j += 1;
        }
        let copy = total >= self.min_repeat || {
            // What the page would show of the run, after what it shows already.
            let shown_before = self.shown.len();
            let mut all = std::mem::take(&mut self.shown);
            for &(a, _) in &run {
                if all.first() != Some(&a) && all.last() != Some(&a) {
                    all.push(a);
                }
            }
            let k = all.len() - shown_before;
            // Every line of the run equals the one `d` before it, for a whole block `d`.
            let block = (1..=k.min(shown_before))
                .any(|d| (shown_before..all.len()).all(|m| all[m] == all[m - d]));
            all.truncate(shown_before);
            self.shown = all;
            block
        };
        self.run = run;
        copy
    }

    /// Repairs the paragraph `line` (non-blank line `i`, at byte `start` of the page `text`):
    /// drops it if it is a repeat a scraper made, cuts it if repair finds something to cut,
    /// else keeps it whole.
    fn paragraph(&mut self, i: usize, start: usize, line: &str, text: &str, out: &mut Repaired) {
        if self.tokenize {
            self.tok.clear();
            self.key.build_tee(line, false, &mut self.tok);
            self.tok.flush();
        } else {
            self.key.build(line, false);
        }
        let h = xxh3_64(&self.key.bytes);
        let repeat = self.seen.get(&h).copied();
        if repeat.is_none() {
            self.run_drop = None;
        }
        if let Some(of) = repeat.filter(|_| self.scraper_repeat(i, h, text)) {
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
        let flow = self.key.flow;
        let own_key = std::mem::take(&mut self.key.bytes);
        debug_assert_eq!(flow, crate::flow::paragraph(&own_key), "built with the key");
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
                flow,
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
            self.shown.push(p.hash);
            out.paragraphs.push(p);
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod fuzz_replay;
