//! Damaged input and command-line failures. Unreadable records are listed as `invalid` with
//! where and why (or stop the run under `--strict`); failed runs exit with the documented
//! status, name the culprit, and leave no output under a final name.

use std::path::Path;

use serde_json::{json, Value};

use crate::fixtures::*;
use crate::util::*;

fn src(p: &Path, line: usize) -> String {
    format!("{}:{line}", p.display())
}

/// A line of a unique, valid record.
fn good(id: &str, i: usize) -> String {
    news_line(id, "s", &clean_page(&SITE_B[i % SITE_B.len()], &[]))
}

#[test]
fn bad_json_lines_are_invalid_with_location_and_reason() {
    let fx = Fixture::new();
    let lines = [
        good("ok-1", 0),
        r#"{"id":"cut","text":"标题\n正文的前半"#.to_owned(), // 2: truncated
        "[1,2,3]".to_owned(),                                 // 3: not an object
        r#""just a string""#.to_owned(),                      // 4
        "42".to_owned(),                                      // 5
        r#"{"id":"num","text":5}"#.to_owned(),                // 6: text not a string
        r#"{"id":"nul","text":null}"#.to_owned(),             // 7
        r#"{"id":"arr","text":["a","b"]}"#.to_owned(),        // 8
        r#"{"id":"obj","text":{"zh":"正文"}}"#.to_owned(),    // 9
        r#"{"id":"trail","text":"正文"} {"#.to_owned(),       // 10: trailing characters
        r#"{"id":"notext","title":"只有标题"}"#.to_owned(),   // 11
        "not json at all".to_owned(),                         // 12
        good("ok-2", 1),
    ];
    let p = fx.write("bad.jsonl", lines.join("\n") + "\n");
    let out = fx.dedup_dir(&[]);
    assert_eq!(out.canonical_ids(), ["ok-1", "ok-2"]);
    let expected_ids: Vec<String> = (2..=12).map(|l| src(&p, l)).collect();
    assert_eq!(out.dropped_ids(), expected_ids);
    let err = |l: usize| {
        let d = out.dropped(&src(&p, l));
        assert_eq!(d["reason"], "invalid");
        assert_eq!(d["source"], src(&p, l));
        assert_eq!(d["kept_id"], Value::Null);
        d["error"].as_str().unwrap().to_owned()
    };
    assert!(err(2).starts_with("invalid JSON at column "), "{}", err(2));
    for l in [3, 4, 5] {
        assert!(err(l).contains("a JSON object"), "line {l}: {}", err(l));
    }
    assert_eq!(err(6), "field `text` is not a string (found a number)");
    assert_eq!(err(7), "field `text` is not a string (found null)");
    assert_eq!(err(8), "field `text` is not a string (found an array)");
    assert_eq!(err(9), "field `text` is not a string (found an object)");
    assert!(err(10).contains("trailing"), "{}", err(10));
    assert_eq!(err(11), "missing field `text`");
    assert!(
        err(12).starts_with("invalid JSON at column "),
        "{}",
        err(12)
    );

    let inv = &out.report["invalid"];
    assert_eq!(inv["count"], 11);
    let first: Vec<&str> = inv["first"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["source"].as_str().unwrap())
        .collect();
    assert_eq!(first, expected_ids);
}

#[test]
fn report_lists_only_the_first_twenty_invalid_records() {
    let fx = Fixture::new();
    let mut data = String::new();
    for i in 0..30 {
        data.push_str(&format!("{{\"id\":\"x{i}\"\n"));
    }
    fx.write("many.jsonl", data);
    let out = fx.dedup_dir(&[]);
    assert_eq!(out.report["invalid"]["count"], 30);
    assert_eq!(out.report["invalid"]["first"].as_array().unwrap().len(), 20);
    assert_eq!(out.dropped.len(), 30);
}

#[test]
fn invalid_utf8_in_a_json_string_is_replaced_and_counted() {
    let fx = Fixture::new();
    let body = clean_page(&SITE_A[1], &[]);
    let mut data = Vec::new();
    // Line 1: a stray byte inside the text; line 2: inside the id; line 3: clean.
    let (head, tail) = body.split_at(body.find('\n').unwrap());
    data.extend_from_slice(br#"{"id":"lossy-text","site":"a","text":""#);
    data.extend_from_slice(head.as_bytes());
    data.extend_from_slice(b"\xff\xfe \xe8\xae"); // two invalid bytes, a cut 3-byte sequence
    data.extend_from_slice(js(tail).trim_matches('"').as_bytes());
    data.extend_from_slice(b"\",\"n\":1}\n");
    data.extend_from_slice(b"{\"id\":\"lossy-\xc3id\",\"text\":");
    data.extend_from_slice(js(&clean_page(&SITE_A[2], &[])).as_bytes());
    data.extend_from_slice(b"}\n");
    data.extend_from_slice(good("clean", 3).as_bytes());
    data.push(b'\n');
    fx.write("utf8.jsonl", &data);
    let out = fx.dedup_dir(&[]);
    assert_eq!(out.report["invalid"]["lossy_utf8"], 2);
    assert_eq!(out.report["invalid"]["count"], 0);
    assert_eq!(out.dropped_raw, "");
    let t = out.text("lossy-text");
    let first = t.lines().next().unwrap();
    assert!(first.starts_with(head), "{first}");
    assert!(first.contains('\u{FFFD}'), "{first}");
    assert_eq!(
        t.lines().skip(1).collect::<Vec<_>>(),
        SITE_A[1].paras.to_vec()
    );
    let kept = out.kept("lossy-text");
    assert_eq!(kept["site"], "a");
    assert_eq!(kept["n"], 1);
    // The id is repaired the same way.
    let ids = out.canonical_ids();
    assert_eq!(ids.len(), 3);
    assert_eq!(ids[1], "lossy-\u{FFFD}id");
}

/// The plain JSON Lines data used for the damaged-stream tests: unique records, one per line.
fn numbered_records(n: usize) -> String {
    let mut s = String::new();
    for i in 1..=n {
        let a = &all_articles()[i % all_articles().len()];
        let text = format!("第{i}条 No. {i}\n{}", clean_page(a, &[]));
        s.push_str(&format!("{{\"id\":\"r{i}\",\"text\":{}}}\n", js(&text)));
    }
    s
}

/// How many bytes a streaming gzip decoder yields from `gz` before it fails.
fn decodable(gz: &[u8]) -> usize {
    use std::io::Read;
    let mut d = flate2::read::MultiGzDecoder::new(gz);
    let mut buf = [0u8; 997];
    let mut n = 0;
    while let Ok(k) = d.read(&mut buf) {
        if k == 0 {
            break;
        }
        n += k;
    }
    n
}

#[test]
fn truncated_gzip_keeps_what_came_before_and_reports_the_damage() {
    let plain = numbered_records(120);
    let gz = gzip(plain.as_bytes());
    let fx = Fixture::new();
    let p = fx.write("cut.jsonl.gz", &gz[..gz.len() * 3 / 5]);
    // Exact deduplication only: the numbered records repeat a few articles.
    let out = fx.dedup_dir(&["--no-near"]);

    // The damage: one invalid record at the decompressed offset where the stream broke.
    let damaged: Vec<&Value> = out
        .dropped
        .iter()
        .filter(|d| d["source"].as_str().unwrap().contains('@'))
        .collect();
    assert_eq!(damaged.len(), 1, "{}", out.dropped_raw);
    let d = damaged[0];
    let source = d["source"].as_str().unwrap();
    let (path, offset) = source.rsplit_once('@').unwrap();
    assert_eq!(path, p.display().to_string());
    assert_eq!(d["id"], source);
    assert_eq!(d["reason"], "invalid");
    let offset: usize = offset.parse().unwrap();
    assert!(offset > 0 && offset < plain.len(), "{offset}");
    let err = d["error"].as_str().unwrap();
    assert!(err.contains("damaged or truncated"), "{err}");
    assert!(err.contains(&offset.to_string()), "{err}");
    assert_eq!(out.report["inputs"]["bytes_decompressed"], offset as u64);

    // Every record complete before the offset is processed; a record cut at the offset is
    // an invalid line of its own.
    let before = &plain[..offset];
    let complete = before.matches('\n').count();
    let mut expected: Vec<String> = (1..=complete).map(|i| format!("r{i}")).collect();
    let partial = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
    let mut expected_dropped = Vec::new();
    if !partial.is_empty() {
        if serde_json::from_str::<Value>(partial).is_ok() {
            expected.push(format!("r{}", complete + 1));
        } else {
            expected_dropped.push(src(&p, complete + 1));
        }
    }
    expected_dropped.push(source.to_owned());
    assert_lists_eq(&out.canonical_ids(), &expected, "canonical ids");
    assert_eq!(out.dropped_ids(), expected_dropped);
    assert!(
        complete >= 5,
        "records before the cut were read: {complete}"
    );
    // Nothing a decoder could recover was lost.
    assert_eq!(offset, decodable(&gz[..gz.len() * 3 / 5]));
}

#[test]
fn truncated_second_gzip_member() {
    let plain = numbered_records(40);
    let (a, b) = plain.split_at(plain.len() / 2);
    let mut gz = gzip(a.as_bytes());
    let second = gzip(b.as_bytes());
    gz.extend_from_slice(&second[..second.len() - 6]); // lose the end of the trailer
    let fx = Fixture::new();
    let p = fx.write("two.jsonl.gz", &gz);
    let out = fx.dedup_dir(&["--no-near"]);
    // All data decompressed; only the missing trailer is damage.
    assert_eq!(out.canonical.len(), 40);
    assert_eq!(
        out.dropped_ids(),
        [format!("{}@{}", p.display(), plain.len())]
    );
}

#[test]
fn corrupt_gzip_is_reported() {
    let plain = numbered_records(60);
    let mut gz = gzip(plain.as_bytes());
    let mid = gz.len() / 2;
    for b in &mut gz[mid..mid + 16] {
        *b ^= 0x5A;
    }
    let fx = Fixture::new();
    let p = fx.write("bad.ndjson.gz", &gz);
    let out = fx.dedup_dir(&["--no-near"]);
    let prefix = format!("{}@", p.display());
    let damaged = out
        .dropped
        .iter()
        .filter(|d| d["source"].as_str().unwrap().starts_with(&prefix))
        .count();
    assert_eq!(damaged, 1, "{}", out.dropped_raw);
    assert!(out.canonical.len() < 60);
}

#[test]
fn truncated_zstd_keeps_complete_frames() {
    let plain = numbered_records(30);
    let (a, b) = plain.split_at(plain.find("\n{\"id\":\"r16\"").unwrap() + 1);
    let mut zst = zstd(a.as_bytes());
    let second = zstd(b.as_bytes());
    zst.extend_from_slice(&second[..second.len() / 2]);
    let fx = Fixture::new();
    let p = fx.write("cut.jsonl.zst", &zst);
    let out = fx.dedup_dir(&["--no-near"]);
    let expected: Vec<String> = (1..=15).map(|i| format!("r{i}")).collect();
    assert_eq!(out.canonical_ids(), expected);
    let d = &out.dropped;
    assert_eq!(d.len(), 1, "{}", out.dropped_raw);
    assert_eq!(d[0]["source"], format!("{}@{}", p.display(), a.len()));
    assert!(d[0]["error"].as_str().unwrap().contains("truncated"));
}

#[test]
fn compressed_suffix_on_plain_data_is_damage_at_offset_zero() {
    let fx = Fixture::new();
    let p = fx.write("plain.jsonl.gz", good("x", 0) + "\n");
    let q = fx.write("plain.txt.zst", "not zstd at all\n");
    let out = fx.dedup_dir(&[]);
    assert_eq!(out.canonical.len(), 0);
    // The text page is still a document (with nothing decoded, an empty one).
    assert_eq!(
        out.dropped_ids(),
        [
            format!("{}@0", p.display()),
            "plain.txt".to_owned(),
            format!("{}@0", q.display())
        ]
    );
    assert_eq!(out.dropped("plain.txt")["reason"], "empty");
}

#[test]
fn wet_with_bad_content_length() {
    let fx = Fixture::new();
    let r = |n: u32, a: &Article| {
        wet_record(
            "conversion",
            Some(&urn(n)),
            Some(&format!("https://w.example/{n}")),
            &clean_page(a, &[]),
        )
    };
    let too_short = {
        let rec = r(2, &ENGLISH[1]);
        let len = clean_page(&ENGLISH[1], &[]).len();
        rec.replace(
            &format!("Content-Length: {len}\r\n"),
            &format!("Content-Length: {}\r\n", len - 40),
        )
    };
    let not_a_number = r(3, &ENGLISH[2]).replace("Content-Length: ", "Content-Length: x");
    let too_long = {
        let rec = r(5, &SITE_A[0]);
        let len = clean_page(&SITE_A[0], &[]).len();
        rec.replace(
            &format!("Content-Length: {len}\r\n"),
            &format!("Content-Length: {}\r\n", len + 5000),
        )
    };
    let wet = warcinfo()
        + &r(1, &ENGLISH[0])
        + &too_short
        + &not_a_number
        + &r(4, &ENGLISH[3])
        + &too_long;
    let p = fx.write("bad.warc.wet", wet);
    let out = fx.dedup_dir(&[]);
    let rec = |n: usize| format!("{}#{n}", p.display());
    assert_eq!(out.canonical_ids(), [urn(1), urn(4)]);
    assert_eq!(out.dropped_ids(), [rec(3), rec(4), rec(6)]);
    let e = |n: usize| out.dropped(&rec(n))["error"].as_str().unwrap().to_owned();
    assert!(e(3).contains("record boundary"), "{}", e(3));
    assert!(e(4).contains("Content-Length"), "{}", e(4));
    assert!(e(6).contains("past the end"), "{}", e(6));
    assert_eq!(out.text(&urn(4)), ENGLISH[3].lines().join("\n"));
    // The record after the damaged ones keeps its place in the record count.
    assert_eq!(out.kept(&urn(4))["canon"]["source"], rec(5));
}

#[test]
fn wet_garbage_before_the_first_record() {
    let fx = Fixture::new();
    let wet = "this is not a WARC file\n".to_owned()
        + &wet_record("conversion", Some(&urn(1)), None, &clean_page(&WET_ZH, &[]));
    let p = fx.write("junk.wet", wet);
    let out = fx.dedup_dir(&[]);
    assert_eq!(out.canonical_ids(), [urn(1)]);
    assert_eq!(out.dropped_ids(), [format!("{}#1", p.display())]);
    assert_eq!(
        out.kept(&urn(1))["canon"]["source"],
        format!("{}#2", p.display())
    );
}

#[test]
fn strict_stops_at_the_first_invalid_record() {
    let fx = Fixture::new();
    let data = [
        good("a", 0),
        good("b", 1),
        r#"{"id":"c","text":"#.to_owned(),
        "[]".into(),
    ];
    let p = fx.write("s.jsonl", data.join("\n"));
    let o = fx.dedup(&[&p], &fx.out(), &["--strict"]);
    let stderr = o.failure(1, &[&src(&p, 3), "invalid JSON"]);
    assert!(!stderr.contains(&src(&p, 4)), "{stderr}");
    o.assert_no_outputs();

    // The same input without --strict succeeds; and --strict on good input too.
    fx.dedup(&[&p], &fx.out(), &[]).success();
    let good_only = fx.write("good.jsonl", data[..2].join("\n"));
    let o2 = fx.root().join("out2");
    let out = fx.dedup(&[&good_only], &o2, &["--strict"]).success();
    assert_eq!(out.canonical_ids(), ["a", "b"]);
}

#[test]
fn strict_names_wet_records_and_damaged_streams() {
    let fx = Fixture::new();
    let wet = wet_record("conversion", Some(&urn(1)), None, "body")
        .replace("Content-Length: 4", "Content-Length: 2")
        + &wet_record("conversion", Some(&urn(2)), None, "second body");
    let p = fx.write("s.wet", wet);
    fx.dedup(&[&p], &fx.out(), &["--strict"])
        .failure(1, &[&format!("{}#1", p.display()), "record boundary"]);

    // A gzip stream cut at a line end: the only damage is the stream itself.
    let plain = numbered_records(30);
    let gz = gzip(plain.as_bytes());
    let q = fx.write("cut.jsonl.gz", &gz[..gz.len() - 4]);
    let o = fx.dedup(&[&q], &fx.root().join("out2"), &["--strict"]);
    o.failure(
        1,
        &[&format!("{}@{}", q.display(), plain.len()), "truncated"],
    );
    o.assert_no_outputs();
}

#[test]
fn failed_run_leaves_earlier_outputs_untouched() {
    let fx = Fixture::new();
    let p = fx.write("a.jsonl", good("first", 0) + "\n");
    let before = fx.dedup(&[&p], &fx.out(), &[]).success();
    std::fs::write(&p, good("second", 1) + "\n{oops\n").unwrap();
    fx.dedup(&[&p], &fx.out(), &["--strict"])
        .failure(1, &[&src(&p, 2)]);
    let after = Outputs::read(&fx.out());
    assert_eq!(after.canonical_raw, before.canonical_raw);
    assert_eq!(after.dropped_raw, before.dropped_raw);
    assert_eq!(after.report_raw, before.report_raw);
    assert_no_temp_files(&fx.out());
}

#[test]
fn nonexistent_input_is_an_error_naming_it() {
    let fx = Fixture::new();
    let real = fx.write("a.jsonl", good("a", 0) + "\n");
    let missing = fx.path("no/such/file.jsonl");
    let o = fx.dedup(&[&real, &missing], &fx.out(), &[]);
    o.failure(2, &[&missing.display().to_string(), "input not found"]);
    o.assert_no_outputs();
}

#[test]
fn out_that_is_a_file_is_an_error() {
    let fx = Fixture::new();
    let p = fx.write("a.jsonl", good("a", 0) + "\n");
    let file = fx.write("not-a-dir", "x");
    let o = fx.dedup(&[&p], &file, &[]);
    o.failure(1, &[&file.display().to_string()]);
    assert_eq!(std::fs::read(&file).unwrap(), b"x");
}

#[test]
fn unknown_explicit_file_type_is_a_usage_error() {
    let fx = Fixture::new();
    let p = fx.write("dump.csv", "id,text\n1,hello\n");
    let o = fx.dedup(&[&p], &fx.out(), &[]);
    o.failure(2, &[&p.display().to_string(), "unknown input type"]);
    o.assert_no_outputs();
}

#[test]
fn no_input_files_is_a_usage_error() {
    let fx = Fixture::new();
    std::fs::create_dir_all(fx.input()).unwrap();
    let o = fx.dedup(&[&fx.input()], &fx.out(), &[]);
    o.failure(
        2,
        &["no input files found", &fx.input().display().to_string()],
    );
    o.assert_no_outputs();

    // Only files canon does not read: the same.
    fx.write("readme.md", "# hi\n");
    fx.write("sub/data.csv", "a,b\n");
    let o = fx.dedup(&[&fx.input()], &fx.out(), &[]);
    o.failure(2, &["no input files found"]);
    o.assert_no_outputs();
}

#[test]
fn command_line_errors_exit_2() {
    let fx = Fixture::new();
    let p = fx.write("a.jsonl", good("a", 0) + "\n");
    let input = p.to_str().unwrap();
    let out = fx.out();
    let out = out.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["dedup", input], "--out"),
        (vec!["dedup", "--out", out], "INPUT"),
        (vec![], "Usage"),
        (vec!["frobnicate", input, "--out", out], "frobnicate"),
        (vec!["dedup", input, "--out", out, "--format", "xml"], "xml"),
        (
            vec!["dedup", input, "--out", out, "--threads", "0"],
            "--threads",
        ),
        (
            vec!["dedup", input, "--out", out, "--threads", "many"],
            "many",
        ),
        (
            vec!["dedup", input, "--out", out, "--boilerplate-min-docs", "1"],
            "--boilerplate-min-docs",
        ),
        (
            vec!["dedup", input, "--out", out, "--min-repeat", "0"],
            "--min-repeat",
        ),
        (
            vec!["dedup", input, "--out", out, "--no-such-flag"],
            "--no-such-flag",
        ),
        (
            vec!["dedup", input, "--out", out, "--near-threshold", "0"],
            "--near-threshold",
        ),
        (
            vec!["dedup", input, "--out", out, "--near-threshold", "1.5"],
            "--near-threshold",
        ),
        (
            vec!["dedup", input, "--out", out, "--shingle", "0"],
            "--shingle",
        ),
        (vec!["dedup", input, "--out", out, "--bands", "8"], "--rows"),
        (vec!["explain", "some-id"], "--out"),
    ];
    for (args, needle) in cases {
        let o = run_args(&args);
        assert_eq!(o.code, 2, "{args:?}: {}", o.stderr);
        assert!(o.stderr.contains(needle), "{args:?}: {}", o.stderr);
        assert!(!fx.out().join("canonical.jsonl").exists(), "{args:?}");
    }
    // Help and version are not errors.
    let o = run_args(&["--help"]);
    assert_eq!(o.code, 0);
    assert!(o.stdout.contains("dedup"), "{}", o.stdout);
    let o = run_args(&["dedup", "--help"]);
    assert_eq!(o.code, 0);
    assert!(o.stdout.contains("--strict"), "{}", o.stdout);
    let o = run_args(&["--version"]);
    assert_eq!(o.code, 0);
    assert!(o.stdout.contains(env!("CARGO_PKG_VERSION")), "{}", o.stdout);
}

#[test]
fn strict_and_threads_do_not_change_a_clean_run() {
    let fx = Fixture::new();
    let data: Vec<String> = (0..8).map(|i| good(&format!("g{i}"), i)).collect();
    let p = fx.write("g.jsonl", data.join("\n"));
    let a = fx.dedup(&[&p], &fx.out(), &[]).success();
    let o2 = fx.root().join("out2");
    let b = fx
        .dedup(&[&p], &o2, &["--strict", "-j", "1", "--progress", "always"])
        .success();
    assert_eq!(a.canonical_raw, b.canonical_raw);
    assert_eq!(a.dropped_raw, b.dropped_raw);
    assert_eq!(
        b.report["documents"]["dropped"],
        json!({"exact": 2, "near": 0, "empty": 0, "invalid": 0})
    );
}

/// A run that reads no documents writes `explain.jsonl.zst` as an empty file, which is not a
/// zstd stream (`zstd -t` rejects it), so `canon explain` on that output directory fails with
/// "incomplete frame" instead of saying the id is unknown. An empty zstd frame is expected.
#[test]
fn regression_empty_explain_file() {
    let fx = Fixture::new();
    fx.write("empty.jsonl", "");
    fx.dedup_dir(&[]);
    let bytes = std::fs::read(fx.out().join("explain.jsonl.zst")).unwrap();
    let decoded = zstd::decode_all(&bytes[..]);
    assert!(
        matches!(&decoded, Ok(d) if d.is_empty()),
        "explain.jsonl.zst is not a valid empty zstd stream: {decoded:?}"
    );
    let args: Vec<std::ffi::OsString> = vec![
        "explain".into(),
        "--out".into(),
        fx.out().into(),
        "x".into(),
    ];
    run_canon(&args, &fx.out()).failure(1, &["no document with id `x`"]);
}

/// A JSON record with its text field twice (jsonl-dupkeys): canon would read the first value,
/// every JSON reader downstream the last, so the record is invalid, named with its reason;
/// its neighbours are read as usual.
#[test]
fn a_text_field_given_twice_is_an_invalid_record() {
    let fx = Fixture::new();
    let lines = [
        good("ok-1", 0),
        r#"{"id":"dup","text":"The first value about the tannery.","text":"A second value about the quarry."}"#.to_owned(),
        good("ok-2", 1),
    ];
    let p = fx.write("dup.jsonl", lines.join("\n") + "\n");
    let out = fx.dedup_dir(&[]);
    assert_eq!(out.canonical_ids(), ["ok-1", "ok-2"]);
    let d = out.dropped(&src(&p, 2));
    assert_eq!(d["reason"], "invalid");
    let e = d["error"].as_str().unwrap();
    assert!(e.starts_with("field `text` given twice"), "{e}");
}
