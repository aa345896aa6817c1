//! `canon explain`: what happened to one input document, read back from an output directory
//! alone (`explain.jsonl.zst`, `boilerplate.jsonl`); the inputs are not needed.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::Path;

use crate::error::{Error, Result};
use crate::output::ExplainLine;

/// The explanations of every document with this id (ids need not be unique), in input order.
///
/// # Errors
/// The output directory lacks the files a run writes, or they cannot be read.
pub fn explain(out: &Path, id: &str) -> Result<Vec<String>> {
    let path = out.join("explain.jsonl.zst");
    let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
    let reader =
        BufReader::new(zstd::stream::read::Decoder::new(file).map_err(|e| Error::io(&path, e))?);
    let boilerplate = boilerplate_texts(out)?;
    // Cheap pre-filter: the id as it appears in the line, JSON-escaped.
    let needle = format!(
        "{{\"id\":{},",
        serde_json::to_string(id).expect("strings serialize")
    );
    let mut found = Vec::new();
    for (n, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| Error::io(&path, e))?;
        if !line.starts_with(&needle) {
            continue;
        }
        let e: ExplainLine = serde_json::from_str(&line).map_err(|e| Error::Invalid {
            location: format!("{}:{}", path.display(), n + 1),
            message: e.to_string(),
        })?;
        found.push(describe(&e, &boilerplate));
    }
    Ok(found)
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

fn describe(e: &ExplainLine, boilerplate: &Rows) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{} ({})", e.id, e.source);
    if !e.site.is_empty() {
        let _ = writeln!(s, "  site: {}", e.site);
    }
    let kept = || {
        format!(
            "{} ({})",
            e.kept_id.unwrap_or("?"),
            e.kept_source.as_deref().unwrap_or("?")
        )
    };
    match e.fate {
        "kept" if e.cluster_size > 1 => {
            let _ = writeln!(
                s,
                "  kept: the canonical document of a cluster of {}",
                e.cluster_size
            );
        }
        "kept" => {
            let _ = writeln!(s, "  kept: no duplicate found");
        }
        "exact" => {
            let _ = writeln!(
                s,
                "  dropped as exact duplicate of {}: same text after repair and boilerplate removal; cluster of {}",
                kept(),
                e.cluster_size
            );
        }
        "near" => {
            let _ = writeln!(
                s,
                "  dropped as near-duplicate of {}: Jaccard similarity {:.4}, {} verified pair(s) away; cluster of {}",
                kept(),
                e.similarity.unwrap_or(0.0),
                e.chain.unwrap_or(0),
                e.cluster_size
            );
        }
        "empty" => {
            let _ = writeln!(
                s,
                "  dropped as empty: nothing left after repair and boilerplate removal"
            );
        }
        _ => {
            let _ = writeln!(
                s,
                "  dropped as invalid: {}",
                e.error.unwrap_or("unreadable record")
            );
        }
    }
    if e.fate != "invalid" {
        let _ = writeln!(
            s,
            "  {} paragraph(s) after repair, {} of them boilerplate",
            e.paragraphs_kept,
            e.boilerplate.len()
        );
    }
    for &(line, what, n) in &e.repair {
        let _ = match (what, n) {
            ("repeat", 0) => writeln!(
                s,
                "  line {line}: removed by repair, nothing left after cutting repeated text"
            ),
            ("repeat", of) => writeln!(s, "  line {line}: removed by repair, repeats line {of}"),
            (_, chars) => writeln!(
                s,
                "  line {line}: {chars} character(s) cut by repair (glued or repeated text)"
            ),
        };
    }
    for (line, hash) in &e.boilerplate {
        let _ = match boilerplate.get(&(hash.clone(), e.site.clone())) {
            Some((docs, text)) => writeln!(
                s,
                "  line {line}: boilerplate (in {docs} unrelated documents of site {}): {text}",
                e.site
            ),
            None => writeln!(s, "  line {line}: boilerplate ({hash})"),
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
