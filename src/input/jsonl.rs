//! JSON Lines records: one object per line, with the text and id in configurable fields.
//!
//! Only the two fields canon needs are looked at; the text is kept as a raw slice of the line
//! so that the emit stage can splice the repaired text into the original object, leaving every
//! other field byte-for-byte as it was.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::ops::Range;

use serde::de::{DeserializeSeed, Error as _, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

/// The field names to read.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Fields {
    /// Field holding the page text (`--text-field`).
    pub text: String,
    /// Field holding the document id (`--id-field`).
    pub id: String,
    /// Field holding the page's URL (`--url-field`), whose host names the document's site.
    pub url: String,
}

impl Fields {
    /// The default field names: `text`, `id`, `url`.
    pub fn new() -> Fields {
        Fields {
            text: "text".into(),
            id: "id".into(),
            url: "url".into(),
        }
    }
}

impl Default for Fields {
    fn default() -> Fields {
        Fields::new()
    }
}

/// A parsed line.
#[derive(Debug)]
pub struct JsonRecord<'a> {
    /// The id: a string's value or a number's digits; `None` if missing or null.
    pub id: Option<Cow<'a, str>>,
    /// The unescaped page text.
    pub text: Cow<'a, str>,
    /// Byte range of the raw text value (quotes included) within the line.
    pub text_span: Range<usize>,
    /// The URL: a string's value; `None` if missing or not a string.
    pub url: Option<Cow<'a, str>>,
}

/// Parses one line (without its line end).
///
/// # Errors
/// A message saying what is wrong: invalid JSON (with the column), not an object, text field
/// missing or not a string.
pub fn parse<'a>(line: &'a str, fields: &Fields) -> Result<JsonRecord<'a>, String> {
    let mut de = serde_json::Deserializer::from_str(line);
    let twice = Cell::new(None);
    let (text, id, url) = Seed(fields, &twice)
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| match twice.get() {
            Some(name) => format!("field `{name}` given twice (at column {})", e.column()),
            None => describe(&e),
        })?;
    let text = text.ok_or_else(|| format!("missing field `{}`", fields.text))?;
    let text_span = span_in(line, text.get());
    let text = match string_value(text) {
        Some(t) => t,
        None if text.get().starts_with('"') => {
            // A string that does not unescape: a lone surrogate such as `\ud83d`.
            let e = serde_json::from_str::<String>(text.get()).err();
            let raw = text.get().to_ascii_lowercase();
            let lone = ["8", "9", "a", "b", "c", "d", "e", "f"]
                .iter()
                .any(|d| raw.contains(&format!("\\ud{d}")));
            let why = if lone {
                "a lone UTF-16 surrogate escape (half of a character such as an emoji)"
            } else {
                "an escape that is not a character"
            };
            return Err(format!(
                "field `{}` holds {why}: {}",
                fields.text,
                e.map_or_else(|| "bad escape".to_owned(), |e| describe(&e))
            ));
        }
        None => {
            return Err(format!(
                "field `{}` is not a string (found {})",
                fields.text,
                kind(text.get())
            ))
        }
    };
    let id = id.and_then(|raw| match raw.get().as_bytes().first() {
        Some(b'"') => string_value(raw),
        Some(b'n') => None,
        _ => Some(Cow::Borrowed(raw.get())),
    });
    let url = url.and_then(string_value);
    Ok(JsonRecord {
        id,
        text,
        text_span,
        url,
    })
}

/// The record of a line whose values' places are known, without parsing it: `text`, `id`
/// and `url` are the byte ranges of those fields' raw values (quotes included) in `line`,
/// `escaped` whether the text holds an escape. What [`parse`] gives for the same line, if it
/// is a JSON object with each of these keys once (see `parquet::Rows`); `None` if a range
/// does not fit `line` or the text is not a string.
pub(crate) fn known(
    line: &str,
    text: Range<usize>,
    escaped: bool,
    id: Option<Range<usize>>,
    url: Option<Range<usize>>,
) -> Option<JsonRecord<'_>> {
    let raw = line.get(text.clone())?;
    let value = match escaped {
        false => Cow::Borrowed(raw.strip_prefix('"')?.strip_suffix('"')?),
        true => Cow::Owned(unescape(raw.strip_prefix('"')?.strip_suffix('"')?)?),
    };
    let id = match id {
        Some(r) => {
            let raw = line.get(r)?;
            match raw.as_bytes().first() {
                Some(b'"') => string_of(raw),
                Some(b'n') => None,
                _ => Some(Cow::Borrowed(raw)),
            }
        }
        None => None,
    };
    let url = match url {
        Some(r) => string_of(line.get(r)?),
        None => None,
    };
    Some(JsonRecord {
        id,
        text: value,
        text_span: text,
        url,
    })
}

/// Whether the JSON string `raw` (quotes included, as [`parse`] found it) is byte for byte
/// what `serde_json` writes for its value: escapes only where it escapes (`\"`, `\\`, `\b`,
/// `\f`, `\n`, `\r`, `\t`, and `\u00xx` in lower case for other control characters), and
/// none elsewhere (no `\/`, no `\u` for a character it writes as is). A record whose text
/// is written back unchanged can then be copied as it is read (see `Doc::verbatim`).
pub(crate) fn writes_back(raw: &str) -> bool {
    let b = raw.as_bytes();
    let mut at = 0;
    while let Some(i) = memchr::memchr(b'\\', &b[at..]) {
        let e = at + i;
        match b.get(e + 1) {
            Some(b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't') => at = e + 2,
            Some(b'u') => {
                let hex = |c: u8| matches!(c, b'0'..=b'9' | b'a'..=b'f');
                let ok = matches!(b.get(e + 2..e + 6), Some([b'0', b'0', h, l])
                    if hex(*h) && hex(*l) && *h <= b'1'
                        // These five have short forms, which serde_json writes instead.
                        && !matches!((*h, *l), (b'0', b'8' | b'9' | b'a' | b'c' | b'd')));
                if !ok {
                    return false;
                }
                at = e + 6;
            }
            _ => return false,
        }
    }
    true
}

fn describe(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    // serde_json appends " at line L column C"; on one line only the column is useful.
    let msg = match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg,
    };
    format!("invalid JSON at column {}: {msg}", e.column())
}

fn kind(raw: &str) -> &'static str {
    match raw.as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b'n') => "null",
        Some(b't' | b'f') => "a boolean",
        _ => "a number",
    }
}

/// Where `inner` (a subslice of `outer`) sits in `outer`.
fn span_in(outer: &str, inner: &str) -> Range<usize> {
    let start = inner.as_ptr() as usize - outer.as_ptr() as usize;
    start..start + inner.len()
}

/// The value of a JSON string, borrowed when it has no escapes.
fn string_value(raw: &RawValue) -> Option<Cow<'_, str>> {
    string_of(raw.get())
}

/// The value of the JSON string `s` (quotes included), borrowed when it has no escapes;
/// `None` if `s` is not a string.
fn string_of(s: &str) -> Option<Cow<'_, str>> {
    if !s.starts_with('"') {
        return None;
    }
    let body = &s[1..s.len() - 1];
    if !body.contains('\\') {
        return Some(Cow::Borrowed(body));
    }
    unescape(body).map(Cow::Owned)
}

/// The value of the body of a JSON string (between its quotes) that `serde_json` has parsed
/// as a raw value (so it holds no control character and every escape has its digits): its
/// escapes replaced, `None` for a UTF-16 surrogate that is not half of a pair, as
/// `serde_json::from_str::<String>` reads it. One copy of the runs between escapes, where
/// going through `serde_json` copied every text twice (a tenth of pass 1 on short documents).
fn unescape(body: &str) -> Option<String> {
    let b = body.as_bytes();
    let hex4 = |at: usize| -> Option<u32> {
        b.get(at..at + 4)?
            .iter()
            .try_fold(0, |v, &c| Some(v * 16 + char::from(c).to_digit(16)?))
    };
    let mut out = String::with_capacity(b.len());
    let mut at = 0;
    while let Some(i) = memchr::memchr(b'\\', &b[at..]) {
        // A backslash is ASCII: the run before it ends on a character boundary.
        out.push_str(&body[at..at + i]);
        let e = at + i;
        at = e + 2;
        out.push(match *b.get(e + 1)? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let c = hex4(e + 2)?;
                at = e + 6;
                match c {
                    0xD800..=0xDBFF => {
                        if b.get(at..at + 2)? != b"\\u" {
                            return None;
                        }
                        let low = hex4(at + 2).filter(|l| (0xDC00..=0xDFFF).contains(l))?;
                        at += 6;
                        char::from_u32(0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00))?
                    }
                    c => char::from_u32(c)?,
                }
            }
            _ => return None,
        });
    }
    out.push_str(&body[at..]);
    Some(out)
}

/// Deserializes an object, keeping the raw text, id and URL values and skipping everything
/// else.
/// (The fields to read; where the visitor names a text or id field it met twice.)
struct Seed<'f>(&'f Fields, &'f Cell<Option<&'f str>>);

type Found<'de> = (
    Option<&'de RawValue>,
    Option<&'de RawValue>,
    Option<&'de RawValue>,
);

impl<'de, 'f> DeserializeSeed<'de> for Seed<'f> {
    type Value = Found<'de>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, 'f> Visitor<'de> for Seed<'f> {
    type Value = Found<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut text, mut id, mut url) = (None, None, None);
        // A repeated text or id field is an invalid record: JSON readers downstream take the
        // last value, so a corpus that kept the first would publish text canon never looked
        // at (or name a document by an id readers do not see).
        let twice = |name: &'f str| {
            self.1.set(Some(name));
            A::Error::custom("field given twice")
        };
        while let Some(k) = map.next_key_seed(KeySeed(self.0))? {
            match k {
                Key::Text if text.is_some() => return Err(twice(&self.0.text)),
                Key::Id if id.is_some() => return Err(twice(&self.0.id)),
                Key::Text => text = Some(map.next_value::<&'de RawValue>()?),
                Key::Id => id = Some(map.next_value::<&'de RawValue>()?),
                // The URL only names the site: the last one, as readers see it.
                Key::Url => url = Some(map.next_value::<&'de RawValue>()?),
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok((text, id, url))
    }
}

enum Key {
    Text,
    Id,
    Url,
    Other,
}

/// Classifies a key without allocating (escaped keys are compared after unescaping).
struct KeySeed<'f>(&'f Fields);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Key;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed<'_> {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Key, E> {
        Ok(if v == self.0.text {
            Key::Text
        } else if v == self.0.id {
            Key::Id
        } else if v == self.0.url {
            Key::Url
        } else {
            Key::Other
        })
    }
}

/// Calls `f` with a parsed JSON line (repairing invalid UTF-8 with U+FFFD first) and the line
/// text it borrows from; the flag says whether the line was repaired.
pub(crate) fn with_line<R>(
    bytes: &[u8],
    fields: &Fields,
    f: impl for<'x> FnOnce(Result<(JsonRecord<'x>, &'x str), String>, bool) -> R,
) -> R {
    match simdutf8::basic::from_utf8(bytes) {
        Ok(line) => f(parse(line, fields).map(|r| (r, line)), false),
        Err(_) => {
            let owned = super::utf8_lossy(bytes).into_owned();
            f(parse(&owned, fields).map(|r| (r, owned.as_str())), true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Fields {
        Fields::new()
    }

    /// A text value is written back byte for byte exactly when it is spelled as serde_json
    /// spells its value: every string serde_json writes passes; other spellings of the same
    /// string do not.
    #[test]
    fn only_serde_json_spellings_are_written_back() {
        let mut strings: Vec<String> = (0u8..0x80).map(|b| char::from(b).to_string()).collect();
        strings.extend(["", "a/b", "é 记者 😀", "line\nnext\tx\u{7f}"].map(String::from));
        for s in &strings {
            let raw = serde_json::to_string(s).unwrap();
            assert!(writes_back(&raw), "{raw}");
        }
        for other in [
            r#""a\/b""#,
            r#""\u0041""#,
            r#""\u000a""#,
            r#""\u000A""#,
            r#""\u001F""#,
            r#""\u00e9""#,
            r#""\ud83d\ude00""#,
        ] {
            assert!(!writes_back(other), "{other}");
        }
    }

    proptest::proptest! {
        /// Escapes are replaced as serde_json replaces them, and what it refuses (a lone
        /// surrogate, a pair out of order) is refused.
        #[test]
        fn strings_unescape_as_serde_json_reads_them(
            raw in r#""([a-zé记😀 /]|\\[\\"/bfnrt]|\\u[0-9a-fA-F]{4}|\\u[dD][89abAB][0-9a-f]{2}|\\u[dD][c-fC-F][0-9a-f]{2}){0,12}""#
        ) {
            let serde = serde_json::from_str::<String>(&raw).ok();
            proptest::prop_assert_eq!(unescape(&raw[1..raw.len() - 1]), serde);
        }

        /// Whatever passes is what serde_json writes for the string it reads as.
        #[test]
        fn what_is_written_back_is_what_serde_json_writes(
            raw in r#""([a-z/é"]|\\[\\"/bfnrt]|\\u00[0-9a-fA-F]{2}|\\u[0-9a-f]{4}){0,12}""#
        ) {
            if let Ok(value) = serde_json::from_str::<String>(&raw) {
                if writes_back(&raw) {
                    proptest::prop_assert_eq!(serde_json::to_string(&value).unwrap(), raw);
                }
            }
        }
    }

    /// A record with its text (or id) field twice is invalid, never read as its first value
    /// while every JSON reader downstream reads the last.
    #[test]
    fn a_field_given_twice_is_an_invalid_record() {
        let e = parse(r#"{"id":"a","text":"first","text":"second"}"#, &fields()).unwrap_err();
        assert!(e.starts_with("field `text` given twice"), "{e}");
        let e = parse(r#"{"id":"a","text":"t","id":"b"}"#, &fields()).unwrap_err();
        assert!(e.starts_with("field `id` given twice"), "{e}");
        // An escaped spelling of the same key is the same key.
        let e = parse(r#"{"text":"t","te\u0078t":"u"}"#, &fields()).unwrap_err();
        assert!(e.contains("given twice"), "{e}");
        // Other repeated keys are not canon's to judge; the last URL names the site.
        let r = parse(r#"{"text":"t","x":1,"x":2,"url":"a","url":"b"}"#, &fields()).unwrap();
        assert_eq!(r.url.as_deref(), Some("b"));
    }

    #[test]
    fn borrowed_text_and_span() {
        let line = r#"{"id":"a1","site":"x","text":"hello\nworld","n":1}"#;
        let r = parse(line, &fields()).unwrap();
        assert_eq!(r.id.as_deref(), Some("a1"));
        assert_eq!(r.text, "hello\nworld");
        assert_eq!(&line[r.text_span], r#""hello\nworld""#);
        assert!(r.url.is_none());
    }

    #[test]
    fn url_field_is_read_when_a_string() {
        let r = parse(r#"{"url":"https://a.org/\/x","text":"t"}"#, &fields()).unwrap();
        assert_eq!(r.url.as_deref(), Some("https://a.org//x"));
        let r = parse(r#"{"url":5,"text":"t"}"#, &fields()).unwrap();
        assert!(r.url.is_none());
        let f = Fields {
            url: "link".into(),
            ..Fields::new()
        };
        let r = parse(r#"{"url":"x","link":"https://b.org/","text":"t"}"#, &f).unwrap();
        assert_eq!(r.url.as_deref(), Some("https://b.org/"));
    }

    #[test]
    fn escaped_text_and_numeric_id() {
        let line = r#"{"text":"\u8bb0\u8005 \"q\"","id":42}"#;
        let r = parse(line, &fields()).unwrap();
        assert_eq!(r.text, "记者 \"q\"");
        assert_eq!(r.id.as_deref(), Some("42"));
    }

    #[test]
    fn custom_fields_and_missing_id() {
        let f = Fields {
            text: "body".into(),
            id: "doc".into(),
            url: "link".into(),
        };
        let r = parse(r#"{"body":"x","text":5}"#, &f).unwrap();
        assert_eq!(r.text, "x");
        assert!(r.id.is_none());
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let e = |l: &str| parse(l, &fields()).unwrap_err();
        assert!(
            e(r#"{"text":"abc"#).starts_with("invalid JSON at column"),
            "{}",
            e(r#"{"text":"abc"#)
        );
        assert!(e("[1,2]").contains("a JSON object"), "{}", e("[1,2]"));
        assert_eq!(e(r#"{"id":"x"}"#), "missing field `text`");
        assert_eq!(
            e(r#"{"text":null}"#),
            "field `text` is not a string (found null)"
        );
        assert!(
            e(r#"{"text":"a"} x"#).contains("trailing"),
            "{}",
            e(r#"{"text":"a"} x"#)
        );
    }
}
