//! A document's facts for the canonical order: its exact key (the hash of its kept paragraph
//! keys after repair and boilerplate removal), its [`Rank`], and how many of its paragraphs
//! are boilerplate.

use rayon::prelude::*;
use xxhash_rust::xxh3::Xxh3Default;

use crate::boilerplate::Boilerplate;
use crate::cluster::Rank;
use crate::tables::{Doc, Tables};

/// What the decide stage knows of one document.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Facts {
    /// xxh3-128 of its kept paragraph hashes in order; `None`: nothing left (or invalid).
    pub(crate) key: Option<u128>,
    /// Its place in the canonical order.
    pub(crate) rank: Rank,
    /// Its paragraphs that are boilerplate.
    pub(crate) boilerplate: u32,
}

/// The facts of every document, with `bp` as the boilerplate set.
pub(crate) fn of(tables: &Tables, bp: &Boilerplate) -> Vec<Facts> {
    tables
        .docs
        .par_iter()
        .enumerate()
        .map(|(i, d)| doc_facts(i, d, &tables.hashes, &tables.chars, bp))
        .collect()
}

/// The exact keys of `facts`.
pub(crate) fn keys(facts: &[Facts]) -> Vec<Option<u128>> {
    facts.iter().map(|f| f.key).collect()
}

/// The ranks of `facts`.
pub(crate) fn ranks(facts: &[Facts]) -> Vec<Rank> {
    facts.iter().map(|f| f.rank).collect()
}

/// Document `i`'s facts.
fn doc_facts(i: usize, d: &Doc, hashes: &[u64], chars: &[u32], bp: &Boilerplate) -> Facts {
    let mut h = Xxh3Default::new();
    let mut kept = 0u64;
    let mut kept_paras = 0;
    let mut bp_paras = 0u32;
    for p in d.paras.clone() {
        if bp.contains(d.site, hashes[p]) {
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
        noise: d.noise,
        content: d.content,
        position: i,
    };
    Facts {
        key,
        rank,
        boilerplate: bp_paras,
    }
}
