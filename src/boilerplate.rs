//! Boilerplate stage: paragraphs that recur across many *unrelated* documents.
//!
//! Document frequency is counted over copy groups, not raw documents, so that an article
//! republished on several sites (its paragraphs then occur in several documents) is not taken
//! for boilerplate while a site footer (in many different pages) is. A document belongs to the
//! group of its copies when most of its text is shared with other documents; the group is
//! named by its longest shared paragraph, which all copies of one article have in common.

use std::collections::HashMap;
use std::ops::Range;

use rayon::prelude::*;

use crate::error::Result;
use crate::spill::{self, Spill, SpillStats};

/// The default `--boilerplate-min-docs`: a paragraph found in at least this many unrelated
/// documents (copy groups) is boilerplate. Five is the smallest count that a site footer
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
}

/// The boilerplate decision.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Boilerplate {
    /// Hashes of boilerplate paragraphs, with the number of copy groups each occurs in.
    pub groups: HashMap<u64, u32>,
    /// Distinct paragraphs that occur in two or more documents.
    pub shared_paragraphs: usize,
    /// Documents placed in a copy group with other documents.
    pub grouped_docs: usize,
}

impl Boilerplate {
    /// Whether the paragraph with this hash is boilerplate.
    pub fn contains(&self, hash: u64) -> bool {
        self.groups.contains_key(&hash)
    }
}

/// A copy group: a document alone, or the copies sharing a probe paragraph.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    Doc(usize),
    Shared(u64),
    Cluster(u32),
}

/// Finds the boilerplate paragraphs: those in at least `min_docs` copy groups.
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

/// [`find`] within a memory budget: the paragraph frequency tables (every paragraph hash, then
/// every (paragraph, copy group) pair of frequent paragraphs) are sorted in runs on disk when
/// they exceed `spill`'s budget.
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
    let min_docs = min_docs.max(2);
    // Raw document frequency of every paragraph that occurs more than once, as a sorted table
    // (12 bytes per shared paragraph).
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
        return Ok(Boilerplate::default());
    }
    let raw = |h: u64| df.binary_search_by_key(&h, |e| e.0).map_or(1, |i| df[i].1);
    // Each document's copy group.
    let groups: Vec<Group> = p
        .docs
        .par_iter()
        .enumerate()
        .map(|(d, r)| match clusters.map(|c| c[d]) {
            Some(c) if c != u32::MAX => Group::Cluster(c),
            _ => group_of(d, &p.hashes[r.clone()], &p.chars[r.clone()], &raw),
        })
        .collect();
    let grouped_docs = groups
        .iter()
        .filter(|g| !matches!(g, Group::Doc(_)))
        .count();
    // Distinct groups per candidate paragraph: (paragraph, group) pairs, sorted.
    let pairs = p.docs.iter().zip(&groups).flat_map(|(r, &g)| {
        p.hashes[r.clone()]
            .iter()
            .filter(|&&h| raw(h) as usize >= min_docs)
            .map(move |&h| (h, g.code()))
    });
    let mut out = Boilerplate {
        shared_paragraphs: df.len(),
        grouped_docs,
        ..Boilerplate::default()
    };
    let mut current: Option<(u64, u128, u32)> = None; // (hash, last group, distinct groups)
    let close = |c: Option<(u64, u128, u32)>, out: &mut Boilerplate| {
        if let Some((h, _, n)) = c {
            if n as usize >= min_docs {
                out.groups.insert(h, n);
            }
        }
    };
    for pair in spill::sort(pairs, spill, stats)? {
        let (h, g) = pair?;
        match &mut current {
            Some((ch, cg, n)) if *ch == h => {
                if *cg != g {
                    *cg = g;
                    *n += 1;
                }
            }
            _ => {
                close(current, &mut out);
                current = Some((h, g, 1));
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

    /// Builds the flat tables from documents given as (hash, chars) lists.
    fn run(docs: &[Vec<(u64, u32)>], min_docs: usize) -> Boilerplate {
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
        assert!(b.contains(900) && b.contains(901) && b.contains(902));
        assert_eq!(b.groups[&900], 6);
        assert!(!b.contains(0));
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
            run(&docs, 5).contains(1),
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
        };
        let clusters = vec![7u32; 6];
        assert!(!find(&p, 5, Some(&clusters)).contains(1));
    }

    #[test]
    fn short_footer_lines_count() {
        // Footer-only pages and normal pages of one site: the 4-character line is boilerplate.
        let mut docs: Vec<_> = (0..5).map(|i| page(&[i * 10])).collect();
        docs.push(FOOTER.to_vec());
        let b = run(&docs, 5);
        assert!(b.contains(900));
    }
}
