//! Near-duplicate stage: sign documents (MinHash over shingles), band the signatures into
//! candidate pairs, and verify every candidate before it may be merged.
//!
//! Verification: the signature estimate decides pairs far from the threshold (more than three
//! standard errors away); pairs closer to it are decided on the exact Jaccard similarity of
//! their shingle sets. No pair is merged on a band collision alone. Signatures live in a
//! temporary file in the output directory, so only band hashes (8 bytes per band per
//! document) are held in memory while banding.

pub mod lsh;
pub mod minhash;
pub mod shingle;

use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;

use memmap2::Mmap;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::progress::{Progress, Stage};
use crate::spill::{Spill, SpillStats};
use lsh::Banding;
use minhash::MinHasher;

/// Default `--near-threshold` (Jaccard similarity of shingle sets).
pub const DEFAULT_THRESHOLD: f64 = 0.8;
/// Most permutations a derived banding may use.
pub const MAX_PERMS: usize = 128;
/// Candidate pairs verified per unit of parallel work (and of progress).
const VERIFY_CHUNK: usize = 256;

/// Documents signed per batch (their signatures are written before the next batch).
const SIGN_BATCH: usize = 16_384;
/// Documents signed by one unit of parallel work, which writes their signatures.
const SIGN_PART: usize = 1024;

/// Options of the near-duplicate stage.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NearConfig {
    /// Pairs at or above this Jaccard similarity are near-duplicates.
    pub threshold: f64,
    /// Shingle size (see [`crate::near::shingle`]).
    pub shingle: usize,
    /// Bands × rows.
    pub banding: Banding,
    /// Seed of the MinHash permutations.
    pub seed: u64,
}

impl NearConfig {
    /// The MinHash permutations of this configuration.
    pub fn hasher(&self) -> MinHasher {
        MinHasher::new(self.banding.bands * self.banding.rows, self.seed)
    }

    /// The defaults: threshold 0.8, shingle 5, banding derived from the threshold.
    pub fn new(threshold: f64) -> NearConfig {
        NearConfig {
            threshold,
            shingle: shingle::DEFAULT_SIZE,
            banding: Banding::for_threshold(threshold, MAX_PERMS),
            seed: 0x6361_6E6F_6E21,
        }
    }
}

/// A verified pair of documents.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    /// Document indices, `a < b`.
    pub a: usize,
    /// See `a`.
    pub b: usize,
    /// Jaccard similarity: exact if `exact`, else the signature estimate.
    pub similarity: f64,
    /// Whether `similarity` was computed on the shingle sets.
    pub exact: bool,
}

/// What the stage found.
pub struct Near {
    /// Verified pairs, sorted.
    pub pairs: Vec<Pair>,
    /// Candidate pairs from banding.
    pub candidates: usize,
    /// Candidates rejected by verification.
    pub rejected: usize,
    /// Candidates decided on exact Jaccard.
    pub exact_checked: usize,
    /// Candidates too close to the threshold for their estimate that were decided on it
    /// anyway: a document published by an earlier run has no text to compare.
    pub estimate_only: usize,
    /// Seconds for signatures, banding, verification.
    pub seconds: [f64; 3],
    perms: usize,
    /// Signed document → row in `sigs`.
    row: Vec<u32>,
    sigs: Option<Mmap>,
}

impl Near {
    /// Nothing found (the stage is off or there is nothing to compare).
    pub fn none() -> Near {
        Near {
            pairs: Vec::new(),
            candidates: 0,
            rejected: 0,
            exact_checked: 0,
            estimate_only: 0,
            seconds: [0.0; 3],
            perms: 0,
            row: Vec::new(),
            sigs: None,
        }
    }

    fn sig(&self, doc: usize) -> Option<&[u8]> {
        let r = *self.row.get(doc)?;
        let sigs = self.sigs.as_ref()?;
        (r != u32::MAX)
            .then(|| &sigs[r as usize * self.perms * 4..(r as usize + 1) * self.perms * 4])
    }

    /// Signature estimate of the Jaccard similarity of two signed documents.
    pub fn estimate(&self, a: usize, b: usize) -> Option<f64> {
        Some(estimate_bytes(self.sig(a)?, self.sig(b)?))
    }
}

fn estimate_bytes(a: &[u8], b: &[u8]) -> f64 {
    let n = a.len() / 4;
    if n == 0 {
        return 0.0;
    }
    let eq = a
        .chunks_exact(4)
        .zip(b.chunks_exact(4))
        .filter(|(x, y)| x == y)
        .count();
    eq as f64 / n as f64
}

/// How verification decided a candidate pair.
#[derive(Clone, Copy, PartialEq, Eq)]
enum How {
    /// The signature estimate, far enough from the threshold.
    Estimate,
    /// The exact Jaccard similarity of the shingle sets.
    Exact,
    /// The estimate, though close to the threshold: one document has no text here.
    EstimateOnly,
}

/// Runs the stage over the documents `signed` (document indices); `sign(doc, out)`
/// writes a document's signature (made with [`NearConfig::hasher`]), `shingles(doc)` gives
/// its sorted, deduplicated set of 64-bit shingle hashes (for pairs too close to the threshold to decide on
/// signatures; `None` if its text is not at hand, and the estimate decides). `progress`
/// enters the signing, banding and verification stages in turn.
///
/// # Errors
/// The temporary signature file cannot be written or mapped.
pub fn find(
    signed: &[usize],
    sign: &(impl Fn(usize, &mut [u32]) + Sync),
    shingles: &(impl Fn(usize) -> Option<Vec<u64>> + Sync),
    cfg: &NearConfig,
    spill: &Spill,
    spilled: &mut SpillStats,
    progress: &Progress,
) -> Result<Near> {
    let tmp_dir = spill.dir.as_path();
    let perms = cfg.banding.bands * cfg.banding.rows;
    let mut near = Near::none();
    near.perms = perms;
    if signed.len() < 2 || perms == 0 {
        return Ok(near);
    }

    // Signatures, in batches; band hashes stay in memory, signatures go to a file. Each
    // thread writes the signatures it made at their place in the file (a serial write of
    // every batch left the other thread idle: 3% of a run on short documents).
    let t = Instant::now();
    progress.enter(Stage::Signatures, signed.len() as u64);
    let file = tempfile::tempfile_in(tmp_dir).map_err(|e| Error::output(tmp_dir, e))?;
    let nb = cfg.banding.bands;
    let mut bands: Vec<u64> = vec![0; signed.len() * nb];
    let mut sigs = vec![0u32; SIGN_BATCH.min(signed.len()) * perms];
    // A document without shingles (an empty set signs as all `u32::MAX`) has nothing to
    // compare: it takes no part in banding, so it is never a near-duplicate of anything.
    let mut skip: Vec<bool> = vec![false; signed.len()];
    let mut at = 0u64;
    for ((batch, bands), skip) in signed
        .chunks(SIGN_BATCH)
        .zip(bands.chunks_mut(SIGN_BATCH * nb))
        .zip(skip.chunks_mut(SIGN_BATCH))
    {
        let sigs = &mut sigs[..batch.len() * perms];
        let file = &file;
        sigs.par_chunks_mut(SIGN_PART * perms)
            .zip(bands.par_chunks_mut(SIGN_PART * nb))
            .zip(skip.par_chunks_mut(SIGN_PART))
            .zip(batch.par_chunks(SIGN_PART))
            .enumerate()
            .try_for_each(|(i, (((sigs, bands), skip), docs))| {
                let each = sigs.chunks_mut(perms).zip(bands.chunks_mut(nb));
                for (((sig, bh), skip), &d) in each.zip(skip).zip(docs) {
                    sign(d, sig);
                    *skip = sig.iter().all(|&v| v == u32::MAX);
                    lsh::band_hashes(sig, cfg.banding, bh);
                }
                let place = at + (i * SIGN_PART * perms * 4) as u64;
                crate::memory::write_at(file, crate::memory::le_bytes(sigs), place)
            })
            .map_err(|e| Error::output(tmp_dir, e))?;
        at += (sigs.len() * 4) as u64;
        progress.done.fetch_add(batch.len() as u64, Relaxed);
        progress.docs.fetch_add(batch.len() as u64, Relaxed);
    }
    drop(sigs);
    near.sigs = Some(crate::memory::map(&file).map_err(|e| Error::output(tmp_dir, e))?);
    // Document → row; documents past the last signed one have no row either.
    near.row = vec![u32::MAX; signed.iter().max().map_or(0, |&d| d + 1)];
    for (r, &d) in signed.iter().enumerate() {
        near.row[d] = r as u32;
    }
    near.seconds[0] = t.elapsed().as_secs_f64();

    // Banding.
    let t = Instant::now();
    progress.enter(Stage::Banding, 0);
    let candidates = lsh::candidates_within(&bands, cfg.banding.bands, &skip, spill, spilled)?;
    drop(bands);
    near.candidates = candidates.len();
    near.seconds[1] = t.elapsed().as_secs_f64();

    // Verification.
    let t = Instant::now();
    progress.enter(Stage::Verification, candidates.len() as u64);
    let sigma = (cfg.threshold * (1.0 - cfg.threshold) / perms as f64).sqrt();
    let margin = 3.0 * sigma;
    let verify = |&(ra, rb): &(u32, u32)| {
        let (a, b) = (signed[ra as usize], signed[rb as usize]);
        let est = near.estimate(a, b).unwrap_or(0.0);
        // Identical signatures are also what two short unrelated documents whose 32-bit
        // signing values collide look like: those pairs are measured on 64-bit shingles.
        if est >= cfg.threshold + margin && est < 1.0 {
            return (
                Some(Pair {
                    a,
                    b,
                    similarity: est,
                    exact: false,
                }),
                How::Estimate,
            );
        }
        if est < cfg.threshold - margin {
            return (None, How::Estimate);
        }
        // A document published by an earlier run has no text here: its signature decides.
        let (Some(sa), Some(sb)) = (shingles(a), shingles(b)) else {
            let pair = (est >= cfg.threshold).then_some(Pair {
                a,
                b,
                similarity: est,
                exact: false,
            });
            return (pair, How::EstimateOnly);
        };
        let j = shingle::jaccard(&sa, &sb);
        let pair = (j >= cfg.threshold).then_some(Pair {
            a,
            b,
            similarity: j,
            exact: true,
        });
        (pair, How::Exact)
    };
    // In chunks, so that progress is counted once per chunk, never per pair.
    let decided: Vec<(Option<Pair>, How)> = candidates
        .par_chunks(VERIFY_CHUNK)
        .flat_map_iter(|chunk| {
            let out: Vec<_> = chunk.iter().map(verify).collect();
            progress.done.fetch_add(chunk.len() as u64, Relaxed);
            out
        })
        .collect();
    for (p, how) in decided {
        near.exact_checked += usize::from(how == How::Exact);
        near.estimate_only += usize::from(how == How::EstimateOnly);
        match p {
            Some(p) => near.pairs.push(Pair {
                a: p.a.min(p.b),
                b: p.a.max(p.b),
                ..p
            }),
            None => near.rejected += 1,
        }
    }
    near.pairs.sort_by_key(|p| (p.a, p.b));
    near.seconds[2] = t.elapsed().as_secs_f64();
    if spill.budget.is_some() {
        // Read at random while verifying; give the pages back (a later estimate reads again).
        if let Some(m) = &near.sigs {
            crate::memory::release(m, 0..m.len());
        }
    }
    Ok(near)
}
