//! `report.json`: what a run read, removed, clustered and wrote.
//!
//! Everything except the `run` section (timings and thread count) is a function of the input
//! and options alone, so two runs over the same input can be compared field by field.

use std::collections::BTreeMap;

use serde::Serialize;

/// The whole report.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// canon's version.
    pub canon_version: &'static str,
    /// The options that shape the result.
    pub options: Options,
    /// Files read.
    pub inputs: Inputs,
    /// Document counts.
    pub documents: Documents,
    /// Text bytes in and out.
    pub bytes: Bytes,
    /// Paragraph counts by what happened to them.
    pub paragraphs: Paragraphs,
    /// Duplicate clusters.
    pub clusters: Clusters,
    /// Records that could not be read.
    pub invalid: Invalid,
    /// Timings: the only part that differs between identical runs.
    pub run: Run,
}

/// Options that shape the result.
#[derive(Debug, Default, Serialize)]
pub struct Options {
    /// `--format`, if forced.
    pub format: Option<String>,
    /// `--text-field`.
    pub text_field: String,
    /// `--id-field`.
    pub id_field: String,
    /// `--min-repeat`.
    pub min_repeat: usize,
    /// `--boilerplate-min-docs`.
    pub boilerplate_min_docs: usize,
}

/// Files read.
#[derive(Debug, Default, Serialize)]
pub struct Inputs {
    /// Files read, by format.
    pub files: BTreeMap<&'static str, u64>,
    /// Files in input directories that canon does not read (unknown extension).
    pub skipped_files: Vec<String>,
    /// Bytes on disk.
    pub bytes_on_disk: u64,
    /// Bytes after decompression.
    pub bytes_decompressed: u64,
    /// WARC records that are not `conversion` records (`warcinfo`, …).
    pub wet_other_records: u64,
}

/// Document counts. `in` = `canonical` + sum of `dropped`.
#[derive(Debug, Default, Serialize)]
pub struct Documents {
    /// Documents (records) read, invalid ones included.
    #[serde(rename = "in")]
    pub input: u64,
    /// Lines of `canonical.jsonl`.
    pub canonical: u64,
    /// Lines of `dropped.jsonl`, by reason.
    pub dropped: BTreeMap<&'static str, u64>,
    /// Documents that had anything removed by repair.
    pub repaired: u64,
    /// Romanization glosses seen in valid documents.
    pub glosses: u64,
}

/// Text bytes.
#[derive(Debug, Default, Serialize)]
pub struct Bytes {
    /// Text of valid documents, as read.
    pub text_in: u64,
    /// Text of canonical documents, as written.
    pub text_out: u64,
}

/// Paragraph counts.
#[derive(Debug, Default, Serialize)]
pub struct Paragraphs {
    /// Non-blank lines of valid documents.
    #[serde(rename = "in")]
    pub input: u64,
    /// Dropped by repair as repeats of earlier text in the page.
    pub repeated: u64,
    /// Kept, with a repeated span (glued title, repeated run) cut out.
    pub cut: u64,
    /// Characters removed by repair.
    pub repeated_chars: u64,
    /// Removed as boilerplate (occurrences in valid documents).
    pub boilerplate: u64,
    /// Distinct boilerplate paragraphs.
    pub boilerplate_distinct: u64,
    /// Distinct paragraphs found in two or more documents.
    pub shared_distinct: u64,
    /// Documents counted as one copy group with others for boilerplate.
    pub grouped_documents: u64,
    /// Paragraphs in `canonical.jsonl`.
    pub out: u64,
}

/// Duplicate clusters.
#[derive(Debug, Default, Serialize)]
pub struct Clusters {
    /// Clusters of two or more documents.
    pub exact: u64,
    /// Documents in the largest cluster.
    pub largest: u64,
}

/// Unreadable records.
#[derive(Debug, Default, Serialize)]
pub struct Invalid {
    /// How many.
    pub count: u64,
    /// JSON Lines records whose invalid UTF-8 was replaced by U+FFFD (kept, not invalid).
    pub lossy_utf8: u64,
    /// The first few, with their location and error.
    pub first: Vec<InvalidRecord>,
}

/// One unreadable record.
#[derive(Debug, Serialize)]
pub struct InvalidRecord {
    /// Where it is.
    pub source: String,
    /// What is wrong.
    pub error: String,
}

/// Timings.
#[derive(Debug, Default, Serialize)]
pub struct Run {
    /// Worker threads.
    pub threads: usize,
    /// Seconds per stage, in pipeline order.
    pub seconds: BTreeMap<&'static str, f64>,
}
