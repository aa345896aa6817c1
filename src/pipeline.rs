//! The whole job, stage by stage: read (parse, normalize, repair; [`read`]) → decide
//! (boilerplate, exact and near-duplicate clusters, each document's fate; [`decide`]) → emit
//! (canonical, dropped and explain lines in input order; [`emit`]) → commit (report,
//! boilerplate table, manifest; [`commit`]). Read this file top to bottom to follow a
//! document.
//!
//! Pass 1 keeps only compact per-document facts ([`crate::tables`]); the emit stage reads the
//! kept records again from the mapped files, so document text is never held in memory for the
//! whole corpus. An incremental run ([`index`]) adds the documents it published before, as
//! documents without text that outrank every new one.

use std::path::Path;
use std::time::Instant;

use crate::commit::{self, InputBook, Outputs};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::index::{self, Index};
use crate::input::Stamp;
use crate::memory;
use crate::output;
use crate::progress::{Progress, Stage, Timings};
use crate::report::{self, Report};
use crate::report_html;
use crate::{decide, emit, read, tally};

/// Runs `canon dedup`: reads `cfg.inputs` and commits `canonical.jsonl`, `dropped.jsonl`,
/// `explain.jsonl.zst`, `boilerplate.jsonl`, `report.json`, `report.html` and `manifest.json` into `cfg.out`
/// at once; with `cfg.index`, also replaces the index once they are committed.
///
/// # Errors
/// Unreadable inputs or outputs, no input files ([`Error::Usage`]), an input changed while
/// canon ran, an index built with other options, or an invalid record under `--strict`.
pub fn run(cfg: &Config, progress: &Progress) -> Result<Report> {
    cfg.run.install(|| run_in_pool(cfg, progress))
}

fn run_in_pool(cfg: &Config, progress: &Progress) -> Result<Report> {
    let start = Instant::now();
    let mut timings = Timings::default();

    // Read every file and repair every page (pass 1).
    progress.plan(&Stage::of_run(cfg.options.near.is_some()));
    progress.enter(Stage::Open, 0);
    let (files, skipped) = read::discover(cfg)?;
    if cfg.out.exists() && !cfg.out.is_dir() {
        let e = std::io::Error::other("exists and is not a directory");
        return Err(Error::output(&cfg.out, e));
    }
    std::fs::create_dir_all(&cfg.out).map_err(|e| Error::output(&cfg.out, e))?;
    output::remove_stale(&cfg.out);
    // One run at a time on an index: held until the index is replaced (or the run fails).
    let _lock = match &cfg.index {
        Some(dir) => Some(index::Lock::acquire(dir)?),
        None => None,
    };
    let found = start.elapsed().as_secs_f64();
    let mut read = read::stage(cfg, progress, files, skipped, &cfg.out, &mut timings)?;
    let t = Instant::now();

    // An incremental run: what earlier runs published follows this run's documents.
    let mut index = match &cfg.index {
        Some(dir) => Some(Index::load(dir, &cfg.options.index_keys())?),
        None => None,
    };
    if let Some(ix) = &index {
        index::add_published(&mut read, ix);
    }
    let mut long = decide::set_aside(&mut read.tables, &cfg.out, cfg.run.memory.is_some())?;
    memory::trim_heap();
    // Finding the files, the index and the pass-1 signatures set aside belong to reading.
    timings.add(Stage::Read, found + t.elapsed().as_secs_f64());

    // Boilerplate, exact and near-duplicate clusters, each document's fate.
    let decided = decide::stage(cfg, &read, &mut long, progress, &mut timings)?;
    if cfg.run.memory.is_some() {
        long.release();
        memory::trim_heap();
    }
    // Emit this run's documents in input order. The report's counts, the boilerplate table
    // and the report's examples are serial passes over the tables that need nothing emit
    // writes: they run beside emit (one core each would otherwise sit idle while they ran).
    let t = Instant::now();
    let ctx = read.ctx(cfg);
    let outs = Outputs::start(&cfg.out)?;
    let (emitted, (mut report, bp, showcase)) = rayon::join(
        || -> Result<emit::Emitted> {
            let mut emitted =
                emit::stage(cfg, &read, &decided, 0..read.new_docs(), outs, progress)?;
            // With --output-format parquet: the lines just written become the Parquet files.
            emitted.outs = emit::parquet::convert(cfg, &read.files, emitted.outs)?;
            Ok(emitted)
        },
        || {
            let report = tally::decided_report(cfg, &read, &decided);
            let bp = emit::boilerplate_table(&ctx, &read.tables, read.new_docs(), &decided.bp);
            let showcase = report_html::showcase(&ctx, &read.tables, read.new_docs(), &decided);
            (report, bp, showcase)
        },
    );
    let mut emitted = emitted?;
    timings.record(Stage::Emit, t.elapsed().as_secs_f64());
    report.run.memory_estimate = report::memory_estimate(
        read.tables.docs.len() as u64,
        read.tables.hashes.len() as u64,
        read.inputs.bytes_decompressed,
    );
    report.bytes.settle(emitted.text_out);
    report.paragraphs.out = emitted.paragraphs_out;
    report.distributions.length_after = emitted.length_after.histogram("bytes");

    // The outputs on disk: syncing them is most of committing, and is done before the
    // report is written so that the report can time it.
    let t = Instant::now();
    progress.enter(Stage::Commit, 0);
    if let (Some(ix), Some(dir)) = (&mut index, &cfg.index) {
        let offsets = &emitted.offsets;
        report.index = Some(index::extend_index(
            ix, cfg, &read, &decided, &long, offsets, dir,
        )?);
    }
    emitted.outs.sync()?;
    timings.record(Stage::Commit, t.elapsed().as_secs_f64());
    timings.record(Stage::Done, start.elapsed().as_secs_f64());
    report.run.seconds = timings.0;
    report.run.threads = cfg.run.thread_count();

    // Commit everything at once, after checking that no input changed.
    let stamps: Vec<Stamp> = read.opened.iter().map(|o| o.stamp).collect();
    let unreadable: Vec<bool> = read.opened.iter().map(|o| o.unreadable.is_some()).collect();
    let inputs = InputBook {
        files: &read.files,
        stamps: &stamps,
        unreadable: &unreadable,
    };
    commit::finish(cfg, &report, &inputs, emitted.outs, &bp, &showcase)?;
    // The index is replaced only once the outputs are committed: a failed run leaves it as
    // it was, and the documents it lists are always in some committed output.
    if let (Some(ix), Some(dir)) = (&mut index, &cfg.index) {
        if let Some(o) = ix.outputs.last_mut() {
            o.stamp = Stamp::now(Path::new(&o.path))?;
        }
        ix.save(dir)?;
    }
    progress.enter(Stage::Done, 0);
    // The tables and decisions are freed by a thread of their own (hundreds of thousands of
    // small allocations, a second of one core on a large run): the caller has its report.
    std::thread::spawn(move || drop((read, decided, emitted.offsets)));
    Ok(report)
}
