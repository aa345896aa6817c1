//! Between the index and a run: the published documents read back as documents without text
//! that follow the run's own ([`add_published`]), and the run's canonical documents added to
//! the index once decided ([`extend_index`]).

use std::path::Path;

use crate::config::{Config, OutputFormat};
use crate::decide::{Decided, Fate, LongSigs};
use crate::error::{Error, Result};
use crate::input::Stamp;
use crate::memory;
use crate::read::Read;
use crate::report;
use crate::tables::{Doc, Loc, NO_FILE, NO_SIG, NO_SITE};

use super::{Index, Published, PublishedFile};

/// Appends the index's documents to the read state, after the new ones: paragraphs, short
/// shingles and signature rows, but no text.
pub(crate) fn add_published(read: &mut Read, ix: &Index) {
    let c = &mut read.tables;
    let perms = ix.perms();
    let sites: Vec<u32> = ix.sites.iter().map(|n| c.sites.intern(n)).collect();
    for (k, p) in ix.docs.iter().enumerate() {
        let paras = p.paras.start as usize..p.paras.end as usize;
        let start = c.hashes.len();
        c.hashes.extend_from_slice(&ix.hashes[paras.clone()]);
        c.chars.extend_from_slice(&ix.chars[paras.clone()]);
        c.flows.extend_from_slice(&ix.flows[paras.clone()]);
        c.lines.extend(1..=paras.len() as u32);
        let short_start = c.short.len();
        let mut sig = NO_SIG;
        if perms > 0 {
            c.short_counts
                .extend_from_slice(&ix.short_counts[paras.clone()]);
            c.short
                .extend_from_slice(&ix.short[p.short.start as usize..p.short.end as usize]);
            let row = &ix.sigs[k * perms..(k + 1) * perms];
            // The index keeps a row for every document; a run keeps rows that say something.
            if row.iter().any(|&v| v != u32::MAX) {
                c.sigs.extend_from_slice(row);
                sig = c.sig_rows;
                c.sig_rows += 1;
            }
        }
        c.docs.push(Doc {
            paras: start..c.hashes.len(),
            pieces: c.pieces.len()..c.pieces.len(),
            events: c.events.len()..c.events.len(),
            short: short_start..c.short.len(),
            glosses: p.glosses,
            noise: p.noise,
            repeated: p.repeated,
            lines: paras.len() as u32,
            published: true,
            content: p.content,
            sig,
            site: sites.get(p.site as usize).copied().unwrap_or(NO_SITE),
            ..Doc::new(p.id.clone(), NO_FILE, 0..0, Loc::Published(k as u32))
        });
        read.published.sources.push(p.source.clone());
        read.published.text_at.push(p.text_at);
    }
    // The published outputs that are still as they were written (a canonical line is found
    // again by its offset): near-duplicate pairs with a published document are then verified
    // on its text, as in one run.
    read.published.files = ix
        .outputs
        .iter()
        .map(|o| {
            let path = Path::new(&o.path);
            let same = Stamp::now(path).is_ok_and(|s| s == o.stamp);
            let file = std::fs::File::open(path).ok().filter(|_| same)?;
            // Like an input, an earlier output must not be rewritten while this run reads it.
            let map = memory::map(&file).ok()?;
            Some((bytes::Bytes::from_owner(map), o.text_field.clone()))
        })
        .collect();
}

/// Adds this run's canonical documents to the index (their pass-1 signatures from `long`,
/// their lines at `offsets` in this run's `canonical.jsonl`, or their rows, in that order, in
/// its `canonical.parquet`); returns the report's index
/// section.
///
/// # Errors
/// The output directory's absolute path cannot be found.
pub(crate) fn extend_index(
    ix: &mut Index,
    cfg: &Config,
    read: &Read,
    decided: &Decided,
    long: &LongSigs,
    offsets: &[(usize, u64)],
    dir: &Path,
) -> Result<report::IndexReport> {
    let ctx = read.ctx(cfg);
    let c = &read.tables;
    let new_docs = read.new_docs();
    let perms = ix.perms();
    let before = ix.docs.len() as u64;
    let folded = decided.fates[..new_docs]
        .iter()
        .filter(|f| f.kept().is_some_and(|k| k >= new_docs))
        .count() as u64;
    ix.runs += 1;
    // This run's canonical.jsonl, where the published documents' text can be found again
    // (its stamp is taken once it is committed).
    let output = ix.outputs.len() as u32;
    // A JSON Lines output finds a document by the byte offset of its line, a Parquet output
    // by its row (the order of `offsets`).
    let parquet = cfg.run.output_format == OutputFormat::Parquet;
    let out_path = std::path::absolute(cfg.out.join(cfg.run.output_format.names().0))
        .map_err(|e| Error::io(&cfg.out, e))?;
    ix.outputs.push(PublishedFile {
        path: out_path.display().to_string(),
        stamp: Stamp {
            size: 0,
            mtime_ns: 0,
        },
        text_field: cfg.options.fields.text.clone(),
    });
    let mut at = offsets.iter().enumerate();
    // The index's site names, interned by name.
    let mut site_ids: std::collections::HashMap<Box<str>, u32> = (0..ix.sites.len() as u32)
        .map(|i| (ix.sites[i as usize].clone(), i))
        .collect();
    for (i, d) in c.docs[..new_docs].iter().enumerate() {
        if decided.fates[i] != Fate::Kept {
            continue;
        }
        let start = ix.hashes.len() as u32;
        ix.hashes.extend_from_slice(&c.hashes[d.paras.clone()]);
        ix.chars.extend_from_slice(&c.chars[d.paras.clone()]);
        ix.flows.extend_from_slice(&c.flows[d.paras.clone()]);
        let short_start = ix.short.len() as u64;
        if perms > 0 {
            ix.short_counts
                .extend_from_slice(&c.short_counts[d.paras.clone()]);
            ix.short.extend_from_slice(&c.short[d.short.clone()]);
            match d.sig {
                NO_SIG => ix.sigs.extend(std::iter::repeat_n(u32::MAX, perms)),
                r => {
                    let r = r as usize;
                    let row = &long[r * perms * 4..(r + 1) * perms * 4];
                    ix.sigs.extend(
                        row.chunks_exact(4)
                            .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes"))),
                    );
                }
            }
        }
        let name = c.sites.name(d.site);
        let site = match site_ids.get(name) {
            Some(&s) => s,
            None => {
                let s = ix.sites.len() as u32;
                ix.sites.push(name.into());
                site_ids.insert(name.into(), s);
                s
            }
        };
        ix.docs.push(Published {
            id: d.id.clone(),
            site,
            source: ctx.source_of(d).into(),
            paras: start..ix.hashes.len() as u32,
            short: short_start..ix.short.len() as u64,
            glosses: d.glosses,
            noise: d.noise,
            repeated: d.repeated,
            content: d.content,
            run: ix.runs,
            text_at: at
                .find(|&(_, &(doc, _))| doc == i)
                .map(|(row, &(_, off))| (output, if parquet { row as u64 } else { off })),
        });
    }
    Ok(report::IndexReport {
        state: dir.display().to_string(),
        runs: ix.runs,
        published_before: before,
        folded_into_published: folded,
        published_after: ix.docs.len() as u64,
    })
}
