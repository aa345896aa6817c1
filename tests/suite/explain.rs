//! `canon explain` as a new user meets it (issue 12): a document found by its source as the
//! outputs print it, in every input format; ids with JSON escapes; a kept document's cluster
//! members; the text repair removed; `--json` lines that parse.

use std::ffi::OsString;
use std::path::Path;

use serde_json::Value;

use crate::fixtures::{js, urn, varied_text, warcinfo, wet_record};
use crate::util::{run_canon, Fixture};

/// `canon explain --out OUT <query> [extra]`, expecting success; returns stdout.
fn explain(out: &Path, query: &str, extra: &[&str]) -> String {
    let mut args: Vec<OsString> = vec!["explain".into(), "--out".into(), out.into()];
    args.push(query.into());
    args.extend(extra.iter().map(OsString::from));
    let o = run_canon(&args, out);
    assert_eq!(o.code, 0, "explain {query:?}: {}", o.stderr);
    assert!(!o.stdout.is_empty(), "explain {query:?} printed nothing");
    o.stdout
}

fn jsonl(id: &str, text: &str) -> String {
    format!("{{\"id\":{},\"text\":{}}}\n", js(id), js(text))
}

/// An id with a backslash, a quote and a tab: JSON writes each escaped.
const ESCAPED_ID: &str = "a\\b\"c\td";

/// news.jsonl: `long` (kept), `long-zw` (its exact copy with a zero-width space, which loses
/// as the noisier copy), `short-a` and `short-b` (its text without the last paragraph: near
/// copies of it), and a document with an escaped id; a text page and a WET record.
fn corpus() -> Fixture {
    let fx = Fixture::new();
    let body = varied_text(11, 2400);
    let long = format!("{body}A last paragraph that only the long copy has, 424242.\n");
    let noisy = long.replacen("harbor", "har\u{200b}bor", 1);
    let noisy = if noisy == long {
        long.replacen(' ', " \u{200b}", 1)
    } else {
        noisy
    };
    let lines = [
        jsonl("short-a", &body),
        jsonl("long", &long),
        jsonl("short-b", &body),
        jsonl("long-zw", &noisy),
        jsonl(ESCAPED_ID, &varied_text(12, 900)),
    ];
    fx.write("news.jsonl", lines.concat());
    fx.write("pages/page.txt", varied_text(13, 700));
    let wet = warcinfo()
        + &wet_record(
            "conversion",
            Some(&urn(1)),
            Some("https://example.org/one"),
            &varied_text(14, 700),
        );
    fx.write("crawl.warc.wet", wet);
    fx
}

#[test]
fn explain_finds_a_document_by_its_source_in_every_format() {
    let fx = corpus();
    let out = fx.dedup_dir(&[]);
    // The sources exactly as the outputs print them: `path:line`, `path`, `path#record`.
    let mut sources: Vec<(String, String)> = out
        .explain
        .iter()
        .map(|e| {
            (
                e["source"].as_str().unwrap().to_owned(),
                e["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    sources.sort();
    let news = fx.path("news.jsonl").display().to_string();
    assert!(
        sources.contains(&(format!("{news}:2"), "long".into())),
        "{sources:?}"
    );
    assert!(
        sources.iter().any(|(s, _)| s.ends_with("page.txt")),
        "{sources:?}"
    );
    assert!(
        sources.iter().any(|(s, _)| s.ends_with(".wet#2")),
        "{sources:?}"
    );
    for (source, id) in &sources {
        let text = explain(&fx.out(), source, &[]);
        let first = text.lines().next().unwrap();
        assert_eq!(first, format!("{id} ({source})"), "{text}");
    }
    // The source of a dropped document, as dropped.jsonl prints it.
    let dropped = out.dropped("short-b");
    let text = explain(&fx.out(), dropped["source"].as_str().unwrap(), &[]);
    assert!(text.starts_with("short-b ("), "{text}");
    assert!(text.contains("near-duplicate of long"), "{text}");
    // Neither an id nor a source: an error that says what a source looks like.
    let args: Vec<OsString> = vec![
        "explain".into(),
        "--out".into(),
        fx.out().into(),
        format!("{news}:99").into(),
    ];
    run_canon(&args, &fx.out()).failure(
        1,
        &["no document with id", "nor one read at source", "path:line"],
    );
}

#[test]
fn explain_finds_ids_with_backslash_quote_and_tab() {
    let fx = corpus();
    fx.dedup_dir(&[]);
    let text = explain(&fx.out(), ESCAPED_ID, &[]);
    assert!(text.starts_with(&format!("{ESCAPED_ID} (")), "{text}");
    assert!(text.contains("kept: no duplicate found"), "{text}");
    let json: Value = serde_json::from_str(explain(&fx.out(), ESCAPED_ID, &["--json"]).trim())
        .expect("--json prints one JSON line");
    assert_eq!(json["id"], ESCAPED_ID);
}

#[test]
fn explain_of_a_kept_document_lists_its_cluster_members() {
    let fx = corpus();
    let out = fx.dedup_dir(&[]);
    assert_eq!(out.dropped("long-zw")["reason"], "exact");
    assert_eq!(out.dropped("short-a")["reason"], "near");
    let text = explain(&fx.out(), "long", &[]);
    assert!(text.contains("cluster of 4 documents"), "{text}");
    let news = fx.path("news.jsonl").display().to_string();
    for member in [
        format!("    short-a ({news}:1): near-duplicate, Jaccard similarity 0."),
        format!("    short-b ({news}:3): near-duplicate, Jaccard similarity 0."),
        format!("    long-zw ({news}:4): exact duplicate"),
    ] {
        assert!(text.contains(&member), "{member:?} not in:\n{text}");
    }
    // The members are those that dropped.jsonl folds into it, in input order.
    let json: Value = serde_json::from_str(explain(&fx.out(), "long", &["--json"]).trim()).unwrap();
    let ids: Vec<&str> = json["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["short-a", "short-b", "long-zw"]);
    assert_eq!(json["members"][2]["similarity"], 1.0);
}

#[test]
fn explain_json_lines_parse_and_carry_the_explain_record() {
    let fx = corpus();
    let out = fx.dedup_dir(&[]);
    for e in &out.explain {
        let source = e["source"].as_str().unwrap();
        let printed = explain(&fx.out(), source, &["--json"]);
        let lines: Vec<&str> = printed.lines().collect();
        assert_eq!(lines.len(), 1, "{printed}");
        let v: Value = serde_json::from_str(lines[0]).expect("a JSON line");
        for field in [
            "id",
            "source",
            "fate",
            "cluster_size",
            "repair",
            "boilerplate",
        ] {
            assert_eq!(v[field], e[field], "{field} of {source}");
        }
        assert!(
            v["members"].is_array() && v["boilerplate_text"].is_array(),
            "{v}"
        );
    }
}

#[test]
fn explain_shows_the_text_repair_removed() {
    let fx = Fixture::new();
    let title = "The Harbor Ferry Returns This Spring";
    let body1 = "The ferry service across the harbor will run again from April, the council said on Monday after a long winter of repairs.";
    let body2 = "Tickets cost the same as last year, and bicycles ride free on weekday mornings until the summer timetable begins.";
    let page = format!("{title}\n{title}\n{title} {body1}\n{body2}\n");
    fx.write("ferry.txt", &page);
    let out = fx.dedup_dir(&[]);
    assert_eq!(out.text("ferry.txt"), format!("{title}\n{body1}\n{body2}"));
    let text = explain(&fx.out(), "ferry.txt", &[]);
    assert!(
        text.contains(&format!(
            "line 2: removed by repair, repeats line 1: {title}\n"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "line 3: 37 characters cut by repair (glued or repeated text): {title}\n"
        )),
        "{text}"
    );
    // What --json gives, parallel to `repair`.
    let v: Value =
        serde_json::from_str(explain(&fx.out(), "ferry.txt", &["--json"]).trim()).unwrap();
    assert_eq!(v["repair_text"], serde_json::json!([title, title]));
}
