//! Emit stage: renders canonical, dropped and explain lines in parallel blocks, in input
//! order, and fills the report's totals; also the boilerplate table.

use std::collections::HashMap;
use std::ops::Range;

use rayon::prelude::*;

use crate::boilerplate::Boilerplate;
use crate::cluster::Rank;
use crate::decide::{round4, Fate};
use crate::error::{Error, Result};
use crate::input::Format;
use crate::output::{self, CanonInfo, DroppedLine, Removed};
use crate::read::{utf8_lossy, with_doc_text, with_json_line, Ctx, Doc, Piece};
use crate::repair::{Event, Removal};
use crate::report::{self, Report};

/// Documents rendered in parallel before being written in order.
pub(crate) const EMIT_BATCH: usize = 8192;
/// Documents one worker renders into one output block.
pub(crate) const EMIT_BLOCK: usize = 64;
/// Invalid records listed by location in the report.
pub(crate) const REPORT_INVALID: usize = 20;

/// `boilerplate.jsonl`: each boilerplate paragraph once, with its hash (as named in
/// `explain.jsonl.zst`), the number of unrelated documents it occurs in, and its text as it
/// first appears in input order. Sorted by hash.
pub(crate) fn boilerplate_table(
    ctx: &Ctx,
    docs: &[Doc],
    hashes: &[u64],
    pieces: &[Piece],
    bp: &Boilerplate,
) -> Vec<u8> {
    let mut first: HashMap<u64, (usize, u32)> = HashMap::new();
    for (i, d) in docs.iter().enumerate() {
        for p in d.paras.clone() {
            if bp.contains(hashes[p]) {
                first
                    .entry(hashes[p])
                    .or_insert((i, (p - d.paras.start) as u32));
            }
        }
    }
    let mut rows: Vec<(u64, u32, String)> = first
        .par_iter()
        .map(|(&h, &(i, para))| {
            let d = &docs[i];
            let text = with_doc_text(ctx, d, |text| {
                let mut s = String::new();
                for &(p, a, b) in &pieces[d.pieces.clone()] {
                    if p == para {
                        s.push_str(text.get(a as usize..b as usize).unwrap_or(""));
                    }
                }
                s.trim().to_owned()
            });
            (h, bp.groups[&h], text.unwrap_or_default())
        })
        .collect();
    rows.sort_unstable_by_key(|r| r.0);
    let mut out = Vec::new();
    let mut buf = Vec::new();
    for (h, n, text) in rows {
        buf.clear();
        buf.extend_from_slice(
            format!("{{\"hash\":\"{h:016x}\",\"documents\":{n},\"text\":").as_bytes(),
        );
        output::json_string(&mut buf, &text);
        buf.extend_from_slice(b"}\n");
        out.extend_from_slice(&buf);
    }
    out
}

/// State the emit stage reads.
pub(crate) struct Emit<'a> {
    pub(crate) ctx: &'a Ctx<'a>,
    pub(crate) docs: &'a [Doc],
    pub(crate) fates: &'a [Fate],
    pub(crate) members: &'a HashMap<usize, Vec<usize>>,
    pub(crate) bp: &'a Boilerplate,
    pub(crate) facts: &'a [(Option<u128>, Rank, u32)],
    pub(crate) hashes: &'a [u64],
    pub(crate) pieces: &'a [Piece],
    pub(crate) lines: &'a [u32],
    pub(crate) events: &'a [Event],
}

/// Rendered output of consecutive documents.
#[derive(Default)]
pub(crate) struct Block {
    pub(crate) canon: Vec<u8>,
    /// The documents of the lines in `canon`, with their lengths.
    pub(crate) canon_docs: Vec<(usize, usize)>,
    pub(crate) dropped: Vec<u8>,
    /// One zstd frame of explain lines.
    pub(crate) explain: Vec<u8>,
    pub(crate) text_bytes: u64,
    pub(crate) paragraphs: u64,
}

/// One rendered output line.
pub(crate) struct Rendered {
    pub(crate) canonical: bool,
    pub(crate) line: Vec<u8>,
    pub(crate) text_bytes: u64,
    pub(crate) paragraphs: u64,
}

impl Emit<'_> {
    /// Appends the explain line of document `i`: its fate and what was removed from it.
    fn explain(&self, i: usize, out: &mut Vec<u8>) {
        let d = &self.docs[i];
        let ctx = self.ctx;
        let (fate, kept, similarity, chain) = match self.fates[i] {
            Fate::Kept => ("kept", None, None, None),
            Fate::Exact(c) => ("exact", Some(c), Some(1.0), None),
            Fate::Near(c, s, h) => ("near", Some(c), Some(round4(s)), Some(h)),
            Fate::Empty => ("empty", None, None, None),
            Fate::Invalid => ("invalid", None, None, None),
        };
        let canonical = kept.unwrap_or(i);
        let cluster_size = self.members.get(&canonical).map_or(1, |m| m.len() + 1);
        let repair = self.events[d.events.clone()]
            .iter()
            .map(|e| match e.removal {
                Removal::Repeat { of } => (e.line, "repeat", of),
                Removal::Cut { chars } => (e.line, "cut", chars),
            })
            .collect();
        let boilerplate = d
            .paras
            .clone()
            .filter(|&p| self.bp.contains(self.hashes[p]))
            .map(|p| (self.lines[p], format!("{:016x}", self.hashes[p])))
            .collect();
        let line = output::ExplainLine {
            id: &d.id,
            source: ctx.source(d.file, d.loc),
            fate,
            kept_id: kept.map(|k| &*self.docs[k].id),
            kept_source: kept.map(|k| ctx.source(self.docs[k].file, self.docs[k].loc)),
            similarity,
            chain,
            cluster_size,
            error: d.error.as_deref(),
            paragraphs_kept: d.paras.len(),
            repair,
            boilerplate,
        };
        output::json_value(out, &line);
        out.push(b'\n');
    }

    pub(crate) fn render_block(&self, docs: Range<usize>) -> Result<Block> {
        let mut b = Block::default();
        let mut explain = Vec::new();
        for i in docs {
            self.explain(i, &mut explain);
            let r = self.render(i)?;
            if r.canonical {
                b.canon_docs.push((i, r.line.len()));
                b.canon.extend_from_slice(&r.line);
                b.text_bytes += r.text_bytes;
                b.paragraphs += r.paragraphs;
            } else {
                b.dropped.extend_from_slice(&r.line);
            }
        }
        b.explain =
            zstd::bulk::compress(&explain, 3).map_err(|e| Error::io(&self.ctx.cfg.out, e))?;
        Ok(b)
    }

    fn render(&self, i: usize) -> Result<Rendered> {
        let d = &self.docs[i];
        let ctx = self.ctx;
        let source = ctx.source(d.file, d.loc);
        let dropped = |reason: &str, kept: Option<usize>, error: Option<&str>| {
            let kept_source = kept.map(|k| ctx.source(self.docs[k].file, self.docs[k].loc));
            let line = DroppedLine {
                id: &d.id,
                source: &source,
                reason,
                kept_id: kept.map(|k| &*self.docs[k].id),
                kept_source: kept_source.as_deref(),
                error,
            };
            let mut out = Vec::with_capacity(128);
            output::json_value(&mut out, &line);
            out.push(b'\n');
            Rendered {
                canonical: false,
                line: out,
                text_bytes: 0,
                paragraphs: 0,
            }
        };
        match self.fates[i] {
            Fate::Invalid => return Ok(dropped("invalid", None, d.error.as_deref())),
            Fate::Empty => return Ok(dropped("empty", None, None)),
            Fate::Exact(c) => return Ok(dropped("exact", Some(c), None)),
            Fate::Near(c, sim, chain) => {
                let mut r = dropped("near", Some(c), None);
                // Append similarity and chain to the dropped line: `...}\n` → `...,"similarity":..}`.
                r.line.truncate(r.line.len() - 2);
                r.line.extend_from_slice(
                    format!(",\"similarity\":{},\"chain\":{chain}}}\n", round4(sim)).as_bytes(),
                );
                return Ok(r);
            }
            Fate::Kept => {}
        }
        let dups: Vec<&str> = self
            .members
            .get(&i)
            .map(|m| m.iter().map(|&j| &*self.docs[j].id).collect())
            .unwrap_or_default();
        let info = CanonInfo {
            source: &source,
            cluster_size: dups.len() + 1,
            duplicates: dups,
            removed: Removed {
                repeated_paragraphs: d.repeated,
                repeated_chars: d.repeated_chars,
                boilerplate_paragraphs: self.facts[i].2,
            },
        };
        let data = &ctx.opened[d.file as usize].data[..];
        let mut line = Vec::with_capacity(d.span.len() + 256);
        let changed = || Error::Invalid {
            location: source.clone(),
            message: "record changed while canon was running".into(),
        };
        let (text_bytes, paragraphs) = match ctx.files[d.file as usize].format {
            Format::Jsonl => with_json_line(&data[d.span.clone()], &ctx.cfg.fields, |rec, _| {
                let (rec, raw) = rec.map_err(|_| changed())?;
                let (text, n) = self.kept_text(&rec.text, d).ok_or_else(changed)?;
                output::splice_jsonl(&mut line, raw, rec.text_span.clone(), &text, &info);
                Ok((text.len() as u64, n))
            })?,
            _ => {
                let text = utf8_lossy(&data[d.span.clone()]);
                let (kept, n) = self.kept_text(&text, d).ok_or_else(changed)?;
                output::plain_line(&mut line, &d.id, d.url.as_deref(), &kept, &info);
                (kept.len() as u64, n)
            }
        };
        Ok(Rendered {
            canonical: true,
            line,
            text_bytes,
            paragraphs,
        })
    }

    /// The emitted text: the pieces pass 1 kept, minus boilerplate paragraphs, one paragraph
    /// per line; `None` if they no longer fit the text (the input changed under us).
    fn kept_text(&self, text: &str, d: &Doc) -> Option<(String, u64)> {
        let mut out = String::with_capacity(text.len());
        let mut n = 0;
        let mut current = u32::MAX;
        for &(para, start, end) in &self.pieces[d.pieces.clone()] {
            if self.bp.contains(self.hashes[d.paras.start + para as usize]) {
                continue;
            }
            let piece = text.get(start as usize..end as usize)?;
            if para != current {
                trim_end(&mut out);
                if n > 0 {
                    out.push('\n');
                }
                n += 1;
                current = para;
                out.push_str(piece.trim_start());
            } else {
                out.push_str(piece);
            }
        }
        trim_end(&mut out);
        Some((out, n))
    }
}

fn trim_end(s: &mut String) {
    let t = s.trim_end().len();
    s.truncate(t);
}

pub(crate) fn fill_report(
    report: &mut Report,
    ctx: &Ctx,
    docs: &[Doc],
    fates: &[Fate],
    facts: &[(Option<u128>, Rank, u32)],
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
            Fate::Near(..) => *r.documents.dropped.entry("near".to_owned()).or_default() += 1,
            Fate::Empty => *r.documents.dropped.entry("empty".to_owned()).or_default() += 1,
            Fate::Invalid => {
                *r.documents.dropped.entry("invalid".to_owned()).or_default() += 1;
                r.invalid.count += 1;
                if r.invalid.first.len() < REPORT_INVALID {
                    r.invalid.first.push(report::InvalidRecord {
                        source: ctx.source(d.file, d.loc),
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
        r.paragraphs.boilerplate += u64::from(facts[i].2);
    }
    r.paragraphs.boilerplate_distinct = bp.groups.len() as u64;
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
