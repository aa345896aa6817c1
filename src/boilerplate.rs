//! Boilerplate stage: a site's chrome — paragraphs that recur across many *unrelated* pages of
//! one site.
//!
//! Chrome is a site's template, so document frequency is counted per site
//! ([`crate::site`]): a paragraph is boilerplate on a site where it is in at least `min_docs`
//! unrelated pages of that site, and is removed from that site's pages only. A short line
//! shared by pages of different sites (an author's name, `Introduction`, a poem's title) is
//! content, and a footer line that is chrome on one site stays where another site has it as
//! content.
//!
//! Document frequency is counted over copy groups, not raw documents, so that an article
//! republished on several pages (its paragraphs then occur in several documents) is not taken
//! for boilerplate while a site footer (in many different pages) is. A document belongs to the
//! group of its copies when most of its text is shared with other documents (of any site); the
//! group is named by its longest shared paragraph, which all copies of one article have in
//! common.

use rustc_hash::FxHashMap as HashMap;
use std::ops::Range;

use rayon::prelude::*;

use crate::error::Result;
use crate::spill::{self, Spill, SpillStats};

/// The default `--boilerplate-min-docs`: a paragraph found in at least this many unrelated
/// documents (copy groups) of one site is boilerplate there. Five is the smallest count that a site footer
/// reaches on any site with a handful of pages, while an ordinary sentence quoted in two or
/// three unrelated articles stays.
pub const DEFAULT_MIN_DOCS: usize = 5;

/// Paragraph statistics of the kept paragraphs of all valid documents.
pub struct Paragraphs<'a> {
    /// Each document's range in `hashes` / `chars`.
    pub docs: &'a [Range<usize>],
    /// Paragraph key hashes, all documents concatenated (unique within a document).
    pub hashes: &'a [u64],
    /// Paragraph key lengths in characters, parallel to `hashes`.
    pub chars: &'a [u32],
    /// Each document's site id (parallel to `docs`).
    pub sites: &'a [u32],
}

/// The boilerplate decision.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Boilerplate {
    /// Boilerplate paragraphs as (paragraph hash, site id), with the number of copy groups of
    /// that site the paragraph occurs in.
    pub groups: HashMap<(u64, u32), u32>,
    /// Distinct paragraphs that occur in two or more documents.
    pub shared_paragraphs: usize,
    /// Documents placed in a copy group with other documents.
    pub grouped_docs: usize,
}

impl Boilerplate {
    /// Whether the paragraph with this hash is boilerplate on site `site`.
    pub fn contains(&self, site: u32, hash: u64) -> bool {
        self.groups.contains_key(&(hash, site))
    }
}

/// A copy group: a document alone, or the copies sharing a probe paragraph.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    Doc(usize),
    Shared(u64),
    Cluster(u32),
}

/// Finds the boilerplate paragraphs: those in at least `min_docs` copy groups of one site.
///
/// `clusters[d]`, where given and not `u32::MAX`, names a near-duplicate cluster that
/// document `d` belongs to; the cluster is then its copy group.
pub fn find(p: &Paragraphs, min_docs: usize, clusters: Option<&[u32]>) -> Boilerplate {
    find_within(
        p,
        min_docs,
        clusters,
        &Spill::unlimited(),
        &mut SpillStats::default(),
    )
    .expect("sorting in memory does not fail")
}

/// Documents whose candidate (paragraph, site, group) triples are made at once.
const PAIR_BLOCK: usize = 1 << 14;

/// [`find`] within a memory budget: the paragraph frequency tables (every paragraph hash, then
/// every (paragraph, site, copy group) triple of frequent paragraphs) are sorted in runs on
/// disk when they exceed `spill`'s budget.
///
/// # Errors
/// A run file cannot be written or read.
pub fn find_within(
    p: &Paragraphs,
    min_docs: usize,
    clusters: Option<&[u32]>,
    spill: &Spill,
    stats: &mut SpillStats,
) -> Result<Boilerplate> {
    Ok(count(p, min_docs, clusters, spill, stats)?.0)
}

/// What a first count learnt that a second one needs again: each document's copy group
/// (found from the raw document frequencies, which a second count would sort again).
pub(crate) struct FirstCount {
    groups: Vec<Group>,
}

/// [`find_within`], also returning what [`recount`] needs (`None` when no paragraph is in two
/// documents: nothing can be chrome).
///
/// # Errors
/// A run file cannot be written or read.
pub(crate) fn count(
    p: &Paragraphs,
    min_docs: usize,
    clusters: Option<&[u32]>,
    spill: &Spill,
    stats: &mut SpillStats,
) -> Result<(Boilerplate, Option<FirstCount>)> {
    let min_docs = min_docs.max(2);
    // Raw document frequency (over all sites) of every paragraph that occurs more than once,
    // as a sorted table (12 bytes per shared paragraph): copy groups are found across sites,
    // and a paragraph in fewer than `min_docs` documents is chrome nowhere.
    let mut df: Vec<(u64, u32)> = Vec::new();
    for h in spill::sort(p.hashes.iter().copied(), spill, stats)? {
        let h = h?;
        match df.last_mut() {
            Some(last) if last.0 == h => last.1 += 1,
            _ => {
                if df.last().is_some_and(|l| l.1 < 2) {
                    df.pop();
                }
                df.push((h, 1));
            }
        }
    }
    if df.last().is_some_and(|l| l.1 < 2) {
        df.pop();
    }
    if df.is_empty() {
        return Ok((Boilerplate::default(), None));
    }
    let raw = |h: u64| df.binary_search_by_key(&h, |e| e.0).map_or(1, |i| df[i].1);
    // Each document's copy group (before near-duplicate clusters).
    let groups: Vec<Group> = p
        .docs
        .par_iter()
        .enumerate()
        .map(|(d, r)| group_of(d, &p.hashes[r.clone()], &p.chars[r.clone()], &raw))
        .collect();
    let with_clusters = |d: usize| match clusters.map(|c| c[d]) {
        Some(c) if c != u32::MAX => Group::Cluster(c),
        _ => groups[d],
    };
    let grouped_docs = (0..groups.len())
        .filter(|&d| !matches!(with_clusters(d), Group::Doc(_)))
        .count();
    let counted = groups_per_paragraph(
        p,
        min_docs,
        with_clusters,
        |h, _| raw(h) as usize >= min_docs,
        spill,
        stats,
    )?;
    let bp = Boilerplate {
        groups: counted,
        shared_paragraphs: df.len(),
        grouped_docs,
    };
    Ok((bp, Some(FirstCount { groups })))
}

/// The second count: a near-duplicate cluster is one copy group too (`clusters[d]`, where not
/// `u32::MAX`, names the cluster of document `d`; other documents keep their first group).
/// Only the (paragraph, site) pairs of `candidates` are counted again (the first count's
/// chrome, which is all the second count may keep: see `decide`): counting every frequent
/// paragraph again, with the frequency table sorted again, was half of the two counts' time. Returns those of `candidates` that are still chrome, with their new counts
/// (`shared_paragraphs` and `grouped_docs` are the first count's business and left at 0).
///
/// # Errors
/// A run file cannot be written or read.
pub(crate) fn recount(
    p: &Paragraphs,
    min_docs: usize,
    first: &FirstCount,
    clusters: &[u32],
    candidates: &HashMap<(u64, u32), u32>,
    spill: &Spill,
    stats: &mut SpillStats,
) -> Result<Boilerplate> {
    if candidates.is_empty() {
        return Ok(Boilerplate::default());
    }
    let groups = groups_per_paragraph(
        p,
        min_docs.max(2),
        |d| match clusters[d] {
            u32::MAX => first.groups[d],
            c => Group::Cluster(c),
        },
        |h, site| candidates.contains_key(&(h, site)),
        spill,
        stats,
    )?;
    Ok(Boilerplate {
        groups,
        ..Boilerplate::default()
    })
}

/// Documents of copy group `group_of(d)` per (paragraph, site), for the paragraphs `counted`
/// admits: those in at least `min_docs` distinct groups of their site, with that number.
fn groups_per_paragraph(
    p: &Paragraphs,
    min_docs: usize,
    group_of: impl Fn(usize) -> Group + Sync,
    counted: impl Fn(u64, u32) -> bool + Sync,
    spill: &Spill,
    stats: &mut SpillStats,
) -> Result<HashMap<(u64, u32), u32>> {
    // Distinct groups per candidate paragraph and site: (paragraph, site, group), sorted.
    // Made a block of documents at a time in parallel (a frequency lookup per paragraph is a
    // binary search that misses the cache: done in one thread, it was most of this stage's
    // time), handed to the sort in document order, so memory holds one block beyond the sort.
    let docs = p.docs.len();
    let (group_of, counted) = (&group_of, &counted);
    let pairs = (0..docs).step_by(PAIR_BLOCK).flat_map(|start| {
        let block: Vec<(u64, u32, u128)> = (start..(start + PAIR_BLOCK).min(docs))
            .into_par_iter()
            .flat_map_iter(|d| {
                let (g, site) = (group_of(d).code(), p.sites[d]);
                p.hashes[p.docs[d].clone()]
                    .iter()
                    .filter(move |&&h| counted(h, site))
                    .map(move |&h| (h, site, g))
            })
            .collect();
        block
    });
    let mut out = HashMap::default();
    // ((hash, site), last group, distinct groups)
    let mut current: Option<((u64, u32), u128, u32)> = None;
    let close = |c: Option<((u64, u32), u128, u32)>, out: &mut HashMap<(u64, u32), u32>| {
        if let Some((key, _, n)) = c {
            if n as usize >= min_docs {
                out.insert(key, n);
            }
        }
    };
    for triple in spill::sort(pairs, spill, stats)? {
        let (h, site, g) = triple?;
        let key = (h, site);
        match &mut current {
            Some((ck, cg, n)) if *ck == key => {
                if *cg != g {
                    *cg = g;
                    *n += 1;
                }
            }
            _ => {
                close(current, &mut out);
                current = Some((key, g, 1));
            }
        }
    }
    close(current, &mut out);
    Ok(out)
}

impl Group {
    /// The group as one sortable number: a tag above 64 bits of value.
    fn code(self) -> u128 {
        match self {
            Group::Doc(d) => d as u128,
            Group::Shared(h) => 1 << 64 | u128::from(h),
            Group::Cluster(c) => 2 << 64 | u128::from(c),
        }
    }
}

/// The copy group of one document: if at least half of its key characters are in paragraphs
/// shared with other documents, the group of its longest shared paragraph (ties: the rarer,
/// then the smaller hash); otherwise its own.
fn group_of(doc: usize, hashes: &[u64], chars: &[u32], df: &impl Fn(u64) -> u32) -> Group {
    let total: u64 = chars.iter().map(|&c| u64::from(c)).sum();
    let mut shared = 0u64;
    let mut probe: Option<(u32, u32, u64)> = None; // (chars, df, hash)
    for (&h, &c) in hashes.iter().zip(chars) {
        let f = df(h);
        if f < 2 {
            continue;
        }
        shared += u64::from(c);
        let better = match probe {
            None => true,
            Some((pc, pf, ph)) => {
                (c, std::cmp::Reverse(f), std::cmp::Reverse(h))
                    > (pc, std::cmp::Reverse(pf), std::cmp::Reverse(ph))
            }
        };
        if better {
            probe = Some((c, f, h));
        }
    }
    match probe {
        Some((_, _, h)) if total > 0 && shared * 2 >= total => Group::Shared(h),
        _ => Group::Doc(doc),
    }
}

impl Boilerplate {
    /// Keeps only the paragraphs that are boilerplate in `other` too (with its counts);
    /// returns how many were dropped from the set.
    pub fn retain_in(&mut self, other: &Boilerplate) -> usize {
        let before = self.groups.len();
        self.groups.retain(|h, _| other.groups.contains_key(h));
        for (h, n) in self.groups.iter_mut() {
            *n = other.groups[h];
        }
        before - self.groups.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds the flat tables from documents given as (hash, chars) lists, all of one site.
    fn run(docs: &[Vec<(u64, u32)>], min_docs: usize) -> Boilerplate {
        run_sites(docs, &vec![0; docs.len()], min_docs)
    }

    /// Builds the flat tables from documents given as (hash, chars) lists, of these sites.
    fn run_sites(docs: &[Vec<(u64, u32)>], sites: &[u32], min_docs: usize) -> Boilerplate {
        let mut ranges = Vec::new();
        let (mut hashes, mut chars) = (Vec::new(), Vec::new());
        for d in docs {
            let s = hashes.len();
            for &(h, c) in d {
                hashes.push(h);
                chars.push(c);
            }
            ranges.push(s..hashes.len());
        }
        find(
            &Paragraphs {
                docs: &ranges,
                hashes: &hashes,
                chars: &chars,
                sites,
            },
            min_docs,
            None,
        )
    }

    const FOOTER: [(u64, u32); 3] = [(900, 4), (901, 4), (902, 10)];

    fn page(body: &[u64]) -> Vec<(u64, u32)> {
        let mut v: Vec<(u64, u32)> = body.iter().map(|&h| (h, 60)).collect();
        v.extend_from_slice(&FOOTER);
        v
    }

    #[test]
    fn site_footer_on_unrelated_pages_is_boilerplate() {
        let docs: Vec<_> = (0..6).map(|i| page(&[i * 10, i * 10 + 1])).collect();
        let b = run(&docs, 5);
        assert!(b.contains(0, 900) && b.contains(0, 901) && b.contains(0, 902));
        assert_eq!(b.groups[&(900, 0)], 6);
        assert!(!b.contains(0, 0));
    }

    #[test]
    fn footer_below_threshold_is_kept() {
        let docs: Vec<_> = (0..4).map(|i| page(&[i * 10, i * 10 + 1])).collect();
        assert!(run(&docs, 5).groups.is_empty());
    }

    #[test]
    fn republished_article_is_one_group_not_boilerplate() {
        // One article (paragraphs 1..4) on six sites, each with its own footer line.
        let docs: Vec<_> = (0..6u64)
            .map(|site| vec![(1, 80), (2, 70), (3, 90), (4, 50), (1000 + site, 8)])
            .collect();
        let b = run(&docs, 5);
        assert!(b.groups.is_empty(), "{:?}", b.groups);
        assert_eq!(b.grouped_docs, 6);
    }

    #[test]
    fn near_duplicate_clusters_are_one_group() {
        // An article edited differently on six sites: paragraphs 1 and 2 are the same in all
        // copies, the rest differ, so the copies do not share most of their text; only the
        // near-duplicate clusters say they are one article.
        let docs: Vec<Vec<(u64, u32)>> = (0..6u64)
            .map(|s| {
                vec![
                    (1, 40),
                    (2, 40),
                    (100 + s, 90),
                    (200 + s, 90),
                    (300 + s, 90),
                ]
            })
            .collect();
        assert!(
            run(&docs, 5).contains(0, 1),
            "without clusters the shared lines look like boilerplate"
        );
        let mut ranges = Vec::new();
        let (mut hashes, mut chars) = (Vec::new(), Vec::new());
        for d in &docs {
            let s = hashes.len();
            for &(h, c) in d {
                hashes.push(h);
                chars.push(c);
            }
            ranges.push(s..hashes.len());
        }
        let p = Paragraphs {
            docs: &ranges,
            hashes: &hashes,
            chars: &chars,
            sites: &[0; 6],
        };
        let clusters = vec![7u32; 6];
        assert!(!find(&p, 5, Some(&clusters)).contains(0, 1));
    }

    #[test]
    fn short_footer_lines_count() {
        // Footer-only pages and normal pages of one site: the 4-character line is boilerplate.
        let mut docs: Vec<_> = (0..5).map(|i| page(&[i * 10])).collect();
        docs.push(FOOTER.to_vec());
        let b = run(&docs, 5);
        assert!(b.contains(0, 900));
    }

    #[test]
    fn chrome_is_counted_per_site() {
        // A heading (7) on one page of each of six sites is content; a footer (900..902) on
        // five pages of site 1 is chrome there, and stays on site 2 where one page has it.
        let mut docs: Vec<Vec<(u64, u32)>> = (0..6u64).map(|i| vec![(7, 6), (i, 80)]).collect();
        let mut sites: Vec<u32> = (0..6).collect();
        for i in 0..5 {
            docs.push(page(&[100 + i]));
            sites.push(1);
        }
        docs.push(page(&[200]));
        sites.push(2);
        let b = run_sites(&docs, &sites, 5);
        assert!(!b.contains(0, 7) && !b.contains(3, 7));
        assert!(b.contains(1, 900) && b.contains(1, 902));
        assert!(!b.contains(2, 900));
        assert_eq!(b.groups.len(), 3, "{:?}", b.groups);
        // The same pages as one site: the heading is in six unrelated pages.
        assert!(run(&docs, 5).contains(0, 7));
    }
}

#[cfg(test)]
mod recount_tests {
    use super::*;
    use proptest::prelude::*;

    /// A document: its (paragraph hash, key chars) list, its site and its cluster
    /// (`u32::MAX`: none).
    type Doc = (Vec<(u64, u32)>, u32, u32);

    /// Documents with hashes and sites from small ranges, so that paragraphs repeat.
    fn corpus() -> impl Strategy<Value = Vec<Doc>> {
        let doc = (
            prop::collection::btree_set(0u64..24, 1..7),
            0u32..3,
            prop_oneof![Just(u32::MAX), 0u32..4],
        )
            .prop_map(|(hs, site, cluster)| {
                let paras = hs
                    .into_iter()
                    .map(|h| (h, 4 + (h as u32 * 7) % 90))
                    .collect();
                (paras, site, cluster)
            });
        prop::collection::vec(doc, 0..60)
    }

    proptest! {
        /// The second count, made only over the first count's chrome, keeps exactly what a
        /// whole count with near-duplicate clusters keeps of that chrome, with its counts.
        #[test]
        fn a_recount_of_the_first_chrome_is_the_whole_count_kept_to_it(
            docs in corpus(),
            min_docs in 2usize..5,
        ) {
            let mut ranges = Vec::new();
            let (mut hashes, mut chars) = (Vec::new(), Vec::new());
            for (paras, _, _) in &docs {
                let s = hashes.len();
                for &(h, c) in paras {
                    hashes.push(h);
                    chars.push(c);
                }
                ranges.push(s..hashes.len());
            }
            let sites: Vec<u32> = docs.iter().map(|d| d.1).collect();
            let clusters: Vec<u32> = docs.iter().map(|d| d.2).collect();
            let p = Paragraphs { docs: &ranges, hashes: &hashes, chars: &chars, sites: &sites };
            let spill = Spill::unlimited();
            let (first, counts) = count(&p, min_docs, None, &spill, &mut SpillStats::default())
                .expect("in memory");
            let whole = find(&p, min_docs, Some(&clusters));
            let mut want = Boilerplate { groups: first.groups.clone(), ..Boilerplate::default() };
            want.retain_in(&whole);
            let mut got = Boilerplate { groups: first.groups.clone(), ..Boilerplate::default() };
            if let Some(counts) = &counts {
                let second = recount(
                    &p, min_docs, counts, &clusters, &first.groups, &spill,
                    &mut SpillStats::default(),
                ).expect("in memory");
                got.retain_in(&second);
            } else {
                prop_assert!(first.groups.is_empty());
            }
            prop_assert_eq!(got.groups, want.groups);
        }
    }
}
