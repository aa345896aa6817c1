//! How noisy a copy of a text is: what a reader or a model would rather not see, counted over
//! the record's text as it is in its file. Exact duplicates share their key, and keys ignore
//! all of this, so the count is what tells a clean copy from a noisy one (the canonical
//! order's `noise`, see [`crate::cluster::Rank`]).

use super::clean::{is_invisible, may_be_invisible};
use super::NFKC;

/// The noise of `text`: one point for each
/// - invisible format character (default-ignorable code points such as U+200B, and the
///   tatweel: what keys drop as invisible);
/// - control character other than `\n`, `\t` and `\r` (C0, DEL, C1);
/// - letter or digit that NFKC changes: ligatures (`ﬁ`), full-width letters and digits,
///   letters written decomposed (Hangul jamo sequences, `e` + combining acute) — one point at
///   each place where the text stops being NFKC, when a letter or digit starts there.
///   Compatibility punctuation and spaces (full-width `，`, no-break space, `…`) are the
///   normal way to write some languages and count nothing;
/// - uppercase letter right after another uppercase letter (shouting: `HELLO` counts 4,
///   `Hello` and `McDonald` nothing);
/// - hard break: a line ending in a letter, digit, `,` `-` `，` or `、` followed directly
///   (no blank line) by a line whose first non-blank character is a letter that is not
///   uppercase (lowercase, or of a script without case: Han, kana, Hangul) — a sentence
///   that goes on across a line break.
///
/// ASCII bytes take a fast path; the NFKC check runs only on a text holding a non-ASCII
/// character outside the common ranges NFKC leaves alone ([`nfkc_letter_stable`]).
pub fn noise(text: &str) -> u32 {
    noise_with(text, true)
}

/// [`noise`], with or without the short paths for ASCII words and Han text (the tests check
/// they agree with the general path).
fn noise_with(text: &str, han_path: bool) -> u32 {
    let b = text.as_bytes();
    let mut n = 0u32;
    let mut prev_upper = false;
    // Last non-blank character of the current line ('\n' at a line's start: nothing yet).
    let mut last = '\n';
    // A character seen that NFKC may change into a letter or digit (or compose).
    let mut suspect = false;
    let mut i = 0;
    while i < b.len() {
        let x = b[i];
        if han_path && x < 0x80 && i + 8 <= b.len() {
            let w = u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
            if let Some(word) = ascii_word(w, prev_upper) {
                n += word.shouting;
                prev_upper = word.ends_upper;
                if let Some(c) = word.last {
                    last = c;
                }
                i += 8;
                continue;
            }
        }
        if x < 0x80 {
            i += 1;
            let upper = x.is_ascii_uppercase();
            n += u32::from(upper && prev_upper);
            prev_upper = upper;
            if x > b' ' && x != 0x7F {
                last = x as char;
            } else if x == b'\n' {
                n += u32::from(hard_break(last, &text[i..]));
                last = '\n';
            } else if !matches!(x, b' ' | b'\t' | b'\r') {
                n += 1; // control character
            }
            continue;
        }
        if han_path && (0xE4..=0xE9).contains(&x) && i + 2 < b.len() {
            // U+4000–U+9FFF (Han, Yijing symbols), most of a Chinese page: stable under NFKC,
            // never invisible, a control, uppercase or whitespace; decoded by hand.
            let c = u32::from(x & 0x0F) << 12
                | u32::from(b[i + 1] & 0x3F) << 6
                | u32::from(b[i + 2] & 0x3F);
            prev_upper = false;
            last = char::from_u32(c).unwrap_or(last);
            i += 3;
            continue;
        }
        let c = text[i..].chars().next().expect("a char boundary");
        suspect = suspect || !nfkc_letter_stable(c);
        let invisible = may_be_invisible(b, i) && is_invisible(c);
        n += u32::from(invisible || c.is_control());
        let upper = c.is_uppercase();
        n += u32::from(upper && prev_upper);
        prev_upper = upper;
        // An invisible character is not how a line ends (`中\u{200B}` ends in `中`).
        if !invisible && !c.is_whitespace() {
            last = c;
        }
        i += c.len_utf8();
    }
    if suspect {
        n = n.saturating_add(not_nfkc(text));
    }
    n
}

/// What eight ASCII bytes add to the noise count.
struct AsciiWord {
    /// Uppercase letters right after an uppercase letter.
    shouting: u32,
    /// Whether the last byte is an uppercase letter.
    ends_upper: bool,
    /// The last byte that is not a space.
    last: Option<char>,
}

use super::{HIGH, ONES};

/// Eight bytes of text (little-endian in `w`) at once, if they are all printable ASCII or
/// spaces (no control character, no line end, no `DEL`, nothing above U+007F): per byte,
/// `b + k` sets the byte's high bit exactly when `b >= 0x80 - k` (no carry leaves a byte
/// below 0x80), which gives each class as a mask of high bits.
fn ascii_word(w: u64, prev_upper: bool) -> Option<AsciiWord> {
    if w & HIGH != 0 {
        return None;
    }
    let at_least = |lo: u64| w.wrapping_add((0x80 - lo) * ONES) & HIGH;
    // Below 0x20 (controls, `\n`, `\t`, `\r`) or DEL: the general path.
    if (!at_least(0x20) | at_least(0x7F)) & HIGH != 0 {
        return None;
    }
    let upper = at_least(0x41) & !at_least(0x5B);
    let before = (upper << 8) | if prev_upper { 0x80 } else { 0 };
    let not_space = at_least(0x21);
    Some(AsciiWord {
        shouting: (upper & before).count_ones(),
        ends_upper: upper >> 63 != 0,
        last: (not_space != 0).then(|| {
            let byte = (63 - not_space.leading_zeros()) / 8;
            char::from((w >> (8 * byte)) as u8)
        }),
    })
}

/// Whether `c` is one of the common characters that NFKC leaves alone, or changes into no
/// letter or digit, and that never compose with a neighbour (so that a text of only these and
/// ASCII needs no NFKC check): Latin-1 and Latin Extended-A (but `ª` `µ` `º` `ĳ` `Ŀ` `ŉ` `ſ`),
/// the pinyin letters of Latin Extended-B and Additional (`ǎ ǐ ǒ ǔ ǖ ǘ ǚ ǜ ǹ ḿ`: every text
/// with a tone-marked gloss holds some), Cyrillic, general punctuation, CJK punctuation, CJK
/// ideographs, Hangul syllables, full-width punctuation and the emoji blocks U+1F300–U+1FAFF.
/// The test `stable_characters_need_no_nfkc_check` checks every one against ICU.
fn nfkc_letter_stable(c: char) -> bool {
    matches!(c,
        '\u{A0}'..='\u{A9}'
        | '\u{AB}'..='\u{B4}'
        | '\u{B6}'..='\u{B9}'
        | '\u{BB}'..='\u{131}'
        | '\u{134}'..='\u{13E}'
        | '\u{141}'..='\u{148}'
        | '\u{14A}'..='\u{17E}'
        | '\u{1CD}'..='\u{1DC}'
        | '\u{1F8}'..='\u{1F9}'
        | '\u{1E3E}'..='\u{1E3F}'
        | '\u{400}'..='\u{482}'
        | '\u{48A}'..='\u{4FF}'
        | '\u{2010}'..='\u{2027}'
        | '\u{3001}'..='\u{3037}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{AC00}'..='\u{D7A3}'
        | '\u{FF01}'..='\u{FF0F}'
        | '\u{FF1A}'..='\u{FF20}'
        | '\u{1F300}'..='\u{1FAFF}')
}

/// Whether a line whose last non-blank character is `last` and that is followed by `next`
/// (the text after its `\n`) is cut inside a sentence.
fn hard_break(last: char, next: &str) -> bool {
    let open = last.is_alphanumeric() || matches!(last, ',' | '-' | '，' | '、');
    if !open {
        return false;
    }
    let first = next.chars().find(|&c| !matches!(c, ' ' | '\t' | '\r'));
    first.is_some_and(|c| c.is_alphabetic() && !c.is_uppercase())
}

/// Places where `text` stops being NFKC at a letter or digit (a ligature, a full-width
/// letter, the first jamo of a decomposed Hangul syllable, a letter followed by a combining
/// mark that composes with it).
fn not_nfkc(text: &str) -> u32 {
    let mut n = 0u32;
    let mut rest = text;
    loop {
        let (_, tail) = NFKC.split_normalized(rest);
        let Some(c) = tail.chars().next() else {
            return n;
        };
        // Letters, and of digits only the full-width ones: superscripts and fractions (`m²`,
        // `½`) are how a text is written, not noise.
        if c.is_alphabetic() || ('\u{FF10}'..='\u{FF19}').contains(&c) {
            n = n.saturating_add(1);
        }
        rest = &tail[c.len_utf8()..];
    }
}

#[cfg(test)]
mod tests {
    use super::{nfkc_letter_stable, noise, noise_with, not_nfkc};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_short_paths_count_as_the_general_one(s in "[a-zA-Z \n\t\r\u{1}\u{7F}~.,\u{4E00}-\u{4E20}\u{4DC0}\u{FF21}\u{200B}\u{3000}-\u{3040}]{0,80}") {
            prop_assert_eq!(noise_with(&s, true), noise_with(&s, false));
        }
    }

    /// A text of ASCII and "stable" characters skips the NFKC check: the check must find
    /// nothing in such a character, alone or next to a neighbour it could compose with.
    #[test]
    fn stable_characters_need_no_nfkc_check() {
        let neighbours = ['a', 'Z', '0', ' ', '(', '中', '\u{AC00}', 'ǎ', '\u{1F600}'];
        let mut checked = 0;
        for c in (0x80..=0x1FFFF).filter_map(char::from_u32) {
            if !nfkc_letter_stable(c) {
                continue;
            }
            checked += 1;
            for n in neighbours {
                for s in [format!("{n}{c}"), format!("{c}{n}"), format!("{c}{c}")] {
                    assert_eq!(not_nfkc(&s), 0, "{s:?}");
                }
            }
        }
        assert!(checked > 20_000, "{checked}");
        assert_eq!(noise("jìzhě nǚ lǜ ǎ ǐ ǒ ǔ ḿ ǹ 😀🚀"), 0);
    }

    #[test]
    fn clean_text_has_no_noise() {
        assert_eq!(noise("Hello world, this is fine.\nA new line."), 0);
        assert_eq!(noise("记者今天报道。\n第二段。"), 0);
        assert_eq!(noise("한국어 문장입니다."), 0);
        assert_eq!(noise("Le café est fermé, m² ½ … “quoted”\u{A0}x"), 0);
        assert_eq!(noise("中文，标点：全角（括号）"), 0);
        assert_eq!(noise("I am OK"), 1);
    }

    #[test]
    fn each_kind_of_noise_counts() {
        // Zero-width space after each Chinese character.
        assert_eq!(noise("记\u{200B}者\u{200B}"), 2);
        // A ligature; full-width letters and digits.
        assert_eq!(noise("ﬁne"), 1);
        assert_eq!(noise("ａｂ１"), 3);
        // Decomposed Hangul: one per syllable.
        assert_eq!(noise("\u{1112}\u{1161}\u{11AB}\u{1100}\u{1173}\u{11AF}"), 2);
        // Decomposed Latin.
        assert_eq!(noise("cafe\u{301}"), 1);
        // Controls (not \n, \t, \r).
        assert_eq!(noise("a\u{1}b\u{7F}c\u{85}d\t\r\n"), 3);
        // Shouting.
        assert_eq!(noise("HELLO World"), 4);
        assert_eq!(noise("ПРИВЕТ"), 5);
        // Hard breaks: inside a sentence only.
        assert_eq!(noise("a sentence that\ngoes on"), 1);
        assert_eq!(noise("a sentence.\nanother"), 0);
        assert_eq!(noise("a heading\nThe text"), 0);
        assert_eq!(noise("a paragraph\n\nanother"), 0);
        assert_eq!(noise("中文句子\u{200B}\n继续"), 2);
        // Han text takes a short path: the same counts.
        assert_eq!(noise("中文\n继续"), 1);
        assert_eq!(noise("中文。\n继续"), 0);
        assert_eq!(noise("中ＡＢ文"), 3);
    }
}
