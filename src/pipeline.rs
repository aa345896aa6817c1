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

use crate::boilerplate;
use crate::cluster::{self, UnionFind};
use crate::decide::{
    facts_of, keys_of, near_chains, near_report, ranks_of, Fate, Shingles, Signatures,
};
use crate::emit::{boilerplate_table, fill_report, Block, Emit, EMIT_BATCH, EMIT_BLOCK};
use crate::error::{Error, Result};
use crate::input::jsonl::Fields;
use crate::input::wet::{self, WetRecord};
use crate::input::{self, Data, Format, Opened, ReadMode, Stamp};
use crate::near::{self, Near, NearConfig};
use crate::output::{self, Pending};
use crate::read::{invalid_doc, merge, pass1, plan, Chunk, Ctx, Loc};
use crate::repair;
use crate::report::{self, Report};

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

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Jsonl => "jsonl",
        Format::Text => "text",
        Format::Wet => "wet",
    }
}

/// The repaired text of a page, for callers that want repair alone (tests, tools).
pub fn repair_text(text: &str, min_repeat: usize) -> String {
    let r = repair::Repairer::new(min_repeat).repair(text);
    r.text(text)
}
