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
            self.shown.push(p.hash);
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
    fn an_earlier_short_paragraph_at_the_end_of_a_new_one_is_kept() {
        // Was `glued_suffix_is_cut` (cut to `{a}\n{b}`): a paragraph that ends with an earlier
        // short one is how a lead reads after its summary teaser, not scraper glue.
        let a = "这是一段比较长的正文内容。";
        let b = "另外一段完全不同的正文内容。";
        let page = format!("{a}\n{b}{a}\n");
        let (text, _) = repair(&page);
        assert_eq!(text, format!("{a}\n{b}{a}"));
        // Both parts repeat earlier paragraphs: two copies glued into one line, which goes.
        let page = format!("{a}\n{b}\n{b}{a}\n");
        let (text, r) = repair(&page);
        assert_eq!(text, format!("{a}\n{b}"));
        assert_eq!(r.repeated_paragraphs, 1);
    }

    /// Pages whose short lines recur because their structure repeats, in several scripts:
    /// repair leaves them as they are.
    const STRUCTURED: &[&str] = &[
        // Opening hours: the same hours under several days, `Closed` twice.
        "Library hours\nMonday\n8:30-18:00\nTuesday\n8:30-18:00\nThursday\n8:30-18:00\n\
         Friday\n10:00-14:00\nSunday\nClosed\nHolidays\nClosed",
        // Two time slots a day: a run of two short repeats, far shorter than a sentence.
        "门诊时间\n周一\n8:00-12:00\n14:00-17:30\n周三\n8:00-12:00\n14:00-17:30\n周五\n8:00-12:00",
        // FAQ answers.
        "よくある質問\n駐車場はありますか？\nはい\n予約は必要ですか？\nいいえ\nペットは入れますか？\nはい\n\
         子ども料金はありますか？\nいいえ",
        "자주 묻는 질문\n주차할 수 있나요?\n네\n예약이 필요한가요?\n아니요\n반려동물과 함께 갈 수 있나요?\n네",
        // A refrain.
        "เพลงแห่งสายน้ำ\nเมื่อสายลมพัดผ่านทุ่งนา\nเราจะร้องเพลงด้วยกัน\nเมื่อดวงดาวส่องแสงยามค่ำ\n\
         เราจะร้องเพลงด้วยกัน\nเมื่อฝนโปรยปรายลงมา\nเราจะร้องเพลงด้วยกัน",
        "河边的歌\n清晨我们划船过河\n让歌声飘过山坡\n傍晚我们点起渔火\n让歌声飘过山坡",
        // Table cells, one per line, and scores.
        "Stock\nNails\n0\nScrews\n0\nBolts\n12\nWashers\n0",
        "Results\nLions\n2\nTigers\n1\nBears\n2\nWolves\n1\nFinal table\nLions 4\nTigers 2",
    ];

    #[test]
    fn short_repeated_lines_are_structure_not_a_doubled_body() {
        for page in STRUCTURED {
            let (text, r) = repair(page);
            assert_eq!(&text, page);
            assert!(r.events.is_empty(), "{:?}", r.events);
        }
        // What a scraper repeats still goes. A body printed twice, short headings included.
        let zh = [
            "湖滨公园改造完工",
            "改造内容",
            "湖滨公园改造工程日前完工，新建环湖步道三公里，增设座椅、路灯和公共厕所，并补种各类树木两千余株。",
            "市民反响",
            "家住附近的李先生说，改造后的公园环境更好了，每天傍晚都会带家人来散步。",
        ];
        let page = format!("{}\n{}\n", zh.join("\n"), zh[1..].join("\n"));
        assert_eq!(repair(&page).0, zh.join("\n"));
        // Short English lines: each shorter than a sentence, together a body.
        let en = [
            "Match report",
            "First half",
            "Visitors scored early.",
            "Second half",
            "Hosts equalised late.",
        ];
        let page = format!("{}\n{}\n", en.join("\n"), en[1..].join("\n"));
        assert_eq!(repair(&page).0, en.join("\n"));
        // The whole page twice, title included.
        let th = [
            "ตลาดน้ำเปิดใหม่",
            "ตลาดน้ำแห่งใหม่เปิดให้บริการแล้วตั้งแต่เช้าวันเสาร์",
            "มีร้านค้ากว่าร้อยร้าน",
        ];
        let page = format!("{0}\n{0}\n", th.join("\n"));
        assert_eq!(repair(&page).0, th.join("\n"));
        // The title three times, the third glued to the first paragraph; a stutter.
        let title = "新しい図書館が開館";
        let p1 = "市立図書館の新館が今日開館し、多くの市民が訪れた。";
        let p2 = "蔵書は約二十万冊。";
        let page = format!("{title}\n{title}\n{title}{p1}\n{p2}\n{p2}\n{p1}\n{p2}\n");
        assert_eq!(repair(&page).0, format!("{title}\n{p1}\n{p2}"));
        // A copy of the title anywhere in the page, and a stutter of a short line.
        let page =
            "Harbour news\nFerry adds a crossing.\nHarbour news\nTickets\nTickets\nOn sale now.";
        assert_eq!(
            repair(page).0,
            "Harbour news\nFerry adds a crossing.\nTickets\nOn sale now."
        );
    }

    /// A teaser long enough to be a repeated sentence (at least `min_repeat`) quoted at the
    /// start or end of a longer, otherwise new lead: the lead keeps it (`suffix-glue` class).
    /// Doubled text is still cut: inside one line, or as long as what surrounds it.
    #[test]
    fn a_long_teaser_quoted_by_the_lead_stays_in_the_lead() {
        let pages = [
            // Chinese, teaser (29 characters) at the end of the lead.
            "港口吞吐量创新高\n视频简介\n沿海港口集装箱吞吐量稳步增长，前三季度同比增长百分之八点五。\n主要内容\n\
             本台消息：交通运输部最新统计显示，今年以来外贸需求持续回暖，沿海港口集装箱吞吐量稳步增长，前三季度同比增长百分之八点五。\n\
             自动化码头的桥吊昼夜不停作业。",
            // English, teaser (about 55 letters) at the start of the lead.
            "Ferry timetable changes\nSummary\nThe ferry company will add a second evening crossing in June.\n\
             The ferry company will add a second evening crossing in June. Tickets go on sale at the pier office from Monday, and the company says more sailings may follow if demand holds.\n\
             The island council welcomed the news.",
        ];
        for page in pages {
            let (text, r) = repair(page);
            assert_eq!(text, page, "{:?}", r.events);
        }
        // A sentence doubled inside one line is still cut to one copy.
        let s = "The committee approved the new budget for the harbour after a long debate.";
        let page = format!("Budget\n{s} {s}\n");
        assert_eq!(repair(&page).0, format!("Budget\n{s}"));
        // A whole earlier paragraph glued to a shorter new one is still cut.
        let long = "经过半年施工，沿江健身步道日前全线贯通，全长十二公里，串联起沿岸六个公园和三处历史街区。";
        let page = format!("步道贯通\n{long}\n另据报道。{long}\n");
        let (text, _) = repair(&page);
        assert_eq!(text.matches(long).count(), 1, "{text}");
    }

    #[test]
    fn a_glued_span_is_cut_only_where_a_scraper_glues_it() {
        // A summary teaser, then a lead whose last sentence it is: the lead stays whole.
        let pages = [
            "[视频]全省春耕进度过半 农机作业面积扩大\n视频简介\n全省春耕进度过半，农机作业面积扩大。\n主要内容\n\
             本台消息：记者从省农业农村厅了解到，各地抢抓农时，全省春耕进度过半，农机作业面积扩大。\n\
             在平原地区，大型播种机在田间作业，农技人员现场指导。",
            "Council approves new bike lanes\nSummary\nThe council approved three new bike lanes.\n\
             After a long debate on Monday night, the council approved three new bike lanes.\n\
             Work starts in spring.",
            "駅前広場の改修が完了\n概要\n駅前広場の改修が完了した。\n\
             市は昨年から工事を進めてきたが、今月ついに駅前広場の改修が完了した。\n記念式典は来週開かれる。",
            // A short earlier line at the start of a new one: not the title, kept.
            "港口新闻\n来源：示例电视网\n正文第一段。\n来源：示例电视网 更新时间：2024年11月02日 19:20",
        ];
        for page in pages {
            let (text, r) = repair(page);
            assert_eq!(text, page);
            assert!(r.events.is_empty(), "{:?}", r.events);
        }
        // The title glued to the start of paragraph 1 is still cut.
        let title = "湖畔社区开办老年食堂";
        let body = "本报讯 为解决辖区老人吃饭难的问题，社区开办了老年食堂。";
        let page = format!("{title}\n{title}\n{title}{body}\n");
        assert_eq!(repair(&page).0, format!("{title}\n{body}"));
        let page = "Town fair this weekend\nTown fair this weekendThe fair opens on Saturday.\n";
        assert_eq!(
            repair(page).0,
            "Town fair this weekend\nThe fair opens on Saturday."
        );
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
        // `blank-kept-paragraph`: line 3 is line 2 glued to line 1; `叿ȯ` is one NFKC segment.
        // (Was `Ȯ沙发\n叿ȯ沙发`, cut the same way; an earlier short paragraph at the end of a
        // new one is no longer cut, see `an_earlier_short_paragraph_at_the_end_of_a_new_one_is_kept`.)
        let page = "Ȯ沙发\n叿\n叿ȯ沙发\n";
        let (text, _) = repair(page);
        assert_eq!(text, "Ȯ沙发\n叿\n叿ȯ");
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
