//! "Never cut what a reader would keep": cuts inside a paragraph fall on word boundaries in
//! scripts written with spaces, every periodic run is cut down to one period whatever its
//! period and script, and `--min-repeat` weighs a sentence about the same in every script.
//! Fixtures are written here (small pages in several scripts); every expected output is exact.

use proptest::prelude::*;

use canon::repair::{repair_text, DEFAULT_MIN_REPEAT};

fn repair(page: &str) -> String {
    repair_text(page, DEFAULT_MIN_REPEAT)
}

/// Repairing the output again changes nothing.
fn assert_fixed_point(page: &str, min: usize) {
    let once = repair_text(page, min);
    assert_eq!(repair_text(&once, min), once, "not a fixed point: {page:?}");
}

#[test]
fn cuts_fall_on_word_boundaries() {
    // The repeated run starts inside a word: `Candles` and `Lanterns` both end in `s`.
    let page = "Harbour news\n\
        Lanterns glowed along the harbour while fishermen mended their nets before the winter storms.\n\
        Candles glowed along the harbour while fishermen mended their nets before the winter storms, delighting tourists.\n";
    assert_eq!(
        repair(page),
        "Harbour news\n\
         Lanterns glowed along the harbour while fishermen mended their nets before the winter storms.\n\
         Candles delighting tourists."
    );
    // The repeated run ends inside a word: `fail` is the start of `failing`.
    let page = "River notes\n\
        The ferry crossed the wide river at dawn every morning without fail, carrying workers to the mill.\n\
        Yesterday the ferry crossed the wide river at dawn every morning without failing once, to everyone's surprise.\n";
    assert_eq!(
        repair(page),
        "River notes\n\
         The ferry crossed the wide river at dawn every morning without fail, carrying workers to the mill.\n\
         Yesterday failing once, to everyone's surprise."
    );
    // Cyrillic: `Котики` and `Собаки` both end in `и`.
    let page = "Погода\n\
        Котики спали на тёплом подоконнике, пока за окном шёл холодный осенний дождь.\n\
        Собаки спали на тёплом подоконнике, пока за окном шёл холодный осенний дождь, и никто не хотел гулять.\n";
    assert_eq!(
        repair(page),
        "Погода\n\
         Котики спали на тёплом подоконнике, пока за окном шёл холодный осенний дождь.\n\
         Собаки и никто не хотел гулять."
    );
    // Chinese has no spaces: any character boundary is a word boundary.
    let page = "新闻\n\
        今天上午市政府召开新闻发布会，宣布将在明年春天之前完成老城区全部供暖管道的更新改造工程。\n\
        据悉今天上午市政府召开新闻发布会，宣布将在明年春天之前完成老城区全部供暖管道的更新改造工程，居民表示欢迎。\n";
    assert_eq!(
        repair(page),
        "新闻\n\
         今天上午市政府召开新闻发布会，宣布将在明年春天之前完成老城区全部供暖管道的更新改造工程。\n\
         据悉，居民表示欢迎。"
    );
    // Inside one very long "word" a cut may fall mid-word; one separator stays after it.
    let page = format!("Comments\nFans wrote {} and left.\n", "ha".repeat(60));
    assert_eq!(repair(&page), "Comments\nFans wrote ha and left.");
    let page = format!("Comments\nScore {}!\n", "6".repeat(80));
    assert_eq!(repair(&page), "Comments\nScore 6!");
}

/// One unit repeated `n` times between `lead` and `tail`.
fn stutter(lead: &str, unit: &str, n: usize, tail: &str) -> String {
    format!("{lead}{}{tail}", unit.repeat(n))
}

#[test]
fn every_repeated_run_is_found_whatever_its_period() {
    // (lead, unit, tail, weight of one unit in letters × 2): the run repeats (n - 1) units; it
    // is cut to one unit when that weighs at least `--min-repeat` (50), else kept whole.
    let cases: &[(&str, &str, &str, usize)] = &[
        ("He said ", "word ", "and stopped.", 8),
        ("Ad: ", "buy now cheap ", "today only.", 22),
        ("Chat: ", "lol ", "ok bye.", 6),
        ("Sound: ", "a", " end.", 2),
        ("Ответ: ", "да ", "конец.", 4),
        ("Он сказал: ", "хорошо ", "и ушёл.", 12),
        ("他说", "好好学习", "然后走了。", 20),
        ("成语：", "一石二鸟，", "完。", 20),
        ("彼は", "ありがとう", "と言った。", 25),
        ("Reply: ", "ครับ", " done.", 15),
        ("ตอบว่า ", "ค่ะ ", "แล้วไป", 10),
        (
            "Notice: ",
            "The library will be closed on Monday for the public holiday. ",
            "Thank you.",
            98,
        ),
    ];
    for &(lead, unit, tail, w2) in cases {
        for n in (2..=40).chain([77, 200]) {
            let page = stutter(lead, unit, n, tail);
            let got = repair(&page);
            let want = if (n - 1) * w2 >= 2 * DEFAULT_MIN_REPEAT {
                stutter(lead, unit, 1, tail).trim().replace("  ", " ")
            } else {
                page.trim().to_owned()
            };
            assert_eq!(got, want, "{unit:?} × {n}");
            assert_fixed_point(&page, DEFAULT_MIN_REPEAT);
        }
    }
    // 100 KB of one word: still one word, found at once.
    let page = stutter("Start: ", "word ", 20_000, "end.");
    assert_eq!(repair(&page), "Start: word end.");
    // At other `--min-repeat` values too.
    for min in [10, 20, 100] {
        let page = stutter("Say ", "hello ", 100, "now.");
        assert_eq!(repair_text(&page, min), "Say hello now.", "min {min}");
        let page = stutter("说", "谢谢你", 100, "。");
        assert_eq!(repair_text(&page, min), "说谢谢你。", "min {min}");
    }
}

#[test]
fn minimum_repeat_is_measured_fairly_across_scripts() {
    // The same sentence in Chinese (45 characters) and in English (97 letters), each
    // repeated inside a later line: at the default both are cut (a sentence is a sentence;
    // counting characters, the Chinese one was kept and the English one cut); at
    // `--min-repeat 120` neither is (each weighs under 120 letters); at 105 only the Chinese
    // one is (it weighs 112.5, the English 97).
    let zh = "目前由于连续多日的强降雨，山区多条公路发生塌方，交通部门已经组织大批力量日夜抢修受损路段和桥梁。";
    let en = "Because of several days of heavy rain, landslides blocked many mountain roads and large crews are now repairing them.";
    let zh_page = format!("通报\n{zh}\n另据报道{zh}预计周末恢复通车。\n");
    let en_page = format!("Bulletin\n{en}\nMeanwhile {en} Traffic should resume by the weekend.\n");
    let zh_cut = format!("通报\n{zh}\n另据报道。预计周末恢复通车。");
    let en_cut = format!("Bulletin\n{en}\nMeanwhile Traffic should resume by the weekend.");
    assert_eq!(repair_text(&zh_page, DEFAULT_MIN_REPEAT), zh_cut);
    assert_eq!(repair_text(&en_page, DEFAULT_MIN_REPEAT), en_cut);
    assert_eq!(repair_text(&zh_page, 120), zh_page.trim());
    assert_eq!(repair_text(&en_page, 120), en_page.trim());
    assert_eq!(repair_text(&zh_page, 105), zh_cut);
    assert_eq!(repair_text(&en_page, 105), en_page.trim());
    // A 20-character Chinese run weighs 50 letters: cut at the default; 19 (47.5) is kept.
    let run19 = "春风吹绿了江南岸边的柳树和田野里的麦苗";
    assert_eq!(run19.chars().count(), 19);
    let page = format!("诗\n{run19}啊\n他说{run19}啊真美\n");
    assert_eq!(repair(&page), format!("诗\n{run19}啊\n他说真美"));
    let page = format!("诗\n{run19}\n他说{run19}真美\n");
    assert_eq!(repair(&page), page.trim());
}

/// Words of a spaced script: letters and digits between anything else.
fn words(text: &str) -> std::collections::HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

const VOCAB: &[&str] = &[
    "the",
    "river",
    "ferry",
    "crossed",
    "at",
    "dawn",
    "profits",
    "rose",
    "after",
    "record",
    "storm",
    "moved",
    "east",
    "rain",
    "is",
    "expected",
    "a",
    "an",
    "of",
    "in",
    "word",
    "lol",
    "снег",
    "шёл",
    "всю",
    "ночь",
    "и",
    "дороги",
    "замело",
    "2024",
    "7",
    "quarterly",
];

/// A page of lines made from a small vocabulary, with repeated sentences and stutters.
fn spaced_page() -> impl Strategy<Value = String> {
    let sentence =
        prop::collection::vec(prop::sample::select(VOCAB), 1..20).prop_map(|w| w.join(" "));
    let line = prop::collection::vec(
        (
            sentence,
            1usize..6,
            prop::sample::select(&[" ", ", ", ". ", " — "][..]),
        ),
        1..5,
    )
    .prop_map(|parts| {
        parts
            .into_iter()
            .map(|(s, n, sep)| vec![s; n].join(sep))
            .collect::<Vec<_>>()
            .join(". ")
    });
    prop::collection::vec(line, 1..8).prop_map(|l| l.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig {
        // 96 cases unless `PROPTEST_CASES` asks for more.
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(96),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Repair never glues a new word in a script written with spaces: every word of the
    /// output is a word of the input (words here are shorter than the long-word limit).
    #[test]
    fn repair_never_makes_a_word_absent_from_the_input(page in spaced_page(), min in prop::sample::select(&[8usize, 20, 50][..])) {
        let out = repair_text(&page, min);
        let input = words(&page);
        for w in words(&out) {
            prop_assert!(input.contains(&w), "new word {:?} in {:?}", w, out);
        }
        prop_assert_eq!(repair_text(&out, min), out.clone());
    }
}
