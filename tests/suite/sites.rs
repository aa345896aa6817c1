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
