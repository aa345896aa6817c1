//! The near-duplicate facts the report gives: how many verified hops each folded document is
//! from its canonical document ([`near_chains`]) and the report's near-duplicate section.

use rustc_hash::FxHashMap as HashMap;

use crate::cluster::{self, UnionFind};
use crate::config::Config;
use crate::near::Near;
use crate::report;

use super::Fate;

pub(crate) use crate::histogram::round4;

/// For each signed document in a near-duplicate cluster: hops along verified pairs from the
/// signed document of its cluster's canonical document.
pub(crate) fn near_chains(
    near: &Near,
    exact_first: &[Option<usize>],
    uf: &mut UnionFind,
    best: &HashMap<usize, usize>,
) -> HashMap<usize, u32> {
    let mut by_root: HashMap<usize, Vec<(usize, usize)>> = HashMap::default();
    for p in &near.pairs {
        by_root.entry(uf.find(p.a)).or_default().push((p.a, p.b));
    }
    let mut roots: Vec<usize> = by_root.keys().copied().collect();
    roots.sort_unstable();
    let mut out = HashMap::default();
    for r in roots {
        let edges = &by_root[&r];
        let mut nodes: Vec<usize> = edges.iter().flat_map(|&(a, b)| [a, b]).collect();
        let c = best[&r];
        let root = exact_first[c].unwrap_or(c);
        nodes.push(root);
        nodes.sort_unstable();
        nodes.dedup();
        for (n, h) in nodes.iter().zip(cluster::hops(root, &nodes, edges)) {
            out.insert(*n, h.unwrap_or(0));
        }
    }
    out
}

/// The report's near-duplicate section: the options, the stage's counts, and the fates of
/// this run's documents (`new_fates`).
pub(crate) fn near_report(
    cfg: &Config,
    near: &Near,
    signed: &[usize],
    new_fates: &[Fate],
    chains: &HashMap<usize, u32>,
    restored: usize,
    components_split: u64,
) -> report::NearReport {
    let Some(nc) = cfg.options.near else {
        return report::NearReport::default();
    };
    let mut lowest = 1.0f64;
    let mut near_docs = 0;
    for f in new_fates {
        if let Fate::Near { similarity, .. } = f {
            near_docs += 1;
            lowest = lowest.min(*similarity);
        }
    }
    report::NearReport {
        enabled: true,
        threshold: nc.threshold,
        shingle: nc.shingle,
        bands: nc.banding.bands,
        rows: nc.banding.rows,
        s_curve: nc
            .banding
            .s_curve()
            .into_iter()
            .map(|(j, p)| report::CurvePoint {
                jaccard: round4(j),
                candidate_probability: round4(p),
            })
            .collect(),
        signed_documents: signed.len() as u64,
        candidate_pairs: near.candidates as u64,
        verified_pairs: near.pairs.len() as u64,
        rejected_pairs: near.rejected as u64,
        exact_checked_pairs: near.exact_checked as u64,
        estimate_only_pairs: near.estimate_only as u64,
        near_duplicates: near_docs,
        lowest_similarity: (near_docs > 0).then_some(round4(lowest)),
        longest_chain: chains.values().copied().max().unwrap_or(0),
        components_split,
        boilerplate_restored: restored as u64,
    }
}
