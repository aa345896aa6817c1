//! The mixed corpus: two JSON Lines news sites with their footers, a folder of text pages and a
//! WET file, with one document of every fate. Checks that every input document is accounted
//! for exactly once, with the right reason and cluster links, and that what is kept is the
//! repaired page without its site footer.

use serde_json::Value;

use crate::fixtures::*;
use crate::util::*;

const SITE_A_HOST: &str = "news.example-a.cn";
const SITE_B_HOST: &str = "www.example-b.com.cn";

/// `news.jsonl` line numbers of the two unreadable records (a blank line precedes the second).
const BAD_JSON_LINE: usize = 9;
const NO_TEXT_LINE: usize = 16;

/// The broken (glossed, doubled) copy of the shared story on site A.
fn shared_a_text() -> String {
    broken_page(
        SHARED.title,
        &gloss_all(SHARED.paras, &SHARED_GLOSSES),
        &SHARED.lines()[1..],
        &FOOTER_A,
    )
}

/// The clean copy of the shared story on site B, in its own punctuation.
fn shared_b_text() -> String {
    b_punctuation(&clean_page(&SHARED, &FOOTER_B))
}

/// Site B's house style: full-width commas and full stops where site A has `,`, `、` and `。`.
fn b_punctuation(s: &str) -> String {
    s.replace([',', '、'], "，").replace('。', "．")
}

/// Site A's broken page of a story only it ran.
fn broken_a_text() -> String {
    broken_page(
        BROKEN_ZH.title,
        &gloss_all(BROKEN_ZH.paras, &BROKEN_ZH_GLOSSES),
        &gloss_all(BROKEN_ZH.paras, &BROKEN_ZH_GLOSSES_2),
        &FOOTER_A,
    )
}

/// An English page broken the same way, without a footer.
fn broken_en_text() -> String {
    let a = ENGLISH[3];
    let body = a.lines()[1..].to_vec();
    broken_page_indented(a.title, &body, &body, &[], "    ")
}

/// What the repaired broken Chinese page should read: the title once, then the first copy of
/// the body (glosses and all), one paragraph per line.
fn broken_a_expected() -> String {
    let mut lines = vec![BROKEN_ZH.title.to_owned()];
    lines.extend(gloss_all(BROKEN_ZH.paras, &BROKEN_ZH_GLOSSES));
    lines.join("\n")
}

/// `title\nparagraph…` of an article.
/// JSON lines of the two sites, in file order: (id, site, text) or a raw line.
enum Line {
    Doc(&'static str, &'static str, String),
    Raw(String),
}

fn news_lines() -> Vec<Line> {
    use Line::*;
    let a = |i: usize| clean_page(&SITE_A[i], &FOOTER_A);
    let b = |i: usize| clean_page(&SITE_B[i], &FOOTER_B);
    let lines = vec![
        Doc("a-01", SITE_A_HOST, a(0)),
        Doc("b-01", SITE_B_HOST, b(0)),
        Doc("a-02", SITE_A_HOST, a(1)),
        Doc("b-02", SITE_B_HOST, b(1)),
        Doc("a-broken", SITE_A_HOST, broken_a_text()),
        Doc("a-03", SITE_A_HOST, a(2)),
        Doc("b-03", SITE_B_HOST, b(2)),
        Doc("a-shared", SITE_A_HOST, shared_a_text()),
        // Line 9: cut off in the middle of the text.
        Raw(r#"{"id":"a-cut","url":"https://news.example-a.cn/2024/a-cut.html","text":"城西湿地公园迎来越冬候鸟\n入冬以来"#.to_owned()),
        Doc("a-04", SITE_A_HOST, a(3)),
        Doc("b-04", SITE_B_HOST, b(3)),
        Doc("b-shared", SITE_B_HOST, shared_b_text()),
        Doc("a-05", SITE_A_HOST, a(4)),
        Doc("b-05", SITE_B_HOST, b(4)),
        Raw(String::new()),
        // Line 16: no text field.
        Raw(r#"{"id":"b-notext","url":"https://www.example-b.com.cn/2024/b-notext.html","site":"www.example-b.com.cn"}"#.to_owned()),
        Doc("a-06", SITE_A_HOST, a(5)),
        Doc("b-06", SITE_B_HOST, b(5)),
        // A byte-exact copy of b-01's text under another id.
        Doc("b-01-copy", SITE_B_HOST, b(0)),
        // A page that is nothing but site A's footer.
        Doc("a-footer", SITE_A_HOST, FOOTER_A.join("\n") + "\n"),
    ];
    lines
}

fn news_jsonl() -> String {
    let mut s = String::new();
    for l in news_lines() {
        match l {
            Line::Doc(id, site, text) => s.push_str(&news_line(id, site, &text)),
            Line::Raw(r) => s.push_str(&r),
        }
        s.push('\n');
    }
    s
}

/// The WET file: `warcinfo`, two stories, and a copy of `pages/harbor.txt`.
fn crawl_wet() -> String {
    warcinfo()
        + &wet_record(
            "conversion",
            Some(&urn(1)),
            Some("https://canal-street.example.org/night-market"),
            &clean_page(&ENGLISH[1], &[]),
        )
        + &wet_record(
            "conversion",
            Some(&urn(2)),
            Some("https://river.example.cn/lights"),
            &clean_page(&WET_ZH, &[]),
        )
        + &wet_record(
            "conversion",
            Some(&urn(3)),
            Some("https://mirror.example.net/harbor"),
            &clean_page(&ENGLISH[0], &[]),
        )
}

/// Builds the mixed input directory.
fn mixed_fixture() -> Fixture {
    let fx = Fixture::new();
    fx.write("news.jsonl", news_jsonl());
    fx.write("pages/harbor.txt", clean_page(&ENGLISH[0], &[]));
    fx.write("pages/en/tools.txt", broken_en_text());
    fx.write("pages/en/2024/garden.txt", clean_page(&ENGLISH[2], &[]));
    fx.write("web/crawl.warc.wet", crawl_wet());
    fx
}

fn mixed() -> (Fixture, Outputs) {
    let fx = mixed_fixture();
    let out = fx.dedup_dir(&[]);
    (fx, out)
}

fn jsonl_source(fx: &Fixture, line: usize) -> String {
    format!("{}:{line}", fx.path("news.jsonl").display())
}

#[test]
fn every_document_has_the_expected_fate() {
    let (fx, out) = mixed();
    let bad = jsonl_source(&fx, BAD_JSON_LINE);
    let notext = jsonl_source(&fx, NO_TEXT_LINE);
    let mut expected: Vec<(String, &str)> = Vec::new();
    for id in [
        "a-01", "a-02", "a-03", "a-04", "a-05", "a-06", "b-01", "b-02", "b-03", "b-04", "b-05",
        "b-06", "a-broken", "b-shared",
    ] {
        expected.push((id.into(), "canonical"));
    }
    for id in [
        "pages/harbor.txt",
        "pages/en/tools.txt",
        "pages/en/2024/garden.txt",
    ] {
        expected.push((id.into(), "canonical"));
    }
    expected.push((urn(1), "canonical"));
    expected.push((urn(2), "canonical"));
    expected.push((urn(3), "exact"));
    expected.push(("a-shared".into(), "exact"));
    expected.push(("b-01-copy".into(), "exact"));
    expected.push(("a-footer".into(), "empty"));
    expected.push((bad.clone(), "invalid"));
    expected.push((notext.clone(), "invalid"));
    let expected: std::collections::BTreeMap<String, String> = expected
        .into_iter()
        .map(|(k, v)| (k, v.to_owned()))
        .collect();
    assert_eq!(out.fates(), expected);

    let r = &out.report;
    assert_eq!(r["documents"]["in"], 25);
    assert_eq!(r["documents"]["canonical"], 19);
    assert_eq!(
        r["documents"]["dropped"],
        serde_json::json!({"exact": 3, "near": 0, "empty": 1, "invalid": 2})
    );
    assert_eq!(
        r["inputs"]["files"],
        serde_json::json!({"jsonl": 1, "text": 3, "wet": 1})
    );
    assert_eq!(r["inputs"]["wet_other_records"], 1);
    assert_eq!(r["inputs"]["skipped_files"], serde_json::json!([]));
    assert_eq!(r["clusters"]["clusters"], 3);
    assert_eq!(r["clusters"]["largest"], 2);
}

#[test]
fn canonical_lines_come_in_input_order() {
    let (_fx, out) = mixed();
    let ids = out.canonical_ids();
    let mut expected: Vec<String> = [
        "a-01", "b-01", "a-02", "b-02", "a-broken", "a-03", "b-03", "a-04", "b-04", "b-shared",
        "a-05", "b-05", "a-06", "b-06",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Directories are walked in sorted path order.
    expected.extend(
        [
            "pages/en/2024/garden.txt",
            "pages/en/tools.txt",
            "pages/harbor.txt",
        ]
        .map(String::from),
    );
    expected.extend([urn(1), urn(2)]);
    assert_eq!(ids, expected);
}

#[test]
fn glossed_doubled_copy_and_clean_copy_are_one_cluster() {
    let (fx, out) = mixed();
    // The clean copy wins (same text after repair, no glosses) and lists the other.
    let b = out.kept("b-shared");
    assert_eq!(b["canon"]["cluster_size"], 2);
    assert_eq!(b["canon"]["duplicates"], serde_json::json!(["a-shared"]));
    assert_eq!(b["canon"]["source"], jsonl_source(&fx, 12));
    assert_eq!(b["canon"]["removed"]["boilerplate_paragraphs"], 3);
    assert_eq!(b["canon"]["removed"]["repeated_paragraphs"], 0);
    let expected = b_punctuation(&clean_page(&SHARED, &[]));
    assert_eq!(out.text("b-shared"), expected.trim_end());

    let a = out.dropped("a-shared");
    assert_eq!(a["reason"], "exact");
    assert_eq!(a["kept_id"], "b-shared");
    assert_eq!(a["kept_source"], jsonl_source(&fx, 12));
    assert_eq!(a["source"], jsonl_source(&fx, 8));

    // The byte-exact copy folds into the first one.
    let c = out.dropped("b-01-copy");
    assert_eq!(c["kept_id"], "b-01");
    assert_eq!(
        out.kept("b-01")["canon"]["duplicates"],
        serde_json::json!(["b-01-copy"])
    );

    // A WET record with the text of a text page, across formats.
    let w = out.dropped(&urn(3));
    assert_eq!(w["kept_id"], "pages/harbor.txt");
    assert_eq!(
        w["source"],
        format!("{}#4", fx.path("web/crawl.warc.wet").display())
    );
    assert_eq!(
        w["kept_source"],
        fx.path("pages/harbor.txt").display().to_string()
    );
}

#[test]
fn footer_only_page_is_empty_and_invalid_lines_say_where_and_why() {
    let (fx, out) = mixed();
    let f = out.dropped("a-footer");
    assert_eq!(f["reason"], "empty");
    assert_eq!(f["kept_id"], Value::Null);
    assert_eq!(f["source"], jsonl_source(&fx, 20));

    let bad = out.dropped(&jsonl_source(&fx, BAD_JSON_LINE));
    assert_eq!(bad["reason"], "invalid");
    assert_eq!(bad["source"], jsonl_source(&fx, BAD_JSON_LINE));
    let err = bad["error"].as_str().unwrap();
    assert!(err.starts_with("invalid JSON at column"), "{err}");

    let notext = out.dropped(&jsonl_source(&fx, NO_TEXT_LINE));
    assert_eq!(notext["source"], jsonl_source(&fx, NO_TEXT_LINE));
    assert_eq!(notext["error"], "missing field `text`");

    let inv = &out.report["invalid"];
    assert_eq!(inv["count"], 2);
    assert_eq!(inv["lossy_utf8"], 0);
    let first = inv["first"].as_array().unwrap();
    assert_eq!(first.len(), 2);
    assert_eq!(first[0]["source"], jsonl_source(&fx, BAD_JSON_LINE));
    assert_eq!(first[0]["error"], bad["error"]);
    assert_eq!(first[1]["source"], jsonl_source(&fx, NO_TEXT_LINE));
    assert_eq!(first[1]["error"], "missing field `text`");
}

#[test]
fn site_footers_are_removed_but_the_pages_stay() {
    let (_fx, out) = mixed();
    for l in &out.canonical {
        let text = out.text_of(l);
        for f in FOOTER_A.iter().chain(&FOOTER_B) {
            assert!(!text.contains(f), "footer line {f:?} left in {text:?}");
        }
    }
    for (i, a) in SITE_A.iter().enumerate() {
        let id = format!("a-{:02}", i + 1);
        assert_eq!(out.text(&id), plain(a), "{id}");
        assert_eq!(
            out.kept(&id)["canon"]["removed"]["boilerplate_paragraphs"],
            3
        );
    }
    for (i, b) in SITE_B.iter().enumerate() {
        let id = format!("b-{:02}", i + 1);
        assert_eq!(out.text(&id), plain(b), "{id}");
    }
    let p = &out.report["paragraphs"];
    assert_eq!(p["boilerplate_distinct"], 6, "three footer lines per site");
    // Footer lines in valid documents: 8 site A pages + the footer-only page, 8 site B pages.
    assert_eq!(p["boilerplate"], 3 * (9 + 8));
    // Pages without a footer keep all their paragraphs.
    assert_eq!(out.text("pages/harbor.txt"), plain(&ENGLISH[0]));
    assert_eq!(out.text(&urn(2)), plain(&WET_ZH));
}

#[test]
fn broken_page_is_repaired_to_one_copy() {
    let (fx, out) = mixed();
    let original = broken_a_text();
    let text = out.text("a-broken");
    assert_eq!(text, broken_a_expected());
    // Title once, each body paragraph once and in order.
    assert_eq!(text.matches(BROKEN_ZH.title).count(), 1);
    let mut at = 0;
    for p in gloss_all(BROKEN_ZH.paras, &BROKEN_ZH_GLOSSES) {
        assert_eq!(text.matches(p.as_str()).count(), 1, "{p}");
        let i = text.find(p.as_str()).unwrap();
        assert!(i > at, "paragraphs out of order");
        at = i;
    }
    let ratio = text.chars().count() as f64 / original.chars().count() as f64;
    assert!((0.35..0.6).contains(&ratio), "kept {ratio:.2} of the page");

    let c = &out.kept("a-broken")["canon"];
    assert_eq!(c["source"], jsonl_source(&fx, 5));
    assert_eq!(c["cluster_size"], 1);
    assert_eq!(c["duplicates"], serde_json::json!([]));
    // The second title line and the three paragraphs of the second copy.
    assert_eq!(c["removed"]["repeated_paragraphs"], 4);
    // Those lines whole (indent included), plus the title cut from the first paragraph.
    let second: usize = gloss_all(BROKEN_ZH.paras, &BROKEN_ZH_GLOSSES_2)
        .iter()
        .map(|p| p.chars().count() + 2)
        .sum();
    let title = BROKEN_ZH.title.chars().count();
    assert_eq!(c["removed"]["repeated_chars"], (2 * title + second) as u64);
    assert_eq!(c["removed"]["boilerplate_paragraphs"], 3);

    // The English page broken the same way.
    assert_eq!(out.text("pages/en/tools.txt"), plain(&ENGLISH[3]));

    let r = &out.report;
    assert_eq!(
        r["documents"]["repaired"], 3,
        "a-broken, a-shared, tools.txt"
    );
    // Glosses in kept paragraphs of valid documents: four in each glossed first copy.
    assert_eq!(r["documents"]["glosses"], 8);
    assert_eq!(r["paragraphs"]["cut"], 3, "one glued title per broken page");
}

#[test]
fn jsonl_lines_keep_their_other_fields_byte_for_byte() {
    let (_fx, out) = mixed();
    let suffix = &NEWS_SUFFIX[..NEWS_SUFFIX.len() - 1];
    let mut jsonl_lines = 0;
    for (raw, v) in out.canonical_raw.lines().zip(&out.canonical) {
        let id = out.id_of(v);
        let Some(site) = v.get("site").and_then(Value::as_str) else {
            continue; // text pages and WET records
        };
        jsonl_lines += 1;
        let prefix = news_prefix(&id, site);
        assert!(raw.starts_with(&prefix), "{raw}");
        let rest = &raw[prefix.len()..];
        let text = js(out.text_of(v));
        assert!(rest.starts_with(&text), "{raw}");
        let rest = &rest[text.len()..];
        assert!(
            rest.starts_with(&format!("{suffix},\"canon\":{{\"source\":")),
            "{rest}"
        );
        assert!(rest.ends_with("}}"), "canon is the last member: {rest}");
        // The parsed values agree too.
        assert_eq!(v["url"], format!("https://{site}/2024/{id}.html"));
        assert_eq!(v["note"], "本地");
        assert_eq!(v["meta"]["tags"], serde_json::json!(["本地", "民生"]));
    }
    assert_eq!(jsonl_lines, 14);
}

#[test]
fn plain_and_wet_lines_have_the_documented_shape() {
    let (fx, out) = mixed();
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    let page = out.kept("pages/en/2024/garden.txt");
    let mut k = keys(page);
    k.sort();
    assert_eq!(k, ["canon", "id", "text"]);
    assert_eq!(
        page["canon"]["source"],
        fx.path("pages/en/2024/garden.txt").display().to_string()
    );
    let raw = out
        .canonical_raw
        .lines()
        .find(|l| l.contains(&js(&urn(1))))
        .unwrap();
    assert!(
        raw.starts_with(&format!(
            "{{\"id\":{},\"url\":\"https://canal-street.example.org/night-market\",\"text\":",
            js(&urn(1))
        )),
        "{raw}"
    );
    let w = out.kept(&urn(1));
    assert_eq!(w["text"], plain(&ENGLISH[1]));
    assert_eq!(
        w["canon"]["source"],
        format!("{}#2", fx.path("web/crawl.warc.wet").display())
    );
}

#[test]
fn summary_goes_to_stderr_unless_quiet() {
    let fx = mixed_fixture();
    let args: Vec<std::ffi::OsString> = vec![
        "dedup".into(),
        "--progress".into(),
        "never".into(),
        fx.input().into(),
        "--out".into(),
        fx.out().into(),
    ];
    let o = run_canon(&args, &fx.out());
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.stdout, "");
    assert!(
        o.stderr.starts_with("canon: 25 documents in "),
        "{}",
        o.stderr
    );
    let kept = o
        .stderr
        .lines()
        .find(|l| l.trim_start().starts_with("kept"));
    assert!(kept.is_some_and(|l| l.contains(" 19 ")), "{}", o.stderr);
    assert!(o.stderr.contains("2 invalid records"), "{}", o.stderr);
    Outputs::read(&fx.out()).check_books();
}

/// Six unrelated pages of site B (with its footer) plus `extra` JSON lines, in one file.
fn site_b_plus(fx: &Fixture, extra: &[String]) -> std::path::PathBuf {
    let mut lines: Vec<String> = SITE_B
        .iter()
        .enumerate()
        .map(|(i, a)| news_line(&format!("b-{i}"), SITE_B_HOST, &clean_page(a, &FOOTER_B)))
        .collect();
    lines.extend_from_slice(extra);
    fx.write("news.jsonl", lines.join("\n") + "\n")
}

#[test]
fn canonical_choice_follows_the_documented_order() {
    let fx = Fixture::new();
    let plain_body = SHARED.lines()[1..].to_vec();
    let glossed = gloss_all(SHARED.paras, &SHARED_GLOSSES);
    let extra = [
        // Broken (four paragraphs removed by repair), no glosses.
        news_line(
            "broken",
            "x",
            &broken_page(SHARED.title, &plain_body, &plain_body, &[]),
        ),
        // Clean, with glosses.
        news_line(
            "glossed",
            "x",
            &clean_page(&SHARED, &[]).replace(&plain_body.join("\n"), &glossed.join("\n")),
        ),
        // Clean with site B's footer (three boilerplate paragraphs removed).
        // (A page of site B: chrome is counted per site.)
        news_line("with-footer", SITE_B_HOST, &clean_page(&SHARED, &FOOTER_B)),
        // Clean, no glosses, nothing removed: wins although it comes last but one.
        news_line("clean", "x", &clean_page(&SHARED, &[])),
        // The same again, later: loses on position.
        news_line("clean-later", "x", &clean_page(&SHARED, &[])),
    ];
    let p = site_b_plus(&fx, &extra);
    let out = fx.dedup(&[&p], &fx.out(), &[]).success();
    let c = out.kept("clean");
    assert_eq!(
        c["canon"]["duplicates"],
        serde_json::json!(["broken", "glossed", "with-footer", "clean-later"])
    );
    // Glosses weigh before removals: the broken copy (no glosses) beats the clean glossed one.
    let fx = Fixture::new();
    let p = site_b_plus(&fx, &extra[..2]);
    let out = fx.dedup(&[&p], &fx.out(), &[]).success();
    assert_eq!(
        out.kept("broken")["canon"]["duplicates"],
        serde_json::json!(["glossed"])
    );
    // And fewer removed paragraphs decide between the broken copy and the footer copy
    // (3 boilerplate paragraphs < 4 repeated ones).
    let fx = Fixture::new();
    let p = site_b_plus(&fx, &[extra[0].clone(), extra[2].clone()]);
    let out = fx.dedup(&[&p], &fx.out(), &[]).success();
    assert_eq!(
        out.kept("with-footer")["canon"]["duplicates"],
        serde_json::json!(["broken"])
    );
}

/// The shared story on six more sites, each with its own source line: six documents that are
/// not exact copies, whose common paragraphs are one copy group.
fn reposts() -> Vec<String> {
    (1..=6)
        .map(|i| {
            let text = format!("来源:第{i}号转载站点\n{}", clean_page(&SHARED, &[]));
            news_line(&format!("repost-{i}"), "x", &text)
        })
        .collect()
}

#[test]
fn republished_article_is_not_boilerplate() {
    let fx = Fixture::new();
    let p = site_b_plus(&fx, &reposts());
    // Exact deduplication only: all six stay, with the paragraphs they share.
    let out = fx.dedup(&[&p], &fx.out(), &["--no-near"]).success();
    for i in 1..=6 {
        let t = out.text(&format!("repost-{i}"));
        assert!(t.ends_with(&plain(&SHARED)), "{t}");
    }
    assert_eq!(out.report["paragraphs"]["boilerplate_distinct"], 3);
    assert_eq!(out.report["paragraphs"]["grouped_documents"], 6);
    assert_eq!(out.report["near"]["enabled"], false);
}

#[test]
fn republished_article_folds_as_near_duplicates() {
    let fx = Fixture::new();
    let p = site_b_plus(&fx, &reposts());
    let out = fx.dedup(&[&p], &fx.out(), &[]).success();
    // The reposts tie on the canonical order up to their content hash: one of them is kept.
    let reposts: Vec<String> = (1..=6).map(|i| format!("repost-{i}")).collect();
    let kept_ids: Vec<String> = out
        .canonical_ids()
        .into_iter()
        .filter(|id| reposts.contains(id))
        .collect();
    assert_eq!(kept_ids.len(), 1, "{kept_ids:?}");
    let winner = &kept_ids[0];
    let kept = out.kept(winner);
    assert!(out.text(winner).ends_with(&plain(&SHARED)));
    assert_eq!(kept["canon"]["cluster_size"], 6);
    for id in reposts.iter().filter(|id| *id != winner) {
        let d = out.dropped(id);
        assert_eq!(d["reason"], "near", "{d}");
        assert_eq!(&d["kept_id"], winner.as_str());
        assert!(d["similarity"].as_f64().unwrap() >= 0.8, "{d}");
    }
    // The six unrelated site B pages are untouched, their footer removed.
    for (i, a) in SITE_B.iter().enumerate() {
        assert_eq!(out.text(&format!("b-{i}")), plain(a));
    }
    assert_eq!(out.report["near"]["near_duplicates"], 5);
}

#[test]
fn boilerplate_threshold_and_option() {
    // A footer on four unrelated pages stays; on five it goes; --boilerplate-min-docs moves
    // the threshold.
    let page = |i: usize| {
        news_line(
            &format!("a-{i}"),
            SITE_A_HOST,
            &clean_page(&SITE_A[i], &FOOTER_A),
        )
    };
    let run = |n: usize, extra: &[&str]| {
        let fx = Fixture::new();
        let lines: Vec<String> = (0..n).map(page).collect();
        let p = fx.write("a.jsonl", lines.join("\n"));
        fx.dedup(&[&p], &fx.out(), extra).success()
    };
    let four = run(4, &[]);
    assert!(four.text("a-0").ends_with(&FOOTER_A.join("\n")));
    assert_eq!(four.report["paragraphs"]["boilerplate"], 0);
    let five = run(5, &[]);
    assert_eq!(five.text("a-0"), plain(&SITE_A[0]));
    assert_eq!(five.report["paragraphs"]["boilerplate"], 15);
    let three = run(3, &["--boilerplate-min-docs", "3"]);
    assert_eq!(three.text("a-2"), plain(&SITE_A[2]));
    assert_eq!(three.report["options"]["boilerplate_min_docs"], 3);
    let strict = run(5, &["--boilerplate-min-docs", "6"]);
    assert!(strict.text("a-4").ends_with(&FOOTER_A.join("\n")));
}

#[test]
fn min_repeat_option() {
    // A 17-character clause (weighing 42.5 letters) said twice in one line is natural
    // repetition by default, and a repeat to cut with --min-repeat 20.
    let clause = "今年全市新建公园二十座绿化明显提高";
    assert_eq!(clause.chars().count(), 17);
    let line = format!("据介绍,{clause},也就是说{clause}。");
    let fx = Fixture::new();
    let p = fx.write("r.txt", format!("标题\n{line}\n"));
    let out = fx.dedup(&[&p], &fx.out(), &[]).success();
    assert_eq!(out.text("r.txt"), format!("标题\n{line}"));
    let o2 = fx.root().join("out2");
    let out = fx.dedup(&[&p], &o2, &["--min-repeat", "20"]).success();
    let t = out.text("r.txt");
    assert_eq!(t.matches(clause).count(), 1, "{t}");
    assert!(
        t.starts_with(&format!("标题\n据介绍,{clause},也就是说")),
        "{t}"
    );
    assert_eq!(out.report["options"]["min_repeat"], 20);
    assert_eq!(out.report["paragraphs"]["cut"], 1);
}

/// `canon explain --out DIR ID`, expecting success; returns stdout.
fn explain(out: &std::path::Path, id: &str) -> String {
    let args: Vec<std::ffi::OsString> =
        vec!["explain".into(), "--out".into(), out.into(), id.into()];
    let o = run_canon(&args, out);
    assert_eq!(o.code, 0, "explain {id}: {}", o.stderr);
    assert!(o.stdout.contains(id), "{}", o.stdout);
    o.stdout
}

#[test]
fn explain_tells_each_documents_fate() {
    let (fx, _out) = mixed();
    let out = fx.out();
    let has = |text: &str, needles: &[&str]| {
        for n in needles {
            assert!(text.contains(n), "{n:?} not in:\n{text}");
        }
    };
    has(&explain(&out, "b-shared"), &["kept", "cluster of 2"]);
    has(&explain(&out, "a-01"), &["kept", "boilerplate", "相关推荐"]);
    has(
        &explain(&out, "a-shared"),
        &["exact duplicate of b-shared", &jsonl_source(&fx, 12)],
    );
    has(&explain(&out, "a-footer"), &["empty"]);
    has(
        &explain(&out, &jsonl_source(&fx, NO_TEXT_LINE)),
        &["invalid", "missing field `text`"],
    );
    // The broken page: the second title line (line 3) repeats line 1, line 4 had the
    // 10-character title cut, and the second copy of the body repeats the first.
    has(
        &explain(&out, "a-broken"),
        &[
            "line 3: removed by repair, repeats line 1",
            "line 4: 10 characters cut",
            "repeats line 4",
        ],
    );
    // Unknown ids are an error.
    let args: Vec<std::ffi::OsString> = vec![
        "explain".into(),
        "--out".into(),
        out.clone().into(),
        "no-such-id".into(),
    ];
    let o = run_canon(&args, &out);
    o.failure(1, &["no document with id `no-such-id`"]);
}

#[test]
fn near_duplicate_cluster_keeps_the_most_complete_text() {
    let fx = Fixture::new();
    // The same story twice; the later copy has one more sentence at the end.
    let short = clean_page(&SHARED, &[]);
    let longer = short.trim_end().to_owned() + "记者将持续关注三号线的开通进展。\n";
    let extra = [
        news_line("short", "x", &short),
        news_line("longer", "x", &longer),
    ];
    let p = site_b_plus(&fx, &extra);
    let out = fx.dedup(&[&p], &fx.out(), &[]).success();
    let d = out.dropped("short");
    assert_eq!(d["reason"], "near", "{d}");
    assert_eq!(d["kept_id"], "longer");
    assert_eq!(
        out.kept("longer")["canon"]["duplicates"],
        serde_json::json!(["short"])
    );
    assert_eq!(out.text("longer"), longer.trim_end());
    // Exact deduplication alone keeps both.
    let o2 = fx.root().join("out2");
    let out = fx.dedup(&[&p], &o2, &["--no-near"]).success();
    out.kept("short");
    out.kept("longer");
}
