//! `canon::input::line_chunks`, then the pipeline's record splitting (`canon::input::lines`:
//! lines without their line end, a leading BOM skipped, blank lines skipped) and
//! `jsonl::parse` on every record.
//! The chunk target size comes from the first two input bytes.
#![no_main]

use canon::input::jsonl::{parse, Fields};
use canon::input::{line_chunks, lines};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    if input.len() < 2 {
        return;
    }
    // 0..=1023, so that 0 (taken as 1) and small targets are common.
    let target = usize::from(u16::from_le_bytes([input[0], input[1]]) & 0x3FF);
    let data = &input[2..];
    let chunks = line_chunks(data, target);

    // The chunks tile the data, in order, each non-empty.
    let mut expect_start = 0;
    for (i, (r, first_line)) in chunks.iter().enumerate() {
        assert_eq!(
            r.start, expect_start,
            "chunk {i} does not start where the last ended"
        );
        assert!(r.start < r.end, "chunk {i} is empty");
        assert!(r.end <= data.len(), "chunk {i} ends past the data");
        let newlines_before = data[..r.start].iter().filter(|&&b| b == b'\n').count() as u64;
        assert_eq!(
            *first_line,
            newlines_before + 1,
            "chunk {i} has a wrong first line number"
        );
        if r.end < data.len() {
            // A chunk that is not the last ends just after the first line end at or after its
            // target size.
            let want = r.start + target.max(1);
            assert!(r.end >= want, "chunk {i} is shorter than the target");
            assert_eq!(
                data[r.end - 1],
                b'\n',
                "chunk {i} does not end at a line end"
            );
            assert!(
                !data[want - 1..r.end - 1].contains(&b'\n'),
                "chunk {i} runs past an earlier line end"
            );
        }
        expect_start = r.end;
    }
    assert_eq!(expect_start, data.len(), "the chunks do not cover the data");

    // Splitting chunk by chunk gives the same records and line numbers as the whole file at once.
    let whole: Vec<_> = lines(data, 0..data.len(), 1).collect();
    let mut split = Vec::new();
    for (r, first_line) in &chunks {
        split.extend(lines(data, r.clone(), *first_line));
    }
    assert_eq!(
        split, whole,
        "chunked splitting differs from whole-file splitting"
    );

    let fields = Fields::new();
    for (r, _) in &split {
        let line = String::from_utf8_lossy(&data[r.clone()]);
        if let Ok(rec) = parse(&line, &fields) {
            let raw = &line[rec.text_span.clone()];
            assert!(raw.len() >= 2 && raw.starts_with('"') && raw.ends_with('"'));
        }
    }
});
