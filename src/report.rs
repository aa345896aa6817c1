//! `report.json`: what a run read, removed, clustered and wrote.
//!
//! Everything except the `run` section (timings and thread count) is a function of the input
//! and options alone, so two runs over the same input can be compared field by field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use crate::histogram::Distributions;

/// The whole report.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Report {
    /// canon's version.
    pub canon_version: String,
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
    /// The near-duplicate stage.
    pub near: NearReport,
    /// Records that could not be read.
    pub invalid: Invalid,
    /// Incremental runs (`--index`): the index before and after this run (`null` otherwise).
    /// (Always written: the report is also stored with bincode, which cannot skip fields.)
    #[serde(default)]
    pub index: Option<IndexReport>,
    /// Removals by reason, cluster sizes, near-drop similarities, lengths before and after.
    #[serde(default)]
    pub distributions: Distributions,
    /// Timings: the only part that differs between identical runs.
    pub run: Run,
}

/// The published-document index of an incremental run.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexReport {
    /// The state directory.
    pub state: String,
    /// Runs that have updated the index, this one included.
    pub runs: u32,
    /// Documents published by earlier runs.
    pub published_before: u64,
    /// Documents of this run dropped as duplicates of one published earlier.
    pub folded_into_published: u64,
    /// Documents in the index after this run (earlier ones plus this run's canonical ones).
    pub published_after: u64,
}

/// Options that shape the result.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Options {
    /// `--format`, if forced.
    pub format: Option<String>,
    /// `--text-field`.
    pub text_field: String,
    /// `--id-field`.
    pub id_field: String,
    /// `--url-field`.
    #[serde(default)]
    pub url_field: String,
    /// `--min-repeat`.
    pub min_repeat: usize,
    /// `--boilerplate-min-docs`.
    pub boilerplate_min_docs: usize,
}

/// Files read.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Inputs {
    /// Files read, by format.
    pub files: BTreeMap<String, u64>,
    /// Files in input directories that canon does not read (unknown extension).
    pub skipped_files: Vec<String>,
    /// Bytes on disk.
    pub bytes_on_disk: u64,
    /// Bytes after decompression.
    pub bytes_decompressed: u64,
    /// Of those, the bytes of records over `--max-doc-bytes` skipped while decompressing
    /// (never written to the temporary copy).
    #[serde(default)]
    pub bytes_skipped: u64,
    /// WARC records that are not `conversion` records (`warcinfo`, …).
    pub wet_other_records: u64,
    /// Those records by `WARC-Type`: canon reads the extracted text of WET `conversion`
    /// records, so a WARC file's `response` records (HTML) are counted here, not read.
    #[serde(default)]
    pub wet_skipped_types: BTreeMap<String, u64>,
}

/// Document counts. `in` = `canonical` + sum of `dropped`.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Documents {
    /// Documents (records) read, invalid ones included.
    #[serde(rename = "in")]
    pub input: u64,
    /// Lines of `canonical.jsonl`.
    pub canonical: u64,
    /// Lines of `dropped.jsonl`, by reason.
    pub dropped: BTreeMap<String, u64>,
    /// Documents that had anything removed by repair.
    pub repaired: u64,
    /// Romanization glosses seen in valid documents.
    pub glosses: u64,
    /// Ids carried by more than one document of this run: `kept_id` and `canon explain`
    /// name documents by id, so these are ambiguous there (`source` tells them apart).
    #[serde(default)]
    pub repeated_ids: RepeatedIds,
}

/// Ids carried by more than one document.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepeatedIds {
    /// Distinct ids carried by two or more documents.
    pub ids: u64,
    /// Documents carrying one of those ids.
    pub documents: u64,
    /// The first such id in input order, and how many documents carry it.
    pub first: Option<RepeatedId>,
}

/// One id carried by several documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepeatedId {
    /// The id.
    pub id: String,
    /// How many documents carry it.
    pub documents: u64,
}

/// Text bytes.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Bytes {
    /// Text of valid documents, as read.
    pub text_in: u64,
    /// Text of canonical documents, as written.
    pub text_out: u64,
    /// Boilerplate removed from valid documents (the paragraphs as repair left them).
    #[serde(default)]
    pub boilerplate: u64,
    /// Passages removed from canonical documents because another document keeps them.
    #[serde(default)]
    pub passages: u64,
    /// What was left, after repair and boilerplate removal, of the documents dropped as
    /// duplicates (`exact`, `near`).
    #[serde(default)]
    pub dropped_documents: u64,
    /// The rest: what repair removed from valid documents (repeated paragraphs, cut spans),
    /// with blank lines and the spaces around lines (`text_in` = `text_out` + the four).
    #[serde(default)]
    pub repair: u64,
}

impl Bytes {
    /// Sets the text written and, from it, what repair took (the rest of the books).
    pub fn settle(&mut self, text_out: u64) {
        self.text_out = text_out;
        self.repair = self
            .text_in
            .saturating_sub(text_out + self.dropped_documents + self.boilerplate + self.passages);
    }
}

/// Paragraph counts.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
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
    /// Distinct boilerplate paragraphs, per site, in this run's documents: the rows of
    /// `boilerplate.jsonl` (a line that is chrome on two sites counts twice).
    pub boilerplate_distinct: u64,
    /// Distinct paragraphs found in two or more documents.
    pub shared_distinct: u64,
    /// Documents counted as one copy group with others for boilerplate.
    pub grouped_documents: u64,
    /// Passage paragraphs removed from kept documents because another document (their
    /// home) keeps them (`--passages once`).
    #[serde(default)]
    pub passages: u64,
    /// Paragraphs in `canonical.jsonl`.
    pub out: u64,
}

/// Duplicate clusters.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Clusters {
    /// Clusters of two or more documents (exact and near members).
    pub clusters: u64,
    /// Documents in the largest cluster.
    pub largest: u64,
}

/// The near-duplicate stage.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct NearReport {
    /// Whether it ran (`--no-near` turns it off).
    pub enabled: bool,
    /// `--near-threshold` (Jaccard).
    pub threshold: f64,
    /// `--shingle`.
    pub shingle: usize,
    /// LSH bands.
    pub bands: usize,
    /// Rows per band.
    pub rows: usize,
    /// Probability that a pair at each Jaccard similarity becomes a candidate.
    pub s_curve: Vec<CurvePoint>,
    /// Documents signed (the best document of each exact cluster).
    pub signed_documents: u64,
    /// Pairs sharing at least one band.
    pub candidate_pairs: u64,
    /// Candidates verified at or above the threshold.
    pub verified_pairs: u64,
    /// Candidates rejected by verification.
    pub rejected_pairs: u64,
    /// Candidates decided on the exact Jaccard of their shingle sets.
    pub exact_checked_pairs: u64,
    /// Candidates as close to the threshold but decided on their signature estimate, because
    /// one document was published by an earlier run and its text is not at hand (`--index`).
    #[serde(default)]
    pub estimate_only_pairs: u64,
    /// Documents dropped as near-duplicates.
    pub near_duplicates: u64,
    /// Lowest similarity of a dropped near-duplicate to its canonical document.
    pub lowest_similarity: Option<f64>,
    /// Longest chain of verified pairs from a component's best document to a member (before
    /// the component is split into centres: how far chains of small edits reached).
    pub longest_chain: u32,
    /// Components of verified pairs that kept several documents: their members were not all
    /// within the threshold of the best one, so each document dropped as `near` is folded
    /// into a kept document it is itself near.
    #[serde(default)]
    pub components_split: u64,
    /// Paragraphs that looked like boilerplate until near-duplicate clusters were counted as
    /// one copy group each.
    pub boilerplate_restored: u64,
}

/// One point of the S-curve.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Jaccard similarity of a pair.
    pub jaccard: f64,
    /// Probability it becomes a candidate.
    pub candidate_probability: f64,
}

/// Unreadable records.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Invalid {
    /// How many.
    pub count: u64,
    /// JSON Lines records whose invalid UTF-8 was replaced by U+FFFD (kept, not invalid).
    pub lossy_utf8: u64,
    /// The first few, with their location and error.
    pub first: Vec<InvalidRecord>,
}

/// One unreadable record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvalidRecord {
    /// Where it is.
    pub source: String,
    /// What is wrong.
    pub error: String,
}

/// Timings.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Run {
    /// Worker threads.
    pub threads: usize,
    /// Seconds per stage, in pipeline order.
    pub seconds: BTreeMap<String, f64>,
    /// `--memory`: sorted runs written to disk by tables over their share of the budget.
    #[serde(default)]
    pub spilled_runs: u64,
    /// The bytes of those runs.
    #[serde(default)]
    pub spilled_bytes: u64,
    /// What the per-document and per-paragraph state needs at its peak, by the README's
    /// formula ([`memory_estimate`]): what `--memory` cannot spill.
    #[serde(default)]
    pub memory_estimate: u64,
}

/// Peak memory of a run with `docs` documents and `paragraphs` kept paragraphs, by the
/// formula the README publishes (measured on the generated corpora, near-duplicates on):
/// 1000 B per document (its facts, id, pass-1 signature, band hashes, rank and fate) and
/// 48 B per paragraph (hash, length, line, kept pieces, short-paragraph shingles), plus the
/// input a read batch has in flight (64 MiB at most).
pub fn memory_estimate(docs: u64, paragraphs: u64, input_bytes: u64) -> u64 {
    1000 * docs + 48 * paragraphs + input_bytes.min(64 << 20)
}
