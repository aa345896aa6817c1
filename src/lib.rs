//! canon turns raw web-scrape dumps into a clean, deduplicated corpus.
//!
//! The pipeline ([`pipeline::run`]) reads dumps ([`input`]: JSON Lines, plain text, Common Crawl
//! WET, optionally gzip or zstd compressed), keys every paragraph ([`normalize`]), repairs each
//! page ([`repair`]: repeated paragraphs, glued titles, repeated runs), removes boilerplate
//! shared by unrelated pages ([`boilerplate`]), folds exact duplicates into clusters with one
//! canonical document each ([`cluster`]), and writes `canonical.jsonl`, `dropped.jsonl` and
//! `report.json` atomically ([`output`], [`report`]).
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

pub mod boilerplate;
pub mod cluster;
mod decide;
mod emit;
pub mod error;
pub mod explain;
pub mod index;
pub mod input;
pub mod lsh;
pub mod minhash;
pub mod near;
pub mod normalize;
pub mod output;
pub mod pipeline;
mod read;
pub mod repair;
pub mod report;
pub mod shard;
pub mod shingle;
pub mod spill;

pub use error::{Error, Result};
pub use input::Format;
pub use pipeline::{run, Config, Progress, STAGES};
pub use report::Report;
