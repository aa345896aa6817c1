//! canon turns raw web-scrape dumps into a clean, deduplicated corpus.
//!
//! The pipeline ([`run`], told in order in `pipeline.rs`) has three stages that hand each
//! other named types:
//!
//! 1. **read**: finds and opens the dumps ([`input`]: JSON Lines, plain text, Common Crawl
//!    WET, optionally gzip or zstd compressed; Parquet, converted into JSON Lines), keys
//!    every paragraph ([`normalize`]) and repairs each page ([`repair`]: repeated paragraphs, glued titles, repeated runs); it
//!    keeps per-document facts, never the text.
//! 2. **decide**: finds boilerplate shared by unrelated pages ([`boilerplate`]), exact
//!    duplicates, near-duplicates ([`near`]: shingles, MinHash, LSH bands, verified Jaccard
//!    similarity), clusters with one canonical document each, and every document's fate.
//! 3. **emit**: writes `canonical.jsonl`, `dropped.jsonl`, `explain.jsonl.zst`,
//!    `boilerplate.jsonl`, `report.json` and `report.html`, all committed at once with a
//!    manifest.
//!
//! The sharded stages ([`shard`]) run the same stages with their hand-offs saved to disk;
//! [`explain`] reads a run's decisions back.
//!
//! ```
//! let dir = tempfile::tempdir().unwrap();
//! let page = dir.path().join("page.txt");
//! std::fs::write(&page, "Title line\nTitle line\nBody paragraph.\nBody paragraph.\n").unwrap();
//! let out = dir.path().join("out");
//! let cfg = canon::Config::new(vec![page], out.clone());
//! let report = canon::run(&cfg, &canon::Progress::default()).unwrap();
//! assert_eq!(report.documents.canonical, 1);
//! let line = std::fs::read_to_string(out.join("canonical.jsonl")).unwrap();
//! assert!(line.contains(r#""text":"Title line\nBody paragraph.""#));
//! ```

#![warn(missing_docs)]

// The ground floor: plain data and the tools every stage uses.
pub mod config;
pub mod distributions;
pub mod error;
pub(crate) mod flow;
pub mod histogram;
pub mod human;
pub(crate) mod memory;
pub(crate) mod partition_sort;
pub mod progress;
pub mod report;
pub(crate) mod sources;
pub(crate) mod state;
pub(crate) mod tables;

// What canon exists for: keys, repair, boilerplate, duplicates.
pub mod boilerplate;
pub(crate) mod cluster;
pub mod near;
pub mod normalize;
pub mod repair;
pub mod site;

// Reading and writing.
pub(crate) mod commit;
pub mod explain;
pub(crate) mod index;
pub mod input;
pub(crate) mod output;
pub(crate) mod report_html;
pub(crate) mod spill;

// The stages, and the job told in order.
pub(crate) mod decide;
pub(crate) mod emit;
pub(crate) mod pipeline;
pub(crate) mod read;
pub mod shard;
pub(crate) mod tally;

pub use config::{Config, Options, RunSettings, DEFAULT_MAX_DOC_BYTES};
pub use error::{Error, Result};
pub use input::Format;
pub use pipeline::run;
pub use progress::{Progress, Stage};
pub use repair::repair_text;
pub use report::Report;
