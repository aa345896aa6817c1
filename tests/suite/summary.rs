//! What `canon dedup` says at the end of a run (issue 12): an aligned table with thousands
//! separators and nouns that agree with their counts, the S-curve only with `--verbose`, and
//! `report.json` timing every stage that ran (no near-zero `1_read` while reading was timed
//! elsewhere), its byte books balanced.

use std::ffi::OsString;

use serde_json::Value;

use crate::fixtures::{js, varied_text};
use crate::util::{run_canon, Fixture, Outputs};

/// `canon dedup <in> --out <out> [extra]` without `--quiet`, expecting success; returns the
/// outputs and stderr (the summary).
fn dedup_loud(fx: &Fixture, extra: &[&str]) -> (Outputs, String) {
    let mut args: Vec<OsString> = vec!["dedup".into()];
    args.extend(extra.iter().map(OsString::from));
    args.push(fx.input().into());
    args.push("--out".into());
    args.push(fx.out().into());
    let o = run_canon(&args, &fx.out());
    assert_eq!(o.code, 0, "{}", o.stderr);
    let out = Outputs::read(&fx.out());
    out.check_books();
    (out, o.stderr)
}

/// `n` short documents, every tenth an exact copy of the one before it.
fn many(fx: &Fixture, n: usize) {
    let mut s = String::new();
    for i in 0..n {
        let text = if i % 10 == 9 {
            format!(
                "Note {} of the ledger, on harbor dues and ferry tickets.",
                i - 1
            )
        } else {
            format!("Note {i} of the ledger, on harbor dues and ferry tickets.")
        };
        s.push_str(&format!("{{\"id\":\"n{i}\",\"text\":{}}}\n", js(&text)));
    }
    fx.write("ledger.jsonl", s);
}

#[test]
fn summary_counts_have_thousands_separators() {
    let fx = Fixture::new();
    many(&fx, 1200);
    let (out, summary) = dedup_loud(&fx, &["--no-near"]);
    assert_eq!(out.report["documents"]["in"], 1200);
    assert!(
        summary.starts_with("canon: 1,200 documents in "),
        "{summary}"
    );
    let row = |label: &str| {
        summary
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("no {label:?} row in:\n{summary}"))
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    assert_eq!(row("in")[1], "1,200");
    assert_eq!(row("kept")[1], "1,080");
    assert_eq!(row("exact duplicates")[2], "120");
    assert!(
        !summary.contains("1200") && !summary.contains("1080"),
        "{summary}"
    );
}

#[test]
fn summary_nouns_agree_with_their_counts_in_a_one_document_run() {
    let fx = Fixture::new();
    fx.write("one.txt", varied_text(3, 400));
    let (out, summary) = dedup_loud(&fx, &["-j", "1"]);
    assert_eq!(out.report["documents"]["in"], 1);
    assert!(
        summary.starts_with("canon: 1 document in ") && summary.contains("1 thread)"),
        "{summary}"
    );
    for wrong in ["1 documents", "1 threads", "(s)", " 1 paragraphs"] {
        assert!(!summary.contains(wrong), "{wrong:?} in:\n{summary}");
    }
    // One unit system: decimal kB/MB, never KiB/MiB.
    assert!(!summary.contains("iB"), "{summary}");
}

#[test]
fn summary_shows_the_s_curve_only_with_verbose() {
    let fx = Fixture::new();
    many(&fx, 30);
    let (_, quiet) = dedup_loud(&fx, &[]);
    assert!(!quiet.contains("P(candidate)"), "{quiet}");
    let (_, verbose) = dedup_loud(&fx, &["--verbose"]);
    assert!(verbose.contains("P(candidate) 0.50:"), "{verbose}");
    assert!(verbose.contains("candidate pair"), "{verbose}");
}

/// The stage keys of `report.json`'s `run.seconds`, in order, and their sum without `total`.
fn stages(report: &Value) -> (Vec<String>, f64, f64) {
    let seconds = report["run"]["seconds"].as_object().unwrap();
    let keys: Vec<String> = seconds.keys().cloned().collect();
    let sum = seconds
        .iter()
        .filter(|(k, _)| *k != "total")
        .map(|(_, v)| v.as_f64().unwrap())
        .sum();
    (keys, sum, seconds["total"].as_f64().unwrap())
}

#[test]
fn report_times_each_stage_that_ran() {
    let fx = Fixture::new();
    many(&fx, 300);
    fx.write("pages/long.txt", varied_text(5, 200_000));
    let out = fx.dedup_dir(&[]);
    let (keys, sum, total) = stages(&out.report);
    assert_eq!(
        keys,
        [
            "1_read",
            "3_boilerplate",
            "4_exact",
            "4a_signatures",
            "4b_banding",
            "4c_verification",
            "4d_cluster",
            "5_emit",
            "6_commit",
            "total"
        ]
    );
    let seconds = &out.report["run"]["seconds"];
    // Reading (opening and pass 1) is timed as reading, not left at a near-zero `1_read`.
    assert!(
        seconds["1_read"].as_f64().unwrap() >= 0.05 * total,
        "{seconds}"
    );
    // The stages cover the run: their times add up to about its wall time.
    assert!(
        sum <= total * 1.001 && sum >= 0.7 * total,
        "{sum} of {total}"
    );

    // Without near-duplicates, their stages did not run and are not listed.
    let out = fx
        .dedup(&[&fx.input()], &fx.root().join("exact"), &["--no-near"])
        .success();
    let (keys, _, _) = stages(&out.report);
    assert_eq!(
        keys,
        [
            "1_read",
            "3_boilerplate",
            "4_exact",
            "4d_cluster",
            "5_emit",
            "6_commit",
            "total"
        ]
    );
}

#[test]
fn report_bytes_balance_by_reason() {
    let fx = Fixture::new();
    many(&fx, 40);
    let page = varied_text(8, 3000);
    fx.write("pages/doubled.txt", format!("{page}{page}"));
    let out = fx.dedup_dir(&[]);
    let b = &out.report["bytes"];
    let n = |k: &str| b[k].as_u64().unwrap_or_else(|| panic!("bytes.{k} in {b}"));
    assert_eq!(
        n("text_in"),
        n("text_out") + n("repair") + n("boilerplate") + n("passages") + n("dropped_documents"),
        "{b}"
    );
    assert!(
        n("repair") as f64 >= 0.9 * page.len() as f64,
        "the doubled body is repair's: {b}"
    );
    assert!(n("dropped_documents") > 0, "exact copies: {b}");
}
