//! Boilerplate is a site's chrome (issue "decisions across documents", class 4): paragraph
//! frequency is counted per site — the host of a record's URL (`--url-field`, the WET target
//! URI), else its input file, or a text page's directory — so short lines shared by pages of
//! unrelated sites (an author's name, `Introduction`, a poem's title) stay, and one site's
//! footer still goes from all its pages.

use crate::fixtures::*;
use crate::util::*;

/// A page: its first line, a body of its own (unrelated to every other page), a footer.
fn page(first: &str, seed: u64, footer: &[&str]) -> String {
    let mut s = format!("{first}\n{}", varied_text(seed, 300));
    for f in footer {
        s.push_str(f);
        s.push('\n');
    }
    s
}

fn json(id: &str, url_field: &str, url: &str, text: &str) -> String {
    format!(
        "{{\"id\":\"{id}\",\"{url_field}\":\"{url}\",\"text\":{}}}",
        js(text)
    )
}

/// Whether `text` has `line` as a paragraph of its own.
fn has(text: &str, line: &str) -> bool {
    has_paragraph(text, line)
}

#[test]
fn boilerplate_is_a_sites_chrome_not_any_short_line_that_recurs() {
    // JSON Lines, the URL in a field of its own name: six poems by one author and six
    // introductions, each on a site of its own; six pages of one site with its footer; and a
    // page of another site that quotes one footer line as content.
    let fx = Fixture::new();
    let mut lines = Vec::new();
    for i in 0..6u64 {
        let url = format!("https://poets{i}.example/maren/{i}");
        lines.push(json(
            &format!("poem{i}"),
            "link",
            &url,
            &page("Maren Holloway", i, &[]),
        ));
        let url = format!("http://www.essays{i}.example/intro");
        lines.push(json(
            &format!("intro{i}"),
            "link",
            &url,
            &page("Introduction", 10 + i, &[]),
        ));
        // One site, spelled with and without `www.`, upper and lower case.
        let host = ["www.news.example", "NEWS.example:8080", "news.example"][i as usize % 3];
        let url = format!("https://{host}/2024/{i}.html");
        let text = page(&format!("Headline number {i}"), 20 + i, &FOOTER_EN);
        lines.push(json(&format!("news{i}"), "link", &url, &text));
    }
    let quote = page("Share this story", 40, &[]);
    lines.push(json("other", "link", "https://other.example/q", &quote));
    let p = fx.write("mixed.jsonl", lines.join("\n") + "\n");
    let out = fx
        .dedup(&[&p], &fx.out(), &["--url-field", "link"])
        .success();
    for i in 0..6 {
        assert!(has(out.text(&format!("poem{i}")), "Maren Holloway"));
        assert!(has(out.text(&format!("intro{i}")), "Introduction"));
        let news = out.text(&format!("news{i}"));
        assert!(
            FOOTER_EN.iter().all(|f| !has(news, f)),
            "news{i} keeps its site's footer: {news}"
        );
        assert!(has(news, &format!("Headline number {i}")));
    }
    // A footer line of one site is content on another.
    assert!(has(out.text("other"), "Share this story"));
    // boilerplate.jsonl names the site; only the footer is there.
    let mut rows: Vec<(String, String, u64)> = out
        .boilerplate
        .iter()
        .map(|b| {
            (
                b["site"].as_str().unwrap().to_owned(),
                b["text"].as_str().unwrap().to_owned(),
                b["documents"].as_u64().unwrap(),
            )
        })
        .collect();
    rows.sort();
    let mut expected: Vec<(String, String, u64)> = FOOTER_EN
        .iter()
        .map(|f| ("news.example".to_owned(), f.to_string(), 6))
        .collect();
    expected.sort();
    assert_eq!(rows, expected);
    // `canon explain` says which site's chrome was removed.
    let o = assert_cmd::Command::cargo_bin("canon")
        .unwrap()
        .args(["explain", "--out"])
        .arg(fx.out())
        .arg("news0")
        .output()
        .unwrap();
    let said = String::from_utf8(o.stdout).unwrap();
    assert!(
        said.contains("site: news.example")
            && said.contains(
                "boilerplate (in 6 unrelated documents of site news.example): Back to top"
            ),
        "{said}"
    );

    // Without `--url-field`, the `url` field is not there: the whole file is one site, and
    // the shared first lines are that site's chrome (the behaviour before sites).
    let one = fx.dedup(&[&p], &fx.root().join("one-site"), &[]).success();
    assert!(!has(one.text("poem0"), "Maren Holloway"));
    assert!(!has(one.text("intro0"), "Introduction"));
}

#[test]
fn wet_records_are_grouped_by_target_uri_host() {
    let fx = Fixture::new();
    let mut wet = warcinfo();
    for i in 0..6u32 {
        let body = page("Introduction", u64::from(i), &[]);
        let url = format!("https://site{i}.example/a");
        wet.push_str(&wet_record("conversion", Some(&urn(i)), Some(&url), &body));
        let body = page(&format!("Story {i}"), 10 + u64::from(i), &FOOTER_EN);
        let url = format!("https://www.crawled.example/{i}");
        wet.push_str(&wet_record(
            "conversion",
            Some(&urn(10 + i)),
            Some(&url),
            &body,
        ));
    }
    let p = fx.write("crawl.warc.wet", wet);
    let out = fx.dedup(&[&p], &fx.out(), &[]).success();
    for i in 0..6 {
        assert!(has(out.text(&urn(i)), "Introduction"));
        let story = out.text(&urn(10 + i));
        assert!(FOOTER_EN.iter().all(|f| !has(story, f)), "{story}");
    }
    assert!(out
        .boilerplate
        .iter()
        .all(|b| b["site"] == "crawled.example"));
    assert_eq!(out.boilerplate.len(), 3);
}

#[test]
fn text_pages_of_one_directory_are_one_site() {
    // A maintainer's `pages/` directory (one site's pages, a file each) with the site's
    // footer; and six essays, each in a directory of its own, opening with `Introduction`.
    let fx = Fixture::new();
    for i in 0..6u64 {
        fx.write(
            &format!("pages/p{i}.txt"),
            page(&format!("Page {i}"), i, &FOOTER_EN),
        );
        fx.write(
            &format!("essays/e{i}/intro.txt"),
            page("Introduction", 10 + i, &[]),
        );
    }
    let out = fx.dedup_dir(&[]);
    for i in 0..6 {
        let p = out.text(&format!("pages/p{i}.txt"));
        assert!(FOOTER_EN.iter().all(|f| !has(p, f)), "{p}");
        assert!(has(
            out.text(&format!("essays/e{i}/intro.txt")),
            "Introduction"
        ));
    }
    assert_eq!(out.boilerplate.len(), 3);
    assert!(out.boilerplate[0]["site"]
        .as_str()
        .unwrap()
        .starts_with("dir:"));
}

/// The same page in two dumps without URLs (two sites: one per file) folds as an exact
/// duplicate even where one file's chrome (a footer on its pages) is not the other's: the
/// exact key leaves out every site's chrome.
#[test]
fn the_same_text_on_two_sites_folds_whatever_each_sites_chrome() {
    let fx = Fixture::new();
    let rec = |id: &str, text: &str| format!("{{\"id\":\"{id}\",\"text\":{}}}\n", js(text));
    let mut a = String::new();
    for i in 0..6u64 {
        a.push_str(&rec(
            &format!("a{i}"),
            &page(&format!("Story {i}"), 60 + i, &FOOTER_EN),
        ));
    }
    let shared = page("Story shared", 99, &FOOTER_EN);
    a.push_str(&rec("a-shared", &shared));
    fx.write("input/a.jsonl", a);
    fx.write("input/b.jsonl", rec("b-shared", &shared));
    let out = fx.dedup_dir(&[]);
    let fates = out.fates();
    // The copy that keeps more (site b does not treat the footer as chrome) is canonical.
    assert_eq!(fates["a-shared"], "exact", "{fates:?}");
    assert_eq!(out.dropped("a-shared")["kept_id"], "b-shared");
    // Site a's footer is gone from its pages.
    assert!(!has(out.text("a0"), "Back to top"));
}

/// A page made only of lines that are chrome on some site (here site A's footer, found by
/// proptest in `books_balance_on_random_corpora`: "doc-11 not with doc-3") has no line that is
/// content everywhere, so its exact key is what each copy keeps (`decide/facts.rs`): a copy
/// keeps the page minus its own site's chrome, is empty where that chrome covers it, and copies
/// whose sites' chrome differs keep different texts and both stay (nothing is lost; they are
/// not folded). With one line that is chrome nowhere the copies fold as usual.
#[test]
fn copies_of_a_page_made_only_of_chrome_lines_keep_what_their_own_site_leaves() {
    let rec = |id: &str, text: &str| format!("{{\"id\":\"{id}\",\"text\":{}}}\n", js(text));
    let run = |extra_line: &str| {
        let fx = Fixture::new();
        let shared = format!("{extra_line}{}\n", FOOTER_A.join("\n"));
        // Site a: FOOTER_A is its chrome (on two unrelated stories and the shared page).
        let mut a = String::new();
        for i in 0..2u64 {
            let id = format!("a{i}");
            a.push_str(&rec(&id, &page(&format!("Story {id}"), 70 + i, &FOOTER_A)));
        }
        a.push_str(&rec("a-copy", &shared));
        fx.write("input/a.jsonl", a);
        // Site b: no chrome.
        fx.write("input/b.jsonl", rec("b-copy", &shared));
        // Site c: only the footer's first line (相关推荐) is its chrome.
        let mut c = String::new();
        for i in 0..2u64 {
            let id = format!("c{i}");
            c.push_str(&rec(
                &id,
                &page(&format!("Story {id}"), 80 + i, &FOOTER_A[..1]),
            ));
        }
        c.push_str(&rec("c-copy", &shared));
        fx.write("input/c.jsonl", c);
        fx.dedup_dir(&["--boilerplate-min-docs", "2"])
    };

    let out = run("");
    let chrome: Vec<(&str, &str)> = out
        .boilerplate
        .iter()
        .map(|b| (b["text"].as_str().unwrap(), b["site"].as_str().unwrap()))
        .collect();
    let on = |site: &str| {
        let mut v: Vec<&str> = chrome
            .iter()
            .filter(|(_, s)| s.ends_with(&format!("{site}.jsonl")))
            .map(|(t, _)| *t)
            .collect();
        v.sort_unstable();
        v
    };
    let mut footer = FOOTER_A.to_vec();
    footer.sort_unstable();
    assert_eq!(on("a"), footer, "{chrome:?}");
    assert_eq!(on("b"), Vec::<&str>::new(), "{chrome:?}");
    assert_eq!(on("c"), vec![FOOTER_A[0]], "{chrome:?}");
    let fates = out.fates();
    // Site a's chrome covers its copy; site b keeps the whole page, site c all but its chrome.
    assert_eq!(fates["a-copy"], "empty", "{fates:?}");
    assert_eq!(fates["b-copy"], "canonical", "{fates:?}");
    assert_eq!(fates["c-copy"], "canonical", "{fates:?}");
    assert_eq!(out.text("b-copy"), FOOTER_A.join("\n"));
    assert_eq!(out.text("c-copy"), FOOTER_A[1..].join("\n"));
    for id in ["b-copy", "c-copy"] {
        let c = &out.kept(id)["canon"];
        assert_eq!(c["cluster_size"], 1, "{id}: {c}");
    }
    assert_eq!(
        out.kept("c-copy")["canon"]["removed"]["boilerplate_paragraphs"],
        1
    );
    // Site a's stories lose their footer, site c's its one chrome line.
    assert!(FOOTER_A.iter().all(|f| !has(out.text("a0"), f)));
    assert!(!has(out.text("c0"), FOOTER_A[0]));

    // The same page with a line of its own (chrome nowhere): one cluster, the copy that keeps
    // the most canonical, the others exact duplicates of it (site a's copy is no longer empty).
    let out = run("城西湿地公园迎来越冬候鸟\n");
    let fates = out.fates();
    assert_eq!(fates["b-copy"], "canonical", "{fates:?}");
    for id in ["a-copy", "c-copy"] {
        assert_eq!(fates[id], "exact", "{fates:?}");
        assert_eq!(out.dropped(id)["kept_id"], "b-copy");
    }
}

/// A page made only of chrome lines where each site's chrome is a line the other site keeps:
/// each copy keeps the line the other drops, so neither copy's text stands in the other, and
/// folding either would delete the only kept copy of a line that is content on its site. Both
/// stay, each without its own site's chrome.
#[test]
fn copies_of_a_page_made_only_of_chrome_lines_each_keep_the_line_the_other_site_drops() {
    let fx = Fixture::new();
    let rec = |id: &str, text: &str| format!("{{\"id\":\"{id}\",\"text\":{}}}\n", js(text));
    let shared = format!("{}\n{}\n", FOOTER_A[0], FOOTER_B[0]);
    let mut a = String::new();
    let mut b = String::new();
    for i in 0..2u64 {
        let id = format!("a{i}");
        a.push_str(&rec(
            &id,
            &page(&format!("Story {id}"), 90 + i, &FOOTER_A[..1]),
        ));
        let id = format!("b{i}");
        b.push_str(&rec(
            &id,
            &page(&format!("Story {id}"), 95 + i, &FOOTER_B[..1]),
        ));
    }
    a.push_str(&rec("a-copy", &shared));
    b.push_str(&rec("b-copy", &shared));
    fx.write("input/a.jsonl", a);
    fx.write("input/b.jsonl", b);
    let out = fx.dedup_dir(&["--boilerplate-min-docs", "2"]);
    let fates = out.fates();
    assert_eq!(fates["a-copy"], "canonical", "{fates:?}");
    assert_eq!(fates["b-copy"], "canonical", "{fates:?}");
    assert_eq!(out.text("a-copy"), FOOTER_B[0]);
    assert_eq!(out.text("b-copy"), FOOTER_A[0]);
    for id in ["a-copy", "b-copy"] {
        assert_eq!(out.kept(id)["canon"]["cluster_size"], 1, "{id}");
        assert_eq!(
            out.kept(id)["canon"]["removed"]["boilerplate_paragraphs"],
            1,
            "{id}"
        );
    }
}
