//! `report.html`: one self-contained page a maintainer reads after a run — removals by
//! reason, cluster sizes, near-drop similarities against the threshold and the S-curve,
//! lengths before and after, top boilerplate lines and passages, time per stage, and a few
//! decisions with the text they removed. Committed with the other outputs.
//!
//! Invariants: nothing is loaded from anywhere (inline CSS, inline SVG from plotters, no
//! script, no link); every piece of input text is HTML-escaped; the page is a function of
//! `report.json` and the [`Showcase`], and everything that varies between identical runs
//! (the `run` section's timings) is between the markers [`RUN_BEGIN`] and [`RUN_END`].

mod charts;
mod examples;

use std::fmt::Write;

use crate::histogram::Histogram;
use crate::report::Report;

use charts::{format_bytes, Series};
pub(crate) use examples::{showcase, Showcase};

/// Opens the part of the page that varies between identical runs (timings).
pub const RUN_BEGIN: &str = "<!-- run: varies between runs -->";
/// Closes it.
pub const RUN_END: &str = "<!-- /run -->";

/// `s` with `&`, `<`, `>`, `"` and `'` escaped: safe in text and in quoted attributes.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:sans-serif;margin:24px auto;max-width:1180px;color:#222;\
line-height:1.4;padding:0 12px}h1{font-size:24px;margin-bottom:4px}h2{font-size:19px;\
border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:32px}h3{font-size:15px;margin:8px 0}\
.row{display:flex;flex-wrap:wrap;gap:20px}.chart{flex:0 0 560px}\
table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{border:1px solid #ddd;\
padding:3px 8px;text-align:left;vertical-align:top}td.n,th.n{text-align:right;\
font-variant-numeric:tabular-nums}.muted{color:#666;font-size:13px}.note{color:#a33}\
.ex{border:1px solid #ddd;border-radius:4px;padding:8px 12px;margin:10px 0}\
.removed{background:#fde8e8;white-space:pre-wrap;word-break:break-word;padding:4px 6px;\
margin:2px 0;font-family:monospace;font-size:12px}.kept{background:#e8f4e8;\
white-space:pre-wrap;word-break:break-word;padding:4px 6px;margin:2px 0;\
font-family:monospace;font-size:12px}.cols{display:grid;grid-template-columns:1fr 1fr;gap:10px}";

/// The page for `report` and `show`.
pub(crate) fn render(report: &Report, show: &Showcase) -> String {
    let mut h = String::with_capacity(64 << 10);
    let r = report;
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>canon report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>canon report</h1>\n<p class=\"muted\">canon {} · {} documents in, {} canonical, \
         {} dropped · text {} in, {} out · the same numbers are in report.json</p>\n",
        escape(&r.canon_version),
        r.documents.input,
        r.documents.canonical,
        r.documents.dropped.values().sum::<u64>(),
        format_bytes(r.bytes.text_in),
        format_bytes(r.bytes.text_out),
    );
    removed(&mut h, r);
    clusters(&mut h, r);
    near(&mut h, r);
    lengths(&mut h, r);
    top_lines(&mut h, show);
    timings(&mut h, r);
    examples_section(&mut h, show);
    h.push_str("</body>\n</html>\n");
    h
}

fn removed(h: &mut String, r: &Report) {
    let d = &r.distributions;
    h.push_str("<h2>Removed, by reason</h2>\n<div class=\"row\"><div class=\"chart\">\n<table>\n<tr><th>reason</th>\
        <th class=\"n\">documents</th><th class=\"n\">paragraphs</th><th class=\"n\">bytes</th></tr>\n");
    let order = [
        "exact",
        "near",
        "empty",
        "invalid",
        "boilerplate",
        "passages",
    ];
    let (mut labels, mut values) = (Vec::new(), Vec::new());
    for reason in order {
        let Some(x) = d.removed.get(reason) else {
            continue;
        };
        let _ = writeln!(
            h,
            "<tr><td>{reason}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td></tr>",
            x.documents,
            x.paragraphs,
            format_bytes(x.bytes)
        );
        labels.push(reason.to_owned());
        values.push(x.bytes as f64);
    }
    let _ = writeln!(
        h,
        "<tr><td>repair</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
         <td class=\"n\">{} chars</td></tr>\n</table>\n<p class=\"muted\">exact, near, empty, \
         invalid: whole documents dropped; boilerplate, passages: paragraphs taken out of \
         canonical documents (documents: how many lost some); repair: documents repaired, \
         paragraphs dropped as repeats, characters removed (all documents).</p></div>",
        r.documents.repaired, r.paragraphs.repeated, r.paragraphs.repeated_chars
    );
    let _ = writeln!(
        h,
        "<div class=\"chart\"><h3>Bytes removed by reason</h3>\n{}</div></div>",
        charts::hbars(&labels, &values, "bytes removed")
    );
}

fn clusters(h: &mut String, r: &Report) {
    let sizes = &r.distributions.cluster_sizes;
    // One bar per size while there are few; powers of two beyond (2–3, 4–7, …).
    let (labels, values): (Vec<String>, Vec<f64>) = if sizes.len() <= 16 {
        sizes
            .iter()
            .map(|c| (c.size.to_string(), c.clusters as f64))
            .unzip()
    } else {
        let mut bins: std::collections::BTreeMap<u32, u64> = Default::default();
        for c in sizes {
            *bins.entry(63 - c.size.max(1).leading_zeros()).or_default() += c.clusters;
        }
        bins.into_iter()
            .map(|(k, n)| {
                let lo = 1u64 << k;
                (format!("{}–{}", lo.max(2), (lo << 1) - 1), n as f64)
            })
            .unzip()
    };
    let in_clusters: u64 = sizes.iter().map(|c| c.size * c.clusters).sum();
    let _ = writeln!(
        h,
        "<h2>Clusters</h2>\n<div class=\"row\"><div class=\"chart\"><h3>Cluster sizes</h3>\n{}</div>\
         <div><p>{} clusters of two or more documents hold {} documents; the largest has {}.</p>\
         </div></div>",
        charts::bars(
            &labels,
            &[Series {
                name: "clusters",
                values
            }],
            "documents in the cluster",
            "clusters"
        ),
        r.clusters.clusters,
        in_clusters,
        r.clusters.largest
    );
}

fn near(h: &mut String, r: &Report) {
    let n = &r.near;
    h.push_str("<h2>Near-duplicates</h2>\n");
    if !n.enabled {
        h.push_str("<p>Near-duplicate detection was off (<code>--no-near</code>).</p>\n");
        return;
    }
    let hist = &r.distributions.near_similarity_histogram;
    let points: Vec<(f64, f64)> = n
        .s_curve
        .iter()
        .map(|p| (p.jaccard, p.candidate_probability))
        .collect();
    let _ = writeln!(
        h,
        "<div class=\"row\"><div class=\"chart\"><h3>Similarity of near drops to their kept \
         document</h3>\n{}</div><div class=\"chart\"><h3>LSH S-curve: P(candidate) by \
         similarity</h3>\n{}</div></div>\n<p class=\"muted\">{} near drops (lowest similarity \
         {}); {} signed documents, {} candidate pairs, {} verified, {} rejected; shingle {}, \
         {} bands × {} rows.</p>",
        charts::similarity(&hist.edges, &hist.counts, n.threshold),
        charts::s_curve(n.bands, n.rows, n.threshold, &points),
        n.near_duplicates,
        n.lowest_similarity
            .map_or_else(|| "none".to_owned(), |s| s.to_string()),
        n.signed_documents,
        n.candidate_pairs,
        n.verified_pairs,
        n.rejected_pairs,
        n.shingle,
        n.bands,
        n.rows
    );
}

/// Bin labels of a powers-of-two histogram: its lower edges, as byte sizes.
fn log2_labels(h: &Histogram<u64>) -> Vec<String> {
    h.edges
        .iter()
        .take(h.counts.len())
        .map(|&e| format_bytes(e).replace(' ', ""))
        .collect()
}

fn lengths(h: &mut String, r: &Report) {
    let (before, after) = (
        &r.distributions.length_before,
        &r.distributions.length_after,
    );
    // Both on the bins of `before` (every kept document was read, so its bins cover the
    // written lengths but for documents that repair shortened below the first bin).
    let lo = before
        .edges
        .first()
        .copied()
        .min(after.edges.first().copied());
    let hi = before
        .edges
        .last()
        .copied()
        .max(after.edges.last().copied());
    let (Some(lo), Some(hi)) = (lo, hi) else {
        return;
    };
    let mut edges = vec![lo];
    while *edges.last().unwrap_or(&hi) < hi {
        let e = *edges.last().unwrap_or(&hi);
        edges.push(if e == 0 { 1 } else { e.saturating_mul(2) });
    }
    let align = |x: &Histogram<u64>| -> Vec<f64> {
        edges
            .iter()
            .take(edges.len() - 1)
            .map(|e| {
                x.edges
                    .iter()
                    .position(|f| f == e)
                    .and_then(|i| x.counts.get(i))
                    .copied()
                    .unwrap_or(0) as f64
            })
            .collect()
    };
    let grid = Histogram {
        unit: "bytes".to_owned(),
        edges: edges.clone(),
        counts: vec![0; edges.len() - 1],
    };
    let _ = writeln!(
        h,
        "<h2>Document length</h2>\n<div class=\"row\"><div class=\"chart\"><h3>Text bytes per \
         document, before (all readable documents) and after (canonical documents)</h3>\n{}\
         </div><div><p class=\"muted\">Bins are powers of two: a bar labelled 4KiB counts \
         documents of 4 KiB up to 8 KiB.</p></div></div>",
        charts::bars(
            &log2_labels(&grid),
            &[
                Series {
                    name: "before",
                    values: align(before)
                },
                Series {
                    name: "after",
                    values: align(after)
                },
            ],
            "text bytes (bin start)",
            "documents"
        )
    );
}

fn top_lines(h: &mut String, show: &Showcase) {
    h.push_str("<h2>Top boilerplate lines</h2>\n");
    if show.boilerplate.is_empty() {
        h.push_str("<p>No boilerplate.</p>\n");
    } else {
        h.push_str(
            "<table>\n<tr><th class=\"n\">removed</th><th class=\"n\">unrelated documents</th>\
            <th>site</th><th>text</th></tr>\n",
        );
        for l in &show.boilerplate {
            let _ = writeln!(
                h,
                "<tr><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
                l.removed,
                l.documents,
                escape(&l.site_or_home),
                escape(&l.text)
            );
        }
        h.push_str("</table>\n");
    }
    h.push_str("<h2>Top passages</h2>\n");
    if show.passages.is_empty() {
        h.push_str("<p>No passage was removed.</p>\n");
    } else {
        h.push_str(
            "<table>\n<tr><th class=\"n\">removed</th><th class=\"n\">documents</th>\
            <th>kept in</th><th>text</th></tr>\n",
        );
        for l in &show.passages {
            let _ = writeln!(
                h,
                "<tr><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
                l.removed,
                l.documents,
                escape(&l.site_or_home),
                escape(&l.text)
            );
        }
        h.push_str("</table>\n");
    }
}

fn timings(h: &mut String, r: &Report) {
    let (labels, values): (Vec<String>, Vec<f64>) = r
        .run
        .seconds
        .iter()
        .filter(|(k, _)| k.as_str() != "total")
        .map(|(k, &v)| (k.clone(), v))
        .unzip();
    let total = r.run.seconds.get("total").copied();
    let _ = writeln!(
        h,
        "{RUN_BEGIN}\n<h2>Time per stage</h2>\n<div class=\"row\"><div class=\"chart\">{}</div>\
         <div><p>{} threads; {} in all.</p><p class=\"muted\">Timings differ between runs: \
         they are the only part of this page that does (as <code>run</code> in report.json).\
         </p></div></div>\n{RUN_END}",
        charts::hbars(&labels, &values, "seconds"),
        r.run.threads,
        total.map_or_else(|| "?".to_owned(), |t| format!("{t:.2} s")),
    );
}

fn examples_section(h: &mut String, show: &Showcase) {
    h.push_str(
        "<h2>Example decisions</h2>\n<p class=\"muted\">The near drops closest to the \
        threshold, then the first canonical documents (in input order) that lost boilerplate, \
        passages or repeated text. Removed text is shaded red; <code>canon explain</code> tells \
        the whole story of any document.</p>\n",
    );
    if show.examples.is_empty() {
        h.push_str("<p>Nothing was removed.</p>\n");
    }
    for e in &show.examples {
        let _ = writeln!(
            h,
            "<div class=\"ex\"><h3>{}: {} <span class=\"muted\">({})</span></h3>",
            escape(&e.kind),
            escape(&e.id),
            escape(&e.source)
        );
        if let (Some(k), Some(s)) = (&e.kept_id, e.similarity) {
            let _ = writeln!(
                h,
                "<p>dropped as a near-duplicate of <b>{}</b>, Jaccard similarity {s}</p>",
                escape(k)
            );
        }
        let removed: String = e
            .removed
            .iter()
            .map(|(line, text, why)| {
                let at = if *line == 0 {
                    String::new()
                } else {
                    format!("line {line}: ")
                };
                format!(
                    "<div class=\"muted\">{at}{}</div><div class=\"removed\">{}</div>\n",
                    escape(why),
                    escape(text)
                )
            })
            .collect();
        match &e.kept_text {
            Some(kept) => {
                let _ = write!(
                    h,
                    "<div class=\"cols\"><div><div class=\"muted\">removed</div>{removed}</div>\
                     <div><div class=\"muted\">kept ({})</div><div class=\"kept\">{}</div>\
                     </div></div>",
                    escape(e.kept_id.as_deref().unwrap_or("")),
                    escape(kept)
                );
            }
            None => h.push_str(&removed),
        }
        h.push_str("</div>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn an_empty_report_renders() {
        let page = render(&Report::default(), &Showcase::default());
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains(RUN_BEGIN) && page.contains(RUN_END));
        assert!(!page.contains("<script") && !page.contains("<link"));
    }
}
