//! The report of a run: options and input counts ([`new_report`]), then every document's fate
//! and removals counted once the decide stage is done ([`decided_report`]). Output totals and
//! timings are added by the stages that know them.

use rustc_hash::FxHashMap as HashMap;

use crate::boilerplate::Boilerplate;
use crate::config::Config;
use crate::decide::{home_of, Decided, Facts, Fate};
use crate::distributions;
use crate::read::Read;
use crate::report::{self, Report};
use crate::sources::Ctx;
use crate::tables::Doc;

/// Invalid records listed by location in the report.
const REPORT_INVALID: usize = 20;

/// A report with the options and input counts filled in.
pub(crate) fn new_report(cfg: &Config, inputs: report::Inputs) -> Report {
    let o = &cfg.options;
    Report {
        canon_version: env!("CARGO_PKG_VERSION").to_owned(),
        options: report::Options {
            format: o.format.map(|f| format!("{f:?}").to_lowercase()),
            text_field: o.fields.text.clone(),
            id_field: o.fields.id.clone(),
            url_field: o.fields.url.clone(),
            min_repeat: o.min_repeat,
            boilerplate_min_docs: o.boilerplate_min_docs,
        },
        inputs,
        ..Report::default()
    }
}

/// The report of a run with every decision in (output totals and timings to come); counts
/// this run's documents, not those read back from an index.
pub(crate) fn decided_report(cfg: &Config, read: &Read, decided: &Decided) -> Report {
    let mut report = new_report(cfg, read.inputs.clone());
    report.near = decided.near.clone();
    (report.run.spilled_runs, report.run.spilled_bytes) = decided.spilled;
    let n = read.new_docs();
    count(
        &mut report,
        &read.ctx(cfg),
        &read.tables.docs[..n],
        &decided.fates[..n],
        &decided.facts[..n],
        &decided.bp,
        &decided.members,
    );
    report.paragraphs.passages = decided.passages.len() as u64;
    removed_bytes(&mut report.bytes, read, decided);
    report.distributions = distributions::collect(
        &read.tables,
        &read.tables.docs[..n],
        &decided.fates[..n],
        &decided.members,
        &decided.bp,
        &decided.passages,
        cfg.options.near.map(|nc| nc.threshold),
    );
    report.paragraphs.boilerplate_distinct =
        boilerplate_rows(&read.tables.docs[..n], &read.tables.hashes, &decided.bp);
    report
}

/// The text bytes that did not reach `canonical.jsonl`, by why, in the order the run
/// removes them: boilerplate from every document, passages from kept ones (counted as the
/// pieces repair kept of those paragraphs, and a line end each), then the documents dropped as duplicates or
/// empty (what was left of them). Repair is the rest, known once the output is written.
fn removed_bytes(bytes: &mut report::Bytes, read: &Read, decided: &Decided) {
    let t = &read.tables;
    for (d, f) in t.docs[..read.new_docs()].iter().zip(&decided.fates) {
        if *f == Fate::Invalid {
            continue;
        }
        for (p, pieces) in t.kept_paragraphs(d) {
            // With its line end: a paragraph removed takes its newline with it.
            let n: u64 = 1 + pieces
                .iter()
                .map(|x| u64::from(x.end.saturating_sub(x.start)))
                .sum::<u64>();
            if decided.bp.contains(d.site, t.hashes[p]) {
                bytes.boilerplate += n;
            } else if *f != Fate::Kept {
                bytes.dropped_documents += n;
            } else if home_of(&decided.passages, p).is_some() {
                bytes.passages += n;
            }
        }
    }
}

/// Distinct (paragraph, site) pairs of boilerplate in `docs`: the rows of
/// `boilerplate.jsonl` (a site's chrome counted only from a published document has no row).
fn boilerplate_rows(docs: &[Doc], hashes: &[u64], bp: &Boilerplate) -> u64 {
    let mut seen = rustc_hash::FxHashSet::default();
    for d in docs {
        for &h in &hashes[d.paras.clone()] {
            if bp.contains(d.site, h) {
                seen.insert((h, d.site));
            }
        }
    }
    seen.len() as u64
}

/// Counts `docs`' fates, removals and inputs into the report's totals.
fn count(
    report: &mut Report,
    ctx: &Ctx,
    docs: &[Doc],
    fates: &[Fate],
    facts: &[Facts],
    bp: &Boilerplate,
    members: &HashMap<usize, Vec<usize>>,
) {
    let r = report;
    r.documents.input = docs.len() as u64;
    for reason in ["exact", "near", "empty", "invalid"] {
        r.documents.dropped.insert(reason.to_owned(), 0);
    }
    for (i, (d, f)) in docs.iter().zip(fates).enumerate() {
        match f {
            Fate::Kept => r.documents.canonical += 1,
            Fate::Exact(_) => *r.documents.dropped.entry("exact".to_owned()).or_default() += 1,
            Fate::Near { .. } => *r.documents.dropped.entry("near".to_owned()).or_default() += 1,
            Fate::Empty => *r.documents.dropped.entry("empty".to_owned()).or_default() += 1,
            Fate::Invalid => {
                *r.documents.dropped.entry("invalid".to_owned()).or_default() += 1;
                r.invalid.count += 1;
                if r.invalid.first.len() < REPORT_INVALID {
                    r.invalid.first.push(report::InvalidRecord {
                        source: ctx.source_of(d),
                        error: d.error.as_deref().unwrap_or_default().to_owned(),
                    });
                }
                continue;
            }
        }
        r.invalid.lossy_utf8 += u64::from(d.lossy);
        r.bytes.text_in += d.text_bytes;
        r.documents.glosses += u64::from(d.glosses);
        r.documents.repaired += u64::from(d.repeated > 0 || d.cut > 0);
        r.paragraphs.input += u64::from(d.lines);
        r.paragraphs.repeated += u64::from(d.repeated);
        r.paragraphs.cut += u64::from(d.cut);
        r.paragraphs.repeated_chars += d.repeated_chars;
        r.paragraphs.boilerplate += u64::from(facts[i].boilerplate);
    }
    r.documents.repeated_ids = repeated_ids(docs);
    r.paragraphs.shared_distinct = bp.shared_paragraphs as u64;
    r.paragraphs.grouped_documents = bp.grouped_docs as u64;
    r.clusters.clusters = members.len() as u64;
    r.clusters.largest = members
        .values()
        .map(|m| m.len() as u64 + 1)
        .max()
        .unwrap_or(1)
        .min(docs.len() as u64);
}

/// The ids that more than one of `docs` carries (issue 12: a repeated id makes `kept_id`
/// ambiguous), with the first in input order as the example.
fn repeated_ids(docs: &[Doc]) -> report::RepeatedIds {
    // id -> (first position, documents carrying it)
    let mut seen: HashMap<&str, (usize, u64)> =
        HashMap::with_capacity_and_hasher(docs.len(), Default::default());
    for (i, d) in docs.iter().enumerate() {
        seen.entry(&d.id).or_insert((i, 0)).1 += 1;
    }
    let mut out = report::RepeatedIds::default();
    let mut first: Option<(usize, &str, u64)> = None;
    for (&id, &(pos, n)) in &seen {
        if n > 1 {
            out.ids += 1;
            out.documents += n;
            if first.is_none_or(|f| pos < f.0) {
                first = Some((pos, id, n));
            }
        }
    }
    out.first = first.map(|(_, id, documents)| report::RepeatedId {
        id: id.to_owned(),
        documents,
    });
    out
}
