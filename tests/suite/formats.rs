//! Input formats: compression, WET records, text page ids, forced formats, JSON field options,
//! ids, line ends, and degenerate files.

use serde_json::{json, Value};

use crate::fixtures::*;
use crate::util::*;

/// A small JSON Lines file with a duplicate (glossed vs clean), an invalid line, a record
/// without id and a footer shared by six pages (so the boilerplate stage has work to do).
fn sample_jsonl() -> String {
    let mut lines = Vec::new();
    for (i, a) in SITE_A.iter().enumerate() {
        lines.push(news_line(
            &format!("a-{i}"),
            "news.example-a.cn",
            &clean_page(a, &FOOTER_A),
        ));
    }
    lines.push(news_line(
        "shared-glossed",
        "news.example-a.cn",
        &broken_page(
            SHARED.title,
            &gloss_all(SHARED.paras, &SHARED_GLOSSES),
            &SHARED.lines()[1..],
            &FOOTER_A,
        ),
    ));
    lines.push(r#"{"id":"cut","text":"半截"#.to_owned());
    lines.push(format!(r#"{{"text":{}}}"#, js(&clean_page(&SHARED, &[]))));
    lines.push(news_line(
        "footer",
        "news.example-a.cn",
        &FOOTER_A.join("\n"),
    ));
    lines.join("\n") + "\n"
}

/// A WET file with three conversion records (one a copy of another).
fn sample_wet() -> String {
    warcinfo()
        + &wet_record(
            "conversion",
            Some(&urn(1)),
            Some("https://a.example/1"),
            &clean_page(&ENGLISH[0], &[]),
        )
        + &wet_record(
            "conversion",
            Some(&urn(2)),
            Some("https://b.example/2"),
            &clean_page(&WET_ZH, &[]),
        )
        + &wet_record(
            "conversion",
            Some(&urn(3)),
            Some("https://c.example/3"),
            &clean_page(&ENGLISH[0], &[]),
        )
}

/// Splits `data` into two parts at about the middle, in the middle of a line.
fn halves(data: &[u8]) -> (&[u8], &[u8]) {
    let mut mid = data.len() / 2;
    while data[mid] == b'\n' || std::str::from_utf8(&data[..mid]).is_err() {
        mid += 1;
    }
    data.split_at(mid)
}

/// Runs canon on one file and returns the outputs with the file's path replaced by `FILE`,
/// and the report without its run section and on-disk size.
fn run_one(name: &str, contents: &[u8]) -> (String, String, Value) {
    let fx = Fixture::new();
    let p = fx.write(name, contents);
    let out = fx.dedup(&[&p], &fx.out(), &[]).success();
    let (c, d, mut r) = out.normalized(&p, "FILE");
    r["inputs"].as_object_mut().unwrap().remove("bytes_on_disk");
    (c, d, r)
}

fn check_compressed_like_plain(plain_name: &str, plain: &[u8]) {
    let (c0, d0, r0) = run_one(plain_name, plain);
    assert!(c0.contains("FILE"), "the source names the file: {c0}");
    let (h1, h2) = halves(plain);
    let zstd_frames: Vec<u8> = [zstd(h1), zstd(h2)].concat();
    let variants: Vec<(String, Vec<u8>)> = vec![
        (format!("{plain_name}.gz"), gzip(plain)),
        (format!("{plain_name}.gz"), gzip_members(&[h1, h2])),
        (format!("{plain_name}.zst"), zstd(plain)),
        (format!("{plain_name}.zst"), zstd_frames),
    ];
    for (i, (name, bytes)) in variants.iter().enumerate() {
        let (c, d, r) = run_one(name, bytes);
        assert_eq!(c, c0, "canonical.jsonl of variant {i} ({name})");
        assert_eq!(d, d0, "dropped.jsonl of variant {i} ({name})");
        assert_eq!(r, r0, "report of variant {i} ({name})");
    }
}

#[test]
fn compressed_jsonl_reads_like_plain() {
    check_compressed_like_plain("news.jsonl", sample_jsonl().as_bytes());
}

#[test]
fn compressed_wet_reads_like_plain() {
    check_compressed_like_plain("crawl.warc.wet", sample_wet().as_bytes());
}

#[test]
fn compressed_text_page_reads_like_plain() {
    let page = broken_page_indented(
        ENGLISH[2].title,
        &ENGLISH[2].lines()[1..],
        &ENGLISH[2].lines()[1..],
        &[],
        "  ",
    );
    check_compressed_like_plain("garden.txt", page.as_bytes());
    // The id drops the compression suffix.
    let fx = Fixture::new();
    fx.write("garden.txt.gz", gzip(page.as_bytes()));
    let out = fx.dedup_dir(&[]);
    assert_eq!(out.canonical_ids(), ["garden.txt"]);
    assert_eq!(out.text("garden.txt"), ENGLISH[2].lines().join("\n"));
}

#[test]
fn multi_member_gzip_wet_with_one_member_per_record() {
    let records = [
        warcinfo(),
        wet_record(
            "conversion",
            Some(&urn(1)),
            Some("https://a/1"),
            &clean_page(&ENGLISH[0], &[]),
        ),
        wet_record(
            "conversion",
            Some(&urn(2)),
            Some("https://a/2"),
            &clean_page(&ENGLISH[1], &[]),
        ),
        wet_record(
            "conversion",
            Some(&urn(3)),
            Some("https://a/3"),
            &clean_page(&ENGLISH[2], &[]),
        ),
    ];
    let parts: Vec<&[u8]> = records.iter().map(|r| r.as_bytes()).collect();
    let fx = Fixture::new();
    fx.write("cc/CC-MAIN-0001.warc.wet.gz", gzip_members(&parts));
    let out = fx.dedup_dir(&[]);
    assert_eq!(out.canonical_ids(), [urn(1), urn(2), urn(3)]);
    assert_eq!(out.report["inputs"]["wet_other_records"], 1);
    assert_eq!(
        out.report["inputs"]["bytes_decompressed"],
        records.iter().map(String::len).sum::<usize>() as u64
    );
}

#[test]
fn wet_ids_and_urls() {
    let fx = Fixture::new();
    let body = |a: &Article| clean_page(a, &[]);
    let wet = warcinfo()
        + &wet_record("conversion", Some(&urn(1)), Some("https://a.example/one?x=1&y=2"), &body(&ENGLISH[0]))
        // A record of another type between conversions still counts as a record.
        + &wet_record("metadata", Some(&urn(9)), Some("https://a.example/one"), "fetchTimeMs: 12\r\n")
        // No target URI: no url member.
        + &wet_record("conversion", Some(&urn(2)), None, &body(&ENGLISH[1]))
        // No record id: the source is the id.
        + &wet_record("conversion", None, Some("https://c.example/3"), &body(&WET_ZH))
        // CRLF line ends inside the body.
        + &wet_record(
            "conversion",
            Some(&urn(4)),
            Some("https://d.example/4"),
            &body(&ENGLISH[2]).replace('\n', "\r\n"),
        );
    let p = fx.write("crawl.wet", wet);
    let out = fx.dedup_dir(&[]);
    let src = |n: u32| format!("{}#{n}", p.display());
    let one = out.kept(&urn(1));
    assert_eq!(one["url"], "https://a.example/one?x=1&y=2");
    assert_eq!(one["canon"]["source"], src(2));
    assert_eq!(one["text"], ENGLISH[0].lines().join("\n"));
    let two = out.kept(&urn(2));
    assert!(two.get("url").is_none(), "{two}");
    assert_eq!(two["canon"]["source"], src(4));
    let three = out.kept(&src(5));
    assert_eq!(three["id"], src(5));
    assert_eq!(three["url"], "https://c.example/3");
    assert_eq!(out.text(&urn(4)), ENGLISH[2].lines().join("\n"));
    assert_eq!(out.canonical_ids(), [urn(1), urn(2), src(5), urn(4)]);
    assert_eq!(out.report["inputs"]["wet_other_records"], 2);
    assert_eq!(out.report["inputs"]["files"], json!({"wet": 1}));
}

#[test]
fn wet_with_lf_header_lines() {
    let fx = Fixture::new();
    let body = clean_page(&ENGLISH[3], &[]);
    let rec =
        wet_record("conversion", Some(&urn(1)), Some("https://x/1"), &body).replace("\r\n", "\n");
    // The body's byte count is unchanged (it had no CR); only header lines lost theirs.
    fx.write("lf.warc.wet", rec);
    let out = fx.dedup_dir(&[]);
    assert_eq!(out.canonical_ids(), [urn(1)]);
    assert_eq!(out.text(&urn(1)), ENGLISH[3].lines().join("\n"));
}

#[test]
fn text_page_ids_are_relative_to_the_input_root() {
    let fx = Fixture::new();
    let page = |i: usize| clean_page(&ENGLISH[i], &[]);
    fx.write("top.txt", page(0));
    fx.write("sub/second.txt", page(1));
    fx.write("sub/deeper/third.txt.gz", gzip(page(2).as_bytes()));
    fx.write("sub/deeper/fourth.TXT.zst", zstd(page(3).as_bytes()));
    let out = fx.dedup_dir(&[]);
    let mut ids = out.canonical_ids();
    ids.sort();
    assert_eq!(
        ids,
        [
            "sub/deeper/fourth.TXT",
            "sub/deeper/third.txt",
            "sub/second.txt",
            "top.txt"
        ]
    );
    assert_eq!(out.report["inputs"]["files"], json!({"text": 4}));
    assert_eq!(
        out.kept("sub/second.txt")["canon"]["source"],
        fx.path("sub/second.txt").display().to_string()
    );

    // A subfolder as the input root, and a file named on the command line.
    let sub = fx.path("sub");
    let top = fx.path("top.txt");
    let o2 = fx.root().join("out2");
    let out = fx.dedup(&[&sub, &top], &o2, &[]).success();
    assert_eq!(
        out.canonical_ids(),
        [
            "deeper/fourth.TXT",
            "deeper/third.txt",
            "second.txt",
            "top.txt"
        ]
    );
}

#[test]
fn directories_are_walked_in_sorted_order_and_unknown_files_skipped() {
    let fx = Fixture::new();
    let line = |id: &str, i: usize| news_line(id, "s", &clean_page(&SITE_B[i], &[])) + "\n";
    fx.write("b.jsonl", line("from-b", 1));
    fx.write("a/z.jsonl", line("from-a-z", 2));
    fx.write("a.ndjson", line("from-a-ndjson", 3));
    fx.write("c.json", line("from-c", 4));
    fx.write("notes.md", "# not an input\n");
    fx.write("a/readme", "no extension\n");
    let out = fx.dedup_dir(&[]);
    // Sorted by name at each level: "a" < "a.ndjson" < "b.jsonl" < "c.json".
    assert_eq!(
        out.canonical_ids(),
        ["from-a-z", "from-a-ndjson", "from-b", "from-c"]
    );
    let mut skipped: Vec<String> = out.report["inputs"]["skipped_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    skipped.sort();
    assert_eq!(
        skipped,
        [
            fx.path("a/readme").display().to_string(),
            fx.path("notes.md").display().to_string()
        ]
    );
}

#[test]
fn format_option_reads_unknown_extensions() {
    let fx = Fixture::new();
    let data = news_line("d1", "s", &clean_page(&SITE_A[0], &[])) + "\n";
    let p = fx.write("export.data", &data);
    // Without --format an explicit file of unknown type is a usage error.
    fx.dedup(&[&p], &fx.out(), &[])
        .failure(2, &["export.data", "unknown input type"]);
    let out = fx.dedup(&[&p], &fx.out(), &["--format", "jsonl"]).success();
    assert_eq!(out.canonical_ids(), ["d1"]);
    assert_eq!(out.report["options"]["format"], "jsonl");
    assert_eq!(out.report["inputs"]["files"], json!({"jsonl": 1}));

    // --format wet for a .warc file, compressed: the compression suffix is still honoured.
    let wet = fx.write(
        "crawl.warc.gz",
        gzip(wet_record("conversion", Some(&urn(5)), None, &clean_page(&WET_ZH, &[])).as_bytes()),
    );
    let o2 = fx.root().join("out2");
    let out = fx.dedup(&[&wet], &o2, &["--format", "wet"]).success();
    assert_eq!(out.canonical_ids(), [urn(5)]);

    // --format txt on a directory reads every file as a page, whatever its name.
    let fx = Fixture::new();
    fx.write("notes.md", clean_page(&ENGLISH[0], &[]));
    fx.write("page.html", clean_page(&ENGLISH[1], &[]));
    let out = fx.dedup_dir(&["--format", "txt"]);
    assert_eq!(out.canonical_ids(), ["notes.md", "page.html"]);
    assert_eq!(out.report["inputs"]["skipped_files"], json!([]));
}

#[test]
fn text_and_id_field_options() {
    let fx = Fixture::new();
    let body = clean_page(&SITE_A[2], &[]);
    let glossed = gloss(&body, &[("图书馆", "túshūguǎn")]);
    let first = format!(
        r#"{{"doc_id":"lib-1","text":"summary, kept as is","body":{},"id":"not-this"}}"#,
        js(&glossed)
    );
    let second = format!(
        r#"{{"body":{},"doc_id":"lib-2","text":"another summary"}}"#,
        js(&body)
    );
    let data = format!("{first}\n{second}\n");
    let p = fx.write("custom.jsonl", data);
    let out = fx
        .dedup(
            &[&p],
            &fx.out(),
            &["--text-field", "body", "--id-field", "doc_id"],
        )
        .success_with("doc_id", "body");
    // The unglossed copy wins; the other fields are untouched.
    assert_eq!(out.canonical_ids(), ["lib-2"]);
    let kept = out.kept("lib-2");
    assert_eq!(kept["body"], SITE_A[2].lines().join("\n"));
    assert_eq!(kept["text"], "another summary");
    assert_eq!(kept["canon"]["duplicates"], json!(["lib-1"]));
    let d = out.dropped("lib-1");
    assert_eq!(d["kept_id"], "lib-2");
    assert_eq!(out.report["options"]["text_field"], "body");
    assert_eq!(out.report["options"]["id_field"], "doc_id");

    // Records without the text field are invalid and say which field is missing.
    let p = fx.write(
        "other.jsonl",
        r#"{"doc_id":"x","text":"has text but no body"}"#,
    );
    let o2 = fx.root().join("out2");
    let out = fx
        .dedup(
            &[&p],
            &o2,
            &["--text-field", "body", "--id-field", "doc_id"],
        )
        .success_with("doc_id", "body");
    assert_eq!(
        out.dropped(&format!("{}:1", p.display()))["error"],
        "missing field `body`"
    );
}

#[test]
fn numeric_and_missing_ids() {
    let fx = Fixture::new();
    let page = clean_page(&SITE_B[3], &[]);
    // The copies repeat their title line, which repair removes: same key, and "42" wins on
    // fewer removed paragraphs.
    let copy = format!("{}\n{page}", SITE_B[3].title);
    let data = [
        format!(r#"{{"id":42,"text":{}}}"#, js(&page)),
        format!(r#"{{"id":7,"text":{}}}"#, js(&copy)),
        format!(r#"{{"text":{},"id":null}}"#, js(&copy)),
        format!(r#"{{"text":{}}}"#, js(&clean_page(&SITE_B[4], &[]))),
        format!(r#"{{"text":{}}}"#, js(&clean_page(&SITE_B[4], &[]))),
        format!(r#"{{"id":-3.50,"text":{}}}"#, js(&copy)),
    ]
    .join("\n");
    let p = fx.write("ids.jsonl", data);
    let out = fx.dedup_dir(&[]);
    let src = |l: usize| format!("{}:{l}", p.display());
    assert_eq!(out.canonical_ids(), ["42", src(4).as_str()]);
    // The number stays a number in the original object.
    assert!(out.canonical_raw.starts_with(r#"{"id":42,"text":"#));
    // Ids that are numbers keep their digits as written.
    assert_eq!(
        out.kept("42")["canon"]["duplicates"],
        json!(["7", src(3), "-3.50"])
    );
    assert_eq!(out.dropped("-3.50")["kept_id"], "42");
    assert_eq!(out.dropped("7")["kept_id"], "42");
    let no_id = out.dropped(&src(3));
    assert_eq!(no_id["source"], src(3));
    assert_eq!(no_id["kept_id"], "42");
    // A record without id is named by its source, in kept_id too. Records 4 and 5 are the
    // same bytes: the earlier one is kept.
    let kept = out.kept(&src(4));
    assert!(kept.get("id").is_none());
    assert_eq!(out.dropped(&src(5))["kept_id"], src(4));
}

#[test]
fn crlf_jsonl_reads_like_lf() {
    let lf = sample_jsonl();
    let crlf = lf.replace('\n', "\r\n");
    let (c0, d0, r0) = run_one("news.jsonl", lf.as_bytes());
    let (c1, d1, mut r1) = run_one("news.jsonl", crlf.as_bytes());
    assert_eq!(c1, c0);
    assert_eq!(d1, d0);
    // Only the decompressed byte count differs (one CR per line).
    let lines = lf.matches('\n').count() as u64;
    let b = r1["inputs"]["bytes_decompressed"].as_u64().unwrap();
    r1["inputs"]["bytes_decompressed"] = json!(b - lines);
    assert_eq!(r1, r0);
}

#[test]
fn crlf_inside_json_text_is_a_line_end() {
    let fx = Fixture::new();
    let page = clean_page(&SITE_A[4], &FOOTER_A).replace('\n', "\r\n");
    fx.write(
        "a.jsonl",
        format!(r#"{{"id":"crlf","text":{}}}"#, js(&page)) + "\n",
    );
    let out = fx.dedup_dir(&[]);
    let expected = clean_page(&SITE_A[4], &FOOTER_A);
    assert_eq!(out.text("crlf"), expected.trim_end().replace("\n\n", "\n"));
}

#[test]
fn final_line_without_newline_is_read() {
    let fx = Fixture::new();
    let data = sample_jsonl();
    let p = fx.write("news.jsonl", data.trim_end_matches('\n'));
    let (c0, d0, _) = run_one("news.jsonl", data.as_bytes());
    let out = fx.dedup(&[&p], &fx.out(), &[]).success();
    let (c, d, _) = out.normalized(&p, "FILE");
    assert_eq!(c, c0);
    assert_eq!(d, d0);

    // An invalid last line without newline is still reported, at its line.
    let fx = Fixture::new();
    let p = fx.write(
        "t.jsonl",
        format!(r#"{{"id":"ok","text":"fine"}}{}{{"id":"bad""#, "\n\n"),
    );
    let out = fx.dedup_dir(&[]);
    assert_eq!(out.canonical_ids(), ["ok"]);
    assert_eq!(out.dropped_ids(), [format!("{}:3", p.display())]);
}

#[test]
fn empty_and_blank_files() {
    let fx = Fixture::new();
    fx.write("empty.jsonl", "");
    fx.write("blank.jsonl", "\n\n   \n\t\r\n\n");
    fx.write("empty.wet", "");
    fx.write("empty.ndjson.gz", gzip(b""));
    fx.write("empty.json.zst", zstd(b""));
    let out = fx.dedup_dir(&[]);
    assert_eq!(out.report["documents"]["in"], 0);
    assert_eq!(out.canonical_raw, "");
    assert_eq!(out.dropped_raw, "");
    assert_eq!(out.report["clusters"]["largest"], 0);
    assert_eq!(out.report["inputs"]["files"], json!({"jsonl": 4, "wet": 1}));

    // Text pages that are empty or blank are documents with nothing in them.
    let fx = Fixture::new();
    fx.write("empty.txt", "");
    fx.write("blank.txt", "\n \n\u{3000}\n\r\n");
    fx.write("page.txt", clean_page(&ENGLISH[0], &[]));
    let out = fx.dedup_dir(&[]);
    assert_eq!(out.canonical_ids(), ["page.txt"]);
    assert_eq!(out.dropped("empty.txt")["reason"], "empty");
    assert_eq!(out.dropped("blank.txt")["reason"], "empty");
    // An empty JSON text too.
    let fx = Fixture::new();
    fx.write(
        "e.jsonl",
        r#"{"id":"e","text":""}"#.to_owned() + "\n" + r#"{"id":"ws","text":" \n\t "}"#,
    );
    let out = fx.dedup_dir(&[]);
    assert_eq!(out.dropped("e")["reason"], "empty");
    assert_eq!(out.dropped("ws")["reason"], "empty");
}

/// A JSON Lines file larger than one unit of parallel work (1 MiB): line numbers stay right
/// across chunk boundaries.
#[test]
fn line_numbers_survive_chunk_boundaries() {
    let fx = Fixture::new();
    let mut data = String::new();
    let mut line = 0usize;
    let mut expected_ids = Vec::new();
    let mut invalid = Vec::new();
    let filler = "The harbor ferry timetable is unchanged from last summer, and the first crossing leaves at seven. ".repeat(5);
    let p = fx.path("big.jsonl");
    while data.len() < 2_600_000 {
        line += 1;
        if line % 97 == 0 {
            data.push('\n'); // a blank line: counted, not a record
            continue;
        }
        if line % 503 == 0 {
            data.push_str("{\"text\": \"cut off\n");
            invalid.push(format!("{}:{line}", p.display()));
            continue;
        }
        // No id: the source (with the line number) becomes the id.
        data.push_str(&format!(
            "{{\"text\":\"Record on line {line}.\\n{filler}{line}\"}}\n"
        ));
        expected_ids.push(format!("{}:{line}", p.display()));
    }
    fx.write("big.jsonl", &data);
    // Exact deduplication only: the records share most of their text.
    let out = fx
        .dedup(&[&p], &fx.out(), &["--threads", "2", "--no-near"])
        .success();
    assert_lists_eq(&out.canonical_ids(), &expected_ids, "canonical ids");
    assert_lists_eq(&out.dropped_ids(), &invalid, "dropped ids");
    // Each text kept its own line number.
    for (v, id) in out.canonical.iter().zip(&expected_ids).step_by(101) {
        let n = id.rsplit(':').next().unwrap();
        assert!(out.text_of(v).starts_with(&format!("Record on line {n}.")));
    }
}

#[test]
fn escaped_json_text_is_unescaped_and_written_back_as_json() {
    let fx = Fixture::new();
    // \u escapes (one a surrogate pair), an escaped slash, quotes and a tab.
    let line = r#"{"id":"esc","text":"\u8bb0\u8005\u624b\u8bb0 \ud83d\ude00\n\"quoted\" a\/b\tc"}"#;
    fx.write("e.jsonl", format!("{line}\n"));
    let out = fx.dedup_dir(&[]);
    assert_eq!(out.text("esc"), "记者手记 😀\n\"quoted\" a/b\tc");
    assert!(out
        .canonical_raw
        .starts_with(r#"{"id":"esc","text":"记者手记 😀\n\"quoted\" a/b\tc","canon":"#));
}

#[test]
fn empty_wet_body_is_an_empty_document() {
    let fx = Fixture::new();
    let wet = wet_record("conversion", Some(&urn(1)), Some("https://e/1"), "")
        + &wet_record(
            "conversion",
            Some(&urn(2)),
            Some("https://e/2"),
            "\r\n \r\n",
        )
        + &wet_record("conversion", Some(&urn(3)), Some("https://e/3"), "一行字");
    fx.write("e.wet", wet);
    let out = fx.dedup_dir(&[]);
    assert_eq!(out.dropped(&urn(1))["reason"], "empty");
    assert_eq!(out.dropped(&urn(2))["reason"], "empty");
    assert_eq!(out.text(&urn(3)), "一行字");
}

#[test]
fn a_line_longer_than_a_unit_of_work() {
    let fx = Fixture::new();
    let long = ENGLISH[0].paras[0].repeat(12_000); // about 1.5 MB in one paragraph
    let long_line = format!(r#"{{"id":"long","text":{}}}"#, js(&long));
    let data = [
        r#"{"id":"first","text":"short page"}"#,
        &long_line,
        r#"{"id":"after","text":"#, // invalid: line 3
        "",
        r#"{"text":"no id, line 5"}"#,
    ]
    .join("\n")
        + "\n";
    let p = fx.write("long.jsonl", data);
    let out = fx.dedup_dir(&["--threads", "3"]);
    assert_eq!(
        out.canonical_ids(),
        ["first", "long", &format!("{}:5", p.display())]
    );
    assert_eq!(out.dropped_ids(), [format!("{}:3", p.display())]);
    // The repeated run is cut down to one copy of the sentence.
    assert_eq!(out.text("long"), ENGLISH[0].paras[0]);
}

#[test]
fn byte_order_mark_is_not_part_of_the_first_record() {
    let fx = Fixture::new();
    fx.write("bom.jsonl", "\u{feff}{\"id\":\"a\",\"text\":\"first page text\"}\n{\"id\":\"b\",\"text\":\"second page\"}\n");
    fx.write(
        "bom.txt",
        "\u{feff}A page that starts with a byte-order mark.\n",
    );
    let out = fx.dedup_dir(&[]);
    assert_eq!(out.canonical_ids(), ["a", "b", "bom.txt"]);
    assert!(out.canonical[2]["text"]
        .as_str()
        .unwrap()
        .starts_with("A page"));
}

#[test]
fn output_directory_inside_an_input_directory_is_not_read() {
    let fx = Fixture::new();
    let input = fx.input();
    fx.write("a.jsonl", "{\"id\":\"a\",\"text\":\"one page of text\"}\n");
    let out = input.join("out");
    let first = fx.dedup(&[&input], &out, &[]).success();
    let second = fx.dedup(&[&input], &out, &[]).success();
    assert_eq!(first.canonical_ids(), ["a"]);
    assert_eq!(second.canonical_ids(), ["a"]);
}
