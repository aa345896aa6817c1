//! What a new user hits (issue 12): a pipe or standard input is read, never taken for an empty
//! file; skipped files, skipped WARC records and repeated ids are said on stderr; two runs on
//! one index are refused; every error has one prefix, says which path is the output, and
//! names option mismatches in words; `--version` says what was built.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::json;

use crate::fixtures::*;
use crate::util::*;

const BIN: &str = env!("CARGO_BIN_EXE_canon");

/// Three unrelated English pages as JSON lines, ids `p0`..`p2`.
fn three_records() -> String {
    (0..3)
        .map(|i| {
            format!(
                "{}\n",
                news_line(&format!("p{i}"), "s", &clean_page(&ENGLISH[i], &[]))
            )
        })
        .collect()
}

/// Runs canon with `args`, feeding `stdin` to it through a pipe.
fn run_piped(args: &[&str], stdin: &[u8], out: &Path) -> Outcome {
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("RAYON_NUM_THREADS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("canon starts");
    let mut pipe = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    // Written from a thread: canon may refuse before reading, and a full pipe must not
    // block the test.
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&data);
    });
    let o = child.wait_with_output().expect("canon runs");
    writer.join().unwrap();
    Outcome {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        out: out.to_path_buf(),
    }
}

/// `canon dedup --progress never <extra> <inputs> --out <out>`: not quiet, so that warnings
/// show.
fn dedup_loud(inputs: &[&Path], out: &Path, extra: &[&str]) -> Outcome {
    let mut args: Vec<std::ffi::OsString> =
        vec!["dedup".into(), "--progress".into(), "never".into()];
    args.extend(extra.iter().map(Into::into));
    args.extend(inputs.iter().map(|p| p.as_os_str().to_owned()));
    args.push("--out".into());
    args.push(out.as_os_str().to_owned());
    run_canon(&args, out)
}

fn sources(out: &Outputs) -> Vec<String> {
    let mut s: Vec<String> = out
        .canonical
        .iter()
        .map(|l| l["canon"]["source"].as_str().unwrap().to_owned())
        .chain(
            out.dropped
                .iter()
                .map(|l| l["source"].as_str().unwrap().to_owned()),
        )
        .collect();
    s.sort();
    s
}

#[test]
fn a_pipe_is_read_not_taken_for_empty() {
    let fx = Fixture::new();
    let out = fx.out();
    let o = out.to_str().unwrap();
    // `-` is standard input; its records are `<stdin>:LINE` in every output.
    let got = run_piped(
        &["dedup", "--quiet", "-", "--format", "jsonl", "-o", o],
        three_records().as_bytes(),
        &out,
    )
    .success();
    assert_eq!(got.report["documents"]["in"], 3);
    assert_eq!(got.canonical_ids(), ["p0", "p1", "p2"]);
    assert_eq!(sources(&got), ["<stdin>:1", "<stdin>:2", "<stdin>:3"]);
    assert_eq!(got.report["inputs"]["bytes_on_disk"], three_records().len());

    // `/dev/stdin` (a pipe with a path) is read too, under its own name.
    let out2 = fx.root().join("out2");
    let o2 = out2.to_str().unwrap();
    let got = run_piped(
        &[
            "dedup",
            "--quiet",
            "/dev/stdin",
            "--format",
            "jsonl",
            "-o",
            o2,
        ],
        three_records().as_bytes(),
        &out2,
    )
    .success();
    assert_eq!(got.report["documents"]["in"], 3);
    assert_eq!(sources(&got)[0], "/dev/stdin:1");

    // `zcat dump.gz | canon dedup -` and `canon dedup - < dump.gz` alike: a compressed
    // stream is told by its first bytes. A copy in the stream is dropped naming its source,
    // and `canon explain` names the same.
    let copy = three_records() + &news_line("p0-copy", "s", &clean_page(&ENGLISH[0], &[])) + "\n";
    let out3 = fx.root().join("out3");
    let o3 = out3.to_str().unwrap();
    let got = run_piped(
        &["dedup", "--quiet", "-", "--format", "jsonl", "-o", o3],
        &gzip(copy.as_bytes()),
        &out3,
    )
    .success();
    assert_eq!(got.report["documents"]["in"], 4);
    // (Which of the two is kept is the canonical order's business: the content hash.)
    let d = &got.dropped[0];
    let (dropped, kept) = (
        d["source"].as_str().unwrap(),
        d["kept_source"].as_str().unwrap(),
    );
    let mut pair = [dropped, kept];
    pair.sort();
    assert_eq!(pair, ["<stdin>:1", "<stdin>:4"]);
    let id = d["id"].as_str().unwrap();
    let ex = run_args(&["explain", "-o", o3, id]);
    assert_eq!(ex.code, 0, "{}", ex.stderr);
    assert!(
        ex.stdout.contains(&format!("{id} ({dropped})")),
        "{}",
        ex.stdout
    );
    assert!(ex.stdout.contains(&format!("({kept})")), "{}", ex.stdout);

    // Standard input has no name to tell its format by.
    run_piped(&["dedup", "-", "-o", o], b"", &out).failure(2, &["--format"]);
}

#[test]
fn a_fifo_is_read_not_taken_for_empty() {
    let fx = Fixture::new();
    std::fs::create_dir_all(fx.input()).unwrap();
    let fifo = fx.path("dump.jsonl");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("mkfifo is not available; skipped");
        return;
    }
    let path = fifo.clone();
    // Opening a FIFO for writing waits for its reader: canon.
    let writer = std::thread::spawn(move || {
        let mut f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        f.write_all(three_records().as_bytes()).unwrap();
    });
    let got = fx.dedup(&[&fifo], &fx.out(), &[]).success();
    writer.join().unwrap();
    assert_eq!(got.report["documents"]["in"], 3);
    let shown = fifo.display().to_string();
    assert_eq!(sources(&got), [1, 2, 3].map(|l| format!("{shown}:{l}")));
    // A FIFO inside a directory is never opened (reading it could wait forever).
    let o = fx.dedup(&[&fx.input()], &fx.root().join("o2"), &[]);
    o.failure(2, &["no input files found"]);
}

#[test]
fn a_stream_is_read_once_with_an_index_and_refused_by_sharded_stages() {
    let fx = Fixture::new();
    let state = fx.root().join("state");
    let s = state.to_str().unwrap();
    let o1 = fx.root().join("o1");
    let night = |out: &Path| {
        let o = out.to_str().unwrap();
        let run = run_piped(
            &[
                "dedup", "--quiet", "--index", s, "-", "--format", "jsonl", "-o", o,
            ],
            three_records().as_bytes(),
            out,
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        // (Not `success()`: its books do not know the published documents.)
        Outputs::read(out)
    };
    let first = night(&o1);
    assert_eq!(first.report["index"]["published_after"], 3);
    // The same stream again: every record is folded into what the first night published.
    let o2 = fx.root().join("o2");
    let second = night(&o2);
    assert_eq!(second.report["index"]["folded_into_published"], 3);
    assert_eq!(second.dropped[0]["kept_source"], "<stdin>:1");
    assert!(!state.join("index.lock").exists());

    // `cluster` and `emit` open the inputs again: a stream is refused up front.
    let work = fx.root().join("work");
    let o = run_piped(
        &[
            "sign",
            "--shard",
            "1/1",
            "--work",
            work.to_str().unwrap(),
            "-",
            "--format",
            "jsonl",
        ],
        three_records().as_bytes(),
        &work,
    );
    o.failure(2, &["<stdin>", "read only once"]);
}

#[test]
fn skipped_files_are_named_on_stderr() {
    let fx = Fixture::new();
    fx.write("a.jsonl", three_records());
    for name in ["b.csv", "c.md", "d.html", "e.xml", "f.orc"] {
        fx.write(name, "x\n");
    }
    let o = dedup_loud(&[&fx.input()], &fx.out(), &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let line = o
        .stderr
        .lines()
        .find(|l| l.contains("skipped"))
        .unwrap_or_else(|| panic!("no line about skipped files: {}", o.stderr));
    assert!(
        line.starts_with("canon: warning: skipped 5 files"),
        "{line}"
    );
    assert!(
        line.contains(&fx.path("b.csv").display().to_string()),
        "{line}"
    );
    assert!(line.contains("and 2 more"), "{line}");
    let out = Outputs::read(&fx.out());
    assert_eq!(
        out.report["inputs"]["skipped_files"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    // --quiet prints nothing but errors.
    fx.dedup(&[&fx.input()], &fx.out(), &[]).success();
}

#[test]
fn warc_records_read_as_wet_are_counted_and_said() {
    let fx = Fixture::new();
    let html = "<html><body><p>A page</p></body></html>";
    let mut warc = warcinfo();
    for i in 0..2 {
        warc += &wet_record(
            "request",
            Some(&urn(10 + i)),
            Some("http://x.example/"),
            "GET / HTTP/1.1\r\n",
        );
        warc += &wet_record(
            "response",
            Some(&urn(20 + i)),
            Some("http://x.example/"),
            html,
        );
    }
    let p = fx.write("crawl.warc.wet", warc);
    let o = dedup_loud(&[&p], &fx.out(), &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let warned: Vec<&str> = o
        .stderr
        .lines()
        .filter(|l| l.contains("WARC records"))
        .collect();
    assert_eq!(warned.len(), 1, "{}", o.stderr);
    for needle in [
        "canon: warning:",
        "skipped 5 WARC records",
        "2 response",
        "2 request",
        "conversion",
    ] {
        assert!(warned[0].contains(needle), "{needle:?} in {}", warned[0]);
    }
    let out = Outputs::read(&fx.out());
    assert_eq!(out.report["documents"]["in"], 0);
    assert_eq!(
        out.report["inputs"]["wet_skipped_types"],
        json!({"request": 2, "response": 2, "warcinfo": 1})
    );
    // A WET file (warcinfo and conversion records) is read without a word.
    let wet = warcinfo()
        + &wet_record(
            "conversion",
            Some(&urn(1)),
            Some("http://x.example/a"),
            &plain(&ENGLISH[0]),
        );
    let p = fx.write("crawl2.warc.wet", wet);
    let o = dedup_loud(&[&p], &fx.root().join("o2"), &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(!o.stderr.contains("warning"), "{}", o.stderr);
}

#[test]
fn repeated_ids_are_counted_and_warned_once() {
    let fx = Fixture::new();
    let lines: String = ["x", "y", "x", "z", "x", "y"]
        .iter()
        .enumerate()
        .map(|(i, id)| format!("{}\n", news_line(id, "s", &clean_page(&SITE_B[i], &[]))))
        .collect();
    let p = fx.write("a.jsonl", lines);
    let o = dedup_loud(&[&p], &fx.out(), &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let warned: Vec<&str> = o.stderr.lines().filter(|l| l.contains(" id")).collect();
    assert_eq!(warned.len(), 1, "{}", o.stderr);
    assert!(
        warned[0].starts_with("canon: warning: 2 ids"),
        "{}",
        warned[0]
    );
    assert!(
        warned[0].contains("first `x`, carried by 3"),
        "{}",
        warned[0]
    );
    let out = Outputs::read(&fx.out());
    assert_eq!(
        out.report["documents"]["repeated_ids"],
        json!({"ids": 2, "documents": 5, "first": {"id": "x", "documents": 3}})
    );
    // Unique ids: nothing said, nothing counted.
    let q = fx.write("b.jsonl", three_records());
    let o = dedup_loud(&[&q], &fx.root().join("o2"), &[]);
    assert!(!o.stderr.contains("warning"), "{}", o.stderr);
    let out = Outputs::read(&fx.root().join("o2"));
    assert_eq!(
        out.report["documents"]["repeated_ids"],
        json!({"ids": 0, "documents": 0, "first": null})
    );
}

#[test]
fn a_second_run_on_a_locked_index_is_refused_naming_the_lock() {
    let fx = Fixture::new();
    let p = fx.write("a.jsonl", three_records());
    let state = fx.root().join("state");
    let s = state.to_str().unwrap();
    let lock = state.join("index.lock");
    std::fs::create_dir_all(&state).unwrap();
    // A live run holds it (this test's pid stands for one).
    let pid = std::process::id().to_string();
    std::fs::write(&lock, format!("{pid}\n")).unwrap();
    let o = fx.dedup(&[&p], &fx.out(), &["--index", s]);
    o.failure(
        1,
        &[
            "canon: error:",
            &lock.display().to_string(),
            &pid,
            "using this index",
        ],
    );
    o.assert_no_outputs();
    assert_eq!(
        std::fs::read_to_string(&lock).unwrap(),
        format!("{pid}\n"),
        "the holder's lock stays"
    );
    assert!(!state.join("index.bin").exists());

    // A lock left by a run that is gone: said so, with what to do.
    let mut gone = Command::new("true").spawn().unwrap();
    let dead = gone.id().to_string();
    gone.wait().unwrap();
    std::fs::write(&lock, format!("{dead}\n")).unwrap();
    let o = fx.dedup(&[&p], &fx.out(), &["--index", s]);
    o.failure(1, &[&dead, "no longer running", "remove"]);

    // Removed, the run goes, and leaves no lock; nor does a run that fails.
    std::fs::remove_file(&lock).unwrap();
    fx.dedup(&[&p], &fx.out(), &["--index", s]).success();
    assert!(!lock.exists());
    let bad = fx.write("bad.jsonl", "{not json\n");
    fx.dedup(&[&bad], &fx.root().join("o2"), &["--index", s, "--strict"])
        .failure(1, &["bad.jsonl:1"]);
    assert!(!lock.exists());
}

#[test]
fn an_index_option_mismatch_is_said_in_words() {
    let fx = Fixture::new();
    let p = fx.write("a.jsonl", three_records());
    let state = fx.root().join("state");
    let s = state.to_str().unwrap();
    fx.dedup(&[&p], &fx.out(), &["--index", s]).success();
    let o = fx.dedup(
        &[&p],
        &fx.root().join("o2"),
        &["--index", s, "--near-threshold", "0.7"],
    );
    let err = o.failure(1, &["index.bin", "--near-threshold 0.8 (this run: 0.7)"]);
    assert!(
        !err.contains("Some(") && !err.contains("NearConfig"),
        "{err}"
    );
    let o = fx.dedup(
        &[&p],
        &fx.root().join("o3"),
        &["--index", s, "--no-near", "--min-repeat", "30"],
    );
    o.failure(
        1,
        &["--min-repeat 50 (this run: 30)", "this run: --no-near"],
    );
}

#[test]
fn errors_have_one_prefix_and_say_which_path_is_the_output() {
    let fx = Fixture::new();
    let p = fx.write("a.jsonl", three_records());
    // The output is a file.
    let file = fx.write("not-a-dir", "x");
    let o = fx.dedup(&[&p], &file, &[]);
    let err = o.failure(
        1,
        &[&format!("output {}", file.display()), "not a directory"],
    );
    assert!(err.starts_with("canon: error: "), "{err}");
    // The output is an input directory.
    let o = fx.dedup(&[&fx.input()], &fx.input(), &[]);
    let err = o.failure(2, &["is the input directory", "--out"]);
    assert!(err.starts_with("canon: error: "), "{err}");
    // A bad flag (clap's message) and a bad value (canon's).
    let err = run_args(&["dedup", "--no-such-flag"])
        .failure(2, &["--no-such-flag"])
        .to_owned();
    assert!(err.starts_with("canon: error: "), "{err}");
    let o = fx.dedup(&[&p], &fx.out(), &["--min-repeat", "0"]);
    assert!(o
        .failure(2, &["--min-repeat"])
        .starts_with("canon: error: "));
}

#[test]
fn an_empty_directory_and_a_missing_path_exit_alike() {
    let fx = Fixture::new();
    let empty = fx.root().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let missing = fx.root().join("missing");
    let a = fx.dedup(&[&empty], &fx.out(), &[]);
    let b = fx.dedup(&[&missing], &fx.out(), &[]);
    let ea = a.failure(2, &["no input files found", &empty.display().to_string()]);
    let eb = b.failure(2, &["input not found", &missing.display().to_string()]);
    assert!(ea.starts_with("canon: error: ") && eb.starts_with("canon: error: "));
    a.assert_no_outputs();
}

#[test]
fn version_names_the_commit_and_the_minhash_kernel() {
    let o = run_args(&["--version"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: Vec<&str> = o.stdout.lines().collect();
    assert_eq!(v.len(), 1, "{}", o.stdout);
    assert!(
        v[0].starts_with(&format!("canon {} (commit ", env!("CARGO_PKG_VERSION"))),
        "{}",
        v[0]
    );
    assert!(
        v[0].ends_with("MinHash kernel: avx2)") || v[0].ends_with("MinHash kernel: portable)"),
        "{}",
        v[0]
    );
}
