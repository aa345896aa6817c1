//! The whole job, stage by stage: read → normalize and repair → boilerplate → exact-duplicate
//! clusters → canonical choice → emit. Read this file top to bottom to follow a document.
//!
//! Pass 1 reads every record in parallel and keeps only compact per-document facts (id,
//! location, paragraph hashes and lengths). The emit pass reads the kept records again from the
//! mapped files and redoes their (deterministic) repair, so document text is never held in
//! memory for the whole corpus. Outputs are written in input order whatever the thread count.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

use rayon::prelude::*;

use crate::boilerplate::{self, Boilerplate};
use crate::cluster::{self, UnionFind};
use crate::decide::{
    facts_of, keys_of, near_chains, near_report, ranks_of, Facts, Fate, Shingles, Signatures,
};
use crate::emit::{boilerplate_table, fill_report, Block, Emit, EMIT_BATCH, EMIT_BLOCK};
use crate::error::{Error, Result};
use crate::index::{Index, Options as IndexOptions, Published, PublishedFile};
use crate::input::jsonl::Fields;
use crate::input::wet::{self, WetRecord};
use crate::input::{self, Format, InputFile, Opened, ReadMode, Stamp};
use crate::near::{self, Near, NearConfig};
use crate::output::{self, Pending};
use crate::read::{
    invalid_doc, merge_into, pass1, plan, Chunk, Ctx, Doc, Loc, PublishedDocs, NO_FILE,
};
use crate::repair;
use crate::report::{self, Report};
use crate::spill::{self, Spill, SpillStats};

/// Everything a run needs to know; the CLI fills it from the command line.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
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
    /// Incremental runs: the state directory of the published-document index (`--index`).
    #[serde(default)]
    pub index: Option<PathBuf>,
    /// Inputs under these paths count as already published (`--published`): their documents
    /// outrank all others, as an index's do.
    #[serde(default)]
    pub published: Vec<PathBuf>,
    /// Memory budget in bytes (`--memory`): frequency tables and band columns over a quarter
    /// of it are sorted in runs on disk, and input pages are given back once read.
    #[serde(default)]
    pub memory: Option<u64>,
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
            index: None,
            published: Vec::new(),
            memory: None,
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
        mem_trace(STAGES[stage]);
        self.total.store(total, Relaxed);
        self.done.store(0, Relaxed);
        self.docs.store(0, Relaxed);
        self.stage.store(stage, Relaxed);
    }
}

/// With `CANON_MEMTRACE` set, prints the process's memory (resident anonymous and file-backed,
/// and the peak) on stderr as a stage starts: where memory goes, without a profiler.
pub(crate) fn mem_trace(at: &str) {
    if std::env::var_os("CANON_MEMTRACE").is_none() {
        return;
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .map_or(0, |kb| kb / 1024)
    };
    eprintln!(
        "canon: memory at {at}: anon {} MB, file {} MB, peak {} MB",
        field("RssAnon:"),
        field("RssFile:"),
        field("VmHWM:")
    );
    if std::env::var_os("CANON_MEMTRACE").is_some_and(|v| v == "maps") {
        // Mappings with more than 8 MB resident.
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap_or_default();
        let mut name = "";
        for l in smaps.lines() {
            if l.split_whitespace().next().is_some_and(|w| w.contains('-')) {
                name = l;
            } else if let Some(kb) = l.strip_prefix("Rss:") {
                let kb: u64 = kb.trim().trim_end_matches("kB").trim().parse().unwrap_or(0);
                if kb > 8 << 10 {
                    eprintln!("canon:   {} MB {name}", kb >> 10);
                }
            }
        }
    }
}

/// Worker threads of a run: `--threads`, or all cores.
pub(crate) fn thread_count(cfg: &Config) -> usize {
    if cfg.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        cfg.threads
    }
}

/// Runs `canon dedup`.
///
/// # Errors
/// Unreadable inputs or outputs, no input files, or an invalid record under `--strict`.
pub fn run(cfg: &Config, progress: &Progress) -> Result<Report> {
    let threads = thread_count(cfg);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {threads} threads: {e}")))?;
    pool.install(|| run_in_pool(cfg, progress, threads))
}

fn run_in_pool(cfg: &Config, progress: &Progress, threads: usize) -> Result<Report> {
    let start = Instant::now();
    let mut seconds = BTreeMap::new();

    // 1–2. Read every file and repair every page (pass 1).
    progress.enter(0, 0);
    let (files, skipped) = discover(cfg)?;
    std::fs::create_dir_all(&cfg.out).map_err(|e| Error::io(&cfg.out, e))?;
    output::remove_stale(&cfg.out);
    let mut read = read_stage(cfg, progress, files, skipped, &cfg.out, &mut seconds)?;
    let mut index = match &cfg.index {
        Some(dir) => Some(Index::load(dir, &index_options(cfg))?),
        None => None,
    };
    if let Some(ix) = &index {
        add_published(&mut read, ix);
    }
    let new_docs = read.new_docs();
    let long = spill_signatures(&mut read.chunk, &cfg.out)?;
    spill::trim_heap();
    let ctx = read.ctx(cfg);

    // 3–4. Boilerplate, exact and near-duplicate clusters, each document's fate.
    let decided = decide_stage(cfg, &ctx, &read.chunk, &long, progress, &mut seconds)?;
    if cfg.memory.is_some() {
        long.release();
        spill::trim_heap();
    }
    let mut report = decided_report(cfg, &ctx, &read, &decided);
    report.run.memory_estimate = report::memory_estimate(
        read.chunk.docs.len() as u64,
        read.chunk.hashes.len() as u64,
        read.inputs.bytes_decompressed,
    );

    // 5. Emit, in input order, then commit everything at once.
    let t = Instant::now();
    let mut outs = Outputs::create(&cfg.out)?;
    outs.explain.write(&empty_zstd_frame()?)?;
    let Emitted {
        outs,
        text_out,
        paragraphs_out: paras_out,
        offsets,
    } = emit_range(&ctx, &read.chunk, &decided, 0..new_docs, outs, progress)?;
    seconds.insert("5_emit".into(), t.elapsed().as_secs_f64());
    mem_trace("end of 5_emit");
    report.bytes.text_out = text_out;
    report.paragraphs.out = paras_out;
    let bp = boilerplate_table(
        &ctx,
        &read.chunk.docs[..new_docs],
        &read.chunk.hashes,
        &read.chunk.pieces,
        &decided.bp,
    );
    seconds.insert("total".into(), start.elapsed().as_secs_f64());
    report.run.seconds = seconds;
    report.run.threads = threads;
    let stamps: Vec<Stamp> = read.opened.iter().map(|o| o.stamp).collect();
    let unreadable: Vec<bool> = read.opened.iter().map(|o| o.unreadable.is_some()).collect();
    if let (Some(ix), Some(dir)) = (&mut index, &cfg.index) {
        report.index = Some(extend_index(
            ix, &ctx, &read, &decided, &long, &offsets, dir,
        )?);
    }
    finish(cfg, &report, &read.files, &stamps, &unreadable, outs, &bp)?;
    // The index is replaced only once the outputs are committed: a failed run leaves it as
    // it was, and the documents it lists are always in some committed output.
    if let (Some(ix), Some(dir)) = (&mut index, &cfg.index) {
        if let Some(o) = ix.outputs.last_mut() {
            o.stamp = Stamp::now(Path::new(&o.path))?;
        }
        ix.save(dir)?;
    }
    progress.enter(5, 0);
    Ok(report)
}

/// The options an index must have been built with to be read by a run with `cfg`.
fn index_options(cfg: &Config) -> IndexOptions {
    IndexOptions {
        min_repeat: cfg.min_repeat,
        near: cfg.near,
    }
}

/// Appends the index's documents to the read state, after the new ones: paragraphs, short
/// shingles and signature rows, but no text.
fn add_published(read: &mut ReadState, ix: &Index) {
    let c = &mut read.chunk;
    let perms = ix.perms();
    for (k, p) in ix.docs.iter().enumerate() {
        let paras = p.paras.start as usize..p.paras.end as usize;
        let start = c.hashes.len();
        c.hashes.extend_from_slice(&ix.hashes[paras.clone()]);
        c.chars.extend_from_slice(&ix.chars[paras.clone()]);
        c.lines.extend(1..=paras.len() as u32);
        let short_start = c.short.len();
        if perms > 0 {
            c.short_counts
                .extend_from_slice(&ix.short_counts[paras.clone()]);
            c.short
                .extend_from_slice(&ix.short[p.short.start as usize..p.short.end as usize]);
            c.sigs
                .extend_from_slice(&ix.sigs[k * perms..(k + 1) * perms]);
        }
        c.docs.push(Doc {
            id: p.id.clone(),
            file: NO_FILE,
            span: 0..0,
            loc: Loc::Published(k as u32),
            error: None,
            paras: start..c.hashes.len(),
            pieces: c.pieces.len()..c.pieces.len(),
            events: c.events.len()..c.events.len(),
            short: short_start..c.short.len(),
            url: None,
            glosses: p.glosses,
            repeated: p.repeated,
            repeated_chars: 0,
            cut: 0,
            lines: paras.len() as u32,
            text_bytes: 0,
            lossy: false,
            published: true,
            content: p.content,
        });
        read.published.sources.push(p.source.clone());
        read.published.text_at.push(p.text_at);
    }
    // The published outputs that are still as they were written (a canonical line is found
    // again by its offset): near-duplicate pairs with a published document are then verified
    // on its text, as in one run.
    read.published.files = ix
        .outputs
        .iter()
        .map(|o| {
            let path = Path::new(&o.path);
            let same = Stamp::now(path).is_ok_and(|s| s == o.stamp);
            let file = std::fs::File::open(path).ok().filter(|_| same)?;
            // SAFETY: read-only; an output canon committed earlier, checked unchanged (size
            // and modification time) just now. Like an input, it must not be rewritten while
            // this run reads it.
            let map = unsafe { memmap2::Mmap::map(&file) }.ok()?;
            Some((map, o.text_field.clone()))
        })
        .collect();
}

/// Adds this run's canonical documents to the index; returns the report's index section.
fn extend_index(
    ix: &mut Index,
    ctx: &Ctx,
    read: &ReadState,
    decided: &Decided,
    long: &[u8],
    offsets: &[(usize, u64)],
    dir: &Path,
) -> Result<report::IndexReport> {
    let c = &read.chunk;
    let new_docs = read.new_docs();
    let perms = ix.perms();
    let before = ix.docs.len() as u64;
    let folded = decided.fates[..new_docs]
        .iter()
        .filter(|f| matches!(f, Fate::Exact(k) | Fate::Near(k, ..) if *k >= new_docs))
        .count() as u64;
    ix.runs += 1;
    // This run's canonical.jsonl, where the published documents' text can be found again
    // (its stamp is taken once it is committed).
    let output = ix.outputs.len() as u32;
    let out_path = std::path::absolute(ctx.cfg.out.join("canonical.jsonl"))
        .map_err(|e| Error::io(&ctx.cfg.out, e))?;
    ix.outputs.push(PublishedFile {
        path: out_path.display().to_string(),
        stamp: Stamp {
            size: 0,
            mtime_ns: 0,
        },
        text_field: ctx.cfg.fields.text.clone(),
    });
    let mut at = offsets.iter();
    for (i, d) in c.docs[..new_docs].iter().enumerate() {
        if !matches!(decided.fates[i], Fate::Kept) {
            continue;
        }
        let start = ix.hashes.len() as u32;
        ix.hashes.extend_from_slice(&c.hashes[d.paras.clone()]);
        ix.chars.extend_from_slice(&c.chars[d.paras.clone()]);
        let short_start = ix.short.len() as u64;
        if perms > 0 {
            ix.short_counts
                .extend_from_slice(&c.short_counts[d.paras.clone()]);
            ix.short.extend_from_slice(&c.short[d.short.clone()]);
            let row = &long[i * perms * 4..(i + 1) * perms * 4];
            ix.sigs.extend(
                row.chunks_exact(4)
                    .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes"))),
            );
        }
        ix.docs.push(Published {
            id: d.id.clone(),
            source: ctx.source(d.file, d.loc).into(),
            paras: start..ix.hashes.len() as u32,
            short: short_start..ix.short.len() as u64,
            glosses: d.glosses,
            repeated: d.repeated,
            content: d.content,
            run: ix.runs,
            text_at: at
                .find(|&&(doc, _)| doc == i)
                .map(|&(_, off)| (output, off)),
        });
    }
    Ok(report::IndexReport {
        state: dir.display().to_string(),
        runs: ix.runs,
        published_before: before,
        folded_into_published: folded,
        published_after: ix.docs.len() as u64,
    })
}

/// The input files of a run, in reading order, and the paths skipped in directory walks.
pub(crate) fn discover(cfg: &Config) -> Result<(Vec<InputFile>, Vec<PathBuf>)> {
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
    Ok((files, skipped))
}

/// A report with the options and input counts filled in.
pub(crate) fn new_report(cfg: &Config, inputs: report::Inputs) -> Report {
    Report {
        canon_version: env!("CARGO_PKG_VERSION").to_owned(),
        options: report::Options {
            format: cfg.format.map(|f| format!("{f:?}").to_lowercase()),
            text_field: cfg.fields.text.clone(),
            id_field: cfg.fields.id.clone(),
            min_repeat: cfg.min_repeat,
            boilerplate_min_docs: cfg.boilerplate_min_docs,
        },
        inputs,
        ..Report::default()
    }
}

/// Opens (maps, reads or decompresses) input files and scans WET files. Files outside `only`
/// are left empty (a shard's emit stage needs only its own). An unreadable file becomes
/// one invalid record unless `--strict`.
pub(crate) fn open_files(
    cfg: &Config,
    files: &[InputFile],
    tmp_dir: &Path,
    only: Range<usize>,
) -> Result<(Vec<Opened>, Vec<wet::Scan>)> {
    let opened: Vec<Opened> = files
        .par_iter()
        .enumerate()
        .map(|(i, f)| match &f.unreadable {
            _ if !only.contains(&i) => Ok(Opened::empty(None)),
            Some(msg) => Err(Error::io(&f.path, std::io::Error::other(msg.clone()))),
            None => input::open(f, tmp_dir, cfg.read_mode),
        })
        .map(|r| match r {
            Ok(o) => Ok(o),
            // Failing to write the decompressed copy is an output error: fatal.
            Err(Error::Io { path, source }) if path == tmp_dir => Err(Error::Io { path, source }),
            // An unreadable file is one invalid record (a fatal error under --strict).
            Err(e) if !cfg.strict => Ok(Opened::empty(Some(e.to_string()))),
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
    Ok((opened, scans))
}

/// What the read stage produced: the opened files and every document's facts.
pub(crate) struct ReadState {
    pub(crate) files: Vec<InputFile>,
    pub(crate) opened: Vec<Opened>,
    pub(crate) wet: Vec<Vec<WetRecord>>,
    pub(crate) chunk: Chunk,
    pub(crate) inputs: report::Inputs,
    /// The documents read back from the index, which follow the new documents at the end of
    /// `chunk.docs`.
    pub(crate) published: PublishedDocs,
}

impl ReadState {
    pub(crate) fn ctx<'a>(&'a self, cfg: &'a Config) -> Ctx<'a> {
        Ctx {
            cfg,
            files: &self.files,
            opened: &self.opened,
            wet: &self.wet,
            published: &self.published,
        }
    }

    /// The documents read from the inputs of this run (those of the index follow them).
    pub(crate) fn new_docs(&self) -> usize {
        self.chunk.docs.len() - self.published.sources.len()
    }
}

/// Units of pass-1 work (about 1 MiB of input each) run in parallel between two appends to
/// the tables.
const READ_BATCH: usize = 64;

/// Reads, normalizes, repairs (and partly signs) every record of `files`.
pub(crate) fn read_stage(
    cfg: &Config,
    progress: &Progress,
    files: Vec<InputFile>,
    skipped: Vec<PathBuf>,
    tmp_dir: &Path,
    seconds: &mut BTreeMap<String, f64>,
) -> Result<ReadState> {
    let t = Instant::now();
    let (opened, scans) = open_files(cfg, &files, tmp_dir, 0..files.len())?;
    let mut inputs = report::Inputs {
        skipped_files: skipped.iter().map(|p| p.display().to_string()).collect(),
        ..report::Inputs::default()
    };
    for ((f, o), s) in files.iter().zip(&opened).zip(&scans) {
        *inputs
            .files
            .entry(format_name(f.format).to_owned())
            .or_default() += 1;
        inputs.bytes_on_disk += o.disk_bytes;
        inputs.bytes_decompressed += o.data.len() as u64;
        inputs.wet_other_records += s.other_records;
    }
    let wet: Vec<Vec<WetRecord>> = scans.into_iter().map(|s| s.records).collect();
    seconds.insert("1_read".into(), t.elapsed().as_secs_f64());

    let t = Instant::now();
    progress.enter(1, inputs.bytes_decompressed);
    let mut state = ReadState {
        files,
        opened,
        wet,
        chunk: Chunk::default(),
        inputs,
        published: PublishedDocs::default(),
    };
    let ctx = state.ctx(cfg);
    // (Planning counts lines through every file; under --memory it gives the pages back.)
    let work = plan(ctx.files, ctx.opened, ctx.wet, cfg.memory.is_some());
    // In batches of units, appended in order: the tables exist once plus one batch, not twice
    // (as they would if all units' outputs were merged at the end).
    let mut chunk = Chunk::default();
    for batch in work.chunks(READ_BATCH) {
        let chunks: Vec<Chunk> = batch.par_iter().map(|w| pass1(&ctx, w, progress)).collect();
        merge_into(&mut chunk, chunks);
        if cfg.memory.is_some() {
            for w in batch {
                w.release(&ctx);
            }
        }
    }
    // A damaged compressed stream is one more unreadable record, at the offset where it broke.
    for (i, o) in ctx.opened.iter().enumerate() {
        if let Some(msg) = &o.truncated {
            let loc = Loc::Byte(o.data.len() as u64);
            let at = chunk.docs.partition_point(|d| d.file as usize <= i);
            let d = invalid_doc(&ctx, i, o.data.len()..o.data.len(), loc, msg.clone());
            chunk.docs.insert(at, d);
            if let Some(nc) = &cfg.near {
                // Keep the signature rows aligned with the documents.
                let n = nc.banding.bands * nc.banding.rows;
                chunk
                    .sigs
                    .splice(at * n..at * n, std::iter::repeat_n(u32::MAX, n));
            }
        }
    }
    if cfg.strict {
        if let Some(d) = chunk.docs.iter().find(|d| d.error.is_some()) {
            return Err(Error::Invalid {
                location: ctx.source(d.file, d.loc),
                message: d.error.as_deref().unwrap_or_default().to_owned(),
            });
        }
    }
    if std::env::var_os("CANON_MEMTRACE").is_some() {
        let c = &chunk;
        let mb = |n: usize, size: usize| (n * size) as f64 / 1e6;
        eprintln!(
            "canon: tables: docs {} ({:.0} MB), paragraphs {} (hashes+chars+lines+counts {:.0} MB), pieces {:.0} MB, events {:.0} MB, sigs {:.0} MB, short {:.0} MB",
            c.docs.len(),
            mb(c.docs.len(), std::mem::size_of::<crate::read::Doc>()),
            c.hashes.len(),
            mb(c.hashes.len(), 20),
            mb(c.pieces.len(), 12),
            mb(c.events.len(), std::mem::size_of::<crate::repair::Event>()),
            mb(c.sigs.len(), 4),
            mb(c.short.len(), 4),
        );
    }
    state.chunk = chunk;
    seconds.insert("2_repair".into(), t.elapsed().as_secs_f64());
    mem_trace("end of 2_repair");
    Ok(state)
}

/// Moves the pass-1 signatures out of the heap into a temporary file in `dir`, mapped: while
/// banding, only band hashes stay in memory (the near-duplicate issue's memory budget).
pub(crate) fn spill_signatures(chunk: &mut Chunk, dir: &Path) -> Result<SpilledSigs> {
    let sigs = std::mem::take(&mut chunk.sigs);
    if sigs.is_empty() {
        return Ok(SpilledSigs(None));
    }
    let file = tempfile::tempfile_in(dir).map_err(|e| Error::io(dir, e))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    for v in &sigs {
        std::io::Write::write_all(&mut w, &v.to_le_bytes()).map_err(|e| Error::io(dir, e))?;
    }
    drop(sigs);
    let file = w.into_inner().map_err(|e| Error::io(dir, e.into_error()))?;
    // SAFETY: an unnamed temporary file of canon's own, complete and never written again.
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| Error::io(dir, e))?;
    Ok(SpilledSigs(Some(map)))
}

/// Pass-1 signatures in a mapped temporary file (see [`spill_signatures`]).
pub(crate) struct SpilledSigs(Option<memmap2::Mmap>);

impl SpilledSigs {
    /// Gives the map's resident pages back (`--memory`); they are read again if needed.
    pub(crate) fn release(&self) {
        if let Some(m) = &self.0 {
            spill::release_map(m, 0..m.len());
        }
    }
}

impl std::ops::Deref for SpilledSigs {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.0.as_deref().unwrap_or(&[])
    }
}

/// Every decision about every document.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct Decided {
    pub(crate) bp: Boilerplate,
    pub(crate) facts: Vec<Facts>,
    pub(crate) fates: Vec<Fate>,
    pub(crate) members: HashMap<usize, Vec<usize>>,
    pub(crate) near: report::NearReport,
    /// Runs and bytes spilled to disk under `--memory`.
    pub(crate) spilled: (u64, u64),
}

/// Where tables go when they outgrow their share of `--memory`: a quarter of the budget each
/// (one table is sorted at a time), run files in the output (or work) directory.
pub(crate) fn spill_of(cfg: &Config) -> Spill {
    Spill {
        budget: cfg
            .memory
            .map(|m| usize::try_from(m / 4).unwrap_or(usize::MAX)),
        dir: cfg.out.clone(),
    }
}

/// Boilerplate, exact keys, near-duplicates, clusters and fates.
pub(crate) fn decide_stage(
    cfg: &Config,
    ctx: &Ctx,
    chunk: &Chunk,
    long_sigs: &SpilledSigs,
    progress: &Progress,
    seconds: &mut BTreeMap<String, f64>,
) -> Result<Decided> {
    let docs = &chunk.docs;
    // 3. Boilerplate: paragraphs in many unrelated documents (first count: documents that
    //    share most of their paragraphs are one copy group).
    let t = Instant::now();
    progress.enter(2, 0);
    let ranges: Vec<Range<usize>> = docs.iter().map(|d| d.paras.clone()).collect();
    let tables = boilerplate::Paragraphs {
        docs: &ranges,
        hashes: &chunk.hashes,
        chars: &chunk.chars,
    };
    let spill = spill_of(cfg);
    let mut spilled = SpillStats::default();
    let mut bp = boilerplate::find_within(
        &tables,
        cfg.boilerplate_min_docs,
        None,
        &spill,
        &mut spilled,
    )?;
    seconds.insert("3_boilerplate".into(), t.elapsed().as_secs_f64());
    mem_trace("end of 3_boilerplate");

    // 4. Exact keys (same key sequence after repair and boilerplate removal), then
    //    near-duplicates among the best document of each exact cluster.
    let t = Instant::now();
    progress.enter(3, 0);
    let mut facts = facts_of(docs, &chunk.hashes, &chunk.chars, &bp);
    let exact_first = cluster::exact(&keys_of(&facts), &ranks_of(&facts));
    seconds.insert("4_exact".into(), t.elapsed().as_secs_f64());
    mem_trace("end of 4_exact");
    let signed: Vec<usize> = (0..docs.len())
        .filter(|&i| exact_first[i] == Some(i))
        .collect();
    let near = match &cfg.near {
        Some(nc) => {
            let sh = Shingles::new(ctx, chunk, &bp, nc.shingle);
            let sig = Signatures {
                hasher: nc.hasher(),
                docs,
                hashes: &chunk.hashes,
                chars: &chunk.chars,
                long: &long_sigs[..],
                short: &chunk.short,
                short_counts: &chunk.short_counts,
                bp: &bp,
                shingles: &sh,
            };
            near::find(
                docs.len(),
                &signed,
                &|d, out| sig.sign(d, out),
                &|d| sh.of(d, true),
                nc,
                &spill,
                &mut spilled,
            )?
        }
        None => Near::none(),
    };
    if cfg.memory.is_some() {
        // The pass-1 signatures were read once, to sign.
        long_sigs.release();
    }
    seconds.insert("4a_signatures".into(), near.seconds[0]);
    seconds.insert("4b_banding".into(), near.seconds[1]);
    seconds.insert("4c_verification".into(), near.seconds[2]);
    mem_trace("end of 4c_verification");

    // 4d. Boilerplate, second count: a near-duplicate cluster is one copy group too, so an
    //     article republished with edits keeps the paragraphs its copies share.
    let t = Instant::now();
    let mut restored = 0;
    if !near.pairs.is_empty() {
        let mut uf = clusters_of(&exact_first, &near);
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
        let second = boilerplate::find_within(
            &tables,
            cfg.boilerplate_min_docs,
            Some(&clusters),
            &spill,
            &mut spilled,
        )?;
        restored = bp.retain_in(&second);
        if restored > 0 {
            facts = facts_of(docs, &chunk.hashes, &chunk.chars, &bp);
        }
    }

    // 5. Clusters: exact groups joined by verified near pairs; one canonical document per
    //    cluster by the documented total order.
    let keys = keys_of(&facts);
    let ranks = ranks_of(&facts);
    let mut uf = clusters_of(&cluster::exact(&keys, &ranks), &near);
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
        // With the final boilerplate set (the second count may have restored paragraphs).
        let sh = Shingles::new(ctx, chunk, &bp, nc.shingle);
        fates.par_iter_mut().enumerate().for_each(|(i, f)| {
            if let Fate::Near(c, s, h) = *f {
                if s.is_nan() {
                    let j = match (sh.of(i, true), sh.of(c, true)) {
                        (Some(a), Some(b)) => crate::shingle::jaccard(&a, &b),
                        // A published document has no text here: the signature estimate.
                        _ => near
                            .estimate(exact_first[i].unwrap_or(i), exact_first[c].unwrap_or(c))
                            .unwrap_or(f64::NAN),
                    };
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
    seconds.insert("4d_cluster".into(), t.elapsed().as_secs_f64());
    mem_trace("end of 4d_cluster");
    // Documents read back from an index (at the end) are not this run's to report.
    let new_docs = docs.len() - ctx.published.sources.len();
    let near = near_report(cfg, &near, &signed, &fates[..new_docs], &chains, restored);
    Ok(Decided {
        bp,
        facts,
        fates,
        members,
        near,
        spilled: (spilled.runs, spilled.bytes),
    })
}

/// Clusters as disjoint sets: exact groups (document → its group's canonical document) joined
/// by verified near pairs.
fn clusters_of(exact: &[Option<usize>], near: &Near) -> UnionFind {
    let mut uf = UnionFind::new(exact.len());
    for (i, c) in exact.iter().enumerate() {
        if let Some(c) = *c {
            uf.union(i, c);
        }
    }
    for p in &near.pairs {
        uf.union(p.a, p.b);
    }
    uf
}

/// The report of a run with every decision in (output totals and timings to come).
pub(crate) fn decided_report(
    cfg: &Config,
    ctx: &Ctx,
    read: &ReadState,
    decided: &Decided,
) -> Report {
    let mut report = new_report(cfg, read.inputs.clone());
    report.near = decided.near.clone();
    (report.run.spilled_runs, report.run.spilled_bytes) = decided.spilled;
    let n = read.new_docs();
    fill_report(
        &mut report,
        ctx,
        &read.chunk.docs[..n],
        &decided.fates[..n],
        &decided.facts[..n],
        &decided.bp,
        &decided.members,
    );
    report
}

/// The three outputs written document by document.
pub(crate) struct Outputs {
    pub(crate) canonical: Pending,
    pub(crate) dropped: Pending,
    pub(crate) explain: Pending,
}

impl Outputs {
    /// Starts the outputs in `dir` under temporary names.
    pub(crate) fn create(dir: &Path) -> Result<Outputs> {
        Ok(Outputs {
            canonical: Pending::create(dir, "canonical.jsonl")?,
            dropped: Pending::create(dir, "dropped.jsonl")?,
            explain: Pending::create(dir, "explain.jsonl.zst")?,
        })
    }
}

/// An empty zstd frame: `explain.jsonl.zst` starts with one, so it is a valid stream even
/// when there are no documents.
pub(crate) fn empty_zstd_frame() -> Result<Vec<u8>> {
    zstd::bulk::compress(&[], 3).map_err(|e| Error::io("explain.jsonl.zst", e))
}

/// What [`emit_range`] wrote.
pub(crate) struct Emitted {
    pub(crate) outs: Outputs,
    /// Text bytes and paragraphs written to `canonical.jsonl`.
    pub(crate) text_out: u64,
    pub(crate) paragraphs_out: u64,
    /// (document, offset of its line in `canonical.jsonl`), in document order.
    pub(crate) offsets: Vec<(usize, u64)>,
}

/// Renders the documents `range` into `outs`.
pub(crate) fn emit_range(
    ctx: &Ctx,
    chunk: &Chunk,
    decided: &Decided,
    range: Range<usize>,
    outs: Outputs,
    progress: &Progress,
) -> Result<Emitted> {
    progress.enter(4, range.len() as u64);
    let emit = Emit {
        ctx,
        docs: &chunk.docs,
        fates: &decided.fates,
        members: &decided.members,
        bp: &decided.bp,
        facts: &decided.facts,
        hashes: &chunk.hashes,
        pieces: &chunk.pieces,
        lines: &chunk.lines,
        events: &chunk.events,
    };
    // Workers render batches in parallel while one thread writes the previous batch.
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Block>>(2);
        let writer = s.spawn(move || -> Result<_> {
            let mut outs = outs;
            let (mut text, mut paras) = (0u64, 0u64);
            let mut offsets = Vec::new();
            let mut at = 0u64;
            for blocks in rx {
                for b in blocks {
                    for &(doc, len) in &b.canon_docs {
                        offsets.push((doc, at));
                        at += len as u64;
                    }
                    outs.canonical.write(&b.canon)?;
                    outs.dropped.write(&b.dropped)?;
                    outs.explain.write(&b.explain)?;
                    text += b.text_bytes;
                    paras += b.paragraphs;
                }
            }
            Ok(Emitted {
                outs,
                text_out: text,
                paragraphs_out: paras,
                offsets,
            })
        });
        let mut failed = None;
        for start in range.clone().step_by(EMIT_BATCH) {
            let end = (start + EMIT_BATCH).min(range.end);
            let blocks: Result<Vec<Block>> = (start..end)
                .into_par_iter()
                .step_by(EMIT_BLOCK)
                .map(|b| emit.render_block(b..(b + EMIT_BLOCK).min(end)))
                .collect();
            if ctx.cfg.memory.is_some() {
                release_inputs(ctx, &chunk.docs[start..end]);
            }
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
    })
}

/// Gives back the input pages of `docs` (`--memory`): per file, the span from the first of
/// them to the last.
fn release_inputs(ctx: &Ctx, docs: &[Doc]) {
    for run in docs.chunk_by(|a, b| a.file == b.file) {
        let f = run[0].file;
        if f == NO_FILE {
            continue;
        }
        let start = run.iter().map(|d| d.span.start).min().unwrap_or(0);
        let end = run.iter().map(|d| d.span.end).max().unwrap_or(0);
        ctx.opened[f as usize].data.release(start..end);
    }
}

/// Fails if an input changed since it was opened (its stamp then): the outputs would be
/// unreliable.
pub(crate) fn check_stamps(
    files: &[InputFile],
    stamps: &[Stamp],
    unreadable: &[bool],
) -> Result<()> {
    for ((f, stamp), skip) in files.iter().zip(stamps).zip(unreadable) {
        if f.unreadable.is_some() || *skip {
            continue;
        }
        let now = Stamp::now(&f.path)?;
        if now != *stamp {
            return Err(Error::Invalid {
                location: f.path.display().to_string(),
                message: format!(
                    "changed while canon was running (size {} -> {} bytes, or modification time); no outputs written",
                    stamp.size, now.size
                ),
            });
        }
    }
    Ok(())
}

/// Writes `report.json` and `boilerplate.jsonl`, checks the inputs did not change, and
/// commits all outputs with the manifest last.
pub(crate) fn finish(
    cfg: &Config,
    report: &Report,
    files: &[InputFile],
    stamps: &[Stamp],
    unreadable: &[bool],
    outs: Outputs,
    boilerplate: &[u8],
) -> Result<()> {
    let mut report_out = Pending::create(&cfg.out, "report.json")?;
    let mut json = serde_json::to_vec_pretty(report).expect("the report serializes");
    json.push(b'\n');
    report_out.write(&json)?;
    let mut bp_out = Pending::create(&cfg.out, "boilerplate.jsonl")?;
    bp_out.write(boilerplate)?;
    // An input that changed while it was read makes the outputs unreliable: fail instead.
    check_stamps(files, stamps, unreadable)?;
    let manifest = |written: &[output::Written]| {
        let inputs: Vec<serde_json::Value> = files
            .iter()
            .zip(stamps)
            .map(|(f, st)| {
                serde_json::json!({
                    "path": f.path.display().to_string(),
                    "bytes": st.size,
                    "mtime_ns": st.mtime_ns.to_string(),
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
        vec![
            outs.canonical,
            outs.dropped,
            outs.explain,
            bp_out,
            report_out,
        ],
        manifest,
    )
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
