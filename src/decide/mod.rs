//! Decide stage: boilerplate, exact keys, near-duplicate pairs, clusters and each document's
//! [`Fate`], all from the read stage's tables; text is read again only where a decision needs
//! it (the exact Jaccard similarity of close pairs, signatures of pages with long
//! boilerplate). Hands the emit stage a [`Decided`], which is also what the sharded `cluster`
//! stage saves.

mod centres;
mod facts;
mod passages;
mod signatures;
mod summary;

use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::ops::Range;
use std::time::Instant;

use crate::boilerplate::{self, Boilerplate};
use crate::cluster::{self, UnionFind};
use crate::config::Config;
use crate::error::Result;
use crate::near::{self, shingle, Near};
use crate::progress::{Progress, Stage, Timings};
use crate::read::Read;
use crate::report;
use crate::spill::{Spill, SpillStats};

pub(crate) use facts::Facts;
pub(crate) use passages::home_of;
pub(crate) use signatures::{set_aside, LongSigs};
pub(crate) use summary::round4;

/// What happens to one document.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Fate {
    /// The canonical document of its cluster (or alone): emitted.
    Kept,
    /// Dropped: the same text after repair and boilerplate removal as this document.
    Exact(usize),
    /// Dropped: a near-duplicate of a kept document.
    Near {
        /// The kept document.
        kept: usize,
        /// Exact Jaccard similarity of the two shingle sets (the signature estimate for a
        /// published document whose text is gone).
        similarity: f64,
        /// Verified pairs between the two.
        chain: u32,
    },
    /// Dropped: nothing left after repair and boilerplate removal.
    Empty,
    /// Dropped: the record could not be read.
    Invalid,
}

impl Fate {
    /// The document that keeps this one's text, if it was folded into one.
    pub(crate) fn kept(&self) -> Option<usize> {
        match *self {
            Fate::Exact(c) | Fate::Near { kept: c, .. } => Some(c),
            _ => None,
        }
    }
}

/// Every decision about every document: what the decide stage hands on.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct Decided {
    /// The boilerplate paragraphs.
    pub(crate) bp: Boilerplate,
    /// Each document's exact key, rank and boilerplate count.
    pub(crate) facts: Vec<Facts>,
    pub(crate) fates: Vec<Fate>,
    /// Canonical document → the documents folded into it.
    pub(crate) members: HashMap<usize, Vec<usize>>,
    /// The report's near-duplicate section.
    pub(crate) near: report::NearReport,
    /// Runs and bytes spilled to disk under `--memory`.
    pub(crate) spilled: (u64, u64),
    /// Passage paragraphs left out of kept documents, as (paragraph index in the tables,
    /// home document), sorted by paragraph ([`home_of`]).
    #[serde(default)]
    pub(crate) passages: Vec<(usize, usize)>,
}

/// Where tables go when they outgrow their share of `--memory`: a quarter of the budget each
/// (one table is sorted at a time), run files in the output (or work) directory.
fn spill_of(cfg: &Config) -> Spill {
    Spill {
        budget: cfg
            .run
            .memory
            .map(|m| usize::try_from(m / 4).unwrap_or(usize::MAX)),
        dir: cfg.out.clone(),
    }
}

/// Boilerplate, exact keys, near-duplicates, clusters and fates of every document of `read`;
/// `long_sigs` are the pass-1 signatures of long paragraphs ([`set_aside`]); dropped once signed
/// unless an index is to be extended.
///
/// # Errors
/// A temporary file (signatures, spilled runs) cannot be written.
pub(crate) fn stage(
    cfg: &Config,
    read: &Read,
    long_sigs: &mut LongSigs,
    progress: &Progress,
    timings: &mut Timings,
) -> Result<Decided> {
    let ctx = read.ctx(cfg);
    let tables = &read.tables;
    let docs = &tables.docs;
    // Boilerplate: paragraphs in many unrelated documents of one site (first count:
    // documents that share most of their paragraphs are one copy group).
    let t = Instant::now();
    progress.enter(Stage::Boilerplate, 0);
    // (Gathered in parallel: a pass over every document's facts, which miss the cache.)
    let ranges: Vec<Range<usize>> = docs.par_iter().map(|d| d.paras.clone()).collect();
    let sites: Vec<u32> = docs.par_iter().map(|d| d.site).collect();
    let paragraphs = boilerplate::Paragraphs {
        docs: &ranges,
        hashes: &tables.hashes,
        chars: &tables.chars,
        sites: &sites,
    };
    let min_docs = cfg.options.boilerplate_min_docs;
    let spill = spill_of(cfg);
    let mut spilled = SpillStats::default();
    let (mut bp, first_count) =
        boilerplate::count(&paragraphs, min_docs, None, &spill, &mut spilled)?;
    // A long paragraph is a passage, never chrome: it is kept once (below; every copy with
    // `--passages keep`), never deleted from every page that has it.
    let once = cfg.options.passages == crate::config::Passages::Once;
    let passage_chars = passages::min_chars(cfg.options.min_repeat);
    passages::unchrome(&mut bp, tables, passage_chars);
    timings.record(Stage::Boilerplate, t.elapsed().as_secs_f64());

    // Exact keys (same key sequence after repair and boilerplate removal), then
    // near-duplicates among the best document of each exact cluster.
    let t = Instant::now();
    progress.enter(Stage::Exact, 0);
    let mut facts = facts::of(tables, &bp);
    let exact_first = cluster::exact(&facts::keys(&facts), &facts::ranks(&facts));
    timings.record(Stage::Exact, t.elapsed().as_secs_f64());
    let signed: Vec<usize> = (0..docs.len())
        .into_par_iter()
        .filter(|&i| exact_first[i] == Some(i))
        .collect();
    let t = Instant::now();
    let near = match &cfg.options.near {
        Some(nc) => {
            let sh = signatures::Shingles::new(&ctx, tables, &bp, nc.shingle);
            let sig = signatures::Signatures {
                hasher: nc.hasher(),
                tables,
                long: &long_sigs[..],
                bp: &bp,
                shingles: &sh,
            };
            near::find(
                &signed,
                &|d, out| sig.sign(d, out),
                &|d| sh.of(d, true),
                nc,
                &spill,
                &mut spilled,
                progress,
            )?
        }
        None => Near::none(),
    };
    // The pass-1 signatures were read once, to sign; an index extended at the end of the run
    // reads them again.
    if cfg.index.is_none() {
        long_sigs.discard();
    } else if cfg.run.memory.is_some() {
        long_sigs.release();
    }
    if cfg.options.near.is_some() {
        // What the near stage did before signing (gathering short paragraphs' shingles)
        // counts as signing.
        let [sign, band, verify] = near.seconds;
        let before = (t.elapsed().as_secs_f64() - sign - band - verify).max(0.0);
        timings.record(Stage::Signatures, sign + before);
        timings.record(Stage::Banding, band);
        timings.record(Stage::Verification, verify);
    }

    // Boilerplate, second count: a near-duplicate cluster is one copy group too, so an
    // article republished with edits keeps the paragraphs its copies share.
    let t = Instant::now();
    progress.enter(Stage::Cluster, 0);
    let mut restored = 0;
    if !near.pairs.is_empty() {
        let mut uf = clusters_of(&exact_first, &near);
        let mut in_near = vec![false; docs.len()];
        for p in &near.pairs {
            let r = uf.find(p.a);
            in_near[r] = true;
        }
        let clusters: Vec<u32> = (0..docs.len())
            .map(|d| {
                let r = uf.find(d);
                if in_near[r] {
                    r as u32
                } else {
                    u32::MAX
                }
            })
            .collect();
        // Only the first count's chrome is counted again: a paragraph the second count finds
        // and the first did not would not be kept anyway (`retain_in`), and the candidates
        // are free of passages already.
        if let Some(first) = &first_count {
            let second = boilerplate::recount(
                &paragraphs,
                min_docs,
                first,
                &clusters,
                &bp.groups,
                &spill,
                &mut spilled,
            )?;
            let gone: HashSet<u64> = bp
                .groups
                .keys()
                .filter(|k| !second.groups.contains_key(k))
                .map(|&(h, _)| h)
                .collect();
            restored = bp.retain_in(&second);
            facts::refresh(&mut facts, tables, &bp, &gone);
        }
    }

    // Clusters: exact groups joined by verified near pairs. Each exact group folds into its
    // best document; within a component of verified pairs, greedy centres in the canonical
    // order decide which groups survive, so that a near drop is near what it is folded into.
    let keys = facts::keys(&facts);
    let ranks = facts::ranks(&facts);
    let exact = cluster::exact(&keys, &ranks);
    let mut uf = clusters_of(&exact, &near);
    let mut best: HashMap<usize, usize> = HashMap::default();
    for i in (0..docs.len()).filter(|&i| keys[i].is_some()) {
        let r = uf.find(i);
        let b = best.entry(r).or_insert(i);
        if ranks[i] < ranks[*b] {
            *b = i;
        }
    }
    // How far verified pairs reach from each component's best document (the report's
    // longest chain).
    let chains = summary::near_chains(&near, &exact_first, &mut uf, &best);
    let centres = match &cfg.options.near {
        Some(nc) if !near.pairs.is_empty() => {
            // With the final boilerplate set (the second count may have restored paragraphs).
            let sh = signatures::Shingles::new(&ctx, tables, &bp, nc.shingle);
            let similarity = |a: usize, b: usize, cache: &mut centres::Cache| {
                for d in [a, b] {
                    cache.entry(d).or_insert_with(|| sh.of(d, true));
                }
                match (&cache[&a], &cache[&b]) {
                    (Some(x), Some(y)) => shingle::jaccard(x, y),
                    // A published document has no text here: the signature estimate.
                    _ => near
                        .estimate(exact_first[a].unwrap_or(a), exact_first[b].unwrap_or(b))
                        .unwrap_or(0.0),
                }
            };
            centres::choose(&exact, &ranks, &near, nc.threshold, &similarity)
        }
        _ => centres::Centres::none(),
    };
    let fates: Vec<Fate> = (0..docs.len())
        .into_par_iter()
        .map(|i| {
            if docs[i].error.is_some() {
                return Fate::Invalid;
            }
            let Some(u) = exact[i] else {
                return Fate::Empty;
            };
            match centres.folded.get(&u) {
                // Every centre is a verified neighbour of the units folded into it.
                Some(f) => Fate::Near {
                    kept: f.centre,
                    similarity: f.similarity,
                    chain: 1,
                },
                None if u == i => Fate::Kept,
                None => Fate::Exact(u),
            }
        })
        .collect();
    let mut members: HashMap<usize, Vec<usize>> = HashMap::default();
    for (i, f) in fates.iter().enumerate() {
        if let Some(c) = f.kept() {
            members.entry(c).or_default().push(i);
        }
    }
    // Passages: long paragraphs shared by kept documents that are not duplicates of each
    // other stay in their home only.
    let new_docs = read.new_docs();
    let passages = if once {
        // Copies of one text that clustering left apart are told by their signatures.
        let similar = |a: usize, b: usize| {
            near.estimate(exact_first[a].unwrap_or(a), exact_first[b].unwrap_or(b))
                .is_some_and(|j| j >= passages::COPY_SIMILARITY)
        };
        passages::removed(
            tables,
            &bp,
            &fates,
            &ranks,
            new_docs,
            passage_chars,
            &similar,
        )
    } else {
        Vec::new()
    };
    timings.record(Stage::Cluster, t.elapsed().as_secs_f64());
    // Documents read back from an index (at the end) are not this run's to report.
    let near = summary::near_report(
        cfg,
        &near,
        &signed,
        &fates[..new_docs],
        &chains,
        restored,
        centres.components_split,
    );
    Ok(Decided {
        bp,
        facts,
        fates,
        members,
        near,
        spilled: (spilled.runs, spilled.bytes),
        passages,
    })
}

/// Clusters as disjoint sets: exact groups (document → its group's canonical document) joined
/// by verified near pairs.
fn clusters_of(exact: &[Option<usize>], near: &Near) -> UnionFind {
    let mut uf = UnionFind::new(exact.len());
    for (i, c) in exact.iter().enumerate() {
        if let Some(c) = *c {
            uf.union(i, c);
        }
    }
    for p in &near.pairs {
        uf.union(p.a, p.b);
    }
    uf
}
