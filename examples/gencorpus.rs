//! Synthetic web-scrape corpus generator for benchmarking and evaluating
//! `canon`'s repair and deduplication stages.
//!
//! ```text
//! cargo run --release --example gencorpus -- --bytes 1G --out corpus/corpus.jsonl --seed 42
//! ```
//!
//! Options (all optional): `--bytes N` (default `1G`; plain bytes or a
//! `K`/`M`/`G`/`T` suffix in binary units, e.g. `512K`, `50M`, `1.5G`),
//! `--out PATH` (default `corpus/corpus.jsonl`; parent directories are
//! created), `--seed N` (default `42`) and `--short` (many short documents
//! instead of articles, see [Short documents](#short-documents)). Only `std`
//! (and the `pinyin` table) is used.
//!
//! # Output
//!
//! `PATH` is JSON Lines, one scraped page per line:
//!
//! ```text
//! {"id":"doc-000000123","url":"https://site17.example/article/4821733.html","site":"site17","text":"..."}
//! ```
//!
//! The file is filled up to, but never past, `--bytes`: generation stops at
//! the first line that would overflow it. Output is fully deterministic for a
//! given seed, and a smaller size with the same seed is a prefix of a larger.
//!
//! `PATH.truth.tsv` has one row per line of `PATH`, in the same order, with
//! the tab-separated columns
//!
//! | column      | meaning                                                                |
//! |-------------|------------------------------------------------------------------------|
//! | `id`        | the document id                                                        |
//! | `kind`      | `original`, `exact`, `near` or `malformed`                             |
//! | `source_id` | for `exact`/`near`: the id of the original whose article was copied   |
//! | `edit_rate` | for `near`: 0.02, 0.05, 0.1, 0.2 or 0.4; `0` otherwise                 |
//! | `lang`      | `zh`, `en` or `mixed`                                                  |
//! | `variant`   | for copies: how the page's rendering differs from the source page's   |
//! | `defects`   | this page's own rendering defects                                     |
//!
//! `variant` is a comma-separated subset of `footer` (hosted on another site,
//! hence another footer and line style), `glossed` (one of the two pages has
//! pinyin glosses and the other not), `doubled` (one of them has its body
//! doubled) and `title_glued` (one of them has the repeated/glued title).
//! `defects` is a comma-separated subset of `glossed`, `doubled`,
//! `title_glued` and `uescape` (the line spells every non-ASCII character as a
//! `\uXXXX` escape), plus `truncated` / `no_text` for malformed lines. Empty
//! lists are empty fields.
//!
//! # Content model
//!
//! * Articles: ~60% Chinese, ~30% English, ~10% mixed (Chinese paragraphs with
//!   English words, product names and numbers embedded). A title line and
//!   5–15 paragraphs of 2–5 sentences. Chinese text draws from ~4000
//!   pseudo-words built from 2500 characters picked from U+4E00..U+9FA5 (plus
//!   a few real function words), with the punctuation ，。、：“”！？ and
//!   sentences of 10–40 characters; English text draws from ~5000 syllable
//!   pseudo-words plus common function words. The vocabularies are large and
//!   the draws random, so unrelated articles share practically no paragraphs.
//! * 200 sites (about two thirds Chinese, one third English), each with a
//!   footer of 3–6 short lines mixing generic lines shared by many sites
//!   (`相关推荐`, `暂无评论，快抢沙发吧~`, `Share this:`, ...) and
//!   site-specific ones (`版权所有 © 站点17`, `© 2026 Site17. All rights
//!   reserved.`, ...). Some footers contain emoji (astral characters). A few
//!   sites separate paragraphs with blank lines and a few use `\r\n`.
//! * Rendering defects: ~30% of pages repeat the title twice on its own line
//!   and glue a third copy straight onto the first paragraph; ~20% have the
//!   whole body (title and paragraphs) doubled; about 30% of the Chinese
//!   sites are "glossing" sites that put pinyin after some Han words, as in
//!   `词汇(cíhuì)`, so roughly 30% of Chinese and mixed pages are glossed.
//! * Duplicates: ~10% of pages are exact copies of an earlier original's
//!   article and ~10% near copies at one of the edit rates above (per word for
//!   English, per character for Chinese: substitutions, deletions,
//!   insertions, punctuation changes; plus possibly a dropped paragraph). A
//!   copy stays on the source's site half of the time; otherwise it lands on a
//!   random site of the same language, so its footer, gloss and other defects
//!   may differ. Sources are a uniform reservoir sample of earlier originals.
//! * ~0.01% of lines are malformed (truncated JSON or no `text` field), ~2%
//!   use `\uXXXX` escapes (with surrogate pairs for astral characters) for all
//!   non-ASCII characters, the rest are raw UTF-8.
//!
//! # Short documents
//!
//! With `--short` every page is a short post or poem of about 300 bytes (a
//! JSON line of 200–400 bytes): a title and a paragraph of one or two
//! sentences (a quarter of the time a second paragraph of one), or (a third of
//! the time) a poem of 4 or 8 short lines;
//! Chinese, English and mixed as above, with the same share of exact and near
//! copies, glosses on glossing sites, no footer, no doubled body and no glued
//! title. `--short --bytes 120M` gives about 420,000 documents
//! (`make corpus-short`). Without `--short` the output is byte-for-byte what
//! it was before the option existed.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

const HAN_FIRST: u32 = 0x4E00;
const HAN_LAST: u32 = 0x9FA5;
const HAN_TABLE_SIZE: usize = 2500;
const ZH_VOCAB_SIZE: usize = 4000;
const EN_VOCAB_SIZE: usize = 5000;
const N_SITES: usize = 200;
const POOL_CAP: usize = 8192;
const EDIT_RATES: [f64; 5] = [0.02, 0.05, 0.1, 0.2, 0.4];
const OUT_BUF: usize = 16 << 20;

const USAGE: &str = "usage: gencorpus [--bytes N[K|M|G|T]] [--out PATH] [--seed N] [--short]
  --bytes  output size limit, binary units (default 1G)
  --out    JSON Lines output; truth goes to PATH.truth.tsv (default corpus/corpus.jsonl)
  --seed   PRNG seed (default 42)
  --short  short posts and poems of ~300 bytes instead of articles";

// ---------------------------------------------------------------------------
// PRNG
// ---------------------------------------------------------------------------

/// SplitMix64: tiny, fast and good enough for synthetic text.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed ^ 0x6A09_E667_F3BC_C908)
    }

    #[inline]
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.0)
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; `n` must fit in 32 bits).
    #[inline]
    fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    /// Uniform in `lo..=hi`.
    #[inline]
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    #[inline]
    fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64) * (1.0 / (1u64 << 53) as f64) < p
    }

    #[inline]
    fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }
}

#[inline]
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

// ---------------------------------------------------------------------------
// Static word lists
// ---------------------------------------------------------------------------

const ZH_COMMON: &[&str] = &[
    "的", "了", "是", "在", "和", "有", "也", "就", "不", "都", "而", "与", "及", "对", "将", "把",
    "被", "从", "让", "这", "那", "一个", "我们", "他们", "这个", "已经", "可以", "因为", "所以",
    "但是", "如果", "没有", "进行", "通过", "以及", "其中", "目前", "同时", "表示", "认为", "相关",
    "发展", "问题", "工作", "方面", "需要", "可能", "还是", "记者", "今年",
];

const EN_COMMON: &[&str] = &[
    "the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "with", "as", "was", "on",
    "be", "by", "this", "are", "from", "at", "or", "an", "have", "not", "which", "but", "they",
    "their", "has", "more", "can", "will", "one", "all", "new", "been", "were", "about", "into",
    "than", "its", "also", "after", "other", "some", "most", "these", "over", "such", "only",
    "when", "there", "while", "may", "first", "data", "system", "time", "year", "people", "world",
    "could", "would", "should", "between", "through", "during", "under", "very", "city", "report",
];

const TECH: &[&str] = &[
    "AI", "GPT", "iPhone", "Android", "Python", "Rust", "GPU", "CPU", "5G", "Wi-Fi", "USB-C",
    "App", "API", "SaaS", "CEO", "NBA", "VR", "AR", "Linux", "Windows", "Tesla", "ChatGPT", "LLM",
    "IoT", "OLED", "4K", "HDR", "SSD", "GitHub", "PDF",
];

const EMOJI: &[&str] = &["👍", "🔥", "😀", "🎉", "💡", "📱", "🚀", "😂", "❤️", "✨"];

const EN_ONSETS: &[&str] = &[
    "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br",
    "cr", "dr", "fr", "gr", "pr", "tr", "bl", "cl", "fl", "gl", "pl", "sl", "st", "sp", "sc", "sh",
    "ch", "th", "wh", "", "",
];
const EN_VOWELS: &[&str] = &[
    "a", "e", "i", "o", "u", "a", "e", "i", "o", "ai", "ea", "ee", "oo", "ou", "io", "y",
];
const EN_CODAS: &[&str] = &[
    "", "", "", "", "n", "r", "s", "t", "l", "m", "nd", "st", "ng", "ck", "rt", "ll", "x",
];
const EN_SUFFIXES: &[&str] = &[
    "tion", "ment", "ing", "ed", "ly", "er", "ness", "able", "ity", "ous", "ist", "al",
];

const ZH_FOOTER_GENERIC: &[&str] = &[
    "相关推荐",
    "评论列表",
    "暂无评论,快抢沙发吧~",
    "暂无评论，快抢沙发吧~",
    "发表评论",
    "分享到：",
    "热门文章",
    "点击排行",
    "返回顶部",
    "扫一扫，关注我们",
    "免责声明：本站内容仅供参考，不构成任何建议。",
    "上一篇 下一篇",
];
const ZH_FOOTER_SITE: &[&str] = &[
    "版权所有 © 站点{N}",
    "版权所有 © 2026 站点{N} 保留所有权利。",
    "本文来源：站点{N}，转载请注明出处。",
    "站点{N}网 京ICP备{ICP}号-1",
    "联系邮箱：editor@site{N}.example",
    "关注站点{N}公众号，获取更多资讯👍",
    "站点{N}客户端下载 📱",
];
const EN_FOOTER_GENERIC: &[&str] = &[
    "Related articles",
    "Share this:",
    "Leave a comment",
    "Like this:",
    "Loading...",
    "Subscribe to our newsletter",
    "Posted in Uncategorized",
    "Read more",
];
const EN_FOOTER_SITE: &[&str] = &[
    "© 2026 Site{N}. All rights reserved.",
    "Copyright © 2026 Site{N} Media Group",
    "Follow Site{N} on social media 🚀",
    "Contact: editor@site{N}.example",
    "Powered by \"Site{N} CMS\" v{V}",
    "Privacy Policy | Terms of Use | Site{N}",
];

// ---------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lang {
    Zh,
    En,
    Mixed,
}

impl Lang {
    fn name(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
            Lang::Mixed => "mixed",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Original,
    Exact,
    Near,
    Malformed,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Original => "original",
            Kind::Exact => "exact",
            Kind::Near => "near",
            Kind::Malformed => "malformed",
        }
    }
}

struct Article {
    title: String,
    paras: Vec<String>,
}

/// How one page renders its article.
#[derive(Clone, Copy)]
struct Style {
    site: usize,
    glossed: bool,
    doubled: bool,
    title_glued: bool,
}

struct PoolEntry {
    id: u64,
    lang: Lang,
    style: Style,
    art: Article,
}

struct Site {
    name: String,
    zh: bool,
    glossing: bool,
    nl: &'static str,
    para_sep: &'static str,
    footer: String,
    url_style: usize,
}

struct Vocab {
    han: Vec<char>,
    zh_words: Vec<String>,
    en_words: Vec<String>,
    /// Tone-marked pinyin of every code point in `HAN_FIRST..=HAN_LAST` (empty: no reading).
    pinyin: Vec<String>,
}

fn is_han(c: char) -> bool {
    (HAN_FIRST..=HAN_LAST).contains(&(c as u32))
}

impl Vocab {
    fn build(rng: &mut Rng) -> Self {
        // 2500 distinct characters picked from the CJK Unified Ideographs block.
        let mut all: Vec<u32> = (HAN_FIRST..=HAN_LAST).collect();
        for i in 0..HAN_TABLE_SIZE {
            let j = i + rng.below(all.len() - i);
            all.swap(i, j);
        }
        let han: Vec<char> = all[..HAN_TABLE_SIZE]
            .iter()
            .map(|&c| char::from_u32(c).expect("valid Han code point"))
            .collect();

        let mut seen = HashSet::new();
        let mut zh_words = Vec::with_capacity(ZH_VOCAB_SIZE);
        while zh_words.len() < ZH_VOCAB_SIZE {
            let len = match rng.below(100) {
                0..=14 => 1,
                15..=69 => 2,
                70..=89 => 3,
                _ => 4,
            };
            let mut w = String::with_capacity(len * 3);
            for _ in 0..len {
                // Half the draws are skewed towards the front of the table so
                // that some characters are much more frequent than others.
                let i = if rng.chance(0.5) {
                    rng.below(HAN_TABLE_SIZE).min(rng.below(HAN_TABLE_SIZE))
                } else {
                    rng.below(HAN_TABLE_SIZE)
                };
                w.push(han[i]);
            }
            if seen.insert(w.clone()) {
                zh_words.push(w);
            }
        }

        seen.clear();
        for w in EN_COMMON {
            seen.insert((*w).to_string());
        }
        let mut en_words = Vec::with_capacity(EN_VOCAB_SIZE);
        while en_words.len() < EN_VOCAB_SIZE {
            let syllables = match rng.below(4) {
                0 => 1,
                3 => 3,
                _ => 2,
            };
            let mut w = String::new();
            for _ in 0..syllables {
                w.push_str(rng.pick(EN_ONSETS));
                w.push_str(rng.pick(EN_VOWELS));
                w.push_str(rng.pick(EN_CODAS));
            }
            if rng.chance(0.3) {
                w.push_str(rng.pick(EN_SUFFIXES));
            }
            if w.len() >= 3 && seen.insert(w.clone()) {
                en_words.push(w);
            }
        }

        // Real readings (the `pinyin` crate canon checks glosses against), tone-marked: a gloss
        // is a reading of the characters before it, so canon keys a glossed copy like the
        // plain one. A character without a reading gets no gloss.
        let pinyin = (HAN_FIRST..=HAN_LAST)
            .map(|cp| {
                char::from_u32(cp)
                    .and_then(|c| pinyin::ToPinyin::to_pinyin(&c))
                    .map_or(String::new(), |p| p.with_tone().to_owned())
            })
            .collect();

        Vocab {
            han,
            zh_words,
            en_words,
            pinyin,
        }
    }

    #[inline]
    fn zh_word(&self, rng: &mut Rng) -> &str {
        match rng.below(100) {
            0..=19 => rng.pick(ZH_COMMON),
            20..=39 => &self.zh_words[rng.below(300)],
            _ => &self.zh_words[rng.below(self.zh_words.len())],
        }
    }

    #[inline]
    fn en_word(&self, rng: &mut Rng) -> &str {
        if rng.below(100) < 35 {
            rng.pick(EN_COMMON)
        } else {
            &self.en_words[rng.below(self.en_words.len())]
        }
    }

    fn push_en_number(rng: &mut Rng, out: &mut String) {
        let _ = match rng.below(4) {
            0 => write!(out, "{}", 1990 + rng.below(37)),
            1 => write!(out, "{}", 1 + rng.below(999)),
            2 => write!(out, "{}%", 1 + rng.below(99)),
            _ => write!(out, "{}.{}", rng.below(100), rng.below(10)),
        };
    }

    /// An English word, product name or number embedded in Chinese text.
    fn push_mixed_token(&self, rng: &mut Rng, out: &mut String) {
        let spaced = rng.chance(0.5);
        if spaced {
            out.push(' ');
        }
        match rng.below(10) {
            0..=3 => out.push_str(rng.pick(TECH)),
            4..=5 => out.push_str(self.en_word(rng)),
            _ => {
                let _ = match rng.below(5) {
                    0 => write!(out, "{}年", 1990 + rng.below(37)),
                    1 => write!(out, "{}%", 1 + rng.below(99)),
                    2 => write!(out, "{}.{}亿", 1 + rng.below(500), rng.below(10)),
                    3 => write!(out, "{}万", 1 + rng.below(9999)),
                    _ => write!(out, "{}", rng.below(100_000)),
                };
            }
        }
        if spaced {
            out.push(' ');
        }
    }

    fn zh_sentence(&self, rng: &mut Rng, out: &mut String, mixed: bool) {
        let target = rng.range(10, 40);
        let mut n = 0;
        let mut since_punct = 0;
        let mut next_break = rng.range(4, 12);
        let mut quote: Option<usize> = None;
        while n < target {
            if mixed && rng.chance(0.12) {
                self.push_mixed_token(rng, out);
                n += 2;
                since_punct += 2;
                continue;
            }
            if quote.is_none() && target - n > 6 && rng.chance(0.03) {
                out.push('“');
                quote = Some(0);
            }
            let w = self.zh_word(rng);
            out.push_str(w);
            let len = w.len() / 3;
            n += len;
            since_punct += len;
            if let Some(q) = quote {
                if q + len >= 2 && rng.chance(0.4) {
                    out.push('”');
                    quote = None;
                } else {
                    quote = Some(q + len);
                }
            }
            if since_punct >= next_break && n + 3 < target {
                out.push(match rng.below(100) {
                    0..=79 => '，',
                    80..=91 => '、',
                    _ => '：',
                });
                since_punct = 0;
                next_break = rng.range(4, 12);
            }
        }
        if quote.is_some() {
            out.push('”');
        }
        out.push(match rng.below(100) {
            0..=89 => '。',
            90..=94 => '！',
            _ => '？',
        });
    }

    fn en_sentence(&self, rng: &mut Rng, out: &mut String) {
        let n = rng.range(6, 22);
        for i in 0..n {
            if i > 0 {
                out.push(' ');
            }
            let quoted = i + 1 < n && rng.chance(0.02);
            if quoted {
                out.push('"');
            }
            if rng.chance(0.04) {
                Self::push_en_number(rng, out);
            } else {
                let w = self.en_word(rng);
                if i == 0 {
                    push_capitalized(out, w);
                } else {
                    out.push_str(w);
                }
            }
            if quoted {
                out.push('"');
            }
            if i + 1 < n && rng.chance(0.07) {
                out.push(',');
            }
        }
        out.push(if rng.chance(0.03) { '?' } else { '.' });
    }

    fn title(&self, lang: Lang, rng: &mut Rng, out: &mut String) {
        match lang {
            Lang::En => {
                let n = rng.range(4, 10);
                for i in 0..n {
                    if i > 0 {
                        out.push(' ');
                    }
                    let w = self.en_word(rng);
                    if i == 0 || w.len() > 3 {
                        push_capitalized(out, w);
                    } else {
                        out.push_str(w);
                    }
                }
            }
            Lang::Zh | Lang::Mixed => {
                let target = rng.range(8, 20);
                let colon_at = if rng.chance(0.2) {
                    target / 2
                } else {
                    usize::MAX
                };
                let mut n = 0;
                let mut tech = lang == Lang::Mixed;
                while n < target {
                    if tech && rng.chance(0.3) {
                        out.push_str(rng.pick(TECH));
                        tech = false;
                        n += 2;
                        continue;
                    }
                    let w = &self.zh_words[rng.below(self.zh_words.len())];
                    out.push_str(w);
                    let before = n;
                    n += w.len() / 3;
                    if before < colon_at && n >= colon_at && n < target {
                        out.push('：');
                    }
                }
            }
        }
    }

    fn article(&self, lang: Lang, rng: &mut Rng) -> Article {
        let mut title = String::with_capacity(64);
        self.title(lang, rng, &mut title);
        let n = rng.range(5, 15);
        let mut paras = Vec::with_capacity(n);
        for _ in 0..n {
            let mut p = String::with_capacity(320);
            let sentences = rng.range(2, 5);
            for k in 0..sentences {
                match lang {
                    Lang::En => {
                        if k > 0 {
                            p.push(' ');
                        }
                        self.en_sentence(rng, &mut p);
                    }
                    Lang::Zh => self.zh_sentence(rng, &mut p, false),
                    Lang::Mixed => self.zh_sentence(rng, &mut p, true),
                }
            }
            if lang == Lang::Mixed && rng.chance(0.05) {
                p.push_str(rng.pick(EMOJI));
            }
            paras.push(p);
        }
        Article { title, paras }
    }

    /// A short post (a title, a paragraph of one or two sentences, sometimes a second of one)
    /// or, a third of the time, a poem of 4 or 8 short lines: about 300 bytes as a JSON line
    /// (`--short`).
    fn short_post(&self, lang: Lang, rng: &mut Rng) -> Article {
        let mut title = String::with_capacity(64);
        self.title(lang, rng, &mut title);
        let mut paras = Vec::new();
        if rng.chance(0.33) {
            let lines = if rng.chance(0.2) { 8 } else { 4 };
            // Chinese lines of 5 or 7 characters, English lines of 4 to 8 words.
            let width = if rng.chance(0.5) { 5 } else { 7 };
            for i in 0..lines {
                let mut p = String::with_capacity(64);
                if lang == Lang::En {
                    for k in 0..rng.range(4, 8) {
                        if k == 0 {
                            push_capitalized(&mut p, self.en_word(rng));
                        } else {
                            p.push(' ');
                            p.push_str(self.en_word(rng));
                        }
                    }
                    p.push(if i % 2 == 0 { ',' } else { '.' });
                } else {
                    let mut n = 0;
                    while n < width {
                        let w = &self.zh_words[rng.below(self.zh_words.len())];
                        let take = (width - n).min(w.chars().count());
                        p.extend(w.chars().take(take));
                        n += take;
                    }
                    if lang == Lang::Mixed && rng.chance(0.2) {
                        self.push_mixed_token(rng, &mut p);
                    }
                    p.push(if i % 2 == 0 { '，' } else { '。' });
                }
                paras.push(p);
            }
        } else {
            // One paragraph of one or two sentences, a quarter of the time a second of one.
            let second = rng.chance(0.25);
            for sentences in [rng.range(1, 2), usize::from(second)] {
                if sentences == 0 {
                    break;
                }
                let mut p = String::with_capacity(160);
                for k in 0..sentences {
                    match lang {
                        Lang::En => {
                            if k > 0 {
                                p.push(' ');
                            }
                            self.en_sentence(rng, &mut p);
                        }
                        Lang::Zh => self.zh_sentence(rng, &mut p, false),
                        Lang::Mixed => self.zh_sentence(rng, &mut p, true),
                    }
                }
                paras.push(p);
            }
        }
        Article { title, paras }
    }

    /// Copies `s` to `out`, inserting a pinyin gloss after some Han words.
    fn push_glossed(&self, rng: &mut Rng, out: &mut String, s: &str) {
        let mut last = ['\0'; 2];
        let mut run = 0;
        for c in s.chars() {
            out.push(c);
            if !is_han(c) {
                run = 0;
                continue;
            }
            last = [last[1], c];
            run += 1;
            if rng.below(100) < 7 {
                let k = if run >= 2 && rng.chance(0.6) { 2 } else { 1 };
                let reading = |h: char| &self.pinyin[(h as u32 - HAN_FIRST) as usize];
                if last[2 - k..].iter().any(|&h| reading(h).is_empty()) {
                    continue;
                }
                out.push('(');
                for &h in &last[2 - k..] {
                    out.push_str(&self.pinyin[(h as u32 - HAN_FIRST) as usize]);
                }
                out.push(')');
                run = 0;
            }
        }
    }

    /// A near copy of `src` at edit rate `rate`.
    fn mutate(&self, src: &Article, lang: Lang, rate: f64, rng: &mut Rng) -> Article {
        let drop = if src.paras.len() > 3 && rng.chance((rate * 4.0).min(0.9)) {
            Some(rng.below(src.paras.len()))
        } else {
            None
        };
        let mut paras = Vec::with_capacity(src.paras.len());
        for (i, p) in src.paras.iter().enumerate() {
            if Some(i) != drop {
                paras.push(self.mutate_text(p, lang, rate, rng));
            }
        }
        Article {
            title: self.mutate_text(&src.title, lang, rate * 0.5, rng),
            paras,
        }
    }

    fn mutate_text(&self, s: &str, lang: Lang, rate: f64, rng: &mut Rng) -> String {
        let mut out = String::with_capacity(s.len() + 16);
        if lang == Lang::En {
            for w in s.split(' ') {
                if !rng.chance(rate) {
                    push_word(&mut out, w);
                    continue;
                }
                let body = w.trim_end_matches(['.', ',', '?', '!', ';']);
                let tail = &w[body.len()..];
                match rng.below(4) {
                    // Substitute (keeping trailing punctuation).
                    0 => {
                        push_word(&mut out, self.en_word(rng));
                        out.push_str(tail);
                    }
                    // Delete; sentence punctuation survives on the previous word.
                    1 => out.push_str(tail),
                    // Insert a word after this one.
                    2 => {
                        push_word(&mut out, w);
                        push_word(&mut out, self.en_word(rng));
                    }
                    // Change punctuation.
                    _ => {
                        push_word(&mut out, body);
                        out.push_str(match tail {
                            "." => "!",
                            "," => "",
                            "" => ",",
                            _ => ".",
                        });
                    }
                }
            }
        } else {
            for c in s.chars() {
                if is_han(c) && rng.chance(rate) {
                    match rng.below(3) {
                        0 => out.push(self.han[rng.below(self.han.len())]),
                        1 => {}
                        _ => {
                            out.push(c);
                            out.push_str(self.zh_word(rng));
                        }
                    }
                } else if matches!(c, '，' | '、' | '。' | '：') && rng.chance(rate) {
                    out.push(match c {
                        '，' => '、',
                        '、' => '，',
                        '。' => '！',
                        _ => '，',
                    });
                } else {
                    out.push(c);
                }
            }
        }
        out
    }
}

fn push_capitalized(out: &mut String, w: &str) {
    let mut cs = w.chars();
    if let Some(c) = cs.next() {
        out.push(c.to_ascii_uppercase());
        out.push_str(cs.as_str());
    }
}

/// Appends `name` to the comma-separated list ending `row` when `on`.
fn list(row: &mut String, on: bool, name: &str) {
    if on {
        if !row.ends_with('\t') {
            row.push(',');
        }
        row.push_str(name);
    }
}

fn push_word(out: &mut String, w: &str) {
    if w.is_empty() {
        return;
    }
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(w);
}

fn build_sites(rng: &mut Rng) -> Vec<Site> {
    let mut sites = Vec::with_capacity(N_SITES);
    for i in 0..N_SITES {
        let n = i + 1;
        // Fixed split so both language groups are always populated.
        let zh = i % 3 != 2;
        let (generic, specific) = if zh {
            (ZH_FOOTER_GENERIC, ZH_FOOTER_SITE)
        } else {
            (EN_FOOTER_GENERIC, EN_FOOTER_SITE)
        };
        let lines = rng.range(3, 6);
        let n_generic = rng.range(1, lines - 1);
        let mut footer_lines: Vec<String> = Vec::with_capacity(lines);
        let mut g: Vec<&str> = generic.to_vec();
        let mut s: Vec<&str> = specific.to_vec();
        for k in 0..n_generic {
            let j = k + rng.below(g.len() - k);
            g.swap(k, j);
            footer_lines.push(g[k].to_string());
        }
        for k in 0..lines - n_generic {
            let j = k + rng.below(s.len() - k);
            s.swap(k, j);
            let line = s[k]
                .replace("{N}", &n.to_string())
                .replace("{ICP}", &format!("{:08}", rng.below(100_000_000)))
                .replace("{V}", &format!("{}.{}", 1 + rng.below(9), rng.below(10)));
            footer_lines.push(line);
        }
        // Shuffle the footer order.
        for k in (1..footer_lines.len()).rev() {
            let j = rng.below(k + 1);
            footer_lines.swap(k, j);
        }
        let nl = if rng.chance(0.03) { "\r\n" } else { "\n" };
        let para_sep = match (nl, rng.chance(0.15)) {
            ("\n", true) => "\n\n",
            ("\n", false) => "\n",
            (_, true) => "\r\n\r\n",
            _ => "\r\n",
        };
        sites.push(Site {
            name: format!("site{n}"),
            zh,
            glossing: zh && rng.chance(0.3),
            nl,
            para_sep,
            footer: footer_lines.join(nl),
            url_style: rng.below(2),
        });
    }
    sites
}

// ---------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------

fn render_body(
    v: &Vocab,
    rng: &mut Rng,
    out: &mut String,
    art: &Article,
    site: &Site,
    style: Style,
) {
    out.push_str(&art.title);
    if style.title_glued {
        out.push_str(site.nl);
        out.push_str(&art.title);
        out.push_str(site.nl);
        out.push_str(&art.title);
    } else {
        out.push_str(site.nl);
    }
    for (i, p) in art.paras.iter().enumerate() {
        if i > 0 {
            out.push_str(site.para_sep);
        }
        if style.glossed {
            v.push_glossed(rng, out, p);
        } else {
            out.push_str(p);
        }
    }
}

/// Appends the page text as the inside of a JSON string: the rendered body,
/// again if the page is doubled, then the site footer (unless `short`).
fn push_page_json(
    out: &mut Vec<u8>,
    body: &str,
    site: &Site,
    style: Style,
    ascii_only: bool,
    short: bool,
) {
    push_json_str(out, body, ascii_only);
    if style.doubled {
        push_json_str(out, site.para_sep, ascii_only);
        push_json_str(out, body, ascii_only);
    }
    if !short {
        push_json_str(out, site.para_sep, ascii_only);
        push_json_str(out, &site.footer, ascii_only);
    }
}

fn push_url(rng: &mut Rng, out: &mut String, site: &Site, art: &Article, lang: Lang) {
    let _ = write!(out, "https://{}.example/", site.name);
    let _ = match (lang, site.url_style) {
        (Lang::En, 0) => {
            let _ = write!(out, "{}/{:02}/", 2015 + rng.below(12), 1 + rng.below(12));
            for (i, w) in art.title.split(' ').take(6).enumerate() {
                if i > 0 {
                    out.push('-');
                }
                out.extend(w.chars().map(|c| c.to_ascii_lowercase()));
            }
            write!(out, "-{}/", rng.below(100_000))
        }
        (Lang::En, _) => write!(out, "p/{}", 1 + rng.below(9_999_999)),
        (_, 0) => write!(out, "article/{}.html", 1 + rng.below(9_999_999)),
        _ => write!(
            out,
            "news/{}{:02}{:02}/{}.shtml",
            2015 + rng.below(12),
            1 + rng.below(12),
            1 + rng.below(28),
            rng.below(1_000_000)
        ),
    };
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn push_u_escape(out: &mut Vec<u8>, unit: u16) {
    out.extend_from_slice(b"\\u");
    for shift in [12, 8, 4, 0] {
        out.push(HEX[usize::from((unit >> shift) & 0xF)]);
    }
}

/// Appends `s` as the inside of a JSON string. With `ascii_only`, every
/// non-ASCII character becomes `\uXXXX` (a surrogate pair when astral).
fn push_json_str(out: &mut Vec<u8>, s: &str, ascii_only: bool) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Skip 8 bytes at a time while none needs escaping (SWAR: any byte
        // < 0x20, == '"', == '\\', or >= 0x80 when `ascii_only`).
        while let Some(chunk) = bytes.get(i..i + 8) {
            let w = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
            let quote = w ^ (ONES * u64::from(b'"'));
            let slash = w ^ (ONES * u64::from(b'\\'));
            let special = (w.wrapping_sub(ONES * 0x20) & !w)
                | (quote.wrapping_sub(ONES) & !quote)
                | (slash.wrapping_sub(ONES) & !slash)
                | if ascii_only { w } else { 0 };
            if special & HIGH != 0 {
                break;
            }
            i += 8;
        }
        let Some(&b) = bytes.get(i) else { break };
        let short: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0C => b"\\f",
            0x00..=0x1F => b"",
            0x80.. if ascii_only => b"",
            _ => {
                i += 1;
                continue;
            }
        };
        out.extend_from_slice(&bytes[start..i]);
        if !short.is_empty() {
            out.extend_from_slice(short);
            i += 1;
        } else if b < 0x20 {
            push_u_escape(out, u16::from(b));
            i += 1;
        } else {
            let c = s[i..].chars().next().expect("char boundary");
            let mut units = [0u16; 2];
            for &u in c.encode_utf16(&mut units).iter() {
                push_u_escape(out, u);
            }
            i += c.len_utf8();
        }
        start = i;
    }
    out.extend_from_slice(&bytes[start..]);
}

// ---------------------------------------------------------------------------
// Driver
// ---------------------------------------------------------------------------

struct Args {
    bytes: u64,
    out: PathBuf,
    seed: u64,
    /// Short posts and poems instead of articles (`--short`).
    short: bool,
}

fn parse_size(s: &str) -> Option<u64> {
    let t = s.trim();
    let t = t
        .strip_suffix("iB")
        .or_else(|| t.strip_suffix('B'))
        .or_else(|| t.strip_suffix('b'))
        .unwrap_or(t);
    let (num, mult) = match t.chars().last()?.to_ascii_uppercase() {
        'K' => (&t[..t.len() - 1], 1u64 << 10),
        'M' => (&t[..t.len() - 1], 1u64 << 20),
        'G' => (&t[..t.len() - 1], 1u64 << 30),
        'T' => (&t[..t.len() - 1], 1u64 << 40),
        _ => (t, 1),
    };
    if let Ok(n) = num.parse::<u64>() {
        return n.checked_mul(mult);
    }
    let f: f64 = num.parse().ok()?;
    (f.is_finite() && f >= 0.0).then_some((f * mult as f64) as u64)
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut args = Args {
        bytes: 1 << 30,
        out: PathBuf::from("corpus/corpus.jsonl"),
        seed: 42,
        short: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let (key, inline) = match a.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        if key == "-h" || key == "--help" {
            return Ok(None);
        }
        if key == "--short" && inline.is_none() {
            args.short = true;
            continue;
        }
        let val = match inline.or_else(|| it.next()) {
            Some(v) => v,
            None => return Err(format!("missing value for {key}")),
        };
        match key.as_str() {
            "--bytes" => {
                args.bytes = parse_size(&val).ok_or_else(|| format!("bad size: {val}"))?;
            }
            "--out" => args.out = PathBuf::from(val),
            "--seed" => {
                args.seed = val.parse().map_err(|_| format!("bad seed: {val}"))?;
            }
            _ => return Err(format!("unknown argument: {key}")),
        }
    }
    Ok(Some(args))
}

#[derive(Default)]
struct Stats {
    by_kind: [u64; 4],
    by_lang: [u64; 3],
    near_by_rate: [u64; 5],
    glossed: u64,
    doubled: u64,
    title_glued: u64,
    uescape: u64,
    cross_site: u64,
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(a)) => a,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("gencorpus: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gencorpus: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> std::io::Result<()> {
    let started = Instant::now();
    if let Some(dir) = args.out.parent() {
        if !dir.as_os_str().is_empty() {
            fs::create_dir_all(dir)?;
        }
    }
    let mut truth_path = OsString::from(args.out.as_os_str());
    truth_path.push(".truth.tsv");
    let truth_path = PathBuf::from(truth_path);

    let mut out = BufWriter::with_capacity(OUT_BUF, File::create(&args.out)?);
    let mut truth = BufWriter::with_capacity(1 << 20, File::create(&truth_path)?);
    truth.write_all(b"id\tkind\tsource_id\tedit_rate\tlang\tvariant\tdefects\n")?;

    let mut rng = Rng::new(args.seed);
    let vocab = Vocab::build(&mut rng);
    let sites = build_sites(&mut rng);
    let zh_sites: Vec<usize> = (0..N_SITES).filter(|&i| sites[i].zh).collect();
    let en_sites: Vec<usize> = (0..N_SITES).filter(|&i| !sites[i].zh).collect();

    let mut pool: Vec<PoolEntry> = Vec::with_capacity(POOL_CAP);
    let mut originals_seen: u64 = 0;
    let mut stats = Stats::default();

    let mut body = String::with_capacity(1 << 16);
    let mut head = String::with_capacity(256);
    let mut line: Vec<u8> = Vec::with_capacity(1 << 17);
    let mut row = String::with_capacity(256);
    let mut url = String::with_capacity(256);
    let mut written: u64 = 0;
    let mut id: u64 = 0;

    loop {
        // Decide what this page is.
        let roll = rng.below(1_000_000);
        let kind = match roll {
            0..=99 => Kind::Malformed,
            100..=100_099 if !pool.is_empty() => Kind::Exact,
            100_100..=200_099 if !pool.is_empty() => Kind::Near,
            _ => Kind::Original,
        };
        let src = match kind {
            Kind::Exact | Kind::Near => Some(&pool[rng.below(pool.len())]),
            _ => None,
        };
        let lang = match src {
            Some(e) => e.lang,
            None => match rng.below(10) {
                0..=5 => Lang::Zh,
                6..=8 => Lang::En,
                _ => Lang::Mixed,
            },
        };
        let rate = if kind == Kind::Near {
            EDIT_RATES[rng.below(EDIT_RATES.len())]
        } else {
            0.0
        };
        let fresh = match (kind, src) {
            (Kind::Near, Some(e)) => Some(vocab.mutate(&e.art, lang, rate, &mut rng)),
            (Kind::Exact, Some(_)) => None,
            // The draws of the default corpus are unchanged by `--short` (same seed, same bytes).
            _ if args.short => Some(vocab.short_post(lang, &mut rng)),
            _ => Some(vocab.article(lang, &mut rng)),
        };
        let art = match (&fresh, src) {
            (Some(a), _) => a,
            (None, Some(e)) => &e.art,
            (None, None) => unreachable!("exact copies always have a source"),
        };

        // Where and how it is rendered.
        let group = if lang == Lang::En {
            &en_sites
        } else {
            &zh_sites
        };
        let site_idx = match src {
            Some(e) if rng.chance(0.5) => e.style.site,
            _ => group[rng.below(group.len())],
        };
        let site = &sites[site_idx];
        let style = Style {
            site: site_idx,
            glossed: site.glossing && lang != Lang::En,
            doubled: rng.chance(0.2) && !args.short,
            title_glued: rng.chance(0.3) && !args.short,
        };
        body.clear();
        render_body(&vocab, &mut rng, &mut body, art, site, style);
        let uescape = rng.chance(0.02);

        head.clear();
        let _ = write!(head, "doc-{id:09}");
        line.clear();
        line.extend_from_slice(b"{\"id\":\"");
        line.extend_from_slice(head.as_bytes());
        line.extend_from_slice(b"\",\"url\":\"");
        url.clear();
        push_url(&mut rng, &mut url, site, art, lang);
        push_json_str(&mut line, &url, false);
        line.extend_from_slice(b"\",\"site\":\"");
        line.extend_from_slice(site.name.as_bytes());
        line.push(b'"');
        let mut malformed_how = "";
        if kind == Kind::Malformed && rng.chance(0.5) {
            malformed_how = "no_text";
            line.extend_from_slice(b"}\n");
        } else {
            line.extend_from_slice(b",\"text\":\"");
            push_page_json(&mut line, &body, site, style, uescape, args.short);
            line.extend_from_slice(b"\"}");
            if kind == Kind::Malformed {
                malformed_how = "truncated";
                let mut cut = 10 + rng.below(line.len() - 12);
                while line[cut] & 0xC0 == 0x80 {
                    cut -= 1;
                }
                line.truncate(cut);
            }
            line.push(b'\n');
        }

        if written + line.len() as u64 > args.bytes {
            break;
        }
        out.write_all(&line)?;
        written += line.len() as u64;

        // Ground truth.
        row.clear();
        row.push_str(&head);
        row.push('\t');
        row.push_str(kind.name());
        row.push('\t');
        if let Some(e) = src {
            let _ = write!(row, "doc-{:09}", e.id);
        }
        let _ = write!(row, "\t{}\t{}\t", rate, lang.name());
        if let Some(e) = src {
            let s = e.style;
            list(&mut row, s.site != style.site, "footer");
            list(&mut row, s.glossed != style.glossed, "glossed");
            list(&mut row, s.doubled != style.doubled, "doubled");
            list(&mut row, s.title_glued != style.title_glued, "title_glued");
            if s.site != style.site {
                stats.cross_site += 1;
            }
        }
        row.push('\t');
        list(&mut row, style.glossed, "glossed");
        list(&mut row, style.doubled, "doubled");
        list(&mut row, style.title_glued, "title_glued");
        list(&mut row, uescape && malformed_how != "no_text", "uescape");
        list(&mut row, !malformed_how.is_empty(), malformed_how);
        row.push('\n');
        truth.write_all(row.as_bytes())?;

        stats.by_kind[kind as usize] += 1;
        stats.by_lang[lang as usize] += 1;
        if kind == Kind::Near {
            stats.near_by_rate[EDIT_RATES.iter().position(|&r| r == rate).unwrap_or(0)] += 1;
        }
        stats.glossed += u64::from(style.glossed);
        stats.doubled += u64::from(style.doubled);
        stats.title_glued += u64::from(style.title_glued);
        stats.uescape += u64::from(uescape && malformed_how != "no_text");

        if kind == Kind::Original {
            let art = fresh.expect("originals are freshly generated");
            let entry = PoolEntry {
                id,
                lang,
                style,
                art,
            };
            originals_seen += 1;
            if pool.len() < POOL_CAP {
                pool.push(entry);
            } else {
                let j = (rng.next_u64() % originals_seen) as usize;
                if j < POOL_CAP {
                    pool[j] = entry;
                }
            }
        }
        id += 1;
    }
    out.flush()?;
    truth.flush()?;

    let secs = started.elapsed().as_secs_f64();
    let k = &stats.by_kind;
    println!(
        "wrote {} ({written} bytes, {id} docs) and {} in {secs:.2}s ({:.0} MiB/s)",
        args.out.display(),
        truth_path.display(),
        written as f64 / (1u64 << 20) as f64 / secs.max(1e-9),
    );
    println!(
        "kinds: original {} exact {} near {} malformed {}",
        k[0], k[1], k[2], k[3]
    );
    println!(
        "near by edit rate {:?}: {:?}; copies on another site: {}",
        EDIT_RATES, stats.near_by_rate, stats.cross_site
    );
    println!(
        "langs: zh {} en {} mixed {}",
        stats.by_lang[0], stats.by_lang[1], stats.by_lang[2]
    );
    println!(
        "defects: glossed {} doubled {} title_glued {} uescape {}",
        stats.glossed, stats.doubled, stats.title_glued, stats.uescape
    );
    Ok(())
}
