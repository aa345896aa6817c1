//! The distributions `report.json` (`distributions`) and `report.html` give: what was removed
//! by reason, cluster sizes, the similarity of near drops, and text lengths before and after.
//!
//! Collected from the per-document tables and fates once the decide stage is done
//! ([`collect`]), and from the emit stage for lengths after ([`Log2Counts`]); never from a
//! second pass over the text. The data types and their fixed bins are `histogram.rs` (a floor
//! below, as `report.rs` holds them).

use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;

use crate::boilerplate::Boilerplate;
use crate::decide::{home_of, Fate};
pub use crate::histogram::{
    similarity_histogram, ClusterSize, Distributions, Histogram, Log2Counts, RemovedBy,
};
use crate::tables::{Doc, Tables};

/// The decided run's distributions (all but `length_after`, which the emit stage counts):
/// `docs`, `fates` are this run's documents; `members` maps each canonical document to the
/// documents folded into it; `passages` are the passage paragraphs left out of kept
/// documents with their home.
pub(crate) fn collect(
    tables: &Tables,
    docs: &[Doc],
    fates: &[Fate],
    members: &HashMap<usize, Vec<usize>>,
    bp: &Boilerplate,
    passages: &[(usize, usize)],
    threshold: Option<f64>,
) -> Distributions {
    let mut removed: BTreeMap<String, RemovedBy> = BTreeMap::new();
    for reason in [
        "exact",
        "near",
        "empty",
        "invalid",
        "boilerplate",
        "passages",
    ] {
        removed.insert(reason.to_owned(), RemovedBy::default());
    }
    let mut before = Log2Counts::default();
    let mut similarities = Vec::new();
    let (mut bp_removed, mut passage_removed) = (RemovedBy::default(), RemovedBy::default());
    for (d, f) in docs.iter().zip(fates) {
        if *f != Fate::Invalid {
            before.add(d.text_bytes);
        }
        let reason = match f {
            Fate::Kept => {
                // What canonical documents lost: the kept text of their boilerplate and
                // passage paragraphs (the pieces give the bytes without reading the text).
                let (mut in_bp, mut in_passages) = (false, false);
                for (p, pieces) in tables.kept_paragraphs(d) {
                    let bytes: u64 = pieces.iter().map(|x| u64::from(x.end - x.start)).sum();
                    let r = if bp.contains(d.site, tables.hashes[p]) {
                        in_bp = true;
                        &mut bp_removed
                    } else if home_of(passages, p).is_some() {
                        in_passages = true;
                        &mut passage_removed
                    } else {
                        continue;
                    };
                    r.paragraphs += 1;
                    r.bytes += bytes;
                }
                bp_removed.documents += u64::from(in_bp);
                passage_removed.documents += u64::from(in_passages);
                continue;
            }
            Fate::Exact(_) => "exact",
            Fate::Near { similarity, .. } => {
                similarities.push(*similarity);
                "near"
            }
            Fate::Empty => "empty",
            Fate::Invalid => "invalid",
        };
        let r = removed.entry(reason.to_owned()).or_default();
        r.documents += 1;
        r.paragraphs += u64::from(d.lines);
        r.bytes += if *f == Fate::Invalid {
            d.span.len() as u64
        } else {
            d.text_bytes
        };
    }
    removed.insert("boilerplate".to_owned(), bp_removed);
    removed.insert("passages".to_owned(), passage_removed);
    let mut sizes: BTreeMap<u64, u64> = BTreeMap::new();
    for m in members.values() {
        *sizes.entry(m.len() as u64 + 1).or_default() += 1;
    }
    Distributions {
        removed,
        cluster_sizes: sizes
            .into_iter()
            .map(|(size, clusters)| ClusterSize { size, clusters })
            .collect(),
        near_similarity_histogram: match threshold {
            Some(t) => similarity_histogram(&similarities, t),
            None => Histogram {
                unit: "jaccard".to_owned(),
                ..Histogram::default()
            },
        },
        length_before: before.histogram("bytes"),
        length_after: Histogram {
            unit: "bytes".to_owned(),
            ..Histogram::default()
        },
    }
}
