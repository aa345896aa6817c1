//! Read stage: finds the input files, opens them (maps, reads or decompresses), and runs pass 1
//! over them in parallel units of about 1 MiB ([`pass1`]); hands the next stage a [`Read`]:
//! the opened inputs and every document's facts in [`Tables`], in input order.
//!
//! Units are appended to the tables in input order as they are done ([`ordered`]), so the
//! tables exist once plus a few units, and the result is the same whatever the thread count.

mod ordered;
mod pass1;

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::input::wet::{self, WetRecord};
use crate::input::{self, Format, InputFile, Opened};
use crate::progress::{Progress, Stage, Timings};
use crate::report;
use crate::sources::{Ctx, Published};
use crate::tables::{Loc, Tables};

/// What the read stage hands on: the opened inputs and every document's facts.
pub(crate) struct Read {
    pub(crate) files: Vec<InputFile>,
    pub(crate) opened: Vec<Opened>,
    /// WET files: their records (empty for other formats).
    pub(crate) wet: Vec<Vec<WetRecord>>,
    pub(crate) tables: Tables,
    /// The report's input counts.
    pub(crate) inputs: report::Inputs,
    /// The documents read back from the index, which follow the new documents at the end of
    /// `tables.docs`.
    pub(crate) published: Published,
}

impl Read {
    /// The stages' shared view of these inputs under `cfg`.
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
        self.tables.docs.len() - self.published.sources.len()
    }
}

/// Units of pass-1 work (about 1 MiB of input each) that may run or wait ahead of the first
/// one not yet appended to the tables (see [`ordered::run`]): what is held in memory when one
/// unit is slow; the rate of the first this many units sizes the tables.
const READ_WINDOW: usize = 32;

/// Reads, normalizes, repairs (and partly signs) every record of `files`; decompressed
/// copies of compressed inputs go to `tmp_dir`. `skipped` are the paths the directory walk
/// passed over (for the report).
///
/// # Errors
/// A temporary file cannot be written, or an unreadable record under `--strict`.
pub(crate) fn stage(
    cfg: &Config,
    progress: &Progress,
    files: Vec<InputFile>,
    skipped: Vec<PathBuf>,
    tmp_dir: &Path,
    timings: &mut Timings,
) -> Result<Read> {
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
        inputs.bytes_decompressed += o.decoded;
        inputs.bytes_skipped += o.skipped.iter().map(|s| s.bytes).sum::<u64>();
        inputs.wet_other_records += s.other_records;
        for (k, v) in &s.other_types {
            *inputs.wet_skipped_types.entry(k.clone()).or_default() += v;
        }
    }
    let wet: Vec<Vec<WetRecord>> = scans.into_iter().map(|s| s.records).collect();

    // Opening and pass 1 are one stage, timed together: for plain inputs opening is a map.
    // (Pass 1 reads the temporary copies: records skipped while decompressing are not in them.)
    let in_data = opened.iter().map(|o| o.data.len() as u64).sum();
    progress.enter(Stage::Read, in_data);
    let mut read = Read {
        files,
        opened,
        wet,
        tables: Tables::default(),
        inputs,
        published: Published::default(),
    };
    let tables = pass1_all(cfg, &read.ctx(cfg), progress)?;
    read.tables = tables;
    timings.add(Stage::Read, t.elapsed().as_secs_f64());
    Ok(read)
}

/// Pass 1 over every unit of work, appended in input order; then the documents of damaged
/// compressed streams, and the `--strict` check.
fn pass1_all(cfg: &Config, ctx: &Ctx, progress: &Progress) -> Result<Tables> {
    let release = cfg.run.memory.is_some();
    // (Planning counts lines through every file; under --memory it gives the pages back.)
    let work = pass1::plan(ctx.files, ctx.opened, ctx.wet, release);
    let mut tables = Tables::default();
    // The next line number of each file, for units read with lines numbered from 1.
    let mut next_line = vec![1u64; ctx.files.len()];
    // Appended parts, emptied with their room kept, for the next units to fill.
    let spare = std::sync::Mutex::new(Vec::<Tables>::new());
    // Once the first units are in, the tables get room for the whole input at the rate they
    // showed (plus a tenth): growing them by doubling copied every column again and touched
    // twice its pages, a tenth of pass 1's time on this machine's slow memory.
    let total: u64 = work.iter().map(|w| w.bytes(ctx)).sum();
    let mut first_bytes = 0u64;
    // Units are appended in input order as they are done, by whichever thread finished the
    // one being waited for: appending (copying a part into the growing tables) is serial, and
    // runs beside the other threads' units.
    ordered::run(
        work.len(),
        READ_WINDOW,
        |i| {
            let out = spare.lock().ok().and_then(|mut s| s.pop());
            pass1::pass1(ctx, &work[i], progress, out.unwrap_or_default())
        },
        |i, (mut part, lines)| {
            let w = &work[i];
            let shift = match *w {
                pass1::Work::Jsonl {
                    file,
                    first_line: None,
                    ..
                } => {
                    let shift = next_line[file] - 1;
                    next_line[file] += lines;
                    shift
                }
                _ => 0,
            };
            for d in &mut part.docs {
                if let Loc::Line(l) = &mut d.loc {
                    *l += shift;
                }
                if d.id_from_source {
                    d.id = ctx.source(d.file, d.loc).into();
                    d.id_from_source = false;
                }
            }
            tables.append_from(std::slice::from_mut(&mut part));
            if let Ok(mut s) = spare.lock() {
                s.push(part);
            }
            if i < READ_WINDOW {
                first_bytes += w.bytes(ctx);
                if i + 1 == READ_WINDOW {
                    tables.reserve_for(total as f64 / first_bytes.max(1) as f64 * 1.1);
                }
            }
            if release {
                w.release(ctx);
            }
        },
    );
    // A damaged compressed stream is one more unreadable record, at the offset where it broke.
    for (i, o) in ctx.opened.iter().enumerate() {
        if let Some(msg) = &o.truncated {
            let loc = Loc::Byte(o.decoded);
            let at = tables.docs.partition_point(|d| d.file as usize <= i);
            let d = pass1::invalid_doc(ctx, i, o.data.len()..o.data.len(), loc, msg.clone());
            // (An invalid document has no signature row: `Doc::sig` is `NO_SIG`.)
            tables.docs.insert(at, d);
        }
    }
    if cfg.options.strict {
        if let Some(d) = tables.docs.iter().find(|d| d.error.is_some()) {
            return Err(Error::Invalid {
                location: ctx.source_of(d),
                message: d.error.as_deref().unwrap_or_default().to_owned(),
            });
        }
    }
    if std::env::var_os("CANON_MEMTRACE").is_some() {
        let c = &tables;
        let mb = |n: usize, size: usize| (n * size) as f64 / 1e6;
        eprintln!(
            "canon: tables: docs {} ({:.0} MB), paragraphs {} (hashes+chars+lines+counts {:.0} MB), pieces {:.0} MB, events {:.0} MB, sigs {:.0} MB, short {:.0} MB",
            c.docs.len(),
            mb(c.docs.len(), std::mem::size_of::<crate::tables::Doc>()),
            c.hashes.len(),
            mb(c.hashes.len(), 20),
            mb(c.pieces.len(), 12),
            mb(c.events.len(), std::mem::size_of::<crate::repair::Event>()),
            mb(c.sigs.len(), 4),
            mb(c.short.len(), 4),
        );
    }
    Ok(tables)
}

/// The input files of a run, in reading order, and the paths skipped in directory walks.
///
/// # Errors
/// An input path cannot be read, no input file was found, or the output directory is an
/// input directory ([`Error::Usage`]).
pub(crate) fn discover(cfg: &Config) -> Result<(Vec<InputFile>, Vec<PathBuf>)> {
    // A walk never enters the output directory, so an output directory that *is* an input
    // directory would read as empty: say why instead.
    if let Ok(out) = std::fs::canonicalize(&cfg.out) {
        if let Some(input) = cfg
            .inputs
            .iter()
            .find(|p| std::fs::canonicalize(p).is_ok_and(|p| p == out))
        {
            return Err(Error::Usage(format!(
                "output directory {} is the input directory {}: canon would write its outputs among its inputs and then never read them as inputs; choose another --out",
                cfg.out.display(),
                input.display()
            )));
        }
    }
    let (files, skipped) = input::discover(&cfg.inputs, cfg.options.format, Some(&cfg.out))?;
    if files.is_empty() {
        let what = cfg
            .inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>();
        return Err(Error::Usage(format!(
            "no input files found in {} (canon reads .jsonl, .ndjson, .json, .txt, .wet, optionally .gz or .zst, .parquet)",
            what.join(", ")
        )));
    }
    Ok((files, skipped))
}

/// Opens (maps, reads or decompresses) input files and scans WET files. Files outside `only`
/// are left empty (a shard's emit stage needs only its own). An unreadable file becomes
/// one invalid record unless `--strict`.
///
/// # Errors
/// A decompressed copy cannot be written to `tmp_dir`, or an unreadable file under `--strict`.
pub(crate) fn open_files(
    cfg: &Config,
    files: &[InputFile],
    tmp_dir: &Path,
    only: Range<usize>,
) -> Result<(Vec<Opened>, Vec<wet::Scan>)> {
    let limits = input::Limits::new(
        cfg.options.max_doc_bytes,
        cfg.run.max_ratio,
        cfg.run.max_decompressed,
        tmp_dir,
    );
    let opened: Vec<Opened> = files
        .par_iter()
        .enumerate()
        .map(|(i, f)| match &f.unreadable {
            _ if !only.contains(&i) => Ok(Opened::empty(None)),
            Some(msg) => Err(Error::io(&f.path, std::io::Error::other(msg.clone()))),
            None => input::open(
                f,
                tmp_dir,
                cfg.run.read_mode,
                &limits,
                &cfg.options.fields,
                cfg.run.memory,
            ),
        })
        .map(|r| match r {
            Ok(o) => Ok(o),
            // Failing to write the decompressed copy is an output error, and a decompression
            // bomb stops the run: both fatal.
            Err(e @ (Error::Output { .. } | Error::Expansion { .. })) => Err(e),
            // An unreadable file is one invalid record (a fatal error under --strict).
            Err(e) if !cfg.options.strict => Ok(Opened::empty(Some(e.to_string()))),
            Err(e) => Err(e),
        })
        .collect::<Vec<Result<Opened>>>()
        .into_iter()
        // The first error in input order, whichever worker met it first: a failing run
        // says the same thing every time.
        .collect::<Result<_>>()?;
    let scans: Vec<wet::Scan> = files
        .par_iter()
        .zip(&opened)
        .map(|(f, o)| match f.format {
            Format::Wet => wet::scan_opened(o),
            _ => wet::Scan::default(),
        })
        .collect();
    Ok((opened, scans))
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Jsonl => "jsonl",
        Format::Text => "text",
        Format::Wet => "wet",
        Format::Parquet => "parquet",
    }
}
