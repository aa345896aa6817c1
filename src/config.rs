//! What a run is told: where to read and write ([`Config`]), the options that decide what
//! happens to documents ([`Options`]), and the settings of how the run goes ([`RunSettings`]).
//!
//! The split is the contract: two runs with equal `Options` over the same inputs give
//! byte-identical outputs whatever their `RunSettings` (threads, memory budget, read mode).
//! The sharded stages check it with one equality, and an index checks the part its stored
//! keys depend on ([`IndexKeys`]).

use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::input::jsonl::Fields;
use crate::input::{Format, ReadMode};
use crate::near::{self, NearConfig};
use crate::{boilerplate, repair};

/// Everything a run needs to know; the CLI fills it from the command line.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Config {
    /// Files and directories to read.
    pub inputs: Vec<PathBuf>,
    /// Output directory (created if missing).
    pub out: PathBuf,
    /// Incremental runs: the state directory of the published-document index (`--index`).
    pub index: Option<PathBuf>,
    /// What decides each document's fate.
    pub options: Options,
    /// How the run goes (never what it decides).
    pub run: RunSettings,
}

/// The options that decide outcomes: a run's outputs are a function of its inputs and these.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Options {
    /// Forced input format (otherwise chosen by extension).
    pub format: Option<Format>,
    /// JSON field names.
    pub fields: Fields,
    /// Repeated runs weighing at least this much (in letters, see `repair::DEFAULT_MIN_REPEAT`)
    /// are cut (`--min-repeat`).
    pub min_repeat: usize,
    /// Paragraphs in at least this many copy groups are boilerplate.
    pub boilerplate_min_docs: usize,
    /// Unreadable records stop the run instead of being listed as invalid.
    pub strict: bool,
    /// Near-duplicate detection (`None`: `--no-near`).
    pub near: Option<NearConfig>,
    /// Records larger than this many bytes are invalid (`--max-doc-bytes`).
    pub max_doc_bytes: usize,
    /// Inputs under these paths count as already published (`--published`): their documents
    /// outrank all others, as an index's do.
    pub published: Vec<PathBuf>,
    /// What happens to a long paragraph found in several documents that are not duplicates
    /// of each other (`--passages`).
    #[serde(default)]
    pub passages: Passages,
}

/// `--passages`: a long paragraph (a sentence or more) in several kept documents that are not
/// duplicates of each other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Passages {
    /// Kept once, in its home document, and removed from the others (the default).
    #[default]
    Once,
    /// Left in every document that has it (still never boilerplate).
    Keep,
}

/// How a run goes: none of these changes a byte of the outputs (`report.json`'s `run` aside).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunSettings {
    /// Worker threads; 0 = all cores.
    pub threads: usize,
    /// Memory-map plain inputs, or read them (`--no-mmap`).
    pub read_mode: ReadMode,
    /// Memory budget in bytes (`--memory`): frequency tables and band columns over a quarter
    /// of it are sorted in runs on disk, and input pages are given back once read.
    pub memory: Option<u64>,
    /// Most bytes the run's compressed inputs and streams may decompress to, all together,
    /// records skipped while decompressing included (`--max-decompressed`); `None`: the free
    /// space of the output directory's file system when the inputs are opened.
    #[serde(default)]
    pub max_decompressed: Option<u64>,
    /// A compressed input that decompresses to more than this many times the compressed bytes
    /// read, once past [`crate::input::RATIO_MIN_BYTES`], stops the run (`--max-ratio`; 0: never).
    #[serde(default = "default_max_ratio")]
    pub max_ratio: u64,
    /// The file format of `canonical` and `dropped` (`--output-format`). An output setting:
    /// the same rows in either format, so the sharded stages and an index never compare it.
    #[serde(default)]
    pub output_format: OutputFormat,
}

/// `--output-format`: how the canonical and dropped documents are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// `canonical.jsonl` and `dropped.jsonl` (the default).
    #[default]
    Jsonl,
    /// `canonical.parquet` and `dropped.parquet` (zstd, in row groups; see `emit::parquet`).
    Parquet,
}

impl OutputFormat {
    /// The file names of the canonical and the dropped documents in this format.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            OutputFormat::Jsonl => ("canonical.jsonl", "dropped.jsonl"),
            OutputFormat::Parquet => ("canonical.parquet", "dropped.parquet"),
        }
    }
}

/// The default `--max-ratio`: 1000:1. Real JSON Lines compress 3–10×; a dump of one 5 KB page
/// copied 20,000 times under distinct ids and URLs 120× (gzip -9) to 470× (zstd -19 --long);
/// one byte repeated, the decompression bomb's favourite, 1,030× with gzip -6 (deflate's
/// ceiling is 1,032×) and far more with zstd.
pub const DEFAULT_MAX_RATIO: u64 = 1000;

fn default_max_ratio() -> u64 {
    DEFAULT_MAX_RATIO
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
            index: None,
            options: Options::default(),
            run: RunSettings::default(),
        }
    }
}

impl Default for Options {
    fn default() -> Options {
        Options {
            format: None,
            fields: Fields::new(),
            min_repeat: repair::DEFAULT_MIN_REPEAT,
            boilerplate_min_docs: boilerplate::DEFAULT_MIN_DOCS,
            strict: false,
            near: Some(NearConfig::new(near::DEFAULT_THRESHOLD)),
            max_doc_bytes: DEFAULT_MAX_DOC_BYTES,
            published: Vec::new(),
            passages: Passages::Once,
        }
    }
}

impl Options {
    /// The options an index's stored keys and signatures depend on: an index is read only by
    /// runs with equal ones (the text field, say, may change from night to night).
    pub fn index_keys(&self) -> IndexKeys {
        IndexKeys {
            min_repeat: self.min_repeat,
            near: self.near,
        }
    }
}

/// The options a published document's stored keys and signature depend on: an incremental
/// index is only read by runs with equal ones ([`Options::index_keys`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct IndexKeys {
    /// `--min-repeat`: repair decides which paragraphs and keys a document has.
    pub min_repeat: usize,
    /// The near-duplicate options: shingles and MinHash permutations.
    pub near: Option<NearConfig>,
}

impl IndexKeys {
    /// How `self` (an index's options) differs from `run` (this run's), in command-line
    /// words: `--near-threshold 0.8 (this run: 0.7)`; empty when they are equal.
    pub fn differences(&self, run: &IndexKeys) -> Vec<String> {
        let mut out = Vec::new();
        if self.min_repeat != run.min_repeat {
            out.push(format!(
                "--min-repeat {} (this run: {})",
                self.min_repeat, run.min_repeat
            ));
        }
        match (&self.near, &run.near) {
            (Some(_), None) => out.push("near-duplicates on (this run: --no-near)".into()),
            (None, Some(_)) => out.push("--no-near (this run: near-duplicates on)".into()),
            (Some(a), Some(b)) => {
                if a.threshold != b.threshold {
                    out.push(format!(
                        "--near-threshold {} (this run: {})",
                        a.threshold, b.threshold
                    ));
                }
                if a.shingle != b.shingle {
                    out.push(format!("--shingle {} (this run: {})", a.shingle, b.shingle));
                }
                if a.banding != b.banding {
                    out.push(format!(
                        "--bands {} --rows {} (this run: --bands {} --rows {})",
                        a.banding.bands, a.banding.rows, b.banding.bands, b.banding.rows
                    ));
                }
                if a.seed != b.seed {
                    out.push(format!(
                        "MinHash seed {:#x} (this run: {:#x})",
                        a.seed, b.seed
                    ));
                }
            }
            (None, None) => {}
        }
        out
    }
}

impl Default for RunSettings {
    fn default() -> RunSettings {
        RunSettings {
            threads: 0,
            read_mode: ReadMode::Mmap,
            memory: None,
            max_decompressed: None,
            max_ratio: DEFAULT_MAX_RATIO,
            output_format: OutputFormat::Jsonl,
        }
    }
}

impl RunSettings {
    /// Worker threads: `threads`, or all cores when it is 0.
    pub fn thread_count(&self) -> usize {
        if self.threads == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            self.threads
        }
    }

    /// Runs `f` in a thread pool of [`thread_count`](Self::thread_count) workers.
    ///
    /// # Errors
    /// The pool cannot be started ([`Error::Usage`]), or what `f` returns.
    pub fn install<T: Send>(&self, f: impl FnOnce() -> Result<T> + Send) -> Result<T> {
        let threads = self.thread_count();
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| Error::Usage(format!("cannot start {threads} threads: {e}")))?
            .install(f)
    }
}
