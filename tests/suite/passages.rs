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

/// The outputs of a run that do not depend on how it was run (threads, shards): the output
/// lines, the explain records, the report without `run`.
fn outputs_of(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    for f in ["canonical.jsonl", "dropped.jsonl", "boilerplate.jsonl"] {
        v.push((f.to_owned(), std::fs::read(dir.join(f)).unwrap()));
    }
    let explain = std::fs::read(dir.join("explain.jsonl.zst")).unwrap();
    v.push(("explain".into(), zstd::decode_all(&explain[..]).unwrap()));
    let mut report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    report.as_object_mut().unwrap().remove("run");
    v.push(("report".into(), report.to_string().into_bytes()));
    v
}

/// Two nights of pages holding passages: night 1 an article page (passage P) and a page of
/// its own; night 2 a round-up embedding P, an article page with passage Q, and two round-ups
/// embedding Q.
fn passage_nights(fx: &Fixture) -> (std::path::PathBuf, std::path::PathBuf) {
    let q: Vec<String> = passage_zh();
    let page = |id: &str, text: String| {
        format!(
            "{{\"id\":\"{id}\",\"url\":\"https://news.example/{id}\",\"text\":{}}}\n",
            js(&text)
        )
    };
    let n1 = fx.write(
        "n1/a.jsonl",
        page(
            "article-p",
            format!("Embankment to be rebuilt\n{}", PASSAGE_EN.join("\n")),
        ) + &page("own-1", varied_text(300, 700)),
    );
    let mut night2 = page(
        "roundup-p",
        format!(
            "Weekly round-up\n{}\n{}",
            varied_text(301, 900),
            PASSAGE_EN.join("\n")
        ),
    );
    night2 += &page("article-q", format!("城西新闻\n{}", q.join("\n")));
    for (i, pages) in [&SITE_A[2..6], &SITE_B[0..4]].iter().enumerate() {
        let others: Vec<String> = pages.iter().map(|a| a.paras.concat()).collect();
        let text = format!("本周要闻汇总{i}\n{}\n{}", others.join("\n"), q.join("\n"));
        night2 += &page(&format!("roundup-q{i}"), text);
    }
    let n2 = fx.write("n2/b.jsonl", night2);
    (n1, n2)
}

/// Passages are decided alike whatever the thread count and however the run is sharded, and
/// night 2 of an incremental run decides them as one run over both nights does: a passage a
/// published page holds stays there and leaves the new round-up.
#[test]
fn passages_decide_alike_across_threads_shards_and_nights() {
    let fx = Fixture::new();
    let (n1, n2) = passage_nights(&fx);
    let one = fx.path("one");
    let out = fx.dedup(&[&n1, &n2], &one, &["--threads", "1"]).success();
    assert_eq!(holders(&out, PASSAGE_EN[0]), ["article-p"]);
    assert_eq!(holders(&out, &passage_zh()[0]), ["article-q"]);
    let two = fx.path("two");
    fx.dedup(&[&n1, &n2], &two, &["--threads", "2"]).success();
    assert!(
        outputs_of(&one) == outputs_of(&two),
        "threads change the outputs"
    );

    // sign ×3 → cluster → emit ×3.
    let (work, sharded) = (fx.path("work"), fx.path("sharded"));
    run_sharded(&[&n1, &n2], 3, &work, &sharded, &[]);
    for ((name, a), (_, b)) in outputs_of(&one).iter().zip(outputs_of(&sharded).iter()) {
        assert!(
            a == b,
            "{name} differs between dedup and the sharded stages"
        );
    }

    // Night 1, then night 2 on its index, against one run with night 1 published.
    let state = fx.path("state");
    let idx = ["--index", state.to_str().unwrap()];
    fx.dedup(&[&n1], &fx.path("o1"), &idx).success();
    let o2 = fx.dedup(&[&n2], &fx.path("o2"), &idx).success();
    let both = fx
        .dedup(
            &[&n1, &n2],
            &fx.path("both"),
            &["--published", n1.to_str().unwrap()],
        )
        .success();
    for id in ["roundup-p", "article-q", "roundup-q0", "roundup-q1"] {
        assert_eq!(o2.text(id), both.text(id), "{id}");
    }
    assert!(!has_paragraph(o2.text("roundup-p"), PASSAGE_EN[0]));
    assert_eq!(holders(&o2, &passage_zh()[0]), ["article-q"]);
    let e = explain(&fx.path("o2"), "roundup-p");
    assert!(e.contains("passage kept once, in article-p"), "{e}");
}
