//! Page memory and lookup: what the page has shown so far, kept so that later paragraphs can be
//! checked against it. Whole paragraph keys by hash, paragraph edges for glued copies, and
//! anchors (content-defined positions) for repeated runs. `page_key` holds exactly what the page
//! shows, in order, as a second repair would see it; the whole keys of cut paragraphs go to
//! `cut_key`. All tables are cleared per page, and only this module writes them.

use std::hash::BuildHasherDefault;

use xxhash_rust::xxh3::xxh3_64;

use super::Repairer;

/// Earlier paragraphs shorter than this (in key bytes: 8 ASCII letters or 3 CJK characters)
/// are not cut off as glued prefixes or suffixes: a two-character line would otherwise eat
/// into unrelated text, and 12 would miss short English titles such as "Some is may to".
const MIN_GLUE_BYTES: usize = 8;

/// Earlier paragraphs with the same edge that are tried as glued copies, newest first: a page
/// of thousands of lines that begin alike ("entry number 1", "entry number 2", …) stays
/// linear.
const MAX_GLUE_CANDIDATES: usize = 32;

/// A hasher for keys that are already hashes.
#[derive(Default)]
pub(super) struct IdHasher(u64);
impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, _: &[u8]) {
        unreachable!("only u64 keys are hashed")
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}
/// Builds [`IdHasher`]s, for maps keyed by hashes.
pub(super) type IdBuild = BuildHasherDefault<IdHasher>;

/// Anchors are content-defined positions: each character start `p` has the hash of the
/// `ANCHOR_WINDOW` key bytes before it, and in every `ANCHOR_SPREAD` consecutive character
/// starts the one with the smallest hash (the rightmost on ties) is an anchor (winnowing). The
/// bytes after an anchor are looked up in earlier text. Anchors depend only on content, so a
/// repeated run has the same anchors as its first occurrence; and a repeated run long enough
/// to hold the hashed bytes before a whole window, the window and the probe after it
/// (`ANCHOR_WINDOW` bytes + `ANCHOR_SPREAD` characters + `ANCHOR_PROBE` bytes, less a
/// character: 33 ASCII bytes, 20 CJK characters, less than the default `--min-repeat`
/// weighs in any script) has one in both occurrences, whatever its content. A sampled choice
/// (a hash with its top bits clear) left a short-period run with no anchor at all with high
/// probability (`word word …` survived whole while `lol lol …` was cut).
const ANCHOR_WINDOW: usize = 8;
/// Character starts per winnowing window: about 2 / (`ANCHOR_SPREAD` + 1) of character
/// starts are anchors (the sampled choice had 1 / 8).
const ANCHOR_SPREAD: usize = 14;
/// Bytes after an anchor that are hashed for lookup.
pub(super) const ANCHOR_PROBE: usize = 12;

/// The hash of the [`ANCHOR_PROBE`] bytes after an anchor: a multiply-xorshift mix, cheaper
/// than a general hash for 12 bytes; lookups compare the bytes, so a collision costs only a
/// comparison.
fn probe_hash(b: &[u8]) -> u64 {
    let lo = u64::from_le_bytes(b[..8].try_into().expect("8 bytes"));
    let hi = u64::from(u32::from_le_bytes(b[8..12].try_into().expect("4 bytes")));
    let x = (lo ^ hi.rotate_left(32).wrapping_mul(0xC2B2_AE3D_27D4_EB4F))
        .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let x = (x ^ (x >> 32)).wrapping_mul(0xD6E8_FEB8_6659_FD93);
    x ^ (x >> 32)
}

fn window_hash(w: &[u8]) -> u64 {
    let v = u64::from_le_bytes(w.try_into().expect("8-byte window"));
    v.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29) ^ v
}

/// Bits of a candidate's rank that hold its position (the rest hold the top of its hash).
const POS_BITS: u32 = 24;
const POS_MASK: u64 = (1 << POS_BITS) - 1;

/// The anchors of `key`: positions and the hash of the [`ANCHOR_PROBE`] bytes after each, in
/// increasing position.
pub(super) fn anchors_of(key: &[u8], out: &mut Vec<(usize, u64)>) {
    out.clear();
    if key.len() < ANCHOR_WINDOW + ANCHOR_PROBE {
        return;
    }
    // Each candidate's rank: the top of its window hash, then its position reversed, so that
    // the smallest rank of a window is its smallest hash, the rightmost on ties (two equal
    // windows are equal text: in a periodic run the choice moves with the period). Positions
    // are taken modulo 2^24: only a window straddling a multiple of 16 MiB in one paragraph
    // can break a tie the other way.
    let rank = |h: u64, p: usize| (h & !POS_MASK) | (POS_MASK - (p as u64 & POS_MASK));
    // The position of a rank chosen in a window ending at `near` (at most a few hundred bytes
    // before it).
    let pos_of = |r: u64, near: usize| -> usize {
        let low = (POS_MASK - (r & POS_MASK)) as usize;
        let base = near & !(POS_MASK as usize);
        if base + low > near {
            base + low - (POS_MASK as usize + 1)
        } else {
            base + low
        }
    };
    // The ranks of the last `ANCHOR_SPREAD` candidates (`u64::MAX` before the first), and
    // the smallest of them: when it leaves, the smallest of the rest is found again (a
    // branch-free scan of a few words).
    let mut ring = [u64::MAX; ANCHOR_SPREAD];
    let mut min = u64::MAX;
    let mut last = u64::MAX;
    let mut n = 0usize;
    let mut slot = 0;
    let mut near = 0;
    for p in ANCHOR_WINDOW..=key.len() - ANCHOR_PROBE {
        // Anchors sit on character starts: as good for matching, and a third of the work
        // for CJK keys.
        if key[p] & 0xC0 == 0x80 {
            continue;
        }
        let r = rank(window_hash(&key[p - ANCHOR_WINDOW..p]), p);
        let leaving = ring[slot];
        ring[slot] = r;
        slot += 1;
        if slot == ANCHOR_SPREAD {
            slot = 0;
        }
        n += 1;
        near = p;
        min = if leaving == min {
            ring.iter().copied().fold(u64::MAX, u64::min)
        } else {
            min.min(r)
        };
        if n >= ANCHOR_SPREAD && min != last {
            last = min;
            let q = pos_of(min, p);
            out.push((q, probe_hash(&key[q..q + ANCHOR_PROBE])));
        }
    }
    // Fewer candidates than one window: the window is all of them.
    if n > 0 && n < ANCHOR_SPREAD {
        let q = pos_of(min, near);
        out.push((q, probe_hash(&key[q..q + ANCHOR_PROBE])));
    }
}

/// The first or last 8 key bytes of a paragraph, mixed: the glue maps use an identity
/// hasher, and raw text bytes would put most paragraphs in a few buckets.
fn edge(b: &[u8]) -> u64 {
    let mut v = [0u8; 8];
    v.copy_from_slice(b);
    let x = u64::from_le_bytes(v).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^ (x >> 29)
}

impl Repairer {
    /// Forgets the previous page: a page is only ever checked against itself.
    pub(super) fn forget_page(&mut self) {
        self.seen.clear();
        self.heads.clear();
        self.tails.clear();
        self.glue.clear();
        self.page_key.clear();
        self.cut_key.clear();
        self.anchors.clear();
        self.cut_anchors.clear();
    }

    /// Records the whole key of a paragraph that repair cut: its hash and edges, as for any
    /// paragraph, but the key goes to `cut_key` (anchors in `cut_anchors`): `page_key` holds
    /// exactly what the page shows, in order, as a second repair would see it — a match may
    /// run on across paragraphs, so interleaving whole keys there would change what is found
    /// (`not-idempotent-match-across-paragraphs`) — and repairing the output then finds
    /// nothing new.
    pub(super) fn remember_cut(&mut self, key: &[u8], h: u64) {
        self.seen.entry(h).or_insert(self.line);
        self.add_glue(key, h);
        let base = self.cut_key.len();
        self.cut_key.extend_from_slice(key);
        for &(p, a) in &self.para_anchors {
            self.cut_anchors.entry(a).or_insert((base + p) as u32);
        }
    }

    /// Records a paragraph's key (whose anchors are in `para_anchors`) as seen: its hash, its
    /// edges for glue lookups, its anchors. For a cut paragraph, this is the key of what is
    /// left, what the page shows: later glued copies of it are cut too and text joined at a
    /// cut is earlier text too, which keeps repair idempotent.
    pub(super) fn remember(&mut self, key: &[u8], h: u64) {
        self.seen.entry(h).or_insert(self.line);
        self.add_glue(key, h);
        let base = self.page_key.len();
        self.page_key.extend_from_slice(key);
        for &(p, a) in &self.para_anchors {
            self.anchors.entry(a).or_insert((base + p) as u32);
        }
    }

    /// Makes a paragraph key a candidate for glued prefixes and suffixes of later paragraphs.
    fn add_glue(&mut self, key: &[u8], h: u64) {
        if key.len() >= MIN_GLUE_BYTES.max(8) {
            for (map, e) in [
                (&mut self.heads, edge(&key[..8])),
                (&mut self.tails, edge(&key[key.len() - 8..])),
            ] {
                let n = self.glue.len() as u32;
                let prev = map.insert(e, n).unwrap_or(u32::MAX);
                self.glue.push((key.len() as u32, h, prev));
            }
        }
    }

    /// Length of the longest earlier paragraph key equal to the start (or end) of
    /// `key[lo..hi]`, leaving something after it, that a scraper glued there: the page's title
    /// at the start of paragraph 1, the one the page shows right after its title (a title
    /// stuck to the first body paragraph; later paragraphs may begin with the title's words,
    /// as a teaser restating it does), or any earlier paragraph when
    /// what is left of `key[lo..hi]` repeats an earlier paragraph too (two copies in one line).
    /// An earlier short paragraph at the end of a new one is not glue: a summary teaser quotes
    /// the lead's last sentence, and cutting it would cut the lead.
    pub(super) fn glued(&self, lo: usize, hi: usize, head: bool) -> Option<usize> {
        let k = &self.key.bytes[lo..hi];
        if k.len() < 8 {
            return None;
        }
        let (map, e) = if head {
            (&self.heads, edge(&k[..8]))
        } else {
            (&self.tails, edge(&k[k.len() - 8..]))
        };
        let mut best = None;
        let mut at = *map.get(&e)?;
        let mut tried = 0;
        while at != u32::MAX && tried < MAX_GLUE_CANDIDATES {
            let (len, h, prev) = self.glue[at as usize];
            at = prev;
            tried += 1;
            let len = len as usize;
            if len >= k.len() || best.is_some_and(|b| b >= len) {
                continue;
            }
            // Never cut inside a number: "Chapter 10" does not begin with "Chapter 1".
            let (left, right) = if head {
                (k[len - 1], k[len])
            } else {
                (k[k.len() - len - 1], k[k.len() - len])
            };
            if left.is_ascii_digit() && right.is_ascii_digit() {
                continue;
            }
            let (part, rest) = if head {
                (&k[..len], &k[len..])
            } else {
                (&k[k.len() - len..], &k[..k.len() - len])
            };
            if xxh3_64(part) == h
                && ((head && self.shown.len() == 1 && self.shown[0] == h)
                    || self.seen.contains_key(&xxh3_64(rest)))
            {
                best = Some(len);
            }
        }
        best
    }
}
