//! Shingles for near-duplicate detection, built from normalized keys in one pass for any script.
//!
//! Tokens: every character of a script written without spaces (Han, kana, Hangul, Thai, Lao,
//! Khmer, Myanmar) is a token; letters and digits of other scripts form word tokens, split
//! where the source text had anything that is not in the key (spaces, punctuation). A shingle
//! is the shortest run of consecutive tokens of total weight ≥ `size`, where a character token
//! weighs 1 and a word 2: with the default size 5 that is a character 5-gram in Chinese and a
//! word 3-gram in English, and mixed text gets both. Shingles never span paragraphs.

use crate::normalize::{walk, Sink};

/// Default `--shingle`: character 5-grams for unspaced scripts, word 3-grams otherwise.
pub const DEFAULT_SIZE: usize = 5;

/// Scripts written without spaces between words: each character is a token.
pub(crate) fn is_unspaced(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF          // Thai, Lao
        | 0x1000..=0x109F        // Myanmar
        | 0x1780..=0x17FF        // Khmer
        | 0x1100..=0x11FF        // Hangul jamo
        | 0x3040..=0x30FF        // kana
        | 0x3130..=0x318F        // Hangul compatibility jamo
        | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F // Han
        | 0xAC00..=0xD7AF        // Hangul syllables
        | 0x3005..=0x3007)
}

/// Thai and Lao vowel signs and tone marks that attach to the previous character.
pub(crate) fn is_attached_mark(c: char) -> bool {
    matches!(c as u32, 0x0E31 | 0x0E34..=0x0E3A | 0x0E47..=0x0E4E | 0x0EB1 | 0x0EB4..=0x0EBC | 0x0EC8..=0x0ECD)
}

fn mix(h: u64) -> u64 {
    let h = (h ^ (h >> 33)).wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    let h = (h ^ (h >> 33)).wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    h ^ (h >> 33)
}

/// Turns paragraphs into shingle hashes; holds scratch buffers.
pub struct Shingler {
    size: usize,
    tokens: Tokens,
}

/// Collects the tokens of a paragraph from the normalizer's walk: (hash, weight).
#[derive(Debug, Clone)]
pub(crate) struct Tokens {
    pub(crate) tokens: Vec<(u64, u8)>,
    /// FNV-1a state of the word being read, and its length in bytes.
    word: u64,
    word_len: usize,
}

const FNV_OFFSET: u64 = 0xCBF2_9CE4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01B3;

impl Default for Tokens {
    fn default() -> Tokens {
        Tokens {
            tokens: Vec::new(),
            word: FNV_OFFSET,
            word_len: 0,
        }
    }
}

impl Tokens {
    /// Starts a new paragraph.
    pub(crate) fn clear(&mut self) {
        self.tokens.clear();
        self.word = FNV_OFFSET;
        self.word_len = 0;
    }

    /// Ends the paragraph (the last word).
    #[inline]
    pub(crate) fn flush(&mut self) {
        if self.word_len > 0 {
            self.tokens.push((mix(self.word), 2));
            self.word = FNV_OFFSET;
            self.word_len = 0;
        }
    }

    #[inline]
    fn word_byte(&mut self, b: u8) {
        self.word = (self.word ^ u64::from(b)).wrapping_mul(FNV_PRIME);
        self.word_len += 1;
    }

    #[inline]
    fn char_token(&mut self, c: u32) {
        self.tokens.push((
            (u64::from(c) | 1 << 40).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            1,
        ));
    }
}

impl Sink for Tokens {
    #[inline]
    fn ascii(&mut self, b: u8, _src: usize) {
        self.word_byte(b);
    }

    #[inline]
    fn run(&mut self, bytes: &[u8], _src: usize) {
        self.flush();
        for c in bytes.chunks_exact(3) {
            let v = (u32::from(c[0]) & 0x0F) << 12
                | (u32::from(c[1]) & 0x3F) << 6
                | (u32::from(c[2]) & 0x3F);
            self.char_token(v);
        }
    }

    fn char(&mut self, c: char, _src: usize) {
        if is_unspaced(c) {
            self.flush();
            if is_attached_mark(c) {
                if let Some(last) = self.tokens.last_mut() {
                    last.0 = mix(last.0 ^ u64::from(c as u32));
                    return;
                }
            }
            self.char_token(c as u32);
        } else {
            let mut buf = [0u8; 4];
            for &b in c.encode_utf8(&mut buf).as_bytes() {
                self.word_byte(b);
            }
        }
    }

    #[inline]
    fn gap(&mut self) {
        self.flush();
    }
}

impl Shingler {
    /// A shingler for shingles of total weight `size` (at least 1).
    pub fn new(size: usize) -> Shingler {
        Shingler {
            size: size.max(1),
            tokens: Tokens::default(),
        }
    }

    /// Appends the 32-bit shingle hashes of one paragraph to `out` (not deduplicated): the
    /// values MinHash signs ([`fold`] of the 64-bit hashes).
    pub fn paragraph(&mut self, text: &str, out: &mut Vec<u32>) {
        self.tokens.clear();
        walk(text, &mut self.tokens);
        self.tokens.flush();
        shingles_of_tokens(&self.tokens.tokens, self.size, out);
    }

    /// Appends the 64-bit shingle hashes of one paragraph to `out` (not deduplicated): the
    /// values exact Jaccard similarity compares.
    pub fn paragraph64(&mut self, text: &str, out: &mut Vec<u64>) {
        self.tokens.clear();
        walk(text, &mut self.tokens);
        self.tokens.flush();
        shingles64_of_tokens(&self.tokens.tokens, self.size, out);
    }
}

/// Calls `f` with each shingle (run of tokens) of a paragraph's tokens.
fn each_shingle(t: &[(u64, u8)], size: usize, mut f: impl FnMut(&[(u64, u8)])) {
    if t.is_empty() {
        return;
    }
    let total: usize = t.iter().map(|&(_, w)| usize::from(w)).sum();
    if total <= size {
        f(t);
        return;
    }
    let mut end = 0;
    let mut weight = 0usize;
    for start in 0..t.len() {
        while end < t.len() && weight < size {
            weight += usize::from(t[end].1);
            end += 1;
        }
        if weight < size {
            break;
        }
        f(&t[start..end]);
        weight -= usize::from(t[start].1);
    }
}

/// Appends the 32-bit shingle hashes (for MinHash) of a paragraph's tokens to `out`.
pub(crate) fn shingles_of_tokens(t: &[(u64, u8)], size: usize, out: &mut Vec<u32>) {
    each_shingle(t, size, |s| out.push(fold(shingle(s))));
}

/// Appends the 64-bit shingle hashes (for exact Jaccard) of a paragraph's tokens to `out`.
pub(crate) fn shingles64_of_tokens(t: &[(u64, u8)], size: usize, out: &mut Vec<u64>) {
    each_shingle(t, size, |s| out.push(shingle(s)));
}

/// The 32-bit value MinHash signs for a 64-bit shingle hash. Signatures only estimate, so
/// 32 bits are enough there; exact similarity compares the 64-bit hashes, where 32 bits would
/// make unrelated short documents collide (≈ n²/2³³ false pairs among n one-shingle
/// documents).
#[inline]
pub fn fold(h: u64) -> u32 {
    (h ^ (h >> 32)) as u32
}

/// The 64-bit hash of a run of tokens: token hashes (already mixed) rotated by position,
/// combined, and mixed once.
fn shingle(tokens: &[(u64, u8)]) -> u64 {
    let mut h = 0x243F_6A88_85A3_08D3u64;
    for (i, &(t, _)) in tokens.iter().enumerate() {
        h ^= t.rotate_left(11 * i as u32 + 1);
    }
    mix(h)
}

/// The shingle set (64-bit hashes, sorted, deduplicated) of paragraphs.
pub fn set_of<'a>(size: usize, paragraphs: impl IntoIterator<Item = &'a str>) -> Vec<u64> {
    let mut s = Shingler::new(size);
    let mut out = Vec::new();
    for p in paragraphs {
        s.paragraph64(p, &mut out);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Exact Jaccard similarity of two sorted, deduplicated sets. Two empty sets share nothing:
/// 0, not 1 (a document without shingles has nothing to compare, so it is near no other).
pub fn jaccard<T: Ord>(a: &[T], b: &[T]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut inter) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                inter += 1;
                i += 1;
                j += 1;
            }
        }
    }
    inter as f64 / (a.len() + b.len() - inter) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(text: &str) -> usize {
        let mut out = Vec::new();
        Shingler::new(DEFAULT_SIZE).paragraph(text, &mut out);
        out.len()
    }

    #[test]
    fn chinese_uses_character_five_grams() {
        // 11 characters (punctuation is not a token) → 7 five-grams.
        assert_eq!(count("今天天气，很好我们去公园"), 7);
        // Glosses and punctuation do not change the shingles.
        assert_eq!(
            set_of(5, ["记者(jìzhě)今天在城市采访"]),
            set_of(5, ["记者今天在城市采访"])
        );
    }

    #[test]
    fn english_uses_word_three_grams() {
        // 6 words → 4 word 3-grams; case and punctuation do not matter.
        assert_eq!(count("The quick brown fox jumps over"), 4);
        assert_eq!(
            set_of(5, ["The quick, brown fox!"]),
            set_of(5, ["the QUICK brown   fox"])
        );
        // Words are not split inside: "brownfox" is one token, not "brown"+"fox".
        assert_ne!(
            set_of(5, ["the quick brownfox jumps"]),
            set_of(5, ["the quick brown fox jumps"])
        );
    }

    #[test]
    fn mixed_text_gets_both_kinds() {
        // 4 Han characters (weight 4) and 2 words (weight 4) → windows of weight ≥ 5.
        let n = count("我们使用 machine learning 方法");
        assert!(n >= 3, "{n}");
        assert_ne!(
            set_of(5, ["我们使用 machine learning 方法"]),
            set_of(5, ["我们使用 machine learnings 方法"])
        );
    }

    #[test]
    fn emoji_and_short_text() {
        // Emoji are not in keys; a text shorter than one shingle still gives one shingle.
        assert_eq!(set_of(5, ["好的 👍"]).len(), 1);
        assert_eq!(set_of(5, ["好的 👍"]), set_of(5, ["好的"]));
        assert!(set_of(5, ["", "   "]).is_empty());
    }

    #[test]
    fn thai_marks_attach_to_their_consonant() {
        let s = set_of(5, ["ภาษาไทยง่ายมาก"]);
        assert!(!s.is_empty());
        assert_ne!(s, set_of(5, ["ภาษาไทยงายมาก"]));
    }

    #[test]
    fn jaccard_of_sets() {
        assert_eq!(jaccard(&[1, 2, 3], &[2, 3, 4]), 0.5);
        assert_eq!(jaccard::<u64>(&[], &[]), 0.0);
        assert_eq!(jaccard(&[1], &[]), 0.0);
        assert_eq!(jaccard(&[7u64], &[7]), 1.0);
    }
}
