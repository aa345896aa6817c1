//! The whole job, stage by stage: read → normalize and repair → boilerplate → exact-duplicate
//! clusters → canonical choice → emit. Read this file top to bottom to follow a document.
//!
//! Pass 1 reads every record in parallel and keeps only compact per-document facts (id,
//! location, paragraph hashes and lengths). The emit pass reads the kept records again from the
//! mapped files and redoes their (deterministic) repair, so document text is never held in
//! memory for the whole corpus. Outputs are written in input order whatever the thread count.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

use rayon::prelude::*;
use xxhash_rust::xxh3::Xxh3Default;

use crate::boilerplate::{self, Boilerplate};
use crate::cluster::{self, Rank, UnionFind};
use crate::error::{Error, Result};
use crate::input::jsonl::{self, Fields, JsonRecord};
use crate::input::wet::{self, WetRecord};
use crate::input::{self, Data, Format, InputFile, Opened, ReadMode, Stamp};
use crate::minhash::MinHasher;
use crate::near::{self, Near, NearConfig};
use crate::output::{self, CanonInfo, DroppedLine, Pending, Removed};
use crate::repair::{self, Event, Removal, Repaired, Repairer};
use crate::report::{self, Report};
use crate::shingle::Shingler;

/// Target size of one unit of parallel work (a run of lines or WET records).
const CHUNK_BYTES: usize = 1 << 20;
/// Documents rendered in parallel before being written in order.
const EMIT_BATCH: usize = 8192;
/// Documents one worker renders into one output block.
const EMIT_BLOCK: usize = 64;
/// Invalid records listed by location in the report.
const REPORT_INVALID: usize = 20;

/// Everything a run needs to know; the CLI fills it from the command line.
#[derive(Debug, Clone)]
pub struct Config {
    /// Files and directories to read.
    pub inputs: Vec<PathBuf>,
    /// Output directory (created if missing).
    pub out: PathBuf,
    /// Forced input format (otherwise chosen by extension).
    pub format: Option<Format>,
    /// JSON field names.
    pub fields: Fields,
    /// Worker threads; 0 = all cores.
    pub threads: usize,
    /// Repeated runs of at least this many key characters are cut.
    pub min_repeat: usize,
    /// Paragraphs in at least this many copy groups are boilerplate.
    pub boilerplate_min_docs: usize,
    /// Unreadable records stop the run instead of being listed as invalid.
    pub strict: bool,
    /// Near-duplicate detection (`None`: `--no-near`).
    pub near: Option<NearConfig>,
    /// Memory-map plain inputs, or read them (`--no-mmap`).
    pub read_mode: ReadMode,
    /// Records larger than this are invalid (`--max-doc-bytes`).
    pub max_doc_bytes: usize,
}

/// The default `--max-doc-bytes`: 64 MiB, far above any real page, small enough that one
/// runaway record cannot exhaust memory.
pub const DEFAULT_MAX_DOC_BYTES: usize = 64 << 20;

impl Config {
    /// A configuration with the documented defaults.
    pub fn new(inputs: Vec<PathBuf>, out: PathBuf) -> Config {
        Config {
            inputs,
            out,
            format: None,
            fields: Fields {
                text: "text".into(),
                id: "id".into(),
            },
            threads: 0,
            min_repeat: repair::DEFAULT_MIN_REPEAT,
            boilerplate_min_docs: boilerplate::DEFAULT_MIN_DOCS,
            strict: false,
            near: Some(NearConfig::new(near::DEFAULT_THRESHOLD)),
            read_mode: ReadMode::Mmap,
            max_doc_bytes: DEFAULT_MAX_DOC_BYTES,
        }
    }
}

/// Stage names, indexed by [`Progress::stage`].
pub const STAGES: [&str; 6] = ["read", "repair", "boilerplate", "cluster", "emit", "done"];

/// Counters the CLI polls to draw progress; bumped once per chunk.
#[derive(Debug, Default)]
pub struct Progress {
    /// Index into [`STAGES`].
    pub stage: AtomicUsize,
    /// Bytes to process in the current stage.
    pub total: AtomicU64,
    /// Bytes processed so far in the current stage.
    pub done: AtomicU64,
    /// Documents processed so far in the current stage.
    pub docs: AtomicU64,
}

impl Progress {
    fn enter(&self, stage: usize, total: u64) {
        self.total.store(total, Relaxed);
        self.done.store(0, Relaxed);
        self.docs.store(0, Relaxed);
        self.stage.store(stage, Relaxed);
    }
}

/// Where a document was read.
#[derive(Debug, Clone, Copy)]
enum Loc {
    /// JSON Lines: 1-based line.
    Line(u64),
    /// A whole text file.
    File,
    /// WET: 1-based record number.
    Record(u64),
    /// A damaged stream: decompressed byte offset.
    Byte(u64),
}

/// What pass 1 keeps of a document.
#[derive(Debug)]
struct Doc {
    id: Box<str>,
    file: u32,
    /// Record bytes within the file's (decompressed) data.
    span: Range<usize>,
    loc: Loc,
    error: Option<Box<str>>,
    /// This document's paragraphs in the flat tables.
    paras: Range<usize>,
    /// This document's kept text pieces in the flat piece table.
    pieces: Range<usize>,
    /// What repair removed, in the flat event table.
    events: Range<usize>,
    /// Shingles of the document's short paragraphs, in the flat short-shingle table.
    short: Range<usize>,
    /// WET: the target URI.
    url: Option<Box<str>>,
    glosses: u32,
    repeated: u32,
    repeated_chars: u64,
    cut: u32,
    lines: u32,
    text_bytes: u64,
    lossy: bool,
}

/// Output of one unit of pass-1 work.
#[derive(Default)]
struct Chunk {
    docs: Vec<Doc>,
    hashes: Vec<u64>,
    chars: Vec<u32>,
    /// Line number of each paragraph within its document, parallel to `hashes`.
    lines: Vec<u32>,
    pieces: Vec<Piece>,
    events: Vec<Event>,
    /// Near-duplicate stage: per document, the MinHash signature of its long paragraphs
    /// (`perms` values per document, invalid documents included).
    sigs: Vec<u32>,
    /// Shingles of short paragraphs, and how many each paragraph has (parallel to `hashes`;
    /// 0 for long paragraphs).
    short: Vec<u32>,
    short_counts: Vec<u32>,
}

/// Paragraphs of at most this many key characters keep their shingles apart from the
/// document's pass-1 signature, so that they can be left out if they turn out to be
/// boilerplate (footer lines are short). A document with a longer boilerplate paragraph is
/// signed again from its text.
const SHORT_PARAGRAPH: u32 = 48;

/// Pass-1 signing state of one worker.
struct Signer {
    shingler: Shingler,
    hasher: MinHasher,
    bag: Vec<u32>,
    para: String,
}

/// A kept byte range of a document's text: (paragraph index within the document, start, end).
type Piece = (u32, u32, u32);

/// A unit of parallel work.
enum Work {
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

/// Read-only state shared by the stages.
struct Ctx<'a> {
    cfg: &'a Config,
    files: &'a [InputFile],
    opened: &'a [Opened],
    wet: &'a [Vec<WetRecord>],
}

impl Ctx<'_> {
    fn source(&self, file: u32, loc: Loc) -> String {
        let p = self.files[file as usize].path.display();
        match loc {
            Loc::Line(l) => format!("{p}:{l}"),
            Loc::File => format!("{p}"),
            Loc::Record(r) => format!("{p}#{r}"),
            Loc::Byte(b) => format!("{p}@{b}"),
        }
    }
}

/// What the emit stage decided for one document.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fate {
    Kept,
    Exact(usize),
    /// Folded into a document at this similarity, this many verified hops away.
    Near(usize, f64, u32),
    Empty,
    Invalid,
}

/// Runs `canon dedup`.
///
/// # Errors
/// Unreadable inputs or outputs, no input files, or an invalid record under `--strict`.
pub fn run(cfg: &Config, progress: &Progress) -> Result<Report> {
    let threads = if cfg.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        cfg.threads
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {threads} threads: {e}")))?;
    pool.install(|| run_in_pool(cfg, progress, threads))
}

fn run_in_pool(cfg: &Config, progress: &Progress, threads: usize) -> Result<Report> {
    let start = Instant::now();
    let mut seconds = BTreeMap::new();
    let mut report = Report {
        canon_version: env!("CARGO_PKG_VERSION"),
        options: report::Options {
            format: cfg.format.map(|f| format!("{f:?}").to_lowercase()),
            text_field: cfg.fields.text.clone(),
            id_field: cfg.fields.id.clone(),
            min_repeat: cfg.min_repeat,
            boilerplate_min_docs: cfg.boilerplate_min_docs,
        },
        ..Report::default()
    };

    // 1. Read: find files, map or decompress them, cut them into units of work.
    progress.enter(0, 0);
    let (files, skipped) = input::discover(&cfg.inputs, cfg.format, Some(&cfg.out))?;
    if files.is_empty() {
        let what = cfg
            .inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>();
        return Err(Error::Usage(format!(
            "no input files found in {} (canon reads .jsonl, .ndjson, .json, .txt, .wet, optionally .gz or .zst)",
            what.join(", ")
        )));
    }
    std::fs::create_dir_all(&cfg.out).map_err(|e| Error::io(&cfg.out, e))?;
    output::remove_stale(&cfg.out);
    report.inputs.skipped_files = skipped.iter().map(|p| p.display().to_string()).collect();
    let opened: Vec<Opened> = files
        .par_iter()
        .map(|f| match &f.unreadable {
            Some(msg) => Err(Error::io(&f.path, std::io::Error::other(msg.clone()))),
            None => input::open(f, &cfg.out, cfg.read_mode),
        })
        .map(|r| match r {
            Ok(o) => Ok(o),
            // An unreadable file is one invalid record (a fatal error under --strict).
            Err(e) if !cfg.strict => Ok(Opened {
                data: Data::Empty,
                disk_bytes: 0,
                stamp: Stamp {
                    size: 0,
                    mtime_ns: 0,
                },
                truncated: None,
                unreadable: Some(e.to_string()),
            }),
            Err(e) => Err(e),
        })
        .collect::<Result<_>>()?;
    let scans: Vec<wet::Scan> = files
        .par_iter()
        .zip(&opened)
        .map(|(f, o)| match f.format {
            Format::Wet => wet::scan(&o.data),
            _ => wet::Scan::default(),
        })
        .collect();
    for ((f, o), s) in files.iter().zip(&opened).zip(&scans) {
        *report
            .inputs
            .files
            .entry(format_name(f.format))
            .or_default() += 1;
        report.inputs.bytes_on_disk += o.disk_bytes;
        report.inputs.bytes_decompressed += o.data.len() as u64;
        report.inputs.wet_other_records += s.other_records;
    }
    let wet: Vec<Vec<WetRecord>> = scans.into_iter().map(|s| s.records).collect();
    let work = plan(&files, &opened, &wet);
    let ctx = Ctx {
        cfg,
        files: &files,
        opened: &opened,
        wet: &wet,
    };
    seconds.insert("1_read", start.elapsed().as_secs_f64());

    // 2. Normalize and repair every page (pass 1).
    let t = Instant::now();
    progress.enter(1, report.inputs.bytes_decompressed);
    let chunks: Vec<Chunk> = work.par_iter().map(|w| pass1(&ctx, w, progress)).collect();
    let Chunk {
        mut docs,
        hashes,
        chars,
        lines: para_lines,
        pieces,
        events,
        sigs: mut long_sigs,
        short: short_shingles,
        short_counts,
    } = merge(chunks);
    // A damaged compressed stream is one more unreadable record, at the offset where it broke.
    for (i, o) in opened.iter().enumerate() {
        if let Some(msg) = &o.truncated {
            let loc = Loc::Byte(o.data.len() as u64);
            let at = docs.partition_point(|d| d.file as usize <= i);
            docs.insert(
                at,
                invalid_doc(&ctx, i, o.data.len()..o.data.len(), loc, msg.clone()),
            );
            if let Some(nc) = &cfg.near {
                // Keep the signature rows aligned with the documents.
                let n = nc.banding.bands * nc.banding.rows;
                long_sigs.splice(at * n..at * n, std::iter::repeat_n(u32::MAX, n));
            }
        }
    }
    if cfg.strict {
        if let Some(d) = docs.iter().find(|d| d.error.is_some()) {
            return Err(Error::Invalid {
                location: ctx.source(d.file, d.loc),
                message: d.error.as_deref().unwrap_or_default().to_owned(),
            });
        }
    }
    seconds.insert("2_repair", t.elapsed().as_secs_f64());

    // 3. Boilerplate: paragraphs in many unrelated documents (first count: documents that
    //    share most of their paragraphs are one copy group).
    let t = Instant::now();
    progress.enter(2, 0);
    let ranges: Vec<Range<usize>> = docs.iter().map(|d| d.paras.clone()).collect();
    let tables = boilerplate::Paragraphs {
        docs: &ranges,
        hashes: &hashes,
        chars: &chars,
    };
    let mut bp = boilerplate::find(&tables, cfg.boilerplate_min_docs, None);
    seconds.insert("3_boilerplate", t.elapsed().as_secs_f64());

    // 4. Exact keys (same key sequence after repair and boilerplate removal), then
    //    near-duplicates among the best document of each exact cluster.
    let t = Instant::now();
    progress.enter(3, 0);
    let mut facts = facts_of(&docs, &hashes, &chars, &bp);
    let exact_first = cluster::exact(&keys_of(&facts), &ranks_of(&facts));
    seconds.insert("4_exact", t.elapsed().as_secs_f64());
    let signed: Vec<usize> = (0..docs.len())
        .filter(|&i| exact_first[i] == Some(i))
        .collect();
    let near = match &cfg.near {
        Some(nc) => {
            let sh = Shingles {
                ctx: &ctx,
                docs: &docs,
                hashes: &hashes,
                pieces: &pieces,
                bp: &bp,
                size: nc.shingle,
            };
            let sig = Signatures {
                hasher: nc.hasher(),
                docs: &docs,
                hashes: &hashes,
                chars: &chars,
                long: &long_sigs,
                short: &short_shingles,
                short_counts: &short_counts,
                bp: &bp,
                shingles: &sh,
            };
            near::find(
                docs.len(),
                &signed,
                &|d, out| sig.sign(d, out),
                &|d| sh.of(d, true),
                nc,
                &cfg.out,
            )?
        }
        None => Near::none(),
    };
    seconds.insert("4a_signatures", near.seconds[0]);
    seconds.insert("4b_banding", near.seconds[1]);
    seconds.insert("4c_verification", near.seconds[2]);

    // 4d. Boilerplate, second count: a near-duplicate cluster is one copy group too, so an
    //     article republished with edits keeps the paragraphs its copies share.
    let t = Instant::now();
    let mut restored = 0;
    if !near.pairs.is_empty() {
        let mut uf = UnionFind::new(docs.len());
        for (i, c) in exact_first.iter().enumerate() {
            if let Some(c) = *c {
                uf.union(i, c);
            }
        }
        for p in &near.pairs {
            uf.union(p.a, p.b);
        }
        let mut in_near = vec![false; docs.len()];
        for p in &near.pairs {
            let r = uf.find(p.a);
            in_near[r] = true;
        }
        let clusters: Vec<u32> = (0..docs.len())
            .map(|d| {
                let r = uf.find(d);
                if in_near[r] {
                    r as u32
                } else {
                    u32::MAX
                }
            })
            .collect();
        let second = boilerplate::find(&tables, cfg.boilerplate_min_docs, Some(&clusters));
        restored = bp.retain_in(&second);
        if restored > 0 {
            facts = facts_of(&docs, &hashes, &chars, &bp);
        }
    }

    // 5. Clusters: exact groups joined by verified near pairs; one canonical document per
    //    cluster by the documented total order.
    let keys = keys_of(&facts);
    let ranks = ranks_of(&facts);
    let exact = cluster::exact(&keys, &ranks);
    let mut uf = UnionFind::new(docs.len());
    for (i, c) in exact.iter().enumerate() {
        if let Some(c) = *c {
            uf.union(i, c);
        }
    }
    for p in &near.pairs {
        uf.union(p.a, p.b);
    }
    let mut best: HashMap<usize, usize> = HashMap::new();
    for i in (0..docs.len()).filter(|&i| keys[i].is_some()) {
        let r = uf.find(i);
        let b = best.entry(r).or_insert(i);
        if ranks[i] < ranks[*b] {
            *b = i;
        }
    }
    // Near members: similarity to the canonical document and hops along verified pairs.
    let chains = near_chains(&near, &exact_first, &mut uf, &best);
    let mut fates: Vec<Fate> = (0..docs.len())
        .map(|i| {
            if docs[i].error.is_some() {
                return Fate::Invalid;
            }
            if keys[i].is_none() {
                return Fate::Empty;
            }
            let c = best[&uf.find(i)];
            if c == i {
                Fate::Kept
            } else if keys[c] == keys[i] {
                Fate::Exact(c)
            } else {
                let (rep_i, rep_c) = (exact_first[i].unwrap_or(i), exact_first[c].unwrap_or(c));
                let key = (rep_i.min(rep_c), rep_i.max(rep_c));
                let direct = near.pairs.binary_search_by(|p| (p.a, p.b).cmp(&key));
                // Known exactly only for a pair verified on its shingle sets; NaN: compute below.
                let similarity = match direct {
                    Ok(k) if near.pairs[k].exact => near.pairs[k].similarity,
                    _ => f64::NAN,
                };
                Fate::Near(c, similarity, chains.get(&rep_i).copied().unwrap_or(0))
            }
        })
        .collect();
    // The reported similarity of a near-duplicate is the exact Jaccard similarity of its
    // shingle set and its canonical document's, not an estimate.
    if let Some(nc) = &cfg.near {
        let sh = Shingles {
            ctx: &ctx,
            docs: &docs,
            hashes: &hashes,
            pieces: &pieces,
            bp: &bp,
            size: nc.shingle,
        };
        fates.par_iter_mut().enumerate().for_each(|(i, f)| {
            if let Fate::Near(c, s, h) = *f {
                if s.is_nan() {
                    let j = crate::shingle::jaccard(&sh.of(i, true), &sh.of(c, true));
                    *f = Fate::Near(c, j, h);
                }
            }
        });
    }
    let mut members: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, f) in fates.iter().enumerate() {
        if let Fate::Exact(c) | Fate::Near(c, ..) = *f {
            members.entry(c).or_default().push(i);
        }
    }
    seconds.insert("4d_cluster", t.elapsed().as_secs_f64());
    report.near = near_report(cfg, &near, &signed, &fates, &chains, restored);

    // 5. Emit, in input order.
    let t = Instant::now();
    progress.enter(4, docs.len() as u64);
    let canon_out = Pending::create(&cfg.out, "canonical.jsonl")?;
    let dropped_out = Pending::create(&cfg.out, "dropped.jsonl")?;
    let mut explain_out = Pending::create(&cfg.out, "explain.jsonl.zst")?;
    // An empty frame first: the file is a valid zstd stream even when there are no documents.
    explain_out.write(&zstd::bulk::compress(&[], 3).map_err(|e| Error::io(&cfg.out, e))?)?;
    let emit_ctx = Emit {
        ctx: &ctx,
        docs: &docs,
        fates: &fates,
        members: &members,
        bp: &bp,
        facts: &facts,
        hashes: &hashes,
        pieces: &pieces,
        lines: &para_lines,
        events: &events,
    };
    // Workers render batches in parallel while one thread writes the previous batch.
    let (canon_out, dropped_out, explain_out, text_out, paras_out) = std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Block>>(2);
        let writer = s.spawn(move || -> Result<_> {
            let (mut c, mut d, mut x) = (canon_out, dropped_out, explain_out);
            let (mut text, mut paras) = (0u64, 0u64);
            for blocks in rx {
                for b in blocks {
                    c.write(&b.canon)?;
                    d.write(&b.dropped)?;
                    x.write(&b.explain)?;
                    text += b.text_bytes;
                    paras += b.paragraphs;
                }
            }
            Ok((c, d, x, text, paras))
        });
        let mut failed = None;
        for start in (0..docs.len()).step_by(EMIT_BATCH) {
            let end = (start + EMIT_BATCH).min(docs.len());
            let blocks: Result<Vec<Block>> = (start..end)
                .into_par_iter()
                .step_by(EMIT_BLOCK)
                .map(|b| emit_ctx.render_block(b..(b + EMIT_BLOCK).min(end)))
                .collect();
            match blocks {
                Ok(blocks) => {
                    if tx.send(blocks).is_err() {
                        break; // the writer failed; its error is reported below
                    }
                }
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
            progress.done.fetch_add((end - start) as u64, Relaxed);
            progress.docs.fetch_add((end - start) as u64, Relaxed);
        }
        drop(tx);
        let written = writer.join().expect("the writer thread does not panic");
        match failed {
            Some(e) => Err(e),
            None => written,
        }
    })?;
    seconds.insert("5_emit", t.elapsed().as_secs_f64());

    // The books: every input document is either canonical or dropped with a reason.
    fill_report(&mut report, &ctx, &docs, &fates, &facts, &bp, &members);
    report.bytes.text_out = text_out;
    report.paragraphs.out = paras_out;
    seconds.insert("total", start.elapsed().as_secs_f64());
    report.run.seconds = seconds;
    report.run.threads = threads;
    let mut report_out = Pending::create(&cfg.out, "report.json")?;
    let mut json = serde_json::to_vec_pretty(&report).expect("the report serializes");
    json.push(b'\n');
    report_out.write(&json)?;
    let bp_out = boilerplate_table(&ctx, &docs, &hashes, &pieces, &bp)?;
    // An input that changed while it was read makes the outputs unreliable: fail instead.
    for (f, o) in files.iter().zip(&opened) {
        if f.unreadable.is_some() || o.unreadable.is_some() {
            continue;
        }
        let now = Stamp::now(&f.path)?;
        if now != o.stamp {
            return Err(Error::Invalid {
                location: f.path.display().to_string(),
                message: format!(
                    "changed while canon was running (size {} -> {} bytes, or modification time); no outputs written",
                    o.stamp.size, now.size
                ),
            });
        }
    }
    let manifest = |written: &[output::Written]| {
        let inputs: Vec<serde_json::Value> = files
            .iter()
            .zip(&opened)
            .map(|(f, o)| {
                serde_json::json!({
                    "path": f.path.display().to_string(),
                    "bytes": o.stamp.size,
                    "mtime_ns": o.stamp.mtime_ns.to_string(),
                })
            })
            .collect();
        let m = serde_json::json!({
            "canon_version": env!("CARGO_PKG_VERSION"),
            "options": &report.options,
            "near": report.near.enabled.then_some(serde_json::json!({
                "threshold": report.near.threshold,
                "shingle": report.near.shingle,
                "bands": report.near.bands,
                "rows": report.near.rows,
            })),
            "inputs": inputs,
            "outputs": written,
        });
        let mut v = serde_json::to_vec_pretty(&m).expect("the manifest serializes");
        v.push(b'\n');
        v
    };
    output::commit(
        &cfg.out,
        vec![canon_out, dropped_out, explain_out, bp_out, report_out],
        manifest,
    )?;
    progress.enter(5, 0);
    Ok(report)
}

/// `boilerplate.jsonl`: each boilerplate paragraph once, with its hash (as named in
/// `explain.jsonl.zst`), the number of unrelated documents it occurs in, and its text as it
/// first appears in input order. Sorted by hash.
fn boilerplate_table(
    ctx: &Ctx,
    docs: &[Doc],
    hashes: &[u64],
    pieces: &[Piece],
    bp: &Boilerplate,
) -> Result<Pending> {
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
    let mut out = Pending::create(&ctx.cfg.out, "boilerplate.jsonl")?;
    let mut buf = Vec::new();
    for (h, n, text) in rows {
        buf.clear();
        buf.extend_from_slice(
            format!("{{\"hash\":\"{h:016x}\",\"documents\":{n},\"text\":").as_bytes(),
        );
        output::json_string(&mut buf, &text);
        buf.extend_from_slice(b"}\n");
        out.write(&buf)?;
    }
    Ok(out)
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Jsonl => "jsonl",
        Format::Text => "text",
        Format::Wet => "wet",
    }
}

/// Cuts every file into units of work of about [`CHUNK_BYTES`].
fn plan(files: &[InputFile], opened: &[Opened], wet: &[Vec<WetRecord>]) -> Vec<Work> {
    let mut work = Vec::new();
    for (file, (f, o)) in files.iter().zip(opened).enumerate() {
        if o.unreadable.is_some() {
            work.push(Work::Unreadable { file });
            continue;
        }
        match f.format {
            Format::Jsonl => {
                for (range, first_line) in input::line_chunks(&o.data, CHUNK_BYTES) {
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

/// Splits a JSON Lines chunk into lines: (byte range without line end, 1-based line number);
/// blank lines are skipped.
fn lines(
    data: &[u8],
    range: Range<usize>,
    first_line: u64,
) -> impl Iterator<Item = (Range<usize>, u64)> + '_ {
    // A byte-order mark at the start of the file is not part of the first record.
    let mut pos = if range.start == 0 {
        bom_len(data)
    } else {
        range.start
    };
    let mut line = first_line;
    std::iter::from_fn(move || {
        while pos < range.end {
            let end = memchr::memchr(b'\n', &data[pos..range.end]).map_or(range.end, |i| pos + i);
            let mut e = end;
            if e > pos && data[e - 1] == b'\r' {
                e -= 1;
            }
            let item = (pos..e, line);
            pos = end + 1;
            line += 1;
            if data[item.0.clone()]
                .iter()
                .any(|b| !b.is_ascii_whitespace())
            {
                return Some(item);
            }
        }
        None
    })
}

/// Calls `f` with a parsed JSON line (repairing invalid UTF-8 with U+FFFD first) and the line
/// text it borrows from; the flag says whether the line was repaired.
fn with_json_line<R>(
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

fn invalid_doc(ctx: &Ctx, file: usize, span: Range<usize>, loc: Loc, msg: String) -> Doc {
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
    }
}

/// One readable record, as pass 1 sees it.
struct Rec<'a> {
    file: usize,
    span: Range<usize>,
    loc: Loc,
    id: Option<&'a str>,
    url: Option<&'a str>,
    text: &'a str,
    lossy: bool,
}

/// Pass-1 state of one worker: a repairer and its output buffer, reused across records.
struct Pass1<'a> {
    ctx: &'a Ctx<'a>,
    repairer: Repairer,
    repaired: Repaired,
    signer: Option<Signer>,
    out: Chunk,
}

impl Pass1<'_> {
    /// Normalizes and repairs one record and appends its facts to the chunk.
    fn add(&mut self, rec: Rec) {
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
                sg.para.clear();
                for piece in &r.pieces[p.pieces.clone()] {
                    sg.para.push_str(&rec.text[piece.clone()]);
                }
                if p.key_chars <= SHORT_PARAGRAPH {
                    let before = out.short.len();
                    sg.shingler.paragraph(&sg.para, &mut out.short);
                    out.short_counts.push((out.short.len() - before) as u32);
                } else {
                    sg.shingler.paragraph(&sg.para, &mut sg.bag);
                    out.short_counts.push(0);
                }
            }
            let row = out.sigs.len();
            out.sigs.resize(row + sg.hasher.len(), u32::MAX);
            sg.hasher.sign(&sg.bag, &mut out.sigs[row..]);
        }
        let id = match rec.id {
            Some(id) => id.into(),
            None => self.ctx.source(rec.file as u32, rec.loc).into(),
        };
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
        });
    }

    fn invalid(&mut self, file: usize, span: Range<usize>, loc: Loc, msg: String) {
        let d = invalid_doc(self.ctx, file, span, loc, msg);
        self.out.docs.push(d);
        if let Some(sg) = &self.signer {
            let row = self.out.sigs.len();
            self.out.sigs.resize(row + sg.hasher.len(), u32::MAX);
        }
    }
}

/// Pass 1 over one unit of work: parse, normalize and repair each record.
fn pass1(ctx: &Ctx, w: &Work, progress: &Progress) -> Chunk {
    let mut p = Pass1 {
        ctx,
        repairer: Repairer::new(ctx.cfg.min_repeat),
        repaired: Repaired::default(),
        signer: ctx.cfg.near.map(|nc| Signer {
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

fn too_large(n: usize, limit: usize) -> String {
    format!("too large: {n} bytes (limit --max-doc-bytes {limit})")
}

/// Concatenates pass-1 chunks (in input order) into one document list and flat tables.
fn merge(chunks: Vec<Chunk>) -> Chunk {
    let n_docs = chunks.iter().map(|c| c.docs.len()).sum();
    let n_paras = chunks.iter().map(|c| c.hashes.len()).sum();
    let mut docs = Vec::with_capacity(n_docs);
    let mut hashes = Vec::with_capacity(n_paras);
    let mut chars = Vec::with_capacity(n_paras);
    let mut lines = Vec::with_capacity(n_paras);
    let mut pieces = Vec::with_capacity(chunks.iter().map(|c| c.pieces.len()).sum());
    let mut events = Vec::with_capacity(chunks.iter().map(|c| c.events.len()).sum());
    let mut sigs = Vec::with_capacity(chunks.iter().map(|c| c.sigs.len()).sum());
    let mut short = Vec::with_capacity(chunks.iter().map(|c| c.short.len()).sum());
    let mut short_counts = Vec::with_capacity(n_paras);
    for c in chunks {
        let base = hashes.len();
        let pbase = pieces.len();
        let ebase = events.len();
        let sbase = short.len();
        docs.extend(c.docs.into_iter().map(|mut d| {
            d.paras = d.paras.start + base..d.paras.end + base;
            d.pieces = d.pieces.start + pbase..d.pieces.end + pbase;
            d.events = d.events.start + ebase..d.events.end + ebase;
            d.short = d.short.start + sbase..d.short.end + sbase;
            d
        }));
        sigs.extend_from_slice(&c.sigs);
        short.extend_from_slice(&c.short);
        short_counts.extend_from_slice(&c.short_counts);
        hashes.extend_from_slice(&c.hashes);
        chars.extend_from_slice(&c.chars);
        lines.extend_from_slice(&c.lines);
        pieces.extend_from_slice(&c.pieces);
        events.extend_from_slice(&c.events);
    }
    Chunk {
        docs,
        hashes,
        chars,
        lines,
        pieces,
        events,
        sigs,
        short,
        short_counts,
    }
}

type Facts = (Option<u128>, Rank, u32);

/// Exact key, rank and boilerplate count of every document.
fn facts_of(docs: &[Doc], hashes: &[u64], chars: &[u32], bp: &Boilerplate) -> Vec<Facts> {
    docs.par_iter()
        .enumerate()
        .map(|(i, d)| doc_key(i, d, hashes, chars, bp))
        .collect()
}

fn keys_of(facts: &[Facts]) -> Vec<Option<u128>> {
    facts.iter().map(|f| f.0).collect()
}

fn ranks_of(facts: &[Facts]) -> Vec<Rank> {
    facts.iter().map(|f| f.1).collect()
}

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// Gives the shingle set of a document: its kept, non-boilerplate paragraphs, re-read from
/// the mapped input.
struct Shingles<'a> {
    ctx: &'a Ctx<'a>,
    docs: &'a [Doc],
    hashes: &'a [u64],
    pieces: &'a [Piece],
    bp: &'a Boilerplate,
    size: usize,
}

impl Shingles<'_> {
    /// The shingles of document `i`; a set (sorted, deduplicated) if `as_set`, otherwise a
    /// bag (MinHash does not care about order or repeats).
    fn of(&self, i: usize, as_set: bool) -> Vec<u32> {
        let d = &self.docs[i];
        let mut out = Vec::new();
        with_doc_text(self.ctx, d, |text| {
            let mut sh = Shingler::new(self.size);
            let mut para = String::new();
            let mut current = u32::MAX;
            for &(p, start, end) in &self.pieces[d.pieces.clone()] {
                if self.bp.contains(self.hashes[d.paras.start + p as usize]) {
                    continue;
                }
                if p != current && !para.is_empty() {
                    sh.paragraph(&para, &mut out);
                    para.clear();
                }
                current = p;
                para.push_str(text.get(start as usize..end as usize).unwrap_or(""));
            }
            if !para.is_empty() {
                sh.paragraph(&para, &mut out);
            }
        });
        if as_set {
            out.sort_unstable();
            out.dedup();
        }
        out
    }
}

/// Final signatures: the pass-1 signature of a document's long paragraphs combined with its
/// short paragraphs that are not boilerplate (MinHash of a union is the elementwise minimum).
struct Signatures<'a> {
    hasher: MinHasher,
    docs: &'a [Doc],
    hashes: &'a [u64],
    chars: &'a [u32],
    long: &'a [u32],
    short: &'a [u32],
    short_counts: &'a [u32],
    bp: &'a Boilerplate,
    shingles: &'a Shingles<'a>,
}

impl Signatures<'_> {
    fn sign(&self, i: usize, out: &mut [u32]) {
        let d = &self.docs[i];
        let n = out.len();
        let long_boilerplate = d
            .paras
            .clone()
            .any(|p| self.chars[p] > SHORT_PARAGRAPH && self.bp.contains(self.hashes[p]));
        if long_boilerplate {
            // Rare: a long paragraph is boilerplate; sign the document again without it.
            self.hasher.sign(&self.shingles.of(i, false), out);
            return;
        }
        out.copy_from_slice(&self.long[i * n..(i + 1) * n]);
        let mut bag = Vec::new();
        let mut at = d.short.start;
        for p in d.paras.clone() {
            let k = self.short_counts[p] as usize;
            if k > 0 && !self.bp.contains(self.hashes[p]) {
                bag.extend_from_slice(&self.short[at..at + k]);
            }
            at += k;
        }
        if !bag.is_empty() {
            let mut s = vec![0u32; n];
            self.hasher.sign(&bag, &mut s);
            for (o, v) in out.iter_mut().zip(s) {
                *o = (*o).min(v);
            }
        }
    }
}

/// Calls `f` with a readable document's text, re-read from its mapped input.
fn with_doc_text<R>(ctx: &Ctx, d: &Doc, f: impl FnOnce(&str) -> R) -> Option<R> {
    let data = &ctx.opened[d.file as usize].data[..];
    match ctx.files[d.file as usize].format {
        Format::Jsonl => with_json_line(&data[d.span.clone()], &ctx.cfg.fields, |rec, _| {
            rec.ok().map(|(r, _)| f(&r.text))
        }),
        _ => Some(f(&utf8_lossy(&data[d.span.clone()]))),
    }
}

/// For each signed document in a near-duplicate cluster: hops along verified pairs from the
/// signed document of its cluster's canonical document.
fn near_chains(
    near: &Near,
    exact_first: &[Option<usize>],
    uf: &mut UnionFind,
    best: &HashMap<usize, usize>,
) -> HashMap<usize, u32> {
    let mut by_root: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
    for p in &near.pairs {
        by_root.entry(uf.find(p.a)).or_default().push((p.a, p.b));
    }
    let mut roots: Vec<usize> = by_root.keys().copied().collect();
    roots.sort_unstable();
    let mut out = HashMap::new();
    for r in roots {
        let edges = &by_root[&r];
        let mut nodes: Vec<usize> = edges.iter().flat_map(|&(a, b)| [a, b]).collect();
        let c = best[&r];
        let root = exact_first[c].unwrap_or(c);
        nodes.push(root);
        nodes.sort_unstable();
        nodes.dedup();
        for (n, h) in nodes.iter().zip(cluster::hops(root, &nodes, edges)) {
            out.insert(*n, h.unwrap_or(0));
        }
    }
    out
}

fn near_report(
    cfg: &Config,
    near: &Near,
    signed: &[usize],
    fates: &[Fate],
    chains: &HashMap<usize, u32>,
    restored: usize,
) -> report::NearReport {
    let Some(nc) = cfg.near else {
        return report::NearReport::default();
    };
    let mut lowest = 1.0f64;
    let mut near_docs = 0;
    for f in fates {
        if let Fate::Near(_, s, _) = f {
            near_docs += 1;
            lowest = lowest.min(*s);
        }
    }
    report::NearReport {
        enabled: true,
        threshold: nc.threshold,
        shingle: nc.shingle,
        bands: nc.banding.bands,
        rows: nc.banding.rows,
        s_curve: nc
            .banding
            .s_curve()
            .into_iter()
            .map(|(j, p)| report::CurvePoint {
                jaccard: round4(j),
                candidate_probability: round4(p),
            })
            .collect(),
        signed_documents: signed.len() as u64,
        candidate_pairs: near.candidates as u64,
        verified_pairs: near.pairs.len() as u64,
        rejected_pairs: near.rejected as u64,
        exact_checked_pairs: near.exact_checked as u64,
        near_duplicates: near_docs,
        lowest_similarity: (near_docs > 0).then_some(round4(lowest)),
        longest_chain: chains.values().copied().max().unwrap_or(0),
        boilerplate_restored: restored as u64,
    }
}

/// A document's exact key (`None`: nothing left), its rank, and its boilerplate count.
fn doc_key(
    i: usize,
    d: &Doc,
    hashes: &[u64],
    chars: &[u32],
    bp: &Boilerplate,
) -> (Option<u128>, Rank, u32) {
    let mut h = Xxh3Default::new();
    let mut kept = 0u64;
    let mut kept_paras = 0;
    let mut bp_paras = 0u32;
    for p in d.paras.clone() {
        if bp.contains(hashes[p]) {
            bp_paras += 1;
        } else {
            h.update(&hashes[p].to_le_bytes());
            kept += u64::from(chars[p]);
            kept_paras += 1;
        }
    }
    let key = (d.error.is_none() && kept_paras > 0).then(|| h.digest128());
    let rank = Rank {
        key_chars: kept,
        glosses: d.glosses,
        removed: d.repeated + bp_paras,
        position: i,
    };
    (key, rank, bp_paras)
}

/// State the emit stage reads.
struct Emit<'a> {
    ctx: &'a Ctx<'a>,
    docs: &'a [Doc],
    fates: &'a [Fate],
    members: &'a HashMap<usize, Vec<usize>>,
    bp: &'a Boilerplate,
    facts: &'a [(Option<u128>, Rank, u32)],
    hashes: &'a [u64],
    pieces: &'a [Piece],
    lines: &'a [u32],
    events: &'a [Event],
}

/// Rendered output of consecutive documents.
#[derive(Default)]
struct Block {
    canon: Vec<u8>,
    dropped: Vec<u8>,
    /// One zstd frame of explain lines.
    explain: Vec<u8>,
    text_bytes: u64,
    paragraphs: u64,
}

/// One rendered output line.
struct Rendered {
    canonical: bool,
    line: Vec<u8>,
    text_bytes: u64,
    paragraphs: u64,
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

    fn render_block(&self, docs: Range<usize>) -> Result<Block> {
        let mut b = Block::default();
        let mut explain = Vec::new();
        for i in docs {
            self.explain(i, &mut explain);
            let r = self.render(i)?;
            if r.canonical {
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

/// Length of a UTF-8 byte-order mark at the start of `data` (0 or 3).
fn bom_len(data: &[u8]) -> usize {
    if data.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    }
}

/// Text from bytes, replacing invalid UTF-8 with U+FFFD (validated with SIMD first).
fn utf8_lossy(b: &[u8]) -> std::borrow::Cow<'_, str> {
    match simdutf8::basic::from_utf8(b) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

fn trim_end(s: &mut String) {
    let t = s.trim_end().len();
    s.truncate(t);
}

fn fill_report(
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
        r.documents.dropped.insert(reason, 0);
    }
    for (i, (d, f)) in docs.iter().zip(fates).enumerate() {
        match f {
            Fate::Kept => r.documents.canonical += 1,
            Fate::Exact(_) => *r.documents.dropped.entry("exact").or_default() += 1,
            Fate::Near(..) => *r.documents.dropped.entry("near").or_default() += 1,
            Fate::Empty => *r.documents.dropped.entry("empty").or_default() += 1,
            Fate::Invalid => {
                *r.documents.dropped.entry("invalid").or_default() += 1;
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

/// The repaired text of a page, for callers that want repair alone (tests, tools).
pub fn repair_text(text: &str, min_repeat: usize) -> String {
    let r = Repairer::new(min_repeat).repair(text);
    r.text(text)
}
