//! Repair stage: removes what a broken scraper repeated inside one page. A paragraph is a
//! non-blank line; going down the page, one whose key repeats an earlier paragraph's is dropped,
//! a full earlier key glued to its start or end (a title glued to the body) is cut, and so is a
//! run weighing at least `min_repeat` (see [`DEFAULT_MIN_REPEAT`]) seen earlier in the page. Pages are only ever
//! shortened, never reordered; repair is deterministic and a fixed point (repairing its output
//! changes nothing). The read stage records the kept pieces; the emit stage reads them.

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
/// as in shingles (see `cut.rs`). 50 is about eight English words or two Chinese clauses
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
    /// fixed point already: dropping whole repeated paragraphs leaves the page as the next pass
    /// sees it.
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
        self.forget_page();
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

    /// Repairs the paragraph `line` (at byte `start` of the page): drops it if its key repeats
    /// an earlier one, cuts it if repair finds something to cut, else keeps it whole.
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
        // `blank-kept-paragraph`: line 2 ends with line 1's key; `叿ȯ` is one NFKC segment.
        let page = "Ȯ沙发\n叿ȯ沙发\n";
        let (text, _) = repair(page);
        assert_eq!(text, "Ȯ沙发\n叿ȯ");
    }

    #[test]
    fn pieces_never_overlap_in_one_segment_lines() {
        // `overlapping-pieces-min-repeat-2`, `overlapping-pieces-thai-default`: the whole line
        // is one NFKC segment, so every key byte has source offset 0; the cut cannot be placed
        // and the text must come out once.
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
        // `not-idempotent-min-repeat-12`, `not-idempotent-default-min-repeat`: a cut joins text
        // into a new repeated run; one repair removes it.
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
    fn short_period_runs_are_cut_to_one_period() {
        for (unit, min) in [("h", 1), ("h", 5), ("ab", 3), ("哈", 4), ("xy", 50)] {
            for copies in [1usize, 2, 7, 40, 301] {
                let page = format!("lead text{}tail\n", unit.repeat(copies));
                let once = Repairer::new(min).repair(&page).text(&page);
                let again = Repairer::new(min).repair(&once).text(&once);
                assert_eq!(again, once, "{unit:?}×{copies}, min_repeat {min}");
            }
        }
        // "xy" × 301 at min_repeat 50: one period stays (the issue "never cut what a reader
        // would keep": periodic text is cut to one period, whatever its length); the run is
        // one long word, so the cut may fall inside it.
        let page = format!("lead text {}Tail", "xy".repeat(301));
        let once = Repairer::new(50).repair(&page).text(&page);
        assert_eq!(once, "lead text xyTail");
        // × 49 repeats 96 letters of itself: cut too, keeping the separator after it.
        let page = format!("lead text {} tail", "xy".repeat(49));
        assert_eq!(
            Repairer::new(50).repair(&page).text(&page),
            "lead text xy tail"
        );
        // × 25 repeats only 48 letters: kept whole.
        let page = format!("lead text {} tail", "xy".repeat(25));
        assert_eq!(Repairer::new(50).repair(&page).text(&page), page);
    }
}
