//! What report.html shows in words rather than numbers ([`Showcase`]): the most frequent
//! boilerplate lines and passages, and a handful of decisions with the text they removed.
//!
//! Built once the decide stage is done, from the tables and fates; text is read again only
//! for the few documents shown (at most [`TOP`] lines and a dozen examples), never for the
//! corpus. Every choice is by count, similarity and input position: deterministic.

use rustc_hash::FxHashMap as HashMap;

use serde::{Deserialize, Serialize};

use crate::decide::{home_of, round4, Decided, Fate};
use crate::repair::Removal;
use crate::sources::Ctx;
use crate::tables::{Doc, Tables};

/// Lines in each "top" table.
const TOP: usize = 10;
/// Examples of each kind.
const EXAMPLES: usize = 3;
/// Characters of a document shown in an example (the rest is elided).
const EXCERPT: usize = 400;
/// Characters of one removed line shown.
const LINE: usize = 300;
/// Removed lines shown per example.
const LINES: usize = 5;

/// The words of report.html: top lines and example decisions.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub(crate) struct Showcase {
    /// The boilerplate lines removed most often, most first.
    pub(crate) boilerplate: Vec<TopLine>,
    /// The passages removed most often (kept once, in their home), most first.
    pub(crate) passages: Vec<TopLine>,
    /// Example decisions, by kind: near drops, boilerplate, passages, repair.
    pub(crate) examples: Vec<Example>,
}

/// A line removed from many documents.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TopLine {
    /// Its text as it first appears.
    pub(crate) text: String,
    /// Boilerplate: its site; passages: the id of the document that keeps it.
    pub(crate) site_or_home: String,
    /// Boilerplate: unrelated documents (copy groups) of the site it is in; passages:
    /// documents it is in, its home included.
    pub(crate) documents: u64,
    /// Occurrences removed.
    pub(crate) removed: u64,
}

/// One decision shown with the text it removed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Example {
    /// `near`, `boilerplate`, `passage` or `repair`.
    pub(crate) kind: String,
    pub(crate) id: String,
    pub(crate) source: String,
    /// The document that keeps the text (near drops).
    pub(crate) kept_id: Option<String>,
    pub(crate) similarity: Option<f64>,
    /// What was removed: (line, text, why); line 0 is the whole document.
    pub(crate) removed: Vec<(u32, String, String)>,
    /// The kept document's text (near drops), for comparison.
    pub(crate) kept_text: Option<String>,
}

/// The showcase of this run's first `n` documents.
pub(crate) fn showcase(ctx: &Ctx, tables: &Tables, n: usize, decided: &Decided) -> Showcase {
    let docs = &tables.docs[..n];
    Showcase {
        boilerplate: top_boilerplate(ctx, tables, docs, decided),
        passages: top_passages(ctx, tables, docs, decided),
        examples: examples(ctx, tables, docs, decided),
    }
}

/// `s` cut to at most `max` characters, with `…` where it was cut.
fn excerpt(s: &str, max: usize) -> String {
    let s = s.trim();
    match s.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}

/// The kept text of paragraph `p` of document `d` (its pieces joined).
fn paragraph_text(text: &str, tables: &Tables, d: &Doc, p: usize) -> String {
    let mut s = String::new();
    for (_, pieces) in tables.kept_paragraphs(d).filter(|&(q, _)| q == p) {
        for piece in pieces {
            s.push_str(piece.of(text).unwrap_or(""));
        }
    }
    excerpt(&s, LINE)
}

/// How often a boilerplate line was removed, and where first: (document, paragraph).
type Occurrences = (u64, (usize, usize));

fn top_boilerplate(ctx: &Ctx, tables: &Tables, docs: &[Doc], decided: &Decided) -> Vec<TopLine> {
    let bp = &decided.bp;
    // (hash, site) → (occurrences, first (document, paragraph)).
    let mut seen: HashMap<(u64, u32), Occurrences> = HashMap::default();
    for (i, d) in docs.iter().enumerate() {
        for p in d.paras.clone() {
            if bp.contains(d.site, tables.hashes[p]) {
                seen.entry((tables.hashes[p], d.site))
                    .or_insert((0, (i, p)))
                    .0 += 1;
            }
        }
    }
    let mut rows: Vec<((u64, u32), Occurrences)> = seen.into_iter().collect();
    rows.sort_unstable_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(&b.0)));
    rows.truncate(TOP);
    rows.into_iter()
        .map(|((h, site), (removed, (i, p)))| TopLine {
            text: ctx
                .with_text(&docs[i], |t| paragraph_text(t, tables, &docs[i], p))
                .unwrap_or_default(),
            site_or_home: tables.sites.name(site).to_owned(),
            documents: bp.groups.get(&(h, site)).copied().unwrap_or(0) as u64,
            removed,
        })
        .collect()
}

/// The document whose paragraphs include flat paragraph `p`.
fn doc_of(docs: &[Doc], p: usize) -> Option<usize> {
    let i = docs.partition_point(|d| d.paras.end <= p);
    docs.get(i).filter(|d| d.paras.contains(&p)).map(|_| i)
}

fn top_passages(ctx: &Ctx, tables: &Tables, docs: &[Doc], decided: &Decided) -> Vec<TopLine> {
    // hash → (copies removed, first removed paragraph, home).
    let mut seen: HashMap<u64, (u64, usize, usize)> = HashMap::default();
    for &(p, home) in &decided.passages {
        seen.entry(tables.hashes[p]).or_insert((0, p, home)).0 += 1;
    }
    let mut rows: Vec<(u64, (u64, usize, usize))> = seen.into_iter().collect();
    rows.sort_unstable_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(&b.0)));
    rows.truncate(TOP);
    rows.into_iter()
        .filter_map(|(_, (removed, p, home))| {
            let i = doc_of(docs, p)?;
            Some(TopLine {
                text: ctx
                    .with_text(&docs[i], |t| paragraph_text(t, tables, &docs[i], p))
                    .unwrap_or_default(),
                site_or_home: tables.docs.get(home).map(|d| d.id.to_string())?,
                documents: removed + 1,
                removed,
            })
        })
        .collect()
}

fn examples(ctx: &Ctx, tables: &Tables, docs: &[Doc], decided: &Decided) -> Vec<Example> {
    let fates = &decided.fates;
    let mut out = Vec::new();
    let new = |kind: &str, d: &Doc| Example {
        kind: kind.to_owned(),
        id: d.id.to_string(),
        source: ctx.source_of(d),
        kept_id: None,
        similarity: None,
        removed: Vec::new(),
        kept_text: None,
    };
    // Near drops closest to the threshold: the decisions most worth a look.
    let mut near: Vec<(f64, usize, usize)> = docs
        .iter()
        .enumerate()
        .filter_map(|(i, _)| match fates[i] {
            Fate::Near {
                kept, similarity, ..
            } => Some((round4(similarity), i, kept)),
            _ => None,
        })
        .collect();
    near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    for &(similarity, i, kept) in near.iter().take(EXAMPLES) {
        let d = &docs[i];
        let mut e = new("near", d);
        e.kept_id = tables.docs.get(kept).map(|k| k.id.to_string());
        e.similarity = Some(similarity);
        let text = ctx
            .with_text(d, |t| excerpt(t, EXCERPT))
            .unwrap_or_default();
        e.removed
            .push((0, text, "the whole document (dropped as near)".to_owned()));
        e.kept_text = tables
            .docs
            .get(kept)
            .and_then(|k| ctx.with_text(k, |t| excerpt(t, EXCERPT)));
        out.push(e);
    }
    // Canonical documents that lost boilerplate, passages, or repeated text: the first few.
    let kept: Vec<usize> = (0..docs.len())
        .filter(|&i| fates[i] == Fate::Kept)
        .collect();
    let bp = |d: &Doc, p: usize| decided.bp.contains(d.site, tables.hashes[p]);
    let passage = |p: usize| home_of(&decided.passages, p);
    // One per site: a site's chrome is the same on all its pages.
    let mut sites = rustc_hash::FxHashSet::default();
    let with_bp = kept
        .iter()
        .filter(|&&i| docs[i].paras.clone().any(|p| bp(&docs[i], p)) && sites.insert(docs[i].site));
    for &i in with_bp.take(EXAMPLES) {
        let d = &docs[i];
        let mut e = new("boilerplate", d);
        e.removed = ctx
            .with_text(d, |t| {
                d.paras
                    .clone()
                    .filter(|&p| bp(d, p))
                    .take(LINES)
                    .map(|p| {
                        let why = format!("boilerplate of {}", tables.sites.name(d.site));
                        (tables.lines[p], paragraph_text(t, tables, d, p), why)
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.push(e);
    }
    let with_passages = kept
        .iter()
        .filter(|&&i| docs[i].paras.clone().any(|p| passage(p).is_some()));
    for &i in with_passages.take(EXAMPLES) {
        let d = &docs[i];
        let mut e = new("passage", d);
        e.removed = ctx
            .with_text(d, |t| {
                d.paras
                    .clone()
                    .filter_map(|p| passage(p).map(|h| (p, h)))
                    .take(LINES)
                    .map(|(p, h)| {
                        let home = tables.docs.get(h).map_or("?", |k| &k.id);
                        let why = format!("passage kept in {home}");
                        (tables.lines[p], paragraph_text(t, tables, d, p), why)
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.push(e);
    }
    let repaired = kept.iter().filter(|&&i| !docs[i].events.is_empty());
    for &i in repaired.take(EXAMPLES) {
        let d = &docs[i];
        let mut e = new("repair", d);
        e.removed = ctx
            .with_text(d, |t| repair_removals(t, tables, d))
            .unwrap_or_default();
        out.push(e);
    }
    out
}

/// What repair took out of document `d`, line by line: the bytes of each repaired line that
/// no kept piece covers (a repeated line whole, the cut span of a cut one).
fn repair_removals(text: &str, tables: &Tables, d: &Doc) -> Vec<(u32, String, String)> {
    // Byte range of each 1-based line.
    let mut lines = Vec::new();
    let mut at = 0;
    for l in text.split_inclusive('\n') {
        lines.push(at..at + l.trim_end_matches(['\n', '\r']).len());
        at += l.len();
    }
    let pieces = &tables.pieces[d.pieces.clone()];
    tables.events[d.events.clone()]
        .iter()
        .take(LINES)
        .filter_map(|e| {
            let range = lines.get((e.line as usize).checked_sub(1)?)?.clone();
            // The uncovered parts of the line, in order.
            let mut removed = String::new();
            let mut from = range.start;
            let mut covered: Vec<(usize, usize)> = pieces
                .iter()
                .map(|p| (p.start as usize, p.end as usize))
                .filter(|&(s, t)| s < range.end && t > range.start)
                .collect();
            covered.sort_unstable();
            covered.push((range.end, range.end));
            for (s, t) in covered {
                if s > from {
                    let gap = text.get(from..s).unwrap_or("").trim();
                    if !gap.is_empty() {
                        if !removed.is_empty() {
                            removed.push_str(" … ");
                        }
                        removed.push_str(gap);
                    }
                }
                from = from.max(t);
            }
            let why = match e.removal {
                Removal::Repeat { of: 0 } => "nothing left after cutting repeated text".to_owned(),
                Removal::Repeat { of } => format!("repeats line {of}"),
                Removal::Cut { chars } => format!("{chars} character(s) cut (glued or repeated)"),
            };
            Some((e.line, excerpt(&removed, LINE), why))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_cut_on_characters() {
        assert_eq!(excerpt("  记者报道  ", 2), "记者…");
        assert_eq!(excerpt("short", 10), "short");
    }
}
