//! Command line: clap definitions, turning flags into a `canon::Config`, progress display and
//! the end-of-run summary. Nothing here decides anything about documents.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};

use canon::input::jsonl::Fields;
use canon::{Config, Format, Progress, Report};

/// Turns raw web-scrape dumps into a clean, deduplicated corpus.
#[derive(Parser)]
#[command(name = "canon", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Repair pages, remove boilerplate, fold duplicates and write canonical documents.
    Dedup(DedupArgs),
    /// Explain what a run did to one input document (reads only the output directory).
    Explain(ExplainArgs),
    /// Sharded stage 1 of 3: read and repair the I-th of N slices of the inputs into a work
    /// directory (same options as `dedup`).
    Sign(SignArgs),
    /// Sharded stage 2 of 3: merge the sign shards, find boilerplate and duplicates.
    Cluster(ClusterArgs),
    /// Sharded stage 3 of 3: write the I-th slice of the outputs; the shard that completes
    /// the set assembles the output directory.
    Emit(EmitArgs),
}

#[derive(Parser)]
struct SignArgs {
    /// Input files or directories, exactly as for `dedup` (every shard gets the same list).
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// This shard, I/N with 1 <= I <= N.
    #[arg(long, value_name = "I/N")]
    shard: canon::shard::Shard,
    /// Work directory shared by all stages.
    #[arg(long, value_name = "DIR")]
    work: PathBuf,
    #[command(flatten)]
    opts: Opts,
}

#[derive(Parser)]
struct ClusterArgs {
    /// Work directory shared by all stages.
    #[arg(long, value_name = "DIR")]
    work: PathBuf,
    #[command(flatten)]
    run: RunOpts,
}

#[derive(Parser)]
struct EmitArgs {
    /// This shard, I/N with 1 <= I <= N.
    #[arg(long, value_name = "I/N")]
    shard: canon::shard::Shard,
    /// Work directory shared by all stages.
    #[arg(long, value_name = "DIR")]
    work: PathBuf,
    /// Output directory, as for `dedup`.
    #[arg(short, long, value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    run: RunOpts,
}

/// Options of how a run goes (not of what it decides).
#[derive(clap::Args)]
struct RunOpts {
    /// Worker threads (default: all cores).
    #[arg(short = 'j', long, value_name = "N")]
    threads: Option<usize>,
    /// Progress display on stderr: bars when it is a terminal (auto), always, or never.
    #[arg(long, value_enum, default_value_t = ProgressArg::Auto)]
    progress: ProgressArg,
    /// Print nothing but errors.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Parser)]
struct ExplainArgs {
    /// The output directory of a `canon dedup` run.
    #[arg(short, long, value_name = "DIR")]
    out: PathBuf,
    /// The document id.
    id: String,
}

#[derive(Parser)]
struct DedupArgs {
    /// Input files or directories (walked recursively in sorted path order).
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Output directory (created if missing): canonical.jsonl, dropped.jsonl, report.json,
    /// report.html.
    #[arg(short, long, value_name = "DIR")]
    out: PathBuf,
    /// Incremental run: the documents published by earlier runs on STATE (their signatures,
    /// keys and paragraph counts, not their text) outrank this run's; a new document that
    /// duplicates one is dropped naming it. STATE/index.bin is created on the first run and
    /// replaced, atomically, once this run's outputs are committed.
    #[arg(long, value_name = "STATE")]
    index: Option<PathBuf>,
    /// Documents read from under PATH count as already published: they outrank all others
    /// (as an index's do). Repeatable.
    #[arg(long, value_name = "PATH")]
    published: Vec<PathBuf>,
    #[command(flatten)]
    opts: Opts,
}

/// The options of a deduplication run.
#[derive(clap::Args)]
struct Opts {
    #[command(flatten)]
    run: RunOpts,
    /// Input format, instead of choosing by file extension.
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// JSON field holding the page text.
    #[arg(long, default_value = "text", value_name = "NAME")]
    text_field: String,
    /// JSON field holding the document id.
    #[arg(long, default_value = "id", value_name = "NAME")]
    id_field: String,
    /// JSON field holding the page's URL: its host names the page's site, over which
    /// boilerplate (site chrome) is counted.
    #[arg(long, default_value = "url", value_name = "NAME")]
    url_field: String,
    /// Stop with an error at the first unreadable record instead of listing it as invalid.
    #[arg(long)]
    strict: bool,
    /// Cut runs repeated within a page that weigh at least this much, in letters: a letter or
    /// digit of a script written with spaces weighs 1, a Han, kana, Hangul or Thai character
    /// 2.5 (as in shingles: a word weighs two such characters). 50 is about eight English
    /// words or twenty Chinese characters.
    #[arg(long, default_value_t = canon::repair::DEFAULT_MIN_REPEAT, value_name = "WEIGHT")]
    min_repeat: usize,
    /// A paragraph in at least this many unrelated documents is boilerplate.
    #[arg(long, default_value_t = canon::boilerplate::DEFAULT_MIN_DOCS, value_name = "N")]
    boilerplate_min_docs: usize,
    /// A long paragraph (at least twice --min-repeat key characters) found in several
    /// documents that are not duplicates of each other: `once` keeps it only in the document
    /// where it is the largest share (its home) and removes it from the others; `keep`
    /// leaves it everywhere.
    #[arg(long, value_enum, default_value = "once", value_name = "MODE")]
    passages: PassagesArg,
    /// Documents at or above this Jaccard similarity (of shingle sets) are near-duplicates.
    #[arg(long, default_value_t = canon::near::DEFAULT_THRESHOLD, value_name = "J")]
    near_threshold: f64,
    /// Shingle size: characters for Chinese, Japanese, Korean, Thai; words count as two.
    #[arg(long, default_value_t = canon::near::shingle::DEFAULT_SIZE, value_name = "N")]
    shingle: usize,
    /// LSH bands (default: derived from --near-threshold, with --rows).
    #[arg(long, value_name = "B", requires = "rows")]
    bands: Option<usize>,
    /// Signature rows per LSH band (default: derived from --near-threshold, with --bands).
    #[arg(long, value_name = "R", requires = "bands")]
    rows: Option<usize>,
    /// Skip the near-duplicate stage (exact duplicates only).
    #[arg(long)]
    no_near: bool,
    /// Read plain inputs into memory instead of memory-mapping them (for files that may be
    /// truncated while canon runs).
    #[arg(long)]
    no_mmap: bool,
    /// Records larger than this many bytes are invalid ("too large").
    #[arg(long, default_value_t = canon::DEFAULT_MAX_DOC_BYTES, value_name = "BYTES")]
    max_doc_bytes: usize,
    /// Memory budget (e.g. 2G, 512M): paragraph frequency tables and LSH band columns larger
    /// than a quarter of it are sorted in runs on disk, and input pages are given back once
    /// read. See the README for what the rest needs per document and paragraph.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    memory: Option<u64>,
}

/// A size in bytes: a number with an optional K, M, G or T suffix (powers of 1024).
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m: u64 = match c.to_ascii_uppercase() {
                'K' => 1 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                'T' => 1 << 40,
                'B' => 1,
                _ => return Err(format!("unknown size suffix in {s:?} (use K, M, G or T)")),
            };
            (&t[..i], m)
        }
        _ => (t, 1),
    };
    let n: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("not a size: {s:?} (e.g. 512M, 2G)"))?;
    if n.is_nan() || n <= 0.0 || !n.is_finite() {
        return Err(format!("not a positive size: {s:?}"));
    }
    Ok((n * mult as f64) as u64)
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Jsonl,
    Txt,
    Wet,
}

#[derive(Clone, Copy, ValueEnum)]
enum PassagesArg {
    Once,
    Keep,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ProgressArg {
    Auto,
    Always,
    Never,
}

/// How the command failed.
pub enum Failure {
    /// Bad command line (exit 2).
    Usage(String),
    /// The run failed (exit 1).
    Run(canon::Error),
}

/// Parses the command line and runs it.
pub fn main() -> Result<(), Failure> {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // --help and --version are not errors.
            if !e.use_stderr() {
                let _ = e.print();
                return Ok(());
            }
            let _ = e.print();
            std::process::exit(2);
        }
    };
    match cli.command {
        Command::Dedup(args) => dedup(args),
        Command::Explain(args) => explain(args),
        Command::Sign(a) => {
            let cfg = config(a.inputs, a.work.clone(), &a.opts)?;
            with_progress(&a.opts.run, |p| {
                canon::shard::sign(&cfg, a.shard, &a.work, p)
            })
        }
        Command::Cluster(a) => {
            let threads = threads(&a.run)?;
            with_progress(&a.run, |p| canon::shard::cluster(&a.work, threads, p))
        }
        Command::Emit(a) => {
            let threads = threads(&a.run)?;
            with_progress(&a.run, |p| {
                canon::shard::emit(a.shard, &a.work, &a.out, threads, p)
            })
        }
    }
}

fn explain(args: ExplainArgs) -> Result<(), Failure> {
    let found = canon::explain::explain(&args.out, &args.id).map_err(Failure::Run)?;
    if found.is_empty() {
        return Err(Failure::Run(canon::Error::Invalid {
            location: args.out.display().to_string(),
            message: format!("no document with id `{}` in this run", args.id),
        }));
    }
    // Written, not printed: a reader that stops early (`| head`) is a broken pipe, which
    // `main` treats as a normal end; `print!` would panic.
    let mut out = std::io::stdout().lock();
    for f in found {
        std::io::Write::write_all(&mut out, f.as_bytes())
            .map_err(|e| Failure::Run(canon::Error::io("standard output", e)))?;
    }
    std::io::Write::flush(&mut out)
        .map_err(|e| Failure::Run(canon::Error::io("standard output", e)))
}

fn threads(run: &RunOpts) -> Result<usize, Failure> {
    match run.threads {
        Some(0) => Err(Failure::Usage("--threads must be at least 1".into())),
        t => Ok(t.unwrap_or(0)),
    }
}

/// Turns the options into the library's configuration, checking them.
fn config(inputs: Vec<PathBuf>, out: PathBuf, args: &Opts) -> Result<Config, Failure> {
    let threads = threads(&args.run)?;
    if args.boilerplate_min_docs < 2 {
        return Err(Failure::Usage(
            "--boilerplate-min-docs must be at least 2".into(),
        ));
    }
    if args.min_repeat == 0 {
        return Err(Failure::Usage("--min-repeat must be at least 1".into()));
    }
    let mut cfg = Config::new(inputs, out);
    let o = &mut cfg.options;
    o.format = args.format.map(|f| match f {
        FormatArg::Jsonl => Format::Jsonl,
        FormatArg::Txt => Format::Text,
        FormatArg::Wet => Format::Wet,
    });
    o.fields = Fields {
        text: args.text_field.clone(),
        id: args.id_field.clone(),
        url: args.url_field.clone(),
    };
    o.min_repeat = args.min_repeat;
    o.boilerplate_min_docs = args.boilerplate_min_docs;
    o.strict = args.strict;
    o.passages = match args.passages {
        PassagesArg::Once => canon::config::Passages::Once,
        PassagesArg::Keep => canon::config::Passages::Keep,
    };
    o.max_doc_bytes = args.max_doc_bytes;
    cfg.run.threads = threads;
    cfg.run.memory = args.memory;
    if args.no_mmap {
        cfg.run.read_mode = canon::input::ReadMode::Buffered;
    }
    if !(0.0..=1.0).contains(&args.near_threshold) || args.near_threshold == 0.0 {
        return Err(Failure::Usage("--near-threshold must be in (0, 1]".into()));
    }
    if args.shingle == 0 {
        return Err(Failure::Usage("--shingle must be at least 1".into()));
    }
    cfg.options.near = if args.no_near {
        None
    } else {
        let mut nc = canon::near::NearConfig::new(args.near_threshold);
        nc.shingle = args.shingle;
        if let (Some(bands), Some(rows)) = (args.bands, args.rows) {
            if bands == 0 || rows == 0 || bands * rows > 1024 {
                return Err(Failure::Usage(
                    "--bands × --rows must be between 1 and 1024".into(),
                ));
            }
            nc.banding = canon::near::lsh::Banding { bands, rows };
        }
        Some(nc)
    };
    Ok(cfg)
}

/// Runs `f` with progress drawn as `run` asks; maps library errors to failures.
fn with_progress<T>(
    run: &RunOpts,
    f: impl FnOnce(&Progress) -> canon::Result<T>,
) -> Result<T, Failure> {
    let progress = Arc::new(Progress::default());
    let show = !run.quiet
        && match run.progress {
            ProgressArg::Never => false,
            ProgressArg::Auto => std::io::stderr().is_terminal(),
            ProgressArg::Always => true,
        };
    let stop = Arc::new(AtomicBool::new(false));
    let drawer = show.then(|| {
        let (p, s) = (progress.clone(), stop.clone());
        std::thread::spawn(move || draw(&p, &s))
    });
    let result = f(&progress);
    stop.store(true, Ordering::SeqCst);
    if let Some(d) = drawer {
        let _ = d.join();
    }
    result.map_err(|e| match e {
        canon::Error::Usage(m) => Failure::Usage(m),
        e => Failure::Run(e),
    })
}

fn dedup(args: DedupArgs) -> Result<(), Failure> {
    let mut cfg = config(args.inputs, args.out, &args.opts)?;
    cfg.index = args.index;
    cfg.options.published = args.published;
    let report = with_progress(&args.opts.run, |p| canon::run(&cfg, p))?;
    if !args.opts.run.quiet {
        summary(&report, &cfg);
        if let Some(ix) = &report.index {
            eprintln!(
                "canon: index {} (run {}): {} published before, {} new documents folded into them, {} published now",
                ix.state, ix.runs, ix.published_before, ix.folded_into_published, ix.published_after
            );
        }
    }
    Ok(())
}

/// Polls the pipeline's counters: an indicatif bar on a terminal, a log line every few
/// seconds otherwise.
fn draw(p: &Progress, stop: &AtomicBool) {
    let term = std::io::stderr().is_terminal();
    let bar = indicatif::ProgressBar::new(0);
    if term {
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{prefix:>11} [{bar:30}] {bytes}/{total_bytes} {msg} {bytes_per_sec} ETA {eta}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
    } else {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let start = Instant::now();
    let mut last_log = Instant::now();
    let mut stage = None;
    while !stop.load(Ordering::SeqCst) {
        let s = p.stage();
        if Some(s) != stage {
            stage = Some(s);
            bar.reset();
            bar.set_prefix(s.name());
        }
        let (total, done, docs) = (
            p.total.load(Relaxed),
            p.done.load(Relaxed),
            p.docs.load(Relaxed),
        );
        bar.set_length(total);
        bar.set_position(done);
        bar.set_message(format!("{docs} docs"));
        if !term && last_log.elapsed() >= Duration::from_secs(5) {
            last_log = Instant::now();
            eprintln!(
                "canon: {:.0}s {} {}/{} ({docs} docs)",
                start.elapsed().as_secs_f64(),
                s.name(),
                done,
                total
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bar.finish_and_clear();
}

fn summary(r: &Report, cfg: &Config) {
    if let Some(budget) = cfg.run.memory {
        if r.run.memory_estimate > budget {
            let human = |b: u64| {
                if b >= 1 << 30 {
                    format!("{:.2} GiB", b as f64 / (1u64 << 30) as f64)
                } else {
                    format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64)
                }
            };
            eprintln!(
                "canon: warning: --memory {} is below the {} that {} documents and their paragraphs need at the peak (README, \"Memory\"): only the frequency tables and band columns were kept within it",
                human(budget),
                human(r.run.memory_estimate),
                r.documents.input
            );
        }
    }
    let d = &r.documents;
    let dropped: Vec<String> = d.dropped.iter().map(|(k, v)| format!("{v} {k}")).collect();
    let mb = |b: u64| b as f64 / 1e6;
    let secs = r.run.seconds.get("total").copied().unwrap_or(0.0);
    eprintln!(
        "canon: {} documents in, {} canonical, dropped {}; text {:.2} MB -> {:.2} MB; \
         {} repeated and {} boilerplate paragraphs removed; {:.2}s ({:.1} MB/s, {} threads) -> {}",
        d.input,
        d.canonical,
        dropped.join(", "),
        mb(r.bytes.text_in),
        mb(r.bytes.text_out),
        r.paragraphs.repeated,
        r.paragraphs.boilerplate,
        secs,
        mb(r.inputs.bytes_decompressed) / secs.max(1e-9),
        r.run.threads,
        cfg.out.display()
    );
    if r.near.enabled {
        let n = &r.near;
        let curve: Vec<String> = n
            .s_curve
            .iter()
            .map(|p| format!("{:.2}:{:.3}", p.jaccard, p.candidate_probability))
            .collect();
        eprintln!(
            "canon: near-duplicates at Jaccard >= {}: {} bands x {} rows, P(candidate) {}",
            n.threshold,
            n.bands,
            n.rows,
            curve.join(" ")
        );
        eprintln!(
            "canon: {} candidate pairs, {} verified ({} on exact Jaccard), {} rejected; {} documents folded, longest chain {}",
            n.candidate_pairs, n.verified_pairs, n.exact_checked_pairs, n.rejected_pairs, n.near_duplicates, n.longest_chain
        );
    }
    if r.invalid.count > 0 {
        eprintln!(
            "canon: {} invalid records, first at {}: {}",
            r.invalid.count, r.invalid.first[0].source, r.invalid.first[0].error
        );
    }
}
