//! Command line: clap definitions, turning flags into a `canon::Config`, progress display and
//! the end-of-run summary. Nothing here decides anything about documents.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use canon::input::jsonl::Fields;
use canon::{Config, Format, Progress};

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
    /// File format of the canonical and dropped documents in the assembled output directory
    /// (the shard that assembles it decides): canonical.jsonl and dropped.jsonl, or
    /// canonical.parquet and dropped.parquet.
    #[arg(long, value_enum, default_value = "jsonl", value_name = "FORMAT")]
    output_format: OutputFormatArg,
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
    /// Print more at the end of a run: the near-duplicate banding (S-curve) and pair counts.
    #[arg(short, long, conflicts_with = "quiet")]
    verbose: bool,
}

#[derive(Parser)]
struct ExplainArgs {
    /// The output directory of a `canon dedup` run.
    #[arg(short, long, value_name = "DIR")]
    out: PathBuf,
    /// The document's id, or its source as the outputs print it (`data/news.jsonl:10`,
    /// `crawl.warc.wet#5`, `pages/a.txt`).
    #[arg(value_name = "ID|SOURCE")]
    id: String,
    /// Print each matching document's explain record as one line of JSON.
    #[arg(long)]
    json: bool,
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
    /// File format of the canonical and dropped documents: canonical.jsonl and dropped.jsonl,
    /// or canonical.parquet and dropped.parquet (the same rows; the other outputs stay).
    #[arg(long, value_enum, default_value = "jsonl", value_name = "FORMAT")]
    output_format: OutputFormatArg,
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
    /// JSON field (Parquet column) holding the page text.
    #[arg(long, default_value = "text", value_name = "NAME")]
    text_field: String,
    /// JSON field (Parquet column) holding the document id.
    #[arg(long, default_value = "id", value_name = "NAME")]
    id_field: String,
    /// JSON field (Parquet column) holding the page's URL: its host names the page's site, over which
    /// boilerplate (site chrome) is counted.
    #[arg(long, default_value = "url", value_name = "NAME")]
    url_field: String,
    /// Stop with an error at the first unreadable record instead of listing it as invalid.
    #[arg(long)]
    strict: bool,
    /// Cut runs repeated within a page that weigh at least this much, in letters: a letter or
    /// digit of a script written with spaces weighs 1, a Han, kana, Hangul or Thai character
    /// 2.5 (a Chinese sentence is about 2.5 times shorter than its English translation). 50 is about eight English
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
    /// Most bytes the compressed inputs and streams may decompress to, all together (e.g.
    /// 100G; default: the free space in the output directory): past it the run stops.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_decompressed: Option<u64>,
    /// A compressed input expanding more than this many times (once past 64 MiB decompressed)
    /// stops the run as a decompression bomb; 0 turns the check off.
    #[arg(long, default_value_t = canon::config::DEFAULT_MAX_RATIO, value_name = "N")]
    max_ratio: u64,
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
    Parquet,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormatArg {
    Jsonl,
    Parquet,
}

impl OutputFormatArg {
    fn format(self) -> canon::config::OutputFormat {
        match self {
            OutputFormatArg::Jsonl => canon::config::OutputFormat::Jsonl,
            OutputFormatArg::Parquet => canon::config::OutputFormat::Parquet,
        }
    }
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
    // The version line names the commit and the MinHash kernel this CPU gets, so that a bug
    // report or a benchmark says what ran. (Leaked once: clap takes a `&'static str`.)
    let version: &'static str = Box::leak(
        format!(
            "{} (commit {}; MinHash kernel: {})",
            env!("CARGO_PKG_VERSION"),
            env!("CANON_GIT_COMMIT"),
            canon::near::minhash::kernel_name()
        )
        .into_boxed_str(),
    );
    let parsed = Cli::command()
        .version(version)
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => {
            // --help and --version are not errors.
            if !e.use_stderr() {
                let _ = e.print();
                return Ok(());
            }
            // One prefix for every error canon prints: `canon: error: ...` (clap's own
            // messages start with `error:`; help shown for a missing command does not).
            let text = e.render().to_string();
            if text.starts_with("error:") {
                eprint!("canon: {text}");
            } else {
                eprint!("{text}");
            }
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
                let format = a.output_format.format();
                canon::shard::emit(a.shard, &a.work, &a.out, threads, format, p)
            })
        }
    }
}

fn explain(args: ExplainArgs) -> Result<(), Failure> {
    let found = canon::explain::explain(&args.out, &args.id).map_err(Failure::Run)?;
    if found.is_empty() {
        return Err(Failure::Run(canon::Error::Invalid {
            location: args.out.display().to_string(),
            message: format!(
                "no document with id `{0}` in this run, nor one read at source `{0}` (sources are written as in dropped.jsonl: `path:line`, `path#record`, `path`)",
                args.id
            ),
        }));
    }
    // Written, not printed: a reader that stops early (`| head`) is a broken pipe, which
    // `main` treats as a normal end; `print!` would panic.
    let mut out = std::io::stdout().lock();
    let fail = |e| Failure::Run(canon::Error::io("standard output", e));
    for f in found {
        if args.json {
            writeln!(out, "{}", f.json()).map_err(fail)?;
        } else {
            out.write_all(f.text().as_bytes()).map_err(fail)?;
        }
    }
    out.flush().map_err(fail)
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
        FormatArg::Parquet => Format::Parquet,
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
    cfg.run.max_decompressed = args.max_decompressed;
    cfg.run.max_ratio = args.max_ratio;
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
        std::thread::spawn(move || crate::bars::draw(&p, &s))
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
    // `-` on a terminal waits for typing: say so, rather than seem to hang.
    if !args.opts.run.quiet
        && args.inputs.iter().any(|p| p.as_os_str() == "-")
        && std::io::stdin().is_terminal()
    {
        eprintln!("canon: reading standard input (end it with Ctrl-D)");
    }
    let mut cfg = config(args.inputs, args.out, &args.opts)?;
    cfg.index = args.index;
    cfg.options.published = args.published;
    cfg.run.output_format = args.output_format.format();
    let report = with_progress(&args.opts.run, |p| canon::run(&cfg, p))?;
    if !args.opts.run.quiet {
        warnings(&report);
        // Best effort, and never a panic: the outputs are committed whatever stderr is.
        let text = crate::summary::summary(&report, &cfg, args.opts.run.verbose);
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
    Ok(())
}

/// What a run passed over or could not tell apart, said once each on stderr (issue 12: a
/// new user should not have to open report.json to learn that nothing was read).
fn warnings(r: &canon::Report) {
    let skipped = &r.inputs.skipped_files;
    if !skipped.is_empty() {
        const SHOWN: usize = 3;
        let mut names = skipped[..skipped.len().min(SHOWN)].join(", ");
        if skipped.len() > SHOWN {
            names += &format!(" and {} more", skipped.len() - SHOWN);
        }
        eprintln!(
            "canon: warning: skipped {} file{} of unknown type in input directories: {names} (listed in report.json, inputs.skipped_files; canon reads .jsonl, .ndjson, .json, .txt, .wet, optionally .gz or .zst, .parquet)",
            skipped.len(),
            if skipped.len() == 1 { "" } else { "s" },
        );
    }
    // A WET file has a `warcinfo` record beside its conversion records: only other types
    // (a WARC file's `response`, `request`, `metadata`…) are worth a word.
    let types = &r.inputs.wet_skipped_types;
    if types.keys().any(|k| k != "warcinfo") {
        let list: Vec<String> = types.iter().map(|(k, v)| format!("{v} {k}")).collect();
        eprintln!(
            "canon: warning: skipped {} WARC records ({}): canon reads the extracted text of WET `conversion` records; convert WARC files (HTML responses) to WET first",
            r.inputs.wet_other_records,
            list.join(", ")
        );
    }
    let ids = &r.documents.repeated_ids;
    if let Some(first) = &ids.first {
        eprintln!(
            "canon: warning: {} id{} carried by more than one document ({} documents; first `{}`, carried by {}): kept_id and `canon explain` cannot tell them apart (source can); give every record a unique id, or name another field with --id-field",
            ids.ids,
            if ids.ids == 1 { " is" } else { "s are" },
            ids.documents,
            first.id,
            first.documents
        );
    }
}
