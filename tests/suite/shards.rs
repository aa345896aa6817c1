//! Sharded stages (issue 5): `sign`×N → `cluster` → `emit`×N gives what `canon dedup` gives on
//! the same inputs, for several N, with emit shards finishing in any order.

use std::path::Path;

use crate::util::{canon_quiet as canon, Fixture};

fn report_without_run(dir: &Path) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("run");
    v
}

fn explain_lines(dir: &Path) -> Vec<u8> {
    zstd::decode_all(&std::fs::read(dir.join("explain.jsonl.zst")).unwrap()[..]).unwrap()
}

#[test]
fn sharded_stages_equal_dedup() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let fx = Fixture::new();
    let reference = fx.root().join("ref");
    canon(&[
        "dedup".as_ref(),
        data.as_os_str(),
        "--out".as_ref(),
        reference.as_os_str(),
    ]);
    for n in [1usize, 3, 8, 20] {
        let work = fx.root().join(format!("work-{n}"));
        let out = fx.root().join(format!("out-{n}"));
        for i in 1..=n {
            let shard = format!("{i}/{n}");
            canon(&[
                "sign".as_ref(),
                "--shard".as_ref(),
                shard.as_ref(),
                "--work".as_ref(),
                work.as_os_str(),
                data.as_os_str(),
            ]);
        }
        canon(&["cluster".as_ref(), "--work".as_ref(), work.as_os_str()]);
        // Emit shards in reverse order: the last one to finish (shard 1) assembles.
        for i in (1..=n).rev() {
            assert!(
                !out.join("manifest.json").exists(),
                "assembled before shard {i} of {n}"
            );
            let shard = format!("{i}/{n}");
            canon(&[
                "emit".as_ref(),
                "--shard".as_ref(),
                shard.as_ref(),
                "--work".as_ref(),
                work.as_os_str(),
                "--out".as_ref(),
                out.as_os_str(),
            ]);
        }
        for f in ["canonical.jsonl", "dropped.jsonl", "boilerplate.jsonl"] {
            assert!(
                std::fs::read(reference.join(f)).unwrap() == std::fs::read(out.join(f)).unwrap(),
                "{f} differs for N = {n}"
            );
        }
        assert_eq!(
            explain_lines(&reference),
            explain_lines(&out),
            "explain differs for N = {n}"
        );
        assert_eq!(
            report_without_run(&reference),
            report_without_run(&out),
            "report differs for N = {n}"
        );
        assert!(
            html_without_run(&reference) == html_without_run(&out),
            "report.html differs for N = {n}"
        );
    }
}

/// report.html without its timing section (which lists each emit shard's time).
fn html_without_run(dir: &Path) -> String {
    let page = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let (begin, end) = ("<!-- run: varies between runs -->", "<!-- /run -->");
    let (a, b) = (page.find(begin).unwrap(), page.find(end).unwrap());
    format!("{}{}", &page[..a], &page[b + end.len()..])
}

#[test]
fn stages_say_what_is_missing() {
    let fx = Fixture::new();
    let work = fx.root().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let o = assert_cmd::Command::cargo_bin("canon")
        .unwrap()
        .args(["cluster", "--work"])
        .arg(&work)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no sign shards"),
        "{o:?}"
    );
    let o = assert_cmd::Command::cargo_bin("canon")
        .unwrap()
        .args(["sign", "--shard", "4/3", "--work"])
        .arg(&work)
        .arg("x")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

/// Shards must agree on the options that decide outcomes (one equality of `Options`), and may
/// differ in how they run (threads, `--memory`, `--no-mmap`).
#[test]
fn shards_agree_on_options_not_on_run_settings() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let fx = Fixture::new();
    let sign = |work: &Path, shard: &str, extra: &[&str]| {
        assert_cmd::Command::cargo_bin("canon")
            .unwrap()
            .args(["sign", "--quiet", "--shard", shard, "--work"])
            .arg(work)
            .arg(&data)
            .args(extra)
            .output()
            .unwrap()
    };
    let cluster = |work: &Path| {
        assert_cmd::Command::cargo_bin("canon")
            .unwrap()
            .args(["cluster", "--quiet", "--work"])
            .arg(work)
            .output()
            .unwrap()
    };
    // Run settings differ: the shards merge.
    let work = fx.root().join("settings");
    assert!(sign(&work, "1/2", &["--threads", "1"]).status.success());
    let two = sign(
        &work,
        "2/2",
        &["--threads", "2", "--memory", "1M", "--no-mmap"],
    );
    assert!(two.status.success(), "{two:?}");
    let o = cluster(&work);
    assert!(o.status.success(), "{o:?}");
    // An option differs: refused, naming the shard.
    let work = fx.root().join("options");
    assert!(sign(&work, "1/2", &[]).status.success());
    assert!(sign(&work, "2/2", &["--min-repeat", "40"]).status.success());
    let o = cluster(&work);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("sign-2-of-2.bin") && err.contains("other options"),
        "{err}"
    );
}
