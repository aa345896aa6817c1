//! Romanization glosses: a parenthesized pinyin (or kana) reading right after Han text is
//! skipped only when it reads the characters before it ([`gloss_end`]); the pinyin shape
//! checks and the `pinyin` crate's reading table.

use super::*;

/// Decodes the three-byte UTF-8 character at `i`, if there is one.
#[inline]
pub(super) fn decode3(b: &[u8], i: usize) -> Option<u32> {
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
pub(super) fn inert_run(text: &str, i: usize) -> Option<(usize, u32, u32)> {
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

/// If a romanization gloss of the Han characters before byte `open` (an opening parenthesis)
/// starts at byte `from` (just after it), returns the byte offset just past its closing
/// parenthesis.
///
/// A gloss is a kana reading, or pinyin (tone marks or tone digits allowed, syllables separated
/// by nothing, spaces, hyphens or apostrophes) whose syllables, tones aside, are readings of the
/// Han characters just before the parenthesis, one syllable each ([`reads_as`]), closed by `)`
/// or `）`. An all-capitals acronym such as `(GDP)` is not a gloss, nor is a name, a brand or a
/// list letter that happens to split into syllables (`手机(Nina)`, `条款(e)`).
pub(super) fn gloss_end(text: &str, open: usize, from: usize) -> Option<usize> {
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
    if is_pinyin(inner) && reads_as(inner, &text[..open]) {
        Some(from + j + clen)
    } else {
        None
    }
}

/// Whether the pinyin `gloss` reads the last Han characters of `before`: its letters (tone
/// marks, tone digits, separators and case aside) are, in order, one reading each of the last
/// `k` Han characters, for some `k`. Readings come from the `pinyin` crate's table, heteronyms
/// included (`还` reads `hai` or `huan`).
pub(super) fn reads_as(gloss: &str, before: &str) -> bool {
    let mut g = [0u8; MAX_GLOSS_CHARS];
    let mut len = 0;
    for c in gloss.chars() {
        if let Some(b) = pinyin_base(c) {
            if len == g.len() {
                return false;
            }
            g[len] = b;
            len += 1;
        }
    }
    let g = &g[..len];
    // The Han characters right before the parenthesis, last first.
    let mut han = ['\0'; MAX_GLOSS_CHARS];
    let mut n = 0;
    for c in before.chars().rev() {
        if !is_han(c) || n == han.len() {
            break;
        }
        han[n] = c;
        n += 1;
    }
    // Cheap rejection first: whatever the number of characters read, the gloss ends with a
    // reading of the character right before the parenthesis.
    let ends_well = n > 0
        && pinyin::ToPinyinMulti::to_pinyin_multi(&han[0])
            .is_some_and(|m| m.into_iter().any(|p| reading_suffix(p.plain(), g)));
    if !ends_well {
        return false;
    }
    han[..n].reverse();
    // A syllable has 1 to 6 letters.
    (len.div_ceil(6)..=n.min(len)).any(|k| {
        let mut failed = [0u64; MAX_GLOSS_CHARS];
        reads(&han[n - k..n], 0, g, 0, &mut failed)
    })
}

/// Whether the toneless reading `r` ends `g`.
pub(super) fn reading_suffix(r: &str, g: &[u8]) -> bool {
    let n = r.chars().count();
    n <= g.len() && reading_prefix(r, &g[g.len() - n..]) == Some(n)
}

/// Whether `g[at..]` is one reading each of `chars[c..]`; `failed` remembers the (character,
/// position) pairs already tried in vain (bit `at` of `failed[c]`).
pub(super) fn reads(chars: &[char], c: usize, g: &[u8], at: usize, failed: &mut [u64]) -> bool {
    if c == chars.len() {
        return at == g.len();
    }
    if failed[c] >> at & 1 == 1 {
        return false;
    }
    if let Some(multi) = pinyin::ToPinyinMulti::to_pinyin_multi(&chars[c]) {
        for p in multi {
            if let Some(n) = reading_prefix(p.plain(), &g[at..]) {
                if reads(chars, c + 1, g, at + n, failed) {
                    return true;
                }
            }
        }
    }
    failed[c] |= 1 << at;
    false
}

/// If the toneless reading `r` begins `g` (base letters, `ü` as `v`; a `ü` may also be
/// written `u`), the number of letters it takes.
pub(super) fn reading_prefix(r: &str, g: &[u8]) -> Option<usize> {
    let mut n = 0;
    for c in r.chars() {
        let &b = g.get(n)?;
        let ok = match c {
            'ü' | 'v' => b == b'v' || b == b'u',
            c => c.is_ascii() && b == c.to_ascii_lowercase() as u8,
        };
        if !ok {
            return None;
        }
        n += 1;
    }
    Some(n)
}

/// Maps a pinyin letter (with or without a tone mark) to its base letter (`ü` → `v`).
pub(super) fn pinyin_base(c: char) -> Option<u8> {
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

pub(super) fn is_initial(s: &[u8]) -> bool {
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

pub(super) fn is_final(s: &[u8]) -> bool {
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
pub(super) fn is_pinyin(s: &str) -> bool {
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
pub(super) fn segments_into_syllables(w: &[u8]) -> bool {
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
