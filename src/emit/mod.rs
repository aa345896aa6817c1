//! Emit stage: renders every document's output lines in parallel blocks and writes them in
//! input order, whatever the thread count ([`stage`]); hands on an [`Emitted`]: the outputs
//! still under temporary names, what they hold, and where each canonical line starts.
//! Also the boilerplate table ([`boilerplate_table`]), and the Parquet form of the canonical
//! and dropped documents (`--output-format parquet`, [`parquet::convert`]).

mod columns;
pub(crate) mod parquet;
mod render;
mod table;

use std::ops::Range;
use std::sync::atomic::Ordering::Relaxed;

use rayon::prelude::*;

use crate::commit::Outputs;
use crate::config::Config;
use crate::decide::Decided;
use crate::error::Result;
use crate::histogram::Log2Counts;
use crate::progress::{Progress, Stage};
use crate::read::Read;
use crate::sources::Ctx;
use crate::tables::{Doc, NO_FILE};

use render::{Block, Renderer};
pub(crate) use table::boilerplate_table;

/// Documents rendered in parallel before being written in order.
const EMIT_BATCH: usize = 8192;
/// Documents one worker renders into one output block.
const EMIT_BLOCK: usize = 64;

/// What the emit stage wrote.
pub(crate) struct Emitted {
    /// The outputs, not yet committed.
    pub(crate) outs: Outputs,
    /// Text bytes written to `canonical.jsonl`.
    pub(crate) text_out: u64,
    /// Paragraphs written to `canonical.jsonl`.
    pub(crate) paragraphs_out: u64,
    /// (document, offset of its line in `canonical.jsonl`), in document order.
    pub(crate) offsets: Vec<(usize, u64)>,
    /// Text bytes of the canonical documents written, in powers-of-two bins.
    pub(crate) length_after: Log2Counts,
}

/// Renders documents `range` of `read` into `outs`: workers render batches in parallel while
/// one thread writes the previous batch.
///
/// # Errors
/// A kept record changed while canon ran, or an output cannot be written.
pub(crate) fn stage(
    cfg: &Config,
    read: &Read,
    decided: &Decided,
    range: Range<usize>,
    outs: Outputs,
    progress: &Progress,
) -> Result<Emitted> {
    progress.enter(Stage::Emit, range.len() as u64);
    let ctx = &read.ctx(cfg);
    let renderer = Renderer {
        ctx,
        tables: &read.tables,
        decided,
    };
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Block>>(2);
        let writer = s.spawn(move || write_blocks(rx, outs));
        let mut failed = None;
        for start in range.clone().step_by(EMIT_BATCH) {
            let end = (start + EMIT_BATCH).min(range.end);
            let blocks: Result<Vec<Block>> = (start..end)
                .into_par_iter()
                .step_by(EMIT_BLOCK)
                .map(|b| renderer.render_block(b..(b + EMIT_BLOCK).min(end)))
                .collect();
            if ctx.cfg.run.memory.is_some() {
                release_inputs(ctx, &read.tables.docs[start..end]);
            }
            match blocks {
                Ok(blocks) => {
                    if tx.send(blocks).is_err() {
                        break; // the writer failed; its error is reported below
                    }
                }
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
            progress.done.fetch_add((end - start) as u64, Relaxed);
            progress.docs.fetch_add((end - start) as u64, Relaxed);
        }
        drop(tx);
        let written = writer.join().expect("the writer thread does not panic");
        match failed {
            Some(e) => Err(e),
            None => written,
        }
    })
}

/// The writer thread: appends each batch's blocks, in order, to the outputs.
fn write_blocks(rx: std::sync::mpsc::Receiver<Vec<Block>>, mut outs: Outputs) -> Result<Emitted> {
    let (mut text, mut paras) = (0u64, 0u64);
    let mut offsets = Vec::new();
    let mut at = 0u64;
    let mut lengths = Log2Counts::default();
    for blocks in rx {
        for b in blocks {
            for &(doc, len) in &b.canon_docs {
                offsets.push((doc, at));
                at += len as u64;
            }
            outs.canonical.write(&b.canon)?;
            outs.dropped.write(&b.dropped)?;
            outs.explain.write(&b.explain)?;
            text += b.text_bytes;
            paras += b.paragraphs;
            lengths.merge(&b.lengths);
        }
    }
    Ok(Emitted {
        outs,
        text_out: text,
        paragraphs_out: paras,
        offsets,
        length_after: lengths,
    })
}

/// Gives back the input pages of `docs` (`--memory`): per file, the span from the first of
/// them to the last.
fn release_inputs(ctx: &Ctx, docs: &[Doc]) {
    for run in docs.chunk_by(|a, b| a.file == b.file) {
        let f = run[0].file;
        if f == NO_FILE {
            continue;
        }
        let start = run.iter().map(|d| d.span.start).min().unwrap_or(0);
        let end = run.iter().map(|d| d.span.end).max().unwrap_or(0);
        ctx.opened[f as usize].data.release(start..end);
    }
}
