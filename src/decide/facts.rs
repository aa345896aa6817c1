//! A document's facts for the canonical order: its exact key (the stream hash of its kept
//! paragraph keys joined, after repair and boilerplate removal — the same however its lines
//! break; see `flow.rs`), its [`Rank`], and how many of its paragraphs are boilerplate.
//!
//! Boilerplate is a site's chrome, removed from that site's pages only; but the exact key
//! leaves out every paragraph that is chrome on *any* site, so that the same text in two
//! sites' dumps has the same key and folds (what each copy would emit differs only by
//! chrome).

use rustc_hash::FxHashSet as HashSet;

use rayon::prelude::*;

use crate::boilerplate::Boilerplate;
use crate::cluster::Rank;
use crate::flow::Stream;
use crate::tables::{Doc, Tables};

/// What the decide stage knows of one document.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Facts {
    /// The stream key of its kept paragraph keys joined; `None`: nothing left (or invalid).
    pub(crate) key: Option<u128>,
    /// Its place in the canonical order.
    pub(crate) rank: Rank,
    /// Its paragraphs that are boilerplate.
    pub(crate) boilerplate: u32,
}

/// The facts of every document, with `bp` as the boilerplate set.
pub(crate) fn of(tables: &Tables, bp: &Boilerplate) -> Vec<Facts> {
    let anywhere: HashSet<u64> = bp.groups.keys().map(|&(h, _)| h).collect();
    tables
        .docs
        .par_iter()
        .enumerate()
        .map(|(i, d)| doc_facts(i, d, tables, bp, &anywhere))
        .collect()
}

/// The exact keys of `facts`.
pub(crate) fn keys(facts: &[Facts]) -> Vec<Option<u128>> {
    facts.par_iter().map(|f| f.key).collect()
}

/// The ranks of `facts`.
pub(crate) fn ranks(facts: &[Facts]) -> Vec<Rank> {
    facts.par_iter().map(|f| f.rank).collect()
}

/// Document `i`'s facts.
fn doc_facts(i: usize, d: &Doc, t: &Tables, bp: &Boilerplate, anywhere: &HashSet<u64>) -> Facts {
    let (hashes, chars) = (&t.hashes, &t.chars);
    // `own`: what this document keeps (its site's chrome left out); `common`: without any
    // site's chrome, for the key.
    let (mut own, mut common) = (Stream::default(), Stream::default());
    let mut kept = 0u64;
    let (mut kept_paras, mut common_paras) = (0, 0);
    let mut bp_paras = 0u32;
    for p in d.paras.clone() {
        if bp.contains(d.site, hashes[p]) {
            bp_paras += 1;
            continue;
        }
        own.push(t.flows[p], chars[p]);
        kept += u64::from(chars[p]);
        kept_paras += 1;
        if !anywhere.is_empty() && !anywhere.contains(&hashes[p]) {
            common.push(t.flows[p], chars[p]);
            common_paras += 1;
        }
    }
    // A page made only of lines that are chrome elsewhere keys by what it keeps (tagged, so
    // it never equals a key of the other kind): without it, every such page would have the
    // empty key and fold into one. Copies of one such page on sites whose chrome differs
    // thus keep different texts and are not folded (both stay, nothing is lost; tested:
    // `copies_of_a_page_made_only_of_chrome_lines_keep_what_their_own_site_leaves`).
    let key = (d.error.is_none() && kept_paras > 0).then(|| {
        if anywhere.is_empty() || kept_paras == common_paras {
            own.key(false)
        } else if common_paras > 0 {
            common.key(false)
        } else {
            own.key(true)
        }
    });
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
