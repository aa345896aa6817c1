//! Numbers stay apart in keys: the separators and signs around digits that are kept as
//! key characters ([`Numeric`]), so `21-3` does not key like `2-13`.

use super::*;

/// How a character left out of keys (whitespace, punctuation, a symbol) behaves next to
/// numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MarkKind {
    /// A dash or minus: kept between digits, and before a number as its sign unless it joins
    /// a word to it (`COVID-19`).
    Dash,
    /// A sign, operator or currency (`+ = < > | ~ % ‰ $ € ¥ × ÷ ±`…): kept next to a number,
    /// on either side, even across whitespace (`30 $`, `x = 2 + 3`).
    Sign,
    /// Other punctuation and symbols: kept only between digits (`1,299`, `1/12/2024`, `1.10`).
    Other,
}

/// The kind of a (folded) non-whitespace mark.
pub(super) fn mark_kind(c: char) -> MarkKind {
    match c {
        '-' => MarkKind::Dash,
        '$' | '+' | '<' | '=' | '>' | '|' | '~' | '%' | '‰' | '‱' => MarkKind::Sign,
        c if c.is_ascii() => MarkKind::Other,
        c => {
            let gc = GC.get(c);
            if gc == GeneralCategory::CurrencySymbol || gc == GeneralCategory::MathSymbol {
                MarkKind::Sign
            } else {
                MarkKind::Other
            }
        }
    }
}

/// Folds a mark for the key and classifies it, with at most one look-up of its general
/// category: every dash and minus (`‐ ‑ ‒ – — ― − ﹣`) is `-`, so a score or range keys the
/// same whatever dash the page used; other marks stay themselves (full-width forms were
/// already mapped to ASCII, compatibility forms by NFKC).
pub(super) fn fold_mark(c: char) -> (char, MarkKind) {
    if c.is_ascii() || matches!(c, '‰' | '‱') {
        return (c, mark_kind(c));
    }
    if c == '\u{2212}' {
        return ('-', MarkKind::Dash);
    }
    match GC.get(c) {
        GeneralCategory::DashPunctuation => ('-', MarkKind::Dash),
        GeneralCategory::CurrencySymbol | GeneralCategory::MathSymbol => (c, MarkKind::Sign),
        _ => (c, MarkKind::Other),
    }
}

/// The key character standing for whitespace (or a gloss) that is all that separates two
/// digits: `1 299` must not key like `12 99`. It is not whitespace: keys never hold any.
pub(super) const DIGIT_BREAK: char = '_';

/// The most marks remembered between two key characters; more are dropped (a key never
/// needs a long ruler of dashes to tell two numbers apart).
pub(super) const MAX_MARKS: usize = 8;

/// A mark seen since the last key character: (character, source offset, kind, whether
/// whitespace or a dropped mark came before it, whether it directly follows a letter).
type Pending = (char, u32, MarkKind, bool, bool);

/// Decides which separators between key characters stand next to numbers and so stay in the
/// key (see the module header), and forwards the walk to the sink.
pub(super) struct Numeric<'a, S: Sink> {
    out: &'a mut S,
    /// The last key character was a digit.
    last_digit: bool,
    /// The last key character was a letter (not a digit).
    last_letter: bool,
    /// Marks since the last key character.
    marks: [Pending; MAX_MARKS],
    n: usize,
    /// Whitespace (or an overflowing mark) came after the last remembered mark.
    tail_sep: bool,
    /// Source offset of the first whitespace since the last key character.
    first_sep: Option<u32>,
}

impl<'a, S: Sink> Numeric<'a, S> {
    pub(super) fn new(out: &'a mut S) -> Self {
        Numeric {
            out,
            last_digit: false,
            last_letter: false,
            marks: [('\0', 0, MarkKind::Other, false, false); MAX_MARKS],
            n: 0,
            tail_sep: false,
            first_sep: None,
        }
    }

    #[inline]
    fn pending(&self) -> bool {
        self.n > 0 || self.tail_sep
    }

    /// Whitespace (or a skipped gloss) at `src`.
    #[inline]
    pub(super) fn space(&mut self, src: usize) {
        self.tail_sep = true;
        if self.first_sep.is_none() {
            self.first_sep = Some(src as u32);
        }
    }

    /// An ASCII byte that is not a key character.
    #[inline]
    pub(super) fn ascii_mark(&mut self, b: u8, src: usize) {
        if b.is_ascii_whitespace() {
            self.space(src);
        } else {
            self.mark(char::from(b), src);
        }
    }

    /// A character left out of the key (folded here with [`fold_mark`]).
    pub(super) fn mark(&mut self, c: char, src: usize) {
        if c.is_whitespace() {
            self.space(src);
            return;
        }
        if self.n == MAX_MARKS {
            self.space(src);
            return;
        }
        let (c, kind) = fold_mark(c);
        let glued = self.n == 0 && !self.tail_sep && self.last_letter;
        self.marks[self.n] = (c, src as u32, kind, self.tail_sep, glued);
        self.n += 1;
        self.tail_sep = false;
    }

    /// Settles the separators before a key character (`next_digit`: whether it is a digit;
    /// false at the end of the text).
    pub(super) fn flush(&mut self, next_digit: bool) {
        let between = self.last_digit && next_digit;
        let mut sep = false;
        let mut kept = false;
        for &(c, src, kind, sep_before, glued) in &self.marks[..self.n] {
            let keep = between
                || match kind {
                    MarkKind::Sign => self.last_digit || next_digit,
                    MarkKind::Dash => next_digit && !glued,
                    MarkKind::Other => false,
                };
            if keep {
                if sep || sep_before {
                    self.out.gap();
                }
                self.out.char(c, src as usize);
                sep = false;
                kept = true;
            } else {
                sep = true;
            }
        }
        if sep || self.tail_sep {
            self.out.gap();
            if between && !kept {
                if let Some(src) = self.first_sep {
                    self.out.char(DIGIT_BREAK, src as usize);
                    self.out.gap();
                }
            }
        }
        self.n = 0;
        self.tail_sep = false;
        self.first_sep = None;
    }

    #[inline]
    pub(super) fn ascii(&mut self, b: u8, src: usize) {
        let digit = b.is_ascii_digit();
        if self.pending() {
            if self.n == 0 && !(self.last_digit && digit) {
                // Only whitespace, not between digits (the common case): a plain gap.
                self.out.gap();
                self.tail_sep = false;
                self.first_sep = None;
            } else {
                self.flush(digit);
            }
        }
        self.out.ascii(b, src);
        self.last_digit = digit;
        self.last_letter = !digit;
    }

    #[inline]
    pub(super) fn run(&mut self, bytes: &[u8], src: usize) {
        if self.pending() {
            self.flush(false);
        }
        self.out.run(bytes, src);
        self.last_digit = false;
        self.last_letter = true;
    }

    pub(super) fn char(&mut self, c: char, src: usize) {
        let digit = c.is_numeric();
        if self.pending() {
            self.flush(digit);
        }
        self.out.char(c, src);
        self.last_digit = digit;
        self.last_letter = !digit;
    }

    /// Ends the text: a sign or currency after the last number stays (`30 $`).
    pub(super) fn finish(&mut self) {
        if self.pending() {
            self.flush(false);
        }
    }
}
