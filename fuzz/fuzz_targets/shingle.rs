//! `canon::near::shingle::Shingler` (and `set_of`, `jaccard`) on the lines of lossily decoded text.
//! The first byte picks the shingle size.
#![no_main]

use canon::normalize::Key;
use canon::near::shingle::{jaccard, set_of, Shingler, DEFAULT_SIZE};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let size = if sel < 0x80 {
        DEFAULT_SIZE
    } else {
        usize::from(sel & 0x0F)
    }; // 0 is taken as 1
    let text = String::from_utf8_lossy(rest);
    let paragraphs: Vec<&str> = text.split('\n').collect();

    let mut reused = Shingler::new(size);
    let mut all = Vec::new();
    let mut key = Key::new();
    for p in &paragraphs {
        let mut alone = Vec::new();
        Shingler::new(size).paragraph64(p, &mut alone);
        let before = all.len();
        reused.paragraph64(p, &mut all);
        assert_eq!(
            &all[before..],
            &alone[..],
            "a reused shingler differs from a fresh one"
        );
        // At most one shingle per key character; at least one for text with ASCII letters.
        key.build(p, false);
        assert!(
            alone.len() <= (key.chars as usize).max(1),
            "more shingles than key characters"
        );
        if p.is_ascii() && p.chars().any(|c| c.is_ascii_alphanumeric()) {
            assert!(!alone.is_empty(), "no shingle for {p:?}");
        }
    }
    let set = set_of(size, paragraphs.iter().copied());
    assert!(
        set.windows(2).all(|w| w[0] < w[1]),
        "set_of is not sorted and deduplicated"
    );
    let mut expect = all.clone();
    expect.sort_unstable();
    expect.dedup();
    assert_eq!(
        set, expect,
        "set_of differs from the shingles of its paragraphs"
    );

    // ASCII case does not matter (parentheses excluded: acronyms are not glosses).
    if !text.contains(['(', '（']) {
        let lower = text.to_ascii_lowercase();
        let upper = text.to_ascii_uppercase();
        assert_eq!(
            set_of(size, lower.split('\n')),
            set_of(size, upper.split('\n')),
            "ASCII case changes the shingles"
        );
    }

    // Jaccard similarity: a set with itself, symmetry, range.
    let half = set_of(size, paragraphs.iter().take(paragraphs.len() / 2).copied());
    // Two empty sets share nothing (0); any other set is identical to itself.
    assert_eq!(jaccard(&set, &set), if set.is_empty() { 0.0 } else { 1.0 });
    let j = jaccard(&set, &half);
    assert_eq!(j, jaccard(&half, &set), "jaccard is not symmetric");
    assert!((0.0..=1.0).contains(&j), "jaccard out of range: {j}");
});
