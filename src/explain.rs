//! `canon explain`: what happened to one input document, read back from an output directory
//! alone (`explain.jsonl.zst`, `boilerplate.jsonl`); the inputs are not needed.
//!
//! A document is found by its id or by its source as the outputs print it (`path:line`,
//! `path#record`, `path@byte`, `path`); ids need not be unique, so every match is explained,
//! in input order. A kept document's explanation lists its cluster members, read from the
//! same pass over the file.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::human::count;
use crate::output::ExplainLine;

/// What a run did to one document: its explain line, with what other lines and
/// `boilerplate.jsonl` add to it.
#[derive(Debug, Clone)]
pub struct Explanation {
    line: ExplainLine<'static>,
    members: Vec<Member>,
    boilerplate: Vec<BoilerplateRow>,
}

/// A document folded into a kept one (a member of its cluster).
#[derive(Debug, Clone, Serialize)]
struct Member {
    id: String,
    source: String,
    /// `exact` or `near`.
    fate: String,
    similarity: Option<f64>,
    chain: Option<u32>,
}

/// A boilerplate paragraph of the document, with what `boilerplate.jsonl` says of it.
#[derive(Debug, Clone, Serialize)]
struct BoilerplateRow {
    line: u32,
    hash: String,
    /// Unrelated documents of the site that have it (`None`: not in `boilerplate.jsonl`).
    documents: Option<u64>,
    text: Option<String>,
}

/// The explanations of every document whose id or source is `query`, in input order.
///
/// # Errors
/// The output directory lacks the files a run writes, or a line of them is not what canon
/// writes (the error names the file and line).
pub fn explain(out: &Path, query: &str) -> Result<Vec<Explanation>> {
    let path = out.join("explain.jsonl.zst");
    let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
    let reader =
        BufReader::new(zstd::stream::read::Decoder::new(file).map_err(|e| Error::io(&path, e))?);
    // Cheap pre-filters on the line as written (compact JSON, fields in a fixed order): a
    // quote outside a string value is never escaped, so `,"source":` cannot match inside one.
    let q = serde_json::to_string(query).expect("strings serialize");
    let as_id = format!("{{\"id\":{q},");
    let as_source = format!(",\"source\":{q},");
    let kept_as_id = format!(",\"kept_id\":{q},");
    let kept_as_source = format!(",\"kept_source\":{q},");
    let mut found: Vec<ExplainLine<'static>> = Vec::new();
    let mut folded: Vec<ExplainLine<'static>> = Vec::new();
    for (n, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| Error::io(&path, e))?;
        let doc = line.starts_with(&as_id) || line.contains(&as_source);
        let member = line.contains(&kept_as_id) || line.contains(&kept_as_source);
        if !doc && !member {
            continue;
        }
        let e: ExplainLine = serde_json::from_str(&line).map_err(|e| Error::Invalid {
            location: format!("{}:{}", path.display(), n + 1),
            message: e.to_string(),
        })?;
        let e = e.into_owned();
        if member {
            folded.push(e.clone());
        }
        if doc && (e.id == query || e.source == query) {
            found.push(e);
        }
    }
    let rows = if found.iter().any(|e| !e.boilerplate.is_empty()) {
        boilerplate_texts(out)?
    } else {
        Rows::new()
    };
    Ok(found
        .into_iter()
        .map(|line| {
            // Members name their kept document by id and source (ids need not be unique).
            let members = folded
                .iter()
                .filter(|m| {
                    m.kept_id.as_deref() == Some(&*line.id)
                        && m.kept_source.as_deref() == Some(&line.source)
                })
                .map(|m| Member {
                    id: m.id.to_string(),
                    source: m.source.clone(),
                    fate: m.fate.to_string(),
                    similarity: m.similarity,
                    chain: m.chain,
                })
                .collect();
            let boilerplate = line
                .boilerplate
                .iter()
                .map(|(l, hash)| {
                    let row = rows.get(&(hash.clone(), line.site.clone()));
                    BoilerplateRow {
                        line: *l,
                        hash: hash.clone(),
                        documents: row.map(|r| r.0),
                        text: row.map(|r| r.1.clone()),
                    }
                })
                .collect();
            Explanation {
                line,
                members,
                boilerplate,
            }
        })
        .collect())
}

/// Boilerplate rows by (hash, site): (documents of the site, text).
type Rows = HashMap<(String, String), (u64, String)>;

fn boilerplate_texts(out: &Path) -> Result<Rows> {
    #[derive(serde::Deserialize)]
    struct Row {
        hash: String,
        #[serde(default)]
        site: String,
        documents: u64,
        text: String,
    }
    let path = out.join("boilerplate.jsonl");
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let mut map = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let r: Row = serde_json::from_str(line).map_err(|e| Error::Invalid {
            location: format!("{}:{}", path.display(), n + 1),
            message: e.to_string(),
        })?;
        map.insert((r.hash, r.site), (r.documents, r.text));
    }
    Ok(map)
}

impl Explanation {
    /// The explain line as JSON (one line, no newline): the fields of `explain.jsonl.zst`,
    /// plus `members` (the documents folded into a kept one: id, source, fate, similarity,
    /// chain) and `boilerplate_text` (line, hash, documents, text of each boilerplate
    /// paragraph).
    pub fn json(&self) -> String {
        #[derive(Serialize)]
        struct Json<'a> {
            #[serde(flatten)]
            line: &'a ExplainLine<'static>,
            members: &'a [Member],
            boilerplate_text: &'a [BoilerplateRow],
        }
        serde_json::to_string(&Json {
            line: &self.line,
            members: &self.members,
            boilerplate_text: &self.boilerplate,
        })
        .expect("explain lines serialize")
    }

    /// The explanation in words, a line per fact, ending with a newline.
    pub fn text(&self) -> String {
        let (e, mut s) = (&self.line, String::new());
        let _ = writeln!(s, "{} ({})", e.id, e.source);
        if !e.site.is_empty() {
            let _ = writeln!(s, "  site: {}", e.site);
        }
        let kept = format!(
            "{} ({})",
            e.kept_id.as_deref().unwrap_or("?"),
            e.kept_source.as_deref().unwrap_or("?")
        );
        let cluster = count(e.cluster_size as u64, "document", "documents");
        let _ = match &*e.fate {
            "kept" if e.cluster_size > 1 => writeln!(
                s,
                "  kept: the canonical document of a cluster of {cluster}"
            ),
            "kept" => writeln!(s, "  kept: no duplicate found"),
            "exact" => writeln!(
                s,
                "  dropped as exact duplicate of {kept}: same text after repair and boilerplate removal; cluster of {cluster}"
            ),
            "near" => writeln!(
                s,
                "  dropped as near-duplicate of {kept}: Jaccard similarity {:.4}, {} away; cluster of {cluster}",
                e.similarity.unwrap_or(0.0),
                count(u64::from(e.chain.unwrap_or(0)), "verified pair", "verified pairs"),
            ),
            "empty" => writeln!(
                s,
                "  dropped as empty: nothing left after repair and boilerplate removal"
            ),
            _ => writeln!(
                s,
                "  dropped as invalid: {}",
                e.error.as_deref().unwrap_or("unreadable record")
            ),
        };
        if !self.members.is_empty() {
            let _ = writeln!(s, "  dropped as its copies:");
            for m in &self.members {
                let _ = match (&*m.fate, m.similarity) {
                    ("near", Some(j)) => writeln!(
                        s,
                        "    {} ({}): near-duplicate, Jaccard similarity {j:.4}",
                        m.id, m.source
                    ),
                    (fate, _) => writeln!(s, "    {} ({}): {fate} duplicate", m.id, m.source),
                };
            }
        }
        if e.fate != "invalid" {
            let _ = writeln!(
                s,
                "  {} after repair, {} of them boilerplate",
                count(e.paragraphs_kept as u64, "paragraph", "paragraphs"),
                self.boilerplate.len()
            );
        }
        for (k, (line, what, n)) in e.repair.iter().enumerate() {
            let _ = match (&**what, *n) {
                ("repeat", 0) => write!(
                    s,
                    "  line {line}: removed by repair, nothing left after cutting repeated text"
                ),
                ("repeat", of) => write!(s, "  line {line}: removed by repair, repeats line {of}"),
                (_, chars) => write!(
                    s,
                    "  line {line}: {} cut by repair (glued or repeated text)",
                    count(u64::from(chars), "character", "characters")
                ),
            };
            match e.repair_text.get(k).filter(|t| !t.is_empty()) {
                Some(t) => {
                    let _ = writeln!(s, ": {t}");
                }
                None => s.push('\n'),
            }
        }
        for b in &self.boilerplate {
            let _ = match (&b.text, b.documents) {
                (Some(text), Some(docs)) => writeln!(
                    s,
                    "  line {}: boilerplate (in {} of site {}): {text}",
                    b.line,
                    count(docs, "unrelated document", "unrelated documents"),
                    e.site
                ),
                _ => writeln!(s, "  line {}: boilerplate ({})", b.line, b.hash),
            };
        }
        for (line, home) in &e.passages {
            let _ = writeln!(
                s,
                "  line {line}: passage kept once, in {home} (also in other documents; removed here)"
            );
        }
        s
    }
}
