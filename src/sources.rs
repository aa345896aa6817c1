//! Where documents come from, for every stage after reading: the opened input files, the
//! documents published by earlier runs ([`Published`], their texts read back from the
//! `canonical.jsonl` line or `canonical.parquet` row an earlier run wrote), a document's source
//! as outputs name it (`path:line`, `path#record` or `path#row`, `path@byte`, `path`), and its
//! text read again from its mapped input ([`Ctx::with_text`]).

use crate::config::Config;
use crate::input::wet::WetRecord;
use crate::input::{utf8_lossy, Format, InputFile, Opened};
use crate::tables::{Doc, Loc, NO_FILE};

/// Read-only state the stages share: the configuration and the run's inputs.
pub(crate) struct Ctx<'a> {
    pub(crate) cfg: &'a Config,
    pub(crate) files: &'a [InputFile],
    pub(crate) opened: &'a [Opened],
    pub(crate) wet: &'a [Vec<WetRecord>],
    /// The documents published by earlier runs (incremental runs).
    pub(crate) published: &'a Published,
}

/// The documents an incremental run reads back from its index (see `index::convert`).
#[derive(Default)]
pub(crate) struct Published {
    /// Where each was read, as its run reported it.
    pub(crate) sources: Vec<Box<str>>,
    /// Where its canonical line is: (entry in `files`, byte offset).
    pub(crate) text_at: Vec<Option<(u32, u64)>>,
    /// The index's published outputs, mapped, with their text field; `None` where the file
    /// is gone or was replaced.
    pub(crate) files: Vec<Option<(bytes::Bytes, String)>>,
}

impl Published {
    /// The published text of document `k`, if its output is still at hand: its line at a
    /// byte offset of a `canonical.jsonl`, or its row (0-based) of a `canonical.parquet`.
    pub(crate) fn text(&self, k: usize) -> Option<String> {
        let (file, off) = self.text_at.get(k).copied().flatten()?;
        let (map, field) = self.files.get(file as usize)?.as_ref()?;
        if map.starts_with(b"PAR1") {
            return parquet_row_text(map, off, field);
        }
        let rest = map.get(off as usize..)?;
        let line = &rest[..memchr::memchr(b'\n', rest).unwrap_or(rest.len())];
        let v: serde_json::Value = serde_json::from_slice(line).ok()?;
        v.get(field.as_str())
            .or_else(|| v.get("text"))?
            .as_str()
            .map(str::to_owned)
    }
}

impl Ctx<'_> {
    /// Where document `d` was read, as the outputs name it.
    pub(crate) fn source_of(&self, d: &Doc) -> String {
        self.source(d.file, d.loc)
    }

    /// Where a record of input `file` at `loc` was read, as the outputs name it.
    pub(crate) fn source(&self, file: u32, loc: Loc) -> String {
        if let Loc::Published(k) = loc {
            return self.published.sources[k as usize].to_string();
        }
        // Built by hand: this runs for every document in pass 1 (ids) and emit (sources), where
        // `format!` over `Path::display` cost a few percent of a run of short documents.
        let path = &self.files[file as usize].path;
        let p = path.to_string_lossy();
        let (sep, n) = match loc {
            Loc::Line(l) => (':', l),
            Loc::File => return p.into_owned(),
            Loc::Record(r) => ('#', r),
            Loc::Byte(b) => ('@', b),
            Loc::Published(_) => unreachable!("handled above"),
        };
        let mut out = String::with_capacity(p.len() + 21);
        out.push_str(&p);
        out.push(sep);
        push_decimal(&mut out, n);
        out
    }

    /// Whether input `file` is under a `--published` path.
    pub(crate) fn is_published(&self, file: usize) -> bool {
        let path = &self.files[file].path;
        self.cfg
            .options
            .published
            .iter()
            .any(|p| path.starts_with(p))
    }

    /// Calls `f` with a readable document's text, read again from its mapped input (and under
    /// `--memory` gives those pages back); `None` for a document published by an earlier run
    /// (no text here) or a record that no longer parses.
    pub(crate) fn with_text<R>(&self, d: &Doc, f: impl FnOnce(&str) -> R) -> Option<R> {
        if d.file == NO_FILE {
            return None;
        }
        let data = &self.opened[d.file as usize].data;
        let result = match self.files[d.file as usize].format {
            Format::Jsonl | Format::Parquet => {
                let row = match d.loc {
                    Loc::Record(r) => Some(r),
                    _ => None,
                };
                let o = &self.opened[d.file as usize];
                o.with_json(d.span.clone(), row, &self.cfg.options.fields, |rec, _| {
                    rec.ok().map(|(r, _)| f(&r.text))
                })
            }
            _ => Some(f(&utf8_lossy(&data[d.span.clone()]))),
        };
        if self.cfg.run.memory.is_some() {
            data.release(d.span.clone());
        }
        result
    }
}

/// Appends `n` in decimal.
fn push_decimal(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&buf[i..]).expect("ASCII digits"));
}

/// The text (column `field`, else `text`) of row `row` (0-based) of a `canonical.parquet`
/// held in `file`: an incremental run reading back a document an earlier run published.
/// Decodes only that column of the row's row group, from the page that holds the row on (the
/// writer's offset index locates it). `None` if the file does not have it.
fn parquet_row_text(file: &bytes::Bytes, row: u64, field: &str) -> Option<String> {
    use arrow_array::cast::AsArray;
    use arrow_array::Array;
    use parquet::arrow::arrow_reader::{
        ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection, RowSelector,
    };
    use parquet::arrow::ProjectionMask;
    use parquet::file::metadata::PageIndexPolicy;

    let options = ArrowReaderOptions::new().with_offset_index_policy(PageIndexPolicy::Optional);
    let b = ParquetRecordBatchReaderBuilder::try_new_with_options(file.clone(), options).ok()?;
    let roots = b.parquet_schema().root_schema().get_fields();
    let col = roots
        .iter()
        .position(|f| f.name() == field)
        .or_else(|| roots.iter().position(|f| f.name() == "text"))?;
    let (mut group, mut first) = (None, 0u64);
    for (g, rg) in b.metadata().row_groups().iter().enumerate() {
        let n = rg.num_rows().max(0) as u64;
        if row < first + n {
            group = Some(g);
            break;
        }
        first += n;
    }
    let mask = ProjectionMask::roots(b.parquet_schema(), [col]);
    let selection = RowSelection::from(vec![
        RowSelector::skip((row - first) as usize),
        RowSelector::select(1),
    ]);
    let mut reader = b
        .with_row_groups(vec![group?])
        .with_projection(mask)
        .with_row_selection(selection)
        .with_batch_size(1)
        .build()
        .ok()?;
    let batch = reader.next()?.ok()?;
    let text = batch.column(0).as_string_opt::<i32>()?;
    (text.len() == 1 && text.is_valid(0)).then(|| text.value(0).to_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn decimals_are_written_like_display() {
        for n in [0, 7, 10, 99, 100, 12_345, u64::MAX] {
            let mut s = String::from("x");
            super::push_decimal(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
    }
}
