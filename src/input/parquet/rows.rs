//! Where each converted Parquet row's text, id and URL are in its line ([`Rows`]), so that the
//! stages that read a row need not parse its line back; and which files allow it ([`keys`]).
//! Places are byte ranges within a row's line, quotes included.

use std::collections::HashSet;

use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ArrowReaderMetadata;

use super::Col;
use crate::input::jsonl::{self, Fields, JsonRecord};

/// Where the text, id and URL values of each converted row are in its line, so that the
/// stages that read a row (pass 1, emit) need not parse its line back: the JSON parse of
/// every line (an escape scan of the whole text, and the keys and values around it) is work
/// the conversion has just done. Kept only for files whose lines parse back exactly to these
/// values: distinct column names, a string text column, string or binary id and URL columns,
/// other columns strings, binary, integers or booleans.
#[derive(Debug, Default)]
pub struct Rows {
    pub(super) at: Vec<RowAt>,
}

/// Where the values of one row are in its line: byte ranges, quotes included (`[0, 0]`: no
/// such column).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct RowAt {
    /// The line's length (without its line end), to check a lookup.
    pub(super) len: u32,
    /// `[0, 0]` if the text is not a string (null, or bytes that are not UTF-8): the row
    /// is then parsed as any JSON line.
    pub(super) text: [u32; 2],
    pub(super) id: [u32; 2],
    pub(super) url: [u32; 2],
    /// Whether the text holds an escape (a quote, a backslash, a control character).
    pub(super) escaped: bool,
}

impl Rows {
    /// The length of row `row`'s line (1-based; without its line end), if known.
    pub fn line_len(&self, row: u64) -> Option<usize> {
        let at = self.at.get(usize::try_from(row.checked_sub(1)?).ok()?)?;
        // 0: too long for 32 bits (no line is empty: a row is at least `{}`).
        (at.len > 0).then_some(at.len as usize)
    }

    /// The record in row `row` (1-based), whose line (without its line end) is `line`, as
    /// [`jsonl::parse`] reads it; `None` if it must be parsed (its text is not a
    /// string, or `line` is not the row's line).
    pub fn record<'a>(&self, row: u64, line: &'a str) -> Option<JsonRecord<'a>> {
        let at = self.at.get(usize::try_from(row.checked_sub(1)?).ok()?)?;
        if at.text == [0, 0] || at.len as usize != line.len() {
            return None;
        }
        let range = |r: [u32; 2]| (r != [0, 0]).then(|| r[0] as usize..r[1] as usize);
        jsonl::known(
            line,
            range(at.text)?,
            at.escaped,
            range(at.id),
            range(at.url),
        )
    }
}

/// The columns of the text, id and URL (as [`jsonl::parse`] matches keys: the text first),
/// if the file's lines parse back to the values the conversion writes (see [`Rows`]): every
/// column name once; a string text column; an id or URL column, if any, of strings or bytes
/// (written as strings); other columns of strings, bytes, integers or booleans (whose JSON
/// is plain; a float or a nested value might not parse back the same).
pub(super) fn keys(meta: &ArrowReaderMetadata, kinds: &[Col], fields: &Fields) -> Option<Keys> {
    let schema = meta.schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let mut seen = HashSet::new();
    if !names.iter().all(|n| seen.insert(*n)) {
        return None;
    }
    let plain = schema.fields().iter().zip(kinds).all(|(f, k)| {
        *k != Col::Other || f.data_type().is_integer() || f.data_type() == &DataType::Boolean
    });
    let find = |name: &str, kind: Col| match names.iter().position(|n| *n == name) {
        Some(i) if kinds[i] == kind => Some(Some(i)),
        Some(_) => None,
        None => Some(None),
    };
    let text = find(&fields.text, Col::Text)??;
    let id = if fields.id == fields.text {
        None
    } else {
        find(&fields.id, Col::Str)?
    };
    let url = if fields.url == fields.text || fields.url == fields.id {
        None
    } else {
        find(&fields.url, Col::Str)?
    };
    plain.then_some(Keys { text, id, url })
}

/// The columns whose places in each line [`Rows`] keeps.
#[derive(Clone, Copy)]
pub(super) struct Keys {
    pub(super) text: usize,
    pub(super) id: Option<usize>,
    pub(super) url: Option<usize>,
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::tests::{fixture, written};
    use super::super::{convert, Hold};
    use crate::input::jsonl::{self, Fields};

    /// A row read from the places its conversion kept is the record parsing its line gives;
    /// a row whose text is not a string is parsed. Files whose lines might not parse back to
    /// what was written keep no places.
    #[test]
    fn rows_read_from_their_places_are_their_parsed_lines() {
        let fields = Fields::new();
        for (name, bytes, kept) in [
            ("written", written(3000, 256), true),
            ("pages", fixture("pages.parquet"), true),
            ("null_text", fixture("null_text.parquet"), true),
            ("corrupt_page", fixture("corrupt_page.parquet"), true),
            ("binary_text", fixture("binary_text.parquet"), true),
            ("types", fixture("types.parquet"), false),
            ("no_text", fixture("no_text.parquet"), false),
        ] {
            let c = convert(bytes, Path::new("t"), &fields, Hold::Memory, 1000, &|_| {}).unwrap();
            assert_eq!(c.rows.is_some(), kept, "{name}");
            let Some(rows) = &c.rows else { continue };
            let (mut read, mut parsed) = (0, 0);
            for (i, line) in c.data.split(|&b| b == b'\n').enumerate() {
                let row = i as u64 + 1;
                let Ok(line) = std::str::from_utf8(line) else {
                    continue;
                };
                match rows.record(row, line) {
                    Some(r) => {
                        let p = jsonl::parse(line, &fields).unwrap();
                        let got = (r.id, r.text, r.text_span, r.url);
                        assert_eq!(got, (p.id, p.text, p.text_span, p.url), "{name} {row}");
                        read += 1;
                    }
                    None => parsed += 1,
                }
                // Not the row's line: parsed.
                assert!(rows.record(row, &format!("{line} ")).is_none());
            }
            assert!(read > 0, "{name}: no row read from its places");
            if name == "null_text" || name == "written" {
                assert!(parsed > 1, "{name}: null texts are parsed");
            }
        }
    }

    /// Pass 1 finds a converted file's lines from the lengths its conversion kept: the same
    /// lines, numbers and line-end count as searching for each line end, in chunks cut
    /// anywhere; a kept length that is wrong is searched for instead.
    #[test]
    fn lines_found_from_kept_lengths_are_the_lines_searched_for() {
        let fields = Fields::new();
        for (name, bytes) in [
            ("written", written(3000, 256)),
            ("null_text", fixture("null_text.parquet")),
            ("pages", fixture("pages.parquet")),
        ] {
            let c = convert(bytes, Path::new("t"), &fields, Hold::Memory, 1000, &|_| {}).unwrap();
            let mut rows = c.rows.expect(name);
            let data = &c.data[..];
            let check = |rows: &super::Rows| {
                for (range, first) in crate::input::line_chunks(data, 4096) {
                    let mut searched = crate::input::lines(data, range.clone(), first);
                    let mut known = crate::input::lines(data, range, first).known(Some(rows));
                    let a: Vec<_> = searched.by_ref().collect();
                    let b: Vec<_> = known.by_ref().collect();
                    assert_eq!(a, b, "{name}");
                    assert_eq!(searched.line_ends(), known.line_ends(), "{name}");
                }
            };
            check(&rows);
            for (i, at) in rows.at.iter_mut().enumerate() {
                at.len = match i % 3 {
                    0 => at.len + 1,
                    1 => at.len.saturating_sub(1),
                    _ => at.len,
                };
            }
            check(&rows);
        }
    }
}
