//! report.html and report.json's `distributions` (issue 12): the page exists beside
//! report.json, draws its charts as inline SVG, loads nothing from anywhere, shows removed
//! text HTML-escaped, and does not depend on the thread count (its timing section aside); the
//! distributions agree with the report's counts.

use serde_json::Value;

use crate::fixtures::*;
use crate::util::*;

/// A footer line that is markup: it must reach the page escaped, never as a tag.
const MARKUP_FOOTER: &str = "<script>alert(\"chrome\")</script> & <b>Subscribe</b>";

/// An English passage of long paragraphs, found in round-ups and at home on its article page.
const PASSAGE: [&str; 2] = [
    "The river authority confirmed on Tuesday that the northern embankment will be rebuilt before the spring floods, after engineers found the old stone wall had shifted by almost a metre.",
    "Residents of the lower town, who were evacuated twice last winter, said they had waited eleven years for the work and would believe it when the first lorries arrived at the quay.",
];

fn line(id: &str, url: &str, text: &str) -> String {
    format!(
        "{{\"id\":\"{id}\",\"url\":\"{url}\",\"text\":{}}}\n",
        js(text)
    )
}

/// One site's pages: unrelated pages with a markup footer (boilerplate), an article and a
/// near copy of it with a `<b>` tag in its text, exact copies, round-ups sharing a passage.
fn corpus(fx: &Fixture) -> std::path::PathBuf {
    let mut data = String::new();
    let footer = ["Share this story", MARKUP_FOOTER];
    for i in 0..7u64 {
        let body = varied_text(300 + i, 600);
        let text = format!("Page {i}\n{body}{}", footer.join("\n"));
        data.push_str(&line(&format!("page{i}"), "https://news.example/p", &text));
    }
    let article = varied_text(400, 2400);
    let mut near: Vec<String> = article.lines().map(str::to_owned).collect();
    near[0] = format!("{} <b>updated</b>", near[0]);
    data.push_str(&line("article", "https://news.example/a", &article));
    data.push_str(&line(
        "article-near",
        "https://news.example/b",
        &near.join("\n"),
    ));
    for k in 0..3 {
        let copy = format!("Copy\n{}", varied_text(500, 800));
        data.push_str(&line(&format!("copy{k}"), "https://news.example/c", &copy));
    }
    for i in 0..3u64 {
        let text = format!(
            "Round-up {i}\n{}\n{}",
            PASSAGE.join("\n"),
            varied_text(600 + i, 900)
        );
        data.push_str(&line(
            &format!("roundup{i}"),
            "https://news.example/r",
            &text,
        ));
    }
    let home = format!("Embankment to be rebuilt\n{}", PASSAGE.join("\n"));
    data.push_str(&line("embankment", "https://news.example/e", &home));
    fx.write("in/site.jsonl", &data)
}

fn html(out: &std::path::Path) -> String {
    std::fs::read_to_string(out.join("report.html")).expect("report.html is written")
}

/// The `src` and `href` attribute values of a page.
fn links(page: &str) -> Vec<String> {
    let mut v = Vec::new();
    for attr in ["src=\"", "href=\"", "src='", "href='"] {
        for (at, _) in page.match_indices(attr) {
            let rest = &page[at + attr.len()..];
            let end = rest.find(['"', '\'']).unwrap_or(rest.len());
            v.push(rest[..end].to_owned());
        }
    }
    v
}

#[test]
fn report_html_is_a_self_contained_page_with_charts_and_escaped_examples() {
    let fx = Fixture::new();
    let input = corpus(&fx);
    let out = fx.dedup(&[&input], &fx.out(), &[]).success();
    let page = html(&fx.out());

    // The run exercised every kind of example.
    let dropped = &out.report["documents"]["dropped"];
    assert!(dropped["near"].as_u64().unwrap() >= 1, "{dropped}");
    assert!(dropped["exact"].as_u64().unwrap() >= 2, "{dropped}");
    assert!(out.report["paragraphs"]["boilerplate"].as_u64().unwrap() > 0);
    assert!(out.report["paragraphs"]["passages"].as_u64().unwrap() > 0);

    // Charts: inline SVG, one per named chart.
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.matches("<svg").count() >= 6, "charts");
    for heading in [
        "Bytes removed by reason",
        "Cluster sizes",
        "Similarity of near drops",
        "LSH S-curve",
        "Text bytes per document",
        "Time per stage",
        "Top boilerplate lines",
        "Top passages",
        "Example decisions",
    ] {
        assert!(page.contains(heading), "{heading}");
    }
    assert!(page.contains("threshold 0.8"), "the threshold is marked");

    // Nothing is loaded from anywhere.
    let lower = page.to_lowercase();
    assert!(!lower.contains("<script"), "no script element");
    assert!(!lower.contains("<link"), "no link element");
    assert!(!lower.contains("@import") && !lower.contains("url("));
    for l in links(&page) {
        assert!(
            !l.starts_with("http://") && !l.starts_with("https://") && !l.starts_with("//"),
            "loads {l}"
        );
    }

    // Removed text is shown, escaped: the markup footer (boilerplate), the near drop's
    // `<b>` tag, and a passage.
    let escaped =
        "&lt;script&gt;alert(&quot;chrome&quot;)&lt;/script&gt; &amp; &lt;b&gt;Subscribe&lt;/b&gt;";
    assert!(page.contains(escaped), "boilerplate text escaped");
    assert!(!page.contains(MARKUP_FOOTER));
    assert!(
        page.contains("&lt;b&gt;updated&lt;/b&gt;"),
        "near drop's text escaped"
    );
    assert!(!page.contains("<b>updated</b>"));
    // The near drop is shown with the document that keeps its text and their similarity.
    let near = out.dropped.iter().find(|l| l["reason"] == "near").unwrap();
    let (id, kept) = (
        near["id"].as_str().unwrap(),
        near["kept_id"].as_str().unwrap(),
    );
    assert!(page.contains(&format!("near: {id}")), "{id}");
    assert!(page.contains(&format!(
        "near-duplicate of <b>{kept}</b>, Jaccard similarity {}",
        near["similarity"]
    )));
    assert!(page.contains(PASSAGE[0]), "a removed passage is shown");
    assert!(page.contains("passage kept in embankment"));
}

/// Sum of a histogram's counts, checking its shape: one more edge than counts, increasing.
fn total(h: &Value, unit: &str) -> u64 {
    assert_eq!(h["unit"], unit, "{h}");
    let edges = h["edges"].as_array().unwrap();
    let counts = h["counts"].as_array().unwrap();
    if counts.is_empty() {
        assert!(edges.is_empty());
        return 0;
    }
    assert_eq!(edges.len(), counts.len() + 1, "{h}");
    let e: Vec<f64> = edges.iter().map(|x| x.as_f64().unwrap()).collect();
    assert!(e.windows(2).all(|w| w[0] < w[1]), "{h}");
    counts.iter().map(|c| c.as_u64().unwrap()).sum()
}

#[test]
fn distributions_agree_with_the_counts() {
    let fx = Fixture::new();
    let input = corpus(&fx);
    let out = fx.dedup(&[&input], &fx.out(), &[]).success();
    let r = &out.report;
    let d = &r["distributions"];
    let docs = &r["documents"];

    // Removed documents by reason are the dropped counts.
    for reason in REASONS {
        assert_eq!(
            d["removed"][reason]["documents"], docs["dropped"][reason],
            "{reason}"
        );
    }
    assert!(d["removed"]["boilerplate"]["bytes"].as_u64().unwrap() > 0);
    assert!(d["removed"]["passages"]["paragraphs"].as_u64().unwrap() > 0);
    // Bytes of dropped documents are their text as read.
    let dropped_bytes: u64 = ["exact", "near", "empty"]
        .iter()
        .map(|k| d["removed"][k]["bytes"].as_u64().unwrap())
        .sum();
    assert!(dropped_bytes <= r["bytes"]["text_in"].as_u64().unwrap());

    // Cluster sizes: as many clusters as the report counts, holding the kept document of
    // each and every exact or near drop.
    let sizes = d["cluster_sizes"].as_array().unwrap();
    let clusters: u64 = sizes.iter().map(|c| c["clusters"].as_u64().unwrap()).sum();
    let in_clusters: u64 = sizes
        .iter()
        .map(|c| c["size"].as_u64().unwrap() * c["clusters"].as_u64().unwrap())
        .sum();
    assert_eq!(clusters, r["clusters"]["clusters"].as_u64().unwrap());
    let folded =
        docs["dropped"]["exact"].as_u64().unwrap() + docs["dropped"]["near"].as_u64().unwrap();
    assert_eq!(in_clusters, clusters + folded);
    let largest = sizes.last().unwrap()["size"].as_u64().unwrap();
    assert_eq!(largest, r["clusters"]["largest"].as_u64().unwrap());
    let from_lines: u64 = out
        .canonical
        .iter()
        .map(|l| l["canon"]["cluster_size"].as_u64().unwrap())
        .filter(|&n| n > 1)
        .sum();
    assert_eq!(in_clusters, from_lines);

    // Similarities: one per near drop, every one at or above the threshold.
    let h = &d["near_similarity_histogram"];
    assert_eq!(
        total(h, "jaccard"),
        docs["dropped"]["near"].as_u64().unwrap()
    );
    assert_eq!(h["edges"][0].as_f64().unwrap(), 0.8);
    assert_eq!(h["edges"].as_array().unwrap().last().unwrap(), 1.0);
    for l in out.dropped.iter().filter(|l| l["reason"] == "near") {
        let s = l["similarity"].as_f64().unwrap();
        let edges = h["edges"].as_array().unwrap();
        let bin = edges
            .windows(2)
            .position(|w| w[0].as_f64().unwrap() <= s && (s < w[1].as_f64().unwrap() || s == 1.0))
            .unwrap();
        assert!(h["counts"][bin].as_u64().unwrap() >= 1, "{s} in {h}");
    }

    // Lengths: every readable document before, every canonical document after.
    let readable = docs["in"].as_u64().unwrap() - docs["dropped"]["invalid"].as_u64().unwrap();
    assert_eq!(total(&d["length_before"], "bytes"), readable);
    assert_eq!(
        total(&d["length_after"], "bytes"),
        docs["canonical"].as_u64().unwrap()
    );
    // Each canonical text's length falls in a bin that counts it.
    let after = &d["length_after"];
    for l in &out.canonical {
        let n = out.text_of(l).len() as u64;
        let edges = after["edges"].as_array().unwrap();
        assert!(edges[0].as_u64().unwrap() <= n && n < edges.last().unwrap().as_u64().unwrap());
    }
}

#[test]
fn report_html_does_not_depend_on_the_thread_count() {
    let fx = Fixture::new();
    let input = corpus(&fx);
    let one = fx.root().join("t1");
    let four = fx.root().join("t4");
    fx.dedup(&[&input], &one, &["--threads", "1"]).success();
    fx.dedup(&[&input], &four, &["--threads", "4"]).success();
    let (a, b) = (html(&one), html(&four));
    assert!(
        html_without_run(&a) == html_without_run(&b),
        "report.html differs"
    );
    // The timing section holds the timings, and the run's thread count.
    assert!(a.contains("1 threads") && b.contains("4 threads"));
    // Listed in the manifest with its size.
    let m: Value =
        serde_json::from_slice(&std::fs::read(one.join("manifest.json")).unwrap()).unwrap();
    let listed = m["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "report.html")
        .expect("report.html in the manifest");
    assert_eq!(listed["bytes"], a.len() as u64);
}

#[test]
fn report_html_without_near_duplicates_or_documents() {
    // `--no-near`: the page says so; an empty input still gives a page.
    let fx = Fixture::new();
    let input = corpus(&fx);
    fx.dedup(&[&input], &fx.out(), &["--no-near"]).success();
    let page = html(&fx.out());
    assert!(page.contains("--no-near"));
    let empty = fx.write("empty/none.jsonl", "");
    let out = fx.root().join("empty-out");
    let o = fx.dedup(&[&empty], &out, &[]).success();
    assert_eq!(
        o.report["distributions"]["length_before"]["counts"],
        serde_json::json!([])
    );
    assert!(html(&out).contains("</html>"));
}
