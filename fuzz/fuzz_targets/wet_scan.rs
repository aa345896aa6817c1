//! `canon::input::wet::scan` on arbitrary bytes (structural invariants of the result), and on
//! well-formed files built from fuzzed bodies (every body must come back, with no errors).
//! A first byte of 0xFF selects the second mode.
#![no_main]

use canon::input::wet::scan;
use libfuzzer_sys::fuzz_target;

fn check_structure(data: &[u8]) {
    let s = scan(data);
    let mut last_offset = None;
    let mut last_ordinal = 0;
    let mut last_body_end = 0;
    for (i, r) in s.records.iter().enumerate() {
        assert!(
            r.ordinal > last_ordinal,
            "record {i}: ordinals not increasing"
        );
        assert!(
            last_offset.is_none_or(|o| r.offset > o),
            "record {i}: offsets not increasing"
        );
        assert!(r.offset < data.len(), "record {i}: offset past the end");
        assert!(
            r.body.start <= r.body.end && r.body.end <= data.len(),
            "record {i}: body out of bounds"
        );
        assert!(
            r.body.start >= r.offset,
            "record {i}: body before its header"
        );
        assert!(
            r.offset >= last_body_end,
            "record {i}: overlaps the previous body"
        );
        match &r.error {
            Some(msg) => {
                assert!(!msg.is_empty());
                assert_eq!(
                    r.body,
                    r.offset..r.offset,
                    "record {i}: damaged record with a body"
                );
                assert!(r.id.is_none() && r.url.is_none());
            }
            None => {
                assert!(
                    data[r.offset..].starts_with(b"WARC/"),
                    "record {i}: does not start with a WARC/ line"
                );
                assert!(r.body.start > r.offset, "record {i}: no header");
                assert!(
                    matches!(data[r.body.start - 1], b'\n'),
                    "record {i}: body does not follow a line end"
                );
            }
        }
        last_offset = Some(r.offset);
        last_ordinal = r.ordinal;
        last_body_end = r.body.end;
    }
    let ordinals = s.records.last().map_or(0, |r| r.ordinal);
    // Every record is counted once: as found, as damaged, or as another type.
    assert!(
        ordinals <= s.records.len() as u64 + s.other_records,
        "last ordinal {ordinals} exceeds the records seen"
    );
}

fn round_trip(spec: &[u8]) {
    // Records separated by 0x00; a record's first byte picks its type and line ends.
    let mut data = Vec::new();
    let mut expect = Vec::new();
    for (n, rec) in spec.split(|&b| b == 0).enumerate() {
        let (kind, body) = rec.split_first().map_or((0, &[][..]), |(k, b)| (*k, b));
        let conversion = kind & 1 == 0;
        let eol: &[u8] = if kind & 2 == 0 { b"\r\n" } else { b"\n" };
        let mut push_line = |s: &str| {
            data.extend_from_slice(s.as_bytes());
            data.extend_from_slice(eol);
        };
        push_line("WARC/1.0");
        push_line(if conversion {
            "WARC-Type: conversion"
        } else {
            "WARC-Type: warcinfo"
        });
        push_line(&format!("WARC-Target-URI: http://example.com/{n}"));
        push_line(&format!("WARC-Record-ID: <urn:uuid:{n}>"));
        push_line(&format!("Content-Length: {}", body.len()));
        push_line("");
        let start = data.len();
        data.extend_from_slice(body);
        if conversion {
            expect.push((start..data.len(), n));
        }
        data.extend_from_slice(eol);
        data.extend_from_slice(eol);
    }
    let s = scan(&data);
    let got: Vec<_> = s
        .records
        .iter()
        .map(|r| {
            assert!(
                r.error.is_none(),
                "well-formed record reported as damaged: {:?}",
                r.error
            );
            let n = r.ordinal as usize - 1;
            assert_eq!(r.id.as_deref(), Some(format!("<urn:uuid:{n}>").as_str()));
            assert_eq!(
                r.url.as_deref(),
                Some(format!("http://example.com/{n}").as_str())
            );
            (r.body.clone(), n)
        })
        .collect();
    assert_eq!(got, expect, "bodies of a well-formed file");
    let total = spec.split(|&b| b == 0).count() as u64;
    assert_eq!(s.other_records + expect.len() as u64, total);
    check_structure(&data);
}

fuzz_target!(|data: &[u8]| {
    match data.split_first() {
        Some((0xFF, rest)) => round_trip(rest),
        _ => check_structure(data),
    }
});
