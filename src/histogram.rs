//! The data of `report.json`'s `distributions` section and the fixed-bin counting behind it:
//! histograms with explicit edges, powers-of-two length bins, 0.01-wide similarity bins.
//! Every bin rule is fixed (not data-driven) so that shards merge by adding counts and the
//! result does not depend on thread count or shard count. What is counted, and when, is
//! `distributions.rs`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `x` rounded to 4 decimals, as outputs give similarities (and as the similarity histogram
/// bins them).
pub(crate) fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// The `distributions` section of `report.json`.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distributions {
    /// Documents, paragraphs and text bytes removed, by reason: `exact`, `near`, `empty`,
    /// `invalid` (whole documents dropped), `boilerplate` and `passages` (paragraphs taken out
    /// of canonical documents).
    pub removed: BTreeMap<String, RemovedBy>,
    /// Clusters of two or more documents by their size (documents, the canonical one
    /// included), by increasing size.
    pub cluster_sizes: Vec<ClusterSize>,
    /// Jaccard similarity of each `near` drop to its kept document (as `dropped.jsonl` gives
    /// it, rounded to 4 decimals), in bins 0.01 wide.
    pub near_similarity_histogram: Histogram<f64>,
    /// Text bytes of every readable document as read, in powers-of-two bins.
    pub length_before: Histogram<u64>,
    /// Text bytes of every canonical document as written, in powers-of-two bins.
    pub length_after: Histogram<u64>,
}

/// What one reason removed.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemovedBy {
    /// Documents dropped for it (`boilerplate`, `passages`: canonical documents that lost
    /// paragraphs to it).
    pub documents: u64,
    /// Paragraphs (non-blank lines) removed: those of the dropped documents, or those taken
    /// out of canonical documents.
    pub paragraphs: u64,
    /// UTF-8 bytes of text removed: the dropped documents' text as read (`invalid`: the
    /// record's bytes), or the kept text of the paragraphs taken out.
    pub bytes: u64,
}

/// Clusters of one size.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterSize {
    /// Documents in each of these clusters.
    pub size: u64,
    /// How many clusters have that size.
    pub clusters: u64,
}

/// A histogram with explicit bin edges: bin `i` holds the values `v` with
/// `edges[i] <= v < edges[i + 1]` (for the similarity histogram the last bin also holds
/// `1.0`); `edges` has one more entry than `counts` (both are empty when there is nothing).
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram<T> {
    /// What the values measure (`bytes`, `jaccard`).
    pub unit: String,
    /// Bin edges, increasing.
    pub edges: Vec<T>,
    /// Values in each bin.
    pub counts: Vec<u64>,
}

impl<T> Histogram<T> {
    /// Values counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// Counts of non-negative integers in powers-of-two bins: bin 0 holds 0, bin `k` holds
/// `2^(k-1) <= v < 2^k`. Fixed bins, so that counts of parts add up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Log2Counts(pub Vec<u64>);

impl Default for Log2Counts {
    fn default() -> Log2Counts {
        Log2Counts(vec![0; 65])
    }
}

impl Log2Counts {
    /// Counts `v`.
    pub fn add(&mut self, v: u64) {
        let bin = (64 - v.leading_zeros()) as usize;
        if self.0.len() < 65 {
            self.0.resize(65, 0);
        }
        self.0[bin] += 1;
    }

    /// Adds another part's counts.
    pub fn merge(&mut self, other: &Log2Counts) {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a += b;
        }
    }

    /// The histogram from the first to the last non-empty bin, edges in `unit`.
    pub fn histogram(&self, unit: &str) -> Histogram<u64> {
        let lower = |k: usize| if k == 0 { 0 } else { 1u64 << (k - 1) };
        let upper = |k: usize| if k >= 64 { u64::MAX } else { 1u64 << k };
        let first = self.0.iter().position(|&c| c > 0);
        let last = self.0.iter().rposition(|&c| c > 0);
        let (Some(first), Some(last)) = (first, last) else {
            return Histogram {
                unit: unit.to_owned(),
                ..Histogram::default()
            };
        };
        let mut edges: Vec<u64> = (first..=last).map(lower).collect();
        edges.push(upper(last));
        Histogram {
            unit: unit.to_owned(),
            edges,
            counts: self.0[first..=last].to_vec(),
        }
    }
}

/// Bins of the similarity histogram per unit of Jaccard similarity.
const SIMILARITY_BINS: usize = 100;

/// The similarity histogram of `similarities`: bins 0.01 wide, from the threshold's bin (or
/// the lowest non-empty one, if lower) up to 1.
pub fn similarity_histogram(similarities: &[f64], threshold: f64) -> Histogram<f64> {
    let bin = |s: f64| -> usize {
        // Similarities are rounded to 4 decimals first (as outputs give them): 0.81 is in
        // the bin [0.81, 0.82) even if it was computed as 0.80999….
        let k = (round4(s) * SIMILARITY_BINS as f64 + 1e-6).floor();
        (k.max(0.0) as usize).min(SIMILARITY_BINS - 1)
    };
    let mut counts = vec![0u64; SIMILARITY_BINS];
    for &s in similarities {
        counts[bin(s)] += 1;
    }
    let first = similarities
        .iter()
        .map(|&s| bin(s))
        .min()
        .unwrap_or(SIMILARITY_BINS - 1)
        .min(bin(threshold));
    Histogram {
        unit: "jaccard".to_owned(),
        // k / 100 is the double nearest to the decimal, so the edges print as 0.81, not
        // 0.81000000000000005.
        edges: (first..=SIMILARITY_BINS)
            .map(|k| k as f64 / SIMILARITY_BINS as f64)
            .collect(),
        counts: counts[first..].to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log2_bins_have_explicit_edges() {
        let mut c = Log2Counts::default();
        for v in [0, 1, 2, 3, 4, 1000] {
            c.add(v);
        }
        let h = c.histogram("bytes");
        assert_eq!(h.edges[..4], [0, 1, 2, 4]);
        assert_eq!(*h.edges.last().unwrap(), 1024);
        assert_eq!(h.counts.len() + 1, h.edges.len());
        assert_eq!(h.counts[..3], [1, 1, 2]);
        assert_eq!(h.total(), 6);
        let mut d = Log2Counts::default();
        d.add(5000);
        d.merge(&c);
        assert_eq!(d.histogram("bytes").total(), 7);
        assert!(Log2Counts::default().histogram("bytes").edges.is_empty());
    }

    #[test]
    fn similarity_bins_start_at_the_threshold() {
        let h = similarity_histogram(&[0.81, 0.8999, 1.0, 0.85], 0.8);
        assert_eq!(h.edges.first(), Some(&0.8));
        assert_eq!(h.edges.last(), Some(&1.0));
        assert_eq!(h.counts.len(), 20);
        assert_eq!(h.counts[1], 1); // 0.81
        assert_eq!(h.counts[9], 1); // 0.8999
        assert_eq!(h.counts[19], 1); // 1.0 is in the last bin
        assert_eq!(h.total(), 4);
        let low = similarity_histogram(&[0.65], 0.8);
        assert_eq!(low.edges[0], 0.65);
        assert_eq!(similarity_histogram(&[], 0.8).total(), 0);
    }
}
