//! `canon::input::jsonl::parse`: one JSON Lines record, with the text/id field names picked by
//! the first input byte. Checked against a reference that collects every member of the object
//! as raw JSON (first occurrence of a field wins, as in canon).
#![no_main]

use std::fmt;

use canon::input::jsonl::{parse, Fields};
use libfuzzer_sys::fuzz_target;
use serde::de::{DeserializeSeed, MapAccess, Visitor};
use serde_json::value::RawValue;

fn fields(selector: u8) -> Fields {
    let (text, id) = match selector % 6 {
        0 => ("text", "id"),
        1 => ("body", "doc"),
        2 => ("t", "t"),            // same name for both fields
        3 => ("", "a\"b"),          // empty name, name that needs escaping
        4 => ("记者", "\u{1F600}"), // non-ASCII names
        _ => ("text", ""),
    };
    Fields {
        text: text.into(),
        id: id.into(),
        url: "url".into(),
    }
}

/// Every member of a top-level object, values as raw JSON, in order.
struct Members;

impl<'de> DeserializeSeed<'de> for Members {
    type Value = Vec<(String, &'de RawValue)>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Members {
    type Value = Vec<(String, &'de RawValue)>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut v = Vec::new();
        while let Some(k) = map.next_key::<String>()? {
            v.push((k, map.next_value::<&'de RawValue>()?));
        }
        Ok(v)
    }
}

fn members(line: &str) -> Option<Vec<(String, &RawValue)>> {
    let mut de = serde_json::Deserializer::from_str(line);
    let v = Members.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(v)
}

/// The value of a raw JSON string; `None` for one that is valid JSON but no Rust string (a lone
/// surrogate escape such as `"\ud800"`).
fn unescape(raw: &str) -> Option<String> {
    serde_json::from_str::<String>(raw).ok()
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let f = fields(sel);
    // The pipeline hands `parse` lossily decoded lines.
    let line = String::from_utf8_lossy(rest);
    let line = line.as_ref();
    let got = parse(line, &f);
    let reference = members(line);

    let text_raw = reference
        .as_ref()
        .and_then(|m| m.iter().find(|(k, _)| *k == f.text).map(|(_, v)| v.get()));
    // A text (or id) field given twice is an invalid record: readers take the last value.
    let count = |name: &str| {
        reference
            .as_ref()
            .map_or(0, |m| m.iter().filter(|(k, _)| k == name).count())
    };
    let twice = count(&f.text) > 1 || (f.id != f.text && count(&f.id) > 1);
    let expect_ok =
        !twice && text_raw.is_some_and(|r| r.starts_with('"') && unescape(r).is_some());
    match &got {
        Err(msg) => {
            assert!(!msg.is_empty(), "empty error message");
            if twice && reference.is_some() {
                assert!(msg.contains("given twice"), "{msg:?}; line {line:?}");
            }
            assert!(
                !expect_ok,
                "parse rejected a valid record: {msg:?}; line {line:?}"
            );
            // A text string that does not unescape (a lone surrogate escape) is rejected, but
            // not as "not a string" (fuzz/regressions/jsonl_parse/lone-surrogate-text).
            if text_raw.is_some_and(|r| r.starts_with('"')) {
                assert!(
                    !msg.contains("not a string"),
                    "a string text field reported as not a string: {msg:?}; line {line:?}"
                );
            }
        }
        Ok(rec) => {
            assert!(
                expect_ok,
                "parse accepted an invalid record: {rec:?}; line {line:?}"
            );
            let span = rec.text_span.clone();
            assert!(
                span.start <= span.end && span.end <= line.len(),
                "text_span out of bounds"
            );
            assert!(
                line.is_char_boundary(span.start) && line.is_char_boundary(span.end),
                "text_span not on char boundaries"
            );
            let raw = &line[span];
            assert_eq!(
                Some(raw),
                text_raw,
                "text_span is not the first text member"
            );
            assert_eq!(
                Some(rec.text.as_ref()),
                unescape(raw).as_deref(),
                "text is not the unescaped span"
            );
            // The id: the first member named like the id field (unless that name is the text
            // field's, which wins), as a string's value, None for null, raw JSON otherwise.
            let id_raw = if f.id == f.text {
                None
            } else {
                reference
                    .as_ref()
                    .unwrap()
                    .iter()
                    .find(|(k, _)| *k == f.id)
                    .map(|(_, v)| v.get())
            };
            // (An id string with a lone surrogate escape is dropped, as if missing.)
            let expect_id = match id_raw {
                None | Some("null") => None,
                Some(r) if r.starts_with('"') => unescape(r),
                Some(r) => Some(r.to_owned()),
            };
            assert_eq!(
                rec.id.as_deref(),
                expect_id.as_deref(),
                "id mismatch; line {line:?}"
            );
        }
    }
});
