//! Shingle study: how often lightly edited copies reach the near-duplicate threshold in
//! English and in Chinese under several shingle choices, and how close templated pages of one
//! site (which must never fold) come to it.
//!
//! ```text
//! cargo run --release --example shingle_study -- --corpus corpus/corpus.jsonl \
//!     --truth corpus/corpus.jsonl.truth.tsv [--docs 400] [--threshold 0.8]
//! ```
//!
//! * Recall side: original articles of each language from a `gencorpus` corpus, copied with
//!   independent edits at a per-character rate (each letter, digit or Han character is, with
//!   probability `rate`, replaced by another of its script, deleted, or followed by an
//!   inserted one): a changed letter is one edit in English as a changed character is in
//!   Chinese. Reported: the share of copies whose exact Jaccard similarity to their original
//!   is ≥ the threshold (LSH makes ≥ 99% of those candidates), and the mean similarity.
//! * Precision side: pages generated from templates (village stubs, match reports, weather
//!   pages; English and Chinese), each page with its own names and numbers: every pair of
//!   pages of one template. Reported: the largest similarity and the share of pairs ≥ the
//!   threshold (which would fold different pages).
//!
//! Shingle schemes compared: English word 3-grams with Chinese character 5-grams (canon's
//! default before this study); canon's shingles of `--shingle` tokens (a token is a key
//! character, or a whole number), 5 and 4; and character k-grams over the normalized key
//! (words joined, numbers as characters) for English with character 5-grams for Chinese.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};

use canon::near::shingle::{is_unspaced, jaccard, set_of};
use canon::normalize::Key;
use xxhash_rust::xxh3::xxh3_64;

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// A shingle scheme: the shingle set of a page's paragraphs.
#[derive(Clone, Copy)]
enum Scheme {
    /// canon's shingles of this many tokens.
    Tokens(usize),
    /// Word n-grams for spaced scripts (canon's default before this study), canon's
    /// shingles of 5 for unspaced ones.
    Words(usize),
    /// Character k-grams over the key for spaced scripts, canon's weight-5 shingles (character
    /// 5-grams) for unspaced ones.
    KeyChars(usize),
}

impl Scheme {
    fn name(self) -> String {
        match self {
            Scheme::Tokens(5) => "canon default: 5 tokens (characters, a number one token)".into(),
            Scheme::Tokens(n) => format!("canon: {n} tokens"),
            Scheme::Words(n) => format!("en word {n}-grams, zh char 5-grams (old default)"),
            Scheme::KeyChars(k) => format!("en key char {k}-grams, zh char 5-grams"),
        }
    }

    fn set(self, text: &str, unspaced: bool) -> Vec<u64> {
        let paras: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        match self {
            Scheme::Tokens(n) => set_of(n, paras),
            Scheme::KeyChars(_) | Scheme::Words(_) if unspaced => set_of(5, paras),
            Scheme::Words(n) => {
                let mut out = Vec::new();
                for p in paras {
                    let words: Vec<String> = p
                        .split(|c: char| !c.is_alphanumeric())
                        .filter(|w| !w.is_empty())
                        .map(|w| w.to_lowercase())
                        .collect();
                    if words.len() <= n {
                        out.push(xxh3_64(words.join(" ").as_bytes()));
                        continue;
                    }
                    for w in words.windows(n) {
                        out.push(xxh3_64(w.join(" ").as_bytes()));
                    }
                }
                out.sort_unstable();
                out.dedup();
                out
            }
            Scheme::KeyChars(k) => {
                let mut key = Key::new();
                let mut out = Vec::new();
                for p in paras {
                    key.build(p, false);
                    let cs: Vec<char> = key.as_str().chars().collect();
                    if cs.len() <= k {
                        out.push(xxh3_64(key.as_str().as_bytes()));
                        continue;
                    }
                    for w in cs.windows(k) {
                        let s: String = w.iter().collect();
                        out.push(xxh3_64(s.as_bytes()));
                    }
                }
                out.sort_unstable();
                out.dedup();
                out
            }
        }
    }
}

const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyz";

/// `text` with independent per-character edits at `rate`.
fn edit(text: &str, rate: f64, han: &[char], rng: &mut Rng) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let other = |c: char, rng: &mut Rng| -> char {
        if is_unspaced(c) {
            han[rng.below(han.len())]
        } else {
            LETTERS[rng.below(LETTERS.len())] as char
        }
    };
    for c in text.chars() {
        if !c.is_alphanumeric() || !rng.chance(rate) {
            out.push(c);
            continue;
        }
        match rng.below(3) {
            0 => out.push(other(c, rng)),
            1 => {}
            _ => {
                out.push(c);
                out.push(other(c, rng));
            }
        }
    }
    out
}

/// Template pages: (template name, unspaced?, pages). Each page has its own names and
/// numbers; none is a copy of another.
fn templates(rng: &mut Rng, per: usize, han: &[char]) -> Vec<(&'static str, bool, Vec<String>)> {
    let name = |rng: &mut Rng| -> String {
        const SYL: [&str; 16] = [
            "ka", "wo", "lin", "ber", "sta", "mor", "pe", "dru", "zan", "vel", "ot", "gra", "ny",
            "sho", "ril", "tam",
        ];
        let n = 2 + rng.below(2);
        let mut s: String = (0..n).map(|_| SYL[rng.below(SYL.len())]).collect();
        s[..1].make_ascii_uppercase();
        s
    };
    let zh =
        |rng: &mut Rng, n: usize| -> String { (0..n).map(|_| han[rng.below(han.len())]).collect() };
    let dirs = ["north", "south", "east", "west", "north-east", "south-west"];
    let zdirs = ["东", "南", "西", "北", "东南", "西北"];
    let mut village = Vec::new();
    let mut report = Vec::new();
    let mut weather = Vec::new();
    let mut zvillage = Vec::new();
    let mut zweather = Vec::new();
    let mut lines = Vec::new();
    for i in 0..per {
        lines.push(format!(
            "page {} text unique {}",
            1000 * (i % 10 + 1) + i,
            i * 7919
        ));
        let (g, c, v) = (name(rng), name(rng), name(rng));
        village.push(format!(
            "{} is a village in the administrative district of Gmina {g}, within {c} County, {v} Voivodeship, in {} Poland.\n\
             It lies approximately {} kilometres ({} mi) {} of {g}, {} km ({} mi) {} of {c}, and {} km ({} mi) {} of the regional capital {}.\n\
             The village has a population of {}.",
            name(rng), dirs[rng.below(6)], 2 + rng.below(20), 1 + rng.below(12), dirs[rng.below(6)],
            5 + rng.below(30), 3 + rng.below(19), dirs[rng.below(6)], 20 + rng.below(80),
            12 + rng.below(50), dirs[rng.below(6)], name(rng), 50 + rng.below(2000)
        ));
        let (a, b, p) = (name(rng), name(rng), name(rng));
        report.push(format!(
            "{a} beat {b} {}-{} at {} Stadium on Saturday in front of a crowd of {}.\n\
             {p} {} scored twice for {a}, who move up to {} in the table, {} points behind the leaders.\n\
             {b} manager {} said after the match that his side had been unlucky and would recover.",
            1 + rng.below(5), rng.below(2), name(rng), 5000 + rng.below(40000), name(rng),
            1 + rng.below(20), rng.below(15), name(rng)
        ));
        let city = name(rng);
        weather.push(format!(
            "Weather in {city} today: {}, with a high of {} degrees and a low of {} degrees.\n\
             Wind from the {} at {} km/h, humidity {} percent, chance of rain {} percent.\n\
             Tomorrow in {city}: {}, high {} degrees, low {} degrees.",
            ["sunny", "cloudy", "light rain", "showers", "fog"][rng.below(5)],
            10 + rng.below(25),
            rng.below(15),
            dirs[rng.below(6)],
            5 + rng.below(40),
            30 + rng.below(60),
            rng.below(100),
            ["sunny", "cloudy", "light rain", "showers", "fog"][rng.below(5)],
            10 + rng.below(25),
            rng.below(15)
        ));
        let (cun, zhen, xian) = (zh(rng, 2), zh(rng, 2), zh(rng, 2));
        zvillage.push(format!(
            "{cun}村是{}省{}市{xian}县{zhen}镇下辖的一个行政村。\n\
             该村位于{zhen}镇{}约{}公里处，总面积{}平方公里，辖{}个村民小组，户籍人口{}人。\n\
             村内主要种植{}和{}，近年来发展了{}产业。",
            zh(rng, 2),
            zh(rng, 2),
            zdirs[rng.below(6)],
            2 + rng.below(20),
            3 + rng.below(30),
            2 + rng.below(12),
            300 + rng.below(4000),
            zh(rng, 2),
            zh(rng, 2),
            zh(rng, 2)
        ));
        let zc = zh(rng, 2);
        zweather.push(format!(
            "{zc}今天{}，最高气温{}摄氏度，最低气温{}摄氏度。\n\
             {}风{}级，相对湿度百分之{}，降水概率百分之{}。\n\
             明天{zc}{}，最高气温{}摄氏度，最低气温{}摄氏度。",
            ["晴", "多云", "小雨", "阵雨", "有雾"][rng.below(5)],
            10 + rng.below(25),
            rng.below(15),
            zdirs[rng.below(6)],
            1 + rng.below(6),
            30 + rng.below(60),
            rng.below(100),
            ["晴", "多云", "小雨", "阵雨", "有雾"][rng.below(5)],
            10 + rng.below(25),
            rng.below(15)
        ));
    }
    vec![
        ("en village stubs", false, village),
        ("en match reports", false, report),
        ("en weather pages", false, weather),
        ("en numbered lines", false, lines),
        ("zh village stubs", true, zvillage),
        ("zh weather pages", true, zweather),
    ]
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let corpus = arg(&args, "--corpus").unwrap_or_else(|| "corpus/corpus.jsonl".into());
    let truth = arg(&args, "--truth").unwrap_or_else(|| format!("{corpus}.truth.tsv"));
    let per_lang: usize = arg(&args, "--docs")
        .and_then(|s| s.parse().ok())
        .unwrap_or(400);
    let th: f64 = arg(&args, "--threshold")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.8);

    // Originals by language, from the truth table (id, kind, source, rate, lang, ...).
    let mut want: HashMap<String, &'static str> = HashMap::new();
    let (mut n_en, mut n_zh) = (0, 0);
    let t = BufReader::new(std::fs::File::open(&truth).expect("the truth table"));
    for line in t.lines().skip(1).map_while(Result::ok) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 7 || f[1] != "original" || !f[5].is_empty() || !f[6].is_empty() {
            continue;
        }
        match f[4] {
            "en" if n_en < per_lang => {
                n_en += 1;
                want.insert(f[0].into(), "en");
            }
            "zh" if n_zh < per_lang => {
                n_zh += 1;
                want.insert(f[0].into(), "zh");
            }
            _ => {}
        }
        if n_en >= per_lang && n_zh >= per_lang {
            break;
        }
    }
    let mut docs: Vec<(&'static str, String)> = Vec::new();
    let c = BufReader::new(std::fs::File::open(&corpus).expect("the corpus"));
    for line in c.lines().map_while(Result::ok) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        if let (Some(id), Some(text)) = (v["id"].as_str(), v["text"].as_str()) {
            if let Some(&lang) = want.get(id) {
                docs.push((lang, text.to_owned()));
            }
        }
        if docs.len() == want.len() {
            break;
        }
    }
    let han: Vec<char> = docs
        .iter()
        .filter(|d| d.0 == "zh")
        .flat_map(|d| d.1.chars().filter(|&c| is_unspaced(c)).take(50))
        .collect();
    let schemes = [
        Scheme::Words(3),
        Scheme::Tokens(5),
        Scheme::Tokens(4),
        Scheme::KeyChars(5),
        Scheme::KeyChars(6),
        Scheme::KeyChars(7),
    ];
    let rates = [0.005, 0.01, 0.02, 0.03, 0.05];
    println!(
        "threshold {th}; {} en and {} zh originals; per-character edit rates",
        n_en, n_zh
    );
    println!("\nshare of copies with J >= threshold (mean J):");
    print!("{:<55}", "scheme / lang");
    for r in rates {
        print!(" {:>14}", format!("{:.1}%", r * 100.0));
    }
    println!();
    for s in schemes {
        for lang in ["en", "zh"] {
            print!("{:<55}", format!("{} / {lang}", s.name()));
            for (k, r) in rates.iter().enumerate() {
                let mut rng = Rng(1000 + k as u64);
                let (mut hit, mut sum, mut n) = (0usize, 0.0f64, 0usize);
                for (l, text) in docs.iter().filter(|d| d.0 == lang) {
                    let copy = edit(text, *r, &han, &mut rng);
                    let j = jaccard(&s.set(text, *l == "zh"), &s.set(&copy, *l == "zh"));
                    hit += usize::from(j >= th);
                    sum += j;
                    n += 1;
                }
                print!(
                    " {:>14}",
                    format!("{:.3} ({:.2})", hit as f64 / n as f64, sum / n as f64)
                );
            }
            println!();
        }
    }
    println!("\ntemplated pages (all pairs of 150 pages per template): max J, share of pairs >= threshold");
    let mut rng = Rng(7);
    let tpl = templates(&mut rng, 150, &han);
    for s in schemes {
        println!("{}", s.name());
        for (name, unspaced, pages) in &tpl {
            let sets: Vec<Vec<u64>> = pages.iter().map(|p| s.set(p, *unspaced)).collect();
            let (mut max, mut over, mut pairs, mut sum) = (0.0f64, 0usize, 0usize, 0.0);
            for i in 0..sets.len() {
                for j in i + 1..sets.len() {
                    let x = jaccard(&sets[i], &sets[j]);
                    max = max.max(x);
                    over += usize::from(x >= th);
                    sum += x;
                    pairs += 1;
                }
            }
            println!(
                "  {name:<20} max {max:.3}  mean {:.3}  >= threshold {:.4}",
                sum / pairs as f64,
                over as f64 / pairs as f64
            );
        }
    }
}
