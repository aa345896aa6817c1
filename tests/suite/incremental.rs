//! Incremental runs (`--index STATE/`): night 2 against the index of night 1 decides every one
//! of its documents as one run over both nights does in which night 1's documents count as
//! published (`--published`); the index is only replaced by a run that succeeds.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::fixtures::*;
use crate::util::*;

/// Each document's fate keyed by source: (reason, kept_source, text if canonical).
fn fates_by_source(o: &Outputs) -> Vec<(String, String, String, String)> {
    let mut v: Vec<(String, String, String, String)> = o
        .canonical
        .iter()
        .map(|l| {
            (
                l["canon"]["source"].as_str().unwrap().to_owned(),
                "kept".to_owned(),
                String::new(),
                o.text_of(l).to_owned(),
            )
        })
        .chain(o.dropped.iter().map(|d| {
            let s = |k: &str| d[k].as_str().unwrap_or_default().to_owned();
            (s("source"), s("reason"), s("kept_source"), String::new())
        }))
        .collect();
    v.sort();
    v
}

/// Night 2's documents of a run over both nights.
fn night(o: &Outputs, dir: &Path) -> Vec<(String, String, String, String)> {
    let prefix = dir.display().to_string();
    fates_by_source(o)
        .into_iter()
        .filter(|f| f.0.starts_with(&prefix))
        .collect()
}

/// A generated night: `n` documents drawn from the shared article pool, so that nights share
/// exact copies (other ids, glosses, repeated lines), near copies and footers.
fn write_night(dir: &Path, tag: &str, seed: u64, n: usize) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let mut rng = Rng::new(seed);
    let articles = all_articles();
    let mut lines = Vec::new();
    for i in 0..n {
        let a = &articles[rng.below(articles.len())];
        let footer = random_footer(&mut rng);
        let paras: Vec<String> = if rng.chance(30) {
            gloss_all(a.paras, &COMMON_GLOSSES)
        } else {
            a.paras.iter().map(|p| p.to_string()).collect()
        };
        let text = match rng.below(6) {
            0 => broken_page(a.title, &paras, &paras, footer),
            1 => format!(
                "Report {tag} {i}\n{}",
                varied_text(seed * 1000 + i as u64, 400)
            ),
            // A near copy: a closing line of its own (about 0.83 Jaccard to the original
            // on short articles: close enough to the threshold to be verified on the texts).
            2 => format!(
                "{}\n{}\n本文由通讯员第{i}号供稿，特此感谢。\n{}",
                a.title,
                paras.join("\n"),
                footer.join("\n")
            ),
            _ => format!("{}\n{}\n{}", a.title, paras.join("\n"), footer.join("\n")),
        };
        match rng.below(30) {
            0 => lines.push("{\"id\":\"broken\",\"text\":".to_owned()),
            1 => lines.push(format!("{{\"id\":\"{tag}-{i}\",\"text\":\"  \"}}")),
            // Both nights are pages of one site (chrome is counted per site, and a file
            // without URLs would be a site of its own).
            _ => lines.push(format!(
                "{{\"id\":\"{tag}-{i}\",\"url\":\"https://news.example/{tag}/{i}\",\"text\":{}}}",
                js(&text)
            )),
        }
    }
    let p = dir.join(format!("{tag}.jsonl"));
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    p
}

#[test]
fn night_two_decides_as_one_run_over_both_nights() {
    let fx = Fixture::new();
    let (n1, n2) = (fx.root().join("n1"), fx.root().join("n2"));
    write_night(&n1, "one", 3, 160);
    write_night(&n2, "two", 4, 160);
    let state = fx.root().join("state");
    let idx = ["--index", state.to_str().unwrap()];
    let o1 = fx.dedup(&[&n1], &fx.root().join("o1"), &idx).success();
    let night1_state = fx.root().join("state-night-1");
    std::fs::create_dir_all(&night1_state).unwrap();
    std::fs::copy(state.join("index.bin"), night1_state.join("index.bin")).unwrap();
    let o2 = fx.dedup(&[&n2], &fx.root().join("o2"), &idx).success();
    let both = fx
        .dedup(
            &[&n1, &n2],
            &fx.root().join("both"),
            &["--published", n1.to_str().unwrap()],
        )
        .success();
    o1.check_books();
    o2.check_books();

    // Night 1 on an empty index is a plain run.
    let plain = fx.dedup(&[&n1], &fx.root().join("plain"), &[]).success();
    assert!(plain.canonical_raw == o1.canonical_raw);
    assert!(plain.dropped_raw == o1.dropped_raw);
    assert_eq!(o1.report["index"]["published_before"], 0);
    assert_eq!(
        o1.report["index"]["published_after"],
        o1.report["documents"]["canonical"]
    );

    // Night 2: every document decided as in the run over both nights.
    let inc = fates_by_source(&o2);
    let all = night(&both, &n2);
    assert_eq!(inc.len(), all.len());
    for (a, b) in inc.iter().zip(&all) {
        assert_eq!(a, b);
    }
    // Near-duplicates name the same document with the same similarity: pairs close to the
    // threshold are verified on the published document's text, read from night 1's output.
    let near = |o: &Outputs| -> Vec<(String, String, f64)> {
        let mut v: Vec<(String, String, f64)> = o
            .dropped
            .iter()
            .filter(|d| d["reason"] == "near" && d["source"].as_str().unwrap().contains("/n2/"))
            .map(|d| {
                (
                    d["id"].as_str().unwrap().to_owned(),
                    d["kept_id"].as_str().unwrap().to_owned(),
                    d["similarity"].as_f64().unwrap(),
                )
            })
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    let (ni, nb) = (near(&o2), near(&both));
    assert_eq!(ni.len(), nb.len());
    for (a, b) in ni.iter().zip(&nb) {
        assert_eq!((&a.0, &a.1), (&b.0, &b.1));
        assert_eq!(a.2, b.2, "{a:?} {b:?}");
    }

    // The cases that make this test worth having are there: night-2 documents folded into
    // published ones, exactly and nearly, and footers that only reach the boilerplate
    // threshold counted over both nights.
    let folded = o2.report["index"]["folded_into_published"]
        .as_u64()
        .unwrap();
    assert!(folded > 20, "{}", o2.report["index"]);
    assert!(ni.iter().any(|n| n.1.starts_with("one-")), "{ni:?}");
    let exact_into_published = o2
        .dropped
        .iter()
        .filter(|d| d["reason"] == "exact" && d["kept_id"].as_str().unwrap().starts_with("one-"))
        .count();
    assert!(exact_into_published > 10);
    assert_eq!(
        o2.report["index"]["published_after"].as_u64().unwrap(),
        o1.report["documents"]["canonical"].as_u64().unwrap()
            + o2.report["documents"]["canonical"].as_u64().unwrap()
    );
    assert_eq!(o2.report["index"]["runs"], 2);
    // Close pairs with published documents were verified on their text.
    assert!(o2.report["near"]["exact_checked_pairs"].as_u64().unwrap() > 0);
    assert_eq!(o2.report["near"]["estimate_only_pairs"], 0);

    // Without night 1's output (moved away), the index still works, but a close pair with a
    // published document is decided on its signature estimate, and counted.
    std::fs::rename(
        fx.root().join("o1/canonical.jsonl"),
        fx.root().join("o1-canonical.jsonl"),
    )
    .unwrap();
    let s1 = night1_state.to_str().unwrap();
    let blind = fx
        .dedup(&[&n2], &fx.root().join("o2-blind"), &["--index", s1])
        .success();
    assert!(
        blind.report["near"]["estimate_only_pairs"]
            .as_u64()
            .unwrap()
            > 0,
        "{}",
        blind.report["near"]
    );
    assert_eq!(
        blind.report["index"]["published_before"],
        o2.report["index"]["published_before"]
    );
}

#[test]
fn published_documents_win_and_boilerplate_counts_accumulate() {
    let fx = Fixture::new();
    // Pages of one site (chrome is counted per site; the nights are files of their own).
    let en = |a: &Article, id: &str, footer: &[&str]| {
        format!(
            "{{\"id\":\"{id}\",\"url\":\"https://news.example/{id}\",\"text\":{}}}",
            js(&clean_page(a, footer))
        )
    };
    // Night 1: a footer on three unrelated pages (below the threshold of five).
    let n1 = fx.write(
        "n1/a.jsonl",
        [
            en(&ENGLISH[0], "e0", &FOOTER_EN),
            en(&ENGLISH[1], "e1", &FOOTER_EN),
            en(&ENGLISH[2], "e2", &FOOTER_EN),
            en(&SHARED, "shared", &[]),
        ]
        .join("\n"),
    );
    // Night 2: two more pages with that footer (five in all), a copy of the shared article
    // with more text than the published one, and a glossed copy.
    let longer = format!(
        "{}\n目前各项准备工作已经基本完成。",
        clean_page(&SHARED, &[])
    );
    let n2 = fx.write(
        "n2/b.jsonl",
        [
            en(&ENGLISH[3], "e3", &FOOTER_EN),
            en(&SITE_A[0], "a0", &FOOTER_EN),
            format!("{{\"id\":\"shared-longer\",\"text\":{}}}", js(&longer)),
            format!(
                "{{\"id\":\"shared-glossed\",\"text\":{}}}",
                js(&gloss(&clean_page(&SHARED, &[]), &SHARED_GLOSSES))
            ),
        ]
        .join("\n"),
    );
    let state = fx.root().join("state");
    let idx = ["--index", state.to_str().unwrap()];
    let o1 = fx.dedup(&[&n1], &fx.root().join("o1"), &idx).success();
    assert!(o1.text("e0").ends_with(&FOOTER_EN.join("\n")));
    let o2 = fx.dedup(&[&n2], &fx.root().join("o2"), &idx).success();
    // The footer is boilerplate now: five pages over both nights.
    assert_eq!(o2.text("e3"), plain(&ENGLISH[3]));
    assert_eq!(o2.text("a0"), plain(&SITE_A[0]));
    // The glossed copy folds into the published one; so does the longer copy, which a run
    // without an index would have kept instead (published documents are never replaced).
    let g = o2.dropped("shared-glossed");
    assert_eq!(
        (g["reason"].as_str(), g["kept_id"].as_str()),
        (Some("exact"), Some("shared"))
    );
    assert_eq!(g["kept_source"], format!("{}:4", n1.display()));
    let l = o2.dropped("shared-longer");
    assert_eq!(
        (l["reason"].as_str(), l["kept_id"].as_str()),
        (Some("near"), Some("shared"))
    );
    let fresh = fx
        .dedup(&[&n1, &n2], &fx.root().join("fresh"), &[])
        .success();
    assert_eq!(fresh.dropped("shared")["kept_id"], "shared-longer");
    // explain says which earlier document it was.
    let explain: Vec<&Value> = o2
        .explain
        .iter()
        .filter(|e| e["id"] == "shared-longer")
        .collect();
    assert_eq!(explain[0]["kept_source"], format!("{}:4", n1.display()));
}

#[test]
fn the_index_changes_only_when_a_run_succeeds() {
    let fx = Fixture::new();
    let page =
        |a: &Article, id: &str| format!("{{\"id\":\"{id}\",\"text\":{}}}", js(&clean_page(a, &[])));
    let n1 = fx.write(
        "n1/a.jsonl",
        [page(&SITE_A[0], "a0"), page(&SITE_A[1], "a1")].join("\n"),
    );
    let n2 = fx.write(
        "n2/b.jsonl",
        [
            page(&SITE_A[0], "a0-again"),
            "{\"id\":\"bad\",\"text\":".to_owned(),
        ]
        .join("\n"),
    );
    let state = fx.root().join("state");
    let s = state.to_str().unwrap();
    fx.dedup(&[&n1], &fx.root().join("o1"), &["--index", s])
        .success();
    let before = std::fs::read(state.join("index.bin")).unwrap();

    // A failed run (--strict and a bad record) leaves the index as it was.
    let o = fx.dedup(&[&n2], &fx.root().join("o2"), &["--index", s, "--strict"]);
    o.failure(1, &["b.jsonl:2"]);
    assert!(std::fs::read(state.join("index.bin")).unwrap() == before);
    assert!(!fx.root().join("o2/canonical.jsonl").exists());
    // So does a run with other options, which is refused: the stored keys would not match.
    let o = fx.dedup(
        &[&n2],
        &fx.root().join("o3"),
        &["--index", s, "--min-repeat", "30"],
    );
    o.failure(1, &["index.bin", "other options"]);
    assert!(std::fs::read(state.join("index.bin")).unwrap() == before);
    // A run that succeeds replaces it, and no temporary file is left beside it.
    let ok = fx
        .dedup(&[&n2], &fx.root().join("o4"), &["--index", s])
        .success();
    assert_eq!(ok.dropped("a0-again")["kept_id"], "a0");
    assert!(std::fs::read(state.join("index.bin")).unwrap() != before);
    let names: Vec<String> = std::fs::read_dir(&state)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["index.bin"]);
    // Running the same night again: everything in it is published already.
    let again = fx
        .dedup(&[&n2], &fx.root().join("o5"), &["--index", s])
        .success();
    assert_eq!(again.report["documents"]["canonical"], 0);
    assert_eq!(again.dropped("a0-again")["kept_id"], "a0");
}
