//! Renders the output lines of a block of consecutive documents: a canonical line (the kept
//! pieces pass 1 recorded, boilerplate left out, spliced into the record), a dropped line
//! naming the document that keeps the text, and an explain line for every document.

use std::ops::Range;

use crate::decide::{home_of, round4, Decided, Fate};
use crate::error::{Error, Result};
use crate::histogram::Log2Counts;
use crate::input::{utf8_lossy, Format};
use crate::output::{self, CanonInfo, DroppedLine, Removed, Similarity};
use crate::repair::{Event, Removal};
use crate::sources::Ctx;
use crate::tables::{Doc, Loc, Tables};

/// What rendering reads: the inputs, the tables and the decisions.
pub(crate) struct Renderer<'a> {
    pub(crate) ctx: &'a Ctx<'a>,
    pub(crate) tables: &'a Tables,
    pub(crate) decided: &'a Decided,
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
    /// Text bytes and paragraphs of the canonical lines.
    pub(crate) text_bytes: u64,
    pub(crate) paragraphs: u64,
    /// Text bytes of each canonical line, in powers-of-two bins (`length_after`).
    pub(crate) lengths: Log2Counts,
}

/// zstd level of the explain frames.
const EXPLAIN_LEVEL: i32 = 3;

thread_local! {
    /// One zstd context per worker, reused for every block: a context costs about as much to
    /// create as compressing a block of short documents' explain lines.
    static EXPLAIN_ZSTD: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
        const { std::cell::RefCell::new(None) };
}

/// `data` as one zstd frame at [`EXPLAIN_LEVEL`] (the same bytes as `zstd::bulk::compress`:
/// a reused context keeps its parameters and starts each frame afresh).
fn compress_frame(data: &[u8]) -> std::io::Result<Vec<u8>> {
    EXPLAIN_ZSTD.with(|cell| {
        let mut slot = cell.borrow_mut();
        let z = match &mut *slot {
            Some(z) => z,
            None => slot.insert(zstd::bulk::Compressor::new(EXPLAIN_LEVEL)?),
        };
        z.compress(data)
    })
}

/// What rendering one document's line wrote (into the block's canonical or dropped buffer).
struct Rendered {
    canonical: bool,
    text_bytes: u64,
    paragraphs: u64,
    /// What repair removed, when the text was read for the line (a kept, repaired page):
    /// the explain line takes it rather than reading the text again.
    repair_text: Option<Vec<String>>,
    /// Where the document was read, and where its canonical document was (if dropped): the
    /// explain line takes them rather than making them again.
    source: String,
    kept_source: Option<String>,
}

impl Renderer<'_> {
    /// Renders documents `docs` into one block.
    ///
    /// # Errors
    /// A kept record no longer parses or fits its pieces (its input changed while canon ran),
    /// or compressing the explain lines failed.
    pub(crate) fn render_block(&self, docs: Range<usize>) -> Result<Block> {
        let mut b = Block::default();
        // Room at once for what the block's lines will take (a kept line is about its input
        // line): grown from empty, the buffers were copied at every doubling.
        let (t, dec) = (self.tables, self.decided);
        let kept: usize = docs
            .clone()
            .filter(|&i| dec.fates[i] == Fate::Kept)
            .map(|i| t.docs[i].span.len() + 512)
            .sum();
        b.canon.reserve(kept);
        let mut explain = Vec::with_capacity(docs.len() * 512);
        // One text buffer for the block: a canonical text is built in it, then escaped.
        let mut text = String::new();
        for i in docs {
            let before = b.canon.len();
            let mut r = self.render(i, &mut b.canon, &mut b.dropped, &mut text)?;
            let sources = (std::mem::take(&mut r.source), r.kept_source.take());
            self.explain(i, r.repair_text.take(), sources, &mut explain);
            if r.canonical {
                b.canon_docs.push((i, b.canon.len() - before));
                b.text_bytes += r.text_bytes;
                b.paragraphs += r.paragraphs;
                b.lengths.add(r.text_bytes);
            }
        }
        b.explain = compress_frame(&explain).map_err(|e| Error::io(&self.ctx.cfg.out, e))?;
        Ok(b)
    }

    /// Appends the explain line of document `i`: its fate and what was removed from it;
    /// `sources` are where it and its canonical document (if dropped) were read.
    fn explain(
        &self,
        i: usize,
        repair_text: Option<Vec<String>>,
        sources: (String, Option<String>),
        out: &mut Vec<u8>,
    ) {
        let (t, dec) = (self.tables, self.decided);
        let d = &t.docs[i];
        let ctx = self.ctx;
        let (fate, similarity, chain) = match dec.fates[i] {
            Fate::Kept => ("kept", None, None),
            Fate::Exact(_) => ("exact", Some(1.0), None),
            Fate::Near {
                similarity, chain, ..
            } => ("near", Some(round4(similarity)), Some(chain)),
            Fate::Empty => ("empty", None, None),
            Fate::Invalid => ("invalid", None, None),
        };
        let kept = dec.fates[i].kept();
        let canonical = kept.unwrap_or(i);
        let cluster_size = dec.members.get(&canonical).map_or(1, |m| m.len() + 1);
        let events = &t.events[d.events.clone()];
        let repair = events
            .iter()
            .map(|e| match e.removal {
                Removal::Repeat { of } => (e.line, "repeat".into(), of),
                Removal::Cut { chars } => (e.line, "cut".into(), chars),
            })
            .collect();
        // The removed text itself: from the canonical line's reading of the page, or read
        // again for a dropped page that repair changed.
        let repair_text = match repair_text {
            Some(r) => r,
            None if events.is_empty() => Vec::new(),
            None => ctx
                .with_text(d, |text| removed_texts(text, events, d, t))
                .unwrap_or_default(),
        };
        let boilerplate = d
            .paras
            .clone()
            .filter(|&p| dec.bp.contains(d.site, t.hashes[p]))
            .map(|p| (t.lines[p], format!("{:016x}", t.hashes[p])))
            .collect();
        let passages = d
            .paras
            .clone()
            .filter_map(|p| {
                home_of(&dec.passages, p).map(|h| (t.lines[p], t.docs[h].id.to_string()))
            })
            .collect();
        let line = output::ExplainLine {
            id: (*d.id).into(),
            source: sources.0,
            site: t.sites.name(d.site).to_owned(),
            fate: fate.into(),
            kept_id: kept.map(|k| (*t.docs[k].id).into()),
            kept_source: sources.1,
            similarity,
            chain,
            cluster_size,
            error: d.error.as_deref().map(Into::into),
            paragraphs_kept: d.paras.len(),
            repair,
            repair_text,
            boilerplate,
            passages,
        };
        output::json_value(out, &line);
        out.push(b'\n');
    }

    /// Appends the canonical line of document `i` to `canon`, or its dropped line to
    /// `dropped`; `text` is scratch space for the canonical text.
    fn render(
        &self,
        i: usize,
        canon: &mut Vec<u8>,
        dropped: &mut Vec<u8>,
        text: &mut String,
    ) -> Result<Rendered> {
        let (t, dec) = (self.tables, self.decided);
        let d = &t.docs[i];
        let ctx = self.ctx;
        let source = ctx.source_of(d);
        if dec.fates[i] != Fate::Kept {
            let kept = dec.fates[i].kept();
            let kept_source = kept.map(|k| ctx.source_of(&t.docs[k]));
            let (reason, similarity, chain) = match dec.fates[i] {
                Fate::Invalid => ("invalid", None, None),
                Fate::Empty => ("empty", None, None),
                Fate::Exact(_) => ("exact", None, None),
                Fate::Near {
                    similarity, chain, ..
                } => ("near", Some(Similarity(round4(similarity))), Some(chain)),
                Fate::Kept => unreachable!("kept documents are rendered below"),
            };
            let line = DroppedLine {
                id: &d.id,
                source: &source,
                reason,
                kept_id: kept.map(|k| &*t.docs[k].id),
                kept_source: kept_source.as_deref(),
                error: d.error.as_deref(),
                similarity,
                chain,
            };
            output::json_value(dropped, &line);
            dropped.push(b'\n');
            return Ok(Rendered {
                canonical: false,
                text_bytes: 0,
                paragraphs: 0,
                repair_text: None,
                source,
                kept_source,
            });
        }
        let dups: Vec<&str> = dec
            .members
            .get(&i)
            .map(|m| m.iter().map(|&j| &*t.docs[j].id).collect())
            .unwrap_or_default();
        let info = CanonInfo {
            source: &source,
            cluster_size: dups.len() + 1,
            duplicates: dups,
            removed: Removed {
                repeated_paragraphs: d.repeated,
                repeated_chars: d.repeated_chars,
                boilerplate_paragraphs: dec.facts[i].boilerplate,
                passage_paragraphs: d
                    .paras
                    .clone()
                    .filter(|&p| home_of(&dec.passages, p).is_some())
                    .count() as u32,
            },
        };
        let data = &ctx.opened[d.file as usize].data[..];
        let line = canon;
        let changed = || Error::Invalid {
            location: source.clone(),
            message: "record changed while canon was running".into(),
        };
        let fields = &ctx.cfg.options.fields;
        let events = &t.events[d.events.clone()];
        let removed = |text: &str| (!events.is_empty()).then(|| removed_texts(text, events, d, t));
        let format = ctx.files[d.file as usize].format;
        let whole =
            info.removed.boilerplate_paragraphs == 0 && info.removed.passage_paragraphs == 0;
        let (text_bytes, paragraphs, repair_text) = match format {
            // Nothing taken out of a record whose text is written back as it is read: its
            // line, with `canon` added (see `Doc::verbatim`). Parsing, unescaping and escaping
            // its text again to the same bytes was a fifth of emit on short documents.
            Format::Jsonl | Format::Parquet if d.verbatim && whole => {
                let read = data[d.span.clone()].trim_ascii_end();
                let Some(open) = read.strip_suffix(b"}") else {
                    return Err(changed());
                };
                output::close_jsonl(line, open, &info);
                (d.text_bytes, d.paras.len() as u64, None)
            }
            Format::Jsonl | Format::Parquet => {
                let row = match d.loc {
                    Loc::Record(r) => Some(r),
                    _ => None,
                };
                let o = &ctx.opened[d.file as usize];
                o.with_json(d.span.clone(), row, fields, |rec, _| {
                    let (rec, raw) = rec.map_err(|_| changed())?;
                    let n = self.kept_text(&rec.text, d, text).ok_or_else(changed)?;
                    output::splice_jsonl(line, raw, rec.text_span.clone(), text, &info);
                    Ok((text.len() as u64, n, removed(&rec.text)))
                })?
            }
            _ => {
                let page = utf8_lossy(&data[d.span.clone()]);
                let n = self.kept_text(&page, d, text).ok_or_else(changed)?;
                output::plain_line(line, &d.id, d.url.as_deref(), text, &info);
                (text.len() as u64, n, removed(&page))
            }
        };
        Ok(Rendered {
            canonical: true,
            text_bytes,
            paragraphs,
            repair_text,
            source,
            kept_source: None,
        })
    }

    /// The emitted text, into `out` (cleared first): the pieces pass 1 kept, minus
    /// boilerplate paragraphs, one paragraph per line, each trimmed; returns the number of
    /// paragraphs. `None` if the pieces no longer fit the text (the input changed under us).
    fn kept_text(&self, text: &str, d: &Doc, out: &mut String) -> Option<u64> {
        out.clear();
        let mut n = 0;
        for (p, pieces) in self.tables.kept_paragraphs(d) {
            if self.decided.bp.contains(d.site, self.tables.hashes[p])
                || home_of(&self.decided.passages, p).is_some()
            {
                continue;
            }
            trim_end(out);
            if n > 0 {
                out.push('\n');
            }
            n += 1;
            for (k, piece) in pieces.iter().enumerate() {
                let s = piece.of(text)?;
                // A paragraph starts at its first non-blank character.
                out.push_str(if k == 0 { s.trim_start() } else { s });
            }
        }
        trim_end(out);
        Some(n)
    }
}

fn trim_end(s: &mut String) {
    let t = s.trim_end().len();
    s.truncate(t);
}

/// The text each repair event of `d` removed from `text` (its page as read): a dropped line
/// whole, or the spans cut from a kept line (what its kept pieces leave out), joined by
/// ` … `; each cut to [`output::EXPLAIN_TEXT_CHARS`] characters.
fn removed_texts(text: &str, events: &[Event], d: &Doc, t: &Tables) -> Vec<String> {
    // Lines are numbered as repair numbers them: split on `\n`, a final `\r` not included.
    let last = events.iter().map(|e| e.line).max().unwrap_or(0) as usize;
    let mut lines: Vec<(usize, usize)> = Vec::with_capacity(last);
    let mut start = 0;
    while lines.len() < last && start <= text.len() {
        let end =
            memchr::memchr(b'\n', &text.as_bytes()[start..]).map_or(text.len(), |i| start + i);
        let stop = if text[start..end].ends_with('\r') {
            end - 1
        } else {
            end
        };
        lines.push((start, stop));
        start = end + 1;
    }
    events
        .iter()
        .map(|e| {
            let line = (e.line as usize).checked_sub(1).and_then(|i| lines.get(i));
            let Some(&(a, b)) = line else {
                return String::new();
            };
            let kept = t
                .kept_paragraphs(d)
                .find(|&(p, _)| t.lines[p] == e.line)
                .map(|(_, pieces)| pieces);
            let removed = match (e.removal, kept) {
                (Removal::Cut { .. }, Some(pieces)) => {
                    let mut gaps = Vec::new();
                    let mut at = a;
                    for piece in pieces {
                        gaps.push(at..(piece.start as usize).clamp(at, b));
                        at = (piece.end as usize).clamp(at, b);
                    }
                    gaps.push(at..b);
                    gaps.into_iter()
                        .filter_map(|g| text.get(g).map(str::trim))
                        .filter(|g| !g.is_empty())
                        .collect::<Vec<_>>()
                        .join(" … ")
                }
                // A dropped line (or one a cut left nothing of): all of it.
                _ => text[a..b].trim().to_owned(),
            };
            clip(removed, output::EXPLAIN_TEXT_CHARS)
        })
        .collect()
}

/// `s` cut to at most `max` characters, with `…` where it was cut.
fn clip(mut s: String, max: usize) -> String {
    if let Some((i, _)) = s.char_indices().nth(max) {
        s.truncate(i);
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    /// Reusing a worker's zstd context gives the frames a fresh context gives, so the explain
    /// output does not depend on which worker rendered which block.
    #[test]
    fn a_reused_context_writes_the_frames_a_fresh_one_writes() {
        let blocks = [
            b"{\"id\":\"a\"}\n".repeat(50),
            Vec::new(),
            b"x\ny\n".to_vec(),
        ];
        for b in &blocks {
            let reused = super::compress_frame(b).expect("compresses");
            let fresh = zstd::bulk::compress(b, super::EXPLAIN_LEVEL).expect("compresses");
            assert_eq!(reused, fresh);
            assert_eq!(
                &zstd::bulk::decompress(&reused, 1 << 20).expect("a frame"),
                b
            );
        }
    }
}
