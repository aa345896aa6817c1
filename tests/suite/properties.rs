//! Properties, checked on pages built at random from a pool of real paragraphs (repeated,
//! glued, doubled, glossed, indented, CRLF) and on arbitrary text:
//! - repair only removes: what it keeps is, paragraph by paragraph and in order, pieces of the
//!   input lines, and it accounts for every removed character;
//! - repair is idempotent (on scraper-shaped pages; on arbitrary pages it is not yet, see
//!   `regression_glue_to_remainder_of_cut_paragraph`);
//! - whole runs on random small corpora (JSON Lines, WET or text pages) keep the books, give
//!   every document the fate its content calls for, and emit the repaired text.

use std::collections::HashMap;

use proptest::prelude::*;

use canon::repair::{Repaired, Repairer};

use crate::fixtures::*;
use crate::util::*;

const MIN_REPEAT: usize = canon::repair::DEFAULT_MIN_REPEAT;

/// `cases` cases (kept small so the suite stays fast), unless `PROPTEST_CASES` asks for more.
fn config(cases: u32) -> ProptestConfig {
    let env = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok());
    ProptestConfig {
        cases: env.unwrap_or(cases),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Paragraphs pages are built from: titles, body paragraphs, footers, short lines.
fn pool() -> Vec<String> {
    let mut v = Vec::new();
    for a in all_articles() {
        v.extend(a.lines());
    }
    v.extend(FOOTER_A.iter().chain(&FOOTER_B).map(|s| s.to_string()));
    v.extend(
        [
            "好的",
            "OK",
            "——",
            "😀 😀",
            "(GDP)",
            "第1页",
            "Ⅻ ﬁne Straße",
            "1. 2. 3.",
        ]
        .map(String::from),
    );
    v
}

/// One line of a generated page.
#[derive(Debug, Clone)]
enum Piece {
    /// A pool paragraph.
    Para(usize),
    /// Two pool paragraphs glued into one line (a title stuck to a paragraph).
    Glued(usize, usize),
    /// A pool paragraph twice in one line.
    Doubled(usize),
    /// A pool paragraph with a pinyin gloss after its first Han character.
    Glossed(usize),
    /// A pool paragraph with an indent.
    Indented(usize, &'static str),
    /// A blank or whitespace-only line.
    Blank(&'static str),
    /// Arbitrary text.
    Free(String),
}

fn piece() -> impl Strategy<Value = Piece> {
    let n = pool().len();
    prop_oneof![
        6 => (0..n).prop_map(Piece::Para),
        2 => (0..n, 0..n).prop_map(|(a, b)| Piece::Glued(a, b)),
        1 => (0..n).prop_map(Piece::Doubled),
        1 => (0..n).prop_map(Piece::Glossed),
        1 => (0..n, prop::sample::select(vec!["  ", "\u{3000}\u{3000}", "\t"]))
            .prop_map(|(a, i)| Piece::Indented(a, i)),
        1 => prop::sample::select(vec!["", " ", "\u{3000}", "\t \t"]).prop_map(Piece::Blank),
        1 => "[a-z 好的记者(jìzhě),。\u{3000}]{0,40}".prop_map(Piece::Free),
    ]
}

fn render(pieces: &[Piece], crlf: bool) -> String {
    let pool = pool();
    let mut s = String::new();
    for p in pieces {
        let line = match p {
            Piece::Para(i) => pool[*i].clone(),
            Piece::Glued(a, b) => format!("{}{}", pool[*a], pool[*b]),
            Piece::Doubled(i) => format!("{0}{0}", pool[*i]),
            Piece::Glossed(i) => {
                let t = &pool[*i];
                match t
                    .char_indices()
                    .find(|(_, c)| ('\u{4e00}'..='\u{9fff}').contains(c))
                {
                    Some((at, c)) => {
                        let at = at + c.len_utf8();
                        format!("{}(hǎo){}", &t[..at], &t[at..])
                    }
                    None => t.clone(),
                }
            }
            Piece::Indented(i, ind) => format!("{ind}{}", pool[*i]),
            Piece::Blank(b) => b.to_string(),
            Piece::Free(f) => f.clone(),
        };
        s.push_str(&line);
        s.push_str(if crlf { "\r\n" } else { "\n" });
    }
    s
}

/// A page built from the pool.
fn page() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(piece(), 0..14),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(pieces, crlf, final_newline)| {
            let mut s = render(&pieces, crlf);
            if !final_newline {
                let t = s.trim_end_matches(['\r', '\n']).len();
                s.truncate(t);
            }
            s
        })
}

/// Pool pages and, less often, arbitrary text with repeats.
fn any_page() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => page(),
        1 => "(?s).{0,300}",
        1 => (prop::collection::vec("[^\n]{0,60}", 1..6), prop::collection::vec(0usize..6, 0..12))
            .prop_map(|(parts, picks)| {
                // Lines made of repeated parts, so repeats and runs occur often.
                let mut s = String::new();
                for (k, i) in picks.iter().enumerate() {
                    s.push_str(&parts[i % parts.len()]);
                    s.push_str(&parts[(i + k) % parts.len()]);
                    s.push('\n');
                }
                s
            }),
    ]
}

/// The lines repair looks at: `(start offset, line without its line end)`, non-blank only.
fn paragraphs(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for raw in text.split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if !line.trim().is_empty() {
            out.push((start, line));
        }
        start += raw.len() + 1;
    }
    out
}

fn repair(text: &str) -> (Repaired, String) {
    let r = Repairer::new(MIN_REPEAT).repair(text);
    let t = r.text(text);
    (r, t)
}

/// Whether `needle`'s characters occur in `hay` in order.
fn is_subsequence(needle: &str, hay: &str) -> bool {
    let mut h = hay.chars();
    needle.chars().all(|c| h.any(|x| x == c))
}

/// The repair invariants for one page.
fn check_repair(text: &str) -> Result<(), TestCaseError> {
    let (r, out) = repair(text);
    let lines = paragraphs(text);
    // Each input paragraph is kept (as one output paragraph) or counted as repeated.
    prop_assert_eq!(
        r.paragraphs.len() + r.repeated_paragraphs as usize,
        lines.len()
    );
    // Pieces: in bounds, on character boundaries, in order, never overlapping, each inside
    // one line; a paragraph's pieces come from one line; paragraphs from increasing lines.
    let mut prev_end = 0;
    let mut prev_line = None;
    let mut kept_chars = 0u64;
    for p in &r.paragraphs {
        prop_assert!(!p.pieces.is_empty());
        let mut line_of = None;
        for piece in &r.pieces[p.pieces.clone()] {
            prop_assert!(piece.start >= prev_end && piece.start < piece.end);
            prop_assert!(
                text.get(piece.clone()).is_some(),
                "piece off a char boundary"
            );
            let li = lines
                .iter()
                .position(|(s, l)| *s <= piece.start && piece.end <= s + l.len());
            prop_assert!(li.is_some(), "piece {:?} spans lines", piece);
            prop_assert!(line_of.is_none() || line_of == li, "paragraph spans lines");
            line_of = li;
            prev_end = piece.end;
            kept_chars += text[piece.clone()].chars().count() as u64;
        }
        prop_assert!(prev_line < line_of, "paragraphs out of order");
        prev_line = line_of;
    }
    // Every removed character is counted.
    let total: u64 = lines.iter().map(|(_, l)| l.chars().count() as u64).sum();
    prop_assert_eq!(r.repeated_chars, total - kept_chars);
    // The text: one line per kept paragraph, each made of its line's characters in order,
    // and the line itself (trimmed) when nothing was cut.
    let emitted: Vec<&str> = if out.is_empty() {
        vec![]
    } else {
        out.split('\n').collect()
    };
    prop_assert_eq!(emitted.len(), r.paragraphs.len());
    let mut li = 0;
    for e in &emitted {
        prop_assert!(!e.trim().is_empty());
        while li < lines.len() && !is_subsequence(e, lines[li].1) {
            li += 1;
        }
        prop_assert!(
            li < lines.len(),
            "{:?} is not from an input line, in order",
            e
        );
        li += 1;
    }
    if r.cut_paragraphs == 0 {
        let mut li = 0;
        for e in &emitted {
            while li < lines.len() && lines[li].1.trim() != *e {
                li += 1;
            }
            prop_assert!(li < lines.len(), "{:?} is not an input line, in order", e);
            li += 1;
        }
    }
    prop_assert!(out.chars().count() <= text.chars().count());
    Ok(())
}

/// How a scraper broke a page.
#[derive(Debug, Clone, Copy)]
enum Layout {
    /// Title twice, title glued to the first paragraph, the body twice ([`broken_page`]).
    Broken,
    /// Title, then the whole body twice in one line.
    BodyTwiceInOneLine,
    /// Title, then each paragraph twice in its own line.
    ParagraphsDoubled,
}

/// A page of an article as a broken scraper saved it, and what repair should make of it
/// (`None` where short repeats may legitimately stay).
fn scraped_page() -> impl Strategy<Value = (String, Option<String>)> {
    let n = all_articles().len();
    (
        0..n,
        any::<bool>(),
        any::<bool>(),
        0usize..4,
        prop::sample::select(vec![
            Layout::Broken,
            Layout::BodyTwiceInOneLine,
            Layout::ParagraphsDoubled,
        ]),
        any::<bool>(),
    )
        .prop_map(|(i, gloss1, gloss2, footer, layout, crlf)| {
            let a = all_articles()[i];
            let footer: &[&str] = [&FOOTER_A[..], &FOOTER_B, &FOOTER_EN, &[]][footer];
            let plain: Vec<String> = a.lines()[1..].to_vec();
            let g = |on: bool| {
                if on {
                    gloss_all(a.paras, &COMMON_GLOSSES)
                } else {
                    plain.clone()
                }
            };
            let (first, second) = (g(gloss1), g(gloss2));
            let foot = footer.iter().map(|f| format!("{f}\n")).collect::<String>();
            let (page, expected) = match layout {
                Layout::Broken => (
                    broken_page(a.title, &first, &second, footer),
                    Some(format!("{}\n{}\n{foot}", a.title, first.join("\n"))),
                ),
                Layout::BodyTwiceInOneLine => (
                    format!(
                        "{}\n{}{}\n\n{foot}",
                        a.title,
                        first.concat(),
                        second.concat()
                    ),
                    Some(format!("{}\n{}\n{foot}", a.title, first.concat())),
                ),
                Layout::ParagraphsDoubled => {
                    let body: String = first
                        .iter()
                        .zip(&second)
                        .map(|(x, y)| format!("{x}{y}\n"))
                        .collect();
                    (format!("{}\n{body}{foot}", a.title), None)
                }
            };
            let page = if crlf {
                page.replace('\n', "\r\n")
            } else {
                page
            };
            (page, expected.map(|e| e.trim_end().to_owned()))
        })
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn repair_keeps_pieces_of_the_input_in_order(text in any_page()) {
        check_repair(&text)?;
    }

    #[test]
    fn scraped_pages_are_repaired_to_one_copy((page, expected) in scraped_page()) {
        check_repair(&page)?;
        let (_, once) = repair(&page);
        if let Some(e) = expected {
            prop_assert_eq!(&once, &e);
        }
        let (r2, twice) = repair(&once);
        prop_assert_eq!(&twice, &once);
        prop_assert_eq!(r2.repeated_chars, 0);
    }

    #[test]
    fn repair_is_idempotent(text in any_page()) {
        let (_, once) = repair(&text);
        let (r2, twice) = repair(&once);
        prop_assert_eq!(&twice, &once);
        prop_assert_eq!(r2.repeated_paragraphs, 0);
        prop_assert_eq!(r2.repeated_chars, 0);
        // The library's convenience function agrees.
        prop_assert_eq!(canon::repair_text(&text, MIN_REPEAT), once);
    }
}

/// A paragraph that had an earlier paragraph cut off (here: a footer line with the body glued
/// after it) is kept as its remainder; the remainder must be a glue candidate for later lines
/// too, or repairing the output again would cut what the first pass left (found by proptest).
#[test]
fn regression_glue_to_remainder_of_cut_paragraph() {
    let body = "第一段比较长的正文内容";
    let page = format!("{body}\n相关推荐{body}\n一条新闻标题相关推荐\n");
    let (_, once) = repair(&page);
    let (_, twice) = repair(&once);
    assert_eq!(twice, once);
}

/// One record of a generated corpus.
#[derive(Debug, Clone)]
enum Record {
    /// A page, with or without an id, with or without site A's footer.
    Page {
        text: String,
        id: bool,
        footer: bool,
    },
    /// A copy of an earlier record's page (by index modulo the pages so far).
    Copy(usize),
    /// A line that is not a valid record.
    Invalid(&'static str),
    /// A blank line (not a record).
    Blank,
}

fn record() -> impl Strategy<Value = Record> {
    prop_oneof![
        6 => (any_page(), prop::bool::weighted(0.85), prop::bool::weighted(0.5))
            .prop_map(|(text, id, footer)| Record::Page { text, id, footer }),
        3 => any::<usize>().prop_map(Record::Copy),
        1 => prop::sample::select(vec![
            r#"{"id":"x","text":"#,
            "[1]",
            r#"{"text":7}"#,
            r#"{"id":"no text"}"#,
        ])
        .prop_map(Record::Invalid),
        1 => Just(Record::Blank),
    ]
}

/// What a generated corpus should produce, per record: its id and its page text (`None`:
/// invalid).
struct Expect {
    id: String,
    text: Option<String>,
}

/// How a generated corpus is stored.
#[derive(Debug, Clone, Copy)]
enum Container {
    /// JSON Lines files, records dealt round-robin.
    Jsonl,
    /// WET files (after a `warcinfo` record), records dealt round-robin; invalid and blank
    /// records are left out.
    Wet,
    /// One text file per page; invalid and blank records are left out.
    Txt,
}

/// Writes the records into `fx`'s input directory; returns what each document should be.
fn write_corpus(
    fx: &Fixture,
    records: &[Record],
    container: Container,
    files: usize,
) -> Vec<Expect> {
    let ext = match container {
        Container::Jsonl => "jsonl",
        Container::Wet => "wet",
        Container::Txt => "txt",
    };
    let paths: Vec<_> = (0..files)
        .map(|f| fx.path(&format!("part-{f}.{ext}")))
        .collect();
    let mut data: Vec<String> = match container {
        Container::Wet => vec![warcinfo(); files],
        _ => vec![String::new(); files],
    };
    // Position within each file: JSON line, or WET record (the warcinfo record is #1).
    let mut pos = vec![
        match container {
            Container::Wet => 1,
            _ => 0,
        };
        files
    ];
    let mut pages: Vec<String> = Vec::new();
    let mut expect = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let f = i % files;
        let text_and_id = match r {
            Record::Page { text, id, footer } => {
                let mut t = text.clone();
                if *footer {
                    t.push('\n');
                    t.push_str(&FOOTER_A.join("\n"));
                }
                Some((t, *id))
            }
            Record::Copy(k) if !pages.is_empty() => Some((pages[k % pages.len()].clone(), true)),
            Record::Copy(_) => Some((String::new(), true)),
            _ => None,
        };
        match (container, r, text_and_id) {
            (Container::Jsonl, _, None) => {
                pos[f] += 1;
                if let Record::Invalid(raw) = r {
                    data[f].push_str(raw);
                    let id = format!("{}:{}", paths[f].display(), pos[f]);
                    expect.push(Expect { id, text: None });
                }
                data[f].push('\n');
            }
            (Container::Jsonl, _, Some((text, has_id))) => {
                pos[f] += 1;
                pages.push(text.clone());
                let member = if has_id {
                    format!("\"id\":\"doc-{i}\",")
                } else {
                    String::new()
                };
                data[f].push_str(&format!("{{{member}\"text\":{},\"i\":{i}}}\n", js(&text)));
                let id = if has_id {
                    format!("doc-{i}")
                } else {
                    format!("{}:{}", paths[f].display(), pos[f])
                };
                expect.push(Expect {
                    id,
                    text: Some(text),
                });
            }
            (Container::Wet, _, Some((text, has_id))) => {
                pos[f] += 1;
                pages.push(text.clone());
                let urn = has_id.then(|| urn(i as u32));
                data[f].push_str(&wet_record(
                    "conversion",
                    urn.as_deref(),
                    Some("https://p/"),
                    &text,
                ));
                let id = urn.unwrap_or_else(|| format!("{}#{}", paths[f].display(), pos[f]));
                expect.push(Expect {
                    id,
                    text: Some(text),
                });
            }
            (Container::Txt, _, Some((text, _))) => {
                pages.push(text.clone());
                let name = format!("page-{i:03}.txt");
                fx.write(&name, &text);
                // A byte-order mark at the start of a file is not text.
                let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_owned();
                expect.push(Expect {
                    id: name,
                    text: Some(text),
                });
            }
            (_, _, None) => {}
        }
    }
    if !matches!(container, Container::Txt) {
        for (p, d) in paths.iter().zip(&data) {
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, d).unwrap();
        }
    } else if expect.is_empty() {
        fx.write("placeholder.jsonl", ""); // canon needs an input file
    }
    expect
}

proptest! {
    #![proptest_config(config(40))]

    #[test]
    fn books_balance_on_random_corpora(
        records in prop::collection::vec(record(), 0..24),
        container in prop::sample::select(vec![Container::Jsonl, Container::Wet, Container::Txt]),
        files in 1usize..4,
        min_docs in 2usize..6,
        threads in 1usize..4,
    ) {
        check_corpus(&records, container, files, min_docs, threads)?;
    }
}

/// One run on a generated corpus: the books balance and every document has the fate its
/// content calls for.
fn check_corpus(
    records: &[Record],
    container: Container,
    files: usize,
    min_docs: usize,
    threads: usize,
) -> Result<(), TestCaseError> {
    let fx = Fixture::new();
    let expect = write_corpus(&fx, records, container, files);
    let mut cfg = canon::Config::new(vec![fx.input()], fx.out());
    cfg.run.threads = threads;
    cfg.options.boilerplate_min_docs = min_docs;
    let report = canon::run(&cfg, &canon::Progress::default()).expect("the run succeeds");
    let out = Outputs::read(&fx.out());
    out.check_books();
    prop_assert_eq!(report.documents.input as usize, expect.len());

    // Every record has the fate its content calls for.
    let fates = out.fates();
    prop_assert_eq!(fates.len(), expect.len());
    let mut by_text: HashMap<&str, Vec<&str>> = HashMap::new();
    for e in &expect {
        let fate = fates.get(&e.id).map(String::as_str);
        match &e.text {
            None => prop_assert_eq!(fate, Some("invalid")),
            Some(t) => {
                prop_assert!(
                    matches!(fate, Some("canonical" | "exact" | "near" | "empty")),
                    "{:?}",
                    fate
                );
                if canon::repair_text(t, MIN_REPEAT).is_empty() {
                    prop_assert_eq!(fate, Some("empty"));
                }
                by_text.entry(t).or_default().push(&e.id);
                if fate == Some("canonical") {
                    // What is kept is the repaired page minus some paragraphs
                    // (boilerplate, passages kept in another document), in order.
                    let repaired = canon::repair_text(t, MIN_REPEAT);
                    let kept = out.text(&e.id);
                    let mut rest = repaired.split('\n');
                    for p in kept.split('\n') {
                        prop_assert!(rest.any(|q| q == p), "{:?} not in {:?}", p, repaired);
                    }
                    let c = &out.kept(&e.id)["canon"];
                    if c["removed"]["boilerplate_paragraphs"] == 0
                        && c["removed"].get("passage_paragraphs").is_none()
                    {
                        prop_assert_eq!(kept, repaired.as_str());
                    }
                }
            }
        }
    }
    // Identical pages end up together: those left with text are all in one cluster,
    // unless the page is made only of chrome lines. Files are sites here, and a copy keeps
    // the page's paragraphs that are not its own site's chrome (`boilerplate.jsonl`: hash
    // and site), so it is empty exactly where its own site's chrome covers it. A page
    // with a paragraph that is chrome on no site folds whatever each site's chrome (the
    // exact key leaves out every site's chrome). A page every paragraph of which is
    // chrome on some site has nothing that is content everywhere: it is keyed by what
    // each copy keeps, so copies on sites whose chrome differs keep different texts and
    // may stay apart (both kept, nothing lost; see the sites suite's
    // `copies_of_a_page_made_only_of_chrome_lines_keep_what_their_own_site_leaves`);
    // copies that keep the same paragraphs are still in one cluster.
    let clusters = out.clusters();
    let chrome: std::collections::HashSet<(&str, &str)> = out
        .boilerplate
        .iter()
        .map(|b| (b["hash"].as_str().unwrap(), b["site"].as_str().unwrap()))
        .collect();
    let site: HashMap<&str, &str> = out
        .explain
        .iter()
        .map(|e| (e["id"].as_str().unwrap(), e["site"].as_str().unwrap()))
        .collect();
    let cluster_of = |id: &str| clusters.iter().position(|c| c.iter().any(|x| x == id));
    for (t, ids) in by_text.iter().filter(|(_, v)| v.len() > 1) {
        let paras: Vec<String> = Repairer::new(MIN_REPEAT)
            .repair(t)
            .paragraphs
            .iter()
            .map(|p| format!("{:016x}", p.hash))
            .collect();
        let kept = |id: &str| -> Vec<&String> {
            paras
                .iter()
                .filter(|h| !chrome.contains(&(h.as_str(), site[id])))
                .collect()
        };
        for id in ids {
            prop_assert_eq!(fates[*id] == "empty", kept(id).is_empty(), "{}", id);
        }
        let full: Vec<&&str> = ids.iter().filter(|id| fates[**id] != "empty").collect();
        let only_chrome = paras
            .iter()
            .all(|h| chrome.iter().any(|(c, _)| *c == h.as_str()));
        for id in &full {
            prop_assert!(cluster_of(id).is_some(), "{} in no cluster", id);
            // With the first copy, or (a page made only of chrome lines) with the first
            // copy that keeps the same paragraphs.
            let first = full
                .iter()
                .find(|f| !only_chrome || kept(f) == kept(id))
                .unwrap();
            prop_assert!(
                cluster_of(id) == cluster_of(first),
                "{} not with {} (keeping {:?} and {:?})",
                id,
                first,
                kept(id),
                kept(first)
            );
        }
        if files == 1 && matches!(container, Container::Jsonl) {
            // One site: identical pages have one fate.
            prop_assert!(full.is_empty() || full.len() == ids.len());
        }
    }
    Ok(())
}

/// The corpus `books_balance_on_random_corpora` found (shrunk): a page made only of site A's
/// footer on three sites (files) — empty on the first, where the footer is chrome; whole on
/// the second; without its first line on the third, where that line is chrome. Every line of
/// the page is chrome on some site, so the two copies left with text keep different texts and
/// stay apart (see the sites suite's
/// `copies_of_a_page_made_only_of_chrome_lines_keep_what_their_own_site_leaves`).
#[test]
fn regression_copies_of_a_page_made_only_of_chrome_lines_on_three_sites() {
    let page = |text: &str, footer: bool| Record::Page {
        text: text.to_owned(),
        id: false,
        footer,
    };
    let records = vec![
        page("", true),
        page("", false),
        page("", false),
        page("城西湿地公园迎来越冬候鸟", true),
        page("", false),
        page("城西湿地公园迎来越冬候鸟\n相关推荐", false),
        page("", false),
        page("", true),
        page("", true),
        page(
            "入冬以来,城西湿地公园陆续迎来大批越冬候鸟,管理处工作人员每天清晨沿步道记录鸟群数量。",
            true,
        ),
        page("", false),
        page(
            "经过四个月的施工,位于老街口的农贸市场昨天重新开门迎客,摊位由原来的六十个增加到八十个。",
            true,
        ),
    ];
    check_corpus(&records, Container::Jsonl, 3, 3, 1).unwrap();
}

/// Lines for pages with structure: short lines that recur (hours, answers, cells, a refrain)
/// and unrelated sentences, in several scripts. No key is the start or end of another, or two
/// others glued, so nothing in a page is a glued copy.
const STRUCTURE_LINES: &[&str] = &[
    "Monday",
    "9:00-17:00",
    "Closed",
    "Yes",
    "周二",
    "8:00-12:00",
    "是的",
    "はい",
    "いいえ",
    "ใช่ครับ",
    "네",
    "Nails | 0",
    "0",
    "We sail at dawn across the silent sea",
    "江边步道全线贯通，全长十二公里，串联起沿岸六个公园。",
    "The ferry company will add a second evening crossing to the island from June.",
    "ตลาดน้ำแห่งใหม่เปิดให้บริการแล้วตั้งแต่เช้าวันเสาร์",
];

proptest! {
    #![proptest_config(config(128))]

    /// A line that occurs once in a page is never removed, whatever recurs around it.
    #[test]
    fn repair_never_removes_a_line_that_occurs_once_in_a_page(
        picks in prop::collection::vec(0..STRUCTURE_LINES.len(), 0..24),
    ) {
        let page: String = picks.iter().map(|&i| format!("{}\n", STRUCTURE_LINES[i])).collect();
        let (_, once) = repair(&page);
        let out: Vec<&str> = once.split('\n').collect();
        for &i in &picks {
            if picks.iter().filter(|&&j| j == i).count() == 1 {
                let line = STRUCTURE_LINES[i];
                prop_assert!(out.contains(&line), "{:?} removed from {:?}: {:?}", line, page, once);
            }
        }
        let (r2, twice) = repair(&once);
        prop_assert_eq!(&twice, &once);
        prop_assert!(r2.events.is_empty());
    }
}

/// How a generated JSON line writes its text value: as `serde_json` does, or in one of the
/// other spellings real dumps use (each still the same string).
#[derive(Debug, Clone, Copy)]
enum Spelling {
    Serde,
    /// `\/` for every `/`.
    EscapedSlash,
    /// Every character outside ASCII as `\uXXXX` (Python's `ensure_ascii`).
    AsciiOnly,
    /// Line ends as `\u000a` instead of `\n`.
    UnicodeNewline,
}

fn spell(text: &str, how: Spelling) -> String {
    let serde = js(text);
    match how {
        Spelling::Serde => serde,
        Spelling::EscapedSlash => serde.replace('/', "\\/"),
        Spelling::AsciiOnly => {
            let mut s = String::new();
            for c in serde.chars() {
                if c.is_ascii() {
                    s.push(c);
                } else {
                    let mut units = [0u16; 2];
                    for u in c.encode_utf16(&mut units) {
                        s.push_str(&format!("\\u{u:04x}"));
                    }
                }
            }
            s
        }
        Spelling::UnicodeNewline => serde.replace("\\n", "\\u000a"),
    }
}

proptest! {
    #![proptest_config(config(40))]

    /// Every canonical line is its input line with the kept text spliced in as `serde_json`
    /// writes it and the `canon` member added — also when the line is copied as it was read
    /// (a record nothing was taken from, whose text is already spelled that way), and never
    /// when it is spelled otherwise; and the kept text is the repaired page when nothing else
    /// (boilerplate, a passage kept elsewhere) was taken out.
    #[test]
    fn canonical_lines_are_input_lines_with_the_kept_text_spliced_in(
        pages in prop::collection::vec(
            (
                any_page(),
                prop::sample::select(vec![
                    Spelling::Serde,
                    Spelling::Serde,
                    Spelling::EscapedSlash,
                    Spelling::AsciiOnly,
                    Spelling::UnicodeNewline,
                ]),
                prop::bool::weighted(0.3),
            ),
            1..10,
        ),
        min_docs in 2usize..4,
    ) {
        let fx = Fixture::new();
        let mut data = String::new();
        let mut inputs: HashMap<String, (String, String)> = HashMap::new();
        for (i, (page, how, footer)) in pages.iter().enumerate() {
            let mut text = page.clone();
            if *footer {
                text.push('\n');
                text.push_str(&FOOTER_A.join("\n"));
            }
            let id = format!("doc-{i}");
            let line = format!(
                "{{\"id\":\"{id}\",\"text\":{},\"url\":\"https://a.example/{i}\",\"meta\":{{\"n\":[{i},\"/\"]}}}}",
                spell(&text, *how)
            );
            data.push_str(&line);
            data.push('\n');
            inputs.insert(id, (line, text));
        }
        fx.write("in.jsonl", &data);
        let mut cfg = canon::Config::new(vec![fx.input()], fx.out());
        cfg.options.boilerplate_min_docs = min_docs;
        canon::run(&cfg, &canon::Progress::default()).expect("the run succeeds");
        let out = std::fs::read_to_string(fx.out().join("canonical.jsonl")).unwrap();
        for got in out.lines() {
            let v: serde_json::Value = serde_json::from_str(got).unwrap();
            let (line, text) = &inputs[v["id"].as_str().unwrap()];
            let kept = v["text"].as_str().unwrap();
            // Where the text value is in the input line.
            #[derive(serde::Deserialize)]
            struct Raw<'a> {
                #[serde(borrow)]
                text: &'a serde_json::value::RawValue,
            }
            let raw: Raw = serde_json::from_str(line).unwrap();
            let at = raw.text.get().as_ptr() as usize - line.as_ptr() as usize;
            let end = at + raw.text.get().len();
            let canon = &got[got.rfind(",\"canon\":").unwrap()..];
            let want = format!("{}{}{}{canon}", &line[..at], js(kept), &line[end..line.len() - 1]);
            prop_assert_eq!(got, want.as_str());
            let removed = &v["canon"]["removed"];
            if removed["boilerplate_paragraphs"] == 0 && removed.get("passage_paragraphs").is_none() {
                let repaired = canon::repair_text(text, MIN_REPEAT);
                prop_assert_eq!(kept, repaired.as_str());
            }
        }
    }
}
