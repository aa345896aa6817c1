//! Normalize stage: paragraph text → matching key.
//!
//! A key is Unicode NFKC, case folded, with whitespace, punctuation and symbols removed and
//! parenthesized romanization glosses after Han characters (`记者(jìzhě)`, `漢字(かんじ)`)
//! skipped. Keys are for matching only; emitted text keeps its original characters. When asked,
//! the builder also records, for every key byte, the byte offset in the source text of the
//! character that produced it, so a cut decided on keys can be applied to the original text.

use icu_casemap::{CaseMapper, CaseMapperBorrowed};
use icu_normalizer::{ComposingNormalizer, ComposingNormalizerBorrowed};
use icu_properties::props::{GeneralCategory, GeneralCategoryGroup};
use icu_properties::{CodePointMapData, CodePointMapDataBorrowed};

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
        };
        self.glosses = walk(text, &mut Tee(&mut key, extra));
        if self.bytes.is_empty() {
            for (i, c) in text.char_indices() {
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
}

/// Builds [`Key`]s.
struct KeySink<'a> {
    key: &'a mut Key,
    with_offsets: bool,
}

impl Sink for KeySink<'_> {
    #[inline]
    fn ascii(&mut self, b: u8, src: usize) {
        self.key.bytes.push(b);
        if self.with_offsets {
            self.key.offsets.push(src as u32);
        }
        self.key.chars += 1;
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
    }

    #[inline]
    fn gap(&mut self) {}
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
pub(crate) fn walk<S: Sink>(text: &str, sink: &mut S) -> u32 {
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
                    0 => sink.gap(),
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
            if let Some(end) = gloss_end(text, i + open) {
                sink.gap();
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
                sink.gap();
                if b == b'(' && prev_han {
                    if let Some(end) = gloss_end(text, i + 1) {
                        glosses += 1;
                        i = end;
                        prev_han = false;
                        continue;
                    }
                }
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
            sink.gap();
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
                sink.gap();
                if a == b'(' && prev_han {
                    if let Some(end) = gloss_end(text, i + len) {
                        glosses += 1;
                        i = end;
                        prev_han = false;
                        continue;
                    }
                }
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
        let nfkc = NFKC.normalize(segment);
        let folded = FOLD.fold_string(&nfkc);
        // Case folding can denormalize (rarely); normalize once more to be stable.
        let stable = NFKC.normalize(&folded);
        let mut any = false;
        for k in stable.chars() {
            let gc = GC.get(k);
            if GeneralCategoryGroup::Letter.contains(gc)
                || GeneralCategoryGroup::Number.contains(gc)
                || GeneralCategoryGroup::Mark.contains(gc)
            {
                sink.char(k, start);
                any = true;
            }
        }
        if !any {
            sink.gap();
        }
        prev_han = segment.chars().last().is_some_and(is_han);
        i = end;
    }
    glosses
}

/// Decodes the three-byte UTF-8 character at `i`, if there is one.
#[inline]
fn decode3(b: &[u8], i: usize) -> Option<u32> {
    if i + 2 >= b.len() || b[i] & 0xF0 != 0xE0 {
        return None;
    }
    Some(
        (u32::from(b[i]) & 0x0F) << 12
            | (u32::from(b[i + 1]) & 0x3F) << 6
            | (u32::from(b[i + 2]) & 0x3F),
    )
}

/// The run of inert (three-byte) characters starting at `i` whose keys are the characters
/// themselves: (end offset, characters, last character). The run's last character counts
/// only if the character after it cannot combine with it.
#[inline]
fn inert_run(text: &str, i: usize) -> Option<(usize, u32, u32)> {
    let b = text.as_bytes();
    let (mut j, mut count, mut last, mut before_last) = (i, 0u32, 0u32, 0u32);
    while let Some(c) = decode3(b, j) {
        if !is_inert_u32(c) {
            break;
        }
        before_last = last;
        last = c;
        count += 1;
        j += 3;
    }
    if count == 0 {
        return None;
    }
    let next_plain = j >= b.len() || b[j] < 0x80 || text[j..].chars().next().is_some_and(is_plain);
    if !next_plain {
        if count == 1 {
            return None;
        }
        return Some((j - 3, count - 1, before_last));
    }
    Some((j, count, last))
}

/// If a romanization gloss starts at byte `from` (just after an opening parenthesis), returns
/// the byte offset just past its closing parenthesis.
///
/// A gloss is pinyin (tone marks or tone digits allowed, syllables separated by nothing, spaces,
/// hyphens or apostrophes) or a kana reading, closed by `)` or `）`. An all-capitals acronym
/// such as `(GDP)` is not a gloss.
fn gloss_end(text: &str, from: usize) -> Option<usize> {
    let rest = &text[from..];
    let mut n = 0;
    let mut close = None;
    for (j, c) in rest.char_indices() {
        if c == ')' || c == '）' {
            close = Some((j, c.len_utf8()));
            break;
        }
        n += 1;
        if n > MAX_GLOSS_CHARS {
            return None;
        }
    }
    let (j, clen) = close?;
    let inner = &rest[..j];
    if inner.is_empty() {
        return None;
    }
    if inner.chars().all(|c| matches!(c as u32, 0x3041..=0x30FF)) {
        return Some(from + j + clen);
    }
    if is_pinyin(inner) {
        Some(from + j + clen)
    } else {
        None
    }
}

/// Maps a pinyin letter (with or without a tone mark) to its base letter (`ü` → `v`).
fn pinyin_base(c: char) -> Option<u8> {
    Some(match c {
        'a'..='z' => c as u8,
        'A'..='Z' => c.to_ascii_lowercase() as u8,
        'ā' | 'á' | 'ǎ' | 'à' | 'Ā' | 'Á' | 'Ǎ' | 'À' => b'a',
        'ē' | 'é' | 'ě' | 'è' | 'Ē' | 'É' | 'Ě' | 'È' | 'ê' => b'e',
        'ī' | 'í' | 'ǐ' | 'ì' | 'Ī' | 'Í' | 'Ǐ' | 'Ì' => b'i',
        'ō' | 'ó' | 'ǒ' | 'ò' | 'Ō' | 'Ó' | 'Ǒ' | 'Ò' => b'o',
        'ū' | 'ú' | 'ǔ' | 'ù' | 'Ū' | 'Ú' | 'Ǔ' | 'Ù' => b'u',
        'ü' | 'ǖ' | 'ǘ' | 'ǚ' | 'ǜ' | 'Ü' | 'Ǖ' | 'Ǘ' | 'Ǚ' | 'Ǜ' => b'v',
        _ => return None,
    })
}

fn is_initial(s: &[u8]) -> bool {
    matches!(
        s,
        b"zh"
            | b"ch"
            | b"sh"
            | b"b"
            | b"p"
            | b"m"
            | b"f"
            | b"d"
            | b"t"
            | b"n"
            | b"l"
            | b"g"
            | b"k"
            | b"h"
            | b"j"
            | b"q"
            | b"x"
            | b"r"
            | b"z"
            | b"c"
            | b"s"
            | b"y"
            | b"w"
    )
}

fn is_final(s: &[u8]) -> bool {
    matches!(
        s,
        b"a" | b"o"
            | b"e"
            | b"i"
            | b"u"
            | b"v"
            | b"ai"
            | b"ei"
            | b"ui"
            | b"ao"
            | b"ou"
            | b"iu"
            | b"ie"
            | b"ve"
            | b"ue"
            | b"er"
            | b"an"
            | b"en"
            | b"in"
            | b"un"
            | b"vn"
            | b"ang"
            | b"eng"
            | b"ing"
            | b"ong"
            | b"ia"
            | b"iao"
            | b"ian"
            | b"iang"
            | b"iong"
            | b"ua"
            | b"uo"
            | b"uai"
            | b"uan"
            | b"uang"
            | b"van"
            | b"io"
            | b"ueng"
    )
}

/// Whether `s` reads as pinyin: letters that split into initial+final syllables, optional tone
/// digits 1–5, separators, and at least one lowercase letter (acronyms are not glosses).
fn is_pinyin(s: &str) -> bool {
    let mut word = [0u8; 64];
    let mut len = 0;
    let mut lower = false;
    let mut words = 0;
    for c in s.chars().chain(std::iter::once(' ')) {
        if matches!(c, ' ' | '\'' | '’' | '-') {
            if len > 0 {
                if !segments_into_syllables(&word[..len]) {
                    return false;
                }
                words += 1;
                len = 0;
            }
            continue;
        }
        if matches!(c, '1'..='5') {
            continue;
        }
        let Some(b) = pinyin_base(c) else {
            return false;
        };
        if !c.is_uppercase() {
            lower = true;
        }
        if len == word.len() {
            return false;
        }
        word[len] = b;
        len += 1;
    }
    lower && words > 0
}

/// Whether a word (base letters, at most 63) splits into pinyin syllables.
fn segments_into_syllables(w: &[u8]) -> bool {
    let n = w.len();
    // Bit i: the first i letters split into syllables.
    let mut ok: u64 = 1;
    for i in 0..n {
        if ok >> i & 1 == 0 {
            continue;
        }
        for ilen in 0..=2 {
            if i + ilen > n || (ilen > 0 && !is_initial(&w[i..i + ilen])) {
                continue;
            }
            for flen in 1..=4 {
                let e = i + ilen + flen;
                if e <= n && is_final(&w[i + ilen..e]) {
                    ok |= 1 << e;
                }
            }
        }
    }
    ok >> n & 1 == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_is_lowercased_and_punctuation_dropped() {
        assert_eq!(key_of("Hello, World! 42"), "helloworld42");
    }

    #[test]
    fn full_width_forms_match_half_width() {
        assert_eq!(key_of("ＡＢＣ１２３，（测试）"), key_of("abc123,(测试)"));
        assert_eq!(key_of("ＡＢＣ１２３"), "abc123");
    }

    #[test]
    fn nfkc_folds_compatibility_characters() {
        // Ligature, circled digit, half-width katakana with voiced mark, decomposed é.
        assert_eq!(key_of("ﬁne"), "fine");
        assert_eq!(key_of("①"), "1");
        // Superscripts, micro sign and fractions are not punctuation: `m²` is not `m`.
        assert_ne!(key_of("10 m²"), key_of("10 m"));
        assert_eq!(key_of("5 µm"), key_of("5 μm"));
        assert_eq!(key_of("ｶﾞ"), "ガ");
        assert_eq!(key_of("cafe\u{301}"), key_of("café"));
        assert_eq!(key_of("が"), key_of("か\u{3099}"));
    }

    #[test]
    fn case_folding_covers_non_ascii() {
        assert_eq!(
            key_of("ÉCOLE Straße ΣΊΣΥΦΟΣ"),
            key_of("école strasse σίσυφοσ")
        );
    }

    #[test]
    fn chinese_punctuation_and_spaces_are_removed() {
        assert_eq!(key_of("今天，天气很好。 “是的”"), "今天天气很好是的");
        assert_eq!(key_of("暂无评论,快抢沙发吧~"), "暂无评论快抢沙发吧");
    }

    #[test]
    fn pinyin_glosses_after_han_are_skipped() {
        let mut k = Key::new();
        k.build("记者(jìzhě)在城市（chéngshì）采访", false);
        assert_eq!(k.as_str(), "记者在城市采访");
        assert_eq!(k.glosses, 2);
        assert_eq!(key_of("北京(Beijing)"), "北京");
        assert_eq!(key_of("词(ci2 hui4)"), "词");
        assert_eq!(key_of("西安(xi'an)"), "西安");
        // Glosses that start with a non-ASCII letter (found by `make eval`).
        assert_eq!(key_of("皬(ěi)晥"), "皬晥");
        assert_eq!(key_of("芃（ǚ）晥"), "芃晥");
    }

    #[test]
    fn kana_readings_after_kanji_are_skipped() {
        assert_eq!(key_of("漢字(かんじ)を読む"), "漢字を読む");
    }

    #[test]
    fn non_glosses_are_kept() {
        // Acronyms, English words, and parentheses not right after Han stay in the key.
        assert_eq!(key_of("国内生产总值(GDP)"), "国内生产总值gdp");
        assert_eq!(
            key_of("人工智能(artificial intelligence)"),
            "人工智能artificialintelligence"
        );
        assert_eq!(key_of("the city (beijing)"), "thecitybeijing");
    }

    #[test]
    fn thai_and_korean_keep_their_letters_and_marks() {
        let thai = key_of("ภาษาไทย ง่าย");
        assert!(thai.contains("ภาษาไทย"), "{thai}");
        assert!(thai.contains('่'), "tone mark kept: {thai}");
        assert_eq!(key_of("한국어 문장입니다."), "한국어문장입니다");
    }

    #[test]
    fn symbol_only_lines_fall_back_to_their_characters() {
        assert_eq!(key_of("—— ~~ ——"), "——~~——");
        assert_eq!(key_of("😀 😀"), "😀😀");
    }

    #[test]
    fn offsets_point_at_source_characters() {
        let text = "标题：正文";
        let mut k = Key::new();
        k.build(text, true);
        assert_eq!(k.bytes.len(), k.offsets.len());
        // "正" is the third key character (key byte 6) and sits after the full-width colon.
        assert_eq!(&text[k.offsets[6] as usize..], "正文");
    }

    #[test]
    fn pinyin_segmentation() {
        assert!(is_pinyin("jìzhě"));
        assert!(is_pinyin("zhuàngkuàng"));
        assert!(!is_pinyin("GDP"));
        assert!(!is_pinyin("hello world"));
    }
}
