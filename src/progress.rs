//! The stages of a run, named once ([`Stage`]), and the counters the front end polls to draw
//! progress ([`Progress`]); the pipeline bumps them once per unit of work, never per document.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU16, AtomicU64, AtomicU8, Ordering::Relaxed};

use crate::memory;

/// A stage of the job, in the order the job runs them: what the progress display shows and
/// what `report.json`'s `run.seconds` times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// The start of reading: finding, opening (mapping or decompressing) and scanning the
    /// input files. Shown and timed as part of [`Stage::Read`].
    Open,
    /// Reading: pass 1 parses, normalizes, repairs and partly signs every record (reading
    /// and repairing are one pass over each unit of input, so they are timed together).
    Read,
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
    /// The boilerplate table, the report and the outputs synced and renamed into place.
    Commit,
    /// Outputs committed.
    Done,
}

/// What a stage's progress counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Bytes of (decompressed) input.
    Bytes,
    /// Documents.
    Documents,
    /// Candidate pairs of near-duplicates.
    Pairs,
    /// Nothing measurable: only the time spent is shown.
    None,
}

impl Stage {
    /// Every stage, in order.
    pub const ALL: [Stage; 11] = [
        Stage::Open,
        Stage::Read,
        Stage::Boilerplate,
        Stage::Exact,
        Stage::Signatures,
        Stage::Banding,
        Stage::Verification,
        Stage::Cluster,
        Stage::Emit,
        Stage::Commit,
        Stage::Done,
    ];

    /// The stages `canon dedup` runs (those the progress display numbers), with or without
    /// near-duplicates.
    pub fn of_run(near: bool) -> Vec<Stage> {
        Stage::ALL
            .into_iter()
            .filter(|s| !matches!(s, Stage::Open | Stage::Done))
            .filter(|s| near || !s.is_near())
            .collect()
    }

    /// Whether this stage belongs to near-duplicate detection (skipped with `--no-near`).
    pub fn is_near(self) -> bool {
        matches!(
            self,
            Stage::Signatures | Stage::Banding | Stage::Verification
        )
    }

    /// The short name the progress display shows.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Open | Stage::Read => "read",
            Stage::Boilerplate => "boilerplate",
            Stage::Exact => "exact",
            Stage::Signatures => "signatures",
            Stage::Banding => "banding",
            Stage::Verification => "verification",
            Stage::Cluster => "cluster",
            Stage::Emit => "emit",
            Stage::Commit => "commit",
            Stage::Done => "done",
        }
    }

    /// What this stage's progress counts ([`Progress::total`], [`Progress::done`]).
    pub fn unit(self) -> Unit {
        match self {
            Stage::Read => Unit::Bytes,
            Stage::Signatures | Stage::Emit => Unit::Documents,
            Stage::Verification => Unit::Pairs,
            _ => Unit::None,
        }
    }

    /// The key of this stage's time in `report.json`'s `run.seconds` (`Done`: the whole run).
    /// The numbers keep the keys of earlier versions (`2_repair` is now part of `1_read`).
    pub fn key(self) -> &'static str {
        match self {
            Stage::Open | Stage::Read => "1_read",
            Stage::Boilerplate => "3_boilerplate",
            Stage::Exact => "4_exact",
            Stage::Signatures => "4a_signatures",
            Stage::Banding => "4b_banding",
            Stage::Verification => "4c_verification",
            Stage::Cluster => "4d_cluster",
            Stage::Emit => "5_emit",
            Stage::Commit => "6_commit",
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
    /// The stages this run goes through ([`Progress::plan`]), one bit per [`Stage::ALL`]
    /// index; 0 when not planned.
    planned: AtomicU16,
}

impl Progress {
    /// The stage the run is in.
    pub fn stage(&self) -> Stage {
        Stage::ALL[usize::from(self.stage.load(Relaxed)).min(Stage::ALL.len() - 1)]
    }

    /// Declares the stages this run goes through, so that the display can say "stage k of n".
    pub fn plan(&self, stages: &[Stage]) {
        let bits = stages.iter().fold(0u16, |b, &s| b | 1 << s as u16);
        self.planned.store(bits, Relaxed);
    }

    /// The current stage's place in the plan: (k, n), counting from 1; `None` without a plan
    /// or outside it. [`Stage::Open`] counts as [`Stage::Read`].
    pub fn position(&self) -> Option<(usize, usize)> {
        let bits = self.planned.load(Relaxed);
        let s = match self.stage() {
            Stage::Open => Stage::Read,
            s => s,
        };
        if bits & 1 << s as u16 == 0 {
            return None;
        }
        let before = (bits & ((1u16 << s as u16) - 1)).count_ones() as usize;
        Some((before + 1, bits.count_ones() as usize))
    }

    /// Sets how many units the current stage has to do, once it knows (reading knows its
    /// bytes once the files are open).
    pub fn measure(&self, total: u64) {
        self.total.store(total, Relaxed);
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

    /// Adds `seconds` to `stage`'s time (work the stage's driver does not see, such as
    /// finding the input files before reading them).
    pub(crate) fn add(&mut self, stage: Stage, seconds: f64) {
        *self.0.entry(stage.key().to_owned()).or_default() += seconds;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_are_numbered_within_the_plan() {
        let p = Progress::default();
        p.enter(Stage::Exact, 0);
        assert_eq!(p.position(), None, "no plan, no numbers");
        p.plan(&Stage::of_run(true));
        assert_eq!(p.position(), Some((3, 9)));
        p.enter(Stage::Open, 0);
        assert_eq!(p.position(), Some((1, 9)), "opening is part of reading");
        p.plan(&Stage::of_run(false));
        p.enter(Stage::Emit, 10);
        assert_eq!(p.position(), Some((5, 6)));
        p.enter(Stage::Signatures, 10);
        assert_eq!(p.position(), None, "not in this run's plan");
    }

    #[test]
    fn every_stage_but_opening_has_its_own_key() {
        let keys: std::collections::HashSet<&str> = Stage::ALL.iter().map(|s| s.key()).collect();
        assert_eq!(keys.len(), Stage::ALL.len() - 1);
        assert_eq!(Stage::Open.key(), Stage::Read.key());
    }
}
