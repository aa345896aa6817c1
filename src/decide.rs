//! Decide stage: boilerplate, exact keys, near-duplicate pairs and clusters, and each
//! document's fate — all from the read stage's facts, re-reading text only where a decision
//! needs it (exact Jaccard of close pairs, signatures of pages with long boilerplate).

use std::collections::HashMap;

use rayon::prelude::*;
use xxhash_rust::xxh3::{xxh3_64, Xxh3Default};

use crate::boilerplate::Boilerplate;
use crate::cluster::{self, Rank, UnionFind};
use crate::minhash::MinHasher;
use crate::near::Near;
use crate::normalize::Key;
use crate::pipeline::Config;
use crate::read::{with_doc_text, Chunk, Ctx, Doc, Loc, Piece, SHORT_PARAGRAPH};
use crate::report;
use crate::shingle::Shingler;

/// What the emit stage decided for one document.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Fate {
    Kept,
    Exact(usize),
    /// Folded into a document at this similarity, this many verified hops away.
    Near(usize, f64, u32),
    Empty,
    Invalid,
}

pub(crate) type Facts = (Option<u128>, Rank, u32);

/// Exact key, rank and boilerplate count of every document.
pub(crate) fn facts_of(
    docs: &[Doc],
    hashes: &[u64],
    chars: &[u32],
    bp: &Boilerplate,
) -> Vec<Facts> {
    docs.par_iter()
        .enumerate()
        .map(|(i, d)| doc_key(i, d, hashes, chars, bp))
        .collect()
}

pub(crate) fn keys_of(facts: &[Facts]) -> Vec<Option<u128>> {
    facts.iter().map(|f| f.0).collect()
}

pub(crate) fn ranks_of(facts: &[Facts]) -> Vec<Rank> {
    facts.iter().map(|f| f.1).collect()
}

pub(crate) fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// Gives the shingle set of a document: its kept, non-boilerplate paragraphs, re-read from
/// the mapped input.
pub(crate) struct Shingles<'a> {
    pub(crate) ctx: &'a Ctx<'a>,
    pub(crate) docs: &'a [Doc],
    pub(crate) hashes: &'a [u64],
    pub(crate) pieces: &'a [Piece],
    pub(crate) bp: &'a Boilerplate,
    pub(crate) size: usize,
}

impl<'a> Shingles<'a> {
    /// Shingles of the documents of `chunk`, without the paragraphs in `bp`.
    pub(crate) fn new(
        ctx: &'a Ctx<'a>,
        chunk: &'a Chunk,
        bp: &'a Boilerplate,
        size: usize,
    ) -> Shingles<'a> {
        Shingles {
            ctx,
            docs: &chunk.docs,
            hashes: &chunk.hashes,
            pieces: &chunk.pieces,
            bp,
            size,
        }
    }

    /// The shingles of document `i`; a set (sorted, deduplicated) if `as_set`, otherwise a
    /// bag (MinHash does not care about order or repeats). For a document published by an
    /// earlier run, the text of its canonical line in that run's output, if that output is
    /// still as it was written (`None` otherwise).
    pub(crate) fn of(&self, i: usize, as_set: bool) -> Option<Vec<u32>> {
        let d = &self.docs[i];
        let mut out = Vec::new();
        if let Loc::Published(k) = d.loc {
            self.published(k as usize, &mut out)?;
        } else {
            self.read(d, &mut out)?;
        }
        if as_set {
            out.sort_unstable();
            out.dedup();
        }
        Some(out)
    }

    /// Shingles of a published document's canonical text: one paragraph per line, those that
    /// are boilerplate now left out.
    fn published(&self, k: usize, out: &mut Vec<u32>) -> Option<()> {
        let text = self.ctx.published.text(k)?;
        let mut sh = Shingler::new(self.size);
        let mut key = Key::new();
        for para in text.split('\n') {
            key.build(para, false);
            if !self.bp.contains(xxh3_64(&key.bytes)) {
                sh.paragraph(para, out);
            }
        }
        Some(())
    }

    /// Shingles of a document of this run: its kept pieces, re-read from its input.
    fn read(&self, d: &Doc, out: &mut Vec<u32>) -> Option<()> {
        with_doc_text(self.ctx, d, |text| {
            let mut sh = Shingler::new(self.size);
            let mut para = String::new();
            let mut current = u32::MAX;
            for &(p, start, end) in &self.pieces[d.pieces.clone()] {
                if self.bp.contains(self.hashes[d.paras.start + p as usize]) {
                    continue;
                }
                if p != current && !para.is_empty() {
                    sh.paragraph(&para, out);
                    para.clear();
                }
                current = p;
                para.push_str(text.get(start as usize..end as usize).unwrap_or(""));
            }
            if !para.is_empty() {
                sh.paragraph(&para, out);
            }
        })
    }
}

/// Final signatures: the pass-1 signature of a document's long paragraphs combined with its
/// short paragraphs that are not boilerplate (MinHash of a union is the elementwise minimum).
pub(crate) struct Signatures<'a> {
    pub(crate) hasher: MinHasher,
    pub(crate) docs: &'a [Doc],
    pub(crate) hashes: &'a [u64],
    pub(crate) chars: &'a [u32],
    /// Pass-1 signatures of long paragraphs, `u32` little-endian, a row per document.
    pub(crate) long: &'a [u8],
    pub(crate) short: &'a [u32],
    pub(crate) short_counts: &'a [u32],
    pub(crate) bp: &'a Boilerplate,
    pub(crate) shingles: &'a Shingles<'a>,
}

impl Signatures<'_> {
    pub(crate) fn sign(&self, i: usize, out: &mut [u32]) {
        let d = &self.docs[i];
        let n = out.len();
        let long_boilerplate = d
            .paras
            .clone()
            .any(|p| self.chars[p] > SHORT_PARAGRAPH && self.bp.contains(self.hashes[p]));
        if long_boilerplate {
            // Rare: a long paragraph is boilerplate; sign the document again without it (a
            // published document whose output is gone keeps its stored signature).
            if let Some(shingles) = self.shingles.of(i, false) {
                self.hasher.sign(&shingles, out);
                return;
            }
        }
        let row = &self.long[i * n * 4..(i + 1) * n * 4];
        for (o, v) in out.iter_mut().zip(row.chunks_exact(4)) {
            *o = u32::from_le_bytes(v.try_into().expect("4 bytes"));
        }
        let mut bag = Vec::new();
        let mut at = d.short.start;
        for p in d.paras.clone() {
            let k = self.short_counts[p] as usize;
            if k > 0 && !self.bp.contains(self.hashes[p]) {
                bag.extend_from_slice(&self.short[at..at + k]);
            }
            at += k;
        }
        if !bag.is_empty() {
            let mut s = vec![0u32; n];
            self.hasher.sign(&bag, &mut s);
            for (o, v) in out.iter_mut().zip(s) {
                *o = (*o).min(v);
            }
        }
    }
}

/// For each signed document in a near-duplicate cluster: hops along verified pairs from the
/// signed document of its cluster's canonical document.
pub(crate) fn near_chains(
    near: &Near,
    exact_first: &[Option<usize>],
    uf: &mut UnionFind,
    best: &HashMap<usize, usize>,
) -> HashMap<usize, u32> {
    let mut by_root: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
    for p in &near.pairs {
        by_root.entry(uf.find(p.a)).or_default().push((p.a, p.b));
    }
    let mut roots: Vec<usize> = by_root.keys().copied().collect();
    roots.sort_unstable();
    let mut out = HashMap::new();
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

pub(crate) fn near_report(
    cfg: &Config,
    near: &Near,
    signed: &[usize],
    new_fates: &[Fate],
    chains: &HashMap<usize, u32>,
    restored: usize,
) -> report::NearReport {
    let Some(nc) = cfg.near else {
        return report::NearReport::default();
    };
    let mut lowest = 1.0f64;
    let mut near_docs = 0;
    for f in new_fates {
        if let Fate::Near(_, s, _) = f {
            near_docs += 1;
            lowest = lowest.min(*s);
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
        boilerplate_restored: restored as u64,
    }
}

/// A document's exact key (`None`: nothing left), its rank, and its boilerplate count.
pub(crate) fn doc_key(
    i: usize,
    d: &Doc,
    hashes: &[u64],
    chars: &[u32],
    bp: &Boilerplate,
) -> (Option<u128>, Rank, u32) {
    let mut h = Xxh3Default::new();
    let mut kept = 0u64;
    let mut kept_paras = 0;
    let mut bp_paras = 0u32;
    for p in d.paras.clone() {
        if bp.contains(hashes[p]) {
            bp_paras += 1;
        } else {
            h.update(&hashes[p].to_le_bytes());
            kept += u64::from(chars[p]);
            kept_paras += 1;
        }
    }
    let key = (d.error.is_none() && kept_paras > 0).then(|| h.digest128());
    let rank = Rank {
        published: d.published,
        key_chars: kept,
        glosses: d.glosses,
        removed: d.repeated + bp_paras,
        content: d.content,
        position: i,
    };
    (key, rank, bp_paras)
}
