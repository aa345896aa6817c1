//! Test harness: temporary fixture directories, running the built `canon` binary, and reading
//! and checking its three outputs.

#![allow(dead_code)] // each suite uses its own subset

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The names a successful run writes into its output directory.
pub const OUTPUT_NAMES: [&str; 6] = [
    "canonical.jsonl",
    "dropped.jsonl",
    "report.json",
    "report.html",
    "explain.jsonl.zst",
    "boilerplate.jsonl",
];

/// `report.html` without its timing section, the one part that differs between identical
/// runs; panics if the page is incomplete.
#[track_caller]
pub fn html_without_run(page: &str) -> String {
    let (begin, end) = ("<!-- run: varies between runs -->", "<!-- /run -->");
    let a = page
        .find(begin)
        .expect("report.html has its timing section");
    let b = page.find(end).expect("report.html's timing section ends");
    assert!(
        a < b && page.ends_with("</html>\n"),
        "report.html is complete"
    );
    format!("{}{}", &page[..a], &page[b + end.len()..])
}

/// The reasons a document can be dropped for.
pub const REASONS: [&str; 4] = ["exact", "near", "empty", "invalid"];

/// A temporary directory holding fixture files (under `in/`) and outputs (under `out/`).
pub struct Fixture {
    tmp: tempfile::TempDir,
}

impl Fixture {
    pub fn new() -> Fixture {
        Fixture {
            tmp: tempfile::Builder::new()
                .prefix("canon-test-")
                .tempdir()
                .expect("temporary directory"),
        }
    }

    /// The fixture's root directory.
    pub fn root(&self) -> &Path {
        self.tmp.path()
    }

    /// The input directory, `<root>/in` (created on first write).
    pub fn input(&self) -> PathBuf {
        self.root().join("in")
    }

    /// `<root>/in/<rel>`.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.input().join(rel)
    }

    /// The default output directory, `<root>/out`.
    pub fn out(&self) -> PathBuf {
        self.root().join("out")
    }

    /// Writes `<root>/in/<rel>`, creating folders; returns its path.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, contents).unwrap();
        p
    }

    /// `canon dedup --quiet <extra> <inputs> --out <out>`.
    pub fn dedup(&self, inputs: &[&Path], out: &Path, extra: &[&str]) -> Outcome {
        let mut args: Vec<OsString> = vec!["dedup".into(), "--quiet".into()];
        args.extend(extra.iter().map(OsString::from));
        args.extend(inputs.iter().map(|p| p.as_os_str().to_owned()));
        args.push("--out".into());
        args.push(out.as_os_str().to_owned());
        run_canon(&args, out)
    }

    /// Runs canon on the whole input directory into `out/`, expects success and returns the
    /// outputs after checking their books.
    pub fn dedup_dir(&self, extra: &[&str]) -> Outputs {
        self.dedup(&[&self.input()], &self.out(), extra).success()
    }
}

/// What a run of the binary did.
#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub out: PathBuf,
}

impl Outcome {
    /// Asserts exit 0 and a silent run (`--quiet`), reads the outputs and checks their books.
    #[track_caller]
    pub fn success(&self) -> Outputs {
        self.success_with("id", "text")
    }

    /// [`Outcome::success`] for a run with `--id-field` / `--text-field`.
    #[track_caller]
    pub fn success_with(&self, id_field: &str, text_field: &str) -> Outputs {
        assert_eq!(self.code, 0, "canon failed: {}", self.stderr);
        assert_eq!(self.stderr, "", "--quiet run printed to stderr");
        let o = Outputs::read(&self.out).with_fields(id_field, text_field);
        o.check_books();
        o
    }

    /// Asserts the exit status and that stderr mentions every `needle`; returns stderr.
    #[track_caller]
    pub fn failure(&self, code: i32, needles: &[&str]) -> &str {
        assert_eq!(
            self.code, code,
            "exit status; stdout: {}; stderr: {}",
            self.stdout, self.stderr
        );
        for n in needles {
            assert!(
                self.stderr.contains(n),
                "stderr should mention {n:?}: {}",
                self.stderr
            );
        }
        &self.stderr
    }

    /// Asserts that no output exists under its final name in the output directory.
    #[track_caller]
    pub fn assert_no_outputs(&self) {
        for name in OUTPUT_NAMES {
            assert!(
                !self.out.join(name).exists(),
                "{name} exists after a failed run"
            );
        }
        assert_no_temp_files(&self.out);
    }
}

/// Asserts that a directory (if it exists) holds no leftover temporary output files.
#[track_caller]
pub fn assert_no_temp_files(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            assert!(!name.ends_with(".tmp"), "leftover temporary file {name}");
        }
    }
}

/// Runs the built binary with exactly these arguments.
pub fn run_canon(args: &[OsString], out: &Path) -> Outcome {
    let output = assert_cmd::Command::cargo_bin("canon")
        .expect("the canon binary is built")
        .args(args)
        .env_remove("RAYON_NUM_THREADS")
        .output()
        .expect("canon runs");
    Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        out: out.to_path_buf(),
    }
}

/// Runs the built binary with string arguments (for command-line error cases).
pub fn run_args(args: &[&str]) -> Outcome {
    let args: Vec<OsString> = args.iter().map(OsString::from).collect();
    run_canon(&args, Path::new("/nonexistent-canon-out"))
}

/// The outputs of a run, raw and parsed.
#[derive(Debug, Clone)]
pub struct Outputs {
    pub canonical_raw: String,
    pub dropped_raw: String,
    pub report_raw: String,
    pub canonical: Vec<Value>,
    pub dropped: Vec<Value>,
    pub report: Value,
    /// `explain.jsonl.zst`, decompressed and parsed.
    pub explain: Vec<Value>,
    /// `boilerplate.jsonl`, parsed.
    pub boilerplate: Vec<Value>,
    /// `report.html` without its timing section (the part that varies between runs).
    pub report_html: String,
    /// JSON field names the run was configured with (for JSON Lines canonical lines).
    pub id_field: String,
    pub text_field: String,
}

fn parse_lines(raw: &str, name: &str) -> Vec<Value> {
    if !raw.is_empty() {
        assert!(raw.ends_with('\n'), "{name} does not end with a newline");
    }
    raw.lines()
        .enumerate()
        .map(|(i, l)| {
            assert!(!l.contains('\r'), "{name}:{}: carriage return", i + 1);
            let v: Value = serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("{name}:{}: not JSON ({e}): {l}", i + 1));
            assert!(v.is_object(), "{name}:{}: not an object: {l}", i + 1);
            v
        })
        .collect()
}

impl Outputs {
    /// Reads `canonical.jsonl`, `dropped.jsonl` and `report.json` from `out`.
    pub fn read(out: &Path) -> Outputs {
        let read = |name: &str| {
            std::fs::read_to_string(out.join(name))
                .unwrap_or_else(|e| panic!("{}: {e}", out.join(name).display()))
        };
        let canonical_raw = read("canonical.jsonl");
        let dropped_raw = read("dropped.jsonl");
        let report_raw = read("report.json");
        let explain_path = out.join("explain.jsonl.zst");
        let explain = std::fs::read(&explain_path)
            .unwrap_or_else(|e| panic!("{}: {e}", explain_path.display()));
        // Always a zstd stream, even without documents (malformed::regression_empty_explain_file).
        let explain = zstd::decode_all(&explain[..]).expect("explain.jsonl.zst is zstd");
        let explain = String::from_utf8(explain).expect("explain.jsonl.zst is UTF-8");
        Outputs {
            canonical: parse_lines(&canonical_raw, "canonical.jsonl"),
            dropped: parse_lines(&dropped_raw, "dropped.jsonl"),
            report: serde_json::from_str(&report_raw).expect("report.json is JSON"),
            explain: parse_lines(&explain, "explain.jsonl.zst"),
            boilerplate: parse_lines(&read("boilerplate.jsonl"), "boilerplate.jsonl"),
            report_html: html_without_run(&read("report.html")),
            canonical_raw,
            dropped_raw,
            report_raw,
            id_field: "id".into(),
            text_field: "text".into(),
        }
    }

    /// The same outputs, read with other JSON field names.
    pub fn with_fields(mut self, id_field: &str, text_field: &str) -> Outputs {
        self.id_field = id_field.into();
        self.text_field = text_field.into();
        self
    }

    /// The document id of a canonical line: the id field (a string, or a number's digits), or
    /// the source when the record had none (which is also what `dropped.jsonl` and `kept_id`
    /// use).
    pub fn id_of(&self, line: &Value) -> String {
        // Lines for text pages and WET records always use `id` and `text`.
        let plain = line
            .as_object()
            .unwrap()
            .keys()
            .all(|k| matches!(k.as_str(), "id" | "url" | "text" | "canon"));
        let field = if plain { "id" } else { &self.id_field };
        match line.get(field) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            None | Some(Value::Null) => line["canon"]["source"].as_str().unwrap().to_owned(),
            Some(other) => panic!("unexpected id {other}"),
        }
    }

    /// The text of a canonical line.
    pub fn text_of<'a>(&self, line: &'a Value) -> &'a str {
        let t = line
            .get(&self.text_field)
            .or_else(|| line.get("text"))
            .expect("canonical line has a text");
        t.as_str().expect("text is a string")
    }

    /// Ids of canonical documents, in output order.
    pub fn canonical_ids(&self) -> Vec<String> {
        self.canonical.iter().map(|l| self.id_of(l)).collect()
    }

    /// Ids of dropped documents, in output order.
    pub fn dropped_ids(&self) -> Vec<String> {
        self.dropped
            .iter()
            .map(|l| l["id"].as_str().unwrap().to_owned())
            .collect()
    }

    /// The canonical line of document `id`.
    #[track_caller]
    pub fn kept(&self, id: &str) -> &Value {
        let found = self.canonical.iter().find(|l| self.id_of(l) == id);
        found.unwrap_or_else(|| {
            panic!(
                "{id} is not canonical; canonical: {:?}; dropped: {}",
                self.canonical_ids(),
                self.dropped_raw
            )
        })
    }

    /// The `dropped.jsonl` line of document `id`.
    #[track_caller]
    pub fn dropped(&self, id: &str) -> &Value {
        let found = self.dropped.iter().find(|l| l["id"] == id);
        found.unwrap_or_else(|| {
            panic!(
                "{id} is not dropped; canonical: {:?}; dropped: {}",
                self.canonical_ids(),
                self.dropped_raw
            )
        })
    }

    /// The emitted text of canonical document `id`.
    #[track_caller]
    pub fn text(&self, id: &str) -> &str {
        self.text_of(self.kept(id))
    }

    /// `id → reason` for dropped documents, `id → "canonical"` for kept ones.
    pub fn fates(&self) -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        for id in self.canonical_ids() {
            m.insert(id, "canonical".to_owned());
        }
        for l in &self.dropped {
            m.insert(
                l["id"].as_str().unwrap().to_owned(),
                l["reason"].as_str().unwrap().to_owned(),
            );
        }
        m
    }

    /// Clusters as sorted id lists (canonical first, then its duplicates sorted), sorted.
    pub fn clusters(&self) -> Vec<Vec<String>> {
        let mut out: Vec<Vec<String>> = self
            .canonical
            .iter()
            .map(|l| {
                let mut dups: Vec<String> = l["canon"]["duplicates"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d.as_str().unwrap().to_owned())
                    .collect();
                dups.push(self.id_of(l));
                dups.sort();
                dups
            })
            .collect();
        out.sort();
        out
    }

    /// The report without its `run` section (the only part that may differ between runs).
    /// Asserts that another run's outputs are the same: canonical.jsonl and dropped.jsonl
    /// byte for byte, explain and boilerplate lines, the report apart from `run`.
    #[track_caller]
    pub fn assert_same_as(&self, other: &Outputs, what: &str) {
        assert!(
            self.canonical_raw == other.canonical_raw,
            "{what}: canonical.jsonl differs"
        );
        assert!(
            self.dropped_raw == other.dropped_raw,
            "{what}: dropped.jsonl differs"
        );
        assert_eq!(self.explain, other.explain, "{what}: explain differs");
        assert_eq!(
            self.boilerplate, other.boilerplate,
            "{what}: boilerplate differs"
        );
        assert_eq!(
            self.report_without_run(),
            other.report_without_run(),
            "{what}: report differs"
        );
        assert!(
            self.report_html == other.report_html,
            "{what}: report.html differs (its timing section aside)"
        );
    }

    pub fn report_without_run(&self) -> Value {
        let mut r = self.report.clone();
        let run = r.as_object_mut().unwrap().remove("run");
        assert!(run.is_some(), "report has a run section");
        r
    }

    /// The checks every run must pass: the books balance, every input document is accounted
    /// for exactly once, cluster links are consistent, and the report's counts match the files.
    #[track_caller]
    pub fn check_books(&self) {
        let r = &self.report;
        let docs = &r["documents"];
        let n_in = docs["in"].as_u64().expect("documents.in");
        assert_eq!(
            n_in,
            (self.canonical.len() + self.dropped.len()) as u64,
            "documents.in = canonical lines + dropped lines"
        );
        assert_eq!(docs["canonical"], self.canonical.len() as u64);

        // Dropped lines and their reasons.
        let mut by_reason: BTreeMap<&str, u64> = BTreeMap::new();
        for l in &self.dropped {
            let reason = l["reason"].as_str().expect("reason");
            assert!(REASONS.contains(&reason), "unknown reason {reason}");
            *by_reason.entry(reason).or_default() += 1;
            assert!(l["id"].is_string() && l["source"].is_string(), "{l}");
            assert!(l.get("kept_id").is_some(), "kept_id is always present: {l}");
            let folded = matches!(reason, "exact" | "near");
            assert_eq!(
                l["kept_id"].is_string(),
                folded,
                "kept_id iff exact or near: {l}"
            );
            assert_eq!(
                l.get("kept_source").is_some(),
                folded,
                "kept_source iff exact or near: {l}"
            );
            let near = reason == "near";
            assert_eq!(
                l.get("similarity").is_some(),
                near,
                "similarity iff near: {l}"
            );
            if near {
                let s = l["similarity"].as_f64().expect("similarity is a number");
                assert!(s > 0.0 && s <= 1.0, "{l}");
                assert!(l["chain"].is_u64(), "{l}");
            }
            let invalid = reason == "invalid";
            assert_eq!(l.get("error").is_some(), invalid, "error iff invalid: {l}");
            if invalid {
                assert!(!l["error"].as_str().unwrap().is_empty());
            }
        }
        let dropped = docs["dropped"].as_object().expect("documents.dropped");
        assert_eq!(dropped.len(), REASONS.len(), "{dropped:?}");
        for reason in REASONS {
            assert_eq!(
                dropped.get(reason).and_then(Value::as_u64),
                Some(by_reason.get(reason).copied().unwrap_or(0)),
                "documents.dropped.{reason}"
            );
        }
        assert_eq!(
            r["invalid"]["count"],
            by_reason.get("invalid").copied().unwrap_or(0)
        );

        // Every document exactly once.
        let mut seen = HashSet::new();
        for id in self.canonical_ids().into_iter().chain(self.dropped_ids()) {
            assert!(seen.insert(id.clone()), "id {id} appears twice");
        }

        // Cluster links: kept_id/kept_source point at canonical documents, whose duplicates
        // list exactly the documents folded into them.
        let mut kept: HashMap<String, &Value> = HashMap::new();
        for l in &self.canonical {
            kept.insert(self.id_of(l), l);
        }
        let mut folded: HashMap<String, Vec<String>> = HashMap::new();
        // Incremental runs: documents folded into one published by an earlier run, by its
        // (id, source) — it is in no output of this run.
        let sources: HashSet<&str> = self
            .canonical
            .iter()
            .map(|l| l["canon"]["source"].as_str().unwrap())
            .chain(self.dropped.iter().map(|l| l["source"].as_str().unwrap()))
            .collect();
        let mut into_published: HashMap<(String, String), u64> = HashMap::new();
        for l in self
            .dropped
            .iter()
            .filter(|l| l["reason"] == "exact" || l["reason"] == "near")
        {
            let k = l["kept_id"].as_str().unwrap();
            let ks = l["kept_source"].as_str().unwrap();
            if r["index"].is_object() && !sources.contains(ks) {
                *into_published
                    .entry((k.to_owned(), ks.to_owned()))
                    .or_default() += 1;
                continue;
            }
            let c = kept
                .get(k)
                .unwrap_or_else(|| panic!("kept_id {k} is not a canonical id: {l}"));
            assert_eq!(l["kept_source"], c["canon"]["source"], "{l}");
            folded
                .entry(k.to_owned())
                .or_default()
                .push(l["id"].as_str().unwrap().to_owned());
        }
        let mut clusters = 0;
        let mut largest = 0;
        let mut paragraphs = 0;
        let mut text_bytes = 0;
        for l in &self.canonical {
            let id = self.id_of(l);
            let c = &l["canon"];
            assert!(c["source"].is_string(), "{l}");
            let dups: Vec<String> = c["duplicates"]
                .as_array()
                .unwrap_or_else(|| panic!("duplicates: {l}"))
                .iter()
                .map(|d| d.as_str().unwrap().to_owned())
                .collect();
            let expected = folded.remove(&id).unwrap_or_default();
            assert_eq!(dups, expected, "duplicates of {id} (in input order)");
            assert_eq!(c["cluster_size"], dups.len() as u64 + 1, "{l}");
            for k in [
                "repeated_paragraphs",
                "repeated_chars",
                "boilerplate_paragraphs",
            ] {
                assert!(c["removed"][k].is_u64(), "removed.{k}: {l}");
            }
            clusters += u64::from(!dups.is_empty());
            largest = largest.max(dups.len() as u64 + 1);
            let text = self.text_of(l);
            assert!(!text.trim().is_empty(), "canonical text is empty: {l}");
            for line in text.split('\n') {
                assert!(!line.trim().is_empty(), "blank paragraph in {id}: {text:?}");
                assert_eq!(line, line.trim(), "untrimmed paragraph in {id}");
            }
            paragraphs += text.split('\n').count() as u64;
            text_bytes += text.len() as u64;
        }
        assert!(folded.is_empty(), "exact drops without a canonical line");
        if r["index"].is_object() {
            assert_eq!(
                r["index"]["folded_into_published"],
                into_published.values().sum::<u64>()
            );
            clusters += into_published.len() as u64;
            largest = largest.max(into_published.values().max().map_or(0, |n| n + 1));
        }
        assert_eq!(r["clusters"]["clusters"], clusters);
        let near = by_reason.get("near").copied().unwrap_or(0);
        assert_eq!(r["near"]["near_duplicates"].as_u64().unwrap_or(0), near);
        let expected_largest = if n_in == 0 { 0 } else { largest.max(1) };
        assert_eq!(r["clusters"]["largest"], expected_largest);
        assert_eq!(r["paragraphs"]["out"], paragraphs, "paragraphs.out");
        assert_eq!(r["bytes"]["text_out"], text_bytes, "bytes.text_out");
        self.check_explain();
        self.check_boilerplate_table();
    }

    /// `explain.jsonl.zst` has one line per document, agreeing with the other outputs.
    #[track_caller]
    fn check_explain(&self) {
        let mut fates: HashMap<String, (String, Value)> = HashMap::new();
        for l in &self.canonical {
            fates.insert(self.id_of(l), ("kept".into(), Value::Null));
        }
        for l in &self.dropped {
            fates.insert(
                l["id"].as_str().unwrap().to_owned(),
                (
                    l["reason"].as_str().unwrap().to_owned(),
                    l["kept_id"].clone(),
                ),
            );
        }
        assert_eq!(self.explain.len(), fates.len(), "explain lines = documents");
        for e in &self.explain {
            let id = e["id"].as_str().expect("explain id");
            let (fate, kept) = fates
                .get(id)
                .unwrap_or_else(|| panic!("explain names an unknown document {id}"));
            assert_eq!(e["fate"], fate.as_str(), "{e}");
            assert_eq!(&e["kept_id"], kept, "{e}");
        }
    }

    /// `boilerplate.jsonl` lists each boilerplate paragraph once per site, and none is left in
    /// a canonical text of that site (boilerplate is a site's chrome: another site may have
    /// the same line as content).
    #[track_caller]
    fn check_boilerplate_table(&self) {
        assert_eq!(
            self.boilerplate.len() as u64,
            self.report["paragraphs"]["boilerplate_distinct"]
                .as_u64()
                .unwrap(),
            "boilerplate.jsonl rows"
        );
        let texts: HashSet<(&str, &str)> = self
            .boilerplate
            .iter()
            .map(|b| {
                (
                    b["site"].as_str().expect("boilerplate site"),
                    b["text"].as_str().expect("boilerplate text"),
                )
            })
            .collect();
        // The sites of the kept documents, by id (ids need not be unique).
        let mut sites: HashMap<&str, HashSet<&str>> = HashMap::new();
        for e in self.explain.iter().filter(|e| e["fate"] == "kept") {
            sites
                .entry(e["id"].as_str().unwrap())
                .or_default()
                .insert(e["site"].as_str().expect("explain site"));
        }
        for l in &self.canonical {
            let id = self.id_of(l);
            for p in self.text_of(l).split('\n') {
                for site in sites.get(id.as_str()).into_iter().flatten() {
                    assert!(
                        !texts.contains(&(*site, p)),
                        "boilerplate {p:?} of {site} left in {id}"
                    );
                }
            }
        }
    }

    /// Canonical and dropped lines and the report (without `run`) with every occurrence of
    /// `path` (as canon prints it, JSON-escaped) replaced by `placeholder`, for comparing runs
    /// over renamed files.
    pub fn normalized(&self, path: &Path, placeholder: &str) -> (String, String, Value) {
        let shown = path.display().to_string();
        let escaped = js_inner(&shown);
        let fix = |s: &str| s.replace(&escaped, placeholder);
        let report = serde_json::to_string(&self.report_without_run()).unwrap();
        (
            fix(&self.canonical_raw),
            fix(&self.dropped_raw),
            serde_json::from_str(&fix(&report)).unwrap(),
        )
    }
}

/// The JSON-escaped form of `s` without the quotes.
pub fn js_inner(s: &str) -> String {
    let q = serde_json::to_string(s).unwrap();
    q[1..q.len() - 1].to_owned()
}

/// Asserts two lists are equal, reporting the first difference rather than both lists.
#[track_caller]
pub fn assert_lists_eq<T: PartialEq + std::fmt::Debug>(got: &[T], expected: &[T], what: &str) {
    if let Some(i) = (0..got.len().min(expected.len())).find(|&i| got[i] != expected[i]) {
        panic!(
            "{what}: first difference at {i}: got {:?}, expected {:?}",
            got[i], expected[i]
        );
    }
    assert_eq!(got.len(), expected.len(), "{what}: lengths differ");
}

/// Whether `text`'s paragraphs include `line`.
pub fn has_paragraph(text: &str, line: &str) -> bool {
    text.split('\n').any(|l| l == line)
}

/// Runs canon with `args` and `--quiet`; panics with its stderr if it fails.
pub fn canon_quiet(args: &[&std::ffi::OsStr]) {
    let out = assert_cmd::Command::cargo_bin("canon")
        .unwrap()
        .args(args)
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "canon {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The sharded stages over `inputs` with `n` shards: `sign` each shard, `cluster`, then `emit`
/// each shard in reverse order (the last to finish, shard 1, assembles `out`), `emit_extra`
/// added to every emit. Panics if a stage fails.
pub fn run_sharded(inputs: &[&Path], n: usize, work: &Path, out: &Path, emit_extra: &[&str]) {
    for i in 1..=n {
        let shard = format!("{i}/{n}");
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "sign".as_ref(),
            "--shard".as_ref(),
            shard.as_ref(),
            "--work".as_ref(),
            work.as_os_str(),
        ];
        args.extend(inputs.iter().map(|p| p.as_os_str()));
        canon_quiet(&args);
    }
    canon_quiet(&["cluster".as_ref(), "--work".as_ref(), work.as_os_str()]);
    for i in (1..=n).rev() {
        let shard = format!("{i}/{n}");
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "emit".as_ref(),
            "--shard".as_ref(),
            shard.as_ref(),
            "--work".as_ref(),
            work.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ];
        args.extend(emit_extra.iter().map(std::ffi::OsStr::new));
        canon_quiet(&args);
    }
}
