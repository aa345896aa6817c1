//! Cleaning for keys: invisible format characters and the Arabic tatweel dropped, HTML
//! character references decoded, into a copy whose offsets map back to the source text
//! ([`cleaned`], [`Remap`]).

use super::*;

pub(super) const IGNORABLE: CodePointSetDataBorrowed<'static> =
    CodePointSetData::new::<DefaultIgnorableCodePoint>();

/// First bytes of what [`cleaned`] must look at: `&` and the lead bytes of the sequences
/// [`may_be_invisible`] tests.
static CANDIDATE_LEAD: [bool; 256] = {
    let mut t = [false; 256];
    let leads = [
        b'&', 0xC2, 0xCD, 0xD8, 0xD9, 0xE1, 0xE2, 0xE3, 0xEF, 0xF0, 0xF3,
    ];
    let mut i = 0;
    while i < leads.len() {
        t[leads[i] as usize] = true;
        i += 1;
    }
    t
};

/// The offset of the first invisible character or character reference in `text`. Eight
/// ASCII bytes without `&` are passed over at once, a non-ASCII character by its lead byte
/// (one table look-up: most leads — Han, kana, Hangul — are none of the candidates').
fn first_unclean(text: &str) -> Option<usize> {
    use super::{HIGH, ONES};
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let x = b[i];
        if x < 0x80 {
            if i + 8 <= b.len() {
                let w = u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
                let amp = w ^ (u64::from(b'&') * ONES);
                // No byte above 0x7F and no byte equal to `&` (the zero-byte test).
                if (w | (amp.wrapping_sub(ONES) & !amp)) & HIGH == 0 {
                    i += 8;
                    continue;
                }
            }
            if x == b'&' && super::unclean_at(text, i) {
                return Some(i);
            }
            i += 1;
            continue;
        }
        if CANDIDATE_LEAD[usize::from(x)] && super::unclean_at(text, i) {
            return Some(i);
        }
        i += match x {
            0xF0.. => 4,
            0xE0.. => 3,
            _ => 2,
        };
    }
    None
}

/// Whether the UTF-8 sequence at `b[i..]` may be a default-ignorable character or the tatweel:
/// an exact test on the bytes of those ranges (U+00AD, U+034F, U+061C, U+0640, U+115F–U+1160,
/// U+17B4–U+17B5, U+180B–U+180F, U+200B–U+200F, U+202A–U+202E, U+2060–U+206F, U+3164,
/// U+FE00–U+FE0F, U+FEFF, U+FFA0, U+FFF0–U+FFF8, U+1BCA0–U+1BCA3, U+1D173–U+1D17A,
/// U+E0000–U+E0FFF), so that the common characters sharing their lead bytes (CJK punctuation
/// `，` `。`, quotes, dashes) are passed over without a table look-up. [`is_invisible`]
/// confirms a hit.
#[inline]
pub(super) fn may_be_invisible(b: &[u8], i: usize) -> bool {
    let at = |k: usize| b.get(i + k).copied().unwrap_or(0);
    match b[i] {
        0xC2 => at(1) == 0xAD,
        0xCD => at(1) == 0x8F,
        0xD8 => at(1) == 0x9C,
        0xD9 => at(1) == 0x80,
        0xE1 => matches!(
            (at(1), at(2)),
            (0x85, 0x9F | 0xA0) | (0x9E, 0xB4 | 0xB5) | (0xA0, 0x8B..=0x8F)
        ),
        0xE2 => matches!((at(1), at(2)), (0x80, 0x8B..=0x8F | 0xAA..=0xAE) | (0x81, 0xA0..=0xAF)),
        0xE3 => at(1) == 0x85 && at(2) == 0xA4,
        0xEF => matches!(
            (at(1), at(2)),
            (0xB8, 0x80..=0x8F) | (0xBB, 0xBF) | (0xBE, 0xA0) | (0xBF, 0xB0..=0xB8)
        ),
        0xF0 => matches!((at(1), at(2)), (0x9B, 0xB2) | (0x9D, 0x85)),
        0xF3 => at(1) == 0xA0,
        _ => false,
    }
}

/// A character that never changes a key: default-ignorable code points (zero-width space and
/// joiners, soft hyphen, BOM, bidi controls, variation selectors…) and the Arabic tatweel,
/// which only stretches a word.
pub(super) fn is_invisible(c: char) -> bool {
    c == '\u{0640}' || IGNORABLE.contains(c)
}

/// The HTML character reference starting at byte `i` of `text` (on `&`): (the character(s) it
/// stands for, its length in bytes). Numeric references (`&#8217;`, `&#x2019;`) and named ones
/// with a semicolon (`&amp;`, `&nbsp;`, `&eacute;`, from the `htmlize` crate's table).
pub(super) fn reference_at(
    text: &str,
    i: usize,
) -> Option<(std::borrow::Cow<'static, str>, usize)> {
    let b = text.as_bytes();
    let semi = b[i..].iter().take(40).position(|&x| x == b';')?;
    let body = &text[i + 1..i + semi];
    if let Some(num) = body.strip_prefix('#') {
        let v = if let Some(hex) = num.strip_prefix(['x', 'X']) {
            (!hex.is_empty() && hex.len() <= 6 && hex.bytes().all(|x| x.is_ascii_hexdigit()))
                .then(|| u32::from_str_radix(hex, 16).ok())??
        } else {
            (!num.is_empty() && num.len() <= 7 && num.bytes().all(|x| x.is_ascii_digit()))
                .then(|| num.parse::<u32>().ok())??
        };
        let c = char::from_u32(v).filter(|&c| c != '\0' && !c.is_control())?;
        return Some((c.to_string().into(), semi + 1));
    }
    if body.is_empty() || !body.bytes().all(|x| x.is_ascii_alphanumeric()) {
        return None;
    }
    let v = htmlize::ENTITIES.get(&b[i..=i + semi])?;
    Some((std::str::from_utf8(v).ok()?.to_owned().into(), semi + 1))
}

/// If `text` holds invisible characters ([`is_invisible`]) or HTML character references, the
/// text a reader sees (those removed, references replaced by their characters) and, for each
/// of its bytes, the source offset of the character it came from; `None` (the common case,
/// decided by one scan over lead bytes) when the text is already that.
pub(super) fn cleaned(text: &str) -> Option<(String, Vec<u32>)> {
    let b = text.as_bytes();
    if b.is_ascii() && memchr::memchr(b'&', b).is_none() {
        return None;
    }
    let first = first_unclean(text)?;
    let mut clean = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(text.len());
    clean.push_str(&text[..first]);
    map.extend(0..first as u32);
    let mut i = first;
    while i < text.len() {
        if b[i] == b'&' {
            if let Some((s, len)) = reference_at(text, i) {
                // What a reference stands for may itself be invisible (`&zwj;`, `&shy;`).
                for c in s.chars().filter(|&c| !is_invisible(c)) {
                    clean.push(c);
                    map.extend(std::iter::repeat_n(i as u32, c.len_utf8()));
                }
                i += len;
                continue;
            }
        }
        let c = text[i..].chars().next().expect("i is on a char boundary");
        if !is_invisible(c) {
            clean.push(c);
            map.extend(std::iter::repeat_n(i as u32, c.len_utf8()));
        }
        i += c.len_utf8();
    }
    Some((clean, map))
}

/// Passes a walk of the cleaned text on with source offsets.
pub(super) struct Remap<'a, S: Sink> {
    pub(super) inner: &'a mut S,
    pub(super) map: Vec<u32>,
}

impl<S: Sink> Sink for Remap<'_, S> {
    fn ascii(&mut self, b: u8, src: usize) {
        self.inner.ascii(b, self.map[src] as usize);
    }
    fn run(&mut self, bytes: &[u8], src: usize) {
        // Characters adjacent in the cleaned text need not be in the source.
        for (k, c) in bytes.chunks_exact(3).enumerate() {
            self.inner.run(c, self.map[src + 3 * k] as usize);
        }
    }
    fn char(&mut self, c: char, src: usize) {
        self.inner.char(c, self.map[src] as usize);
    }
    fn gap(&mut self) {
        self.inner.gap();
    }
    fn reset(&mut self) {
        self.inner.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The scan as it was first written: every byte looked up.
    fn first_unclean_bytewise(text: &str) -> Option<usize> {
        let b = text.as_bytes();
        (0..b.len()).find(|&i| {
            CANDIDATE_LEAD[usize::from(b[i])]
                && if b[i] == b'&' {
                    reference_at(text, i).is_some()
                } else {
                    may_be_invisible(b, i) && text[i..].chars().next().is_some_and(is_invisible)
                }
        })
    }

    proptest! {
        #[test]
        fn the_word_scan_finds_what_the_byte_scan_finds(s in "([a-z &;#0-9x]|&amp;|&#8217;|\u{200B}|\u{AD}|\u{FEFF}|\u{3001}|\u{201C}|\u{4E2D}|\u{FF0C}|\u{1F600}|\u{E0041}){0,40}") {
            prop_assert_eq!(first_unclean(&s), first_unclean_bytewise(&s));
        }
    }
}
