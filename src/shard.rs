//! Sharded stages over a work directory, for batch schedulers: `sign --shard I/N` reads the
//! I-th of N contiguous slices of the input files, `cluster` merges the N shards and decides
//! every document's fate, `emit --shard I/N` writes the I-th slice of the outputs, and the
//! emit shard that finds all N parts complete assembles the output directory. The stages run
//! the same code as `canon dedup`, so the result is the same: byte-identical `canonical.jsonl`,
//! `dropped.jsonl` and `boilerplate.jsonl`, the same `report.json` apart from `run` and the same
//! `report.html` apart from its timing section.
//!
//! Work directory: `sign-I-of-N.bin` per shard, `cluster.bin`, `emit-I-of-N/` per shard; every
//! file is written under a temporary name and renamed when complete.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::commit::{self, InputBook, Outputs};
use crate::config::{Config, OutputFormat};
use crate::decide::{self, Decided};
use crate::emit;
use crate::error::{Error, Result};
use crate::histogram::Log2Counts;
use crate::input::{InputFile, Kind, Stamp};
use crate::progress::{Progress, Stage, Timings};
use crate::read::{self, Read};
use crate::report::{self, Report};
use crate::report_html::{self, Showcase};
use crate::sources::Published;
use crate::state;
use crate::tables::Tables;
use crate::tally;

/// Which shard of how many: `I/N`, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// 1-based index.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("`{s}` is not a shard I/N with 1 <= I <= N");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// The contiguous slice of `n` items that this shard owns.
    pub fn slice(&self, n: usize) -> Range<usize> {
        let i = self.index - 1;
        i * n / self.count..(i + 1) * n / self.count
    }
    fn tag(&self) -> String {
        format!("{}-of-{}", self.index, self.count)
    }
}

/// What `sign` leaves for the other stages.
#[derive(Serialize, Deserialize)]
struct SignState {
    cfg: Config,
    shard: Shard,
    /// Index of this shard's first file in the whole input list.
    first_file: usize,
    files: Vec<InputFile>,
    stamps: Vec<Stamp>,
    unreadable: Vec<Option<String>>,
    inputs: report::Inputs,
    tables: Tables,
    seconds: BTreeMap<String, f64>,
}

/// What `cluster` leaves for `emit`.
#[derive(Serialize, Deserialize)]
struct ClusterState {
    decided: Decided,
    report: Report,
    boilerplate: Vec<u8>,
    /// report.html's top lines and examples.
    showcase: Showcase,
    seconds: BTreeMap<String, f64>,
}

/// What one `emit` shard counted.
#[derive(Serialize, Deserialize)]
struct EmitCounts {
    text_out: u64,
    paragraphs_out: u64,
    /// Text bytes of this shard's canonical documents, in powers-of-two bins.
    length_after: Log2Counts,
    seconds: f64,
}

/// Loads a work file, or says which stage to run again.
fn load<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    state::load(path, |e| {
        format!("unreadable work file ({e}); rerun the stage that writes it")
    })
}

fn sign_path(work: &Path, s: Shard) -> PathBuf {
    work.join(format!("sign-{}.bin", s.tag()))
}

/// `canon sign --shard I/N --work DIR`: reads and repairs one slice of the inputs.
///
/// # Errors
/// As `canon dedup`'s read stage, or the work directory cannot be written.
pub fn sign(cfg: &Config, shard: Shard, work: &Path, progress: &Progress) -> Result<()> {
    cfg.run.install(|| {
        let mut cfg = cfg.clone();
        std::fs::create_dir_all(work).map_err(|e| Error::io(work, e))?;
        // Temporary files (decompressed inputs) go to the work directory, which a directory
        // walk never enters.
        cfg.out = work.to_path_buf();
        let (files, skipped) = read::discover(&cfg)?;
        // `cluster` and `emit` open the inputs again: a stream can be read only once.
        if let Some(f) = files.iter().find(|f| f.kind != Kind::Regular) {
            return Err(Error::Usage(format!(
                "{}: not a regular file (standard input, a pipe or a FIFO): the sharded stages read their inputs again in later stages, and a stream can be read only once; save it to a file first, or use `canon dedup`",
                f.path.display()
            )));
        }
        let range = shard.slice(files.len());
        let first_file = range.start;
        let mine: Vec<InputFile> = files[range].to_vec();
        let mut timings = Timings::default();
        progress.plan(&[Stage::Read]);
        let read = read::stage(&cfg, progress, mine, skipped, work, &mut timings)?;
        let state = SignState {
            cfg,
            shard,
            first_file,
            stamps: read.opened.iter().map(|o| o.stamp).collect(),
            unreadable: read.opened.iter().map(|o| o.unreadable.clone()).collect(),
            files: read.files,
            inputs: read.inputs,
            tables: read.tables,
            seconds: timings.0,
        };
        state::save(&sign_path(work, shard), &state)
    })
}

/// All shards' states, merged in input order.
struct Merged {
    cfg: Config,
    count: usize,
    files: Vec<InputFile>,
    stamps: Vec<Stamp>,
    unreadable: Vec<Option<String>>,
    /// Each shard's range of files.
    shard_files: Vec<Range<usize>>,
    inputs: report::Inputs,
    tables: Tables,
    seconds: BTreeMap<String, f64>,
}

/// Loads every `sign-*-of-N.bin` of the work directory (N read from the first one found).
fn load_signs(work: &Path) -> Result<Merged> {
    let mut counts: Vec<usize> = std::fs::read_dir(work)
        .map_err(|e| Error::io(work, e))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let rest = name.strip_prefix("sign-")?.strip_suffix(".bin")?.to_owned();
            rest.split_once("-of-")?.1.parse::<usize>().ok()
        })
        .collect();
    counts.sort_unstable();
    counts.dedup();
    let count = match counts[..] {
        [] => {
            return Err(Error::Usage(format!(
                "{}: no sign shards here (run `canon sign` first)",
                work.display()
            )))
        }
        [n] => n,
        _ => {
            return Err(Error::Usage(format!(
                "{}: sign shards of several runs (N = {counts:?}); use a clean work directory",
                work.display()
            )))
        }
    };
    let mut m = Merged {
        cfg: Config::new(Vec::new(), PathBuf::new()),
        count,
        files: Vec::new(),
        stamps: Vec::new(),
        unreadable: Vec::new(),
        shard_files: Vec::new(),
        inputs: report::Inputs::default(),
        tables: Tables::default(),
        seconds: BTreeMap::new(),
    };
    let mut parts = Vec::with_capacity(count);
    for index in 1..=count {
        let path = sign_path(work, Shard { index, count });
        if !path.exists() {
            return Err(Error::Usage(format!(
                "{}: missing (run `canon sign --shard {index}/{count}`)",
                path.display()
            )));
        }
        let mut s: SignState = load(&path)?;
        if index == 1 {
            m.cfg = s.cfg.clone();
            m.inputs.skipped_files = s.inputs.skipped_files.clone();
        } else if m.cfg.options != s.cfg.options {
            return Err(Error::Usage(format!(
                "{}: signed with other options than shard 1",
                path.display()
            )));
        }
        if s.first_file != m.files.len() {
            return Err(Error::Usage(format!(
                "{}: its files do not follow the previous shard's",
                path.display()
            )));
        }
        let offset = m.files.len() as u32;
        for d in &mut s.tables.docs {
            d.file += offset;
        }
        m.shard_files
            .push(m.files.len()..m.files.len() + s.files.len());
        m.files.extend(s.files);
        m.stamps.extend(s.stamps);
        m.unreadable.extend(s.unreadable);
        for (k, v) in s.inputs.files {
            *m.inputs.files.entry(k).or_default() += v;
        }
        m.inputs.bytes_on_disk += s.inputs.bytes_on_disk;
        m.inputs.bytes_decompressed += s.inputs.bytes_decompressed;
        m.inputs.bytes_skipped += s.inputs.bytes_skipped;
        m.inputs.wet_other_records += s.inputs.wet_other_records;
        for (k, v) in s.inputs.wet_skipped_types {
            *m.inputs.wet_skipped_types.entry(k).or_default() += v;
        }
        for (k, v) in s.seconds {
            *m.seconds.entry(format!("sign_{k}")).or_default() += v;
        }
        parts.push(s.tables);
    }
    m.tables = Tables::concat(parts);
    Ok(m)
}

/// Re-opens the merged inputs (all, or only `only`) and builds the read state.
fn reopen(
    m: Merged,
    work: &Path,
    only: Range<usize>,
) -> Result<(Read, Config, BTreeMap<String, f64>)> {
    let mut cfg = m.cfg;
    cfg.out = work.to_path_buf();
    let (opened, scans) = read::open_files(&cfg, &m.files, work, only)?;
    let state = Read {
        files: m.files,
        opened,
        wet: scans.into_iter().map(|s| s.records).collect(),
        tables: m.tables,
        inputs: m.inputs,
        published: Published::default(),
    };
    Ok((state, cfg, m.seconds))
}

/// `canon cluster --work DIR`: merges the sign shards and decides every document's fate.
///
/// # Errors
/// Missing or inconsistent shards, unreadable inputs, or the work directory cannot be written.
pub fn cluster(work: &Path, threads: usize, progress: &Progress) -> Result<()> {
    let m = load_signs(work)?;
    let mut cfg = m.cfg.clone();
    cfg.run.threads = threads;
    cfg.run.clone().install(move || {
        let n = m.files.len();
        let (mut read, mut cfg, mut seconds) = reopen(m, work, 0..n)?;
        cfg.run.threads = threads;
        let mut long = decide::set_aside(&mut read.tables, work, cfg.run.memory.is_some())?;
        let t = Instant::now();
        let mut timings = Timings(std::mem::take(&mut seconds));
        let decide: Vec<Stage> = Stage::of_run(cfg.options.near.is_some())
            .into_iter()
            .filter(|s| (Stage::Boilerplate..=Stage::Cluster).contains(s))
            .collect();
        progress.plan(&decide);
        let decided = decide::stage(&cfg, &read, &mut long, progress, &mut timings)?;
        let mut seconds = timings.0;
        let report = tally::decided_report(&cfg, &read, &decided);
        let ctx = read.ctx(&cfg);
        let boilerplate = emit::boilerplate_table(&ctx, &read.tables, read.new_docs(), &decided.bp);
        let showcase = report_html::showcase(&ctx, &read.tables, read.new_docs(), &decided);
        seconds.insert("cluster".into(), t.elapsed().as_secs_f64());
        state::save(
            &work.join("cluster.bin"),
            &ClusterState {
                decided,
                report,
                boilerplate,
                showcase,
                seconds,
            },
        )
    })
}

/// `canon emit --shard I/N --work DIR --out OUT`: writes this shard's part of the outputs;
/// the shard that completes the set assembles `OUT`.
///
/// # Errors
/// Missing stages, unreadable inputs, an input changed since `sign`, or unwritable outputs.
pub fn emit(
    shard: Shard,
    work: &Path,
    out: &Path,
    threads: usize,
    output_format: OutputFormat,
    progress: &Progress,
) -> Result<()> {
    let m = load_signs(work)?;
    if m.count != shard.count {
        return Err(Error::Usage(format!(
            "work directory has {} sign shards, not {}",
            m.count, shard.count
        )));
    }
    let mut run = m.cfg.run.clone();
    run.threads = threads;
    run.install(move || {
        let t = Instant::now();
        let files = m.shard_files[shard.index - 1].clone();
        let book = Book {
            count: m.count,
            files: m.files.clone(),
            stamps: m.stamps.clone(),
            unreadable: m.unreadable.iter().map(Option::is_some).collect(),
        };
        let (read, mut cfg, _) = reopen(m, work, files.clone())?;
        cfg.run.threads = threads;
        // An output setting: the parts are JSON Lines whatever it is, and the shard that
        // assembles the output directory writes it in its own format.
        cfg.run.output_format = output_format;
        let cluster: ClusterState = load(&work.join("cluster.bin"))?;
        if cluster.decided.fates.len() != read.tables.docs.len() {
            return Err(Error::Usage(
                "cluster.bin does not match the sign shards (rerun `canon cluster`)".into(),
            ));
        }
        let docs = &read.tables.docs;
        let range = docs.partition_point(|d| (d.file as usize) < files.start)
            ..docs.partition_point(|d| (d.file as usize) < files.end);
        let part = work.join(format!("emit-{}", shard.tag()));
        let _ = std::fs::remove_dir_all(&part);
        std::fs::create_dir_all(&part).map_err(|e| Error::io(&part, e))?;
        let outs = Outputs::create(&part)?;
        progress.plan(&[Stage::Emit]);
        let emitted = emit::stage(&cfg, &read, &cluster.decided, range, outs, progress)?;
        let outs = emitted.outs;
        crate::output::commit(
            &part,
            vec![outs.canonical, outs.dropped, outs.explain],
            &[],
            |_| Vec::new(),
        )?;
        let counts = EmitCounts {
            text_out: emitted.text_out,
            paragraphs_out: emitted.paragraphs_out,
            length_after: emitted.length_after,
            seconds: t.elapsed().as_secs_f64(),
        };
        state::save(&part.join("done.bin"), &counts)?;
        drop(read);
        assemble(&book, &cluster, work, out, &cfg)
    })
}

/// Assembles `out` from all emit parts if they are complete; otherwise does nothing. Two
/// shards finishing at once may both assemble: they write identical files, each committed
/// atomically, so the result is the same; an assembling shard that is killed leaves the
/// previous `out` (or none), and any emit shard run again assembles it.
/// What assembling needs to know of the inputs.
struct Book {
    count: usize,
    files: Vec<InputFile>,
    stamps: Vec<Stamp>,
    unreadable: Vec<bool>,
}

fn assemble(m: &Book, cluster: &ClusterState, work: &Path, out: &Path, cfg: &Config) -> Result<()> {
    let parts: Vec<PathBuf> = (1..=m.count)
        .map(|index| {
            work.join(format!(
                "emit-{}",
                Shard {
                    index,
                    count: m.count
                }
                .tag()
            ))
        })
        .collect();
    if !parts.iter().all(|p| p.join("done.bin").exists()) {
        return Ok(());
    }
    {
        std::fs::create_dir_all(out).map_err(|e| Error::output(out, e))?;
        let mut outs = Outputs::start(out)?;
        let mut report = cluster.report.clone();
        let mut seconds = cluster.seconds.clone();
        let mut text_out = 0;
        let mut length_after = Log2Counts::default();
        for (i, p) in parts.iter().enumerate() {
            let counts: EmitCounts = load(&p.join("done.bin"))?;
            text_out += counts.text_out;
            report.paragraphs.out += counts.paragraphs_out;
            length_after.merge(&counts.length_after);
            seconds.insert(format!("emit_{}", i + 1), counts.seconds);
            for (name, w) in [
                ("canonical.jsonl", &mut outs.canonical),
                ("dropped.jsonl", &mut outs.dropped),
                ("explain.jsonl.zst", &mut outs.explain),
            ] {
                let path = p.join(name);
                let data = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
                w.write(&data)?;
            }
        }
        let mut cfg = cfg.clone();
        cfg.out = out.to_path_buf();
        let t = Instant::now();
        let outs = emit::parquet::convert(&cfg, &m.files, outs)?;
        if cfg.run.output_format == OutputFormat::Parquet {
            seconds.insert("parquet".into(), t.elapsed().as_secs_f64());
        }
        report.bytes.settle(text_out);
        report.distributions.length_after = length_after.histogram("bytes");
        report.run.seconds = seconds;
        report.run.threads = cfg.run.threads;
        let inputs = InputBook {
            files: &m.files,
            stamps: &m.stamps,
            unreadable: &m.unreadable,
        };
        commit::finish(
            &cfg,
            &report,
            &inputs,
            outs,
            &cluster.boilerplate,
            &cluster.showcase,
        )
    }
}
