//! Shingles for near-duplicate detection, built from normalized keys in one pass for any script.
//!
//! A shingle is a run of `size` consecutive tokens (default 5), in every script; a token is a
//! key character, or a whole number (see [`Tokens`]). Keys hold no whitespace or punctuation, so in English a shingle runs
//! across word boundaries (`quick brown` gives `quick`, `uickb`, `ickbr`, …). Characters
//! rather than words, because a changed letter must weigh as much as a changed Han
//! character: with word 3-grams one changed letter changed three shingles, and at the same
//! per-character edit rate English copies were found far less often than Chinese ones (1%
//! edits: 0.3% of English copies reached J ≥ 0.8, 99.8% of Chinese ones; with character
//! 5-grams 100% and 99.8%), while pages made from one template stay as far apart as before
//! (largest J between two pages of a template 0.63, under 0.8). Measured with
//! `cargo run --release --example shingle_study`; see the README, "Near-duplicates".
//! Thai and Lao vowel signs and tone marks fold into the character they attach to.
//! Shingles never span paragraphs (the decide stage joins a page's kept lines into blocks).

use crate::normalize::{walk, Sink};

/// Default `--shingle`: character 5-grams.
pub const DEFAULT_SIZE: usize = 5;

/// Scripts written without spaces between words (Han, kana, Hangul, Thai, Lao, Khmer,
/// Myanmar).
pub fn is_unspaced(c: char) -> bool {
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

/// Collects the tokens of a paragraph from the normalizer's walk: one hash per letter or
/// unspaced character, one per number.
#[derive(Debug, Clone)]
pub(crate) struct Tokens {
    pub(crate) tokens: Vec<u64>,
    /// FNV-1a state of the number being read, and its length in bytes.
    num: u64,
    num_len: usize,
}

const FNV_OFFSET: u64 = 0xCBF2_9CE4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01B3;

impl Default for Tokens {
    fn default() -> Tokens {
        Tokens {
            tokens: Vec::new(),
            num: FNV_OFFSET,
            num_len: 0,
        }
    }
}

impl Tokens {
    /// Starts a new paragraph.
    pub(crate) fn clear(&mut self) {
        self.tokens.clear();
        self.num = FNV_OFFSET;
        self.num_len = 0;
    }

    /// Ends the paragraph (the last number).
    #[inline]
    pub(crate) fn flush(&mut self) {
        if self.num_len > 0 {
            self.tokens.push(mix(self.num));
            self.num = FNV_OFFSET;
            self.num_len = 0;
        }
    }

    #[inline]
    fn num_byte(&mut self, b: u8) {
        self.num = (self.num ^ u64::from(b)).wrapping_mul(FNV_PRIME);
        self.num_len += 1;
    }

    #[inline]
    fn char_token(&mut self, c: u32) {
        self.tokens
            .push((u64::from(c) | 1 << 40).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    }
}

/// A number is one token: its digits and the marks keys keep between and beside digits
/// (`21-3`, `$1,299`, `1/12/2024`). One character changes a number's meaning (`1000` and
/// `10000`, `2-13` and `21-3`), and as characters a number differs from another by one
/// shingle or two — short pages of one template would fold (`page 1000 text` and
/// `page 10000 text`: J 0.83); as one token it changes every shingle it is in.
impl Sink for Tokens {
    fn reset(&mut self) {
        self.clear();
    }

    #[inline]
    fn ascii(&mut self, b: u8, _src: usize) {
        if b.is_ascii_alphabetic() {
            self.flush();
            self.char_token(u32::from(b));
        } else {
            self.num_byte(b);
        }
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
        if !c.is_alphabetic() && !is_unspaced(c) {
            // A digit of another script, or a sign or currency symbol kept beside digits.
            let mut buf = [0u8; 4];
            for &b in c.encode_utf8(&mut buf).as_bytes() {
                self.num_byte(b);
            }
            return;
        }
        self.flush();
        if is_attached_mark(c) {
            if let Some(last) = self.tokens.last_mut() {
                *last = mix(*last ^ u64::from(c as u32));
                return;
            }
        }
        self.char_token(c as u32);
    }

    #[inline]
    fn gap(&mut self) {
        self.flush();
    }
}

impl Shingler {
    /// A shingler for shingles of `size` characters (at least 1).
    pub fn new(size: usize) -> Shingler {
        Shingler {
            size: size.max(1),
            tokens: Tokens::default(),
        }
    }

    /// The shingle size, in tokens.
    pub fn size(&self) -> usize {
        self.size
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

/// Stand-ins for the tokens before a paragraph's first and after its last (see
/// [`each_shingle`]).
const START: u64 = 0x5be0_cd19_137e_2179;
const END: u64 = 0x1f83_d9ab_fb41_bd6b;

/// Calls `f` with the hash of each shingle of a paragraph's tokens: every run of `size`
/// tokens of the paragraph padded with `size − 1` stand-ins at each end, so that every token
/// is in `size` shingles, the first and last included. Without the padding a token at an end
/// is in one shingle only, and two short pages that differ in their last word or number
/// differ in one shingle of a few (`Ticket price 30 $` and `Ticket price 30 €`: J 0.8); with
/// it, one changed token changes `size` shingles wherever it is. A paragraph of at most `size`
/// tokens is one shingle (a short line is compared whole; its shorter edge runs would be
/// shared with many unrelated lines).
fn each_shingle(t: &[u64], size: usize, mut f: impl FnMut(u64)) {
    if t.is_empty() {
        return;
    }
    if t.len() <= size {
        f(shingle(t.iter().copied()));
        return;
    }
    let pad = size - 1;
    let at = |j: usize| -> u64 {
        // `j` indexes the padded sequence.
        if j < pad {
            START
        } else if j - pad < t.len() {
            t[j - pad]
        } else {
            END
        }
    };
    for first in 0..pad {
        f(shingle((first..first + size).map(at)));
    }
    // The runs inside the paragraph, slid one token at a time: a token's term is its hash
    // rotated by its place in the run, so dropping the first token and rotating the rest
    // back by one place gives the next run's sum without re-reading it (the same values as
    // `shingle`, which the tests check).
    let mut sum = unmixed(t[..size].iter().copied());
    f(mix(SEED ^ sum));
    let last = 11 * (size as u32 - 1) + 1;
    for i in size..t.len() {
        sum = (sum ^ t[i - size].rotate_left(1)).rotate_right(11) ^ t[i].rotate_left(last);
        f(mix(SEED ^ sum));
    }
    for first in t.len()..t.len() + pad {
        f(shingle((first..first + size).map(at)));
    }
}

/// Appends the 32-bit shingle hashes (for MinHash) of a paragraph's tokens to `out`.
pub(crate) fn shingles_of_tokens(t: &[u64], size: usize, out: &mut Vec<u32>) {
    each_shingle(t, size, |h| out.push(fold(h)));
}

/// Appends the 64-bit shingle hashes (for exact Jaccard) of a paragraph's tokens to `out`.
pub(crate) fn shingles64_of_tokens(t: &[u64], size: usize, out: &mut Vec<u64>) {
    each_shingle(t, size, |h| out.push(h));
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
#[inline]
fn shingle(tokens: impl Iterator<Item = u64>) -> u64 {
    mix(SEED ^ unmixed(tokens))
}

/// The start of every shingle hash.
const SEED: u64 = 0x243F_6A88_85A3_08D3;

/// The rotated token hashes of a run, combined (before the seed and the mix).
#[inline]
fn unmixed(tokens: impl Iterator<Item = u64>) -> u64 {
    tokens
        .enumerate()
        .fold(0, |h, (i, t)| h ^ t.rotate_left(11 * i as u32 + 1))
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
        // 11 characters (punctuation is not a token), padded with 4 stand-ins at each end →
        // 15 five-grams.
        assert_eq!(count("今天天气，很好我们去公园"), 15);
        // Glosses and punctuation do not change the shingles.
        assert_eq!(
            set_of(5, ["记者(jìzhě)今天在城市采访"]),
            set_of(5, ["记者今天在城市采访"])
        );
    }

    #[test]
    fn english_uses_character_five_grams_across_words() {
        // 19 key characters ("thequickbrownfoxjum") → 23 five-grams (padded); case, spaces
        // and punctuation do not matter.
        assert_eq!(count("The quick brown fox jum"), 23);
        assert_eq!(
            set_of(5, ["The quick, brown fox!"]),
            set_of(5, ["the QUICK brown   fox"])
        );
        // One changed letter changes at most five shingles.
        let a = set_of(5, ["the quick brown fox jumps over the lazy dog"]);
        let b = set_of(5, ["the quick brawn fox jumps over the lazy dog"]);
        assert_eq!(a.len() - a.iter().filter(|h| b.contains(h)).count(), 5);
    }

    #[test]
    fn a_number_is_one_token() {
        // Short pages of one template that differ in their numbers stay apart.
        let a = set_of(5, ["page 1000 text unique 7919000"]);
        let b = set_of(5, ["page 10000 text unique 79190000"]);
        assert!(jaccard(&a, &b) < 0.5, "{}", jaccard(&a, &b));
        // p a g e [1000] t e x t: 9 tokens, 13 five-grams (padded).
        assert_eq!(count("page 1000 text"), 13);
        // A changed last token changes five shingles, not one.
        let a = set_of(5, ["Ticket price 30 $"]);
        let b = set_of(5, ["Ticket price 30 €"]);
        assert!(jaccard(&a, &b) < 0.6, "{}", jaccard(&a, &b));
        assert_ne!(
            set_of(5, ["version 1.10 of"]),
            set_of(5, ["version 11.0 of"])
        );
        assert_ne!(
            set_of(5, ["score 21-3 today"]),
            set_of(5, ["score 2-13 today"])
        );
    }

    #[test]
    fn mixed_text_is_shingled_alike() {
        let n = count("我们使用 machine learning 方法");
        // 4 + 15 + 2 key characters → 25 five-grams (padded).
        assert_eq!(n, 25);
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

    proptest::proptest! {
        #[test]
        fn sliding_runs_hash_as_runs_read_whole(
            t in proptest::collection::vec(proptest::prelude::any::<u64>(), 0..40),
            size in 1usize..12,
        ) {
            let mut slid = Vec::new();
            each_shingle(&t, size, |h| slid.push(h));
            // The same runs, each hashed whole.
            let mut whole = Vec::new();
            if t.len() <= size {
                if !t.is_empty() {
                    whole.push(shingle(t.iter().copied()));
                }
            } else {
                let pad = size - 1;
                let padded: Vec<u64> = std::iter::repeat_n(START, pad)
                    .chain(t.iter().copied())
                    .chain(std::iter::repeat_n(END, pad))
                    .collect();
                whole.extend(padded.windows(size).map(|w| shingle(w.iter().copied())));
            }
            proptest::prop_assert_eq!(slid, whole);
        }
    }

    #[test]
    fn jaccard_of_sets() {
        assert_eq!(jaccard(&[1, 2, 3], &[2, 3, 4]), 0.5);
        assert_eq!(jaccard::<u64>(&[], &[]), 0.0);
        assert_eq!(jaccard(&[1], &[]), 0.0);
        assert_eq!(jaccard(&[7u64], &[7]), 1.0);
    }
}
