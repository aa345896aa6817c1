//! The cleaner copy wins (issue "decisions across documents", class 6): of exact duplicates
//! (the same key), the copy without zero-width characters, ligatures, shouting or decomposed
//! Hangul is the canonical one, whatever the input order and whatever the content hashes say.

use crate::util::{Fixture, Outputs};

fn line(id: &str, text: &str) -> String {
    serde_json::json!({ "id": id, "text": text }).to_string()
}

/// Runs canon on `docs` (id, text) as one JSON Lines file.
fn run(docs: &[(String, String)]) -> Outputs {
    let fx = Fixture::new();
    let body: String = docs.iter().map(|(id, t)| line(id, t) + "\n").collect();
    let p = fx.write("in.jsonl", body);
    let out = fx.dedup(&[&p], &fx.out(), &[]).success();
    out.check_books();
    out
}

/// Hangul syllables written as conjoining jamo (Unicode's algorithmic decomposition, NFD).
fn decomposed_hangul(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let s = c as u32;
        if !(0xAC00..=0xD7A3).contains(&s) {
            out.push(c);
            continue;
        }
        let i = s - 0xAC00;
        let (l, v, t) = (i / (21 * 28), (i % (21 * 28)) / 28, i % 28);
        out.push(char::from_u32(0x1100 + l).unwrap());
        out.push(char::from_u32(0x1161 + v).unwrap());
        if t > 0 {
            out.push(char::from_u32(0x11A7 + t).unwrap());
        }
    }
    out
}

/// A zero-width space after every Han character.
fn zero_width_after_han(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        out.push(c);
        if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
            out.push('\u{200B}');
        }
    }
    out
}

/// A ligature `ﬁ` for every `fi`.
fn ligatures(text: &str) -> String {
    text.replace("fi", "\u{FB01}")
}

/// ALL CAPS.
fn shouting(text: &str) -> String {
    text.to_uppercase()
}

/// (class, clean text, how its noisy copy is made): each pair has the same key.
#[allow(clippy::type_complexity)]
fn classes() -> Vec<(&'static str, &'static str, fn(&str) -> String)> {
    vec![
        (
            "zero-width",
            "记者今天在北京报道了这条新闻。天气很好，很多人出门散步，公园里非常热闹。",
            zero_width_after_han,
        ),
        (
            "ligature",
            "The first financial office filed the final figures before the fiscal deadline.",
            ligatures,
        ),
        (
            "caps",
            "Breaking news from the harbor: the old ferry returns to service next week.",
            shouting,
        ),
        (
            "hangul",
            "한국어 문장입니다. 오늘은 날씨가 좋아서 많은 사람들이 공원에 갔습니다.",
            decomposed_hangul,
        ),
    ]
}

#[test]
fn the_cleaner_copy_wins() {
    // Several variants of every pair, one run each (variants of one text are near-duplicates
    // of each other): the ids are part of the content hash, so some pairs would keep the noisy
    // copy if the hash still decided.
    for v in 0..4 {
        let mut docs = Vec::new();
        for (class, text, noisy_of) in classes() {
            let clean = format!("Variant {v}: {text}");
            let noisy = noisy_of(&clean);
            assert_ne!(clean, noisy);
            let key = canon::normalize::key_of;
            assert_eq!(key(&clean), key(&noisy), "{class}");
            assert_eq!(canon::normalize::noise(&clean), 0, "{class}");
            assert!(canon::normalize::noise(&noisy) > 0, "{class}");
            docs.push((
                format!("{class}-{v}-clean"),
                clean,
                format!("{class}-{v}-noisy"),
                noisy,
            ));
        }
        for noisy_first in [false, true] {
            let mut input = Vec::new();
            for (clean_id, clean, noisy_id, noisy) in &docs {
                let c = (clean_id.clone(), clean.clone());
                let n = (noisy_id.clone(), noisy.clone());
                if noisy_first {
                    input.extend([n, c]);
                } else {
                    input.extend([c, n]);
                }
            }
            let out = run(&input);
            for (clean_id, clean, noisy_id, _) in &docs {
                assert_eq!(out.text(clean_id), clean.as_str());
                let d = out.dropped(noisy_id);
                assert_eq!(d["reason"], "exact", "{noisy_id}");
                assert_eq!(
                    d["kept_id"],
                    clean_id.as_str(),
                    "noisy first: {noisy_first}"
                );
            }
        }
    }
}
