//! Key-stream hashing: a document's exact key that does not depend on where its lines break.
//!
//! A paragraph key has no whitespace (see [`crate::normalize`]), so the keys of a text's
//! paragraphs, joined, are the same character stream however the text was wrapped: one
//! paragraph per line, or hard-wrapped at 60 columns. The exact key of a document is a hash of
//! that stream. But which paragraphs it holds is known only after boilerplate is counted,
//! long after the text was read, so the hash must be composable from per-paragraph parts: a
//! polynomial hash over the key's characters modulo the Mersenne prime 2⁶¹−1 (Karp–Rabin),
//! for which `H(a ‖ b) = H(a)·Bˡᵉⁿ⁽ᵇ⁾ + H(b)`. Each paragraph stores `H` of its key
//! ([`paragraph`]); [`Stream`] joins them.
//!
//! Collisions: for two different streams the hash is equal with probability about 2⁻⁶¹ for
//! inputs not chosen against the fixed base; the document key also carries the stream's
//! length, and 10⁸ documents give about 0.002 colliding pairs expected.

/// The Mersenne prime 2⁶¹ − 1.
const P: u64 = (1 << 61) - 1;

/// The polynomial's base: a fixed random value below `P`.
const BASE: u64 = 0x0b9e_3c1f_6a5d_4c37;

/// `BASE^2`, `BASE^3`, `BASE^4` mod `P`, for four characters per step.
const B2: u64 = mul(BASE, BASE);
const B3: u64 = mul(B2, BASE);
const B4: u64 = mul(B2, B2);

/// `x mod P` for `x < 2¹²⁸` that is a sum of a few products of values below 2⁶¹ and 2³³.
const fn reduce(x: u128) -> u64 {
    // x = hi·2⁶¹ + lo ≡ hi + lo (mod P); twice, as hi can exceed 2⁶¹ after the first fold.
    let x = (x & P as u128) + (x >> 61);
    let x = (x & P as u128) + (x >> 61);
    let x = x as u64;
    if x >= P {
        x - P
    } else {
        x
    }
}

/// `a·b mod P` for `a, b < P`.
const fn mul(a: u64, b: u64) -> u64 {
    reduce(a as u128 * b as u128)
}

/// `BASE^n mod P`.
fn pow(mut n: u64) -> u64 {
    let (mut r, mut b) = (1u64, BASE);
    while n > 0 {
        if n & 1 == 1 {
            r = mul(r, b);
        }
        b = mul(b, b);
        n >>= 1;
    }
    r
}

/// The stream hash of one paragraph key (UTF-8), over its characters: `Σ (cᵢ+1)·B^(n−1−i)`,
/// where `cᵢ` is the i-th character's UTF-8 bytes read as a big-endian number (below 2³²;
/// one digit per character, so that the length that joins keys is [`crate::tables::Tables`]'
/// character count). The bytes are read as they are, without decoding or validating them
/// (a key is valid UTF-8 by construction; a continuation byte only extends the current
/// digit).
///
/// Four characters per step, so that the chain of dependent multiplications is a quarter as
/// long (digits are below 2³², their products with powers of the base below 2⁹³, and five
/// such terms fit in 128 bits before one reduction).
pub(crate) fn paragraph(key: &[u8]) -> u64 {
    let mut h = 0u64;
    let mut digits = [0u64; 4];
    let mut n = 0;
    let mut i = 0;
    while i < key.len() {
        // One character per turn, its length told by its lead byte (a key is valid UTF-8).
        let b = key[i];
        let len = match b {
            0..0xC0 => 1,
            0xC0..0xE0 => 2,
            0xE0..0xF0 => 3,
            _ => 4,
        };
        let end = (i + len).min(key.len());
        let mut c = u64::from(b);
        for &x in &key[i + 1..end] {
            c = (c << 8) | u64::from(x);
        }
        i = end;
        digits[n] = c + 1;
        n += 1;
        if n == 4 {
            h = step4(h, &digits);
            n = 0;
        }
    }
    digits[..n]
        .iter()
        .fold(h, |h, &d| reduce(h as u128 * BASE as u128 + d as u128))
}

/// [`paragraph`] built a character at a time, as a key is built (the key builder feeds it,
/// so that a key's stream hash costs no second pass over the key).
#[derive(Debug, Default, Clone)]
pub(crate) struct Builder {
    h: u64,
    digits: [u64; 4],
    n: usize,
}

impl Builder {
    /// Appends one character, given as its UTF-8 bytes read as a big-endian number.
    #[inline]
    pub(crate) fn push(&mut self, c: u64) {
        self.digits[self.n] = c + 1;
        self.n += 1;
        if self.n == 4 {
            self.h = step4(self.h, &self.digits);
            self.n = 0;
        }
    }

    /// Appends one character.
    #[inline]
    pub(crate) fn push_char(&mut self, c: char) {
        let mut buf = [0u8; 4];
        let s = c.encode_utf8(&mut buf);
        self.push(s.bytes().fold(0u64, |d, b| (d << 8) | u64::from(b)));
    }

    /// The hash of the characters pushed so far.
    pub(crate) fn finish(&self) -> u64 {
        self.digits[..self.n]
            .iter()
            .fold(self.h, |h, &d| reduce(h as u128 * BASE as u128 + d as u128))
    }
}

/// `h·B⁴ + d₀·B³ + d₁·B² + d₂·B + d₃ mod P`.
#[inline]
fn step4(h: u64, d: &[u64; 4]) -> u64 {
    reduce(
        h as u128 * B4 as u128
            + d[0] as u128 * B3 as u128
            + d[1] as u128 * B2 as u128
            + d[2] as u128 * BASE as u128
            + d[3] as u128,
    )
}

/// The stream hash of several paragraph keys joined, built from their [`paragraph`] hashes
/// and key lengths in characters.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Stream {
    hash: u64,
    chars: u64,
}

impl Stream {
    /// Appends a paragraph whose key has `chars` characters and stream hash `hash`.
    pub(crate) fn push(&mut self, hash: u64, chars: u32) {
        self.hash = reduce(self.hash as u128 * pow(u64::from(chars)) as u128 + hash as u128);
        self.chars += u64::from(chars);
    }

    /// The 128-bit key: the hash beside the stream's length; `tag` sets the top bit, for keys
    /// of another kind that must never equal an untagged one.
    pub(crate) fn key(&self, tag: bool) -> u128 {
        (u128::from(tag) << 127) | (u128::from(self.hash) << 64) | u128::from(self.chars)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The first version of [`paragraph`]: byte by byte, a continuation byte extending the
    /// current character's digit.
    fn paragraph_bytewise(key: &[u8]) -> u64 {
        let mut digits = Vec::new();
        let mut cur: Option<u64> = None;
        for &b in key {
            if b & 0xC0 == 0x80 {
                cur = Some((cur.unwrap_or(0) << 8) | u64::from(b));
                continue;
            }
            digits.extend(cur.map(|c| c + 1));
            cur = Some(u64::from(b));
        }
        digits.extend(cur.map(|c| c + 1));
        digits
            .iter()
            .fold(0, |h, &d| reduce(h as u128 * BASE as u128 + d as u128))
    }

    fn joined(parts: &[&str]) -> u128 {
        let mut s = Stream::default();
        for p in parts {
            s.push(paragraph(p.as_bytes()), p.chars().count() as u32);
        }
        s.key(false)
    }

    #[test]
    fn a_stream_hash_does_not_depend_on_where_it_is_split() {
        let whole = joined(&["thequickbrownfoxjumpsoverthelazydog"]);
        assert_eq!(
            whole,
            joined(&["thequick", "brownfox", "jumpsoverthelazydog"])
        );
        assert_eq!(
            whole,
            joined(&["t", "", "hequickbrownfoxjumpsoverthelazydo", "g"])
        );
        assert_ne!(whole, joined(&["thequickbrownfoxjumpsoverthelazycat"]));
        assert_ne!(joined(&["ab"]), joined(&["ba"]));
        assert_eq!(joined(&["记者报道", "北京"]), joined(&["记者", "报道北京"]));
    }

    #[test]
    fn reduction_is_exact() {
        assert_eq!(mul(P - 1, P - 1), 1);
        assert_eq!(reduce(P as u128), 0);
        assert_eq!(pow(0), 1);
        assert_eq!(pow(3), B3);
    }

    proptest! {
        #[test]
        fn any_split_gives_the_key_of_the_whole(s in "\\PC{0,40}", cuts in prop::collection::vec(0usize..41, 0..5)) {
            let chars: Vec<char> = s.chars().collect();
            let mut at: Vec<usize> = cuts.into_iter().map(|c| c.min(chars.len())).collect();
            at.sort_unstable();
            let mut parts = Vec::new();
            let mut prev = 0;
            for &c in at.iter().chain(std::iter::once(&chars.len())) {
                parts.push(chars[prev..c].iter().collect::<String>());
                prev = c;
            }
            let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
            prop_assert_eq!(joined(&refs), joined(&[s.as_str()]));
        }

        #[test]
        fn characters_read_by_lead_byte_hash_as_bytes_read_one_by_one(s in "\\PC{0,60}") {
            prop_assert_eq!(paragraph(s.as_bytes()), paragraph_bytewise(s.as_bytes()));
        }

        #[test]
        fn the_hash_is_the_polynomial(s in "\\PC{0,20}") {
            let digit = |c: char| {
                let mut buf = [0u8; 4];
                c.encode_utf8(&mut buf).bytes().fold(0u64, |d, b| (d << 8) | u64::from(b)) + 1
            };
            let slow = s.chars().fold(0u64, |h, c| reduce(h as u128 * BASE as u128 + digit(c) as u128));
            prop_assert_eq!(paragraph(s.as_bytes()), slow);
        }
    }
}
