//! Passages: a long paragraph (a sentence or more, not chrome) found in several kept
//! documents that are not duplicates of each other is content, kept once. Each such
//! paragraph stays in its *home* — the kept document where passage paragraphs are the
//! largest share of its key characters (the article page rather than the round-up that
//! embeds it), ties by the canonical order — and is removed from the others. Two kept
//! documents that share passages making up at least half of each are copies of one text that
//! clustering left apart (below the near-duplicate threshold): they keep their shared
//! paragraphs, neither is cut to a fragment.
//!
//! Only kept documents take part (a dropped duplicate is represented by its kept copy).
//! A document already published (from an incremental run's index, or a `--published` input)
//! holds its passages for good: it is the home of every passage it holds — the passage
//! already stands in the published corpus — and never loses one; so night 2 of an
//! incremental run decides passages as one run over both nights does.

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use crate::boilerplate::Boilerplate;
use crate::cluster::Rank;
use crate::decide::Fate;
use crate::tables::Tables;

/// How a long paragraph must weigh, in key characters, per `--min-repeat` unit, to be a
/// passage: two, so 100 key characters by default (about sixteen English words, or a
/// hundred Chinese characters): longer than any site's chrome line, a sentence or more.
pub(crate) const PASSAGE_REPEATS: usize = 2;

/// Two kept documents whose MinHash estimate of Jaccard similarity reaches this are copies of
/// one text that clustering left apart (revisions below `--near-threshold`): no passage moves
/// between them. A round-up that embeds an article as 40% of its text is about 0.4 from it.
pub(crate) const COPY_SIMILARITY: f64 = 0.6;

/// The minimum key characters of a passage paragraph for `--min-repeat` `min_repeat`.
pub(crate) fn min_chars(min_repeat: usize) -> u32 {
    u32::try_from(min_repeat.saturating_mul(PASSAGE_REPEATS)).unwrap_or(u32::MAX)
}

/// Takes paragraphs of at least `min_chars` key characters out of the boilerplate set: a
/// long paragraph repeated across a site's pages is a passage, kept once, never deleted
/// everywhere. Returns how many (paragraph, site) entries were taken out.
pub(crate) fn unchrome(bp: &mut Boilerplate, tables: &Tables, min_chars: u32) -> usize {
    if bp.groups.is_empty() {
        return 0;
    }
    // Found in parallel, taken out in one thread: the lookups are a pass over every
    // paragraph (a serial tenth of a second per gigabyte of input when done here at once).
    let groups = &bp.groups;
    let found: Vec<(u64, u32)> = tables
        .docs
        .par_iter()
        .flat_map_iter(|d| {
            d.paras
                .clone()
                .filter(move |&p| tables.chars[p] >= min_chars)
                .map(move |p| (tables.hashes[p], d.site))
                .filter(|key| groups.contains_key(key))
        })
        .collect();
    found
        .into_iter()
        .filter(|key| bp.groups.remove(key).is_some())
        .count()
}

/// The passage paragraphs to leave out, as (paragraph index in the tables, home document),
/// sorted by paragraph: each passage paragraph of a kept, unpublished document among the
/// first `new_docs` documents, except in its home (a published holder if there is one) and in copies of its home (`similar`: their similarity
/// estimate reaches [`COPY_SIMILARITY`]; or [`mutual_copies`]). A document that would be left with no paragraph keeps all
/// of its own (its text is then entirely passages homed elsewhere: it stays whole rather than
/// vanishing).
pub(crate) fn removed(
    tables: &Tables,
    bp: &Boilerplate,
    fates: &[Fate],
    ranks: &[Rank],
    new_docs: usize,
    min_chars: u32,
    similar: &dyn Fn(usize, usize) -> bool,
) -> Vec<(usize, usize)> {
    let docs = &tables.docs;
    // (paragraph hash, document, paragraph) of every long, non-chrome paragraph of a kept
    // document; a paragraph hash is unique within a document.
    let mut long: Vec<(u64, usize, usize)> = docs
        .par_iter()
        .enumerate()
        .filter(|&(i, _)| fates[i] == Fate::Kept)
        .flat_map_iter(|(i, d)| {
            d.paras
                .clone()
                .filter(move |&p| tables.chars[p] >= min_chars)
                .map(move |p| (tables.hashes[p], i, p))
                .filter(|&(h, _, _)| !bp.contains(d.site, h))
        })
        .collect();
    long.par_sort_unstable();
    let runs: Vec<&[(u64, usize, usize)]> = long
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|r| r.len() >= 2)
        .collect();
    if runs.is_empty() {
        return Vec::new();
    }
    // Key characters of each document's passage paragraphs.
    let mut share: HashMap<usize, u64> = HashMap::default();
    for r in &runs {
        for &(_, d, p) in *r {
            *share.entry(d).or_default() += u64::from(tables.chars[p]);
        }
    }
    // `a` is a better home than `b`: published (it cannot change), then a larger share of
    // passages, then the canonical order.
    let better = |a: usize, b: usize| {
        let (pa, pb) = (u128::from(share[&a]), u128::from(share[&b]));
        let (ta, tb) = (
            u128::from(ranks[a].key_chars.max(1)),
            u128::from(ranks[b].key_chars.max(1)),
        );
        (docs[a].published, pa * tb, std::cmp::Reverse(ranks[a]))
            > (docs[b].published, pb * ta, std::cmp::Reverse(ranks[b]))
    };
    let removable = |d: usize| d < new_docs && !docs[d].published;
    // Each document's passage paragraphs as (hash, key characters), sorted by hash (runs
    // are in hash order).
    let mut held: HashMap<usize, Vec<(u64, u32)>> = HashMap::default();
    for r in &runs {
        for &(h, d, p) in *r {
            held.entry(d).or_default().push((h, tables.chars[p]));
        }
    }
    let mut copies: HashMap<(usize, usize), bool> = HashMap::default();
    let mut copy = |a: usize, b: usize| {
        *copies.entry((a.min(b), a.max(b))).or_insert_with(|| {
            mutual_copies(&held[&a], &held[&b], &ranks[a], &ranks[b]) || similar(a, b)
        })
    };
    // (paragraph, its document, home)
    let mut out: Vec<(usize, usize, usize)> = Vec::new();
    for r in &runs {
        let home = r
            .iter()
            .map(|e| e.1)
            .reduce(|h, d| if better(d, h) { d } else { h })
            .expect("a run is never empty");
        for &(_, d, p) in *r {
            if d != home && removable(d) && !copy(d, home) {
                out.push((p, d, home));
            }
        }
    }
    // A document never loses all its paragraphs to passages homed elsewhere.
    let mut lost: HashMap<usize, usize> = HashMap::default();
    for &(_, d, _) in &out {
        *lost.entry(d).or_default() += 1;
    }
    let whole: rustc_hash::FxHashSet<usize> = lost
        .iter()
        .filter(|&(&d, &n)| {
            let own = docs[d]
                .paras
                .clone()
                .filter(|&q| !bp.contains(docs[d].site, tables.hashes[q]))
                .count();
            n >= own
        })
        .map(|(&d, _)| d)
        .collect();
    let mut out: Vec<(usize, usize)> = out
        .into_iter()
        .filter(|e| !whole.contains(&e.1))
        .map(|(p, _, home)| (p, home))
        .collect();
    out.sort_unstable();
    out
}

/// Whether two documents are copies of one text that clustering left apart (below the
/// near-duplicate threshold): the passage paragraphs they share make up at least half of the
/// key characters of each. Their shared paragraphs are not passages between them, so that
/// neither is cut to a fragment; a page that merely embeds the other (a round-up and its
/// article) shares less than half of its own text.
fn mutual_copies(a: &[(u64, u32)], b: &[(u64, u32)], ra: &Rank, rb: &Rank) -> bool {
    let (mut i, mut j, mut shared) = (0, 0, 0u64);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += u64::from(a[i].1);
                i += 1;
                j += 1;
            }
        }
    }
    2 * shared >= ra.key_chars && 2 * shared >= rb.key_chars
}

/// The home of paragraph `p` if it is a passage removed from its document.
pub(crate) fn home_of(removed: &[(usize, usize)], p: usize) -> Option<usize> {
    removed
        .binary_search_by_key(&p, |e| e.0)
        .ok()
        .map(|i| removed[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::{Doc, Loc};
    use proptest::prelude::*;

    /// Tables of one site from documents given as paragraph hashes; a hash's key length is
    /// `chars(h)`. Every document is kept.
    fn tables(docs: &[Vec<u64>], chars: impl Fn(u64) -> u32) -> (Tables, Vec<Fate>, Vec<Rank>) {
        let mut t = Tables::default();
        let mut ranks = Vec::new();
        for (i, paras) in docs.iter().enumerate() {
            let start = t.hashes.len();
            for &h in paras {
                t.hashes.push(h);
                t.chars.push(chars(h));
                t.flows.push(h);
            }
            let mut d = Doc::new(format!("d{i}").into(), 0, 0..0, Loc::File);
            d.paras = start..t.hashes.len();
            d.site = 0;
            ranks.push(Rank {
                published: false,
                key_chars: paras.iter().map(|&h| u64::from(chars(h))).sum(),
                glosses: 0,
                removed: 0,
                noise: 0,
                content: 0,
                position: i,
            });
            t.docs.push(d);
        }
        (t, vec![Fate::Kept; docs.len()], ranks)
    }

    /// The paragraph hashes each document keeps.
    fn kept(t: &Tables, removed: &[(usize, usize)]) -> Vec<Vec<u64>> {
        t.docs
            .iter()
            .map(|d| {
                d.paras
                    .clone()
                    .filter(|&p| home_of(removed, p).is_none())
                    .map(|p| t.hashes[p])
                    .collect()
            })
            .collect()
    }

    #[test]
    fn the_home_is_where_the_passage_is_the_largest_share() {
        // Passage 1, 2 (long) inside two round-ups (3 own paragraphs each) and an article
        // page (one short title of its own); a short line 9 shared by all stays everywhere.
        let docs = vec![
            vec![10, 11, 12, 1, 2, 9],
            vec![20, 21, 22, 1, 2, 9],
            vec![30, 1, 2, 9],
        ];
        let chars = |h: u64| if h == 30 || h == 9 { 10 } else { 150 };
        let (t, fates, ranks) = tables(&docs, chars);
        let bp = Boilerplate::default();
        let removed = removed(&t, &bp, &fates, &ranks, 3, 100, &|_, _| false);
        assert_eq!(
            kept(&t, &removed),
            vec![vec![10, 11, 12, 9], vec![20, 21, 22, 9], vec![30, 1, 2, 9]]
        );
        assert!(removed.iter().all(|&(_, home)| home == 2));
        // Not with a longer minimum: nothing is a passage.
        assert!(super::removed(&t, &bp, &fates, &ranks, 3, 200, &|_, _| false).is_empty());
        // Documents beyond `new_docs` (published) hold passages but never lose one: with
        // only document 0 new, it alone gives its passages up, to document 2.
        let r = super::removed(&t, &bp, &fates, &ranks, 1, 100, &|_, _| false);
        assert_eq!(r.len(), 2);
        assert!(r
            .iter()
            .all(|&(p, home)| t.docs[0].paras.contains(&p) && home == 2));
    }

    #[test]
    fn a_page_of_passages_only_is_not_emptied() {
        // Document 1 holds passages 1..=5, all shared: its share is whole and its rank the
        // best, so it is their home. Document 0 (passages 1, 2 only, less than half of
        // document 1) would be left empty: it stays whole.
        let docs = vec![
            vec![1, 2],
            vec![1, 2, 3, 4, 5],
            vec![3, 6, 7],
            vec![4, 8, 9],
            vec![5, 10, 11],
        ];
        let (t, fates, ranks) = tables(&docs, |_| 120);
        let removed = removed_among_all(&t, &fates, &ranks);
        let k = kept(&t, &removed);
        assert_eq!(k[0], [1, 2]);
        assert_eq!(k[1], [1, 2, 3, 4, 5]);
        assert_eq!(k[2], [6, 7]);
    }

    /// [`removed`] with every document new, no boilerplate, passages of 100 key characters,
    /// and no pair of documents similar by signature.
    fn removed_among_all(t: &Tables, fates: &[Fate], ranks: &[Rank]) -> Vec<(usize, usize)> {
        removed(
            t,
            &Boilerplate::default(),
            fates,
            ranks,
            t.docs.len(),
            100,
            &|_, _| false,
        )
    }

    #[test]
    fn copies_left_apart_by_clustering_keep_their_shared_paragraphs() {
        // Two revisions of one article (three paragraphs shared, one edited) are not cut to
        // fragments; a round-up that embeds one paragraph loses it.
        let docs = vec![vec![1, 2, 3, 10], vec![1, 2, 3, 20], vec![3, 30, 31, 32]];
        let (t, fates, ranks) = tables(&docs, |_| 120);
        let removed = removed_among_all(&t, &fates, &ranks);
        let k = kept(&t, &removed);
        assert_eq!(k[0], [1, 2, 3, 10]);
        assert_eq!(k[1], [1, 2, 3, 20]);
        assert_eq!(k[2], [30, 31, 32]);
    }

    proptest! {
        /// Nothing vanishes: every paragraph stands in at least one document, each removed
        /// paragraph's home keeps it, and no document loses all its paragraphs.
        #[test]
        fn every_paragraph_stands_somewhere(
            docs in prop::collection::vec(
                prop::collection::btree_set(0u64..12, 1..6), 1..10),
        ) {
            let docs: Vec<Vec<u64>> = docs.into_iter().map(|s| s.into_iter().collect()).collect();
            // Hashes below 8 are long (100 + h key characters), the rest short.
            let chars = |h: u64| if h < 8 { 100 + h as u32 } else { 20 };
            let (t, fates, ranks) = tables(&docs, chars);
            let removed = removed_among_all(&t, &fates, &ranks);
            let k = kept(&t, &removed);
            for (i, d) in docs.iter().enumerate() {
                prop_assert!(!k[i].is_empty());
                for h in d {
                    prop_assert!(k.iter().any(|kd| kd.contains(h)), "{} vanished", h);
                }
            }
            for &(p, home) in &removed {
                prop_assert!(k[home].contains(&t.hashes[p]));
                prop_assert!(t.chars[p] >= 100);
            }
            // Short paragraphs are never moved.
            for h in 8..12u64 {
                let before = docs.iter().filter(|d| d.contains(&h)).count();
                prop_assert_eq!(k.iter().filter(|d| d.contains(&h)).count(), before);
            }
        }
    }
}
