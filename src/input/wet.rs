//! Common Crawl WET records: WARC headers followed by `Content-Length` bytes of text.
//!
//! The scan is sequential (record boundaries are only known from the headers) but cheap: it
//! reads headers and jumps over bodies. A record whose length does not land on the next
//! record is reported as invalid and the scan resynchronizes on the next `WARC/` header line.

use std::ops::Range;

/// One record found by [`scan`]: a `conversion` record, or a damaged one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WetRecord {
    /// 1-based position of the record in the file (all record types counted).
    pub ordinal: u64,
    /// Byte offset of the record's first header line.
    pub offset: usize,
    /// The body bytes.
    pub body: Range<usize>,
    /// `WARC-Record-ID`.
    pub id: Option<String>,
    /// `WARC-Target-URI`.
    pub url: Option<String>,
    /// Why the record cannot be read, if it cannot.
    pub error: Option<String>,
}

/// Result of scanning a WET file.
#[derive(Debug, Default)]
pub struct Scan {
    /// Conversion records and damaged records, in file order.
    pub records: Vec<WetRecord>,
    /// Well-formed records of other types (`warcinfo`, …), which carry no page.
    pub other_records: u64,
    /// Those records by `WARC-Type` (`response`, `request`, `warcinfo`…; `(none)` without
    /// one): a WARC file of HTML responses read as WET gives no document, and says so.
    pub other_types: std::collections::BTreeMap<String, u64>,
}

/// Scans a whole WET file.
pub fn scan(data: &[u8]) -> Scan {
    scan_in(data, None)
}

/// Scans an opened WET file: its messages give offsets and lengths in the decompressed file,
/// also after records skipped while decompressing it.
pub fn scan_opened(o: &super::Opened) -> Scan {
    scan_in(&o.data, Some(o))
}

fn scan_in(data: &[u8], opened: Option<&super::Opened>) -> Scan {
    let real = |p: usize| opened.map_or(p as u64, |o| o.real_offset(p));
    let mut out = Scan::default();
    let mut pos = skip_newlines(data, 0);
    let mut ordinal = 0;
    while pos < data.len() {
        ordinal += 1;
        let offset = pos;
        let at = real(offset);
        let damaged = |msg: String, out: &mut Scan| {
            out.records.push(WetRecord {
                ordinal,
                offset,
                body: offset..offset,
                id: None,
                url: None,
                error: Some(msg),
            })
        };
        if !data[pos..].starts_with(b"WARC/") {
            damaged(
                format!("expected a WARC header line at byte {at}"),
                &mut out,
            );
            pos = resync(data, pos + 1);
            continue;
        }
        let Some(h) = headers(data, pos) else {
            damaged(format!("unterminated WARC header at byte {at}"), &mut out);
            break;
        };
        let Some(len) = h.content_length else {
            damaged(
                format!("WARC record at byte {at} has no valid Content-Length"),
                &mut out,
            );
            pos = resync(data, h.end);
            continue;
        };
        let body_end = h.end.checked_add(len).filter(|&e| e <= data.len());
        // (The Content-Length of a body skipped while decompressing is its placeholder's.)
        let len = opened
            .and_then(|o| o.skipped_at(h.end))
            .map_or(len, |n| n as usize);
        let Some(body_end) = body_end else {
            damaged(
                format!(
                    "Content-Length {len} of WARC record at byte {at} runs past the end of the file ({} bytes)",
                    opened.map_or(data.len() as u64, |o| o.decoded)
                ),
                &mut out,
            );
            pos = resync(data, h.end);
            continue;
        };
        let next = skip_newlines(data, body_end);
        if next < data.len() && !data[next..].starts_with(b"WARC/") {
            damaged(
                format!("Content-Length {len} of WARC record at byte {at} does not end at a record boundary"),
                &mut out,
            );
            pos = resync(data, h.end);
            continue;
        }
        if h.conversion {
            out.records.push(WetRecord {
                ordinal,
                offset,
                body: h.end..body_end,
                id: h.id,
                url: h.url,
                error: None,
            });
        } else {
            out.other_records += 1;
            let kind = h.kind.unwrap_or_else(|| "(none)".to_owned());
            *out.other_types.entry(kind).or_default() += 1;
        }
        pos = next;
    }
    out
}

pub(super) struct Headers {
    end: usize,
    pub(super) content_length: Option<usize>,
    conversion: bool,
    kind: Option<String>,
    id: Option<String>,
    url: Option<String>,
}

/// Parses the header block starting at `pos`; `end` is the first body byte.
pub(super) fn headers(data: &[u8], pos: usize) -> Option<Headers> {
    let mut h = Headers {
        end: 0,
        content_length: None,
        conversion: false,
        kind: None,
        id: None,
        url: None,
    };
    let mut p = pos;
    let mut first = true;
    loop {
        let nl = memchr::memchr(b'\n', &data[p..])? + p;
        let line = &data[p..nl];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        p = nl + 1;
        if line.is_empty() {
            h.end = p;
            return Some(h);
        }
        if first {
            first = false;
            continue;
        }
        let Some(colon) = memchr::memchr(b':', line) else {
            continue;
        };
        let name = &line[..colon];
        let value = String::from_utf8_lossy(&line[colon + 1..])
            .trim()
            .to_owned();
        if name.eq_ignore_ascii_case(b"Content-Length") {
            h.content_length = value.parse().ok();
        } else if name.eq_ignore_ascii_case(b"WARC-Type") {
            h.conversion = value == "conversion";
            h.kind = Some(value);
        } else if name.eq_ignore_ascii_case(b"WARC-Record-ID") {
            h.id = Some(value);
        } else if name.eq_ignore_ascii_case(b"WARC-Target-URI") {
            h.url = Some(value);
        }
    }
}

fn skip_newlines(data: &[u8], mut p: usize) -> usize {
    while p < data.len() && (data[p] == b'\r' || data[p] == b'\n') {
        p += 1;
    }
    p
}

/// The next `WARC/` at the start of a line at or after `from`, or the end of the data.
fn resync(data: &[u8], from: usize) -> usize {
    let finder = memchr::memmem::Finder::new(b"\nWARC/");
    match finder.find(&data[from.min(data.len())..]) {
        Some(i) => from + i + 1,
        None => data.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: &str, id: &str, body: &str) -> String {
        format!(
            "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: http://x/{id}\r\nWARC-Record-ID: <urn:uuid:{id}>\r\nContent-Length: {}\r\n\r\n{body}\r\n\r\n",
            body.len()
        )
    }

    #[test]
    fn conversion_records_are_found() {
        let data = record("warcinfo", "0", "software: x")
            + &record("conversion", "1", "第一页\n正文")
            + &record("conversion", "2", "page two");
        let s = scan(data.as_bytes());
        assert_eq!(s.other_records, 1);
        assert_eq!(s.other_types.get("warcinfo"), Some(&1));
        assert_eq!(s.records.len(), 2);
        assert_eq!(s.records[0].ordinal, 2);
        assert_eq!(&data[s.records[0].body.clone()], "第一页\n正文");
        assert_eq!(s.records[1].id.as_deref(), Some("<urn:uuid:2>"));
        assert_eq!(s.records[1].url.as_deref(), Some("http://x/2"));
    }

    #[test]
    fn bad_content_length_is_reported_and_the_scan_resyncs() {
        let bad =
            record("conversion", "1", "body one").replace("Content-Length: 8", "Content-Length: 3");
        let data = bad + &record("conversion", "2", "body two");
        let s = scan(data.as_bytes());
        assert_eq!(s.records.len(), 2);
        assert!(s.records[0]
            .error
            .as_deref()
            .unwrap()
            .contains("record boundary"));
        assert_eq!(&data[s.records[1].body.clone()], "body two");
    }

    #[test]
    fn length_past_the_end_and_garbage() {
        let data = "junk\n".to_owned()
            + &record("conversion", "1", "body")
                .replace("Content-Length: 4", "Content-Length: 400");
        let s = scan(data.as_bytes());
        assert_eq!(s.records.len(), 2);
        assert!(s.records[0].error.as_deref().unwrap().contains("byte 0"));
        assert!(s.records[1]
            .error
            .as_deref()
            .unwrap()
            .contains("past the end"));
    }
}
