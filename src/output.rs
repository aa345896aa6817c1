//! Emit stage helpers: atomic output files and the JSON lines canon writes.
//!
//! Every output is written to a temporary file in the output directory, synced, and renamed
//! into place only when all of them are complete, so a failed or killed run never leaves a
//! partial `canonical.jsonl` under its final name.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use xxhash_rust::xxh3::Xxh3Default;

use crate::error::{Error, Result};

/// An output file being written under a temporary name.
pub struct Pending {
    tmp: tempfile::NamedTempFile,
    writer: BufWriter<File>,
    dest: PathBuf,
    name: String,
    bytes: u64,
    hash: Xxh3Default,
}

/// A finished output, as listed in the manifest.
#[derive(Debug, Clone, Serialize)]
pub struct Written {
    /// File name in the output directory.
    pub name: String,
    /// Size in bytes.
    pub bytes: u64,
    /// xxh3-128 of the content, hex.
    pub xxh3_128: String,
}

impl Pending {
    /// Starts `dir/name` as a temporary file in `dir`.
    ///
    /// # Errors
    /// The directory is not writable.
    pub fn create(dir: &Path, name: &str) -> Result<Pending> {
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| Error::output(dir, e))?;
        // Outputs are for others to read: not the 0600 of temporary files.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))
                .map_err(|e| Error::output(tmp.path(), e))?;
        }
        let file = tmp.reopen().map_err(|e| Error::output(tmp.path(), e))?;
        Ok(Pending {
            writer: BufWriter::with_capacity(1 << 20, file),
            tmp,
            dest: dir.join(name),
            name: name.to_owned(),
            bytes: 0,
            hash: Xxh3Default::new(),
        })
    }

    /// Appends bytes.
    ///
    /// # Errors
    /// Writing failed (disk full, …).
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.bytes += bytes.len() as u64;
        self.hash.update(bytes);
        self.writer
            .write_all(bytes)
            .map_err(|e| Error::output(&self.dest, e))
    }

    /// Flushes and syncs what was written so far (committing it later is then quick).
    ///
    /// # Errors
    /// Writing or syncing failed (disk full, …).
    pub fn sync(&mut self) -> Result<()> {
        self.writer.flush().map_err(|e| Error::io(&self.dest, e))?;
        self.writer
            .get_ref()
            .sync_all()
            .map_err(|e| Error::io(&self.dest, e))
    }

    /// The output's name in the output directory.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Ends this output without committing it and gives back what was written, for reading
    /// from the start: an open, already unlinked file (it goes when the handle is dropped).
    /// For an output that is converted into another (JSON Lines into Parquet).
    ///
    /// # Errors
    /// Flushing, reopening or seeking failed.
    pub fn into_reader(mut self) -> Result<File> {
        use std::io::Seek;
        self.writer
            .flush()
            .map_err(|e| Error::output(&self.dest, e))?;
        let mut f = self
            .tmp
            .reopen()
            .map_err(|e| Error::output(&self.dest, e))?;
        f.seek(std::io::SeekFrom::Start(0))
            .map_err(|e| Error::output(&self.dest, e))?;
        // Dropping the temporary file unlinks it; the open handle keeps its data.
        drop(self.tmp);
        Ok(f)
    }

    /// Flushes and syncs the temporary file; the result is ready to be renamed.
    fn finish(mut self) -> Result<(tempfile::NamedTempFile, PathBuf, Written)> {
        self.writer
            .flush()
            .map_err(|e| Error::output(&self.dest, e))?;
        self.writer
            .get_ref()
            .sync_all()
            .map_err(|e| Error::output(&self.dest, e))?;
        let written = Written {
            name: self.name,
            bytes: self.bytes,
            xxh3_128: format!("{:032x}", self.hash.digest128()),
        };
        Ok((self.tmp, self.dest, written))
    }
}

/// Appending through `io::Write` (the Parquet writer's sink); errors keep their kind, and
/// the caller names the output.
impl Write for Pending {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer.write_all(buf)?;
        self.bytes += buf.len() as u64;
        self.hash.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }
}

/// The name of the manifest, written last.
pub const MANIFEST: &str = "manifest.json";

/// Finishes all pending outputs (flushed and synced under temporary names), then commits
/// them: the old manifest is removed first, the outputs are renamed into place, and the new
/// manifest — made by `manifest` from the outputs' sizes and checksums — is renamed last. A
/// run killed at any point leaves either a manifest that matches every file it lists, or no
/// manifest (an incomplete directory that consumers must not use). Files named in `stale`
/// (the outputs of the other `--output-format`, which a consumer could mistake for this
/// run's) are removed with the old manifest.
///
/// # Errors
/// Flushing, syncing or renaming failed.
pub fn commit(
    dir: &Path,
    outputs: Vec<Pending>,
    stale: &[&str],
    manifest: impl FnOnce(&[Written]) -> Vec<u8>,
) -> Result<()> {
    let mut ready = Vec::with_capacity(outputs.len());
    for p in outputs {
        ready.push(p.finish()?);
    }
    let written: Vec<Written> = ready.iter().map(|r| r.2.clone()).collect();
    let mut m = Pending::create(dir, MANIFEST)?;
    m.write(&manifest(&written))?;
    let (m_tmp, m_dest, _) = m.finish()?;
    match std::fs::remove_file(&m_dest) {
        Ok(()) => sync_dir(dir),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::output(&m_dest, e)),
    }
    for name in stale {
        let path = dir.join(name);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::output(&path, e)),
        }
    }
    for (tmp, dest, _) in ready {
        tmp.persist(&dest)
            .map_err(|e| Error::output(&dest, e.error))?;
    }
    sync_dir(dir);
    m_tmp
        .persist(&m_dest)
        .map_err(|e| Error::output(&m_dest, e.error))?;
    sync_dir(dir);
    Ok(())
}

/// Makes renames in `dir` durable (best effort: not every file system supports it).
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Removes temporary files that a killed run left in the output directory.
pub fn remove_stale(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.')
            && name.ends_with(".tmp")
            && e.file_type().is_ok_and(|t| t.is_file())
        {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Appends `s` as a JSON string literal.
pub fn json_string(out: &mut Vec<u8>, s: &str) {
    serde_json::to_writer(&mut *out, s).expect("writing to a Vec cannot fail");
}

/// Appends a serializable value as compact JSON.
pub fn json_value(out: &mut Vec<u8>, v: &impl Serialize) {
    serde_json::to_writer(&mut *out, v).expect("canon's output types always serialize");
}

/// The `canon` object attached to every canonical document.
#[derive(Debug, Serialize)]
pub struct CanonInfo<'a> {
    /// Where the document was read: `path:line`, `path` or `path#record`.
    pub source: &'a str,
    /// Documents in its cluster, itself included.
    pub cluster_size: usize,
    /// Ids of the other members of its cluster, in input order.
    pub duplicates: Vec<&'a str>,
    /// What repair and boilerplate removal took out.
    pub removed: Removed,
}

/// Removal counts of one canonical document.
#[derive(Debug, Serialize)]
pub struct Removed {
    /// Paragraphs dropped, or left empty, because they repeat earlier text of the page.
    pub repeated_paragraphs: u32,
    /// Characters removed by repair (whole paragraphs and cut spans).
    pub repeated_chars: u64,
    /// Paragraphs removed as boilerplate.
    pub boilerplate_paragraphs: u32,
    /// Passage paragraphs removed because another document keeps them (their home; see
    /// `canon explain`); written only when there are some.
    #[serde(skip_serializing_if = "is_zero")]
    pub passage_paragraphs: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// One line of `dropped.jsonl`.
#[derive(Debug, Serialize)]
pub struct DroppedLine<'a> {
    /// The document's id.
    pub id: &'a str,
    /// Where it was read.
    pub source: &'a str,
    /// `exact`, `near`, `empty` or `invalid`.
    pub reason: &'a str,
    /// Id of the canonical document it was folded into (`exact` and `near`).
    pub kept_id: Option<&'a str>,
    /// Source of that canonical document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept_source: Option<&'a str>,
    /// Why the record could not be read (`invalid` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'a str>,
    /// Jaccard similarity to the canonical document (`near` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similarity: Option<Similarity>,
    /// Verified pairs between it and the canonical document (`near` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain: Option<u32>,
}

/// A similarity as `dropped.jsonl` writes it: the shortest decimal that reads back as the
/// same number, without a trailing `.0` (`1`, `0.85`, `0.9123`); `null` if it is not finite.
/// Only for serde_json, which writes it as a raw JSON number.
#[derive(Debug, Clone, Copy)]
pub struct Similarity(pub f64);

impl Serialize for Similarity {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        if !self.0.is_finite() {
            return s.serialize_none();
        }
        // Rust's `Display` of a finite f64 is a plain decimal, never an exponent: valid JSON.
        serde_json::value::RawValue::from_string(self.0.to_string())
            .map_err(serde::ser::Error::custom)?
            .serialize(s)
    }
}

/// One line of `explain.jsonl.zst`: everything `canon explain` says about a document.
///
/// Strings are `Cow`: rendering borrows them from the tables, and reading a line back
/// borrows what needs no unescaping and owns the rest (an id with `\`, `"` or a tab).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct ExplainLine<'a> {
    /// The document's id.
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    /// Where it was read.
    pub source: String,
    /// Its site (boilerplate is a site's chrome): the host of its URL, `file:PATH` or
    /// `dir:PATH` (see `boilerplate.jsonl`).
    #[serde(default)]
    pub site: String,
    /// `kept`, `exact`, `near`, `empty` or `invalid`.
    #[serde(borrow)]
    pub fate: Cow<'a, str>,
    /// The canonical document it was folded into.
    #[serde(borrow)]
    pub kept_id: Option<Cow<'a, str>>,
    /// Where that document was read.
    pub kept_source: Option<String>,
    /// Jaccard similarity to the canonical document (1 for exact duplicates).
    pub similarity: Option<f64>,
    /// Verified pairs between it and the canonical document.
    pub chain: Option<u32>,
    /// Documents in its cluster.
    pub cluster_size: usize,
    /// Why it could not be read.
    #[serde(borrow)]
    pub error: Option<Cow<'a, str>>,
    /// Paragraphs left after repair (boilerplate included).
    pub paragraphs_kept: usize,
    /// Repair removals: (line, `repeat`, line repeated) or (line, `cut`, characters cut).
    #[serde(borrow)]
    pub repair: Vec<(u32, Cow<'a, str>, u32)>,
    /// The text each repair removal took out, parallel to `repair`: the removed line, or the
    /// cut spans joined by ` … `; each at most [`EXPLAIN_TEXT_CHARS`] characters (then `…`).
    /// Absent in outputs of earlier versions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repair_text: Vec<String>,
    /// Boilerplate paragraphs: (line, paragraph hash; see `boilerplate.jsonl`).
    pub boilerplate: Vec<(u32, String)>,
    /// Passage paragraphs removed because another document keeps them: (line, id of the
    /// document that keeps the passage).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub passages: Vec<(u32, String)>,
}

impl ExplainLine<'_> {
    /// The same line owning all its strings (to keep it past the buffer it was read from).
    pub fn into_owned(self) -> ExplainLine<'static> {
        let own = |c: Cow<'_, str>| Cow::Owned(c.into_owned());
        ExplainLine {
            id: own(self.id),
            source: self.source,
            site: self.site,
            fate: own(self.fate),
            kept_id: self.kept_id.map(own),
            kept_source: self.kept_source,
            similarity: self.similarity,
            chain: self.chain,
            cluster_size: self.cluster_size,
            error: self.error.map(own),
            paragraphs_kept: self.paragraphs_kept,
            repair: self
                .repair
                .into_iter()
                .map(|(l, w, n)| (l, own(w), n))
                .collect(),
            repair_text: self.repair_text,
            boilerplate: self.boilerplate,
            passages: self.passages,
        }
    }
}

/// The most characters of removed text an explain line records per repair removal: enough
/// to recognize it, while the explain file stays small next to the outputs (a cut can be a
/// whole repeated body).
pub const EXPLAIN_TEXT_CHARS: usize = 160;

/// Splices `text` into a JSON object line in place of the raw value at `span`, and appends
/// `"canon": info` as the object's last member.
pub fn splice_jsonl(
    out: &mut Vec<u8>,
    line: &str,
    span: std::ops::Range<usize>,
    text: &str,
    info: &CanonInfo,
) {
    let close = line.trim_end().len() - 1; // the object's closing brace
    out.extend_from_slice(&line.as_bytes()[..span.start]);
    json_string(out, text);
    out.extend_from_slice(&line.as_bytes()[span.end..close]);
    close_jsonl(out, b"", info);
}

/// Appends `open` (a JSON object without its closing brace), then the `canon` member, the
/// closing brace and a line end.
pub fn close_jsonl(out: &mut Vec<u8>, open: &[u8], info: &CanonInfo) {
    out.extend_from_slice(open);
    out.extend_from_slice(b",\"canon\":");
    json_value(out, info);
    out.extend_from_slice(b"}\n");
}

/// A canonical line for inputs that are not JSON: `{"id","url"?,"text","canon"}`.
pub fn plain_line(out: &mut Vec<u8>, id: &str, url: Option<&str>, text: &str, info: &CanonInfo) {
    out.extend_from_slice(b"{\"id\":");
    json_string(out, id);
    if let Some(url) = url {
        out.extend_from_slice(b",\"url\":");
        json_string(out, url);
    }
    out.extend_from_slice(b",\"text\":");
    json_string(out, text);
    out.extend_from_slice(b",\"canon\":");
    json_value(out, info);
    out.extend_from_slice(b"}\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> CanonInfo<'static> {
        CanonInfo {
            source: "a.jsonl:3",
            cluster_size: 2,
            duplicates: vec!["x"],
            removed: Removed {
                repeated_paragraphs: 1,
                repeated_chars: 5,
                boilerplate_paragraphs: 0,
                passage_paragraphs: 0,
            },
        }
    }

    #[test]
    fn splice_keeps_other_fields() {
        let line = r#"{"id":"a","text":"old\ntext","site":"s"} "#;
        let span = 17..28;
        assert_eq!(&line[span.clone()], r#""old\ntext""#);
        let mut out = Vec::new();
        splice_jsonl(&mut out, line, span, "new \"t\"", &info());
        let s = String::from_utf8(out).unwrap();
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["text"], "new \"t\"");
        assert_eq!(v["site"], "s");
        assert_eq!(v["canon"]["duplicates"][0], "x");
        assert!(s.starts_with(r#"{"id":"a","text":"new \"t\"","site":"s","canon":{"#));
    }

    #[test]
    fn commit_renames_into_place() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = Pending::create(dir.path(), "a.txt").unwrap();
        a.write(b"hello").unwrap();
        assert!(!dir.path().join("a.txt").exists());
        commit(dir.path(), vec![a], &[], |w| serde_json::to_vec(w).unwrap()).unwrap();
        assert_eq!(std::fs::read(dir.path().join("a.txt")).unwrap(), b"hello");
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join(MANIFEST)).unwrap()).unwrap();
        assert_eq!(m[0]["name"], "a.txt");
        assert_eq!(m[0]["bytes"], 5);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
