//! The index of incremental runs (`canon dedup --index STATE/`): what earlier runs published,
//! held without its text — each canonical document's id, source, paragraph hashes and key
//! lengths (its exact key and its share of the paragraph counts) and its MinHash signature.
//!
//! A run with an index reads the published documents back as documents that have no text
//! and outrank every new one: boilerplate is counted over old and new documents together,
//! a new document that duplicates a published one is dropped naming it, and the index is
//! replaced (atomically, after the outputs are committed) by the old one plus what this run
//! kept.

mod convert;
mod lock;

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::IndexKeys as Keys;
use crate::error::{Error, Result};
use crate::input::Stamp;
use crate::state;

pub(crate) use convert::{add_published, extend_index};
pub use lock::Lock;

/// The index file inside the state directory.
pub const INDEX_FILE: &str = "index.bin";

/// Bumped whenever the layout or the meaning of a stored field changes (3: paragraph keys keep
/// number separators and real glosses only, and `--min-repeat` is a weight; 4: each document's
/// site, as boilerplate is counted per site; 5: each document's noise, a tie-break of the
/// canonical order; 6: paragraphs' stream hashes, as exact keys no longer depend on line
/// breaks, and shingles of characters and numbers instead of words).
const FORMAT: u32 = 6;

/// One published document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Published {
    /// The document's id.
    pub id: Box<str>,
    /// Where it was read, as `dropped.jsonl` names it (`path:line`, `path#record`, `path`).
    pub source: Box<str>,
    /// Its paragraphs in [`Index::hashes`] and [`Index::chars`].
    pub paras: Range<u32>,
    /// Its short paragraphs' shingles in [`Index::short`].
    pub short: Range<u64>,
    /// Romanization glosses (a tie-break of the canonical order).
    pub glosses: u32,
    /// Paragraphs repair removed (a tie-break of the canonical order).
    pub repeated: u32,
    /// How noisy its text is ([`crate::normalize::noise`]; a tie-break of the canonical
    /// order).
    pub noise: u32,
    /// Hash of what the record says (the last tie-break of the canonical order).
    pub content: u64,
    /// Its site: an index into [`Index::sites`].
    pub site: u32,
    /// Which run published it (1 = the first run on this index).
    pub run: u32,
    /// Where its canonical line is: ([`Index::outputs`] entry, byte offset).
    pub text_at: Option<(u32, u64)>,
}

/// The `canonical.jsonl` of a run on the index, as committed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PublishedFile {
    /// Absolute path.
    pub path: String,
    /// Size and modification time once committed: a file that no longer has them was
    /// replaced, and its offsets are not used.
    pub stamp: Stamp,
    /// The JSON field of the text (`--text-field` of that run; lines of text pages and WET
    /// records use `text`).
    pub text_field: String,
}

/// Everything earlier runs published.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Index {
    format: u32,
    /// The options its keys were made with.
    pub options: Option<Keys>,
    /// Runs that have updated this index.
    pub runs: u32,
    /// Each run's canonical output.
    pub outputs: Vec<PublishedFile>,
    /// Site names of the published documents (see [`crate::site`]).
    pub sites: Vec<Box<str>>,
    /// The published documents, in the order they were published.
    pub docs: Vec<Published>,
    /// Paragraph hashes of all documents, in order.
    pub hashes: Vec<u64>,
    /// Key characters of each paragraph (parallel to `hashes`).
    pub chars: Vec<u32>,
    /// Stream hash of each paragraph's key, of which exact keys are made (parallel to
    /// `hashes`).
    pub flows: Vec<u64>,
    /// Shingles of short paragraphs, and how many each paragraph has (parallel to `hashes`).
    pub short: Vec<u32>,
    /// Short-paragraph shingles of each paragraph (parallel to `hashes`; 0 for long ones).
    pub short_counts: Vec<u32>,
    /// Pass-1 MinHash signatures of long paragraphs, a row per document (empty without
    /// near-duplicate detection).
    pub sigs: Vec<u32>,
}

impl Index {
    /// Reads the index of state directory `dir`; an empty index if the directory has none
    /// (the first night).
    ///
    /// # Errors
    /// The index cannot be read, is of another format, or was built with other `keys`.
    pub fn load(dir: &Path, keys: &Keys) -> Result<Index> {
        let path = dir.join(INDEX_FILE);
        let missing =
            std::fs::metadata(&path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound);
        if missing {
            return Ok(Index {
                format: FORMAT,
                options: Some(keys.clone()),
                ..Index::default()
            });
        }
        let index: Index = state::load(&path, |e| format!("unreadable index ({e})"))?;
        let bad = |message: String| Error::Invalid {
            location: path.display().to_string(),
            message,
        };
        if index.format != FORMAT {
            return Err(bad(format!(
                "index format {} (this canon reads format {FORMAT}); rebuild the index",
                index.format
            )));
        }
        if index.options.as_ref() != Some(keys) {
            let said = match &index.options {
                Some(built) => built.differences(keys).join(", "),
                None => "options it does not record".into(),
            };
            return Err(bad(format!(
                "index built with other options than this run: {said}; use the same --min-repeat and near-duplicate options, or a new state directory"
            )));
        }
        Ok(index)
    }

    /// Writes the index into `dir` (created if missing) atomically: a temporary file,
    /// fsynced, renamed over [`INDEX_FILE`], and the directory fsynced.
    ///
    /// # Errors
    /// `dir` cannot be created or written.
    pub fn save(&self, dir: &Path) -> Result<PathBuf> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let path = dir.join(INDEX_FILE);
        state::save(&path, self)?;
        Ok(path)
    }

    /// Signature row length (0 without near-duplicate detection).
    pub fn perms(&self) -> usize {
        self.options
            .as_ref()
            .and_then(|o| o.near.as_ref())
            .map_or(0, |n| n.banding.bands * n.banding.rows)
    }
}
