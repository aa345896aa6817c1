//! Each passage is kept once, never zero times (issue "decisions across documents", class
//! 5): a long passage found in several documents that are not duplicates of each other is
//! content, kept in its home (the document where it is the largest share) and removed from
//! the others, with provenance; `--passages keep` leaves every copy.

use crate::fixtures::*;
use crate::util::*;

/// An English passage of three long paragraphs (each well over 100 key characters).
const PASSAGE_EN: [&str; 3] = [
    "The river authority confirmed on Tuesday that the northern embankment will be rebuilt before the spring floods, after engineers found the old stone wall had shifted by almost a metre.",
    "Residents of the lower town, who were evacuated twice last winter, said they had waited eleven years for the work and would believe it when the first lorries arrived at the quay.",
    "The council will pay a third of the cost; the rest comes from a national fund for flood defences, which was doubled in the budget after the storms of the previous autumn.",
];

/// A Chinese passage of two long paragraphs (each over 100 characters).
fn passage_zh() -> Vec<String> {
    [&SITE_A[0], &SITE_A[1]]
        .iter()
        .map(|a| a.paras.concat())
        .collect()
}

fn line(id: &str, text: &str) -> String {
    format!("{{\"id\":\"{id}\",\"text\":{}}}\n", js(text))
}

/// How many canonical documents have `para` as a paragraph, and which.
fn holders(out: &Outputs, para: &str) -> Vec<String> {
    out.canonical
        .iter()
        .filter(|l| has_paragraph(out.text_of(l), para))
        .map(|l| out.id_of(l))
        .collect()
}

fn explain(out: &std::path::Path, id: &str) -> String {
    let o = assert_cmd::Command::cargo_bin("canon")
        .unwrap()
        .args(["explain", "--out"])
        .arg(out)
        .arg(id)
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn each_passage_is_kept_once_never_zero_times() {
    // English: the passage inside four round-ups (40% or less of each) and on its own
    // article page; Chinese: a passage on its article page and inside one round-up.
    let fx = Fixture::new();
    let mut data = String::new();
    let mut own: Vec<(String, String)> = Vec::new();
    for i in 0..4u64 {
        let body = varied_text(100 + i, 900);
        let text = format!("Weekly round-up {i}\n{}\n{body}", PASSAGE_EN.join("\n"));
        data.push_str(&line(&format!("roundup{i}"), &text));
        own.push((format!("roundup{i}"), body));
    }
    let article = format!("Embankment to be rebuilt\n{}", PASSAGE_EN.join("\n"));
    data.push_str(&line("article", &article));
    let zh = passage_zh();
    data.push_str(&line("zh-article", &format!("城西新闻\n{}", zh.join("\n"))));
    let others: Vec<String> = SITE_A[2..].iter().map(|a| a.paras.concat()).collect();
    let roundup = format!("本周要闻汇总\n{}\n{}", others.join("\n"), zh.join("\n"));
    data.push_str(&line("zh-roundup", &roundup));
    let p = fx.write("in/pages.jsonl", &data);

    let out = fx.dedup(&[&p], &fx.out(), &[]).success();
    assert_eq!(out.canonical.len(), 7, "no page is dropped");
    // Each passage paragraph stands exactly once, in its home.
    for para in PASSAGE_EN {
        assert_eq!(holders(&out, para), ["article"], "{para}");
    }
    for para in &zh {
        assert_eq!(holders(&out, para), ["zh-article"], "{para}");
    }
    // Each page keeps its own paragraphs.
    for (id, body) in &own {
        for para in body.lines() {
            assert!(has_paragraph(out.text(id), para), "{id} lost {para}");
        }
    }
    for para in &others {
        assert!(has_paragraph(out.text("zh-roundup"), para));
    }
    // Provenance: counts on the canonical line, in the report, and `canon explain`.
    let removed = &out.kept("roundup0")["canon"]["removed"];
    assert_eq!(removed["passage_paragraphs"], 3, "{removed}");
    assert!(out.kept("article")["canon"]["removed"]
        .get("passage_paragraphs")
        .is_none());
    assert_eq!(out.report["paragraphs"]["passages"], 4 * 3 + 2);
    let e = explain(&fx.out(), "roundup2");
    assert!(e.contains("line 2: passage kept once, in article"), "{e}");
    let e = explain(&fx.out(), "zh-roundup");
    assert!(e.contains("passage kept once, in zh-article"), "{e}");

    // `--passages keep`: every copy stays.
    let keep = fx.path("out-keep");
    let out = fx.dedup(&[&p], &keep, &["--passages", "keep"]).success();
    assert_eq!(holders(&out, PASSAGE_EN[0]).len(), 5);
    assert_eq!(holders(&out, &zh[1]).len(), 2);
    assert_eq!(out.report["paragraphs"]["passages"], 0);
}

#[test]
fn a_passage_in_five_unrelated_pages_is_not_boilerplate() {
    // Five round-ups of one site, no article page: the passage (40% of each) was deleted
    // from all five as chrome; now it stays in one (ties by the canonical order), and the
    // site's short footer still goes.
    let fx = Fixture::new();
    let mut data = String::new();
    for i in 0..5u64 {
        let body = varied_text(200 + i, 500);
        let text = format!(
            "Round-up {i}\n{body}\n{}\n{}",
            PASSAGE_EN.join("\n"),
            FOOTER_EN.join("\n")
        );
        data.push_str(&line(&format!("r{i}"), &text));
    }
    let p = fx.write("in/pages.jsonl", &data);
    let out = fx.dedup(&[&p], &fx.out(), &[]).success();
    for para in PASSAGE_EN {
        assert_eq!(holders(&out, para).len(), 1, "{para}");
    }
    assert!(holders(&out, FOOTER_EN[0]).is_empty(), "chrome still goes");
}
