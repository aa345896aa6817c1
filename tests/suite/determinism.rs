//! The output is a function of the input and options only: not of the thread count, nor of
//! whether files are named one by one or found in a directory; and the clusters do not depend
//! on the order the inputs are given in.

use std::path::PathBuf;

use crate::fixtures::*;
use crate::util::*;

/// One generated page: an article in one of several states.
fn page(rng: &mut Rng, articles: &[Article]) -> String {
    let a = &articles[rng.below(articles.len())];
    let footer: &[&str] = match rng.below(4) {
        0 => &FOOTER_A,
        1 => &FOOTER_B,
        2 => &FOOTER_EN,
        _ => &[],
    };
    let body: Vec<String> = a.paras.iter().map(|p| p.to_string()).collect();
    let glossed = if rng.chance(30) {
        gloss_all(a.paras, &COMMON_GLOSSES)
    } else {
        body.clone()
    };
    match rng.below(5) {
        0 => broken_page(a.title, &glossed, &body, footer),
        1 => {
            // Every paragraph doubled inside its own line.
            let doubled: Vec<String> = glossed.iter().map(|p| format!("{p}{p}")).collect();
            let mut s = format!("{}\n", a.title);
            for p in doubled {
                s.push_str(&p);
                s.push('\n');
            }
            s + &footer.join("\n")
        }
        2 => {
            // A partial copy: the first paragraphs only.
            let n = 1 + rng.below(a.paras.len());
            let mut s = format!("{}\n", a.title);
            for p in &glossed[..n] {
                s.push_str(p);
                s.push('\n');
            }
            s + &footer.join("\n")
        }
        _ => {
            let mut s = format!("{}\n", a.title);
            for p in &glossed {
                s.push_str(p);
                s.push('\n');
            }
            s.push('\n');
            s + &footer.join("\n")
        }
    }
}

/// Writes a corpus of a few hundred documents over several files and formats; returns the
/// files in sorted path order (the order a directory walk gives).
fn corpus(fx: &Fixture, seed: u64) -> Vec<PathBuf> {
    let mut rng = Rng::new(seed);
    let articles = all_articles();
    let mut files = Vec::new();
    let mut n = 0;
    for (f, name) in ["a-news.jsonl", "b-news.jsonl.gz", "c-news.ndjson"]
        .iter()
        .enumerate()
    {
        let mut data = String::new();
        for _ in 0..90 {
            n += 1;
            match rng.below(40) {
                0 => data.push_str("{\"id\":\"broken\",\"text\":\n"),
                1 => data.push('\n'),
                2 => data.push_str(&format!(
                    "{{\"id\":\"f{f}-{n}\",\"text\":{}}}\n",
                    js(&FOOTER_A.join("\n"))
                )),
                _ => {
                    let text = page(&mut rng, &articles);
                    let id = if rng.chance(10) {
                        String::new()
                    } else {
                        format!("\"id\":\"f{f}-{n}\",")
                    };
                    data.push_str(&format!("{{{id}\"text\":{},\"n\":{n}}}\n", js(&text)));
                }
            }
        }
        let bytes = if name.ends_with(".gz") {
            gzip(data.as_bytes())
        } else {
            data.into_bytes()
        };
        files.push(fx.write(name, bytes));
    }
    // A large file: several units of parallel work.
    let mut bulk = String::new();
    let mut i = 0;
    while bulk.len() < 1_300_000 {
        i += 1;
        let k = if i % 3 == 0 { i / 3 } else { i };
        let a = &articles[k % articles.len()];
        let text = format!(
            "Bulletin {k}\n{}\n{}",
            clean_page(a, &[]),
            ENGLISH[k % 4].paras.join(" ").repeat(1 + k % 3)
        );
        bulk.push_str(&format!("{{\"id\":\"bulk-{i}\",\"text\":{}}}\n", js(&text)));
    }
    files.push(fx.write("d-bulk.jsonl", bulk));
    // Text pages.
    for i in 0..24 {
        let name = format!("p{i:02}.txt");
        let text = page(&mut rng, &articles);
        let bytes = if i % 5 == 0 {
            zstd(text.as_bytes())
        } else {
            text.into_bytes()
        };
        let name = if i % 5 == 0 {
            format!("{name}.zst")
        } else {
            name
        };
        files.push(fx.write(&name, bytes));
    }
    // A WET file.
    let mut wet = warcinfo();
    for i in 0..40 {
        let url = format!("https://crawl.example/{i}");
        wet.push_str(&wet_record(
            "conversion",
            Some(&urn(i)),
            Some(&url),
            &page(&mut rng, &articles),
        ));
    }
    files.push(fx.write("q-crawl.warc.wet.gz", gzip(wet.as_bytes())));
    files.sort();
    files
}

#[test]
fn thread_count_does_not_change_the_output() {
    let fx = Fixture::new();
    corpus(&fx, 7);
    let one = fx
        .dedup(&[&fx.input()], &fx.root().join("t1"), &["--threads", "1"])
        .success();
    let four = fx
        .dedup(&[&fx.input()], &fx.root().join("t4"), &["--threads", "4"])
        .success();
    assert!(
        one.canonical_raw == four.canonical_raw,
        "canonical.jsonl differs"
    );
    assert!(one.dropped_raw == four.dropped_raw, "dropped.jsonl differs");
    assert_eq!(one.report_without_run(), four.report_without_run());
    assert_eq!(one.report["run"]["threads"], 1);
    assert_eq!(four.report["run"]["threads"], 4);

    // The corpus exercises every fate.
    let d = &one.report["documents"];
    assert!(d["in"].as_u64().unwrap() > 300, "{d}");
    for reason in ["exact", "empty", "invalid"] {
        assert!(d["dropped"][reason].as_u64().unwrap() > 0, "{reason}: {d}");
    }
    assert!(one.report["paragraphs"]["boilerplate"].as_u64().unwrap() > 0);
    assert!(one.report["documents"]["repaired"].as_u64().unwrap() > 0);
    assert!(one.report["clusters"]["largest"].as_u64().unwrap() > 5);

    // And a second run with the same options is byte-identical.
    let again = fx
        .dedup(&[&fx.input()], &fx.root().join("t4b"), &["--threads", "4"])
        .success();
    assert!(again.canonical_raw == four.canonical_raw);
    assert!(again.dropped_raw == four.dropped_raw);
}

#[test]
fn directory_and_listed_files_give_the_same_result() {
    let fx = Fixture::new();
    let files = corpus(&fx, 11);
    let dir = fx
        .dedup(&[&fx.input()], &fx.root().join("dir"), &[])
        .success();
    let listed: Vec<&std::path::Path> = files.iter().map(PathBuf::as_path).collect();
    let each = fx.dedup(&listed, &fx.root().join("each"), &[]).success();
    assert_eq!(dir.canonical_ids(), each.canonical_ids());
    assert_eq!(dir.fates(), each.fates());
    let links = |o: &Outputs| -> Vec<(String, String)> {
        o.dropped
            .iter()
            .map(|d| (d["id"].to_string(), d["kept_id"].to_string()))
            .collect()
    };
    assert_eq!(links(&dir), links(&each));
    assert_eq!(dir.clusters(), each.clusters());
}

#[test]
fn input_order_changes_no_cluster() {
    let fx = Fixture::new();
    let files = corpus(&fx, 23);
    let forward: Vec<&std::path::Path> = files.iter().map(PathBuf::as_path).collect();
    let mut backward = forward.clone();
    backward.reverse();
    let a = fx.dedup(&forward, &fx.root().join("fwd"), &[]).success();
    let b = fx.dedup(&backward, &fx.root().join("bwd"), &[]).success();
    assert_eq!(a.clusters(), b.clusters());
    // Which documents are empty or invalid does not depend on order either, nor do the counts.
    let not_exact = |o: &Outputs| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = o
            .fates()
            .into_iter()
            .filter(|(_, r)| r == "empty" || r == "invalid")
            .collect();
        v.sort();
        v
    };
    assert_eq!(not_exact(&a), not_exact(&b));
    assert_eq!(a.report["documents"], b.report["documents"]);
    assert_eq!(a.report["clusters"], b.report["clusters"]);
    assert_eq!(
        a.report["paragraphs"]["boilerplate_distinct"],
        b.report["paragraphs"]["boilerplate_distinct"]
    );
    // Canonical lines follow the input order: reversed files, reversed file blocks.
    let first_file = |o: &Outputs| {
        o.canonical[0]["canon"]["source"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(
        first_file(&a).contains("a-news.jsonl"),
        "{}",
        first_file(&a)
    );
    assert!(first_file(&b).contains("q-crawl"), "{}", first_file(&b));
}
