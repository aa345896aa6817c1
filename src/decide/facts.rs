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

/// `facts` again after paragraphs left the boilerplate set (`gone`: their hashes; `bp` is the
/// set now): only documents with one of those paragraphs can have changed — a document's facts
/// depend on whether each of its own paragraphs is chrome on its site or anywhere — so only
/// they are made again (all of them was a tenth of a second per 400,000 documents).
pub(crate) fn refresh(facts: &mut [Facts], tables: &Tables, bp: &Boilerplate, gone: &HashSet<u64>) {
    if gone.is_empty() {
        return;
    }
    let anywhere: HashSet<u64> = bp.groups.keys().map(|&(h, _)| h).collect();
    facts
        .par_iter_mut()
        .zip(&tables.docs)
        .enumerate()
        .filter(|(_, (_, d))| d.paras.clone().any(|p| gone.contains(&tables.hashes[p])))
        .for_each(|(i, (f, d))| *f = doc_facts(i, d, tables, bp, &anywhere));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::Loc;
    use proptest::prelude::*;

    /// Tables from documents given as (site, paragraph hashes); hashes from a small range so
    /// that pages share paragraphs within and across sites.
    fn tables(docs: &[(u32, Vec<u64>)]) -> Tables {
        let mut t = Tables::default();
        for (i, (site, paras)) in docs.iter().enumerate() {
            let start = t.hashes.len();
            for &h in paras {
                t.hashes.push(h);
                t.chars.push(10 + h as u32);
                t.flows.push(h.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            }
            let mut d = Doc::new(format!("d{i}").into(), 0, 0..0, Loc::File);
            d.paras = start..t.hashes.len();
            d.site = *site;
            t.docs.push(d);
        }
        t
    }

    proptest! {
        /// Refreshing the facts of the documents that hold a paragraph that left the
        /// boilerplate set gives the facts made afresh from the smaller set.
        #[test]
        fn refreshed_facts_are_the_facts_made_afresh(
            docs in prop::collection::vec(
                (0u32..3, prop::collection::btree_set(0u64..12, 1..6)), 0..30),
            chrome in prop::collection::btree_set((0u64..12, 0u32..3), 0..12),
            leaving in prop::collection::vec(any::<bool>(), 12),
        ) {
            let docs: Vec<(u32, Vec<u64>)> =
                docs.into_iter().map(|(s, hs)| (s, hs.into_iter().collect())).collect();
            let t = tables(&docs);
            let mut bp = Boilerplate::default();
            for &k in &chrome {
                bp.groups.insert(k, 5);
            }
            let mut facts = of(&t, &bp);
            let gone: HashSet<u64> = chrome
                .iter()
                .filter(|&&(h, _)| leaving[h as usize])
                .map(|&(h, _)| h)
                .collect();
            bp.groups.retain(|k, _| !leaving[k.0 as usize]);
            refresh(&mut facts, &t, &bp, &gone);
            prop_assert_eq!(facts, of(&t, &bp));
        }
    }
}
