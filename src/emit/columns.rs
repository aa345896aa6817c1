//! The columns of `canonical.parquet` and `dropped.parquet` (`--output-format parquet`): which
//! top-level members of the canonical JSON lines become which Arrow columns.
//!
//! - Parquet inputs that all have one schema (plain files, every input Parquet): each column
//!   keeps its input type where arrow-json can read the converted value back ([`keepable`]);
//!   the text column is a string (it holds the canonical text), as is a binary id or URL
//!   column (read as text). Other columns are typed as for JSON Lines.
//! - Otherwise (JSON Lines, text pages, WET, mixed or differing Parquet inputs), each member
//!   in the order it first appears across the kept rows, typed by the JSON values it holds
//!   ([`Kind`]): booleans, int64, float64, strings; objects, arrays and members whose values
//!   disagree are JSON text (a string column holding each value's JSON).
//! - `canon` is last, a struct with the members of the `canon` object ([`canon_type`]).

use std::collections::HashMap;
use std::sync::Arc;

use arrow_schema::{DataType, Field, Fields as ArrowFields};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::input::jsonl::Fields;
use crate::input::{Compression, Format, InputFile, Kind as FileKind};

/// The name of the struct column (and of the JSON member) canon adds.
pub(crate) const CANON: &str = "canon";

/// The JSON values one member held across the kept rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Only `null` (or absent): a string column of nulls.
    Null,
    Bool,
    /// Integers that fit an i64.
    Int,
    /// Numbers, at least one of them not an i64 integer (integers are then read as f64).
    Float,
    Str,
    /// Objects, arrays, integers beyond i64, or values of disagreeing kinds: JSON text.
    Json,
}

impl Kind {
    /// The kind of one raw JSON value.
    pub(crate) fn of(raw: &str) -> Kind {
        match raw.as_bytes().first() {
            Some(b'n') => Kind::Null,
            Some(b't' | b'f') => Kind::Bool,
            Some(b'"') => Kind::Str,
            Some(b'{' | b'[') => Kind::Json,
            _ if raw.parse::<i64>().is_ok() => Kind::Int,
            // Digits only but beyond i64: f64 would lose them; JSON text keeps them.
            _ if raw.bytes().all(|b| b.is_ascii_digit() || b == b'-') => Kind::Json,
            _ => Kind::Float,
        }
    }

    /// The kind of a member holding values of kinds `self` and `other`.
    pub(crate) fn merge(self, other: Kind) -> Kind {
        match (self, other) {
            (Kind::Null, k) | (k, Kind::Null) => k,
            (a, b) if a == b => a,
            (Kind::Int, Kind::Float) | (Kind::Float, Kind::Int) => Kind::Float,
            _ => Kind::Json,
        }
    }
}

/// How a member's raw JSON value is handed to the decoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// As it is.
    Raw,
    /// As a JSON string of its JSON text (`null` stays null).
    JsonText,
    /// The `canon` object, with `removed.passage_paragraphs` made explicit (JSON omits a 0).
    Canon,
}

/// One output column.
#[derive(Debug, Clone)]
pub(crate) struct Column {
    /// The column's field as written.
    pub(crate) field: Field,
    /// The type arrow-json decodes into, when it differs from the field's (a timestamp with a
    /// named zone is decoded with the offset `+00:00` and tagged with its zone afterwards:
    /// arrow-json parses offsets only).
    pub(crate) decode_as: Option<DataType>,
    pub(crate) mode: Mode,
}

/// Kinds of the members of the kept rows, in the order they first appear.
#[derive(Default)]
pub(crate) struct Inferred {
    order: Vec<(String, Kind)>,
    at: HashMap<String, usize>,
}

impl Inferred {
    /// Adds one row's members.
    pub(crate) fn add(&mut self, members: &Members) {
        for (k, v) in &members.0 {
            let kind = Kind::of(v.get());
            match self.at.get(k.as_str()) {
                Some(&i) => self.order[i].1 = self.order[i].1.merge(kind),
                None => {
                    self.at.insert(k.clone(), self.order.len());
                    self.order.push((k.clone(), kind));
                }
            }
        }
    }
}

/// A JSON object's members in order, each value raw (as written).
pub(crate) struct Members<'a>(pub(crate) Vec<(String, &'a RawValue)>);

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members<'de>, A::Error> {
                let mut v = Vec::new();
                while let Some(e) = map.next_entry::<String, &'de RawValue>()? {
                    v.push(e);
                }
                Ok(Members(v))
            }
        }
        d.deserialize_map(V)
    }
}

/// The columns of `canonical.parquet`: the input schema's where every input is a Parquet file
/// of one schema (`input`), else the inferred kinds; `canon` last.
pub(crate) fn canonical_columns(input: Option<&[Field]>, inferred: &Inferred) -> Vec<Column> {
    let mut cols = Vec::new();
    let mut named: HashMap<&str, ()> = HashMap::new();
    for f in input.unwrap_or_default() {
        if f.name() == CANON {
            continue;
        }
        named.insert(f.name(), ());
        match keepable(f.data_type(), true) {
            Some(decode_as) => cols.push(Column {
                field: Field::new(f.name(), f.data_type().clone(), true),
                decode_as,
                mode: Mode::Raw,
            }),
            None => {
                let kind = inferred
                    .at
                    .get(f.name())
                    .map_or(Kind::Null, |&i| inferred.order[i].1);
                cols.push(inferred_column(f.name(), kind));
            }
        }
    }
    for (name, kind) in &inferred.order {
        if name != CANON && !named.contains_key(name.as_str()) {
            cols.push(inferred_column(name, *kind));
        }
    }
    cols.push(Column {
        field: Field::new(CANON, canon_type(), false),
        decode_as: None,
        mode: Mode::Canon,
    });
    cols
}

fn inferred_column(name: &str, kind: Kind) -> Column {
    let (ty, mode) = match kind {
        Kind::Null | Kind::Str => (DataType::Utf8, Mode::Raw),
        Kind::Bool => (DataType::Boolean, Mode::Raw),
        Kind::Int => (DataType::Int64, Mode::Raw),
        Kind::Float => (DataType::Float64, Mode::Raw),
        Kind::Json => (DataType::Utf8, Mode::JsonText),
    };
    Column {
        field: Field::new(name, ty, true),
        decode_as: None,
        mode,
    }
}

/// The `canon` struct: `source`, `cluster_size`, `duplicates`, `removed` (its four counts).
pub(crate) fn canon_type() -> DataType {
    let removed = ArrowFields::from(vec![
        Field::new("repeated_paragraphs", DataType::UInt32, false),
        Field::new("repeated_chars", DataType::UInt64, false),
        Field::new("boilerplate_paragraphs", DataType::UInt32, false),
        Field::new("passage_paragraphs", DataType::UInt32, false),
    ]);
    DataType::Struct(ArrowFields::from(vec![
        Field::new("source", DataType::Utf8, false),
        Field::new("cluster_size", DataType::UInt64, false),
        Field::new(
            "duplicates",
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, false))),
            false,
        ),
        Field::new("removed", DataType::Struct(removed), false),
    ]))
}

/// The fields of `dropped.parquet`, those of a `dropped.jsonl` line.
pub(crate) fn dropped_fields() -> Vec<Field> {
    vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("source", DataType::Utf8, false),
        Field::new("reason", DataType::Utf8, false),
        Field::new("kept_id", DataType::Utf8, true),
        Field::new("kept_source", DataType::Utf8, true),
        Field::new("error", DataType::Utf8, true),
        Field::new("similarity", DataType::Float64, true),
        Field::new("chain", DataType::UInt32, true),
    ]
}

/// Whether a column of type `t` is written with that type: arrow-json reads back the value the
/// Parquet input conversion wrote. `Some(None)`: decoded as it is; `Some(Some(d))`: decoded as
/// `d` (a top-level timestamp with a time zone, decoded with the offset `+00:00`, the zone
/// being a label of the same instants). Nested zoned timestamps, float16, intervals and
/// dictionaries are not kept.
fn keepable(t: &DataType, top: bool) -> Option<Option<DataType>> {
    use DataType as D;
    let nested_ok = |f: &Field| keepable(f.data_type(), false) == Some(None);
    match t {
        D::Boolean
        | D::Int8
        | D::Int16
        | D::Int32
        | D::Int64
        | D::UInt8
        | D::UInt16
        | D::UInt32
        | D::UInt64
        | D::Float32
        | D::Float64
        | D::Utf8
        | D::LargeUtf8
        | D::Binary
        | D::LargeBinary
        | D::FixedSizeBinary(_)
        | D::Date32
        | D::Date64
        | D::Time32(_)
        | D::Time64(_)
        | D::Decimal128(_, _)
        | D::Decimal256(_, _)
        | D::Timestamp(_, None) => Some(None),
        D::Timestamp(unit, Some(_)) if top => {
            Some(Some(D::Timestamp(*unit, Some("+00:00".into()))))
        }
        D::List(f) | D::LargeList(f) | D::FixedSizeList(f, _) | D::Map(f, _) => {
            nested_ok(f).then_some(None)
        }
        D::Struct(fs) => fs.iter().all(|f| nested_ok(f)).then_some(None),
        _ => None,
    }
}

/// The schema of the Parquet inputs, if every input is a plain Parquet file and all have the
/// same one, with the text column (and a binary id or URL column, read as text) as strings.
/// `None` otherwise, or if a file's footer cannot be read again.
pub(crate) fn parquet_input_fields(files: &[InputFile], fields: &Fields) -> Option<Vec<Field>> {
    let mut schema: Option<Vec<Field>> = None;
    for f in files {
        if f.format != Format::Parquet
            || f.compression != Compression::None
            || f.kind != FileKind::Regular
            || f.unreadable.is_some()
        {
            return None;
        }
        let file = std::fs::File::open(&f.path).ok()?;
        // The types as the input conversion read them: Parquet's own, no stored Arrow schema.
        let opts = ArrowReaderOptions::new().with_skip_arrow_metadata(true);
        let meta = ArrowReaderMetadata::load(&file, opts).ok()?;
        let mine: Vec<Field> = meta
            .schema()
            .fields()
            .iter()
            .map(|c| {
                let name = c.name();
                let as_text = name == &fields.text
                    || ((name == &fields.id || name == &fields.url)
                        && matches!(c.data_type(), DataType::Binary | DataType::LargeBinary));
                let ty = if as_text {
                    DataType::Utf8
                } else {
                    c.data_type().clone()
                };
                Field::new(name, ty, true)
            })
            .collect();
        match &schema {
            Some(s) if *s != mine => return None,
            Some(_) => {}
            None => schema = Some(mine),
        }
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_merge() {
        assert_eq!(Kind::of("12"), Kind::Int);
        assert_eq!(Kind::of("-1.5e3"), Kind::Float);
        assert_eq!(Kind::of("123456789012345678901234"), Kind::Json);
        assert_eq!(Kind::of("\"a\""), Kind::Str);
        assert_eq!(Kind::of("[1]"), Kind::Json);
        assert_eq!(Kind::Int.merge(Kind::Float), Kind::Float);
        assert_eq!(Kind::Null.merge(Kind::Bool), Kind::Bool);
        assert_eq!(Kind::Str.merge(Kind::Int), Kind::Json);
    }

    #[test]
    fn members_keep_order_and_raw_values() {
        let m: Members = serde_json::from_str(r#"{"b":1,"a":{"x":[1, 2]},"c":"\u00e9"}"#).unwrap();
        let got: Vec<(&str, &str)> = m.0.iter().map(|(k, v)| (k.as_str(), v.get())).collect();
        assert_eq!(
            got,
            [("b", "1"), ("a", r#"{"x":[1, 2]}"#), ("c", r#""\u00e9""#)]
        );
    }
}
