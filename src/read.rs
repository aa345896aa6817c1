//! Read stage workers: every record of every input file is parsed, normalized, repaired and
//! (when the near-duplicate stage is on) partly signed, in parallel units of work; what stays
//! in memory is per-document facts and flat per-paragraph tables, never the text.
//!
//! Offsets are byte offsets into a file's (decompressed) data; a document's pieces are byte
//! ranges of its (unescaped) text.

use std::ops::Range;
use std::sync::atomic::Ordering::Relaxed;

use crate::input::jsonl::{self, Fields, JsonRecord};
use crate::input::wet::WetRecord;
use crate::input::{self, bom_len, lines, Format, InputFile, Opened};
use crate::minhash::MinHasher;
use crate::pipeline::{Config, Progress};
use crate::repair::{Event, Repaired, Repairer};
use crate::shingle::{shingles_of_tokens, Shingler};

/// Target size of one unit of parallel work (a run of lines or WET records).
pub(crate) const CHUNK_BYTES: usize = 1 << 20;

/// Where a document was read.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub(crate) enum Loc {
    /// JSON Lines: 1-based line.
    Line(u64),
    /// A whole text file.
    File,
    /// WET: 1-based record number.
    Record(u64),
    /// A damaged stream: decompressed byte offset.
    Byte(u64),
    /// A document published by an earlier run: its index in [`Ctx::published`].
    Published(u32),
}

/// What pass 1 keeps of a document.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Doc {
    pub(crate) id: Box<str>,
    pub(crate) file: u32,
    /// Record bytes within the file's (decompressed) data.
    pub(crate) span: Range<usize>,
    pub(crate) loc: Loc,
    pub(crate) error: Option<Box<str>>,
    /// This document's paragraphs in the flat tables.
    pub(crate) paras: Range<usize>,
    /// This document's kept text pieces in the flat piece table.
    pub(crate) pieces: Range<usize>,
    /// What repair removed, in the flat event table.
    pub(crate) events: Range<usize>,
    /// Shingles of the document's short paragraphs, in the flat short-shingle table.
    pub(crate) short: Range<usize>,
    /// WET: the target URI.
    pub(crate) url: Option<Box<str>>,
    pub(crate) glosses: u32,
    pub(crate) repeated: u32,
    pub(crate) repeated_chars: u64,
    pub(crate) cut: u32,
    pub(crate) lines: u32,
    pub(crate) text_bytes: u64,
    pub(crate) lossy: bool,
    /// Already published (read from the index, or from a `--published` input): outranks
    /// every other document.
    pub(crate) published: bool,
    /// Hash of what the record says (explicit id, URL, text), not where it is: the canonical
    /// order's tie-break, so that renaming or reordering input files keeps the same survivors.
    pub(crate) content: u64,
}

/// Output of one unit of pass-1 work.
#[derive(Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Chunk {
    pub(crate) docs: Vec<Doc>,
    pub(crate) hashes: Vec<u64>,
    pub(crate) chars: Vec<u32>,
    /// Line number of each paragraph within its document, parallel to `hashes`.
    pub(crate) lines: Vec<u32>,
    pub(crate) pieces: Vec<Piece>,
    pub(crate) events: Vec<Event>,
    /// Near-duplicate stage: per document, the MinHash signature of its long paragraphs
    /// (`perms` values per document, invalid documents included).
    pub(crate) sigs: Vec<u32>,
    /// Shingles of short paragraphs, and how many each paragraph has (parallel to `hashes`;
    /// 0 for long paragraphs).
    pub(crate) short: Vec<u32>,
    pub(crate) short_counts: Vec<u32>,
}

/// Paragraphs of at most this many key characters keep their shingles apart from the
/// document's pass-1 signature, so that they can be left out if they turn out to be
/// boilerplate (footer lines are short). A document with a longer boilerplate paragraph is
/// signed again from its text.
pub(crate) const SHORT_PARAGRAPH: u32 = 48;

/// Pass-1 signing state of one worker.
pub(crate) struct Signer {
    pub(crate) size: usize,
    pub(crate) shingler: Shingler,
    pub(crate) hasher: MinHasher,
    pub(crate) bag: Vec<u32>,
    pub(crate) para: String,
}

/// A kept byte range of a document's text: (paragraph index within the document, start, end).
pub(crate) type Piece = (u32, u32, u32);

/// A unit of parallel work.
pub(crate) enum Work {
    Jsonl {
        file: usize,
        range: Range<usize>,
        first_line: u64,
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

/// Read-only state shared by the stages.
pub(crate) struct Ctx<'a> {
    pub(crate) cfg: &'a Config,
    pub(crate) files: &'a [InputFile],
    pub(crate) opened: &'a [Opened],
    pub(crate) wet: &'a [Vec<WetRecord>],
    /// The documents published by earlier runs (incremental runs).
    pub(crate) published: &'a PublishedDocs,
}

/// The documents an incremental run reads back from its index (see `pipeline::add_published`).
#[derive(Default)]
pub(crate) struct PublishedDocs {
    /// Where each was read, as its run reported it.
    pub(crate) sources: Vec<Box<str>>,
    /// Where its canonical line is: (entry in `files`, byte offset).
    pub(crate) text_at: Vec<Option<(u32, u64)>>,
    /// The index's published outputs, mapped, with their text field; `None` where the file
    /// is gone or was replaced.
    pub(crate) files: Vec<Option<(memmap2::Mmap, String)>>,
}

impl PublishedDocs {
    /// The published text of document `k`, if its output is still at hand.
    pub(crate) fn text(&self, k: usize) -> Option<String> {
        let (file, off) = self.text_at.get(k).copied().flatten()?;
        let (map, field) = self.files.get(file as usize)?.as_ref()?;
        let rest = map.get(off as usize..)?;
        let line = &rest[..memchr::memchr(b'\n', rest).unwrap_or(rest.len())];
        let v: serde_json::Value = serde_json::from_slice(line).ok()?;
        v.get(field.as_str())
            .or_else(|| v.get("text"))?
            .as_str()
            .map(str::to_owned)
    }
}

/// The `file` of a document published by an earlier run: it has no input file here.
pub(crate) const NO_FILE: u32 = u32::MAX;

impl Ctx<'_> {
    pub(crate) fn source(&self, file: u32, loc: Loc) -> String {
        if let Loc::Published(k) = loc {
            return self.published.sources[k as usize].to_string();
        }
        let p = self.files[file as usize].path.display();
        match loc {
            Loc::Line(l) => format!("{p}:{l}"),
            Loc::File => format!("{p}"),
            Loc::Record(r) => format!("{p}#{r}"),
            Loc::Byte(b) => format!("{p}@{b}"),
            Loc::Published(_) => unreachable!("handled above"),
        }
    }

    /// Whether input `file` is under a `--published` path.
    pub(crate) fn is_published(&self, file: usize) -> bool {
        let path = &self.files[file].path;
        self.cfg.published.iter().any(|p| path.starts_with(p))
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
            Format::Jsonl => {
                let chunks = input::line_chunks_then(&o.data, CHUNK_BYTES, |r| {
                    if release {
                        o.data.release(r);
                    }
                });
                for (range, first_line) in chunks {
                    work.push(Work::Jsonl {
                        file,
                        range,
                        first_line,
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

/// Calls `f` with a parsed JSON line (repairing invalid UTF-8 with U+FFFD first) and the line
/// text it borrows from; the flag says whether the line was repaired.
pub(crate) fn with_json_line<R>(
    bytes: &[u8],
    fields: &Fields,
    f: impl for<'x> FnOnce(Result<(JsonRecord<'x>, &'x str), String>, bool) -> R,
) -> R {
    match simdutf8::basic::from_utf8(bytes) {
        Ok(line) => f(jsonl::parse(line, fields).map(|r| (r, line)), false),
        Err(_) => {
            let owned = utf8_lossy(bytes).into_owned();
            f(
                jsonl::parse(&owned, fields).map(|r| (r, owned.as_str())),
                true,
            )
        }
    }
}

pub(crate) fn invalid_doc(
    ctx: &Ctx,
    file: usize,
    span: Range<usize>,
    loc: Loc,
    msg: String,
) -> Doc {
    Doc {
        id: ctx.source(file as u32, loc).into(),
        file: file as u32,
        span,
        loc,
        error: Some(msg.into()),
        paras: 0..0,
        pieces: 0..0,
        events: 0..0,
        short: 0..0,
        url: None,
        glosses: 0,
        repeated: 0,
        repeated_chars: 0,
        cut: 0,
        lines: 0,
        text_bytes: 0,
        lossy: false,
        published: false,
        content: 0,
    }
}

/// One readable record, as pass 1 sees it.
pub(crate) struct Rec<'a> {
    pub(crate) file: usize,
    pub(crate) span: Range<usize>,
    pub(crate) loc: Loc,
    pub(crate) id: Option<&'a str>,
    pub(crate) url: Option<&'a str>,
    pub(crate) text: &'a str,
    pub(crate) lossy: bool,
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
    pub(crate) out: Chunk,
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
            out.lines.push(p.line);
            for piece in &r.pieces[p.pieces.clone()] {
                out.pieces
                    .push((i as u32, piece.start as u32, piece.end as u32));
            }
        }
        // Shingles: long paragraphs go into the document's signature now, short ones are
        // kept apart until boilerplate is known.
        let short_start = out.short.len();
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
            let row = out.sigs.len();
            out.sigs.resize(row + sg.hasher.len(), u32::MAX);
            sg.hasher.sign(&sg.bag, &mut out.sigs[row..]);
        }
        let id = match rec.id {
            Some(id) => id.into(),
            None => self.ctx.source(rec.file as u32, rec.loc).into(),
        };
        let content = content_hash(&self.ctx.opened[rec.file].data[rec.span.clone()], &rec);
        out.docs.push(Doc {
            id,
            file: rec.file as u32,
            span: rec.span,
            loc: rec.loc,
            error: None,
            paras: start..out.hashes.len(),
            pieces: piece_start..out.pieces.len(),
            events: event_start..out.events.len(),
            short: short_start..out.short.len(),
            url: rec.url.map(Into::into),
            glosses: r.glosses,
            repeated: r.repeated_paragraphs,
            repeated_chars: r.repeated_chars,
            cut: r.cut_paragraphs,
            lines: r.paragraphs.len() as u32 + r.repeated_paragraphs,
            text_bytes: rec.text.len() as u64,
            lossy: rec.lossy,
            published: self.ctx.is_published(rec.file),
            content,
        });
    }

    pub(crate) fn invalid(&mut self, file: usize, span: Range<usize>, loc: Loc, msg: String) {
        let d = invalid_doc(self.ctx, file, span, loc, msg);
        self.out.docs.push(d);
        if let Some(sg) = &self.signer {
            let row = self.out.sigs.len();
            self.out.sigs.resize(row + sg.hasher.len(), u32::MAX);
        }
    }
}

/// Pass 1 over one unit of work: parse, normalize and repair each record.
pub(crate) fn pass1(ctx: &Ctx, w: &Work, progress: &Progress) -> Chunk {
    let mut p = Pass1 {
        ctx,
        repairer: if ctx.cfg.near.is_some() {
            Repairer::new(ctx.cfg.min_repeat).with_tokens()
        } else {
            Repairer::new(ctx.cfg.min_repeat)
        },
        repaired: Repaired::default(),
        signer: ctx.cfg.near.map(|nc| Signer {
            size: nc.shingle,
            shingler: Shingler::new(nc.shingle),
            hasher: nc.hasher(),
            bag: Vec::new(),
            para: String::new(),
        }),
        out: Chunk::default(),
    };
    let bytes = match *w {
        Work::Jsonl {
            file,
            ref range,
            first_line,
        } => {
            let data = &ctx.opened[file].data[..];
            for (span, line) in lines(data, range.clone(), first_line) {
                let loc = Loc::Line(line);
                if span.len() > ctx.cfg.max_doc_bytes {
                    let msg = too_large(span.len(), ctx.cfg.max_doc_bytes);
                    p.invalid(file, span.clone(), loc, msg);
                    continue;
                }
                with_json_line(
                    &data[span.clone()],
                    &ctx.cfg.fields,
                    |rec, lossy| match rec {
                        Ok((rec, _)) => p.add(Rec {
                            file,
                            span: span.clone(),
                            loc,
                            id: rec.id.as_deref(),
                            url: None,
                            text: &rec.text,
                            lossy,
                        }),
                        Err(msg) => p.invalid(file, span.clone(), loc, msg),
                    },
                );
            }
            range.len()
        }
        Work::Unreadable { file } => {
            let msg = ctx.opened[file].unreadable.clone().unwrap_or_default();
            p.invalid(file, 0..0, Loc::File, format!("unreadable: {msg}"));
            0
        }
        Work::Text { file } if ctx.opened[file].data.len() > ctx.cfg.max_doc_bytes => {
            let n = ctx.opened[file].data.len();
            p.invalid(file, 0..n, Loc::File, too_large(n, ctx.cfg.max_doc_bytes));
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
                text: &text,
                lossy: false,
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
                    None if r.body.len() > ctx.cfg.max_doc_bytes => {
                        let msg = too_large(r.body.len(), ctx.cfg.max_doc_bytes);
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
                            text: &text,
                            lossy: false,
                        });
                    }
                }
            }
            n
        }
    };
    progress.done.fetch_add(bytes as u64, Relaxed);
    progress.docs.fetch_add(p.out.docs.len() as u64, Relaxed);
    p.out
}

pub(crate) fn too_large(n: usize, limit: usize) -> String {
    format!("too large: {n} bytes (limit --max-doc-bytes {limit})")
}

/// Concatenates pass-1 chunks (in input order) into one document list and flat tables.
pub(crate) fn merge(chunks: Vec<Chunk>) -> Chunk {
    let mut all = Chunk::default();
    merge_into(&mut all, chunks);
    all
}

/// Appends `chunks`, in order, to `all` (document ranges rebased).
pub(crate) fn merge_into(all: &mut Chunk, chunks: Vec<Chunk>) {
    let n_docs: usize = chunks.iter().map(|c| c.docs.len()).sum();
    let n_paras: usize = chunks.iter().map(|c| c.hashes.len()).sum();
    all.docs.reserve(n_docs);
    all.hashes.reserve(n_paras);
    all.chars.reserve(n_paras);
    all.lines.reserve(n_paras);
    all.short_counts.reserve(n_paras);
    all.pieces
        .reserve(chunks.iter().map(|c| c.pieces.len()).sum());
    all.events
        .reserve(chunks.iter().map(|c| c.events.len()).sum());
    all.sigs.reserve(chunks.iter().map(|c| c.sigs.len()).sum());
    all.short
        .reserve(chunks.iter().map(|c| c.short.len()).sum());
    for c in chunks {
        let base = all.hashes.len();
        let pbase = all.pieces.len();
        let ebase = all.events.len();
        let sbase = all.short.len();
        all.docs.extend(c.docs.into_iter().map(|mut d| {
            d.paras = d.paras.start + base..d.paras.end + base;
            d.pieces = d.pieces.start + pbase..d.pieces.end + pbase;
            d.events = d.events.start + ebase..d.events.end + ebase;
            d.short = d.short.start + sbase..d.short.end + sbase;
            d
        }));
        all.sigs.extend_from_slice(&c.sigs);
        all.short.extend_from_slice(&c.short);
        all.short_counts.extend_from_slice(&c.short_counts);
        all.hashes.extend_from_slice(&c.hashes);
        all.chars.extend_from_slice(&c.chars);
        all.lines.extend_from_slice(&c.lines);
        all.pieces.extend_from_slice(&c.pieces);
        all.events.extend_from_slice(&c.events);
    }
}

/// Calls `f` with a readable document's text, re-read from its mapped input.
pub(crate) fn with_doc_text<R>(ctx: &Ctx, d: &Doc, f: impl FnOnce(&str) -> R) -> Option<R> {
    if d.file == NO_FILE {
        return None; // published by an earlier run: no text here
    }
    let data = &ctx.opened[d.file as usize].data;
    let result = match ctx.files[d.file as usize].format {
        Format::Jsonl => with_json_line(&data[d.span.clone()], &ctx.cfg.fields, |rec, _| {
            rec.ok().map(|(r, _)| f(&r.text))
        }),
        _ => Some(f(&utf8_lossy(&data[d.span.clone()]))),
    };
    if ctx.cfg.memory.is_some() {
        data.release(d.span.clone());
    }
    result
}

/// Text from bytes, replacing invalid UTF-8 with U+FFFD (validated with SIMD first).
pub(crate) fn utf8_lossy(b: &[u8]) -> std::borrow::Cow<'_, str> {
    match simdutf8::basic::from_utf8(b) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}
