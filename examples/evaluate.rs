//! Evaluation harness: scores a `canon dedup` run on a corpus made by `gencorpus` against the
//! generator's ground truth.
//!
//! ```text
//! cargo run --release --example evaluate -- --corpus corpus/corpus.jsonl \
//!     --truth corpus/corpus.jsonl.truth.tsv --out DIR [--threshold 0.8]
//! ```
//!
//! `DIR` is canon's output directory (`canonical.jsonl`, `dropped.jsonl`); the scores are
//! printed as tables and written to `DIR/eval.json`.
//!
//! * Predicted clustering: a kept document is its own cluster's name; a document dropped as
//!   `exact` or `near` belongs to its `kept_id`; `empty` and `invalid` documents are singletons
//!   (counted separately).
//! * Truth clustering: a copy (`exact`, `near`) belongs to its `source_id`, any other document
//!   to itself; `malformed` documents are left out of every metric.
//! * Pair precision, recall and F1 over all pairs of documents within clusters, and the
//!   adjusted Rand index, over all non-malformed documents.
//! * Recall of (copy, source) truth pairs by copy kind and edit rate, language and variant.
//! * True Jaccard similarity of every truth (copy, source) pair and every predicted (member,
//!   canonical) pair: both pages repaired (`Repairer::new(50)`), paragraphs whose key occurs in
//!   at least 20 distinct documents dropped (a stand-in for site boilerplate, counted by this
//!   program over the whole corpus), then the Jaccard similarity of the default shingle sets.
//!
//! Diagnostics for fixing canon: misses (truth pairs at or above the threshold left apart),
//! exact copies whose pages still differ after repair, canonical choice, paragraphs canon took
//! for boilerplate that are too rare to be boilerplate (from `boilerplate.jsonl`, if present),
//! and the predicted pairs of lowest similarity. `--show ID` prints a document's paragraphs as
//! measured, with the document frequency of each.
//!
//! Memory: the outputs and the truth are read first; the corpus is then streamed once, and
//! only the repaired text of documents in a truth copy pair or a predicted cluster of two or
//! more is kept (as shingle sets once the boilerplate counts are known).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use canon::near::shingle::{jaccard, set_of, DEFAULT_SIZE};
use canon::normalize::key_of;
use canon::repair::Repairer;
use rayon::prelude::*;
use serde::Deserialize;
use serde_json::{json, Value};
use xxhash_rust::xxh3::xxh3_64;

const USAGE: &str = "usage: evaluate --corpus FILE [--truth FILE] --out DIR [--threshold J]
  --corpus     the JSON Lines corpus canon was run on
  --truth      gencorpus ground truth (default: CORPUS.truth.tsv)
  --out        canon's output directory (canonical.jsonl, dropped.jsonl); eval.json goes there
  --threshold  Jaccard similarity above which a copy must be found (default 0.8)
  --show ID    also print document ID's paragraphs as measured (repeatable)";

/// `--min-repeat` used to repair pages before measuring similarity.
const MIN_REPEAT: usize = 50;
/// A paragraph key in at least this many distinct documents counts as boilerplate.
const BOILERPLATE_DOCS: u32 = 20;
/// Predicted pairs below this true Jaccard similarity are wrong merges (target: none).
const LOW_J: f64 = 0.6;
/// Edit rates of near copies, as gencorpus writes them.
const RATES: [f64; 5] = [0.02, 0.05, 0.1, 0.2, 0.4];
/// Histogram bin lower edges; the last bin is [0.98, 1.0].
const BINS: [f64; 13] = [
    0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98,
];
/// Lines per example list in the printed report (eval.json holds more).
const SHOW: usize = 12;
/// Lines per example list in eval.json.
const KEEP: usize = 200;
/// Bytes of input lines handed to the worker threads at once.
const BATCH_BYTES: usize = 16 << 20;
const NONE: u32 = u32::MAX;

/// Variant flags of a copy (bits).
const VARIANTS: [(&str, u8); 4] = [
    ("glossed", 2),
    ("doubled", 4),
    ("footer", 1),
    ("title_glued", 8),
];

struct Args {
    corpus: PathBuf,
    truth: PathBuf,
    out: PathBuf,
    threshold: f64,
    show: Vec<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut corpus = None;
    let mut truth = None;
    let mut out = None;
    let mut threshold = 0.8;
    let mut show = Vec::new();
    let mut it = std::env::args_os().skip(1);
    while let Some(a) = it.next() {
        let a = a.to_string_lossy().into_owned();
        if a == "-h" || a == "--help" {
            return Err(String::new());
        }
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_owned(), Some(v.to_owned())),
            _ => (a.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next().map(|v| v.to_string_lossy().into_owned()))
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match name.as_str() {
            "--corpus" => corpus = Some(PathBuf::from(value()?)),
            "--truth" => truth = Some(PathBuf::from(value()?)),
            "--out" => out = Some(PathBuf::from(value()?)),
            "--show" => show.push(value()?),
            "--threshold" => {
                let v = value()?;
                threshold = v
                    .parse::<f64>()
                    .ok()
                    .filter(|t| (0.0..=1.0).contains(t))
                    .ok_or_else(|| format!("--threshold: not a similarity in [0, 1]: {v}"))?;
            }
            _ => return Err(format!("unknown argument: {a}")),
        }
    }
    let corpus = corpus.ok_or("--corpus is required")?;
    let out = out.ok_or("--out is required")?;
    let truth = truth.unwrap_or_else(|| {
        let mut t = corpus.clone().into_os_string();
        t.push(".truth.tsv");
        PathBuf::from(t)
    });
    Ok(Args {
        corpus,
        truth,
        out,
        threshold,
        show,
    })
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("evaluate: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("evaluate: {e}");
            ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------
// Ground truth
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Original,
    Exact,
    Near,
    Malformed,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Original => "original",
            Kind::Exact => "exact",
            Kind::Near => "near",
            Kind::Malformed => "malformed",
        }
    }
    fn is_copy(self) -> bool {
        matches!(self, Kind::Exact | Kind::Near)
    }
}

const LANGS: [&str; 3] = ["zh", "en", "mixed"];

struct Truth {
    ids: Vec<Box<str>>,
    index: HashMap<Box<str>, u32>,
    kind: Vec<Kind>,
    /// Index of the original a copy was made from (`NONE` otherwise).
    source: Vec<u32>,
    /// Index into `RATES` for near copies, `NONE` otherwise.
    rate: Vec<u8>,
    lang: Vec<u8>,
    variant: Vec<u8>,
    variant_text: Vec<Box<str>>,
    defects: Vec<Box<str>>,
}

impl Truth {
    fn len(&self) -> usize {
        self.ids.len()
    }

    /// Truth cluster of document `i` (`None`: malformed, not evaluated).
    fn label(&self, i: usize) -> Option<u32> {
        match self.kind[i] {
            Kind::Malformed => None,
            k if k.is_copy() && self.source[i] != NONE => Some(self.source[i]),
            _ => Some(i as u32),
        }
    }

    fn rate_name(&self, i: usize) -> String {
        match self.kind[i] {
            Kind::Near => match RATES.get(usize::from(self.rate[i])) {
                Some(r) => format!("near@{r}"),
                None => "near@?".into(),
            },
            k => k.name().into(),
        }
    }
}

fn read_truth(path: &Path) -> Result<Truth, String> {
    let f = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines = BufReader::new(f).lines();
    let header = lines
        .next()
        .ok_or_else(|| format!("{}: empty", path.display()))?
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let cols: Vec<&str> = header.split('\t').collect();
    let expect = [
        "id",
        "kind",
        "source_id",
        "edit_rate",
        "lang",
        "variant",
        "defects",
    ];
    if cols != expect {
        return Err(format!("{}: unexpected header {header:?}", path.display()));
    }
    let mut t = Truth {
        ids: Vec::new(),
        index: HashMap::new(),
        kind: Vec::new(),
        source: Vec::new(),
        rate: Vec::new(),
        lang: Vec::new(),
        variant: Vec::new(),
        variant_text: Vec::new(),
        defects: Vec::new(),
    };
    let mut source_ids: Vec<Box<str>> = Vec::new();
    for (n, line) in lines.enumerate() {
        let line = line.map_err(|e| format!("{}: {e}", path.display()))?;
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 7 {
            return Err(format!(
                "{}:{}: expected 7 columns, got {}",
                path.display(),
                n + 2,
                f.len()
            ));
        }
        let kind = match f[1] {
            "original" => Kind::Original,
            "exact" => Kind::Exact,
            "near" => Kind::Near,
            "malformed" => Kind::Malformed,
            k => return Err(format!("{}:{}: unknown kind {k}", path.display(), n + 2)),
        };
        let rate = f[3].parse::<f64>().unwrap_or(0.0);
        let rate = if kind == Kind::Near {
            RATES
                .iter()
                .position(|&r| (r - rate).abs() < 1e-9)
                .map_or(NONE as u8, |p| p as u8)
        } else {
            NONE as u8
        };
        let lang = LANGS
            .iter()
            .position(|&l| l == f[4])
            .map_or(LANGS.len() as u8, |p| p as u8);
        let mut variant = 0u8;
        for v in f[5].split(',').filter(|v| !v.is_empty()) {
            variant |= VARIANTS
                .iter()
                .find(|(name, _)| *name == v)
                .map_or(0, |&(_, b)| b);
        }
        let id: Box<str> = f[0].into();
        if t.index.insert(id.clone(), t.ids.len() as u32).is_some() {
            return Err(format!("{}: duplicate id {id}", path.display()));
        }
        t.ids.push(id);
        t.kind.push(kind);
        source_ids.push(f[2].into());
        t.rate.push(rate);
        t.lang.push(lang);
        t.variant.push(variant);
        t.variant_text.push(f[5].into());
        t.defects.push(f[6].into());
    }
    let mut unknown = 0;
    t.source = source_ids
        .iter()
        .zip(&t.kind)
        .map(|(s, k)| {
            if !k.is_copy() {
                return NONE;
            }
            match t.index.get(s) {
                Some(&i) => i,
                None => {
                    unknown += 1;
                    NONE
                }
            }
        })
        .collect();
    if unknown > 0 {
        eprintln!("evaluate: warning: {unknown} copies name a source_id not in the truth file");
    }
    Ok(t)
}

// ---------------------------------------------------------------------------
// Canon's outputs
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// Not found in canon's outputs.
    Missing,
    Kept,
    Exact,
    Near,
    Empty,
    Invalid,
}

impl Fate {
    fn name(self) -> &'static str {
        match self {
            Fate::Missing => "missing",
            Fate::Kept => "kept",
            Fate::Exact => "exact",
            Fate::Near => "near",
            Fate::Empty => "empty",
            Fate::Invalid => "invalid",
        }
    }
}

struct Predicted {
    fate: Vec<Fate>,
    /// Canonical document of every document (itself when kept, empty, invalid or missing).
    canon: Vec<u32>,
    /// Canon's similarity to the canonical document (`near` only; NaN otherwise).
    similarity: Vec<f32>,
    chain: Vec<u32>,
    /// Consistency problems between the two output files.
    problems: Vec<String>,
    problem_count: usize,
    /// Output lines that name no document of the truth file.
    unresolved: usize,
    /// Documents listed more than once.
    repeated: usize,
}

impl Predicted {
    /// Predicted cluster of document `i`.
    fn label(&self, i: usize) -> u32 {
        match self.fate[i] {
            Fate::Kept | Fate::Exact | Fate::Near => self.canon[i],
            _ => i as u32,
        }
    }

    fn problem(&mut self, msg: String) {
        self.problem_count += 1;
        if self.problems.len() < SHOW {
            self.problems.push(msg);
        }
    }
}

#[derive(Deserialize)]
struct KeptLine {
    id: Value,
    canon: CanonMember,
}

#[derive(Deserialize)]
struct CanonMember {
    source: String,
    cluster_size: usize,
    duplicates: Vec<Value>,
}

#[derive(Deserialize)]
struct DroppedLine {
    id: Value,
    source: String,
    reason: String,
    kept_id: Option<Value>,
    similarity: Option<f64>,
    chain: Option<u32>,
}

fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The truth index of a document canon names by `id`, falling back to the line number in
/// its `source` (`path:line`), which is how canon names a record it could not read.
fn resolve(truth: &Truth, id: &Value, source: Option<&str>) -> Option<u32> {
    if let Some(i) = id_text(id).and_then(|s| truth.index.get(s.as_str()).copied()) {
        return Some(i);
    }
    let line: usize = source?.rsplit_once(':')?.1.parse().ok()?;
    (line >= 1 && line <= truth.len()).then(|| (line - 1) as u32)
}

/// Reads a JSON Lines file in batches, parsing lines on all threads; `sink` gets the results
/// in line order.
fn stream_lines<R: Send>(
    path: &Path,
    parse: impl Fn(usize, &[u8]) -> R + Sync,
    mut sink: impl FnMut(Vec<R>),
) -> Result<usize, String> {
    let f = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut r = BufReader::with_capacity(1 << 20, f);
    let mut buf: Vec<u8> = Vec::with_capacity(BATCH_BYTES + (1 << 20));
    let mut ends: Vec<usize> = Vec::new();
    let mut first = 0usize;
    loop {
        let n = r
            .read_until(b'\n', &mut buf)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if n > 0 {
            ends.push(buf.len());
        }
        if (n == 0 && !ends.is_empty()) || buf.len() >= BATCH_BYTES {
            let out: Vec<R> = (0..ends.len())
                .into_par_iter()
                .map(|k| {
                    let start = if k == 0 { 0 } else { ends[k - 1] };
                    let mut line = &buf[start..ends[k]];
                    while let [rest @ .., b'\n' | b'\r'] = line {
                        line = rest;
                    }
                    parse(first + k, line)
                })
                .collect();
            first += ends.len();
            sink(out);
            buf.clear();
            ends.clear();
        }
        if n == 0 {
            return Ok(first);
        }
    }
}

fn read_outputs(truth: &Truth, dir: &Path) -> Result<Predicted, String> {
    let n = truth.len();
    let mut p = Predicted {
        fate: vec![Fate::Missing; n],
        canon: (0..n as u32).collect(),
        similarity: vec![f32::NAN; n],
        chain: vec![0; n],
        problems: Vec::new(),
        problem_count: 0,
        unresolved: 0,
        repeated: 0,
    };
    // Kept documents and the duplicates each claims.
    let mut claimed: Vec<(u32, Vec<u32>, usize)> = Vec::new();
    let path = dir.join("canonical.jsonl");
    let mut bad = Vec::new();
    let mut line_no = 0usize;
    stream_lines(
        &path,
        |_, line| {
            let k: KeptLine = serde_json::from_slice(line).map_err(|e| e.to_string())?;
            let i = resolve(truth, &k.id, Some(&k.canon.source));
            let dups: Vec<Option<u32>> = k
                .canon
                .duplicates
                .iter()
                .map(|d| resolve(truth, d, None))
                .collect();
            Ok::<_, String>((i, dups, k.canon.cluster_size))
        },
        |batch| {
            for r in batch {
                line_no += 1;
                match r {
                    Ok((Some(i), dups, size)) => {
                        let dups: Vec<u32> = dups.into_iter().map(|d| d.unwrap_or(NONE)).collect();
                        claimed.push((i, dups, size));
                    }
                    Ok((None, ..)) => p.unresolved += 1,
                    Err(e) => bad.push(format!("canonical.jsonl:{line_no}: {e}")),
                }
            }
        },
    )?;
    for (i, _, _) in &claimed {
        let i = *i as usize;
        if p.fate[i] != Fate::Missing {
            p.repeated += 1;
        }
        p.fate[i] = Fate::Kept;
        p.canon[i] = i as u32;
    }
    let path = dir.join("dropped.jsonl");
    let f = File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    for (k, line) in BufReader::new(f).lines().enumerate() {
        let line = line.map_err(|e| format!("{}: {e}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let d: DroppedLine = match serde_json::from_str(&line) {
            Ok(d) => d,
            Err(e) => {
                bad.push(format!("dropped.jsonl:{}: {e}", k + 1));
                continue;
            }
        };
        let Some(i) = resolve(truth, &d.id, Some(&d.source)) else {
            p.unresolved += 1;
            continue;
        };
        let i = i as usize;
        if p.fate[i] != Fate::Missing {
            p.repeated += 1;
        }
        let fate = match d.reason.as_str() {
            "exact" => Fate::Exact,
            "near" => Fate::Near,
            "empty" => Fate::Empty,
            "invalid" => Fate::Invalid,
            r => {
                bad.push(format!("dropped.jsonl:{}: unknown reason {r}", k + 1));
                continue;
            }
        };
        p.fate[i] = fate;
        if matches!(fate, Fate::Exact | Fate::Near) {
            match d.kept_id.as_ref().and_then(|v| resolve(truth, v, None)) {
                Some(c) => p.canon[i] = c,
                None => {
                    p.fate[i] = Fate::Missing;
                    p.unresolved += 1;
                    continue;
                }
            }
        }
        if let Some(s) = d.similarity {
            p.similarity[i] = s as f32;
        }
        p.chain[i] = d.chain.unwrap_or(0);
    }
    for b in bad {
        p.problem(b);
    }
    // Cross-checks: kept_id names a kept document; duplicates lists match kept_id.
    for i in 0..n {
        if matches!(p.fate[i], Fate::Exact | Fate::Near) {
            let c = p.canon[i] as usize;
            if p.fate[c] != Fate::Kept {
                let msg = format!(
                    "{} is folded into {}, which is {} (not kept)",
                    truth.ids[i],
                    truth.ids[c],
                    p.fate[c].name()
                );
                p.problem(msg);
            }
        }
    }
    for (c, dups, size) in &claimed {
        if *size != dups.len() + 1 {
            let msg = format!(
                "{}: cluster_size {size} but {} duplicates",
                truth.ids[*c as usize],
                dups.len()
            );
            p.problem(msg);
        }
        for &d in dups {
            if d == NONE || p.canon[d as usize] != *c || p.fate[d as usize] == Fate::Kept {
                let name = if d == NONE {
                    "?".into()
                } else {
                    truth.ids[d as usize].to_string()
                };
                let msg = format!(
                    "{} lists duplicate {name}, whose dropped line does not point back",
                    truth.ids[*c as usize]
                );
                p.problem(msg);
            }
        }
    }
    let listed: usize = claimed.iter().map(|(_, d, _)| d.len()).sum();
    let folded = p
        .fate
        .iter()
        .filter(|f| matches!(f, Fate::Exact | Fate::Near))
        .count();
    if listed != folded {
        p.problem(format!(
            "duplicates lists name {listed} documents, dropped.jsonl folds {folded}"
        ));
    }
    Ok(p)
}

// ---------------------------------------------------------------------------
// The corpus: boilerplate counts and repaired texts
// ---------------------------------------------------------------------------

#[derive(Deserialize)]
struct CorpusLine {
    id: Option<Value>,
    text: Option<String>,
}

/// The repaired paragraphs of a page: their key hashes and their texts.
struct Page {
    text: String,
    paras: Vec<(u64, u32, u32)>,
}

struct Parsed {
    id: Option<String>,
    /// Distinct paragraph key hashes (for document frequency).
    keys: Vec<u64>,
    page: Option<Page>,
}

struct Corpus {
    /// Shingle sets of the documents that were needed.
    sets: Vec<Option<Vec<u64>>>,
    /// `--show` documents: paragraphs as measured, with their document frequency.
    shown: Vec<(usize, Vec<(u32, String)>)>,
    /// Document frequency of each probed key hash.
    probed: Vec<u32>,
    lines: usize,
    unreadable: usize,
    id_mismatch: usize,
    boilerplate_keys: usize,
    distinct_keys: usize,
    seconds: f64,
}

fn parse_page(line: &[u8], keep: bool) -> Option<Parsed> {
    thread_local! {
        static REPAIRER: std::cell::RefCell<Repairer> =
            std::cell::RefCell::new(Repairer::new(MIN_REPEAT));
    }
    let rec: CorpusLine = serde_json::from_slice(line).ok()?;
    let text = rec.text?;
    let repaired = REPAIRER.with(|r| r.borrow_mut().repair(&text));
    let mut page = Page {
        text: String::new(),
        paras: Vec::new(),
    };
    let mut keys = Vec::with_capacity(repaired.paragraphs.len());
    for p in 0..repaired.paragraphs.len() {
        let para = repaired.paragraph_text(&text, p);
        let h = xxh3_64(key_of(&para).as_bytes());
        keys.push(h);
        if keep {
            let start = page.text.len() as u32;
            page.text.push_str(&para);
            page.paras.push((h, start, page.text.len() as u32));
        }
    }
    keys.sort_unstable();
    keys.dedup();
    Some(Parsed {
        id: rec.id.as_ref().and_then(id_text),
        keys,
        page: keep.then_some(page),
    })
}

fn read_corpus(
    path: &Path,
    truth: &Truth,
    need: &[bool],
    show: &[usize],
    probe: &[u64],
) -> Result<Corpus, String> {
    let t = Instant::now();
    let mut df: HashMap<u64, u32> = HashMap::new();
    let mut pages: Vec<Option<Page>> = (0..truth.len()).map(|_| None).collect();
    let (mut unreadable, mut id_mismatch) = (0usize, 0usize);
    let lines = stream_lines(
        path,
        |i, line| (i, parse_page(line, need.get(i).copied().unwrap_or(false))),
        |batch| {
            for (i, r) in batch {
                let Some(p) = r else {
                    unreadable += 1;
                    continue;
                };
                for k in &p.keys {
                    *df.entry(*k).or_insert(0) += 1;
                }
                if i >= truth.len() || p.id.as_deref() != Some(&*truth.ids[i]) {
                    id_mismatch += 1;
                    continue;
                }
                pages[i] = p.page;
            }
        },
    )?;
    if lines != truth.len() || id_mismatch > 0 {
        return Err(format!(
            "{} does not match the truth file: {lines} lines vs {} rows, {id_mismatch} ids differ",
            path.display(),
            truth.len()
        ));
    }
    let boilerplate_keys = df.values().filter(|&&c| c >= BOILERPLATE_DOCS).count();
    let probed = probe
        .iter()
        .map(|h| df.get(h).copied().unwrap_or(0))
        .collect();
    let shown = show
        .iter()
        .map(|&i| {
            let paras = pages[i].as_ref().map_or_else(Vec::new, |p| {
                p.paras
                    .iter()
                    .map(|&(h, s, e)| {
                        let df = df.get(&h).copied().unwrap_or(0);
                        (df, p.text[s as usize..e as usize].to_owned())
                    })
                    .collect()
            });
            (i, paras)
        })
        .collect();
    let sets = pages
        .into_par_iter()
        .map(|p| {
            p.map(|p| {
                let kept = p
                    .paras
                    .iter()
                    .filter(|(h, ..)| df.get(h).copied().unwrap_or(0) < BOILERPLATE_DOCS)
                    .map(|&(_, s, e)| &p.text[s as usize..e as usize]);
                set_of(DEFAULT_SIZE, kept)
            })
        })
        .collect();
    Ok(Corpus {
        sets,
        shown,
        probed,
        lines,
        unreadable,
        id_mismatch,
        boilerplate_keys,
        distinct_keys: df.len(),
        seconds: t.elapsed().as_secs_f64(),
    })
}

// ---------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------

fn pairs_in(n: u64) -> u128 {
    let n = u128::from(n);
    n * n.saturating_sub(1) / 2
}

fn ratio(a: impl Into<f64>, b: impl Into<f64>) -> f64 {
    let (a, b) = (a.into(), b.into());
    if b == 0.0 {
        f64::NAN
    } else {
        a / b
    }
}

/// Pair-counting scores of the predicted clustering against the truth.
struct Clustering {
    docs: u64,
    truth_pairs: u128,
    predicted_pairs: u128,
    true_pairs: u128,
    precision: f64,
    recall: f64,
    f1: f64,
    ari: f64,
    predicted_clusters: u64,
    truth_clusters: u64,
    /// Predicted clusters holding documents of more than one truth cluster.
    mixed_clusters: u64,
    /// Truth clusters (of two or more) spread over more than one predicted cluster.
    split_clusters: u64,
}

fn clustering(truth: &Truth, pred: &Predicted) -> Clustering {
    let mut cells: HashMap<(u32, u32), u64> = HashMap::new();
    let mut rows: HashMap<u32, u64> = HashMap::new();
    let mut cols: HashMap<u32, u64> = HashMap::new();
    let mut docs = 0u64;
    for i in 0..truth.len() {
        let Some(t) = truth.label(i) else { continue };
        let p = pred.label(i);
        docs += 1;
        *cells.entry((p, t)).or_insert(0) += 1;
        *rows.entry(p).or_insert(0) += 1;
        *cols.entry(t).or_insert(0) += 1;
    }
    let true_pairs: u128 = cells.values().map(|&c| pairs_in(c)).sum();
    let predicted_pairs: u128 = rows.values().map(|&c| pairs_in(c)).sum();
    let truth_pairs: u128 = cols.values().map(|&c| pairs_in(c)).sum();
    let all = pairs_in(docs);
    let expected = if all == 0 {
        0.0
    } else {
        predicted_pairs as f64 * truth_pairs as f64 / all as f64
    };
    let max = 0.5 * (predicted_pairs as f64 + truth_pairs as f64);
    let ari = if max - expected == 0.0 {
        1.0
    } else {
        (true_pairs as f64 - expected) / (max - expected)
    };
    let precision = ratio(true_pairs as f64, predicted_pairs as f64);
    let recall = ratio(true_pairs as f64, truth_pairs as f64);
    let mut per_pred: HashMap<u32, u32> = HashMap::new();
    let mut per_truth: HashMap<u32, u32> = HashMap::new();
    for &(p, t) in cells.keys() {
        *per_pred.entry(p).or_insert(0) += 1;
        *per_truth.entry(t).or_insert(0) += 1;
    }
    Clustering {
        docs,
        truth_pairs,
        predicted_pairs,
        true_pairs,
        precision,
        recall,
        f1: 2.0 * precision * recall / (precision + recall),
        ari,
        predicted_clusters: rows.len() as u64,
        truth_clusters: cols.len() as u64,
        mixed_clusters: per_pred.values().filter(|&&k| k > 1).count() as u64,
        split_clusters: per_truth.values().filter(|&&k| k > 1).count() as u64,
    }
}

/// Canon's boilerplate paragraphs from `boilerplate.jsonl` (if written): key hash, documents,
/// text.
fn canon_boilerplate(dir: &Path) -> Vec<(u64, u64, String)> {
    let Ok(f) = File::open(dir.join("boilerplate.jsonl")) else {
        return Vec::new();
    };
    BufReader::new(f)
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| {
            let v: Value = serde_json::from_str(&l).ok()?;
            let hash = u64::from_str_radix(v.get("hash")?.as_str()?, 16).ok()?;
            let docs = v.get("documents").and_then(Value::as_u64).unwrap_or(0);
            let text = v
                .get("text")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            Some((hash, docs, text))
        })
        .collect()
}

/// Bands and rows of canon's near-duplicate stage, from `report.json` (if it says).
fn banding_of(dir: &Path) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(dir.join("report.json")).ok()?;
    let r: Value = serde_json::from_str(&text).ok()?;
    let near = r.get("near")?;
    if near.get("enabled").and_then(Value::as_bool) == Some(false) {
        return None;
    }
    Some((near.get("bands")?.as_u64()?, near.get("rows")?.as_u64()?))
}

/// Which document canon kept for its clusters of two or more.
#[derive(Default)]
struct Choice {
    clusters: u64,
    /// Clusters holding the truth original of their canonical document's truth cluster.
    with_original: u64,
    original_kept: u64,
    near_kept: u64,
    exact_kept: u64,
    /// The canonical page is glossed while a member with the same article is not.
    glossed_over_plain: u64,
}

fn canonical_choice(truth: &Truth, pred: &Predicted) -> Choice {
    let mut members: HashMap<u32, Vec<u32>> = HashMap::new();
    for i in 0..truth.len() {
        if matches!(pred.fate[i], Fate::Exact | Fate::Near) {
            members.entry(pred.canon[i]).or_default().push(i as u32);
        }
    }
    let glossed = |i: u32| truth.defects[i as usize].contains("glossed");
    let mut c = Choice::default();
    for (&k, m) in &members {
        c.clusters += 1;
        let Some(t) = truth.label(k as usize) else {
            continue;
        };
        if k == t || m.contains(&t) {
            c.with_original += 1;
            match truth.kind[k as usize] {
                Kind::Original => c.original_kept += 1,
                Kind::Near => c.near_kept += 1,
                Kind::Exact => c.exact_kept += 1,
                Kind::Malformed => {}
            }
        }
        // Same article (the original or an exact copy of it), so the same key characters: the
        // documented order must prefer the page without glosses.
        let same_article = |d: u32| {
            matches!(truth.kind[d as usize], Kind::Original | Kind::Exact)
                && truth.label(d as usize) == Some(t)
        };
        if same_article(k) && glossed(k) && m.iter().any(|&d| same_article(d) && !glossed(d)) {
            c.glossed_over_plain += 1;
        }
    }
    c
}

/// A truth (copy, source) pair or a predicted (member, canonical) pair.
#[derive(Clone, Copy)]
struct Pair {
    /// The copy or the dropped member.
    a: u32,
    /// The source or the canonical document.
    b: u32,
    /// True Jaccard similarity (NaN: a text was unreadable).
    j: f64,
    /// Truth pair: canon put both in one cluster. Predicted pair: both in one truth cluster.
    ok: bool,
}

#[derive(Default, Clone)]
struct Group {
    name: String,
    n: u64,
    hit: u64,
    n_hi: u64,
    hit_hi: u64,
    j_sum: f64,
    j_n: u64,
    /// Copies canon dropped as empty or invalid, or did not list.
    lost: u64,
    /// Merged pairs where the copy or the source was folded as a near duplicate.
    via_near: u64,
}

impl Group {
    fn new(name: impl Into<String>) -> Group {
        Group {
            name: name.into(),
            ..Group::default()
        }
    }

    fn add(&mut self, p: &Pair, threshold: f64, lost: bool, near: bool) {
        self.n += 1;
        self.hit += u64::from(p.ok);
        self.via_near += u64::from(p.ok && near);
        if p.j >= threshold {
            self.n_hi += 1;
            self.hit_hi += u64::from(p.ok);
        }
        if !p.j.is_nan() {
            self.j_sum += p.j;
            self.j_n += 1;
        }
        self.lost += u64::from(lost);
    }

    fn json(&self) -> Value {
        json!({
            "group": self.name,
            "pairs": self.n,
            "merged": self.hit,
            "recall": num(ratio(self.hit as f64, self.n as f64)),
            "pairs_j_at_least_threshold": self.n_hi,
            "merged_j_at_least_threshold": self.hit_hi,
            "recall_j_at_least_threshold": num(ratio(self.hit_hi as f64, self.n_hi as f64)),
            "mean_j": num(ratio(self.j_sum, self.j_n as f64)),
            "lost_empty_invalid_missing": self.lost,
            "merged_via_near": self.via_near,
        })
    }
}

/// A pair count as a JSON number (a string in the unlikely case it does not fit 64 bits).
fn pair_count(n: u128) -> Value {
    u64::try_from(n).map_or_else(|_| json!(n.to_string()), |n| json!(n))
}

/// A JSON number, or null for NaN.
fn num(x: f64) -> Value {
    if x.is_finite() {
        json!((x * 1e6).round() / 1e6)
    } else {
        Value::Null
    }
}

fn bin_of(j: f64) -> Option<usize> {
    if j.is_nan() {
        return None;
    }
    Some(BINS.iter().rposition(|&e| j >= e).unwrap_or(0))
}

fn bin_name(b: usize) -> String {
    match BINS.get(b + 1) {
        Some(hi) => format!("[{},{})", BINS[b], hi),
        None => format!("[{},1]", BINS[b]),
    }
}

fn describe(truth: &Truth, pred: &Predicted, i: u32) -> Value {
    let i = i as usize;
    json!({
        "id": &*truth.ids[i],
        "kind": truth.rate_name(i),
        "source_id": (truth.source[i] != NONE).then(|| &*truth.ids[truth.source[i] as usize]),
        "lang": LANGS.get(usize::from(truth.lang[i])).copied().unwrap_or("?"),
        "variant": &*truth.variant_text[i],
        "defects": &*truth.defects[i],
        "fate": pred.fate[i].name(),
        "kept_id": matches!(pred.fate[i], Fate::Exact | Fate::Near)
            .then(|| &*truth.ids[pred.canon[i] as usize]),
    })
}

fn pair_json(truth: &Truth, pred: &Predicted, p: &Pair) -> Value {
    let a = p.a as usize;
    json!({
        "j": num(p.j),
        // Canon's similarity and chain are to the canonical document: given only when it is b.
        "canon_similarity": if pred.canon[a] == p.b { num(f64::from(pred.similarity[a])) } else { Value::Null },
        "chain": (pred.canon[a] == p.b && pred.fate[a] == Fate::Near).then_some(pred.chain[a]),
        "a": describe(truth, pred, p.a),
        "b": describe(truth, pred, p.b),
    })
}

/// One line of a printed example list.
fn pair_line(truth: &Truth, pred: &Predicted, p: &Pair) -> String {
    let (a, b) = (p.a as usize, p.b as usize);
    let side = |i: usize| {
        let mut s = format!(
            "{} {} {}",
            truth.ids[i],
            truth.rate_name(i),
            LANGS
                .get(usize::from(truth.lang[i]))
                .copied()
                .unwrap_or("?")
        );
        if !truth.defects[i].is_empty() {
            let _ = write!(s, " [{}]", truth.defects[i]);
        }
        let _ = write!(s, " {}", pred.fate[i].name());
        s
    };
    let mut s = format!("J={:.3}", p.j);
    // Canon's similarity is to the canonical document: shown only when that is `b`.
    let sim = pred.similarity[a];
    if !sim.is_nan() && pred.canon[a] == p.b {
        let _ = write!(s, " canon={sim:.3} chain={}", pred.chain[a]);
    }
    let _ = write!(s, "  {}  ~  {}", side(a), side(b));
    if !truth.variant_text[a].is_empty() {
        let _ = write!(s, "  variant={}", truth.variant_text[a]);
    }
    s
}

// ---------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------

fn run(args: &Args) -> Result<(), String> {
    let start = Instant::now();
    let truth = read_truth(&args.truth)?;
    let pred = read_outputs(&truth, &args.out)?;
    let n = truth.len();
    let th = args.threshold;

    // Documents whose text is needed: both ends of every truth and predicted pair.
    let mut need = vec![false; n];
    let mut truth_pairs = Vec::new();
    let mut pred_pairs = Vec::new();
    for i in 0..n {
        let s = truth.source[i];
        if truth.kind[i].is_copy() && s != NONE && truth.kind[s as usize] != Kind::Malformed {
            need[i] = true;
            need[s as usize] = true;
            truth_pairs.push((i as u32, s));
        }
        if matches!(pred.fate[i], Fate::Exact | Fate::Near) {
            need[i] = true;
            need[pred.canon[i] as usize] = true;
            pred_pairs.push((i as u32, pred.canon[i]));
        }
    }
    let mut show = Vec::new();
    for id in &args.show {
        match truth.index.get(id.as_str()) {
            Some(&i) => {
                need[i as usize] = true;
                show.push(i as usize);
            }
            None => return Err(format!("--show {id}: no such document in the truth file")),
        }
    }
    let canon_bp = canon_boilerplate(&args.out);
    let probe: Vec<u64> = canon_bp.iter().map(|b| b.0).collect();
    let corpus = read_corpus(&args.corpus, &truth, &need, &show, &probe)?;
    // Paragraphs canon removed as boilerplate that occur in fewer documents than our
    // stand-in needs: most likely article text (a title or paragraph of a much-copied article).
    let mut bp_suspect: Vec<(&(u64, u64, String), u32)> = canon_bp
        .iter()
        .zip(&corpus.probed)
        .filter(|(_, &df)| df < BOILERPLATE_DOCS)
        .map(|(b, &df)| (b, df))
        .collect();
    bp_suspect.sort_by(|x, y| x.1.cmp(&y.1).then(x.0 .0.cmp(&y.0 .0)));
    drop(need);
    let sim = |a: u32, b: u32| match (&corpus.sets[a as usize], &corpus.sets[b as usize]) {
        (Some(x), Some(y)) => jaccard(x, y),
        _ => f64::NAN,
    };
    let truth_pairs: Vec<Pair> = truth_pairs
        .par_iter()
        .map(|&(a, b)| Pair {
            a,
            b,
            j: sim(a, b),
            ok: pred.label(a as usize) == pred.label(b as usize),
        })
        .collect();
    let pred_pairs: Vec<Pair> = pred_pairs
        .par_iter()
        .map(|&(a, b)| Pair {
            a,
            b,
            j: sim(a, b),
            ok: truth.label(a as usize).is_some()
                && truth.label(a as usize) == truth.label(b as usize),
        })
        .collect();
    let clus = clustering(&truth, &pred);
    let choice = canonical_choice(&truth, &pred);

    // Recall by group.
    let mut groups: Vec<Group> = vec![Group::new("all copies"), Group::new("exact")];
    groups.extend(RATES.iter().map(|r| Group::new(format!("near@{r}"))));
    groups.extend(LANGS.iter().map(|l| Group::new(format!("lang {l}"))));
    groups.extend(
        VARIANTS
            .iter()
            .map(|(v, _)| Group::new(format!("variant {v}"))),
    );
    groups.push(Group::new("variant none"));
    groups.push(Group::new("uescape (either page)"));
    let (g_rate, g_lang, g_var) = (2, 2 + RATES.len(), 2 + RATES.len() + LANGS.len());
    let g_none = g_var + VARIANTS.len();
    let mut hist = vec![vec![(0u64, 0u64); BINS.len()]; 1 + RATES.len()];
    let mut hist_all = vec![(0u64, 0u64); BINS.len()];
    let mut unmeasured = 0u64;
    for p in &truth_pairs {
        let (a, b) = (p.a as usize, p.b as usize);
        let lost = !matches!(pred.fate[a], Fate::Kept | Fate::Exact | Fate::Near);
        let near = pred.fate[a] == Fate::Near || pred.fate[b] == Fate::Near;
        let mut add = |g: usize| groups[g].add(p, th, lost, near);
        add(0);
        let row = match truth.kind[a] {
            Kind::Near if usize::from(truth.rate[a]) < RATES.len() => {
                1 + usize::from(truth.rate[a])
            }
            _ => 0,
        };
        add(if row == 0 { 1 } else { g_rate + row - 1 });
        if usize::from(truth.lang[a]) < LANGS.len() {
            add(g_lang + usize::from(truth.lang[a]));
        }
        let v = truth.variant[a];
        for (k, &(_, bit)) in VARIANTS.iter().enumerate() {
            if v & bit != 0 {
                add(g_var + k);
            }
        }
        if v == 0 {
            add(g_none);
        }
        if truth.defects[a].contains("uescape") || truth.defects[b].contains("uescape") {
            add(g_none + 1);
        }
        match bin_of(p.j) {
            Some(k) => {
                hist[row][k].0 += 1;
                hist[row][k].1 += u64::from(p.ok);
                hist_all[k].0 += 1;
                hist_all[k].1 += u64::from(p.ok);
            }
            None => unmeasured += 1,
        }
    }

    // Predicted pairs: wrong merges and low similarity.
    let wrong: Vec<&Pair> = pred_pairs.iter().filter(|p| !p.ok).collect();
    let mut by_j: Vec<&Pair> = pred_pairs.iter().filter(|p| !p.j.is_nan()).collect();
    by_j.sort_by(|x, y| x.j.total_cmp(&y.j));
    let low = by_j.iter().filter(|p| p.j < LOW_J).count();
    let below_th = by_j.iter().filter(|p| p.j < th).count();
    let pred_unmeasured = pred_pairs.len() - by_j.len();
    let mut sim_err = (0.0f64, 0.0f64, 0u64);
    for p in &by_j {
        let s = f64::from(pred.similarity[p.a as usize]);
        if !s.is_nan() {
            let e = (s - p.j).abs();
            sim_err.0 += e;
            sim_err.1 = sim_err.1.max(e);
            sim_err.2 += 1;
        }
    }
    let mut misses: Vec<&Pair> = truth_pairs.iter().filter(|p| p.j >= th && !p.ok).collect();
    misses.sort_by(|x, y| y.j.total_cmp(&x.j));
    let mut low_exact: Vec<&Pair> = truth_pairs
        .iter()
        .filter(|p| truth.kind[p.a as usize] == Kind::Exact && (p.j < 1.0 || p.j.is_nan()))
        .collect();
    low_exact.sort_by(|x, y| x.j.total_cmp(&y.j));
    let glossed = |i: u32| truth.defects[i as usize].contains("glossed");
    let low_exact_unglossed = low_exact
        .iter()
        .filter(|p| !glossed(p.a) && !glossed(p.b))
        .count();
    let recall_hi = ratio(groups[0].hit_hi as f64, groups[0].n_hi as f64);
    // Banding from canon's report: how many J >= t pairs the S-curve alone would miss (a
    // pair may still be joined through another member of its cluster).
    let banding = banding_of(&args.out);
    let lsh_expected = banding.map(|(b, r)| {
        truth_pairs
            .iter()
            .filter(|p| p.j >= th)
            .map(|p| (1.0 - p.j.powi(r as i32)).powi(b as i32))
            .sum::<f64>()
    });
    let member_precision = ratio(
        (pred_pairs.len() - wrong.len()) as f64,
        pred_pairs.len() as f64,
    );

    // Counts of fates.
    let mut fates: HashMap<&str, u64> = HashMap::new();
    let mut fates_malformed: HashMap<&str, u64> = HashMap::new();
    for i in 0..n {
        let m = if truth.kind[i] == Kind::Malformed {
            &mut fates_malformed
        } else {
            &mut fates
        };
        *m.entry(pred.fate[i].name()).or_insert(0) += 1;
    }
    let kinds = [Kind::Original, Kind::Exact, Kind::Near, Kind::Malformed]
        .map(|k| truth.kind.iter().filter(|&&x| x == k).count());

    // ---- Print ----
    let mut o = String::new();
    let _ = writeln!(
        o,
        "canon evaluation: {} ({} docs: {} original, {} exact, {} near, {} malformed)",
        args.corpus.display(),
        n,
        kinds[0],
        kinds[1],
        kinds[2],
        kinds[3]
    );
    let fate_list = |m: &HashMap<&str, u64>| {
        ["kept", "exact", "near", "empty", "invalid", "missing"]
            .iter()
            .map(|f| format!("{f} {}", m.get(f).copied().unwrap_or(0)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(o, "canon output {}:", args.out.display());
    let _ = writeln!(o, "  non-malformed docs: {}", fate_list(&fates));
    let _ = writeln!(o, "  malformed docs:     {}", fate_list(&fates_malformed));
    let _ = writeln!(
        o,
        "  output lines naming no document: {}; documents listed twice: {}; consistency problems: {}",
        pred.unresolved, pred.repeated, pred.problem_count
    );
    for p in &pred.problems {
        let _ = writeln!(o, "    {p}");
    }
    let _ = writeln!(
        o,
        "  corpus: {} lines, {} unreadable; {} distinct paragraph keys, {} in >= {} docs (dropped as boilerplate for J)",
        corpus.lines, corpus.unreadable, corpus.distinct_keys, corpus.boilerplate_keys, BOILERPLATE_DOCS
    );
    let _ = writeln!(
        o,
        "\nclustering over {} non-malformed docs ({} truth clusters, {} predicted)",
        clus.docs, clus.truth_clusters, clus.predicted_clusters
    );
    let _ = writeln!(
        o,
        "  pair precision {:.5}  ({} of {} predicted pairs)",
        clus.precision, clus.true_pairs, clus.predicted_pairs
    );
    let _ = writeln!(
        o,
        "  pair recall    {:.5}  ({} of {} truth pairs)",
        clus.recall, clus.true_pairs, clus.truth_pairs
    );
    let _ = writeln!(o, "  pair F1        {:.5}", clus.f1);
    let _ = writeln!(o, "  adjusted Rand  {:.5}", clus.ari);
    let _ = writeln!(
        o,
        "  predicted clusters mixing truth clusters: {}; truth clusters split: {}",
        clus.mixed_clusters, clus.split_clusters
    );
    let _ = writeln!(
        o,
        "  (member, canonical) pairs in one truth cluster: {:.5} ({} of {})",
        member_precision,
        pred_pairs.len() - wrong.len(),
        pred_pairs.len()
    );
    let _ = writeln!(
        o,
        "  canonical choice, clusters of >= 2 holding their original: {} (canonical is the original: {}, a near copy: {}, an exact copy: {}); canonical glossed while an unglossed page of the same article is in the cluster: {} of {} clusters",
        choice.with_original,
        choice.original_kept,
        choice.near_kept,
        choice.exact_kept,
        choice.glossed_over_plain,
        choice.clusters
    );
    let verdict = |ok: bool| if ok { "ok" } else { "MISSED" };
    let _ = writeln!(o, "\ntargets (threshold J >= {th})");
    let _ = writeln!(
        o,
        "  recall, truth pairs with J >= {th}: {:.5} ({} of {})   target >= 0.98   {}",
        recall_hi,
        groups[0].hit_hi,
        groups[0].n_hi,
        verdict(recall_hi >= 0.98)
    );
    if let (Some((b, r)), Some(e)) = (banding, lsh_expected) {
        let _ = writeln!(
            o,
            "    misses expected from canon's banding alone ({b} bands x {r} rows, no transitivity): {e:.1}"
        );
    }
    let _ = writeln!(
        o,
        "  pair precision:                    {:.5}                target >= 0.995  {}",
        clus.precision,
        verdict(clus.precision >= 0.995 || clus.predicted_pairs == 0)
    );
    let _ = writeln!(
        o,
        "  predicted pairs with J < {LOW_J}:        {low}                      target 0        {}",
        verdict(low == 0)
    );
    let _ = writeln!(
        o,
        "  predicted pairs with J < {th}: {below_th} of {}; unmeasured {pred_unmeasured}; |canon similarity - J| mean {:.4} max {:.4}",
        pred_pairs.len(),
        ratio(sim_err.0, sim_err.2 as f64),
        sim_err.1
    );
    let _ = writeln!(
        o,
        "\nrecall of (copy, source) pairs by group  (J: true Jaccard; lost: copy dropped as empty/invalid or not listed)"
    );
    let _ = writeln!(
        o,
        "  {:<22} {:>7} {:>7} {:>8}   {:>7} {:>7} {:>8}  {:>7} {:>5} {:>8}",
        "group",
        "pairs",
        "merged",
        "recall",
        "J>=t",
        "merged",
        "recall",
        "mean J",
        "lost",
        "via near"
    );
    for (k, g) in groups.iter().enumerate() {
        if k == 2 || k == g_lang || k == g_var {
            let _ = writeln!(o);
        }
        let _ = writeln!(
            o,
            "  {:<22} {:>7} {:>7} {:>8.4}   {:>7} {:>7} {:>8.4}  {:>7.4} {:>5} {:>8}",
            g.name,
            g.n,
            g.hit,
            ratio(g.hit as f64, g.n as f64),
            g.n_hi,
            g.hit_hi,
            ratio(g.hit_hi as f64, g.n_hi as f64),
            ratio(g.j_sum, g.j_n as f64),
            g.lost,
            g.via_near
        );
    }
    let _ = writeln!(
        o,
        "\ntruth-pair J histogram by edit rate (pairs; below: merged/pairs per bin){}",
        if unmeasured > 0 {
            format!(", {unmeasured} pairs unmeasured")
        } else {
            String::new()
        }
    );
    let _ = write!(o, "  {:<10}", "J >=");
    for e in BINS {
        let _ = write!(o, "{e:>7}");
    }
    let _ = writeln!(o);
    let row_name = |r: usize| {
        if r == 0 {
            "exact".to_string()
        } else {
            format!("near@{}", RATES[r - 1])
        }
    };
    for (r, row) in hist.iter().enumerate() {
        let _ = write!(o, "  {:<10}", row_name(r));
        for &(c, _) in row {
            let _ = write!(o, "{c:>7}");
        }
        let _ = writeln!(o);
    }
    let _ = write!(o, "  {:<10}", "recall");
    for &(c, h) in &hist_all {
        if c == 0 {
            let _ = write!(o, "{:>7}", "-");
        } else {
            let _ = write!(o, "{:>7.3}", h as f64 / c as f64);
        }
    }
    let _ = writeln!(o);

    let _ = writeln!(
        o,
        "\nmisses: truth pairs with J >= {th} that canon did not merge: {} (highest J first)",
        misses.len()
    );
    for p in misses.iter().take(SHOW) {
        let _ = writeln!(o, "  {}", pair_line(&truth, &pred, p));
    }
    let _ = writeln!(
        o,
        "\nexact copies (same article, rendered differently) with J < 1 after repair: {} ({} with neither page glossed; lowest J first)",
        low_exact.len(),
        low_exact_unglossed
    );
    for p in low_exact.iter().take(SHOW) {
        let _ = writeln!(o, "  {}", pair_line(&truth, &pred, p));
    }
    if !canon_bp.is_empty() {
        let _ = writeln!(
            o,
            "\ncanon boilerplate (boilerplate.jsonl) in < {BOILERPLATE_DOCS} docs of the corpus, likely article text: {} of {} paragraphs, on {} pages (by canon's count)",
            bp_suspect.len(),
            canon_bp.len(),
            bp_suspect.iter().map(|(b, _)| b.1).sum::<u64>()
        );
        for (b, df) in bp_suspect.iter().take(SHOW) {
            let text: String = b.2.chars().take(60).collect();
            let _ = writeln!(
                o,
                "  {:016x} canon docs {} corpus docs {df}: {text}",
                b.0, b.1
            );
        }
    }
    let _ = writeln!(
        o,
        "\nwrong merges: (member, canonical) pairs from different truth clusters: {}",
        wrong.len()
    );
    for p in wrong.iter().take(SHOW) {
        let _ = writeln!(o, "  {}", pair_line(&truth, &pred, p));
    }
    let _ = writeln!(
        o,
        "\nlowest-J predicted pairs (member ~ canonical): {below_th} below {th}, {low} below {LOW_J}"
    );
    for p in by_j.iter().take_while(|p| p.j < th).take(SHOW) {
        let _ = writeln!(o, "  {}", pair_line(&truth, &pred, p));
    }
    for (i, paras) in &corpus.shown {
        let _ = writeln!(
            o,
            "\n{} ({}, {}): paragraphs after repair, [df] = documents with the same key{}",
            truth.ids[*i],
            truth.rate_name(*i),
            pred.fate[*i].name(),
            if paras.is_empty() { "; unreadable" } else { "" }
        );
        for (df, text) in paras {
            let mark = if *df >= BOILERPLATE_DOCS {
                " (boilerplate)"
            } else {
                ""
            };
            let _ = writeln!(o, "  [{df}]{mark} {text}");
        }
    }
    let _ = writeln!(
        o,
        "\ndone in {:.1} s (corpus pass {:.1} s)",
        start.elapsed().as_secs_f64(),
        corpus.seconds
    );
    print!("{o}");

    // ---- eval.json ----
    let hist_json: Vec<Value> = hist
        .iter()
        .enumerate()
        .map(|(r, row)| {
            json!({
                "kind": row_name(r),
                "bins": row.iter().enumerate().map(|(b, &(c, h))| json!({
                    "j": bin_name(b), "pairs": c, "merged": h,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let fates_json = |m: &HashMap<&str, u64>| {
        let mut v: Vec<(&&str, &u64)> = m.iter().collect();
        v.sort();
        v.into_iter()
            .map(|(k, c)| ((*k).to_string(), json!(c)))
            .collect::<serde_json::Map<_, _>>()
    };
    let report = json!({
        "corpus": args.corpus.display().to_string(),
        "truth": args.truth.display().to_string(),
        "out": args.out.display().to_string(),
        "threshold": th,
        "settings": {
            "min_repeat": MIN_REPEAT,
            "boilerplate_docs": BOILERPLATE_DOCS,
            "shingle": DEFAULT_SIZE,
            "low_j": LOW_J,
        },
        "documents": {
            "total": n,
            "original": kinds[0], "exact": kinds[1], "near": kinds[2], "malformed": kinds[3],
            "fates": fates_json(&fates),
            "fates_malformed": fates_json(&fates_malformed),
            "unresolved_output_lines": pred.unresolved,
            "listed_twice": pred.repeated,
            "consistency_problems": pred.problem_count,
            "consistency_examples": pred.problems,
            "corpus_unreadable_lines": corpus.unreadable,
            "corpus_id_mismatches": corpus.id_mismatch,
            "distinct_paragraph_keys": corpus.distinct_keys,
            "boilerplate_paragraph_keys": corpus.boilerplate_keys,
        },
        "clustering": {
            "docs": clus.docs,
            "truth_clusters": clus.truth_clusters,
            "predicted_clusters": clus.predicted_clusters,
            "truth_pairs": pair_count(clus.truth_pairs),
            "predicted_pairs": pair_count(clus.predicted_pairs),
            "true_pairs": pair_count(clus.true_pairs),
            "pair_precision": num(clus.precision),
            "pair_recall": num(clus.recall),
            "pair_f1": num(clus.f1),
            "adjusted_rand_index": num(clus.ari),
            "mixed_predicted_clusters": clus.mixed_clusters,
            "split_truth_clusters": clus.split_clusters,
            "member_pairs": pred_pairs.len(),
            "member_pairs_in_one_truth_cluster": pred_pairs.len() - wrong.len(),
            "member_precision": num(member_precision),
            "canonical_choice": {
                "clusters": choice.clusters,
                "clusters_with_original": choice.with_original,
                "canonical_is_original": choice.original_kept,
                "canonical_is_near_copy": choice.near_kept,
                "canonical_is_exact_copy": choice.exact_kept,
                "canonical_glossed_member_not": choice.glossed_over_plain,
            },
        },
        "targets": {
            "recall_j_at_least_threshold": num(recall_hi),
            "recall_j_at_least_threshold_ok": recall_hi >= 0.98,
            "misses_j_at_least_threshold": misses.len(),
            "misses_expected_from_banding": lsh_expected.map_or(Value::Null, num),
            "pair_precision": num(clus.precision),
            "pair_precision_ok": clus.precision >= 0.995 || clus.predicted_pairs == 0,
            "predicted_pairs_j_below_0_6": low,
            "predicted_pairs_j_below_0_6_ok": low == 0,
        },
        "predicted_pairs": {
            "count": pred_pairs.len(),
            "j_below_threshold": below_th,
            "j_below_0_6": low,
            "unmeasured": pred_unmeasured,
            "canon_similarity_abs_error_mean": num(ratio(sim_err.0, sim_err.2 as f64)),
            "canon_similarity_abs_error_max": num(sim_err.1),
            "lowest_j": by_j.iter().take(KEEP).map(|p| pair_json(&truth, &pred, p)).collect::<Vec<_>>(),
            "wrong_merges": wrong.len(),
            "wrong_merge_examples": wrong.iter().take(KEEP).map(|p| pair_json(&truth, &pred, p)).collect::<Vec<_>>(),
        },
        "recall_by_group": groups.iter().map(Group::json).collect::<Vec<_>>(),
        "truth_pair_j_histogram": hist_json,
        "truth_pairs_unmeasured": unmeasured,
        "exact_copies_j_below_1": {
            "count": low_exact.len(),
            "neither_glossed": low_exact_unglossed,
            "neither_glossed_examples": low_exact
                .iter()
                .filter(|p| !glossed(p.a) && !glossed(p.b))
                .take(KEEP)
                .map(|p| pair_json(&truth, &pred, p))
                .collect::<Vec<_>>(),
            "examples": low_exact.iter().take(KEEP).map(|p| pair_json(&truth, &pred, p)).collect::<Vec<_>>(),
        },
        "canon_boilerplate": {
            "paragraphs": canon_bp.len(),
            "in_fewer_docs_than_stand_in": bp_suspect.len(),
            "pages_affected": bp_suspect.iter().map(|(b, _)| b.1).sum::<u64>(),
            "examples": bp_suspect.iter().take(KEEP).map(|(b, df)| json!({
                "hash": format!("{:016x}", b.0), "canon_documents": b.1, "corpus_documents": df, "text": b.2,
            })).collect::<Vec<_>>(),
        },
        "misses": {
            "count": misses.len(),
            "examples": misses.iter().take(KEEP).map(|p| pair_json(&truth, &pred, p)).collect::<Vec<_>>(),
        },
        "seconds": start.elapsed().as_secs_f64(),
    });
    let path = args.out.join("eval.json");
    let mut text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    text.push('\n');
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}
