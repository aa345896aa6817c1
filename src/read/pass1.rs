//! Pass 1 over units of work: every record of a unit is parsed, normalized, repaired and
//! (when the near-duplicate stage is on) partly signed; what is kept is per-document facts
//! and flat per-paragraph tables ([`Tables`]), never the text.
//!
//! Offsets are byte offsets into a file's (decompressed) data; a document's pieces are byte
//! ranges of its (unescaped) text.

use std::ops::Range;
use std::sync::atomic::Ordering::Relaxed;

use crate::input::wet::WetRecord;
use crate::input::{self, bom_len, jsonl, lines, utf8_lossy, Format, InputFile, Opened};
use crate::near::minhash::MinHasher;
use crate::near::shingle::{shingles_of_tokens, Shingler};
use crate::progress::Progress;
use crate::repair::{Repaired, Repairer};
use crate::site;
use crate::sources::Ctx;
use crate::tables::{as_read, Doc, Loc, Piece, Tables, NO_SIG, SHORT_PARAGRAPH};

/// Target size of one unit of parallel work (a run of lines or WET records).
pub(crate) const CHUNK_BYTES: usize = input::CHUNK_BYTES;

/// Pass-1 signing state of one worker.
pub(crate) struct Signer {
    pub(crate) size: usize,
    pub(crate) shingler: Shingler,
    pub(crate) hasher: MinHasher,
    pub(crate) bag: Vec<u32>,
    pub(crate) para: String,
}

/// A unit of parallel work.
pub(crate) enum Work {
    Jsonl {
        file: usize,
        range: Range<usize>,
        /// The number of the range's first line, or `None`: numbered from 1 here, and
        /// renumbered once the lines before the range are counted (see `read::pass1_all`).
        first_line: Option<u64>,
    },
    Text {
        file: usize,
    },
    /// A file that could not be read: one invalid record.
    Unreadable {
        file: usize,
    },
    Wet {
        file: usize,
        records: Range<usize>,
    },
}

impl Work {
    /// Input bytes this unit reads (of its file's decompressed data).
    pub(crate) fn bytes(&self, ctx: &Ctx) -> u64 {
        match *self {
            Work::Jsonl { ref range, .. } => range.len() as u64,
            Work::Text { file } => ctx.opened[file].data.len() as u64,
            Work::Wet { file, ref records } => ctx.wet[file][records.clone()]
                .iter()
                .map(|r| r.body.len() as u64)
                .sum(),
            Work::Unreadable { .. } => 0,
        }
    }

    /// Gives back the input pages this unit read (`--memory`).
    pub(crate) fn release(&self, ctx: &Ctx) {
        match *self {
            Work::Jsonl {
                file, ref range, ..
            } => ctx.opened[file].data.release(range.clone()),
            Work::Text { file } => {
                let data = &ctx.opened[file].data;
                data.release(0..data.len());
            }
            Work::Wet { file, ref records } => {
                let rs = &ctx.wet[file][records.clone()];
                if let (Some(first), Some(last)) = (rs.first(), rs.last()) {
                    ctx.opened[file].data.release(first.offset..last.body.end);
                }
            }
            Work::Unreadable { .. } => {}
        }
    }
}

/// Cuts every file into units of work of about [`CHUNK_BYTES`].
pub(crate) fn plan(
    files: &[InputFile],
    opened: &[Opened],
    wet: &[Vec<WetRecord>],
    release: bool,
) -> Vec<Work> {
    let mut work = Vec::new();
    for (file, (f, o)) in files.iter().zip(opened).enumerate() {
        if o.unreadable.is_some() {
            work.push(Work::Unreadable { file });
            continue;
        }
        match f.format {
            // A Parquet file was converted into JSON Lines when it was opened; its rows'
            // faults are listed by row number, which pass 1 must know: the conversion cut
            // the lines into chunks and numbered them (else they are counted here).
            Format::Parquet => {
                let chunks = match &o.chunks {
                    Some(c) => c.clone(),
                    None => input::line_chunks_then(&o.data, CHUNK_BYTES, |r| {
                        if release {
                            o.data.release(r);
                        }
                    }),
                };
                for (range, first_line) in chunks {
                    work.push(Work::Jsonl {
                        file,
                        range,
                        first_line: Some(first_line),
                    });
                }
            }
            // Lines are counted by pass 1, each chunk as it reads it: counting them all here
            // first was one more pass over the whole input through memory (5% of a run).
            Format::Jsonl => {
                for range in input::line_bounds(&o.data, CHUNK_BYTES) {
                    work.push(Work::Jsonl {
                        file,
                        range,
                        first_line: None,
                    });
                }
            }
            Format::Text => work.push(Work::Text { file }),
            Format::Wet => {
                let recs = &wet[file];
                let mut start = 0;
                let mut bytes = 0;
                for (i, r) in recs.iter().enumerate() {
                    bytes += r.body.len();
                    if bytes >= CHUNK_BYTES || i + 1 == recs.len() {
                        work.push(Work::Wet {
                            file,
                            records: start..i + 1,
                        });
                        start = i + 1;
                        bytes = 0;
                    }
                }
            }
        }
    }
    work
}

/// The document of a record that could not be read: `msg` says why.
pub(crate) fn invalid_doc(
    ctx: &Ctx,
    file: usize,
    span: Range<usize>,
    loc: Loc,
    msg: String,
) -> Doc {
    Doc {
        error: Some(msg.into()),
        ..Doc::new(ctx.source(file as u32, loc).into(), file as u32, span, loc)
    }
}

/// One readable record, as pass 1 sees it.
pub(crate) struct Rec<'a> {
    pub(crate) file: usize,
    pub(crate) span: Range<usize>,
    pub(crate) loc: Loc,
    pub(crate) id: Option<&'a str>,
    pub(crate) url: Option<&'a str>,
    /// The URL whose host names the record's site (a WET target URI, a JSON `--url-field`).
    pub(crate) site_url: Option<&'a str>,
    pub(crate) text: &'a str,
    pub(crate) lossy: bool,
    /// A JSON record's text value as it is in its line (quotes and escapes included).
    pub(crate) raw_text: Option<&'a str>,
}

/// The hash of a record as it is in its file — a JSON line, a WET record's body, id and URL,
/// a text page — but not of a page id made from a file name (see [`Doc::content`]).
fn content_hash(raw: &[u8], rec: &Rec) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    if !matches!(rec.loc, Loc::File) {
        for part in [rec.id.unwrap_or(""), rec.url.unwrap_or("")] {
            h.update(&(part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
    }
    h.update(raw);
    h.digest()
}

/// Pass-1 state of one worker: a repairer and its output buffer, reused across records.
pub(crate) struct Pass1<'a> {
    pub(crate) ctx: &'a Ctx<'a>,
    pub(crate) repairer: Repairer,
    pub(crate) repaired: Repaired,
    pub(crate) signer: Option<Signer>,
    pub(crate) out: Tables,
}

impl Pass1<'_> {
    /// Normalizes and repairs one record and appends its facts to the chunk.
    pub(crate) fn add(&mut self, rec: Rec) {
        let (r, out) = (&mut self.repaired, &mut self.out);
        self.repairer.repair_into(rec.text, r);
        let start = out.hashes.len();
        let piece_start = out.pieces.len();
        let event_start = out.events.len();
        out.events.extend_from_slice(&r.events);
        for (i, p) in r.paragraphs.iter().enumerate() {
            out.hashes.push(p.hash);
            out.chars.push(p.key_chars);
            out.flows.push(p.flow);
            out.lines.push(p.line);
            for piece in &r.pieces[p.pieces.clone()] {
                out.pieces.push(Piece {
                    para: i as u32,
                    start: piece.start as u32,
                    end: piece.end as u32,
                });
            }
        }
        // Shingles: long paragraphs go into the document's signature now, short ones are
        // kept apart until boilerplate is known.
        let short_start = out.short.len();
        let mut sig = NO_SIG;
        if let Some(sg) = &mut self.signer {
            sg.bag.clear();
            for p in &r.paragraphs {
                let dest = if p.key_chars <= SHORT_PARAGRAPH {
                    &mut out.short
                } else {
                    &mut sg.bag
                };
                let before = dest.len();
                match &p.tokens {
                    // Tokens collected while repair built the key: no second walk.
                    Some(t) => shingles_of_tokens(&r.tokens[t.clone()], sg.size, dest),
                    None => {
                        sg.para.clear();
                        for piece in &r.pieces[p.pieces.clone()] {
                            sg.para.push_str(&rec.text[piece.clone()]);
                        }
                        sg.shingler.paragraph(&sg.para, dest);
                    }
                }
                let n = dest.len() - before;
                out.short_counts.push(if p.key_chars <= SHORT_PARAGRAPH {
                    n as u32
                } else {
                    0
                });
            }
            // An empty bag signs as all `u32::MAX`: no row (see `Doc::sig`).
            if !sg.bag.is_empty() {
                let row = out.sigs.len();
                out.sigs.resize(row + sg.hasher.len(), u32::MAX);
                sg.hasher.sign(&sg.bag, &mut out.sigs[row..]);
                sig = out.sig_rows;
                out.sig_rows += 1;
            }
        }
        // Without an id, the document is named by its source, once its line is known.
        let (id, id_from_source) = match rec.id {
            Some(id) => (id.into(), false),
            None => (Box::default(), true),
        };
        let content = content_hash(&self.ctx.opened[rec.file].data[rec.span.clone()], &rec);
        let verbatim = !rec.lossy
            && r.events.is_empty()
            && rec.raw_text.is_some_and(jsonl::writes_back)
            && as_read(
                rec.text,
                r.paragraphs.iter().map(|p| &r.pieces[p.pieces.clone()]),
            );
        let f = &self.ctx.files[rec.file];
        let site = out.sites.intern(&site::name_of(
            rec.site_url,
            &f.path,
            f.format == Format::Text,
        ));
        out.docs.push(Doc {
            paras: start..out.hashes.len(),
            pieces: piece_start..out.pieces.len(),
            events: event_start..out.events.len(),
            short: short_start..out.short.len(),
            url: rec.url.map(Into::into),
            site,
            glosses: r.glosses,
            noise: crate::normalize::noise(rec.text),
            repeated: r.repeated_paragraphs,
            repeated_chars: r.repeated_chars,
            cut: r.cut_paragraphs,
            lines: r.paragraphs.len() as u32 + r.repeated_paragraphs,
            text_bytes: rec.text.len() as u64,
            lossy: rec.lossy,
            published: self.ctx.is_published(rec.file),
            content,
            sig,
            id_from_source,
            verbatim,
            ..Doc::new(id, rec.file as u32, rec.span, rec.loc)
        });
    }

    pub(crate) fn invalid(&mut self, file: usize, span: Range<usize>, loc: Loc, msg: String) {
        // Named by its source once its line is known (see `read::pass1_all`).
        let d = Doc {
            error: Some(msg.into()),
            id_from_source: true,
            ..Doc::new(Box::default(), file as u32, span, loc)
        };
        self.out.docs.push(d);
    }
}

/// Pass 1 over one unit of work: parse, normalize and repair each record. Returns the
/// unit's tables and, for a range of JSON lines numbered from 1 here (`first_line: None`),
/// the number of lines it holds (else 0).
pub(crate) fn pass1(ctx: &Ctx, w: &Work, progress: &Progress, out: Tables) -> (Tables, u64) {
    let mut p = Pass1 {
        ctx,
        repairer: if ctx.cfg.options.near.is_some() {
            Repairer::new(ctx.cfg.options.min_repeat).with_tokens()
        } else {
            Repairer::new(ctx.cfg.options.min_repeat)
        },
        repaired: Repaired::default(),
        signer: ctx.cfg.options.near.map(|nc| Signer {
            size: nc.shingle,
            shingler: Shingler::new(nc.shingle),
            hasher: nc.hasher(),
            bag: Vec::new(),
            para: String::new(),
        }),
        out,
    };
    let mut lines_read = 0;
    let bytes = match *w {
        Work::Jsonl {
            file,
            ref range,
            first_line,
        } => {
            let o = &ctx.opened[file];
            let data = &o.data[..];
            // Lines numbered from 1 here are counted by the walk over the records itself (a
            // count of its own was one more pass over the chunk through memory).
            let counted = first_line.is_none();
            let first_line = first_line.unwrap_or(1);
            let row_errors = &ctx.opened[file].row_errors;
            // A Parquet row is named by its row number, which is its line's.
            let parquet = ctx.files[file].format == Format::Parquet;
            let mut records = lines(data, range.clone(), first_line).known(o.rows.as_ref());
            for (span, line) in records.by_ref() {
                let loc = if parquet {
                    Loc::Record(line)
                } else {
                    Loc::Line(line)
                };
                // A line skipped while decompressing is a placeholder that knows its length.
                if let Some(n) = ctx.opened[file].skipped_at(span.start) {
                    let msg = too_large(n as usize, ctx.cfg.options.max_doc_bytes);
                    p.invalid(file, span.clone(), loc, msg);
                    continue;
                }
                if let Some(msg) = row_errors.get(line) {
                    p.invalid(file, span.clone(), loc, msg.to_owned());
                    continue;
                }
                if span.len() > ctx.cfg.options.max_doc_bytes {
                    let msg = too_large(span.len(), ctx.cfg.options.max_doc_bytes);
                    p.invalid(file, span.clone(), loc, msg);
                    continue;
                }
                let row = parquet.then_some(line);
                o.with_json(
                    span.clone(),
                    row,
                    &ctx.cfg.options.fields,
                    |rec, lossy| match rec {
                        Ok((rec, line)) => p.add(Rec {
                            file,
                            span: span.clone(),
                            loc,
                            id: rec.id.as_deref(),
                            url: None,
                            site_url: rec.url.as_deref(),
                            text: &rec.text,
                            lossy,
                            raw_text: line.get(rec.text_span.clone()),
                        }),
                        Err(msg) => p.invalid(file, span.clone(), loc, msg),
                    },
                );
            }
            if counted {
                lines_read = records.line_ends();
            }
            range.len()
        }
        Work::Unreadable { file } => {
            let msg = ctx.opened[file].unreadable.clone().unwrap_or_default();
            p.invalid(file, 0..0, Loc::File, format!("unreadable: {msg}"));
            0
        }
        Work::Text { file }
            if ctx.opened[file].data.len() > ctx.cfg.options.max_doc_bytes
                || !ctx.opened[file].skipped.is_empty() =>
        {
            let o = &ctx.opened[file];
            let n = o.data.len();
            let bytes = o.skipped_at(0).map_or(n as u64, |b| b);
            p.invalid(
                file,
                0..n,
                Loc::File,
                too_large(bytes as usize, ctx.cfg.options.max_doc_bytes),
            );
            n
        }
        Work::Text { file } => {
            let data = &ctx.opened[file].data[..];
            let start = bom_len(data);
            let text = utf8_lossy(&data[start..]);
            p.add(Rec {
                file,
                span: start..data.len(),
                loc: Loc::File,
                id: Some(&ctx.files[file].rel),
                url: None,
                site_url: None,
                text: &text,
                lossy: false,
                raw_text: None,
            });
            data.len()
        }
        Work::Wet { file, ref records } => {
            let data = &ctx.opened[file].data[..];
            let mut n = 0;
            for r in &ctx.wet[file][records.clone()] {
                n += r.body.len();
                let loc = Loc::Record(r.ordinal);
                match &r.error {
                    Some(msg) => p.invalid(file, r.offset..r.offset, loc, msg.clone()),
                    // A body skipped while decompressing is a placeholder that knows its length.
                    None if ctx.opened[file].skipped_at(r.body.start).is_some() => {
                        let o = &ctx.opened[file];
                        let i = o.skipped.partition_point(|s| s.at < r.body.start);
                        let s = o.skipped[i];
                        let mut msg = too_large(s.bytes as usize, ctx.cfg.options.max_doc_bytes);
                        if s.warc_lines > 0 {
                            // A wrong Content-Length may have swallowed records: say so.
                            msg += &format!(
                                "; skipped while decompressing, its body holds {} lines starting `WARC/`, whose records (if they are records) were not read",
                                s.warc_lines
                            );
                        }
                        p.invalid(file, r.body.clone(), loc, msg);
                    }
                    None if r.body.len() > ctx.cfg.options.max_doc_bytes => {
                        let msg = too_large(r.body.len(), ctx.cfg.options.max_doc_bytes);
                        p.invalid(file, r.body.clone(), loc, msg);
                    }
                    None => {
                        let text = utf8_lossy(&data[r.body.clone()]);
                        p.add(Rec {
                            file,
                            span: r.body.clone(),
                            loc,
                            id: r.id.as_deref(),
                            url: r.url.as_deref(),
                            site_url: r.url.as_deref(),
                            text: &text,
                            lossy: false,
                            raw_text: None,
                        });
                    }
                }
            }
            n
        }
    };
    progress.done.fetch_add(bytes as u64, Relaxed);
    progress.docs.fetch_add(p.out.docs.len() as u64, Relaxed);
    (p.out, lines_read)
}

pub(crate) fn too_large(n: usize, limit: usize) -> String {
    format!("too large: {n} bytes (limit --max-doc-bytes {limit})")
}
