//! Compressed inputs cost neither disk nor memory in proportion to a hostile record: a JSON
//! line or text page over `--max-doc-bytes` is skipped while it is decompressed and listed as
//! the same `invalid` record, at the same line, as in a plain file; a decompression bomb (an
//! absurd expansion ratio) stops the run naming the file and offsets, as does passing
//! `--max-decompressed`; streams get the same treatment.

use std::io::Write;
use std::path::Path;

use serde_json::Value;

use crate::fixtures::{urn, warcinfo, wet_record};
use crate::util::{Fixture, Outcome, Outputs};

const MAX: &str = "1000000";

/// Streams `{"id":"ID","text":"<n copies of byte>"}` and `end` into `w`.
fn big_line(w: &mut impl Write, id: &str, byte: u8, n: usize, end: &[u8]) {
    write!(w, "{{\"id\":\"{id}\",\"text\":\"").unwrap();
    let chunk = vec![byte; 1 << 20];
    let mut left = n;
    while left > 0 {
        let k = left.min(chunk.len());
        w.write_all(&chunk[..k]).unwrap();
        left -= k;
    }
    w.write_all(b"\"}").unwrap();
    w.write_all(end).unwrap();
}

/// Length of [`big_line`]'s record as pass 1 measures it (without the line end).
fn big_len(id: &str, n: usize) -> usize {
    r#"{"id":"","text":""}"#.len() + id.len() + n
}

/// Seven lines: oversized records at lines 2, 5 (CRLF) and 7 (no final newline) between
/// normal ones, and a blank line 3. About 25 MB: below the expansion-ratio check's minimum.
fn dump(w: &mut impl Write) {
    writeln!(w, r#"{{"id":"a","text":"the first page, which is kept"}}"#).unwrap();
    big_line(w, "big1", b'x', 20 << 20, b"\n");
    writeln!(w, "   ").unwrap();
    write!(
        w,
        "{{\"id\":\"b\",\"text\":\"the second page, kept too\"}}\r\n"
    )
    .unwrap();
    big_line(w, "big2", b'y', 3 << 20, b"\r\n");
    writeln!(w, r#"{{"id":"c","text":"a third page, also kept"}}"#).unwrap();
    big_line(w, "big3", b'z', 2 << 20, b"");
}

fn gz(f: impl FnOnce(&mut flate2::write::GzEncoder<Vec<u8>>)) -> Vec<u8> {
    gz_at(flate2::Compression::fast(), f)
}

fn gz_at(
    level: flate2::Compression,
    f: impl FnOnce(&mut flate2::write::GzEncoder<Vec<u8>>),
) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), level);
    f(&mut e);
    e.finish().unwrap()
}

fn zst(f: impl FnOnce(&mut zstd::Encoder<'static, Vec<u8>>)) -> Vec<u8> {
    let mut e = zstd::Encoder::new(Vec::new(), 1).unwrap();
    f(&mut e);
    e.finish().unwrap()
}

/// `canon dedup --quiet ARGS - --out OUT` with `stdin`.
fn dedup_stdin(stdin: Vec<u8>, out: &Path, args: &[&str]) -> Outcome {
    let output = assert_cmd::Command::cargo_bin("canon")
        .unwrap()
        .args(["dedup", "--quiet"])
        .args(args)
        .arg("-")
        .arg("--out")
        .arg(out)
        .env_remove("RAYON_NUM_THREADS")
        .write_stdin(stdin)
        .output()
        .unwrap();
    Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        out: out.to_path_buf(),
    }
}

/// (line, error) of every dropped record, and the line of every canonical one.
fn by_line(o: &Outputs) -> (Vec<(String, String)>, Vec<String>) {
    let line = |v: &Value| {
        let s = v["source"]
            .as_str()
            .or_else(|| v["canon"]["source"].as_str())
            .unwrap();
        s.rsplit_once(':').unwrap().1.to_owned()
    };
    let dropped = o
        .dropped
        .iter()
        .map(|v| {
            assert_eq!(v["reason"], "invalid", "{v}");
            (line(v), v["error"].as_str().unwrap().to_owned())
        })
        .collect();
    (dropped, o.canonical.iter().map(line).collect())
}

#[test]
fn records_over_max_doc_bytes_are_skipped_while_decompressing() {
    let fx = Fixture::new();
    let mut plain = Vec::new();
    dump(&mut plain);
    let sizes = [
        big_len("big1", 20 << 20),
        big_len("big2", 3 << 20),
        big_len("big3", 2 << 20),
    ];
    let too_large = |n: usize| format!("too large: {n} bytes (limit --max-doc-bytes {MAX})");
    let expected = (
        vec![
            ("2".to_owned(), too_large(sizes[0])),
            ("5".to_owned(), too_large(sizes[1])),
            ("7".to_owned(), too_large(sizes[2])),
        ],
        vec!["1".to_owned(), "4".to_owned(), "6".to_owned()],
    );
    let skipped: usize = sizes.iter().sum();
    let inputs = [
        ("dump.jsonl", plain.clone()),
        ("dump.jsonl.gz", gz(dump)),
        ("dump.jsonl.zst", zst(dump)),
    ];
    for (name, bytes) in &inputs {
        let p = fx.write(name, bytes);
        let out = fx.root().join(format!("out-{name}"));
        let o = fx.dedup(&[&p], &out, &["--max-doc-bytes", MAX]).success();
        assert_eq!(by_line(&o), expected, "{name}");
        let inputs = &o.report["inputs"];
        assert_eq!(inputs["bytes_decompressed"], plain.len(), "{name}");
        let want = if name.ends_with(".jsonl") { 0 } else { skipped };
        assert_eq!(
            inputs["bytes_skipped"], want,
            "{name}: skipped, never written"
        );
    }
    // A stream (standard input) is spooled the same way.
    let out = fx.root().join("out-stdin");
    let o = dedup_stdin(
        inputs[1].1.clone(),
        &out,
        &["--format", "jsonl", "--max-doc-bytes", MAX],
    )
    .success();
    assert_eq!(by_line(&o), expected);
    assert_eq!(o.dropped[0]["source"], "<stdin>:2");
    assert_eq!(o.report["inputs"]["bytes_skipped"], skipped);
}

#[test]
fn a_text_page_over_max_doc_bytes_is_skipped_while_decompressing() {
    let fx = Fixture::new();
    let page = "q".repeat(3 << 20);
    fx.write("plain/big.txt", &page);
    fx.write(
        "gz/big.txt.gz",
        gz(|w| w.write_all(page.as_bytes()).unwrap()),
    );
    for dir in ["plain", "gz"] {
        let out = fx.root().join(format!("out-{dir}"));
        let o = fx
            .dedup(&[&fx.path(dir)], &out, &["--max-doc-bytes", MAX])
            .success();
        assert_eq!(o.dropped.len(), 1, "{dir}");
        let source = o.dropped[0]["source"].as_str().unwrap();
        let name = if dir == "gz" { "big.txt.gz" } else { "big.txt" };
        assert_eq!(source, fx.path(&format!("{dir}/{name}")).to_str().unwrap());
        assert_eq!(
            o.dropped[0]["error"],
            format!("too large: {} bytes (limit --max-doc-bytes {MAX})", 3 << 20),
            "{dir}"
        );
    }
}

/// A WET record (`wet_record` of the fixtures, with a body of `n` copies of `byte`).
fn wet_big(w: &mut Vec<u8>, n: u32, byte: u8, len: usize) {
    let body = vec![byte; len];
    let body = String::from_utf8(body).unwrap();
    let url = format!("http://x.example/{n}");
    w.extend(wet_record("conversion", Some(&urn(n)), Some(&url), &body).bytes());
}

#[test]
fn a_wet_record_over_max_doc_bytes_is_skipped_while_decompressing() {
    let fx = Fixture::new();
    // Records #3 and #5 are over the limit (#5 a `response`, not read); #7's Content-Length
    // is 10 bytes short; #9 runs past the end of the file.
    let mut wet = warcinfo().into_bytes();
    wet_big(&mut wet, 1, b'a', 100);
    wet_big(&mut wet, 2, b'b', 3 << 20);
    wet_big(&mut wet, 3, b'c', 200);
    wet.extend(wet_record("response", None, None, &"r".repeat(2 << 20)).bytes());
    wet_big(&mut wet, 5, b'd', 300);
    let mut bad = Vec::new();
    wet_big(&mut bad, 6, b'e', 2 << 20);
    let bad = String::from_utf8(bad)
        .unwrap()
        .replace("Content-Length: 2097152", "Content-Length: 2097142");
    wet.extend(bad.bytes());
    wet_big(&mut wet, 7, b'f', 400);
    let mut cut = Vec::new();
    wet_big(&mut cut, 8, b'g', 3 << 20);
    wet.extend(&cut[..cut.len() / 2]);
    fx.write("plain/crawl.warc.wet", &wet);
    fx.write("gz/crawl.warc.wet.gz", gz(|w| w.write_all(&wet).unwrap()));
    let mut seen = Vec::new();
    for dir in ["plain", "gz"] {
        let out = fx.root().join(format!("out-{dir}"));
        let o = fx
            .dedup(&[&fx.path(dir)], &out, &["--max-doc-bytes", MAX])
            .success();
        let errors: Vec<(String, String)> = o
            .dropped
            .iter()
            .map(|v| {
                let s = v["source"].as_str().unwrap();
                let at = s.rsplit_once('#').unwrap().1.to_owned();
                (at, v["error"].as_str().unwrap().to_owned())
            })
            .collect();
        let kept: Vec<String> = o.canonical.iter().map(|v| o.id_of(v)).collect();
        assert_eq!(kept, [urn(1), urn(3), urn(5), urn(7)], "{dir}");
        assert_eq!(errors.len(), 3, "{dir}: {errors:?}");
        assert_eq!(errors[0].0, "3");
        assert_eq!(
            errors[0].1,
            format!("too large: {} bytes (limit --max-doc-bytes {MAX})", 3 << 20)
        );
        assert!(
            errors[1].1.contains("does not end at a record boundary"),
            "{errors:?}"
        );
        assert!(
            errors[2].1.contains("runs past the end of the file"),
            "{errors:?}"
        );
        let skipped = o.report["inputs"]["bytes_skipped"].as_u64().unwrap();
        let want = if dir == "gz" {
            (3 << 20) + (2 << 20) + (2 << 20) - 10
        } else {
            0
        };
        assert_eq!(skipped, want, "{dir}");
        seen.push(errors);
    }
    assert_eq!(seen[0], seen[1], "offsets and lengths as in the plain file");
}

/// A normal line, then one JSON string of `n` zero bytes: a decompression bomb.
fn zeros(w: &mut impl Write, n: usize) {
    writeln!(w, r#"{{"id":"a","text":"a page before the bomb"}}"#).unwrap();
    big_line(w, "bomb", 0, n, b"\n");
    writeln!(w, r#"{{"id":"b","text":"a page after the bomb"}}"#).unwrap();
}

#[test]
fn a_decompression_bomb_stops_the_run_naming_the_file_and_offsets() {
    let fx = Fixture::new();
    let n = 80 << 20; // past the ratio check's 64 MiB
    let cases = [
        // (gzip -6: 1,030:1; gzip -1 makes 229:1 of zeros, under the check, and the bomb is
        // then a record skipped while decompressing, as below.)
        (
            "bomb.jsonl.gz",
            gz_at(flate2::Compression::default(), |w| zeros(w, n)),
        ),
        ("bomb.jsonl.zst", zst(|w| zeros(w, n))),
    ];
    for (name, bytes) in &cases {
        assert!(bytes.len() < 1 << 20, "{name}: {} bytes", bytes.len());
        let p = fx.write(name, bytes);
        let out = fx.root().join(format!("out-{name}"));
        let o = fx.dedup(&[&p], &out, &[]);
        let msg = o.failure(
            1,
            &[
                &format!("canon: error: {}: expands more than 1000:1", p.display()),
                "decompression bomb at compressed offset ",
                ", decompressed offset ",
            ],
        );
        assert_eq!(msg.lines().count(), 1, "{msg}");
        o.assert_no_outputs();
        // Nothing left behind: the temporary copy is unnamed.
        let left = std::fs::read_dir(&out).map_or(0, |d| d.count());
        assert_eq!(left, 0, "{name}: files left in the output directory");
    }
    // From standard input too.
    let out = fx.root().join("out-stdin");
    let o = dedup_stdin(cases[1].1.clone(), &out, &["--format", "jsonl"]);
    o.failure(1, &["canon: error: <stdin>: expands more than 1000:1"]);
    o.assert_no_outputs();
    // Without the ratio check the bomb is one record over --max-doc-bytes (64 MiB), skipped
    // while decompressing; the lines around it are read.
    let out = fx.root().join("out-off");
    let o = fx
        .dedup(&[&fx.path("bomb.jsonl.gz")], &out, &["--max-ratio", "0"])
        .success();
    let (dropped, kept) = by_line(&o);
    assert_eq!(
        dropped,
        vec![(
            "2".to_owned(),
            format!(
                "too large: {} bytes (limit --max-doc-bytes 67108864)",
                big_len("bomb", n)
            )
        )]
    );
    assert_eq!(kept, ["1", "3"]);
    assert_eq!(o.report["inputs"]["bytes_skipped"], big_len("bomb", n));
}

#[test]
fn max_decompressed_bounds_the_whole_run() {
    let fx = Fixture::new();
    let text = |seed: usize| {
        let mut v = Vec::new();
        for i in 0..30_000 {
            writeln!(
                v,
                r#"{{"id":"{seed}-{i}","text":"page {i} of file {seed}, with words enough to fill a line of about a hundred bytes"}}"#
            )
            .unwrap();
        }
        v
    };
    let (a, b) = (text(1), text(2));
    assert!(a.len() > 3 << 20 && a.len() < 4 << 20);
    fx.write("a.jsonl.gz", gz(|w| w.write_all(&a).unwrap()));
    fx.write("b.jsonl.zst", zst(|w| w.write_all(&b).unwrap()));
    let out = fx.out();
    let o = fx.dedup(
        &[&fx.input()],
        &out,
        &["--max-decompressed", "6M", "--no-near"],
    );
    o.failure(1, &["more than --max-decompressed 6291456 bytes", "jsonl."]);
    o.assert_no_outputs();
    let o = fx
        .dedup(
            &[&fx.input()],
            &out,
            &["--max-decompressed", "8M", "--no-near"],
        )
        .success();
    assert_eq!(o.canonical.len(), 60_000);
}
