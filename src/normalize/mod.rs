//! Normalize stage: paragraph text → matching key.
//!
//! A key is Unicode NFKC, case folded, with whitespace, punctuation and symbols removed and
//! parenthesized romanization glosses after Han characters (`记者(jìzhě)`, `漢字(かんじ)`)
//! skipped. Keys are for matching only; emitted text keeps its original characters.
//!
//! **Numbers stay apart.** Dropping every separator would make `21-3` key like `2-13`,
//! `$1,299` like `$12.99` and `x = 2 + 3` like `x = 2 - 3`, and such documents or lines would
//! be folded as duplicates. So, around digits, separators stay in the key as themselves
//! (whitespace is never kept, and every dash or minus is folded to `-`):
//! - between two digits (whitespace aside), every punctuation mark and symbol stays
//!   (`1/12/2024`, `9:00-17:00`, `| 1 | 2 |`); whitespace alone leaves `_` (`1 299` →
//!   `1_299`, not `1299`);
//! - a sign, operator or currency symbol (`$ € + = < > | ~ % × ÷`, Unicode Sc and Sm) next to
//!   a digit on either side, across whitespace, stays (`30 $`, `x = 2`);
//! - a dash before a digit stays as a minus unless it joins a word to it (`-5` vs `5`, but
//!   `COVID-19` keys like `COVID 19`).
//!
//! Marks are kept as themselves rather than as one boundary marker so that `2 + 3` and
//! `2 - 3` differ; kept marks are ordinary key characters with the source offset of the mark,
//! so the offset invariant below holds unchanged.
//!
//! **Only real readings are glosses.** A parenthesized pinyin word after Han text is skipped
//! only when its syllables, tones aside, are readings of the Han characters just before it
//! (the `pinyin` crate's table, heteronyms included): `北京(Beijing)` keys like `北京`,
//! `手机(Nina)` and `条款(e)` keep their words. The table is consulted only for a parenthesis
//! right after Han text whose content splits into pinyin syllables.
//!
//! **Keys see what a reader sees.** Invisible format characters (default-ignorable code
//! points: zero-width space and joiners, soft hyphen, BOM, bidi controls, variation selectors)
//! and the Arabic tatweel never change a key, and HTML character references left by
//! extractors (`&amp;`, `&nbsp;`, `&#8217;`) key like the characters they stand for. A text
//! holding either (found by one scan over lead bytes; most texts hold neither and are walked
//! as they are) is walked as a cleaned copy whose offsets are mapped back to the source.
//!
//! When asked,
//! the builder also records, for every key byte, the byte offset in the source text of the
//! character that produced it, so a cut decided on keys can be applied to the original text.

mod clean;
mod gloss;
mod noise;
mod numbers;

/// Eight bytes of text at a time (as one little-endian `u64`): a one in every byte, and every
/// byte's high bit (the noise count's and the invisible-character scan's word tests).
const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

use clean::{cleaned, Remap};
use gloss::*;
use numbers::Numeric;

pub use noise::noise;

use icu_casemap::{CaseMapper, CaseMapperBorrowed};
use icu_normalizer::{ComposingNormalizer, ComposingNormalizerBorrowed};
use icu_properties::props::{DefaultIgnorableCodePoint, GeneralCategory, GeneralCategoryGroup};
use icu_properties::{
    CodePointMapData, CodePointMapDataBorrowed, CodePointSetData, CodePointSetDataBorrowed,
};

const NFKC: ComposingNormalizerBorrowed<'static> = ComposingNormalizer::new_nfkc();
const FOLD: CaseMapperBorrowed<'static> = CaseMapper::new();
const GC: CodePointMapDataBorrowed<'static, GeneralCategory> = CodePointMapData::new();

/// The longest gloss (in characters, parentheses excluded) that is still taken for one.
const MAX_GLOSS_CHARS: usize = 48;

/// A reusable buffer holding the key of one paragraph.
#[derive(Debug, Default, Clone)]
pub struct Key {
    /// The key bytes (UTF-8).
    pub bytes: Vec<u8>,
    /// For every key byte, the byte offset in the source text of the character it came from
    /// (filled only when [`Key::build`] is called with `with_offsets`).
    pub offsets: Vec<u32>,
    /// Number of characters in the key.
    pub chars: u32,
    /// Number of romanization glosses skipped.
    pub glosses: u32,
    /// The key's stream hash ([`crate::flow::paragraph`] of `bytes`), built with it.
    pub(crate) flow: u64,
}

impl Key {
    /// Creates an empty key buffer.
    pub fn new() -> Key {
        Key::default()
    }

    /// Replaces the buffer's content with the key of `text`.
    ///
    /// A text whose key would be empty (only punctuation, symbols or emoji) falls back to its
    /// non-whitespace characters, so such lines can still be matched against each other.
    pub fn build(&mut self, text: &str, with_offsets: bool) {
        self.build_tee(text, with_offsets, &mut NoSink);
    }

    /// Like [`Key::build`], also feeding the walk to `extra` (the shingle tokenizer), so that
    /// a paragraph is walked once for both.
    pub(crate) fn build_tee<S: Sink>(&mut self, text: &str, with_offsets: bool, extra: &mut S) {
        self.bytes.clear();
        self.offsets.clear();
        self.chars = 0;
        let mut key = KeySink {
            key: self,
            with_offsets,
            flow: crate::flow::Builder::default(),
        };
        let glosses = walk(text, &mut Tee(&mut key, extra));
        self.flow = key.flow.finish();
        self.glosses = glosses;
        if self.bytes.is_empty() {
            // What a reader sees, if that is not blank (`&amp;` alone keys like `&`).
            let clean = cleaned(text).filter(|(c, _)| !c.trim().is_empty());
            let (text, map) = match &clean {
                Some((c, m)) => (c.as_str(), Some(m)),
                None => (text, None),
            };
            for (i, c) in text.char_indices() {
                let i = map.map_or(i, |m| m[i] as usize);
                if !c.is_whitespace() {
                    let mut buf = [0u8; 4];
                    let s = c.encode_utf8(&mut buf);
                    self.bytes.extend_from_slice(s.as_bytes());
                    if with_offsets {
                        self.offsets.extend(std::iter::repeat_n(i as u32, s.len()));
                    }
                    self.chars += 1;
                }
            }
            self.flow = crate::flow::paragraph(&self.bytes);
        }
    }

    /// The key as a string slice.
    pub fn as_str(&self) -> &str {
        // The builder only ever appends whole UTF-8 encoded characters.
        std::str::from_utf8(&self.bytes).expect("keys are built from whole characters")
    }
}

/// Convenience: the key of `text` as a `String`.
pub fn key_of(text: &str) -> String {
    let mut k = Key::new();
    k.build(text, false);
    k.as_str().to_owned()
}

/// ASCII byte → its key byte (lowercase letter or digit), 0 for everything else.
static ASCII_KEY: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut i = 0;
    while i < 128 {
        let b = i as u8;
        if b.is_ascii_alphanumeric() {
            t[i] = b.to_ascii_lowercase();
        }
        i += 1;
    }
    t
};

/// Receives what [`walk`] finds in a text: key characters and the gaps between them.
pub(crate) trait Sink {
    /// An ASCII letter or digit (lowercased) at source offset `src`.
    fn ascii(&mut self, b: u8, src: usize);
    /// A run of inert three-byte characters (CJK, kana, Hangul), copied as they are, starting
    /// at source offset `src`.
    fn run(&mut self, bytes: &[u8], src: usize);
    /// Any other key character; all characters of one normalized segment share `src`.
    fn char(&mut self, c: char, src: usize);
    /// Source text not in the key (space, punctuation, a gloss) separates what comes next.
    fn gap(&mut self);
    /// Forgets what this walk gave, back to the state the walk started from: a walk of the
    /// raw text that meets an invisible character or a character reference starts again on
    /// the cleaned text (see [`walk`]). Walks start on fresh sinks (their callers clear them
    /// first), so this is that fresh state.
    fn reset(&mut self);
}

/// Feeds one walk to two sinks.
struct Tee<'a, A, B>(&'a mut A, &'a mut B);

impl<A: Sink, B: Sink> Sink for Tee<'_, A, B> {
    #[inline]
    fn ascii(&mut self, b: u8, src: usize) {
        self.0.ascii(b, src);
        self.1.ascii(b, src);
    }
    #[inline]
    fn run(&mut self, bytes: &[u8], src: usize) {
        self.0.run(bytes, src);
        self.1.run(bytes, src);
    }
    fn char(&mut self, c: char, src: usize) {
        self.0.char(c, src);
        self.1.char(c, src);
    }
    #[inline]
    fn gap(&mut self) {
        self.0.gap();
        self.1.gap();
    }
    fn reset(&mut self) {
        self.0.reset();
        self.1.reset();
    }
}

/// A sink that ignores everything.
pub(crate) struct NoSink;

impl Sink for NoSink {
    #[inline(always)]
    fn ascii(&mut self, _: u8, _: usize) {}
    #[inline(always)]
    fn run(&mut self, _: &[u8], _: usize) {}
    #[inline(always)]
    fn char(&mut self, _: char, _: usize) {}
    #[inline(always)]
    fn gap(&mut self) {}
    fn reset(&mut self) {}
}

/// Builds [`Key`]s, and their stream hashes.
struct KeySink<'a> {
    key: &'a mut Key,
    with_offsets: bool,
    flow: crate::flow::Builder,
}

impl Sink for KeySink<'_> {
    #[inline]
    fn ascii(&mut self, b: u8, src: usize) {
        self.key.bytes.push(b);
        if self.with_offsets {
            self.key.offsets.push(src as u32);
        }
        self.key.chars += 1;
        self.flow.push(u64::from(b));
    }

    #[inline]
    fn run(&mut self, bytes: &[u8], src: usize) {
        self.key.bytes.extend_from_slice(bytes);
        if self.with_offsets {
            for k in (src..src + bytes.len()).step_by(3) {
                self.key.offsets.extend_from_slice(&[k as u32; 3]);
            }
        }
        self.key.chars += (bytes.len() / 3) as u32;
        for c in bytes.chunks_exact(3) {
            self.flow
                .push(u64::from(c[0]) << 16 | u64::from(c[1]) << 8 | u64::from(c[2]));
        }
    }

    fn char(&mut self, c: char, src: usize) {
        let mut buf = [0u8; 4];
        let s = c.encode_utf8(&mut buf);
        self.key.bytes.extend_from_slice(s.as_bytes());
        if self.with_offsets {
            self.key
                .offsets
                .extend(std::iter::repeat_n(src as u32, s.len()));
        }
        self.key.chars += 1;
        self.flow.push_char(c);
    }

    #[inline]
    fn gap(&mut self) {}

    fn reset(&mut self) {
        self.key.bytes.clear();
        self.key.offsets.clear();
        self.key.chars = 0;
        self.flow = crate::flow::Builder::default();
    }
}

/// Character classes that never compose with a neighbour and that NFKC and case folding leave
/// alone: they are copied to the key as they are (the fast path).
fn is_inert(c: char) -> bool {
    is_inert_u32(c as u32)
}

#[inline(always)]
fn is_inert_u32(c: u32) -> bool {
    // CJK ideographs first: by far the most frequent.
    (0x4E00..=0x9FFF).contains(&c)
        || matches!(c, 0x3041..=0x3096 | 0x30A1..=0x30FA | 0x30FC | 0x3400..=0x4DBF | 0xAC00..=0xD7A3)
}

/// Characters dropped from keys without consulting Unicode tables: general punctuation,
/// CJK symbols and punctuation, and spaces.
fn is_fast_drop(c: char) -> bool {
    // Not dropped here (they are letters or numbers, for the slow path): ª ² ³ µ ¹ º ¼ ½ ¾ and
    // the Hangzhou numerals, kana repeat marks and others in U+3021–303C.
    matches!(c as u32,
        0x2000..=0x206F | 0x3000..=0x3004 | 0x3008..=0x3020 | 0x3030 | 0x3036 | 0x3037
        | 0x303D..=0x303F | 0x00A0..=0x00A9 | 0x00AB..=0x00B1 | 0x00B4 | 0x00B6..=0x00B8
        | 0x00BB | 0x00BF | 0x00D7 | 0x00F7)
}

/// Characters after which no following character can change the NFKC result of the text so
/// far: a character before one of these can take the fast path.
fn is_plain(c: char) -> bool {
    c.is_ascii() || is_inert(c) || is_fast_drop(c) || (0xFF01..=0xFF5E).contains(&(c as u32))
}

fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F | 0x3005 | 0x3007)
}

/// Walks `text`, feeding its key characters and gaps to `sink`; returns the number of
/// romanization glosses skipped.
///
/// The text is walked as it is, watching for what cleaning changes (an invisible character, a
/// character reference, tested as [`cleaned`] tests them); most texts hold neither, and
/// their walk is the only pass over them. A text that does is walked again, cleaned, after
/// `sink` is reset: the result is that of walking the cleaned text, as if it had been
/// cleaned first (the test `walking_raw_text_first_keys_as_cleaning_first` checks it).
pub(crate) fn walk<S: Sink>(text: &str, sink: &mut S) -> u32 {
    {
        let mut numeric = Numeric::new(&mut *sink);
        if let Ok(glosses) = walk_marks::<_, true>(text, &mut numeric) {
            numeric.finish();
            return glosses;
        }
    }
    sink.reset();
    walk_cleaned(text, sink)
}

/// [`walk`] on the text as a reader sees it ([`cleaned`]), reporting source offsets.
fn walk_cleaned<S: Sink>(text: &str, sink: &mut S) -> u32 {
    let Some((clean, map)) = cleaned(text) else {
        // Not reached (the walk and `cleaned` test characters alike); the raw walk, then.
        let mut numeric = Numeric::new(sink);
        let glosses = walk_marks::<_, false>(text, &mut numeric).unwrap_or(0);
        numeric.finish();
        return glosses;
    };
    let mut remap = Remap { inner: sink, map };
    let mut numeric = Numeric::new(&mut remap);
    let glosses = walk_marks::<_, false>(&clean, &mut numeric).unwrap_or(0);
    numeric.finish();
    glosses
}

/// What [`walk_marks`] stops at when watching (`WATCH`): a character that cleaning changes.
struct Unclean;

/// Whether cleaning changes the text at byte `i` (see [`cleaned`]).
#[inline]
fn unclean_at(text: &str, i: usize) -> bool {
    let b = text.as_bytes();
    if b[i] == b'&' {
        clean::reference_at(text, i).is_some()
    } else {
        clean::may_be_invisible(b, i) && text[i..].chars().next().is_some_and(clean::is_invisible)
    }
}

/// The walk proper: key characters go to `sink` as they are; whitespace and dropped
/// punctuation or symbols go to it as separators, for [`Numeric`] to decide which of them
/// stand next to numbers.
/// With `WATCH`, stops at the first character cleaning would change (glosses cannot hold one:
/// they are kana, or pinyin letters and separators).
fn walk_marks<S: Sink, const WATCH: bool>(
    text: &str,
    sink: &mut Numeric<'_, S>,
) -> Result<u32, Unclean> {
    let mut glosses = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    // Whether the previous source character was Han (a gloss may follow it).
    let mut prev_han = false;
    while i < bytes.len() {
        let b = bytes[i];
        // Fast path: a run of ASCII, up to a parenthesis (a gloss may open there) or the last
        // byte before non-ASCII text (which might combine with it).
        if b < 0x80 && b != b'(' {
            let start = i;
            while i + 1 < bytes.len() && bytes[i] != b'(' && bytes[i + 1] < 0x80 {
                match ASCII_KEY[usize::from(bytes[i])] {
                    0 if WATCH && bytes[i] == b'&' && unclean_at(text, i) => return Err(Unclean),
                    0 => sink.ascii_mark(bytes[i], i),
                    k => sink.ascii(k, i),
                }
                i += 1;
            }
            if i > start {
                prev_han = false;
                continue;
            }
        }
        // A parenthesis right after a Han character may open a gloss, whatever follows it
        // (`(ěi)` starts with a non-ASCII letter).
        if prev_han && (b == b'(' || text[i..].starts_with('（')) {
            let open = if b == b'(' { 1 } else { '（'.len_utf8() };
            if let Some(end) = gloss_end(text, i, i + open) {
                sink.space(i);
                glosses += 1;
                i = end;
                prev_han = false;
                continue;
            }
        }
        // An ASCII letter followed by a combining mark must go the slow way (e + ◌́ = é).
        let ascii_fast = b < 0x80
            && (i + 1 >= bytes.len()
                || bytes[i + 1] < 0x80
                || text[i + 1..].chars().next().is_some_and(is_plain));
        if ascii_fast {
            if b.is_ascii_alphanumeric() {
                sink.ascii(b.to_ascii_lowercase(), i);
            } else {
                if b == b'(' && prev_han {
                    if let Some(end) = gloss_end(text, i, i + 1) {
                        sink.space(i);
                        glosses += 1;
                        i = end;
                        prev_han = false;
                        continue;
                    }
                }
                if WATCH && b == b'&' && unclean_at(text, i) {
                    return Err(Unclean);
                }
                sink.ascii_mark(b, i);
            }
            prev_han = false;
            i += 1;
            continue;
        }
        // Fast path: a run of inert characters (CJK, kana, Hangul), copied as they are.
        if let Some((end, _, last)) = inert_run(text, i) {
            sink.run(&bytes[i..end], i);
            prev_han = char::from_u32(last).is_some_and(is_han);
            i = end;
            continue;
        }
        let c = text[i..].chars().next().expect("i is on a char boundary");
        let len = c.len_utf8();
        let next = text[i + len..].chars().next();
        let next_is_plain = next.is_none_or(is_plain);
        if is_inert(c) && next_is_plain {
            sink.run(&bytes[i..i + len], i);
            prev_han = is_han(c);
            i += len;
            continue;
        }
        if is_fast_drop(c) {
            if WATCH && unclean_at(text, i) {
                return Err(Unclean);
            }
            sink.mark(c, i);
            prev_han = false;
            i += len;
            continue;
        }
        // Full-width ASCII forms map to ASCII; the full-width parenthesis opens glosses too.
        if (0xFF01..=0xFF5E).contains(&(c as u32)) && next_is_plain {
            let a = (c as u32 - 0xFEE0) as u8;
            if a.is_ascii_alphanumeric() {
                sink.ascii(a.to_ascii_lowercase(), i);
            } else {
                if a == b'(' && prev_han {
                    if let Some(end) = gloss_end(text, i, i + len) {
                        sink.space(i);
                        glosses += 1;
                        i = end;
                        prev_han = false;
                        continue;
                    }
                }
                sink.ascii_mark(a, i);
            }
            prev_han = false;
            i += len;
            continue;
        }
        // Slow path: a run of characters that may interact under NFKC (a base character and
        // what follows it up to the next plain character) goes through ICU.
        let start = i;
        let mut end = i + len;
        while let Some(n) = text[end..].chars().next() {
            // A Thai or Lao consonant starts a segment of its own: it neither composes nor
            // reorders with what precedes it, so the key is the same, and a line of Thai
            // (no spaces) is not one segment that repair could never cut inside.
            if is_plain(n) || matches!(n as u32, 0x0E01..=0x0E2E | 0x0E81..=0x0EAE) {
                break;
            }
            end += n.len_utf8();
        }
        let segment = &text[start..end];
        if WATCH
            && segment
                .char_indices()
                .any(|(k, _)| unclean_at(text, start + k))
        {
            return Err(Unclean);
        }
        let nfkc = NFKC.normalize(segment);
        let folded = FOLD.fold_string(&nfkc);
        // Case folding can denormalize (rarely); normalize once more to be stable.
        let stable = NFKC.normalize(&folded);
        for k in stable.chars() {
            let gc = GC.get(k);
            if GeneralCategoryGroup::Letter.contains(gc)
                || GeneralCategoryGroup::Number.contains(gc)
                || GeneralCategoryGroup::Mark.contains(gc)
            {
                sink.char(k, start);
            } else {
                sink.mark(k, start);
            }
        }
        prev_han = segment.chars().last().is_some_and(is_han);
        i = end;
    }
    Ok(glosses)
}

#[cfg(test)]
mod tests;
