//! `canon::normalize::Key::build` (with and without offsets) and `key_of` on lossily decoded
//! text.
#![no_main]

use canon::normalize::{key_of, Key};
use libfuzzer_sys::fuzz_target;

fn check(text: &str, scratch: &mut Key) {
    let mut plain = Key::new();
    plain.build(text, false);
    let key = std::str::from_utf8(&plain.bytes).expect("key bytes are UTF-8");
    assert_eq!(key, plain.as_str());
    assert_eq!(
        plain.chars as usize,
        key.chars().count(),
        "chars miscounted"
    );
    assert!(
        plain.offsets.is_empty(),
        "offsets filled without with_offsets"
    );
    assert_eq!(key_of(text), key, "key_of differs from Key::build");

    // Empty exactly when the text is whitespace only (symbol-only text falls back).
    assert_eq!(
        key.is_empty(),
        text.chars().all(char::is_whitespace),
        "empty key for non-blank text, or a key for blank text"
    );
    assert!(
        !key.chars().any(char::is_whitespace),
        "whitespace in a key: {key:?}"
    );
    // A reference (`&#40;`) may stand for a parenthesis too.
    let parens = text.matches(['(', '（', '&']).count();
    assert!(
        plain.glosses as usize <= parens,
        "more glosses than parentheses"
    );

    // The same key with offsets, built in a buffer that held another key before.
    scratch.build(text, true);
    assert_eq!(scratch.bytes, plain.bytes, "with_offsets changes the key");
    assert_eq!(scratch.chars, plain.chars);
    assert_eq!(scratch.glosses, plain.glosses);
    assert_eq!(
        scratch.offsets.len(),
        scratch.bytes.len(),
        "one offset per key byte"
    );
    let mut prev = 0;
    for (k, c) in key.char_indices() {
        let o = scratch.offsets[k];
        for j in 0..c.len_utf8() {
            assert_eq!(
                scratch.offsets[k + j],
                o,
                "bytes of one key character disagree"
            );
        }
        let o = o as usize;
        assert!(o < text.len(), "offset past the text");
        assert!(
            text.is_char_boundary(o),
            "offset {o} not on a char boundary"
        );
        assert!(o >= prev, "offsets go backwards");
        prev = o;
    }

    // ASCII text: the key's letters and digits are the text's, lowercased (separators next to
    // numbers stay too); without digits it is exactly those (or its non-space characters).
    // Not with `&…;`: an HTML reference keys as the character it names (`&el;` is `⪙`).
    let reference = text.contains('&') && text.contains(';');
    if text.is_ascii() && !reference {
        let mut expect: String = text
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if expect.is_empty() {
            expect = text.chars().filter(|c| !c.is_whitespace()).collect();
            assert_eq!(key, expect, "ASCII key");
        } else if !text.bytes().any(|b| b.is_ascii_digit()) {
            assert_eq!(key, expect, "ASCII key");
        } else {
            let alnum: String = key.chars().filter(char::is_ascii_alphanumeric).collect();
            assert_eq!(alnum, expect, "ASCII key");
        }
    }

    // ASCII case does not matter (parentheses excluded: `(AN)` is an acronym, `(an)` pinyin;
    // `&` excluded: HTML reference names are case-sensitive, `&erarr;` is an arrow and
    // `&ERARR;` text — `fuzz/regressions/normalize/html-reference-case`).
    if !text.contains(['(', '（', '&']) {
        assert_eq!(
            key_of(&text.to_ascii_lowercase()),
            key_of(&text.to_ascii_uppercase()),
            "ASCII case changes the key"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut scratch = Key::new();
    scratch.build("前一段(qián)文字 ﬁne café①", true);
    check(&text, &mut scratch);
});
