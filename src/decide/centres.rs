//! Which documents of a near-duplicate component survive: greedy centres in the canonical
//! order, so that every document dropped as `near` is itself within the threshold of the
//! document it is folded into.
//!
//! A component (exact groups joined by verified pairs) can be a chain of small edits whose
//! ends share almost nothing; folding it all into its best document would drop documents
//! that are not near what is kept. Instead the component's units (exact groups, by their
//! canonical documents) are walked best first: a unit is dropped as `near` of the best
//! centre it is within the threshold of, measured (exact Jaccard of the shingle sets), and
//! otherwise becomes a centre itself, kept.
//!
//! Cost: a unit is compared only with the centres among its verified-pair neighbours, so the
//! exact comparisons are bounded by the verified pairs (which banding already bounds), and at
//! most the shingle sets of one component's centres are held at a time. A centre that is
//! within the threshold but was not a verified neighbour (banding misses ≤ 1% of pairs at the
//! threshold) only costs a document that could have been dropped: it is kept, never wrongly
//! dropped.

use rustc_hash::FxHashMap as HashMap;

use rayon::prelude::*;

use crate::cluster::{Rank, UnionFind};
use crate::near::Near;

/// A unit folded into a centre: the centre's canonical document and their measured
/// similarity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Folded {
    /// The centre (canonical document of its exact group).
    pub(crate) centre: usize,
    /// Measured similarity of the two (exact Jaccard, or the signature estimate where a
    /// published document's text is gone).
    pub(crate) similarity: f64,
}

/// What the greedy walk decided.
pub(crate) struct Centres {
    /// Unit (canonical document of an exact group) → the centre it is folded into; units not
    /// listed are kept.
    pub(crate) folded: HashMap<usize, Folded>,
    /// Components of verified pairs that kept more than one centre.
    pub(crate) components_split: u64,
}

impl Centres {
    /// Nothing folded (no verified pairs, or near-duplicates off).
    pub(crate) fn none() -> Centres {
        Centres {
            folded: HashMap::default(),
            components_split: 0,
        }
    }
}

/// Greedy centres over the components of `near`'s verified pairs. `exact[d]` is document
/// `d`'s exact group's canonical document (`None`: no key); `ranks` the canonical order;
/// `similarity(a, b)` measures two units' canonical documents; a unit is folded into a
/// centre only at `similarity ≥ threshold`.
pub(crate) fn choose(
    exact: &[Option<usize>],
    ranks: &[Rank],
    near: &Near,
    threshold: f64,
    similarity: &(impl Fn(usize, usize, &mut Cache) -> f64 + Sync),
) -> Centres {
    // The unit graph: verified pairs between exact groups (pairs join signed documents, the
    // best of each first-count exact group; the final groups only refine those).
    let mut adj: HashMap<usize, Vec<usize>> = HashMap::default();
    let mut uf = UnionFind::new(exact.len());
    for p in &near.pairs {
        let (Some(a), Some(b)) = (exact[p.a], exact[p.b]) else {
            continue;
        };
        if a == b {
            continue;
        }
        adj.entry(a).or_default().push(b);
        adj.entry(b).or_default().push(a);
        uf.union(a, b);
    }
    let mut by_root: HashMap<usize, Vec<usize>> = HashMap::default();
    for &u in adj.keys() {
        by_root.entry(uf.find(u)).or_default().push(u);
    }
    let mut components: Vec<Vec<usize>> = by_root.into_values().collect();
    for c in &mut components {
        c.sort_unstable_by_key(|&u| ranks[u]);
    }
    // Largest first, so that one long component does not finish the parallel walk alone.
    components.sort_unstable_by_key(|c| (std::cmp::Reverse(c.len()), c[0]));
    let walked: Vec<(Vec<(usize, Folded)>, bool)> = components
        .par_iter()
        .map(|units| walk(units, &adj, ranks, threshold, similarity))
        .collect();
    let mut out = Centres::none();
    for (folded, split) in walked {
        out.components_split += u64::from(split);
        out.folded.extend(folded);
    }
    out
}

/// Shingle sets of a component's centres, loaded once each; `None`: the text is gone.
pub(crate) type Cache = HashMap<usize, Option<Vec<u64>>>;

/// One component, best unit first: its folded units, and whether it kept several centres.
fn walk(
    units: &[usize],
    adj: &HashMap<usize, Vec<usize>>,
    ranks: &[Rank],
    threshold: f64,
    similarity: &impl Fn(usize, usize, &mut Cache) -> f64,
) -> (Vec<(usize, Folded)>, bool) {
    let mut is_centre: HashMap<usize, bool> = HashMap::default();
    let mut cache = Cache::default();
    let mut folded = Vec::new();
    let mut centres = 0usize;
    for &u in units {
        let mut near: Vec<usize> = adj[&u]
            .iter()
            .copied()
            .filter(|c| is_centre.get(c).copied().unwrap_or(false))
            .collect();
        near.sort_unstable_by_key(|&c| ranks[c]);
        near.dedup();
        // The best centre within the threshold, measured.
        let hit = near.into_iter().find_map(|c| {
            let s = similarity(u, c, &mut cache);
            (s >= threshold).then_some(Folded {
                centre: c,
                similarity: s,
            })
        });
        // Only centres are compared again: a folded unit's set is not kept.
        match hit {
            Some(f) => {
                cache.remove(&u);
                is_centre.insert(u, false);
                folded.push((u, f));
            }
            None => {
                is_centre.insert(u, true);
                centres += 1;
            }
        }
    }
    (folded, centres > 1)
}
