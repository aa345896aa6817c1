//! The per-document tables every stage reads: what pass 1 keeps of each document ([`Doc`]) and
//! flat per-paragraph columns shared by all documents ([`Tables`]). The text itself is never
//! held: a document's kept text is found again through its [`Piece`]s in its mapped input.
//!
//! Invariants: a document's ranges (`paras`, `pieces`, `events`, `short`) index the flat
//! columns; the per-paragraph columns (`hashes`, `chars`, `lines`, `short_counts`) are
//! parallel; a document's pieces are in text order, grouped by paragraph.

use std::ops::Range;

use crate::repair::Event;
use crate::site::Sites;

/// Where a document was read.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub(crate) enum Loc {
    /// JSON Lines: 1-based line.
    Line(u64),
    /// A whole text file.
    File,
    /// WET: 1-based record number.
    Record(u64),
    /// A damaged stream: decompressed byte offset.
    Byte(u64),
    /// A document published by an earlier run: its index among the published documents.
    Published(u32),
}

/// The `file` of a document published by an earlier run: it has no input file here.
pub(crate) const NO_FILE: u32 = u32::MAX;

/// The `site` of a document that has none (an unreadable record: it has no paragraphs).
pub(crate) const NO_SITE: u32 = u32::MAX;

/// What pass 1 keeps of a document.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Doc {
    pub(crate) id: Box<str>,
    /// Index of its input file ([`NO_FILE`] for a published document).
    pub(crate) file: u32,
    /// Record bytes within the file's (decompressed) data.
    pub(crate) span: Range<usize>,
    pub(crate) loc: Loc,
    /// Why the record is invalid (`None`: it was read).
    pub(crate) error: Option<Box<str>>,
    /// This document's paragraphs in the flat tables.
    pub(crate) paras: Range<usize>,
    /// This document's kept text pieces in the flat piece table.
    pub(crate) pieces: Range<usize>,
    /// What repair removed, in the flat event table.
    pub(crate) events: Range<usize>,
    /// Shingles of the document's short paragraphs, in the flat short-shingle table.
    pub(crate) short: Range<usize>,
    /// WET: the target URI.
    pub(crate) url: Option<Box<str>>,
    /// Its site, an id in [`Tables::sites`]: boilerplate is counted per site.
    pub(crate) site: u32,
    /// Romanization glosses found while keying (`记者(jìzhě)`).
    pub(crate) glosses: u32,
    /// How noisy the record's text is ([`crate::normalize::noise`]): invisible and control
    /// characters, compatibility letters, shouting, hard breaks. Ranks clean copies first.
    pub(crate) noise: u32,
    /// Paragraphs repair dropped whole as repeats.
    pub(crate) repeated: u32,
    /// Characters repair removed (repeated paragraphs and cut runs).
    pub(crate) repeated_chars: u64,
    /// Paragraphs repair cut part of.
    pub(crate) cut: u32,
    /// Non-blank lines of the record.
    pub(crate) lines: u32,
    /// Bytes of the record's text.
    pub(crate) text_bytes: u64,
    /// Invalid UTF-8 was replaced with U+FFFD.
    pub(crate) lossy: bool,
    /// Already published (read from the index, or from a `--published` input): outranks
    /// every other document.
    pub(crate) published: bool,
    /// Hash of what the record says (explicit id, URL, text), not where it is: the canonical
    /// order's tie-break, so that renaming or reordering input files keeps the same survivors.
    pub(crate) content: u64,
    /// Whether `id` is to be the document's source (a record without an id): pass 1 leaves
    /// it empty until the record's line number is known (see `read::pass1_all`).
    pub(crate) id_from_source: bool,
    /// Its row in [`Tables::sigs`], or [`NO_SIG`]: a document without a long paragraph (most
    /// short documents) has no pass-1 signature, which would be all `u32::MAX`.
    pub(crate) sig: u32,
    /// A JSON record whose canonical line, if no paragraph of it is taken out later
    /// (boilerplate, passages kept elsewhere), is its line as read with the `canon` member
    /// added: repair removed nothing, its kept paragraphs are its text as it is laid out
    /// ([`as_read`]), and its text value is written back byte for byte
    /// ([`crate::input::jsonl::writes_back`]). Emit then copies the line instead of parsing,
    /// unescaping and escaping its text again.
    #[serde(default)]
    pub(crate) verbatim: bool,
}

/// [`Doc::sig`] of a document without a pass-1 signature row.
pub(crate) const NO_SIG: u32 = u32::MAX;

impl Doc {
    /// A document with no paragraphs and no facts yet: the one way to start a `Doc`; callers
    /// fill in what they know with struct update syntax.
    pub(crate) fn new(id: Box<str>, file: u32, span: Range<usize>, loc: Loc) -> Doc {
        Doc {
            id,
            file,
            span,
            loc,
            error: None,
            paras: 0..0,
            pieces: 0..0,
            events: 0..0,
            short: 0..0,
            url: None,
            site: NO_SITE,
            glosses: 0,
            noise: 0,
            repeated: 0,
            repeated_chars: 0,
            cut: 0,
            lines: 0,
            text_bytes: 0,
            lossy: false,
            published: false,
            content: 0,
            id_from_source: false,
            sig: NO_SIG,
            verbatim: false,
        }
    }
}

/// A kept byte range of a document's text, in the paragraph it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Piece {
    /// Paragraph index within the document.
    pub(crate) para: u32,
    /// Byte range of the (unescaped) record text.
    pub(crate) start: u32,
    /// See `start`.
    pub(crate) end: u32,
}

impl Piece {
    /// The piece's text in `text` ("" if it does not fit, as when the input changed).
    pub(crate) fn of<'t>(&self, text: &'t str) -> Option<&'t str> {
        text.get(self.start as usize..self.end as usize)
    }
}

/// Expands `$then!(column, …)` with the flat columns of [`Tables`]: every table but `docs`
/// (whose ranges index them), `sites` and `sig_rows`. Clearing, reserving and appending name
/// each column once here, so a new column cannot be left out of one of them.
macro_rules! flat_columns {
    ($then:ident) => {
        $then!(
            hashes,
            chars,
            flows,
            lines,
            pieces,
            events,
            sigs,
            short,
            short_counts
        )
    };
}

/// Whether the text emit builds from a document's paragraphs (their pieces joined, each
/// paragraph on a line of its own, trimmed: `emit::render`'s `kept_text`) is `text` itself:
/// each paragraph's pieces follow one another without a gap, paragraphs are one `\n` apart,
/// the first starts the text and the last ends it, and no paragraph starts or ends with
/// white space. `paragraphs` gives each paragraph's pieces (byte ranges of `text`), in order.
pub(crate) fn as_read<'p>(
    text: &str,
    paragraphs: impl Iterator<Item = &'p [std::ops::Range<usize>]>,
) -> bool {
    let mut at = 0;
    for (k, pieces) in paragraphs.enumerate() {
        if k > 0 {
            if text.as_bytes().get(at) != Some(&b'\n') {
                return false;
            }
            at += 1;
        }
        let start = at;
        for piece in pieces {
            if piece.start != at {
                return false;
            }
            at = piece.end;
        }
        let Some(para) = text.get(start..at) else {
            return false;
        };
        let blank_end = |c: Option<char>| c.is_none_or(char::is_whitespace);
        if blank_end(para.chars().next()) || blank_end(para.chars().next_back()) {
            return false;
        }
    }
    at == text.len()
}

/// Every document's facts and the flat per-paragraph columns they index.
#[derive(Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Tables {
    pub(crate) docs: Vec<Doc>,
    /// Key hash of each kept paragraph.
    pub(crate) hashes: Vec<u64>,
    /// Key characters of each kept paragraph (parallel to `hashes`).
    pub(crate) chars: Vec<u32>,
    /// Stream hash of each kept paragraph's key (parallel to `hashes`; see `flow.rs`).
    pub(crate) flows: Vec<u64>,
    /// Line number of each paragraph within its document (parallel to `hashes`).
    pub(crate) lines: Vec<u32>,
    pub(crate) pieces: Vec<Piece>,
    pub(crate) events: Vec<Event>,
    /// Near-duplicate stage: the MinHash signatures of documents' long paragraphs, `perms`
    /// values per row, a row for each document whose [`Doc::sig`] names it (documents
    /// without a long paragraph have none: 384 bytes saved per short document).
    pub(crate) sigs: Vec<u32>,
    /// Rows in `sigs`.
    pub(crate) sig_rows: u32,
    /// Shingles of short paragraphs, and how many each paragraph has (parallel to `hashes`;
    /// 0 for long paragraphs).
    pub(crate) short: Vec<u32>,
    pub(crate) short_counts: Vec<u32>,
    /// The site names documents' `site` ids refer to.
    pub(crate) sites: Sites,
}

/// Paragraphs of at most this many key characters keep their shingles apart from the
/// document's pass-1 signature, so that they can be left out if they turn out to be
/// boilerplate (footer lines are short). A document with a longer boilerplate paragraph is
/// signed again from its text.
pub(crate) const SHORT_PARAGRAPH: u32 = 48;

impl Tables {
    /// A document's kept paragraphs, in order: (the paragraph's index in the flat columns,
    /// its pieces). A paragraph's text is its pieces joined.
    pub(crate) fn kept_paragraphs<'a>(
        &'a self,
        d: &Doc,
    ) -> impl Iterator<Item = (usize, &'a [Piece])> + 'a {
        let first = d.paras.start;
        self.pieces[d.pieces.clone()]
            .chunk_by(|a, b| a.para == b.para)
            .map(move |run| (first + run[0].para as usize, run))
    }

    /// Appends `all`'s tables, in order, to these (document ranges rebased, site ids
    /// re-interned).
    pub(crate) fn append(&mut self, mut parts: Vec<Tables>) {
        self.append_from(&mut parts);
    }

    /// [`Tables::append`], leaving each part empty with its room kept (pass 1 reuses them:
    /// a fresh part's columns grew onto fresh pages, a tenth of pass 1 on short documents).
    pub(crate) fn append_from(&mut self, parts: &mut [Tables]) {
        let all = self;
        let n_docs: usize = parts.iter().map(|c| c.docs.len()).sum();
        all.docs.reserve(n_docs);
        macro_rules! reserve {
            ($($col:ident),*) => {
                $( all.$col.reserve(parts.iter().map(|c| c.$col.len()).sum()); )*
            };
        }
        flat_columns!(reserve);
        for c in parts {
            let base = all.hashes.len();
            let pbase = all.pieces.len();
            let ebase = all.events.len();
            let sbase = all.short.len();
            let rbase = all.sig_rows;
            // Site ids are the part's own: interned again here by name.
            let sites: Vec<u32> = c.sites.names.iter().map(|n| all.sites.intern(n)).collect();
            all.docs.extend(c.docs.drain(..).map(|mut d| {
                d.site = sites.get(d.site as usize).copied().unwrap_or(d.site);
                d.paras = d.paras.start + base..d.paras.end + base;
                d.pieces = d.pieces.start + pbase..d.pieces.end + pbase;
                d.events = d.events.start + ebase..d.events.end + ebase;
                d.short = d.short.start + sbase..d.short.end + sbase;
                if d.sig != NO_SIG {
                    d.sig += rbase;
                }
                d
            }));
            all.sig_rows += c.sig_rows;
            macro_rules! extend {
                ($($col:ident),*) => { $( all.$col.extend_from_slice(&c.$col); )* };
            }
            flat_columns!(extend);
            c.clear();
        }
    }

    /// Empties every column, keeping its room.
    fn clear(&mut self) {
        self.docs.clear();
        macro_rules! clear {
            ($($col:ident),*) => { $( self.$col.clear(); )* };
        }
        flat_columns!(clear);
        self.sig_rows = 0;
        self.sites = Sites::default();
    }

    /// Reserves room for `scale` times the rows each column holds now (no more than that:
    /// the rows pass 1 expects for the whole input, from what its first batch held). A
    /// column that outgrows its estimate grows as usual.
    pub(crate) fn reserve_for(&mut self, scale: f64) {
        fn grow<T>(v: &mut Vec<T>, scale: f64) {
            let want = (v.len() as f64 * scale) as usize;
            if want > v.capacity() {
                v.reserve_exact(want - v.len());
            }
        }
        grow(&mut self.docs, scale);
        macro_rules! grow_all {
            ($($col:ident),*) => { $( grow(&mut self.$col, scale); )* };
        }
        flat_columns!(grow_all);
    }

    /// One table from parts in input order.
    pub(crate) fn concat(parts: Vec<Tables>) -> Tables {
        let mut all = Tables::default();
        all.append(parts);
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Paragraphs are the text as read only when they tile it: one line each, `\n` apart, no
    /// gap inside a paragraph, no white space at either end of one.
    #[test]
    fn paragraphs_are_the_text_as_read_only_when_they_tile_it() {
        // Each paragraph's pieces as (start, end) pairs.
        let check = |text: &str, paras: &[&[(usize, usize)]]| {
            let ranges: Vec<Vec<Range<usize>>> = paras
                .iter()
                .map(|p| p.iter().map(|&(a, b)| a..b).collect())
                .collect();
            as_read(text, ranges.iter().map(Vec::as_slice))
        };
        assert!(check("ab\ncd", &[&[(0, 2)], &[(3, 5)]]));
        assert!(check("ab\ncd", &[&[(0, 1), (1, 2)], &[(3, 5)]]));
        assert!(check("", &[]));
        assert!(!check("ab\n\ncd", &[&[(0, 2)], &[(4, 6)]]), "a blank line");
        assert!(!check("ab\r\ncd", &[&[(0, 2)], &[(4, 6)]]), "a CR");
        assert!(
            !check("ab\ncd\n", &[&[(0, 2)], &[(3, 5)]]),
            "a final line end"
        );
        assert!(!check(" ab\ncd", &[&[(0, 3)], &[(4, 6)]]), "an indent");
        assert!(
            !check("ab\u{3000}\ncd", &[&[(0, 5)], &[(6, 8)]]),
            "trailing white space"
        );
        assert!(!check("abXcd", &[&[(0, 2), (3, 5)]]), "a cut");
        assert!(!check("ab\ncd", &[&[(0, 2)]]), "a paragraph left out");
        assert!(!check("ab", &[&[(0, 2)], &[(3, 3)]]), "past the end");
    }

    #[test]
    fn kept_paragraphs_group_pieces_by_paragraph() {
        let mut t = Tables::default();
        let piece = |para, start, end| Piece { para, start, end };
        t.pieces = vec![piece(0, 0, 3), piece(0, 5, 8), piece(2, 10, 12)];
        t.hashes = vec![0; 5];
        let d = Doc {
            paras: 2..5,
            pieces: 0..3,
            ..Doc::new("d".into(), 0, 0..12, Loc::File)
        };
        let got: Vec<(usize, usize)> = t.kept_paragraphs(&d).map(|(p, ps)| (p, ps.len())).collect();
        assert_eq!(got, vec![(2, 2), (4, 1)]);
        assert_eq!(t.pieces[1].of("abc..def..gh"), Some("def"));
        assert_eq!(t.pieces[1].of("abc"), None);
    }
}
