//! Decisions across documents (issue "decisions across documents"): every document dropped
//! as `near` is within the threshold of its `kept_id`, measured, even when verified pairs
//! chain many small edits together; documents with nothing to compare (no shingles) are never
//! near-duplicates of each other; short unrelated documents never collide on shingle hashes.

use std::collections::HashMap;

use canon::near::shingle::{fold, jaccard, set_of, Shingler, DEFAULT_SIZE};
use proptest::prelude::*;

use crate::util::{Fixture, Outputs};

const THRESHOLD: f64 = canon::near::DEFAULT_THRESHOLD;

fn line(id: &str, text: &str) -> String {
    serde_json::json!({ "id": id, "text": text }).to_string()
}

/// A tiny xorshift PRNG: fixtures are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A made-up word of 4 to 9 letters.
    fn word(&mut self) -> String {
        let n = 4 + (self.next() % 6) as usize;
        (0..n)
            .map(|_| char::from(b'a' + (self.next() % 26) as u8))
            .collect()
    }
}

/// `n` revisions of one text of `words` words, each replacing `edits` words of the one before:
/// neighbours are near-duplicates, the ends of the chain share almost nothing.
fn revisions(seed: u64, n: usize, words: usize, edits: usize) -> Vec<String> {
    let mut rng = Rng(seed | 1);
    let mut text: Vec<String> = (0..words).map(|_| rng.word()).collect();
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(text.join(" "));
        for _ in 0..edits {
            let at = (rng.next() % words as u64) as usize;
            text[at] = rng.word();
        }
    }
    out
}

/// Runs canon on `docs` (id, text) as one JSON Lines file.
fn run(docs: &[(String, String)], extra: &[&str]) -> Outputs {
    let fx = Fixture::new();
    let body: String = docs.iter().map(|(id, t)| line(id, t) + "\n").collect();
    let p = fx.write("in.jsonl", body);
    let out = fx.dedup(&[&p], &fx.out(), extra).success();
    out.check_books();
    out
}

/// Every `near` drop: its similarity is the measured one to its `kept_id` (single-paragraph
/// documents without boilerplate: the shingle sets of their input texts) and at least
/// `threshold`; returns how many there were.
fn check_near_drops(
    out: &Outputs,
    texts: &HashMap<String, String>,
    threshold: f64,
) -> Result<usize, TestCaseError> {
    let mut n = 0;
    for d in &out.dropped {
        if d["reason"] != "near" {
            continue;
        }
        n += 1;
        let (id, kept) = (d["id"].as_str().unwrap(), d["kept_id"].as_str().unwrap());
        let sim = d["similarity"].as_f64().unwrap();
        let measured = jaccard(
            &set_of(DEFAULT_SIZE, [texts[id].as_str()]),
            &set_of(DEFAULT_SIZE, [texts[kept].as_str()]),
        );
        prop_assert!(
            (sim - measured).abs() < 1e-4,
            "{d}: reported {sim}, measured {measured}"
        );
        prop_assert!(sim >= threshold, "{d}: below the threshold {threshold}");
        prop_assert!(out.canonical_ids().iter().any(|k| k == kept), "{d}");
    }
    Ok(n)
}

#[test]
fn a_near_drop_is_near_its_kept_document() {
    let texts = revisions(0xC4A1, 30, 200, 4);
    let docs: Vec<(String, String)> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("r{i:02}"), t.clone()))
        .collect();
    // The ends of the chain are far apart.
    let ends = jaccard(
        &set_of(DEFAULT_SIZE, [texts[0].as_str()]),
        &set_of(DEFAULT_SIZE, [texts[29].as_str()]),
    );
    assert!(ends < 0.3, "{ends}");
    let out = run(&docs, &[]);
    let by_id: HashMap<String, String> = docs.iter().cloned().collect();
    let dropped = check_near_drops(&out, &by_id, THRESHOLD).unwrap();
    assert!(dropped > 0, "neighbours are near-duplicates");
    let kept = out.canonical_ids().len();
    assert!(kept >= 3, "a chain of 30 revisions keeps several: {kept}");
    // Verified pairs chained the whole text together; the component was split.
    let near = &out.report["near"];
    assert!(near["longest_chain"].as_u64().unwrap() > 1, "{near}");
    assert_eq!(near["components_split"], 1, "{near}");
    assert!(near["lowest_similarity"].as_f64().unwrap() >= THRESHOLD);
    // The same decisions with one thread.
    let one = run(&docs, &["--threads", "1"]);
    assert_eq!(one.fates(), out.fates());
}

#[test]
fn nothing_to_compare_is_not_identical() {
    // Emoji, stars and punctuation: nothing a shingle is made of, each page different.
    let pages = [
        "🙂🙂🙂",
        "🎉🎉 🎉🎉",
        "⭐⭐⭐⭐⭐",
        "★☆★☆",
        "!!! ??? !!!",
        "… … …",
        "※※※",
        "♥♥",
    ];
    let docs: Vec<(String, String)> = pages
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("s{i}"), t.to_string()))
        .collect();
    for p in pages {
        assert!(set_of(DEFAULT_SIZE, [p]).is_empty(), "{p} has shingles");
    }
    let out = run(&docs, &[]);
    for d in &out.dropped {
        // Kept, or `empty` when repair and boilerplate removal leave nothing to key.
        assert!(d["reason"] == "empty", "{d}");
    }
    assert_eq!(out.report["near"]["verified_pairs"], 0);
    // A true copy still folds as an exact duplicate (same key), never as `near`.
    let mut twice = docs.clone();
    twice.push(("copy".into(), pages[0].to_string()));
    let out = run(&twice, &[]);
    for d in &out.dropped {
        assert!(d["reason"] == "empty" || d["reason"] == "exact", "{d}");
    }
}

/// Two different one-word pages whose 32-bit shingle hashes (the values MinHash signs) are
/// equal: found by a birthday search, so the fixture does not depend on luck.
fn colliding_words() -> (String, String) {
    let mut sh = Shingler::new(DEFAULT_SIZE);
    let mut seen: HashMap<u32, String> = HashMap::new();
    let mut out = Vec::new();
    for i in 0u64.. {
        let w = format!("w{i:x}");
        out.clear();
        sh.paragraph(&w, &mut out);
        if let Some(prev) = seen.insert(out[0], w.clone()) {
            return (prev, w);
        }
    }
    unreachable!()
}

#[test]
fn short_unrelated_documents_never_collide() {
    let (a, b) = colliding_words();
    let (sa, sb) = (
        set_of(DEFAULT_SIZE, [a.as_str()]),
        set_of(DEFAULT_SIZE, [b.as_str()]),
    );
    assert_eq!(fold(sa[0]), fold(sb[0]), "32-bit values collide");
    assert_ne!(sa, sb, "64-bit hashes do not");
    assert_eq!(jaccard(&sa, &sb), 0.0);
    let docs = vec![("a".to_string(), a), ("b".to_string(), b)];
    let out = run(&docs, &[]);
    assert!(out.dropped.is_empty(), "{:?}", out.dropped);
    assert_eq!(out.report["near"]["verified_pairs"], 0);
}

fn config(cases: u32) -> ProptestConfig {
    let env = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok());
    ProptestConfig {
        cases: env.unwrap_or(cases),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(12))]

    /// Whatever the chains, edits and threshold: every `near` drop's measured similarity to
    /// its `kept_id` is at least the threshold.
    #[test]
    fn every_near_drop_is_within_the_threshold_of_its_kept_document(
        seed in any::<u64>(),
        chains in 1usize..4,
        len in 2usize..14,
        edits in 1usize..12,
        threshold in prop::sample::select(vec![0.6, 0.7, 0.8, 0.9]),
    ) {
        let mut docs = Vec::new();
        for c in 0..chains {
            for (i, t) in revisions(seed ^ (c as u64 * 0x9E37), len, 120, edits).into_iter().enumerate() {
                docs.push((format!("c{c}-{i:02}"), t));
            }
        }
        let t = threshold.to_string();
        let out = run(&docs, &["--near-threshold", &t]);
        let by_id: HashMap<String, String> = docs.iter().cloned().collect();
        check_near_drops(&out, &by_id, threshold)?;
    }
}

/// Hard-wraps each paragraph of `text` at about `width` characters: at a space for text with
/// spaces, anywhere for text without.
fn hard_wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    for para in text.lines() {
        let mut col = 0;
        for c in para.chars() {
            if col >= width && (c == ' ' || !para.contains(' ')) {
                out.push('\n');
                col = 0;
                if c == ' ' {
                    continue;
                }
            }
            out.push(c);
            col += 1;
        }
        out.push('\n');
    }
    out
}

/// Line breaks do not hide duplicates (`rewrap` class): a copy hard-wrapped at a fixed width
/// (with or without blank lines between its paragraphs) is an exact duplicate of the unwrapped
/// text — the exact key is the stream of paragraph keys, wherever lines break — with or
/// without near-duplicate detection, and the unwrapped copy is the one kept, whatever the
/// input order. Control: the wrapped copy with one word changed is not exact.
#[test]
fn line_breaks_do_not_hide_duplicates() {
    // Sentences of their own (a repeated template would be cut by repair).
    let en = crate::fixtures::varied_text(7, 700);
    let en = en.trim_end();
    let zh = "今年春天南方多个省份遭遇了持续的强降雨天气，部分地区的河流水位超过了警戒线，当地政府紧急转移了沿河居民。\n\
              气象部门表示未来一周降雨仍将持续，提醒公众注意防范山洪和地质灾害，出行前关注天气预报和道路通行信息。\n\
              各地水利部门加强了水库和堤防的巡查，发现险情立即处置，确保群众生命财产安全，做好抢险物资的储备和调运。";
    for (name, text, width) in [("en", en, 60), ("zh", zh, 20)] {
        let wrapped = hard_wrap(text, width);
        assert!(wrapped.lines().count() > text.lines().count() * 2);
        let spaced = wrapped.replace(".\n", ".\n\n").replace("。\n", "。\n\n");
        for (copy, near) in [(&wrapped, true), (&spaced, false)] {
            for order in [0, 1] {
                let fx = Fixture::new();
                let (first, second) = if order == 0 {
                    (line("unwrapped", text), line("wrapped", copy))
                } else {
                    (line("wrapped", copy), line("unwrapped", text))
                };
                fx.write("input/in.jsonl", format!("{first}\n{second}\n"));
                let out = fx.dedup_dir(if near { &[] } else { &["--no-near"] });
                let fates = out.fates();
                assert_eq!(
                    fates["unwrapped"], "canonical",
                    "{name} order {order}: {fates:?}"
                );
                let d = out.dropped("wrapped");
                assert_eq!(d["reason"], "exact", "{name} order {order}: {d}");
                assert_eq!(d["kept_id"], "unwrapped");
            }
        }
        // One word changed: similar, never identical.
        let edited = if name == "en" {
            let at = wrapped[100..].find(' ').unwrap() + 101;
            format!("{}very {}", &wrapped[..at], &wrapped[at..])
        } else {
            wrapped.replacen("春天", "夏天", 1)
        };
        assert_ne!(edited, wrapped);
        let fx = Fixture::new();
        let input = format!(
            "{}\n{}\n",
            line("unwrapped", text),
            line("wrapped", &edited)
        );
        fx.write("input/in.jsonl", input);
        let out = fx.dedup_dir(&[]);
        let fates = out.fates();
        assert_ne!(fates["wrapped"], "exact", "{name}: {fates:?}");
    }
}
