//! Hardening: damaged and hostile input, huge records and directories, unreadable paths,
//! duplicate ids, output failures (unwritable directory, full disk), inputs that change during
//! a run, runs killed at random points, and determinism over thread counts, input order and
//! file names.
//!
//! The recurring check: a damaged record is listed as `invalid` (with where and why) and
//! counted, `--strict` makes it fatal (exit 1, naming the file and line, record or offset), and
//! every good record comes out exactly as it does in a run on the good records alone.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::time::{Duration, Instant};

use canon::Stage;

use serde_json::{json, Value};

use crate::fixtures::*;
use crate::util::*;

/// The binary under test (the debug build `cargo test` made).
const BIN: &str = env!("CARGO_BIN_EXE_canon");

/// The placeholder [`Outputs::normalized`] puts in place of an input path.
const FILE: &str = "FILE";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// `dedup --quiet <extra> <inputs> --out <out>` as arguments.
fn dedup_args(inputs: &[&Path], out: &Path, extra: &[&str]) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec!["dedup".into(), "--quiet".into()];
    args.extend(extra.iter().map(OsString::from));
    args.extend(inputs.iter().map(|p| p.as_os_str().to_owned()));
    args.push("--out".into());
    args.push(out.as_os_str().to_owned());
    args
}

fn outcome(o: std::process::Output, out: &Path) -> Outcome {
    Outcome {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        out: out.to_path_buf(),
    }
}

/// Rewrites every JSON string `"<placeholder><sep><n>"` in `raw` (a location such as
/// `FILE:12` or `FILE#3`) to `"<placeholder><sep><map(n)>"`.
fn renumber(raw: &str, placeholder: &str, sep: char, map: &dyn Fn(u64) -> u64) -> String {
    let needle = format!("\"{placeholder}{sep}");
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find(&needle) {
        let after = &rest[i + needle.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        out.push_str(&rest[..i + needle.len()]);
        if digits > 0 && after[digits..].starts_with('"') {
            let n: u64 = after[..digits].parse().unwrap();
            out.push_str(&map(n).to_string());
        } else {
            out.push_str(&after[..digits]);
        }
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// Asserts two long texts are equal, showing the first differing line rather than both.
#[track_caller]
fn assert_text_eq(got: &str, expected: &str, what: &str) {
    if got == expected {
        return;
    }
    let (g, e): (Vec<&str>, Vec<&str>) = (got.lines().collect(), expected.lines().collect());
    match (0..g.len().min(e.len())).find(|&i| g[i] != e[i]) {
        Some(i) => panic!(
            "{what}: first difference at line {}:\n got:      {}\n expected: {}",
            i + 1,
            g[i],
            e[i]
        ),
        None => panic!(
            "{what}: {} lines, expected {} (or line ends differ)",
            g.len(),
            e.len()
        ),
    }
}

/// Asserts that the good records came out of the run on damaged input (`bad`, reading
/// `bad_path`) exactly as in the run on the good records alone (`good`, reading `good_path`):
/// `canonical.jsonl` identical, and `dropped.jsonl` identical but for the `invalid` lines, once
/// the good run's locations (`FILE<sep>n`) are renumbered by `map` to where the same records sit
/// in the damaged file; the report agrees too, but for its input sizes and invalid records.
#[track_caller]
fn assert_same_good_records(
    bad: &Outputs,
    bad_path: &Path,
    good: &Outputs,
    good_path: &Path,
    sep: char,
    map: &dyn Fn(u64) -> u64,
) {
    let (bc, bd, br) = bad.normalized(bad_path, FILE);
    let (gc, gd, mut gr) = good.normalized(good_path, FILE);
    assert!(!gc.is_empty(), "the good records produced canonical lines");
    assert_text_eq(&bc, &renumber(&gc, FILE, sep, map), "canonical.jsonl");
    let bd_valid: String = bd
        .lines()
        .filter(|l| !l.contains(r#""reason":"invalid""#))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_text_eq(
        &bd_valid,
        &renumber(&gd, FILE, sep, map),
        "dropped.jsonl without invalid lines",
    );
    let added = bad.report["invalid"]["count"].as_u64().unwrap()
        - good.report["invalid"]["count"].as_u64().unwrap();
    let docs = &mut gr["documents"];
    docs["in"] = json!(docs["in"].as_u64().unwrap() + added);
    let inv = &mut docs["dropped"]["invalid"];
    *inv = json!(inv.as_u64().unwrap() + added);
    for k in ["inputs", "invalid"] {
        gr[k] = br[k].clone();
    }
    // What the invalid records weigh (their count is checked above).
    gr["distributions"]["removed"]["invalid"] = br["distributions"]["removed"]["invalid"].clone();
    assert_eq!(
        br["invalid"]["lossy_utf8"], good.report["invalid"]["lossy_utf8"],
        "lossy UTF-8 count"
    );
    assert_eq!(br, gr, "report (but input sizes and invalid records)");
}

/// The invalid lines of a run: (source, error).
fn invalid_of(o: &Outputs) -> Vec<(String, String)> {
    o.dropped
        .iter()
        .filter(|d| d["reason"] == "invalid")
        .map(|d| {
            assert_eq!(
                d["id"], d["source"],
                "an invalid record is named by its source"
            );
            assert_eq!(d["kept_id"], Value::Null);
            (
                d["source"].as_str().unwrap().to_owned(),
                d["error"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// One line of a damaged JSON Lines file.
enum Entry {
    /// A readable record.
    Good(Vec<u8>),
    /// A damaged record and a phrase its error must contain.
    Bad(Vec<u8>, &'static str),
    /// A blank line: not a record at all.
    Blank(&'static str),
}

/// `{"id":…,"text":…}` (no line end).
fn rec(id: &str, text: &str) -> Vec<u8> {
    format!(r#"{{"id":{},"text":{}}}"#, js(id), js(text)).into_bytes()
}

/// Records joined into JSON Lines, with a final line end.
fn jsonl(recs: &[Vec<u8>]) -> Vec<u8> {
    let mut v = recs.join(&b'\n');
    v.push(b'\n');
    v
}

/// An output file's xxh3-128 as the manifest writes it.
fn xxh3_hex(bytes: &[u8]) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(bytes))
}

/// Reads `manifest.json` of `dir` (if there is one) and checks that every output it lists is
/// there with the listed size and checksum; returns the manifest.
#[track_caller]
fn check_manifest(dir: &Path) -> Option<Value> {
    let bytes = match std::fs::read(dir.join("manifest.json")) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("manifest.json: {e}"),
    };
    let m: Value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("manifest.json is not complete JSON ({e})"));
    let outputs = m["outputs"].as_array().expect("manifest outputs");
    let names: BTreeSet<&str> = outputs
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        OUTPUT_NAMES.iter().copied().collect::<BTreeSet<_>>(),
        "the manifest lists every output"
    );
    for o in outputs {
        let name = o["name"].as_str().unwrap();
        let data = std::fs::read(dir.join(name))
            .unwrap_or_else(|e| panic!("{name}, listed in the manifest: {e}"));
        assert_eq!(
            Some(data.len() as u64),
            o["bytes"].as_u64(),
            "{name}: size listed in the manifest"
        );
        assert_eq!(
            xxh3_hex(&data),
            o["xxh3_128"].as_str().unwrap(),
            "{name}: checksum listed in the manifest"
        );
    }
    assert!(m["inputs"].is_array(), "manifest inputs");
    assert!(m["canon_version"].is_string() && m["options"].is_object());
    Some(m)
}

/// The bytes of every output of a finished run, for later comparison (`report.json` without
/// its `run` section, which holds timings).
fn snapshot(dir: &Path) -> BTreeMap<&'static str, Vec<u8>> {
    OUTPUT_NAMES
        .iter()
        .map(|&n| {
            let bytes = std::fs::read(dir.join(n)).unwrap_or_else(|e| panic!("{n}: {e}"));
            (n, comparable(n, &bytes))
        })
        .collect()
}

/// An output's bytes as compared across runs: `report.json` without `run`, `report.html`
/// without its timing section; panics if either is incomplete.
fn comparable(name: &str, bytes: &[u8]) -> Vec<u8> {
    if name == "report.html" {
        let page = std::str::from_utf8(bytes).expect("report.html is UTF-8");
        let (begin, end) = ("<!-- run: varies between runs -->", "<!-- /run -->");
        let a = page
            .find(begin)
            .expect("report.html has its timing section");
        let b = page.find(end).expect("report.html is complete");
        assert!(page.ends_with("</html>\n"), "report.html is complete");
        return [&bytes[..a], &bytes[b + end.len()..]].concat();
    }
    if name != "report.json" {
        return bytes.to_vec();
    }
    let mut v: Value = serde_json::from_slice(bytes)
        .unwrap_or_else(|e| panic!("report.json is not complete JSON ({e})"));
    v.as_object_mut().unwrap().remove("run");
    serde_json::to_vec(&v).unwrap()
}

/// Names in `dir` other than the outputs and the manifest, ignoring temporary files.
fn strangers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !OUTPUT_NAMES.contains(&n.as_str()) && n != "manifest.json")
        .filter(|n| !(n.starts_with('.') && n.ends_with(".tmp")))
        .collect()
}

/// Asserts that `dir` holds a complete result equal to `snap`, with a matching manifest and
/// nothing else.
#[track_caller]
fn assert_result(dir: &Path, snap: &BTreeMap<&'static str, Vec<u8>>, what: &str) {
    assert!(check_manifest(dir).is_some(), "{what}: no manifest");
    assert!(snapshot(dir) == *snap, "{what}: outputs differ");
    assert_eq!(strangers(dir), Vec::<String>::new(), "{what}");
    assert_no_temp_files(dir);
}

/// A generated corpus: JSON Lines files (the second of every three gzip-compressed) of pages
/// of the fixture articles in several states (clean, glossed, broken, partial, doubled, with
/// footers) and pages of their own, with a few invalid and blank lines, and a WET file, about `bytes` bytes of JSON in all. Ids are
/// `<tag>-<file>-<n>`. Returns the files in sorted order.
fn gen_corpus(dir: &Path, tag: &str, seed: u64, bytes: usize, files: usize) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    let mut rng = Rng::new(seed);
    let articles = all_articles();
    let per_file = bytes / files;
    let mut out = Vec::new();
    let mut n = 0;
    for f in 0..files {
        let mut data = String::new();
        while data.len() < per_file {
            n += 1;
            let id = format!("{tag}-{f}-{n}");
            match rng.below(60) {
                0 => data.push_str("{\"id\":\"broken\",\"text\":\n"),
                1 => data.push('\n'),
                _ => {
                    let text = gen_page(&mut rng, &articles, n);
                    data.push_str(&format!(
                        "{{\"id\":{},\"text\":{},\"n\":{n}}}\n",
                        js(&id),
                        js(&text)
                    ));
                }
            }
        }
        let (name, bytes) = if f % 3 == 1 {
            (format!("{tag}-{f:02}.jsonl.gz"), gzip(data.as_bytes()))
        } else {
            (format!("{tag}-{f:02}.jsonl"), data.into_bytes())
        };
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        out.push(p);
    }
    let mut wet = warcinfo();
    for i in 0..30 {
        wet.push_str(&wet_record(
            "conversion",
            Some(&format!("<urn:{tag}:{i}>")),
            Some(&format!("https://crawl.example/{tag}/{i}")),
            &gen_page(&mut rng, &articles, 100_000 + i as usize),
        ));
    }
    let p = dir.join(format!("{tag}-crawl.warc.wet"));
    std::fs::write(&p, wet).unwrap();
    out.push(p);
    out.sort();
    out
}

/// One generated page.
fn gen_page(rng: &mut Rng, articles: &[Article], n: usize) -> String {
    let a = &articles[rng.below(articles.len())];
    let footer = random_footer(rng);
    let body: Vec<String> = a.paras.iter().map(|p| p.to_string()).collect();
    let glossed = if rng.chance(30) {
        gloss_all(a.paras, &COMMON_GLOSSES)
    } else {
        body.clone()
    };
    let lines = |paras: &[String]| -> String {
        let mut s = format!("{}\n", a.title);
        for p in paras {
            s.push_str(p);
            s.push('\n');
        }
        s + &footer.join("\n")
    };
    match rng.below(10) {
        // Pages of their own (cheap for the near-duplicate stage: nothing to compare).
        0..=3 => format!(
            "Report {n}\n{}{}",
            varied_text(n as u64, 300 + rng.below(500)),
            footer.join("\n")
        ),
        4 => broken_page(a.title, &glossed, &body, footer),
        5 => lines(
            &glossed
                .iter()
                .map(|p| format!("{p}{p}"))
                .collect::<Vec<_>>(),
        ),
        6 => lines(&glossed[..1 + rng.below(glossed.len())]),
        _ => lines(&glossed),
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Damaged JSON Lines, text pages and WET records
// ---------------------------------------------------------------------------------------------

/// A page of a Chinese article with its footer, for good JSON records.
fn zh_page(i: usize) -> String {
    clean_page(&SITE_A[i % SITE_A.len()], &FOOTER_A)
}

#[test]
fn damaged_json_lines_leave_every_good_record_as_it_was() {
    // A JSON string with a `\u0000` escape (valid JSON: a NUL character in the text).
    let nul_escape = {
        let t = js(&clean_page(&SITE_B[0], &[]));
        let cut = t.find('。').unwrap();
        format!(
            r#"{{"id":"nul-escape","text":{}\u0000{}}}"#,
            &t[..cut],
            &t[cut..]
        )
    };
    // Invalid UTF-8 inside the text string: repaired with U+FFFD, not invalid.
    let lossy = {
        let mut v = br#"{"id":"lossy","text":""#.to_vec();
        v.extend_from_slice(SITE_B[1].title.as_bytes());
        v.extend_from_slice(b"\xff\xe8\xae");
        let body = js(&format!("\n{}", SITE_B[1].paras.join("\n")));
        v.extend_from_slice(body.trim_start_matches('"').as_bytes());
        v.push(b'}');
        v
    };
    let long_text = ENGLISH[0].paras.join(" ").repeat(30); // over --max-doc-bytes 6000
    let entries = vec![
        (
            Entry::Good(news_line("g1", "a.example", &zh_page(0)).into_bytes()),
            "\n",
        ),
        (
            Entry::Bad(
                r#"{"id":"cut","text":"标题\n正文的前半"#.as_bytes().to_vec(),
                "invalid JSON at column",
            ),
            "\n",
        ),
        (
            Entry::Good(news_line("g2", "a.example", &zh_page(1)).into_bytes()),
            "\r\n",
        ),
        (Entry::Blank(""), "\n"),
        (Entry::Bad(b"[1,2,3]".to_vec(), "a JSON object"), "\n"),
        (Entry::Good(nul_escape.into_bytes()), "\n"),
        (
            Entry::Bad(
                b"{\"id\":\"nul-raw\",\"text\":\"ab\0cd\"}".to_vec(),
                "control character",
            ),
            "\n",
        ),
        (Entry::Bad(b"\0".to_vec(), "invalid JSON"), "\n"),
        (Entry::Good(lossy), "\r\n"),
        (
            Entry::Bad(
                b"{\"id\":\"x\",\xff\"text\":\"between tokens\"}".to_vec(),
                "invalid JSON",
            ),
            "\n",
        ),
        (
            Entry::Bad(
                r#"{"id":"notext","title":"只有标题"}"#.as_bytes().to_vec(),
                "missing field `text`",
            ),
            "\n",
        ),
        (
            Entry::Bad(br#"{"id":"num","text":42}"#.to_vec(), "is not a string"),
            "\n",
        ),
        (Entry::Blank("  \t "), "\r\n"),
        (
            Entry::Good(news_line("g1-copy", "b.example", &zh_page(0)).into_bytes()),
            "\n",
        ),
        (Entry::Bad(rec("huge", &long_text), "too large:"), "\n"),
        (
            Entry::Bad(br#"{"id":"t","text":"x"} x"#.to_vec(), "trailing"),
            "\n",
        ),
        (
            Entry::Good(rec("g3", &clean_page(&ENGLISH[2], &FOOTER_EN))),
            "\n",
        ),
        // The last line: cut short, without a line end.
        (
            Entry::Bad(
                br#"{"id":"last","text":"unterminated"#.to_vec(),
                "invalid JSON",
            ),
            "",
        ),
    ];
    let opts = ["--max-doc-bytes", "6000"];

    let fx = Fixture::new();
    let (mut bad, mut good) = (Vec::new(), Vec::new());
    let mut good_lines = Vec::new(); // line in the damaged file of each good record
    let mut expected_invalid = Vec::new();
    for (i, (e, end)) in entries.iter().enumerate() {
        let line = i as u64 + 1;
        match e {
            Entry::Good(b) => {
                bad.extend_from_slice(b);
                good.extend_from_slice(b);
                good.extend_from_slice(b"\n");
                good_lines.push(line);
            }
            Entry::Bad(b, phrase) => {
                bad.extend_from_slice(b);
                expected_invalid.push((line, *phrase));
            }
            Entry::Blank(s) => bad.extend_from_slice(s.as_bytes()),
        }
        bad.extend_from_slice(end.as_bytes());
    }
    let p = fx.write("news.jsonl", &bad);
    let out = fx.dedup(&[&p], &fx.out(), &opts).success();
    let gfx = Fixture::new();
    let gp = gfx.write("news.jsonl", &good);
    let gout = gfx.dedup(&[&gp], &gfx.out(), &opts).success();

    // The damaged lines: listed in order, where and why, and counted.
    let inv = invalid_of(&out);
    assert_eq!(inv.len(), expected_invalid.len(), "{}", out.dropped_raw);
    for ((source, error), (line, phrase)) in inv.iter().zip(&expected_invalid) {
        assert_eq!(source, &format!("{}:{line}", p.display()));
        assert!(
            error.contains(phrase),
            "line {line}: {error:?} lacks {phrase:?}"
        );
    }
    assert_eq!(
        out.report["invalid"]["count"],
        expected_invalid.len() as u64
    );
    assert_eq!(
        out.report["documents"]["in"],
        (expected_invalid.len() + good_lines.len()) as u64
    );
    // The good ones: exactly as without the damaged lines.
    assert_same_good_records(&out, &p, &gout, &gp, ':', &|k| good_lines[k as usize - 1]);
    // Spot checks of the records that are odd but readable.
    assert_eq!(out.report["invalid"]["lossy_utf8"], 1);
    assert!(out.text("nul-escape").contains('\0'));
    assert!(out.canonical_raw.contains(r"\u0000"));
    let lossy = out.text("lossy");
    assert!(
        lossy.starts_with(SITE_B[1].title) && lossy.contains('\u{FFFD}'),
        "{lossy}"
    );
    // g1 and its copy (same text, another id and URL): one folds into the other, by line.
    let folded: Vec<&serde_json::Value> = out
        .dropped
        .iter()
        .filter(|d| d["id"] == "g1" || d["id"] == "g1-copy")
        .collect();
    assert_eq!(folded.len(), 1);
    let (kept_line, kept_id) = if folded[0]["id"] == "g1" {
        (14, "g1-copy")
    } else {
        (1, "g1")
    };
    assert_eq!(folded[0]["reason"], "exact");
    assert_eq!(folded[0]["kept_id"], kept_id);
    assert_eq!(
        folded[0]["kept_source"],
        format!("{}:{kept_line}", p.display())
    );

    // --strict: each damaged line alone between two good ones is fatal, named by file and line.
    for (e, _) in &entries {
        let Entry::Bad(b, phrase) = e else { continue };
        let sfx = Fixture::new();
        let mut data = news_line("s1", "s", &zh_page(2)).into_bytes();
        data.push(b'\n');
        data.extend_from_slice(b);
        data.push(b'\n');
        data.extend_from_slice(news_line("s3", "s", &zh_page(3)).as_bytes());
        let sp = sfx.write("strict.jsonl", &data);
        let o = sfx.dedup(&[&sp], &sfx.out(), &["--strict", "--max-doc-bytes", "6000"]);
        o.failure(1, &[&format!("{}:2", sp.display()), phrase]);
        o.assert_no_outputs();
    }
    // --strict on the good records alone succeeds with the same result.
    let strict = gfx
        .dedup(
            &[&gp],
            &gfx.root().join("strict"),
            &["--strict", "--max-doc-bytes", "6000"],
        )
        .success();
    assert_eq!(strict.canonical_raw, gout.canonical_raw);
}

/// A JSON string with a lone surrogate escape (`"\ud800"`, as JavaScript writes half an
/// emoji) is valid JSON text but no valid string. Either replacing it with U+FFFD (as invalid
/// UTF-8 is) or listing the record as invalid is defensible; the error currently says
/// ``field `text` is not a string (found a number)``, which is false and sends whoever reads it
/// looking for a number.
#[test]
fn lone_surrogate_in_the_text_is_reported_for_what_it_is() {
    let fx = Fixture::new();
    let p = fx.write(
        "s.jsonl",
        r#"{"id":"ok","text":"a good page"}
{"id":"half-emoji","text":"smile \ud83d please"}
"#,
    );
    let out = fx.dedup_dir(&[]);
    assert_eq!(out.canonical_ids()[0], "ok");
    match out.dropped.iter().find(|d| d["reason"] == "invalid") {
        Some(d) => {
            assert_eq!(d["source"], format!("{}:2", p.display()));
            let e = d["error"].as_str().unwrap();
            assert!(!e.contains("number"), "misleading error: {e}");
            assert!(
                e.contains("surrogate"),
                "error should name the surrogate: {e}"
            );
        }
        None => assert!(out.text("half-emoji").contains('\u{FFFD}')),
    }
}

#[test]
fn damaged_bytes_in_text_pages_are_repaired_not_fatal() {
    let page = |a: &Article| clean_page(a, &[]);
    // Invalid UTF-8 (a stray byte, a cut 3-byte sequence), a raw NUL, CRLF, no final newline.
    let mut damaged = Vec::new();
    damaged.extend_from_slice(format!("{}\r\n", ENGLISH[1].title).as_bytes());
    let p0 = ENGLISH[1].paras[0];
    let (h, t) = p0.split_at(p0.find(' ').unwrap());
    damaged.extend_from_slice(h.as_bytes());
    damaged.extend_from_slice(b"\xff\xe8\xae");
    damaged.extend_from_slice(format!("{t}\r\n").as_bytes());
    damaged.extend_from_slice(format!("{}\0\r\n", ENGLISH[1].paras[1]).as_bytes());
    damaged.extend_from_slice(ENGLISH[1].paras[2].as_bytes());
    let write_common = |fx: &Fixture| {
        fx.write("a.txt", page(&ENGLISH[0]));
        fx.write("c.txt", page(&SITE_A[0]));
        fx.write("d.txt", page(&ENGLISH[0]).replace('\n', "\r\n")); // a copy of a.txt
        fx.write("e.txt", "\r\n \r\n");
    };
    let fx = Fixture::new();
    write_common(&fx);
    fx.write("b.txt", &damaged);
    let out = fx.dedup_dir(&[]);
    let expected = format!(
        "{}\n{h}\u{FFFD}\u{FFFD}{t}\n{}\0\n{}",
        ENGLISH[1].title, ENGLISH[1].paras[1], ENGLISH[1].paras[2]
    );
    assert_eq!(out.text("b.txt"), expected);
    assert_eq!(out.canonical_ids(), ["a.txt", "b.txt", "c.txt"]);
    assert_eq!(out.dropped("d.txt")["kept_id"], "a.txt");
    assert_eq!(out.dropped("e.txt")["reason"], "empty");
    assert_eq!(out.report["invalid"]["count"], 0);
    // Not invalid, so --strict does not stop on it.
    let strict = fx
        .dedup(&[&fx.input()], &fx.root().join("strict"), &["--strict"])
        .success();
    assert_eq!(strict.canonical_raw, out.canonical_raw);

    // The other pages come out as they do without the damaged one.
    let gfx = Fixture::new();
    write_common(&gfx);
    let good = gfx.dedup_dir(&[]);
    let (c, d, _) = out.normalized(&fx.input(), "ROOT");
    let (gc, gd, _) = good.normalized(&gfx.input(), "ROOT");
    let without_b: String = c
        .lines()
        .filter(|l| !l.starts_with(r#"{"id":"b.txt""#))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_text_eq(&without_b, &gc, "canonical.jsonl without b.txt");
    assert_eq!(d, gd);
}

#[test]
fn max_doc_bytes_is_a_limit_on_each_record_in_every_format() {
    let fx = Fixture::new();
    let limit = 300usize;
    // JSON Lines: a line of exactly the limit is read, one byte more is too large; the line
    // end (CR included) does not count.
    let line_of = |id: &str, len: usize| {
        let head = format!(r#"{{"id":"{id}","text":""#);
        let text = "a".repeat(len - head.len() - 2);
        format!("{head}{text}\"}}")
    };
    let at = line_of("at-limit", limit);
    let over = line_of("over-limit", limit + 1);
    assert_eq!((at.len(), over.len()), (limit, limit + 1));
    let j = fx.write("j.jsonl", format!("{at}\r\n{over}\n"));
    // Text pages: the whole (decompressed) file.
    fx.write("t-at.txt", "b".repeat(limit));
    let t_over = fx.write("t-over.txt.gz", gzip("c".repeat(limit + 1).as_bytes()));
    // WET: the record body.
    let w = fx.write(
        "w.wet",
        wet_record("conversion", Some(&urn(1)), None, &"d".repeat(limit))
            + &wet_record("conversion", Some(&urn(2)), None, &"e".repeat(limit + 1)),
    );
    let opts = ["--max-doc-bytes", "300"];
    let out = fx.dedup_dir(&opts);
    assert_eq!(
        out.canonical_ids(),
        ["at-limit", "t-at.txt", urn(1).as_str()]
    );
    let inv = invalid_of(&out);
    let expected = [
        format!("{}:2", j.display()),
        t_over.display().to_string(),
        format!("{}#2", w.display()),
    ];
    assert_eq!(
        inv.iter().map(|i| &i.0).collect::<Vec<_>>(),
        expected.iter().collect::<Vec<_>>()
    );
    for (i, n) in inv.iter().zip([limit + 1, limit + 1, limit + 1]) {
        assert!(
            i.1.starts_with(&format!("too large: {n} bytes")),
            "{}: {}",
            i.0,
            i.1
        );
        assert!(i.1.contains("--max-doc-bytes 300"), "{}", i.1);
    }
    // --strict: the first one stops the run, named.
    let mut strict = vec!["--strict"];
    strict.extend(opts);
    fx.dedup(&[&fx.input()], &fx.root().join("s"), &strict)
        .failure(1, &[&expected[0], "too large"]);
    fx.dedup(&[&t_over], &fx.root().join("s"), &strict)
        .failure(1, &[&expected[1], "too large"]);
    fx.dedup(&[&w], &fx.root().join("s"), &strict)
        .failure(1, &[&expected[2], "too large"]);
}

#[test]
fn damaged_wet_records_leave_the_others_alone() {
    let body = |i: usize| clean_page(&all_articles()[i], &[]);
    let good = |n: u32, i: usize| {
        wet_record(
            "conversion",
            Some(&urn(n)),
            Some(&format!("https://w.example/{n}")),
            &body(i),
        )
    };
    let with_length = |n: u32, i: usize, length: &str| {
        let len = body(i).len();
        good(n, i).replace(
            &format!("Content-Length: {len}\r\n"),
            &format!("Content-Length: {length}\r\n"),
        )
    };
    let no_length = |n: u32, i: usize| {
        let len = body(i).len();
        good(n, i).replace(&format!("Content-Length: {len}\r\n"), "")
    };
    // (record, error phrase if damaged)
    let records: Vec<(String, Option<&str>)> = vec![
        (warcinfo(), None),
        (good(1, 0), None),
        (with_length(2, 1, "12"), Some("record boundary")),
        (good(3, 2), None),
        (with_length(4, 3, "x12"), Some("Content-Length")),
        (
            with_length(5, 4, "18446744073709551615"),
            Some("past the end"),
        ),
        (
            with_length(6, 5, "99999999999999999999999"),
            Some("Content-Length"),
        ),
        (good(7, 6), None),
        (with_length(8, 7, "-5"), Some("Content-Length")),
        (no_length(9, 8), Some("Content-Length")),
        (with_length(10, 9, "1000000"), Some("past the end")),
        (good(11, 12), None),
        (good(12, 0), None), // a copy of record 2
    ];
    let fx = Fixture::new();
    let bad: String = records.iter().map(|r| r.0.as_str()).collect();
    let p = fx.write("crawl.warc.wet", &bad);
    let out = fx.dedup_dir(&[]);
    let gfx = Fixture::new();
    let good_only: String = records
        .iter()
        .filter(|r| r.1.is_none())
        .map(|r| r.0.as_str())
        .collect();
    let gp = gfx.write("crawl.warc.wet", good_only);
    let gout = gfx.dedup_dir(&[]);
    let ordinals: Vec<u64> = (1..=records.len() as u64)
        .filter(|&n| records[n as usize - 1].1.is_none())
        .collect();

    let inv = invalid_of(&out);
    let expected: Vec<(u64, &str)> = records
        .iter()
        .zip(1u64..)
        .filter_map(|(r, n)| r.1.map(|e| (n, e)))
        .collect();
    assert_eq!(inv.len(), expected.len(), "{}", out.dropped_raw);
    for ((source, error), (n, phrase)) in inv.iter().zip(&expected) {
        assert_eq!(source, &format!("{}#{n}", p.display()));
        assert!(
            error.contains(phrase),
            "record {n}: {error:?} lacks {phrase:?}"
        );
    }
    assert_eq!(out.canonical_ids(), [urn(1), urn(3), urn(7), urn(11)]);
    assert_same_good_records(&out, &p, &gout, &gp, '#', &|k| ordinals[k as usize - 1]);
    assert_eq!(
        out.dropped(&urn(12))["kept_source"],
        format!("{}#2", p.display())
    );

    // --strict names the first damaged record.
    fx.dedup(&[&p], &fx.root().join("s"), &["--strict"])
        .failure(1, &[&format!("{}#3", p.display()), "record boundary"]);
}

// ---------------------------------------------------------------------------------------------
// 2. A 200 MB line
// ---------------------------------------------------------------------------------------------

/// Writes `{"id":"huge","text":<text>,"pad":"xxx…"}` between two small records, `total` bytes
/// for the huge line; returns the pad length.
fn write_huge(path: &Path, text: &str, total: usize) -> usize {
    let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    f.write_all(&rec("small-1", "A small page before the huge one."))
        .unwrap();
    f.write_all(b"\n").unwrap();
    let head = format!(r#"{{"id":"huge","text":{},"pad":""#, js(text));
    let pad = total - head.len() - 2;
    f.write_all(head.as_bytes()).unwrap();
    let chunk = vec![b'x'; 1 << 20];
    let mut left = pad;
    while left > 0 {
        let n = left.min(chunk.len());
        f.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    f.write_all(b"\"}\n").unwrap();
    f.write_all(&rec("small-3", "Another small page, after the huge one."))
        .unwrap();
    f.write_all(b"\n").unwrap();
    f.flush().unwrap();
    pad
}

/// A single JSON line of 200 MB: too large under the default `--max-doc-bytes` (listed,
/// counted, fatal with `--strict`, the rest untouched), read with `--max-doc-bytes 300000000`
/// (its text repaired as it would be in a small record, its other fields copied byte for byte).
/// Most of the line is another field, so that the debug build spends its time on the line's
/// size rather than on normalizing 200 MB of text (see the ignored test below for that).
#[test]
fn a_200_mb_line_is_too_large_by_default_and_read_with_a_higher_limit() {
    let start = Instant::now();
    let total = 200_000_000;
    let text = varied_text(5, 200_000);
    let fx = Fixture::new();
    let p = fx.path("huge.jsonl");
    std::fs::create_dir_all(fx.input()).unwrap();
    let pad = write_huge(&p, &text, total);

    // Default limit: invalid, and the small records come out as they do alone.
    let out = fx.dedup(&[&p], &fx.out(), &[]).success();
    let inv = invalid_of(&out);
    assert_eq!(inv.len(), 1);
    assert_eq!(inv[0].0, format!("{}:2", p.display()));
    assert_eq!(
        inv[0].1,
        format!("too large: {total} bytes (limit --max-doc-bytes 67108864)")
    );
    let gfx = Fixture::new();
    let gp = gfx.write(
        "huge.jsonl",
        jsonl(&[
            rec("small-1", "A small page before the huge one."),
            rec("small-3", "Another small page, after the huge one."),
        ]),
    );
    let gout = gfx.dedup(&[&gp], &gfx.out(), &[]).success();
    assert_same_good_records(&out, &p, &gout, &gp, ':', &|k| [1, 3][k as usize - 1]);
    // (`--strict` on a too large record: max_doc_bytes_is_a_limit_on_each_record_in_every_format.)

    // The same text in a small record, for the expected repair.
    let small = gfx.write("small.jsonl", rec("huge", &text));
    let expected = gfx
        .dedup(&[&small], &gfx.root().join("small"), &[])
        .success();
    let expected_text = expected.text("huge").to_owned();

    // A higher limit: read; the pad comes out byte for byte.
    let big_out = fx.root().join("big");
    let o = fx.dedup(&[&p], &big_out, &["--max-doc-bytes", "300000000"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let canonical = std::fs::read(big_out.join("canonical.jsonl")).unwrap();
    // Three lines: find the two short ones at the ends without scanning the 200 MB between.
    let first_end = canonical[..4096].iter().position(|&b| b == b'\n').unwrap();
    let n = canonical.len();
    assert_eq!(canonical[n - 1], b'\n');
    let last_start = n - 4096
        + canonical[n - 4096..n - 1]
            .iter()
            .rposition(|&b| b == b'\n')
            .unwrap()
        + 1;
    assert!(canonical[..first_end].starts_with(br#"{"id":"small-1","#));
    assert!(canonical[last_start..].starts_with(br#"{"id":"small-3","#));
    let huge = &canonical[first_end + 1..last_start - 1];
    let head = format!(r#"{{"id":"huge","text":{},"pad":""#, js(&expected_text));
    assert!(
        huge.starts_with(head.as_bytes()),
        "the huge record's text is repaired as usual"
    );
    let rest = &huge[head.len()..];
    let chunk = vec![b'x'; 1 << 20];
    for c in rest[..pad].chunks(1 << 20) {
        assert!(c == &chunk[..c.len()], "the pad is copied byte for byte");
    }
    let tail: Value =
        serde_json::from_slice(&[b"{\"pad\":\"", &rest[pad..]].concat()).expect("tail is JSON");
    assert_eq!(tail["canon"]["source"], format!("{}:2", p.display()));
    let report: Value =
        serde_json::from_slice(&std::fs::read(big_out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["documents"]["canonical"], 3);
    assert_eq!(report["invalid"]["count"], 0);
    // The manifest (checksums are checked elsewhere: hashing 200 MB takes a while in debug).
    let m: Value =
        serde_json::from_slice(&std::fs::read(big_out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["outputs"][0]["name"], "canonical.jsonl");
    assert_eq!(m["outputs"][0]["bytes"], n as u64);
    eprintln!(
        "a_200_mb_line: {:.1} s in all",
        start.elapsed().as_secs_f64()
    );
}

/// The same with 200 MB of *text* in the line: the release binary takes 107 s and 1.4 GB on
/// such a line (measured outside the suite), a debug build far longer; run it with
/// `cargo test --release --test tests -- --ignored a_200_mb_text`.
#[test]
#[ignore = "slow: minutes in a debug build"]
fn a_200_mb_text_is_read_with_a_higher_limit() {
    let fx = Fixture::new();
    let text = varied_text(9, 200_000_000);
    let p = fx.write("huge.jsonl", rec("huge", &text));
    let o = fx.dedup(&[&p], &fx.out(), &["--max-doc-bytes", "300000000"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let report: Value =
        serde_json::from_slice(&std::fs::read(fx.out().join("report.json")).unwrap()).unwrap();
    assert_eq!(report["documents"]["canonical"], 1);
    assert_eq!(report["bytes"]["text_in"], text.len() as u64);
    let o = fx.dedup(&[&p], &fx.root().join("default"), &[]).success();
    assert!(invalid_of(&o)[0].1.starts_with("too large:"));
}

/// Repair finds glued titles by looking up earlier paragraphs with the same first (or last) 8
/// key bytes. Two things make that quadratic when many paragraphs of a page begin or end alike
/// (logs, lists, forum threads): the `heads`/`tails` maps hash those 8 raw bytes with the
/// identity hasher, so hashbrown's bucket and control bits come from a handful of ASCII values
/// and probing degrades to a linear scan (half the time in `HashMap::insert`), and `glued()`
/// walks and hashes every earlier paragraph with the same edge. A page of 80,000 lines
/// `<n> number entry <n>` (1.7 MB) takes 5 s in a release build and 40,000 take 1.2 s; one of
/// 80,000 lines `entry number <n>` 17 s; a 200 MB page of such lines would take hours.
#[test]
fn repair_time_is_linear_in_paragraphs_that_begin_alike() {
    let page =
        |n: usize| -> String { (1..=n).map(|i| format!("{i} number entry {i}\n")).collect() };
    // The fastest of five runs: timings of a few milliseconds are noisy on a shared machine
    // (this failed once while a fuzzer ran beside it), and quadratic time would show as 64
    // times, not 8.
    let time = |n: usize| {
        let p = page(n);
        (0..5)
            .map(|_| {
                let t = Instant::now();
                let repaired = canon::repair_text(&p, canon::repair::DEFAULT_MIN_REPEAT);
                assert_eq!(repaired, p.trim_end(), "nothing to repair");
                t.elapsed()
            })
            .min()
            .expect("five runs")
    };
    let small = time(4_000);
    let large = time(32_000);
    assert!(
        large < small * 16,
        "8 times the paragraphs took {:.1} times as long ({small:?} -> {large:?})",
        large.as_secs_f64() / small.as_secs_f64()
    );
}

/// The glued-title rule cuts an earlier paragraph's whole key from the start (or end) of a
/// later one, even when the cut splits a word or a number: in a numbered list, `Chapter 10`
/// begins with the key of `Chapter 1`, so it is cut to `0`, and `Chapter 20`, cut to `0` as
/// well, repeats that remainder and is dropped. The pages lose lines (a log of 80,000 lines
/// `entry number <n>` keeps 19, the tenth to nineteenth reading `0`…`9`). A glued title ends
/// at a character boundary of the script (any for Han, a word boundary for letters and digits).
#[test]
fn numbered_lines_are_not_cut_as_glued_titles() {
    let page: String = (1..=25).map(|i| format!("Chapter {i}\n")).collect();
    let repaired = canon::repair_text(&page, canon::repair::DEFAULT_MIN_REPEAT);
    assert_eq!(repaired, page.trim_end());
    let log: String = (1..=200).map(|i| format!("entry number {i}\n")).collect();
    let repaired = canon::repair_text(&log, canon::repair::DEFAULT_MIN_REPEAT);
    assert_eq!(repaired.lines().count(), 200, "{repaired}");
}

// ---------------------------------------------------------------------------------------------
// 3. Damaged compressed streams
// ---------------------------------------------------------------------------------------------

/// Unique numbered JSON records, one per line.
fn numbered(n: usize) -> String {
    let arts = all_articles();
    (1..=n)
        .map(|i| {
            let text = format!(
                "第{i}条 No. {i}\n{}",
                clean_page(&arts[i % arts.len()], &[])
            );
            format!("{{\"id\":\"r{i}\",\"text\":{}}}\n", js(&text))
        })
        .collect()
}

/// zstd, one frame, flushed every `lines` lines (as a streaming writer does): a decoder can
/// give back every block before a cut.
fn zstd_flushed(data: &str, lines: usize) -> Vec<u8> {
    let mut e = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
    for (i, l) in data.split_inclusive('\n').enumerate() {
        e.write_all(l.as_bytes()).unwrap();
        if i % lines == lines - 1 {
            e.flush().unwrap();
        }
    }
    e.finish().unwrap()
}

/// How many bytes a streaming decoder yields before it fails or ends.
fn decodable(mut d: impl Read) -> usize {
    let mut buf = [0u8; 4096];
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
fn damaged_compressed_streams_keep_every_complete_record() {
    let plain = numbered(600);
    let gz = gzip(plain.as_bytes());
    let zs = zstd_flushed(&plain, 25);
    let garbage = b"this is not a compressed member\n";
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "trailing.jsonl.gz",
            [&gz[..], garbage].concat(),
            "invalid gzip header",
        ),
        ("trailing.jsonl.zst", [&zs[..], garbage].concat(), "damaged"),
        (
            "cut.jsonl.gz",
            gz[..gz.len() / 2].to_vec(),
            "damaged or truncated",
        ),
        (
            "cut.jsonl.zst",
            zs[..zs.len() / 2].to_vec(),
            "damaged or truncated",
        ),
    ];
    for (name, bytes, phrase) in cases {
        let fx = Fixture::new();
        let p = fx.write(name, &bytes);
        let out = fx.dedup(&[&p], &fx.out(), &["--no-near"]).success();
        let expected_offset = if name.ends_with(".gz") {
            decodable(flate2::read::MultiGzDecoder::new(&bytes[..]))
        } else {
            decodable(zstd::stream::read::Decoder::new(&bytes[..]).unwrap())
        };
        if name.starts_with("trailing") {
            assert_eq!(expected_offset, plain.len(), "{name}: everything decodes");
        }
        let before = &plain[..expected_offset];
        let complete = before.rfind('\n').map_or(0, |i| i + 1);
        let partial = &before[complete..];
        let n_complete = before[..complete].matches('\n').count();
        // The damage is one invalid record at the offset; a record cut there is one more.
        let mut expected = Vec::new();
        let mut good = before[..complete].to_owned();
        if !partial.is_empty() {
            if serde_json::from_str::<Value>(partial).is_ok() {
                good.push_str(partial);
                good.push('\n');
            } else {
                expected.push(format!("{}:{}", p.display(), n_complete + 1));
            }
        }
        expected.push(format!("{}@{expected_offset}", p.display()));
        let inv = invalid_of(&out);
        assert_eq!(
            inv.iter().map(|i| i.0.clone()).collect::<Vec<_>>(),
            expected,
            "{name}"
        );
        let damage = &inv.last().unwrap().1;
        assert!(damage.contains(phrase), "{name}: {damage}");
        assert!(
            damage.contains(&expected_offset.to_string()),
            "{name}: {damage}"
        );
        assert!(
            n_complete >= 10,
            "{name}: records before the damage were read"
        );
        // Every complete record as in the plain file cut at the same place.
        let gfx = Fixture::new();
        let gp = gfx.write("plain.jsonl", &good);
        let gout = gfx.dedup(&[&gp], &gfx.out(), &["--no-near"]).success();
        assert_same_good_records(&out, &p, &gout, &gp, ':', &|k| k);
        // --strict: the first damage is fatal and named.
        let o = fx.dedup(&[&p], &fx.root().join("strict"), &["--strict", "--no-near"]);
        o.failure(1, &[&expected[0]]);
        o.assert_no_outputs();
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Many small files
// ---------------------------------------------------------------------------------------------

#[test]
fn twenty_thousand_small_files_are_all_read() {
    let n = 20_000;
    let fx = Fixture::new();
    let t = Instant::now();
    let mut expected = Vec::with_capacity(n);
    for i in 0..n {
        let rel = format!("d{:02}/p{i:05}.txt", i % 50);
        // Every 997th page repeats page 0 (exact duplicates across folders).
        let text = if i % 997 == 0 {
            "The first page of the folder collection.\n".to_owned()
        } else {
            format!("page {i} text unique {}\n", i * 7919)
        };
        fx.write(&rel, text);
        expected.push(rel);
    }
    expected.sort(); // the walk order: sorted by name at each level
    let written = t.elapsed();
    let t = Instant::now();
    let out = fx.dedup_dir(&[]);
    let ran = t.elapsed();
    eprintln!(
        "twenty_thousand_small_files: written in {:.1} s, canon ran {:.1} s",
        written.as_secs_f64(),
        ran.as_secs_f64()
    );
    assert_eq!(out.report["documents"]["in"], n as u64);
    assert_eq!(out.report["inputs"]["files"], json!({"text": n}));
    let mut seen: Vec<String> = out.canonical_ids();
    seen.extend(out.dropped_ids());
    let order: BTreeMap<&str, usize> = expected
        .iter()
        .enumerate()
        .map(|(i, r)| (r.as_str(), i))
        .collect();
    seen.sort_by_key(|id| order.get(id.as_str()).copied().unwrap_or(usize::MAX));
    assert_lists_eq(&seen, &expected, "document ids (relative paths)");
    // Canonical lines follow the walk order; the copies fold into the first in that order.
    let kept = out.canonical_ids();
    assert!(kept
        .windows(2)
        .all(|w| order[w[0].as_str()] < order[w[1].as_str()]));
    let first = expected.iter().find(|r| r.ends_with("p00000.txt")).unwrap();
    let dups = out
        .dropped
        .iter()
        .filter(|d| d["reason"] == "exact")
        .count();
    assert_eq!(dups, n.div_ceil(997) - 1);
    for d in out.dropped.iter() {
        assert_eq!(d["kept_id"], first.as_str(), "{d}");
    }
    assert!(
        ran < Duration::from_secs(60),
        "canon took {ran:?} for {n} files"
    );
}

/// Every plain input is memory-mapped and every mapping is kept for the whole run, so a
/// directory with more files than `vm.max_map_count` (65,530 by default on Linux) exhausts the
/// process's mappings. With 67,530 files: by default canon aborts (exit 134: "failed to set up
/// alternative stack guard page: Cannot allocate memory" when the next thread starts, or
/// "memory allocation of N bytes failed"), naming nothing; with `--no-near` it exits 0 with
/// the 2,056 files it could not map listed as `unreadable: … Cannot allocate memory` invalid
/// records. `--no-mmap` reads them all. Small files could be read rather than mapped, or
/// mappings released after each pass.
#[test]
fn more_files_than_the_mapping_limit_are_all_read() {
    let limit: usize = std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(65_530);
    if limit > 200_000 {
        eprintln!("vm.max_map_count is {limit}: skipped");
        return;
    }
    let n = limit + 2_000;
    let fx = Fixture::new();
    for i in 0..n {
        fx.write(
            &format!("d{:03}/p{i:06}.txt", i % 200),
            format!("page {i} text unique {}\n", i * 7919),
        );
    }
    for extra in [&[][..], &["--no-near"]] {
        let out = fx
            .dedup(&[&fx.input()], &fx.root().join("out"), extra)
            .success();
        assert_eq!(out.report["documents"]["canonical"], n as u64, "{extra:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// 6. Unreadable paths
// ---------------------------------------------------------------------------------------------

#[test]
fn symlink_loops_are_invalid_records_not_fatal() {
    let build = |fx: &Fixture, with_loops: bool| {
        fx.write("a.jsonl", news_line("a1", "s", &zh_page(0)) + "\n");
        fx.write("sub/b.txt", clean_page(&ENGLISH[0], &[]));
        fx.write("sub/deeper/c.txt", clean_page(&ENGLISH[1], &[]));
        fx.write("z.jsonl", news_line("z1", "s", &zh_page(1)) + "\n");
        if with_loops {
            use std::os::unix::fs::symlink;
            symlink("..", fx.path("sub/deeper/up")).unwrap(); // a loop back to an ancestor
            symlink("self.txt", fx.path("self.txt")).unwrap(); // a link to itself
            symlink("nowhere.jsonl", fx.path("dangling.jsonl")).unwrap();
        }
    };
    let fx = Fixture::new();
    build(&fx, true);
    let out = fx.dedup_dir(&[]);
    let inv = invalid_of(&out);
    let shown = |r: &str| fx.path(r).display().to_string();
    let sources: Vec<&str> = inv.iter().map(|i| i.0.as_str()).collect();
    assert_eq!(
        sources,
        [
            shown("dangling.jsonl"),
            shown("self.txt"),
            shown("sub/deeper/up")
        ]
    );
    for (s, e) in &inv {
        assert!(e.starts_with("unreadable: "), "{s}: {e}");
    }
    assert!(inv[1].1.contains("symbolic links"), "{}", inv[1].1);
    assert!(inv[2].1.contains("loop"), "{}", inv[2].1);
    assert_eq!(
        out.canonical_ids(),
        ["a1", "sub/b.txt", "sub/deeper/c.txt", "z1"]
    );
    let gfx = Fixture::new();
    build(&gfx, false);
    let good = gfx.dedup_dir(&[]);
    let (c, _, _) = out.normalized(&fx.input(), "ROOT");
    let (gc, _, _) = good.normalized(&gfx.input(), "ROOT");
    assert_text_eq(&c, &gc, "canonical.jsonl");
    // --strict: fatal, named.
    let o = fx.dedup(&[&fx.input()], &fx.root().join("strict"), &["--strict"]);
    o.failure(1, &[&shown("dangling.jsonl")]);
    o.assert_no_outputs();
    // A nonexistent explicit input is an error (a usage error, as an empty directory is),
    // not a record.
    let missing = fx.path("missing.jsonl");
    fx.dedup(&[&missing], &fx.root().join("m"), &[])
        .failure(2, &[&missing.display().to_string()]);
}

/// How this test process can run canon subject to file permissions.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Subject {
    /// Not root: permissions apply to canon as run.
    Direct,
    /// Root, with `setpriv` able to drop to `nobody` (65534).
    Nobody,
    /// Root and no way to drop privileges: permission checks cannot be observed.
    Exempt,
}

fn subject() -> Subject {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Subject::Direct;
    }
    let works = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            BIN,
            "--version",
        ])
        .output()
        .is_ok_and(|o| o.status.success());
    if works {
        Subject::Nobody
    } else {
        Subject::Exempt
    }
}

/// Runs canon as `who`: directly, or through `setpriv` as `nobody`.
fn run_as(who: Subject, args: &[OsString], out: &Path) -> Outcome {
    let mut cmd = if who == Subject::Nobody {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN]);
        c
    } else {
        Command::new(BIN)
    };
    cmd.args(args).env_remove("RAYON_NUM_THREADS");
    outcome(cmd.output().expect("canon runs"), out)
}

/// Sets permission modes and restores them when dropped (so that the fixture can be removed).
struct Modes(Vec<(PathBuf, u32)>);

impl Modes {
    fn set(&mut self, p: &Path, mode: u32) {
        use std::os::unix::fs::PermissionsExt;
        let old = std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
        self.0.push((p.to_path_buf(), old));
    }
}

impl Drop for Modes {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        for (p, mode) in self.0.iter().rev() {
            let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(*mode));
        }
    }
}

#[test]
fn paths_without_read_permission_are_invalid_records() {
    let who = subject();
    let fx = Fixture::new();
    let mut modes = Modes(Vec::new());
    fx.write("a.jsonl", news_line("a1", "s", &zh_page(0)) + "\n");
    let secret = fx.write("secret.jsonl", news_line("s1", "s", &zh_page(1)) + "\n");
    fx.write("locked/c.txt", clean_page(&ENGLISH[1], &[]));
    fx.write("z.txt", clean_page(&ENGLISH[2], &[]));
    let locked = fx.path("locked");
    let out_dir = fx.root().join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    if who == Subject::Nobody {
        modes.set(fx.root(), 0o755);
        modes.set(&out_dir, 0o777);
    }
    modes.set(&secret, 0o000);
    modes.set(&locked, 0o000);
    let o = run_as(who, &dedup_args(&[&fx.input()], &out_dir, &[]), &out_dir);
    let out = o.success();
    if who == Subject::Exempt {
        eprintln!("running as root without setpriv: permissions are not enforced; skipped");
        assert_eq!(out.canonical.len(), 4);
        return;
    }
    let inv = invalid_of(&out);
    let shown = |p: &Path| p.display().to_string();
    assert_eq!(
        inv.iter().map(|i| i.0.clone()).collect::<Vec<_>>(),
        [shown(&locked), shown(&secret)]
    );
    for (s, e) in &inv {
        assert!(e.starts_with("unreadable: "), "{s}: {e}");
        assert!(e.contains("Permission denied"), "{s}: {e}");
    }
    assert_eq!(out.canonical_ids(), ["a1", "z.txt"]);
    assert_eq!(out.report["invalid"]["count"], 2);
    let o = run_as(
        who,
        &dedup_args(&[&fx.input()], &out_dir, &["--strict"]),
        &out_dir,
    );
    o.failure(1, &[&shown(&locked), "Permission denied"]);
    // An explicitly named file without permission is the same: one invalid record.
    let o = run_as(who, &dedup_args(&[&secret], &out_dir, &[]), &out_dir);
    let out = o.success();
    assert_eq!(invalid_of(&out)[0].0, shown(&secret));
}

// ---------------------------------------------------------------------------------------------
// 7. Duplicate ids across files
// ---------------------------------------------------------------------------------------------

#[test]
fn duplicate_ids_across_files_are_kept_apart_by_source() {
    let fx = Fixture::new();
    let x = zh_page(0);
    let glossed = gloss(&clean_page(&SHARED, &[]), &SHARED_GLOSSES);
    let a = fx.write(
        "a.jsonl",
        jsonl(&[rec("x", &x), rec("y", &zh_page(1)), rec("z", &glossed)]),
    );
    let b = fx.write(
        "b.jsonl",
        jsonl(&[
            rec("x", &x),                                   // the same text again
            rec("y", &zh_page(2)),                          // another text, same id
            rec("z", &clean_page(&SHARED, &[])),            // the cleaner copy
            rec("page.txt", &clean_page(&ENGLISH[3], &[])), // the id of a text page
        ]),
    );
    // The text page repeats its title (repair removes it): the record in b.jsonl is the
    // better copy, whatever the content hashes say.
    let page = fx.write(
        "page.txt",
        format!("{}\n{}", ENGLISH[3].title, clean_page(&ENGLISH[3], &[])),
    );
    let o = fx.dedup(&[&fx.input()], &fx.out(), &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let out = Outputs::read(&fx.out());
    let at = |p: &Path, l: usize| format!("{}:{l}", p.display());

    // Every document is in the books once, by source.
    assert_eq!(out.report["documents"]["in"], 8);
    let mut sources: Vec<String> = out
        .canonical
        .iter()
        .map(|l| l["canon"]["source"].as_str().unwrap().to_owned())
        .chain(
            out.dropped
                .iter()
                .map(|l| l["source"].as_str().unwrap().to_owned()),
        )
        .collect();
    sources.sort();
    let mut expected = vec![
        at(&a, 1),
        at(&a, 2),
        at(&a, 3),
        at(&b, 1),
        at(&b, 2),
        at(&b, 3),
        at(&b, 4),
        page.display().to_string(),
    ];
    expected.sort();
    assert_eq!(sources, expected);
    // Both ys are kept; the later x, the glossed z and the text page are folded, and
    // kept_source says which of the same-named documents they were folded into.
    let kept: Vec<(String, String)> = out
        .canonical
        .iter()
        .map(|l| {
            (
                out.id_of(l),
                l["canon"]["source"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        kept,
        [
            ("x".to_owned(), at(&a, 1)),
            ("y".to_owned(), at(&a, 2)),
            ("y".to_owned(), at(&b, 2)),
            ("z".to_owned(), at(&b, 3)),
            ("page.txt".to_owned(), at(&b, 4)),
        ]
    );
    let folded: Vec<(String, String, String, String)> = out
        .dropped
        .iter()
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap().to_owned();
            (s("id"), s("source"), s("kept_id"), s("kept_source"))
        })
        .collect();
    assert_eq!(
        folded,
        [
            ("z".into(), at(&a, 3), "z".into(), at(&b, 3)),
            ("x".into(), at(&b, 1), "x".into(), at(&a, 1)),
            (
                "page.txt".into(),
                page.display().to_string(),
                "page.txt".into(),
                at(&b, 4)
            ),
        ]
    );
    for d in &out.dropped {
        assert_eq!(d["reason"], "exact");
        let target = out
            .canonical
            .iter()
            .find(|l| l["canon"]["source"] == d["kept_source"])
            .expect("kept_source names a canonical line");
        assert_eq!(out.id_of(target), d["kept_id"].as_str().unwrap());
    }
    assert_eq!(out.canonical[0]["canon"]["duplicates"], json!(["x"]));
    // explain lists every document with the id, each with its source.
    let explained = Command::new(BIN)
        .args(["explain", "--out"])
        .arg(fx.out())
        .arg("x")
        .output()
        .unwrap();
    let text = String::from_utf8(explained.stdout).unwrap();
    assert!(text.contains(&format!("x ({})", at(&a, 1))), "{text}");
    assert!(text.contains(&format!("x ({})", at(&b, 1))), "{text}");
}

// ---------------------------------------------------------------------------------------------
// 8. Output failures
// ---------------------------------------------------------------------------------------------

/// A JSON Lines corpus of `n` unique records (about 350 bytes of canonical output each).
fn unique_records(tag: &str, n: usize) -> String {
    (0..n)
        .map(|i| {
            let seed = tag.bytes().fold(i as u64, |h, b| h * 31 + u64::from(b));
            let text = format!("{tag} record {i}\n{}", varied_text(seed, 150));
            String::from_utf8(rec(&format!("{tag}-{i}"), &text)).unwrap() + "\n"
        })
        .collect()
}

#[test]
fn unwritable_output_directory_fails_and_keeps_the_previous_result() {
    let who = subject();
    let fx = Fixture::new();
    let mut modes = Modes(Vec::new());
    let a = fx.write("a.jsonl", unique_records("a", 50));
    let gz = fx.write("b.jsonl.gz", gzip(unique_records("b", 50).as_bytes()));
    let out = fx.out();
    fx.dedup(&[&a], &out, &[]).success();
    let before = snapshot(&out);
    if who == Subject::Nobody {
        modes.set(fx.root(), 0o755);
    } else {
        modes.set(&out, 0o555);
    }
    for extra in [&[][..], &["--no-near"][..], &["--strict"][..]] {
        let o = run_as(who, &dedup_args(&[&a, &gz], &out, extra), &out);
        if who == Subject::Exempt {
            eprintln!("running as root without setpriv: permissions are not enforced; skipped");
            assert_eq!(o.code, 0, "{}", o.stderr);
            return;
        }
        o.failure(1, &[&out.display().to_string(), "Permission denied"]);
        assert_result(&out, &before, "the previous result");
    }
    // An output directory that cannot be created.
    let nested = out.join("sub");
    let o = run_as(who, &dedup_args(&[&a], &nested, &[]), &nested);
    o.failure(1, &[&nested.display().to_string()]);
    assert!(!nested.exists());
}

/// Runs canon under `ulimit -f <blocks>` (512-byte blocks in `sh`); SIGXFSZ is ignored by
/// canon, so writes past the limit fail with EFBIG.
fn dedup_with_file_limit(blocks: u32, inputs: &[&Path], out: &Path, extra: &[&str]) -> Outcome {
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -f {blocks} && exec \"$0\" \"$@\""))
        .arg(BIN)
        .args(dedup_args(inputs, out, extra))
        .env_remove("RAYON_NUM_THREADS")
        .output()
        .expect("sh runs");
    outcome(o, out)
}

#[test]
fn full_disk_fails_naming_the_file_and_keeps_the_previous_result() {
    let fx = Fixture::new();
    let a = fx.write("a.jsonl", unique_records("a", 100));
    let b = fx.write("b.jsonl", unique_records("b", 3000)); // ~1 MB of canonical output
    let out = fx.out();
    fx.dedup(&[&a], &out, &[]).success();
    let before = snapshot(&out);
    // Exact deduplication: the first output to outgrow the limit is canonical.jsonl.
    let o = dedup_with_file_limit(50, &[&b], &out, &["--no-near"]);
    o.failure(
        1,
        &[
            &out.join("canonical.jsonl").display().to_string(),
            "too large",
        ],
    );
    assert_result(&out, &before, "after a full disk (outputs)");
    // With near-duplicates, the signature file (unnamed, in the output directory) may fill
    // first: the message names the directory.
    let o = dedup_with_file_limit(50, &[&b], &out, &[]);
    o.failure(1, &[&out.display().to_string(), "too large"]);
    assert_result(&out, &before, "after a full disk (signatures)");
    // Room again: the run completes.
    let done = fx.dedup(&[&b], &out, &[]).success();
    assert_eq!(done.canonical.len(), 3000);
    assert!(done.canonical_raw.len() > 50 * 512 * 10);
    check_manifest(&out).expect("manifest");
    assert_no_temp_files(&out);
}

/// A compressed input is decompressed into an unnamed temporary file in the output directory.
/// When that write fails (full disk, file-size limit, unwritable directory) the error is
/// turned into an "unreadable" invalid record *of the input* and the run carries on: it exits
/// 0 having dropped every document of that file, blaming the input for a problem of the
/// output side (`unreadable: out: File too large`). Only a path that cannot be read should
/// become an invalid record; a failed write in the output directory should fail the run.
#[test]
fn full_disk_while_decompressing_an_input_fails_the_run() {
    let fx = Fixture::new();
    let a = fx.write("a.jsonl", unique_records("a", 20));
    // 2000 copies of one page: 5 MB decompressed, little output.
    let pad = "x".repeat(2500);
    let big: String = (0..2000)
        .map(|i| format!("{{\"id\":\"p{i}\",\"text\":\"the same page for every record\",\"pad\":\"{pad}\"}}\n"))
        .collect();
    let gz = fx.write("big.jsonl.gz", gzip(big.as_bytes()));
    let out = fx.out();
    fx.dedup(&[&a], &out, &[]).success();
    let before = snapshot(&out);
    let o = dedup_with_file_limit(1000, &[&gz], &out, &[]);
    o.failure(1, &[&out.display().to_string()]);
    assert_result(&out, &before, "the previous result");
}

// ---------------------------------------------------------------------------------------------
// 9. Inputs that change during a run
// ---------------------------------------------------------------------------------------------

/// A change made to an input file during a run.
type Change = dyn Fn(&Path) + Sync;

/// Runs the library on `input` into `out` and applies `change` to the input as soon as the
/// run has opened it (pass 1 has begun). Returns the result and the stage the run was in right
/// after the change (before `Emit`: the final check of the inputs was still to come).
fn run_changing(
    input: &Path,
    out: &Path,
    mode: canon::input::ReadMode,
    change: &Change,
) -> (canon::Result<canon::Report>, Stage) {
    let mut cfg = canon::Config::new(vec![input.to_path_buf()], out.to_path_buf());
    cfg.run.threads = 2;
    cfg.run.read_mode = mode;
    let progress = canon::Progress::default();
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        let watcher = s.spawn(|| {
            while progress.stage() < Stage::Read {
                if done.load(SeqCst) {
                    return Stage::Done;
                }
                std::thread::yield_now();
            }
            change(input);
            progress.stage()
        });
        let r = canon::run(&cfg, &progress);
        done.store(true, SeqCst);
        (r, watcher.join().unwrap())
    })
}

fn append(p: &Path) {
    let mut f = std::fs::OpenOptions::new().append(true).open(p).unwrap();
    f.write_all(&rec("late", "A record appended while canon was running."))
        .unwrap();
    f.write_all(b"\n").unwrap();
}

fn overwrite_in_place(p: &Path) {
    let mut f = std::fs::OpenOptions::new().write(true).open(p).unwrap();
    // Inside the first record's text: same size, other bytes.
    f.seek(SeekFrom::Start(30)).unwrap();
    f.write_all(b"CHANGED").unwrap();
}

fn truncate_half(p: &Path) {
    let f = std::fs::OpenOptions::new().write(true).open(p).unwrap();
    let len = f.metadata().unwrap().len();
    f.set_len(len / 2).unwrap();
}

#[test]
fn an_input_changed_during_the_run_fails_it_and_keeps_the_previous_result() {
    use canon::input::ReadMode::{Buffered, Mmap};
    let original = unique_records("c", 1500);
    let cases: [(&str, canon::input::ReadMode, &Change); 4] = [
        ("append (mmap)", Mmap, &append),
        ("overwrite in place (mmap)", Mmap, &overwrite_in_place),
        ("append (--no-mmap)", Buffered, &append),
        ("truncate (--no-mmap)", Buffered, &truncate_half),
    ];
    for (what, mode, change) in cases {
        let fx = Fixture::new();
        let p = fx.write("c.jsonl", &original);
        let out = fx.out();
        fx.dedup(&[&p], &out, &[]).success();
        let before = snapshot(&out);
        let mut conclusive = false;
        for _attempt in 0..5 {
            std::fs::write(&p, &original).unwrap();
            std::thread::sleep(Duration::from_millis(20)); // a later modification time
            let (r, stage) = run_changing(&p, &out, mode, change);
            match r {
                Err(e) => {
                    let msg = e.to_string();
                    assert!(
                        msg.contains("changed while canon was running"),
                        "{what}: {msg}"
                    );
                    assert!(msg.contains(&p.display().to_string()), "{what}: {msg}");
                    assert_result(&out, &before, what);
                    conclusive = true;
                    break;
                }
                Ok(_) => {
                    // Only possible if the change came after the final check of the inputs.
                    assert!(
                        stage >= Stage::Emit,
                        "{what}: changed in stage {stage:?} and yet succeeded"
                    );
                    check_manifest(&out).expect("manifest");
                    fx.dedup(&[&p], &out, &[]).success(); // back to a known previous result
                }
            }
        }
        assert!(conclusive, "{what}: the change never landed inside a run");
    }
}

/// The same through the binary, with the change at a random moment: the run either finished
/// before it (the result of the old or the new content) or failed naming the file and left
/// the previous result alone.
#[test]
fn an_input_changed_at_a_random_moment_never_gives_a_mixed_result() {
    let fx = Fixture::new();
    let original = unique_records("r", 1500);
    let p = fx.write("r.jsonl", &original);
    let old_ref = fx.root().join("old");
    let t = Instant::now();
    fx.dedup(&[&p], &old_ref, &[]).success();
    let took = t.elapsed();
    let old = snapshot(&old_ref);
    append(&p);
    let new_ref = fx.root().join("new");
    fx.dedup(&[&p], &new_ref, &[]).success();
    let new = snapshot(&new_ref);
    let out = fx.out();
    std::fs::write(&p, &original).unwrap();
    fx.dedup(&[&p], &out, &[]).success();
    let mut previous = old.clone();
    let mut rng = Rng::new(99);
    let mut tally = BTreeMap::new();
    for _ in 0..4 {
        std::fs::write(&p, &original).unwrap();
        std::thread::sleep(Duration::from_millis(20));
        let child = Command::new(BIN)
            .args(dedup_args(&[&p], &out, &[]))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let delay = took.mul_f64(rng.below(1000) as f64 / 1000.0);
        std::thread::sleep(delay);
        append(&p);
        let o = outcome(child.wait_with_output().unwrap(), &out);
        let now = snapshot(&out);
        if o.code == 0 {
            let which = if now == old {
                "old content"
            } else if now == new {
                "new content"
            } else {
                panic!("a successful run gave neither the old nor the new result")
            };
            *tally.entry(which).or_insert(0) += 1;
            previous = now;
        } else {
            o.failure(
                1,
                &[&p.display().to_string(), "changed while canon was running"],
            );
            assert!(now == previous, "a failed run changed the outputs");
            *tally.entry("failed").or_insert(0) += 1;
        }
        check_manifest(&out).expect("manifest");
        assert_no_temp_files(&out);
    }
    eprintln!("an_input_changed_at_a_random_moment: {tally:?} (run takes {took:?})");
}

#[test]
fn no_mmap_gives_the_same_result_as_mmap() {
    let fx = Fixture::new();
    gen_corpus(&fx.input(), "m", 3, 600_000, 4);
    let mapped = fx
        .dedup(&[&fx.input()], &fx.root().join("mmap"), &[])
        .success();
    let read = fx
        .dedup(&[&fx.input()], &fx.root().join("read"), &["--no-mmap"])
        .success();
    assert!(
        read.canonical_raw == mapped.canonical_raw,
        "canonical.jsonl differs"
    );
    assert!(
        read.dropped_raw == mapped.dropped_raw,
        "dropped.jsonl differs"
    );
    assert_eq!(read.report_without_run(), mapped.report_without_run());
    assert!(snapshot(&fx.root().join("mmap")) == snapshot(&fx.root().join("read")));
}

// ---------------------------------------------------------------------------------------------
// 10. Crash safety
// ---------------------------------------------------------------------------------------------

/// What the output directory held after a killed run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Left {
    /// Run A's result, complete, with its manifest.
    A,
    /// Run B's result, complete, with its manifest.
    B,
    /// No manifest: killed while renaming the outputs; each file is whole, some A's, some B's.
    NoManifest,
}

/// Checks the output directory after a killed run: whatever is there under a final name is a
/// complete output of run A or run B (never a partial file); with a manifest, all of it is
/// one run's result and matches the manifest.
#[track_caller]
fn check_after_kill(
    out: &Path,
    a: &BTreeMap<&'static str, Vec<u8>>,
    b: &BTreeMap<&'static str, Vec<u8>>,
) -> Left {
    assert_eq!(strangers(out), Vec::<String>::new(), "unexpected files");
    let mut from_a = 0;
    let mut from_b = 0;
    for name in OUTPUT_NAMES {
        // A complete result existed before the first kill, so every output exists.
        let bytes = std::fs::read(out.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let c = comparable(name, &bytes);
        let (is_a, is_b) = (c == a[name], c == b[name]);
        assert!(
            is_a || is_b,
            "{name} is neither run's complete output ({} bytes)",
            bytes.len()
        );
        from_a += usize::from(is_a && !is_b);
        from_b += usize::from(is_b && !is_a);
    }
    match check_manifest(out) {
        Some(_) if from_b == 0 => Left::A,
        Some(_) if from_a == 0 => Left::B,
        Some(_) => panic!("a manifest over a mix of two runs' outputs"),
        None => Left::NoManifest,
    }
}

/// The key guarantee of the atomic commit: a run killed (SIGKILL) at any moment never leaves
/// a partial file under a final name, and a manifest always describes the files next to it.
/// Runs A and B read different inputs, so that every output differs. After a complete run A,
/// runs are started again and again towards the other result (B over A, A over B) and killed:
/// after a random delay over a whole run, or the moment their outputs or their manifest appear
/// as temporary files (the commit). Without a manifest the directory is incomplete (some
/// outputs renamed, some not) until a run completes: that state is allowed between the removal
/// of the old manifest and the rename of the new one, and only then.
#[test]
fn killed_runs_never_leave_a_partial_or_inconsistent_result() {
    let fx = Fixture::new();
    let files = gen_corpus(&fx.input(), "k", 17, 700_000, 4);
    let extra = fx.write(
        "zz-extra.jsonl",
        unique_records("extra", 300) + "{\"id\":\"cut\",\"text\":\n",
    );
    let a_inputs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let mut b_inputs = a_inputs.clone();
    b_inputs.push(&extra);
    let (ref_a, ref_b) = (fx.root().join("ref-a"), fx.root().join("ref-b"));
    fx.dedup(&a_inputs, &ref_a, &[]).success();
    let t = Instant::now();
    fx.dedup(&b_inputs, &ref_b, &[]).success();
    let took = t.elapsed();
    let (a, b) = (snapshot(&ref_a), snapshot(&ref_b));
    for n in OUTPUT_NAMES {
        assert!(
            a[n] != b[n] || n == "boilerplate.jsonl",
            "{n}: runs A and B agree"
        );
    }
    let out = fx.out();
    fx.dedup(&a_inputs, &out, &[]).success();
    assert_result(&out, &a, "run A");

    let mut rng = Rng::new(2024);
    let mut state = Left::A;
    // (how the run was killed, what it left) -> times
    let mut tally: BTreeMap<(&str, &str), u32> = BTreeMap::new();
    // "emit": killed when its outputs appear as temporary files; "random": after a random
    // delay up to 1.5 runs; "commit": the moment the old manifest is gone (between its removal
    // and the rename of the new one).
    let plan: Vec<&str> = std::iter::repeat_n("emit", 2)
        .chain(std::iter::repeat_n("random", 8))
        .chain(std::iter::repeat_n("commit", 4))
        .collect();
    for how in plan {
        if how == "commit" && state == Left::NoManifest {
            // An incomplete directory first has to be made whole again: a run does that.
            fx.dedup(&b_inputs, &out, &[]).success();
            assert_result(&out, &b, "a run over an incomplete directory");
            state = Left::B;
        }
        let towards = if state == Left::B { Left::A } else { Left::B };
        let inputs = if towards == Left::A {
            &a_inputs
        } else {
            &b_inputs
        };
        let mut child = Command::new(BIN)
            .args(dedup_args(inputs, &out, &[]))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let moment = |out: &Path| match how {
            "emit" => std::fs::read_dir(out).unwrap().flatten().any(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(".canonical.jsonl.")
            }),
            _ => !out.join("manifest.json").exists(),
        };
        if how == "random" {
            std::thread::sleep(took.mul_f64(rng.below(1500) as f64 / 1000.0));
        } else {
            // Poll until the moment comes (or the run ends).
            while child.try_wait().unwrap().is_none() && !moment(&out) {}
        }
        let _ = child.kill();
        child.wait().unwrap();
        let left = check_after_kill(&out, &a, &b);
        let what = if left == towards {
            "completed"
        } else if left == state {
            "unchanged"
        } else {
            assert_eq!(left, Left::NoManifest, "from {state:?} towards {towards:?}");
            "commit interrupted"
        };
        *tally.entry((how, what)).or_insert(0) += 1;
        state = left;
    }
    eprintln!("killed_runs: a run takes {took:?}; what the kills left: {tally:?}");

    // A final uninterrupted run completes and cleans up after the killed ones.
    fx.dedup(&b_inputs, &out, &[]).success();
    assert_result(&out, &b, "the final run");
}

// ---------------------------------------------------------------------------------------------
// 11. Determinism
// ---------------------------------------------------------------------------------------------

#[test]
fn thread_counts_and_repeated_runs_are_byte_identical() {
    let fx = Fixture::new();
    let files = gen_corpus(&fx.input(), "t", 41, 1_300_000, 1);
    // More than one unit of parallel work (1 MiB) in the JSON Lines file.
    assert!(std::fs::metadata(&files[0]).unwrap().len() > 1 << 20);
    let run = |name: &str, threads: &str| {
        let dir = fx.root().join(name);
        let o = fx
            .dedup(&[&fx.input()], &dir, &["--threads", threads])
            .success();
        assert_eq!(o.report["run"]["threads"], threads.parse::<u64>().unwrap());
        let mut m = check_manifest(&dir).expect("manifest");
        // report.json and report.html differ by their timings, and so do their checksums.
        m["outputs"]
            .as_array_mut()
            .unwrap()
            .retain(|o| o["name"] != "report.json" && o["name"] != "report.html");
        (snapshot(&dir), m)
    };
    let (one, m1) = run("t1", "1");
    assert!(one["canonical.jsonl"].len() > 300_000);
    for (name, threads) in [("t2", "2"), ("t8", "8"), ("t2-again", "2")] {
        let (other, m) = run(name, threads);
        for n in OUTPUT_NAMES {
            assert!(
                one[n] == other[n],
                "{n} differs with {threads} threads ({name})"
            );
        }
        assert_eq!(m, m1, "manifest with {threads} threads");
    }
}

/// Which document of a cluster survives depends on content only: for every order of three
/// files on the command line the outputs are byte-identical, a cluster with a better member
/// (cleaner, more complete, less repaired) keeps that member, and a cluster of copies that
/// differ only in their ids keeps the same copy (lowest content hash) whatever the order.
#[test]
fn input_order_changes_nothing() {
    let fx = Fixture::new();
    let zh = |a: &Article| clean_page(a, &[]);
    let z = ENGLISH[1];
    let z_short = clean_page(&z, &[]);
    let z_long = z_short.replace("Friday evening", "Friday evening once the sun had set");
    let w = ENGLISH[3];
    let w_broken = broken_page_indented(w.title, &w.lines()[1..], &w.lines()[1..], &[], "");
    let files = [
        fx.write(
            "f1.jsonl",
            jsonl(&[
                rec("e1", &zh(&SITE_B[0])),
                rec("g1", &gloss(&zh(&SHARED), &SHARED_GLOSSES)),
                rec("z-short", &z_short),
                rec("w-clean", &clean_page(&w, &[])),
                rec("u1", &zh(&SITE_A[0])),
            ]),
        ),
        fx.write(
            "f2.jsonl",
            jsonl(&[
                rec("e2", &zh(&SITE_B[0])),
                rec("g2", &zh(&SHARED)),
                rec("u2", &zh(&SITE_A[1])),
            ]),
        ),
        fx.write(
            "f3.jsonl",
            jsonl(&[
                rec("e3", &zh(&SITE_B[0])),
                rec("z-long", &z_long),
                rec("w-broken", &w_broken),
                rec("u3", &zh(&SITE_A[2])),
            ]),
        ),
    ];
    let expected_clusters: Vec<Vec<String>> = {
        let mut c: Vec<Vec<String>> = [
            &["e1", "e2", "e3"][..],
            &["g1", "g2"],
            &["u1"],
            &["u2"],
            &["u3"],
            &["w-broken", "w-clean"],
            &["z-long", "z-short"],
        ]
        .iter()
        .map(|c| c.iter().map(|s| s.to_string()).collect())
        .collect();
        c.sort();
        c
    };
    let orders = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    let mut first: Option<Outputs> = None;
    for (k, order) in orders.iter().enumerate() {
        let inputs: Vec<&Path> = order.iter().map(|&i| files[i].as_path()).collect();
        let out = fx
            .dedup(&inputs, &fx.root().join(format!("o{k}")), &[])
            .success();
        assert_eq!(out.clusters(), expected_clusters, "order {order:?}");
        let mut kept = out.canonical_ids();
        kept.sort();
        let tie: Vec<&str> = ["e1", "e2", "e3"]
            .into_iter()
            .filter(|e| kept.iter().any(|k| k == e))
            .collect();
        assert_eq!(tie.len(), 1, "order {order:?}: {kept:?}");
        let mut expected: Vec<&str> = vec![tie[0], "g2", "u1", "u2", "u3", "w-clean", "z-long"];
        expected.sort();
        assert_eq!(kept, expected, "order {order:?}");
        assert_eq!(out.dropped("z-short")["reason"], "near");
        if let Some(f) = &first {
            out.assert_same_as(f, &format!("order {order:?}"));
        } else {
            first = Some(out);
        }
    }
}

#[test]
fn shuffled_inputs_and_renamed_files_keep_the_partition() {
    let fx = Fixture::new();
    let files = gen_corpus(&fx.input(), "p", 77, 1_200_000, 5);
    let base = fx
        .dedup(&[&fx.input()], &fx.root().join("base"), &[])
        .success();
    let partition = |o: &Outputs| {
        let mut fates: Vec<(String, String)> = o
            .fates()
            .into_iter()
            .filter(|(id, _)| !id.contains(&fx.root().display().to_string()))
            .collect();
        fates.sort();
        (
            o.clusters(),
            fates
                .into_iter()
                .filter(|f| f.1 == "empty")
                .collect::<Vec<_>>(),
        )
    };
    // Listed in a shuffled order.
    let mut shuffled: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let mut rng = Rng::new(5);
    for i in (1..shuffled.len()).rev() {
        shuffled.swap(i, rng.below(i + 1));
    }
    let s = fx
        .dedup(&shuffled, &fx.root().join("shuffled"), &[])
        .success();
    assert_eq!(partition(&s), partition(&base), "shuffled order");
    assert!(s.canonical_raw == base.canonical_raw, "shuffled order");
    assert!(s.dropped_raw == base.dropped_raw, "shuffled order");
    // The same files renamed within another directory so that they sort the other way.
    let renamed = fx.root().join("renamed");
    std::fs::create_dir_all(&renamed).unwrap();
    for (i, f) in files.iter().enumerate() {
        let name = f.file_name().unwrap().to_string_lossy();
        std::fs::copy(f, renamed.join(format!("{:02}-{name}", files.len() - i))).unwrap();
    }
    let r = fx.dedup(&[&renamed], &fx.root().join("r"), &[]).success();
    assert_eq!(partition(&r), partition(&base), "renamed files");
    for o in [&s, &r] {
        assert_eq!(o.report["documents"], base.report["documents"]);
        assert_eq!(o.report["clusters"], base.report["clusters"]);
    }
    assert!(base.report["clusters"]["clusters"].as_u64().unwrap() > 10);
}

/// A reader that stops early (`canon explain … | head -1`) ends `canon explain` normally: a
/// broken pipe is not a panic (exit 0, nothing on stderr).
#[test]
fn a_broken_pipe_ends_explain_normally() {
    let fx = Fixture::new();
    // A page with thousands of stuttered lines: a long explanation (beyond a pipe's buffer).
    let page: String = (0..4000)
        .map(|i| format!("Line number {i} of a long page\nLine number {i} of a long page\n"))
        .collect();
    fx.write("long.txt", &page);
    let out = fx.dedup_dir(&[]);
    drop(out);
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("canon"))
        .args(["explain", "--out"])
        .arg(fx.out())
        .arg("long.txt")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The read end is closed here; the rest of the explanation meets a broken pipe.
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
