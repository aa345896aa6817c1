//! The atomic end of a run: the outputs written document by document ([`Outputs`]), then
//! `report.json`, `report.html` and `boilerplate.jsonl`, a check that no input changed while it was read,
//! and one commit of everything with the manifest renamed last ([`finish`]).

use std::path::Path;

use crate::config::{Config, OutputFormat};
use crate::error::{Error, Result};
use crate::input::{InputFile, Kind, Stamp};
use crate::output::{self, Pending};
use crate::report::Report;
use crate::report_html::{self, Showcase};

/// The three outputs written document by document, under temporary names until committed.
/// `canonical` and `dropped` are JSON Lines as they are written; with `--output-format
/// parquet` they are then converted (`emit::parquet::convert`) into their Parquet files.
pub(crate) struct Outputs {
    pub(crate) canonical: Pending,
    pub(crate) dropped: Pending,
    pub(crate) explain: Pending,
}

impl Outputs {
    /// Starts the outputs in `dir` under temporary names.
    ///
    /// # Errors
    /// `dir` is not writable.
    pub(crate) fn create(dir: &Path) -> Result<Outputs> {
        Ok(Outputs {
            canonical: Pending::create(dir, "canonical.jsonl")?,
            dropped: Pending::create(dir, "dropped.jsonl")?,
            explain: Pending::create(dir, "explain.jsonl.zst")?,
        })
    }

    /// Flushes and syncs the outputs written so far (they stay under temporary names).
    ///
    /// # Errors
    /// Writing or syncing failed (disk full, …).
    pub(crate) fn sync(&mut self) -> Result<()> {
        self.canonical.sync()?;
        self.dropped.sync()?;
        self.explain.sync()
    }

    /// Starts the outputs of a whole run: `explain.jsonl.zst` begins with an empty zstd frame,
    /// so it is a valid stream even when there are no documents.
    ///
    /// # Errors
    /// `dir` is not writable.
    pub(crate) fn start(dir: &Path) -> Result<Outputs> {
        let mut outs = Outputs::create(dir)?;
        let empty = zstd::bulk::compress(&[], 3).map_err(|e| Error::io("explain.jsonl.zst", e))?;
        outs.explain.write(&empty)?;
        Ok(outs)
    }
}

/// The input files of a run as they were when it opened them: checked unchanged before
/// anything is committed, and listed in the manifest.
pub(crate) struct InputBook<'a> {
    pub(crate) files: &'a [InputFile],
    /// Size and modification time of each when opened.
    pub(crate) stamps: &'a [Stamp],
    /// Files that could not be read (one invalid record each): not checked.
    pub(crate) unreadable: &'a [bool],
}

impl InputBook<'_> {
    /// Fails if an input changed since it was opened: the outputs would be unreliable.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the file that changed, or [`Error::Io`] if it is gone.
    fn check(&self) -> Result<()> {
        for ((f, stamp), skip) in self.files.iter().zip(self.stamps).zip(self.unreadable) {
            // A stream (standard input, a pipe) was read once, in full, when it was opened:
            // it cannot change under the run, and it has no path to look at again.
            if f.unreadable.is_some() || *skip || f.kind != Kind::Regular {
                continue;
            }
            let now = Stamp::now(&f.path)?;
            if now != *stamp {
                return Err(Error::Invalid {
                    location: f.path.display().to_string(),
                    message: format!(
                        "changed while canon was running (size {} -> {} bytes, or modification time); no outputs written",
                        stamp.size, now.size
                    ),
                });
            }
        }
        Ok(())
    }
}

/// Writes `report.json`, `report.html` (from the report and `showcase`) and
/// `boilerplate.jsonl` into `cfg.out`, checks the inputs did not change, and commits all
/// outputs with the manifest last.
///
/// # Errors
/// An input changed while canon ran, or an output cannot be written, synced or renamed.
pub(crate) fn finish(
    cfg: &Config,
    report: &Report,
    inputs: &InputBook,
    outs: Outputs,
    boilerplate: &[u8],
    showcase: &Showcase,
) -> Result<()> {
    let mut report_out = Pending::create(&cfg.out, "report.json")?;
    let mut json = serde_json::to_vec_pretty(report).expect("the report serializes");
    json.push(b'\n');
    report_out.write(&json)?;
    let mut html_out = Pending::create(&cfg.out, "report.html")?;
    html_out.write(report_html::render(report, showcase).as_bytes())?;
    let mut bp_out = Pending::create(&cfg.out, "boilerplate.jsonl")?;
    bp_out.write(boilerplate)?;
    // An input that changed while it was read makes the outputs unreliable: fail instead.
    inputs.check()?;
    let manifest = |written: &[output::Written]| {
        let files: Vec<serde_json::Value> = inputs
            .files
            .iter()
            .zip(inputs.stamps)
            .map(|(f, st)| {
                serde_json::json!({
                    "path": f.path.display().to_string(),
                    "bytes": st.size,
                    "mtime_ns": st.mtime_ns.to_string(),
                })
            })
            .collect();
        let m = serde_json::json!({
            "canon_version": env!("CARGO_PKG_VERSION"),
            "options": &report.options,
            "near": report.near.enabled.then_some(serde_json::json!({
                "threshold": report.near.threshold,
                "shingle": report.near.shingle,
                "bands": report.near.bands,
                "rows": report.near.rows,
            })),
            "inputs": files,
            "outputs": written,
        });
        let mut v = serde_json::to_vec_pretty(&m).expect("the manifest serializes");
        v.push(b'\n');
        v
    };
    // The other format's canonical and dropped files of an earlier run would look like this
    // run's: they go with the old manifest.
    let other = match cfg.run.output_format {
        OutputFormat::Jsonl => OutputFormat::Parquet.names(),
        OutputFormat::Parquet => OutputFormat::Jsonl.names(),
    };
    output::commit(
        &cfg.out,
        vec![
            outs.canonical,
            outs.dropped,
            outs.explain,
            bp_out,
            report_out,
            html_out,
        ],
        &[other.0, other.1],
        manifest,
    )
}
