//! The stages of a run, named once ([`Stage`]), and the counters the front end polls to draw
//! progress ([`Progress`]); the pipeline bumps them once per unit of work, never per document.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering::Relaxed};

use crate::memory;

/// A stage of the job, in the order the job runs them: what the progress display shows and
/// what `report.json`'s `run.seconds` times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// Finding, opening (mapping or decompressing) and scanning the input files.
    Read,
    /// Pass 1: every record parsed, normalized, repaired and partly signed.
    Repair,
    /// Paragraph frequency over copy groups: the first boilerplate count.
    Boilerplate,
    /// Exact keys and exact clusters.
    Exact,
    /// Near-duplicates: final MinHash signatures.
    Signatures,
    /// Near-duplicates: LSH banding into candidate pairs.
    Banding,
    /// Near-duplicates: verification of candidate pairs.
    Verification,
    /// Second boilerplate count, clusters, canonical choice and every document's fate.
    Cluster,
    /// Rendering and writing the outputs.
    Emit,
    /// Outputs committed.
    Done,
}

impl Stage {
    /// Every stage, in order.
    pub const ALL: [Stage; 10] = [
        Stage::Read,
        Stage::Repair,
        Stage::Boilerplate,
        Stage::Exact,
        Stage::Signatures,
        Stage::Banding,
        Stage::Verification,
        Stage::Cluster,
        Stage::Emit,
        Stage::Done,
    ];

    /// The short name the progress display shows.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Read => "read",
            Stage::Repair => "repair",
            Stage::Boilerplate => "boilerplate",
            Stage::Exact => "exact",
            Stage::Signatures => "signatures",
            Stage::Banding => "banding",
            Stage::Verification => "verification",
            Stage::Cluster => "cluster",
            Stage::Emit => "emit",
            Stage::Done => "done",
        }
    }

    /// The key of this stage's time in `report.json`'s `run.seconds` (`Done`: the whole run).
    pub fn key(self) -> &'static str {
        match self {
            Stage::Read => "1_read",
            Stage::Repair => "2_repair",
            Stage::Boilerplate => "3_boilerplate",
            Stage::Exact => "4_exact",
            Stage::Signatures => "4a_signatures",
            Stage::Banding => "4b_banding",
            Stage::Verification => "4c_verification",
            Stage::Cluster => "4d_cluster",
            Stage::Emit => "5_emit",
            Stage::Done => "total",
        }
    }
}

/// Counters the CLI polls to draw progress; bumped once per unit of work.
#[derive(Debug, Default)]
pub struct Progress {
    /// The current stage, as its index in [`Stage::ALL`].
    stage: AtomicU8,
    /// Units to process in the current stage (bytes while reading, documents while emitting;
    /// 0 when the stage has no measure).
    pub total: AtomicU64,
    /// Units processed so far in the current stage.
    pub done: AtomicU64,
    /// Documents processed so far in the current stage.
    pub docs: AtomicU64,
}

impl Progress {
    /// The stage the run is in.
    pub fn stage(&self) -> Stage {
        Stage::ALL[usize::from(self.stage.load(Relaxed)).min(Stage::ALL.len() - 1)]
    }

    /// Starts `stage`, with `total` units of work to do.
    pub fn enter(&self, stage: Stage, total: u64) {
        memory::trace(stage.name());
        self.total.store(total, Relaxed);
        self.done.store(0, Relaxed);
        self.docs.store(0, Relaxed);
        self.stage.store(stage as u8, Relaxed);
    }
}

/// Seconds per stage, as `report.json`'s `run.seconds` lists them.
#[derive(Debug, Default, Clone)]
pub(crate) struct Timings(pub(crate) BTreeMap<String, f64>);

impl Timings {
    /// Records that `stage` took `seconds`, and traces memory at its end (`CANON_MEMTRACE`).
    pub(crate) fn record(&mut self, stage: Stage, seconds: f64) {
        self.0.insert(stage.key().to_owned(), seconds);
        memory::trace(&format!("end of {}", stage.key()));
    }
}
