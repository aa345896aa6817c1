//! The end-of-run summary of `canon dedup` on stderr: one short aligned table of documents,
//! text bytes and seconds per stage, read from the report. Numbers have thousands separators,
//! sizes are decimal (kB, MB, GB: the unit of MB/s), nouns agree with their counts; the
//! banding S-curve and pair counts only with `--verbose`.

use std::fmt::Write as _;

use canon::human::{bytes, count, mb_per_sec, seconds, thousands};
use canon::{Config, Report};

/// The summary of a finished run, ending with a newline; `verbose` adds the near-duplicate
/// banding (S-curve) and pair counts.
pub fn summary(r: &Report, cfg: &Config, verbose: bool) -> String {
    let mut s = String::new();
    if let Some(budget) = cfg.run.memory {
        if r.run.memory_estimate > budget {
            let _ = writeln!(
                s,
                "canon: warning: --memory ({}) is below the {} that {} and their paragraphs need at the peak (README, \"Memory\"): only the frequency tables and band columns were kept within it",
                bytes(budget),
                bytes(r.run.memory_estimate),
                count(r.documents.input, "document", "documents")
            );
        }
    }
    let total = r.run.seconds.get("total").copied().unwrap_or(0.0);
    let d = &r.documents;
    let _ = writeln!(
        s,
        "canon: {} in {} ({}, {}) -> {}",
        count(d.input, "document", "documents"),
        seconds(total),
        mb_per_sec(r.inputs.bytes_decompressed, total),
        count(r.run.threads as u64, "thread", "threads"),
        cfg.out.display()
    );
    // The books, in the order the run takes text away: in = removed + dropped + kept.
    let mut t = Table::default();
    let (p, b) = (&r.paragraphs, &r.bytes);
    t.row("", "documents", "text", "");
    t.row("in", &thousands(d.input), &bytes(b.text_in), "");
    t.row("removed from pages", "", "", "");
    let repeats = format!(
        "{} dropped, {} cut",
        count(p.repeated, "paragraph", "paragraphs"),
        thousands(p.cut)
    );
    t.row("  repeats (repair)", "", &bytes(b.repair), &repeats);
    let bp = count(p.boilerplate, "paragraph", "paragraphs");
    t.row("  boilerplate", "", &bytes(b.boilerplate), &bp);
    let passages = count(p.passages, "paragraph", "paragraphs");
    t.row("  passages", "", &bytes(b.passages), &passages);
    let dropped: u64 = d.dropped.values().sum();
    t.row(
        "dropped",
        &thousands(dropped),
        &bytes(b.dropped_documents),
        "",
    );
    for (reason, label) in [
        ("exact", "exact duplicates"),
        ("near", "near-duplicates"),
        ("empty", "empty after removals"),
        ("invalid", "invalid records"),
    ] {
        let n = d.dropped.get(reason).copied().unwrap_or(0);
        t.row(&format!("  {label}"), &thousands(n), "", "");
    }
    t.row("kept", &thousands(d.canonical), &bytes(b.text_out), "");
    let largest = if r.clusters.clusters > 0 {
        format!(
            "largest: {}",
            count(r.clusters.largest, "document", "documents")
        )
    } else {
        String::new()
    };
    t.row("clusters", &thousands(r.clusters.clusters), "", &largest);
    t.write(&mut s);

    // Seconds per stage, as report.json's run.seconds keys them (`1_read` → read).
    let mut t = Table::default();
    t.row("stage", "seconds", "share", "");
    // As many decimals as a run of this length makes meaningful.
    let digits = if total < 1.0 {
        3
    } else if total < 100.0 {
        2
    } else {
        1
    };
    let secs = |x: f64| format!("{x:.digits$}");
    let mut staged = 0.0;
    for (key, &x) in r.run.seconds.iter().filter(|(k, _)| *k != "total") {
        staged += x;
        let name = key.split_once('_').map_or(key.as_str(), |(_, n)| n);
        t.row(&format!("  {name}"), &secs(x), &share(x, total), "");
    }
    let other = total - staged;
    if other >= 0.01 * total && other >= 0.005 {
        t.row("  other", &secs(other), &share(other, total), "");
    }
    t.row("total", &secs(total), "", "");
    t.write(&mut s);

    if verbose && r.near.enabled {
        let n = &r.near;
        let curve: Vec<String> = n
            .s_curve
            .iter()
            .map(|p| format!("{:.2}:{:.3}", p.jaccard, p.candidate_probability))
            .collect();
        let _ = writeln!(
            s,
            "canon: near-duplicates at Jaccard >= {}: {} bands x {} rows, P(candidate) {}",
            n.threshold,
            n.bands,
            n.rows,
            curve.join(" ")
        );
        let _ = writeln!(
            s,
            "canon: {}, {} verified ({} on exact Jaccard), {} rejected; {} folded, longest chain {}",
            count(n.candidate_pairs, "candidate pair", "candidate pairs"),
            thousands(n.verified_pairs),
            thousands(n.exact_checked_pairs),
            thousands(n.rejected_pairs),
            count(n.near_duplicates, "document", "documents"),
            n.longest_chain
        );
    }
    if r.invalid.count > 0 {
        let first = &r.invalid.first[0];
        let _ = writeln!(
            s,
            "canon: warning: {}, first at {}: {}",
            count(r.invalid.count, "invalid record", "invalid records"),
            first.source,
            first.error
        );
    }
    if let Some(ix) = &r.index {
        let _ = writeln!(
            s,
            "canon: index {} (run {}): {} published before, {} folded into them, {} published now",
            ix.state,
            ix.runs,
            thousands(ix.published_before),
            count(ix.folded_into_published, "new document", "new documents"),
            thousands(ix.published_after)
        );
    }
    s
}

/// `part` of `whole` as a whole percentage (`-` when nothing was timed).
fn share(part: f64, whole: f64) -> String {
    if whole > 0.0 {
        format!("{:.0}%", 100.0 * part / whole)
    } else {
        "-".into()
    }
}

/// Rows of a label, two right-aligned columns and a note, aligned when written.
#[derive(Default)]
struct Table(Vec<[String; 4]>);

impl Table {
    fn row(&mut self, label: &str, a: &str, b: &str, note: &str) {
        self.0.push([label.into(), a.into(), b.into(), note.into()]);
    }

    fn write(&self, s: &mut String) {
        let w = |i: usize| {
            self.0
                .iter()
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        };
        let (w0, w1, w2) = (w(0), w(1), w(2));
        for [label, a, b, note] in &self.0 {
            let line = format!("  {label:<w0$}  {a:>w1$}  {b:>w2$}  {note}");
            let _ = writeln!(s, "{}", line.trim_end());
        }
    }
}
