//! LSH banding: documents whose signatures agree on all rows of some band become candidate
//! pairs. Each band is one sort of (band hash, document) pairs — deterministic, 12 bytes per
//! document at a time — and runs of equal hashes give the pairs.

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::error::Result;
use crate::spill::{self, Spill, SpillStats};

/// Buckets larger than this emit pairs only between near neighbours in document order (each
/// member with the next [`BIG_BUCKET_WINDOW`]), so that one huge bucket (many short
/// documents sharing a common shingle set) cannot make the pair count quadratic. Components
/// stay connected through the chain of neighbours.
pub const BIG_BUCKET: usize = 64;
/// See [`BIG_BUCKET`].
pub const BIG_BUCKET_WINDOW: usize = 8;

/// Bands × rows of a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Banding {
    /// Number of bands.
    pub bands: usize,
    /// Signature rows per band.
    pub rows: usize,
}

impl Banding {
    /// Probability that a pair at Jaccard similarity `s` shares at least one band.
    pub fn candidate_probability(&self, s: f64) -> f64 {
        1.0 - (1.0 - s.powi(self.rows as i32)).powi(self.bands as i32)
    }

    /// The S-curve at Jaccard 0.5, 0.55, …, 0.95.
    pub fn s_curve(&self) -> Vec<(f64, f64)> {
        (10..=19)
            .map(|i| {
                let s = f64::from(i) * 0.05;
                (s, self.candidate_probability(s))
            })
            .collect()
    }

    /// The banding of at most `max_perms` permutations for a similarity threshold: among
    /// those that make at least 99% of pairs at the threshold (and more of those above it)
    /// candidates, the one with the fewest candidates at 0.2 below the threshold (they are
    /// verified and rejected, which costs time); ties go to fewer permutations.
    pub fn for_threshold(threshold: f64, max_perms: usize) -> Banding {
        let mut best: Option<(f64, usize, Banding)> = None;
        for bands in 1..=max_perms {
            for rows in 1..=max_perms / bands {
                let b = Banding { bands, rows };
                if b.candidate_probability(threshold) < 0.99 {
                    continue;
                }
                let cost = (
                    b.candidate_probability((threshold - 0.2).max(0.0)),
                    bands * rows,
                );
                if best.is_none_or(|(c, p, _)| (cost.0, cost.1) < (c, p)) {
                    best = Some((cost.0, cost.1, b));
                }
            }
        }
        best.map_or(
            Banding {
                bands: max_perms.max(1),
                rows: 1,
            },
            |b| b.2,
        )
    }
}

/// The band hashes of one signature, one per band, into `out` (`banding.bands` long).
pub fn band_hashes(sig: &[u32], banding: Banding, out: &mut [u64]) {
    for ((band, rows), out) in sig
        .chunks_exact(banding.rows)
        .take(banding.bands)
        .enumerate()
        .zip(out)
    {
        let mut bytes = [0u8; 4 * 64];
        let n = rows.len().min(64);
        for (i, r) in rows[..n].iter().enumerate() {
            bytes[4 * i..4 * i + 4].copy_from_slice(&r.to_le_bytes());
        }
        *out = xxh3_64_with_seed(&bytes[..4 * n], band as u64);
    }
}

/// Candidate pairs `(a, b)` with `a < b`, sorted and deduplicated, from per-document band
/// hashes (`hashes[doc * bands + band]`). Documents flagged in `skip` take no part.
pub fn candidates(hashes: &[u64], bands: usize, skip: &[bool]) -> Vec<(u32, u32)> {
    candidates_within(
        hashes,
        bands,
        skip,
        &Spill::unlimited(),
        &mut SpillStats::default(),
    )
    .expect("sorting in memory does not fail")
}

/// [`candidates`] within a memory budget: a band's (hash, document) column larger than
/// `spill`'s budget is sorted in runs on disk and merged.
///
/// # Errors
/// A run file cannot be written or read.
pub fn candidates_within(
    hashes: &[u64],
    bands: usize,
    skip: &[bool],
    spill: &Spill,
    stats: &mut SpillStats,
) -> Result<Vec<(u32, u32)>> {
    let n = hashes.len().checked_div(bands).unwrap_or(0);
    // The pairs of one band: its (hash, document) column sorted, each run of equal hashes a
    // bucket.
    let band_pairs = |band: usize, stats: &mut SpillStats| -> Result<Vec<(u32, u32)>> {
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        let mut bucket: Vec<u32> = Vec::new();
        let flush = |bucket: &mut Vec<u32>, pairs: &mut Vec<(u32, u32)>| {
            let run = &bucket[..];
            // A huge bucket (a shared signature band) pairs each document with its next
            // neighbours only: quadratic work would buy nothing the neighbours do not give.
            let window = if run.len() <= BIG_BUCKET {
                run.len()
            } else {
                BIG_BUCKET_WINDOW + 1
            };
            for i in 0..run.len() {
                for j in i + 1..(i + window).min(run.len()) {
                    pairs.push((run[i], run[j]));
                }
            }
            bucket.clear();
        };
        let column = (0..n)
            .filter(|&d| !skip[d])
            .map(|d| (hashes[d * bands + band], d as u32));
        let mut current = None;
        for entry in spill::sort(column, spill, stats)? {
            let (h, d) = entry?;
            if current != Some(h) {
                flush(&mut bucket, &mut pairs);
                current = Some(h);
            }
            bucket.push(d);
        }
        flush(&mut bucket, &mut pairs);
        Ok(pairs)
    };
    // Without a budget the bands are sorted side by side (one band at a time left a thread
    // idle while each column was gathered and walked: a tenth of a second per 400,000
    // documents); within a budget, one at a time, so that one column is held at once.
    let per_band: Vec<Vec<(u32, u32)>> = if spill.budget.is_none() {
        (0..bands)
            .into_par_iter()
            .map(|band| band_pairs(band, &mut SpillStats::default()))
            .collect::<Result<_>>()?
    } else {
        (0..bands)
            .map(|band| band_pairs(band, stats))
            .collect::<Result<_>>()?
    };
    let mut pairs = per_band.concat();
    pairs.par_sort_unstable();
    pairs.dedup();
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn default_banding_for_0_8() {
        let b = Banding::for_threshold(0.8, 128);
        assert!(b.bands * b.rows <= 128);
        // High recall at the threshold, few candidates at 0.5.
        assert!(b.candidate_probability(0.8) >= 0.99, "{b:?}");
        assert_eq!(b, Banding { bands: 16, rows: 6 });
        assert!(b.candidate_probability(0.5) < 0.5, "{b:?}");
    }

    #[test]
    fn s_curve_is_increasing() {
        let c = Banding { bands: 20, rows: 6 }.s_curve();
        assert_eq!(c.len(), 10);
        assert!(c.windows(2).all(|w| w[0].1 < w[1].1));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Every pair of documents that shares a band hash is a candidate (buckets here stay
        /// below the big-bucket limit), and every candidate shares a band.
        #[test]
        fn banding_finds_exactly_the_pairs_sharing_a_band(
            docs in proptest::collection::vec(proptest::collection::vec(0u64..6, 4), 0..40)
        ) {
            let bands = 4;
            let flat: Vec<u64> = docs.iter().flatten().copied().collect();
            let skip = vec![false; docs.len()];
            let got = candidates(&flat, bands, &skip);
            let mut want = Vec::new();
            for a in 0..docs.len() {
                for b in a + 1..docs.len() {
                    if (0..bands).any(|k| docs[a][k] == docs[b][k]) {
                        want.push((a as u32, b as u32));
                    }
                }
            }
            prop_assert_eq!(got, want);
        }
    }
}
